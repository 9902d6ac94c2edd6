//! The issuer's refund confirmations over HTTP and by file against the real server
//! (SPEC §11, issue 17 item 2): `POST /api/v1/refunds` and `server import-refunds`,
//! replay without change, per-item errors, the key rules, «退費處理中» / «已退費» on the
//! query page, the overdue note, and the bound parent's message. On SQLite, or on
//! PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, binding_requests, outbox, parent_accounts, stop_requests};
use app::server::roster;
use chrono::{Duration, Utc};
use common::{Browser, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";
const REFUND_KEY: &str = "refund-test-key-0123456789";

/// Holders without a guardian contact (no step-up code), each with an active card
/// holding NT$230.
fn id(n: u8) -> String {
    with_check_digit('D', &format!("1234567{n}")).expect("valid ID")
}

fn roster_file() -> String {
    let mut f = format!("{HEADER}\n");
    for n in 0..4 {
        f.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,13000{n},林小華{n},{},{BIRTH},M,502,2{n},KL-PRIMARY,07123456{n}0,active,230,2021-09-01\n",
            id(n)
        ));
    }
    f
}

async fn setup(env: &[(&str, &str)]) -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, env).await;
    (db, server)
}

/// Stops holder `n`'s card with `choice` and returns the stop's serial.
async fn stop(server: &TestServer, n: u8, choice: &str) -> String {
    let browser = server.client();
    browser.verified_in("stop", &id(n), BIRTH).await;
    let overview = browser.get("/api/stop/overview").await;
    let card_ref = overview.body["cards"][0]["card_ref"].as_str().unwrap();
    let mut input = json!({ "card_ref": card_ref, "choice": choice,
                            "idempotency_key": format!("refund-stop-{n}-0001") });
    match choice {
        "bank_transfer" => {
            input["bank"] = json!({ "bank_code": "808", "branch_code": "0123", "account_no": "1234-5678-9012" });
        }
        "cheque" => {
            input["cheque"] = json!({ "postal_code": "200", "address": "基隆市仁愛區愛一路1號" });
        }
        _ => {}
    }
    let reply = browser
        .post_json("/api/stop/submit", &json!({ "input": input }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body["serial_no"].as_str().unwrap().to_owned()
}

/// A parent account bound (approved) to holder `n`, hearing by e-mail.
async fn bind_parent(db: &TestDb, n: u8) {
    let c = cipher();
    let email = format!("parent{n}@example.com");
    let hash = c.keyed_hash("parent.contact", &email);
    let now = Utc::now();
    let parent = parent_accounts::ActiveModel {
        contact_kind: Set("email".into()),
        contact_enc: Set(c.encrypt(&email, &format!("parent_accounts.contact:{hash}"))),
        contact_hash: Set(hash),
        display_name: Set(format!("家長{n}")),
        password_hash: Set("not-a-login".into()),
        password_version: Set(1),
        must_change_password: Set(false),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
    let holder = app::server::entities::holders::Entity::find()
        .filter(app::server::entities::holders::Column::IdNoHash.eq(common::id_hash(&id(n))))
        .one(&db.db)
        .await
        .unwrap()
        .expect("holder");
    binding_requests::ActiveModel {
        parent_id: Set(parent.id),
        holder_id: Set(holder.id),
        relationship: Set("mother".into()),
        status: Set("approved".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
}

async fn refund_notices(db: &TestDb) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Template.eq("card_action"))
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.payload.contains("\"refund\""))
        .collect()
}

async fn post(server: &TestServer, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(server.url("/api/v1/refunds"))
        .json(body);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn query_card(server: &TestServer, n: u8) -> Value {
    let browser: Browser = server.client();
    browser.verified_in("query", &id(n), BIRTH).await;
    let overview = browser.get("/api/query/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    overview.body["cards"][0].clone()
}

#[tokio::test]
async fn refunds_are_confirmed_once_with_per_item_errors_and_a_parent_message() {
    let (db, server) = setup(&[("PORTAL_REFUND_API_KEY", REFUND_KEY)]).await;
    let bank = stop(&server, 0, "bank_transfer").await;
    let none = stop(&server, 1, "no_refund").await;
    bind_parent(&db, 0).await;

    // Before the issuer's confirmation: «退費處理中», not yet overdue.
    let card = query_card(&server, 0).await;
    assert_eq!(
        card["refund"],
        json!({ "state": "pending", "overdue": false }),
        "{card}"
    );
    assert_eq!(query_card(&server, 1).await["refund"], Value::Null);

    let today = app::domain::dates::taiwan_today().to_string();
    let body = json!({ "refunds": [
        { "serial": bank, "amount": 200, "paid_on": today, "method": "bank_transfer" },
        { "serial": none, "amount": 0, "paid_on": today, "method": "cheque" },
        { "serial": "ST20990101000001", "amount": 5, "paid_on": today, "method": "cheque" },
    ]});
    // A wrong amount or method first: reported, nothing changes.
    let (status, report) = post(
        &server,
        Some(REFUND_KEY),
        &json!({ "refunds": [
            { "serial": bank, "amount": 199, "paid_on": today, "method": "bank_transfer" },
            { "serial": bank, "amount": 200, "paid_on": today, "method": "cheque" },
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["results"][0]["outcome"], "wrong_amount", "{report}");
    assert_eq!(report["results"][0]["expected"], 200, "{report}");
    assert_eq!(report["results"][1]["outcome"], "wrong_method", "{report}");
    assert_eq!(report["rejected"], 2);

    let (status, report) = post(&server, Some(REFUND_KEY), &body).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let outcomes: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["confirmed", "no_refund_requested", "unknown"],
        "{report}"
    );
    assert_eq!(report["results"][1]["serial"], json!(none));

    // The same list again changes nothing and says so per item.
    let (status, again) = post(&server, Some(REFUND_KEY), &body).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        again["results"][0]["outcome"], "already_recorded",
        "{again}"
    );
    assert_eq!(again["results"][0]["paid_on"], json!(today));
    assert_eq!(
        (
            again["confirmed"].as_u64(),
            again["already_recorded"].as_u64()
        ),
        (Some(0), Some(1))
    );

    let s = stop_requests::Entity::find()
        .filter(stop_requests::Column::SerialNo.eq(bank.clone()))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.refund_paid_on.map(|d| d.to_string()), Some(today.clone()));
    assert_eq!(s.refund_paid_amount, Some(200));
    assert_eq!(s.refund_method.as_deref(), Some("bank_transfer"));
    // One audited confirmation, one message to the bound parent.
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("refund.confirm"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].actor_kind, "issuer");
    let notices = refund_notices(&db).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].payload.contains("\"amount\":200"),
        "{}",
        notices[0].payload
    );

    // The query page: «已退費» with the date.
    let card = query_card(&server, 0).await;
    assert_eq!(
        card["refund"],
        json!({ "state": "paid", "paid_on": today }),
        "{card}"
    );
}

#[tokio::test]
async fn malformed_refunds_are_refused_whole_with_each_problem() {
    let (db, server) = setup(&[("PORTAL_REFUND_API_KEY", REFUND_KEY)]).await;
    let bank = stop(&server, 0, "bank_transfer").await;
    let today = app::domain::dates::taiwan_today().to_string();
    let (status, body) = post(
        &server,
        Some(REFUND_KEY),
        &json!({ "refunds": [
            { "serial": bank, "amount": 200, "paid_on": today, "method": "bank_transfer" },
            { "serial": bank, "amount": -1, "paid_on": today, "method": "bank_transfer" },
            { "serial": bank, "amount": 200, "paid_on": "2026-02-30", "method": "bank_transfer" },
            { "serial": bank, "amount": 200, "paid_on": today, "method": "cash" },
            { "serial": "AP20261201000001", "amount": 200, "paid_on": today, "method": "cheque" },
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_refunds");
    let indexes: Vec<u64> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [2, 3, 4, 5], "{body}");
    // Nothing was applied, not even the good first item.
    let s = stop_requests::Entity::find()
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert!(s.refund_paid_on.is_none());
    for bad in [
        json!({ "refunds": [] }),
        json!({ "refunds": [], "extra": 1 }),
        json!({ "refunds": [{ "serial": bank, "amount": 200, "paid_on": today }] }),
    ] {
        let (status, body) = post(&server, Some(REFUND_KEY), &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{body}"
        );
    }
}

#[tokio::test]
async fn refunds_need_the_refund_key_and_are_off_without_one() {
    let (db, mut server) = setup(&[
        ("PORTAL_REFUND_API_KEY", REFUND_KEY),
        ("PORTAL_ISSUER_API_KEY", "issuer-key-0123456789"),
    ])
    .await;
    let body = json!({ "refunds": [{ "serial": "ST20261201000001", "amount": 1,
                                     "paid_on": "2026-12-01", "method": "cheque" }] });
    for key in [None, Some("wrong"), Some("issuer-key-0123456789")] {
        let (status, reply) = post(&server, key, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(reply["error"], "unauthorized");
    }
    // Unset: refused, and the rest of the server works.
    server.kill();
    drop(server);
    let server = TestServer::start(&db, &[("PORTAL_REFUND_API_KEY", "")]).await;
    for key in [None, Some(REFUND_KEY), Some("")] {
        let (status, _) = post(&server, key, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
    }
    let health = reqwest::get(server.url("/api/v1/health")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("refund.api"))
        .filter(audit_log::Column::Result.eq("denied"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 6);
}

#[tokio::test]
async fn refunds_import_from_a_file_with_line_errors_and_replays_as_no_op() {
    let (db, server) = setup(&[]).await;
    let bank = stop(&server, 0, "bank_transfer").await;
    let cheque = stop(&server, 1, "cheque").await;
    let today = app::domain::dates::taiwan_today().to_string();

    let bad = db.write_file(
        "bad.csv",
        &format!(
            "serial,amount,paid_on,method\n{bank},200,{today},bank_transfer\n{cheque},-3,{today},cheque\n{cheque},195,someday,cheque\n"
        ),
    );
    let out = db.cli(&["import-refunds", bad.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("line 3: amount -3"), "{stderr}");
    assert!(stderr.contains("line 4: paid_on \"someday\""), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");

    // Cheque: 230 - 20 loss - 25 postage = 185.
    let file = db.write_file(
        "refunds.csv",
        &format!(
            "\u{feff}serial,amount,paid_on,method\n{bank},200,{today},bank_transfer\n{cheque},185,{today},cheque\nST20990101000009,10,{today},cheque\n"
        ),
    );
    let out = db.cli(&["import-refunds", file.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("3 refunds: 2 confirmed, 0 already recorded, 1 rejected"),
        "{stdout}"
    );
    assert!(
        stderr.contains("line 4: ST20990101000009 unknown serial"),
        "{stderr}"
    );
    let again = db.cli(&["import-refunds", file.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("0 confirmed, 2 already recorded, 1 rejected"),
        "{stdout}"
    );
    let paid = stop_requests::Entity::find()
        .filter(stop_requests::Column::RefundPaidOn.is_not_null())
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(paid.len(), 2);
    let cli_audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("refund.confirm"))
        .filter(audit_log::Column::ActorKind.eq("cli"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(cli_audits.len(), 2);
}

#[tokio::test]
async fn an_unconfirmed_refund_after_fourteen_working_days_tells_whom_to_call() {
    let (db, server) = setup(&[]).await;
    let serial = stop(&server, 0, "cheque").await;
    // Stopped five weeks ago: more than 14 working days, whatever the weekday.
    let s = stop_requests::Entity::find()
        .filter(stop_requests::Column::SerialNo.eq(serial))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: stop_requests::ActiveModel = s.into();
    row.stopped_at = Set(Utc::now() - Duration::days(35));
    row.update(&db.db).await.unwrap();
    let card = query_card(&server, 0).await;
    assert_eq!(
        card["refund"],
        json!({ "state": "pending", "overdue": true }),
        "{card}"
    );
}
