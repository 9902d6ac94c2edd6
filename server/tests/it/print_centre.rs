//! The print centre's API against the real binary (SPEC §11, issue 17 item 1): print
//! batches, their print data and photos, and the results printed → shipped («已寄出»
//! with «掛號號碼») → delivered («已結案»), each once with a message to the applicant;
//! a repeated report changes nothing; unknown serials reported per item; the key rules.
//! On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{
    application_events, audit_log, holders, outbox, replacement_applications as applications,
};
use app::server::roster;
use chrono::{Duration, Utc};
use common::{TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";
const PRINT_KEY: &str = "print-centre-test-key-0123456789";
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0 not really a jpeg \xFF\xD9";

fn id(n: u8) -> String {
    with_check_digit('F', &format!("1234567{n}")).expect("valid ID")
}

fn serial(n: u8) -> String {
    format!("AP20261120{:06}", u32::from(n) + 1)
}

/// Holders 0–2 with stopped cards and an application each: 0 by registered mail and 1
/// to the school, both paid and approved («等待印卡回應»); 2 still unpaid.
async fn setup(env: &[(&str, &str)]) -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let mut f = format!("{HEADER}\n");
    for n in 0..3 {
        f.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,15000{n},陳大文{n},{},{BIRTH},M,502,4{n},KL-PRIMARY,09123456{n}0,stopped,0,2021-09-01\n",
            id(n)
        ));
    }
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let photos = db.path().join("data").join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let now = Utc::now();
    for (n, delivery, status) in [
        (0u8, "mail", "printing"),
        (1, "school", "printing"),
        (2, "mail", "awaiting_payment"),
    ] {
        let holder = holders::Entity::find()
            .filter(holders::Column::IdNoHash.eq(common::id_hash(&id(n))))
            .one(&db.db)
            .await
            .unwrap()
            .expect("holder");
        let serial = serial(n);
        let enc = |col: &str, v: &str| {
            cipher().encrypt(v, &format!("replacement_applications.{col}:{serial}"))
        };
        let photo = format!("00000000-0000-4000-8000-00000000000{n}.jpg");
        std::fs::write(photos.join(&photo), PHOTO).unwrap();
        applications::ActiveModel {
            serial_no: Set(serial.clone()),
            holder_id: Set(holder.id),
            card_type: Set("KL-PRIMARY".into()),
            reason: Set("lost".into()),
            email_enc: Set(Some(enc("email", &format!("family{n}@example.com")))),
            delivery: Set(delivery.into()),
            recipient_name_enc: Set(enc("recipient_name", "陳媽媽")),
            recipient_phone_enc: Set(enc("recipient_phone", "0912345678")),
            recipient_address_enc: Set(
                (delivery == "mail").then(|| enc("recipient_address", "基隆市仁愛區愛二路2號"))
            ),
            photo_file: Set(photo),
            photo_sha256: Set("x".into()),
            fee: Set(100),
            amount_due: Set(100),
            payment_serial: Set(700 + i64::from(n)),
            payment_no: Set(format!("PRINT-TEST-{n}")),
            due_on: Set(app::domain::dates::taiwan_today() + Duration::days(3)),
            status: Set(status.into()),
            review_status: Set("approved".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .unwrap();
    }
    let server = TestServer::start(&db, env).await;
    (db, server)
}

async fn call(
    server: &TestServer,
    key: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, server.url(path));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn app_row(db: &TestDb, n: u8) -> applications::Model {
    applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial(n)))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap()
}

async fn messages(db: &TestDb) -> Vec<String> {
    let mut out: Vec<String> = outbox::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| format!("{} {}", m.template, m.payload))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_batch_is_printed_shipped_and_delivered_once_with_messages() {
    use reqwest::Method;
    let (db, server) = setup(&[("PORTAL_PRINT_CENTRE_API_KEY", PRINT_KEY)]).await;
    let key = Some(PRINT_KEY);

    let (status, batch) = call(&server, key, Method::POST, "/api/v1/print-batches", None).await;
    assert_eq!(status, StatusCode::CREATED, "{batch}");
    assert_eq!(batch["count"], 2, "{batch}");
    let batch_id = batch["id"].as_i64().unwrap();
    // Nothing left to collect: no empty batch.
    let (status, none) = call(&server, key, Method::POST, "/api/v1/print-batches", None).await;
    assert_eq!(status, StatusCode::OK, "{none}");
    assert_eq!(none, json!({ "id": null, "count": 0 }));
    let (status, list) = call(&server, key, Method::GET, "/api/v1/print-batches", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["batches"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["batches"][0]["id"], batch_id);
    assert_eq!(list["batches"][0]["count"], 2);

    let path = format!("/api/v1/print-batches/{batch_id}");
    let (status, data) = call(&server, key, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{data}");
    let items = data["applications"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{data}");
    assert_eq!(items[0]["serial"], json!(serial(0)));
    assert_eq!(items[0]["name"], "陳大文0");
    assert_eq!(items[0]["school"], "基隆市立仁愛國小");
    assert_eq!(items[0]["recipient_address"], "基隆市仁愛區愛二路2號");
    assert_eq!(items[1]["delivery"], "school");
    let reads = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("print.batch_read"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(reads.len(), 1, "reading names and addresses is audited");
    assert_eq!(reads[0].actor_kind, "print_centre");
    let photo_url = items[0]["photo_url"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let photo = http
        .get(server.url(&photo_url))
        .bearer_auth(PRINT_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(photo.status(), StatusCode::OK);
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(&photo.bytes().await.unwrap()[..], PHOTO);
    let no_key = http.get(server.url(&photo_url)).send().await.unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = call(&server, key, Method::GET, "/api/v1/print-batches/999", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let before = messages(&db).await.len();
    let results = json!({ "results": [
        { "serial": serial(0), "status": "printed" },
        { "serial": serial(1), "status": "printed" },
        { "serial": serial(0), "status": "shipped" },
        { "serial": serial(0), "status": "shipped", "mail_no": "RR123456789TW", "at": "2026-12-01T10:00:00+08:00" },
        { "serial": serial(1), "status": "delivered" },
        { "serial": serial(2), "status": "shipped", "mail_no": "RR000000000TW" },
        { "serial": "AP20990101000001", "status": "printed" },
    ]});
    let (status, report) = call(
        &server,
        key,
        Method::POST,
        "/api/v1/print-results",
        Some(&results),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let outcomes: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "recorded",
            "recorded",
            "mail_no_required",
            "recorded",
            "recorded",
            "not_in_batch",
            "unknown"
        ],
        "{report}"
    );
    let a0 = app_row(&db, 0).await;
    assert_eq!(
        (a0.status.as_str(), a0.mail_no.as_deref()),
        ("shipped", Some("RR123456789TW"))
    );
    assert_eq!(app_row(&db, 1).await.status, "closed");
    assert_eq!(app_row(&db, 2).await.status, "awaiting_payment");
    let sent = messages(&db).await;
    assert_eq!(sent.len(), before + 4, "{sent:#?}");
    assert!(
        sent.iter()
            .any(|m| m.contains("\"shipped\"") && m.contains("RR123456789TW")),
        "{sent:#?}"
    );

    // The same report again: nothing changes, and each item says so.
    let events = application_events::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
        .len();
    let (status, again) = call(
        &server,
        key,
        Method::POST,
        "/api/v1/print-results",
        Some(&results),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["recorded"], 0, "{again}");
    assert_eq!(again["already_recorded"], 5, "{again}");
    assert_eq!(
        application_events::Entity::find()
            .all(&db.db)
            .await
            .unwrap()
            .len(),
        events
    );
    assert_eq!(messages(&db).await.len(), before + 4);

    // The holder's query shows «已寄出» with the mail number and its time.
    let browser = server.client();
    browser.verified_in("query", &id(0), BIRTH).await;
    let overview = browser.get("/api/query/overview").await;
    let app = &overview.body["applications"][0];
    assert_eq!(app["status"], "shipped", "{app}");
    let shipped = app["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "shipped")
        .unwrap()
        .clone();
    assert_eq!(shipped["note"], "RR123456789TW", "{app}");
    assert_eq!(shipped["at"], 1_796_090_400, "{app}");

    // Delivered later: «已結案».
    let done = json!({ "results": [{ "serial": serial(0), "status": "delivered" }] });
    let (_, report) = call(
        &server,
        key,
        Method::POST,
        "/api/v1/print-results",
        Some(&done),
    )
    .await;
    assert_eq!(report["recorded"], 1, "{report}");
    assert_eq!(app_row(&db, 0).await.status, "closed");
}

#[tokio::test]
async fn the_print_centre_api_needs_its_key_and_checks_every_result() {
    use reqwest::Method;
    let (db, server) = setup(&[
        ("PORTAL_PRINT_CENTRE_API_KEY", PRINT_KEY),
        ("PORTAL_REFUND_API_KEY", "refund-key-0123456789"),
    ])
    .await;
    let results = json!({ "results": [{ "serial": serial(0), "status": "printed" }] });
    let calls = [
        (Method::POST, "/api/v1/print-batches", None),
        (Method::GET, "/api/v1/print-batches", None),
        (Method::GET, "/api/v1/print-batches/1", None),
        (
            Method::GET,
            "/api/v1/print-batches/1/photos/AP20261120000001",
            None,
        ),
        (Method::POST, "/api/v1/print-results", Some(&results)),
    ];
    for key in [None, Some("wrong"), Some("refund-key-0123456789")] {
        for (method, path, body) in &calls {
            let (status, reply) = call(&server, key, method.clone(), path, *body).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} {key:?}");
            assert_eq!(reply["error"], "unauthorized");
        }
    }
    assert_eq!(app_row(&db, 0).await.print_batch_id, None);

    let bad = json!({ "results": [
        { "serial": serial(0), "status": "printed" },
        { "serial": serial(0), "status": "lost" },
        { "serial": "ST20261201000001", "status": "printed" },
        { "serial": serial(0), "status": "shipped", "mail_no": "RR 1" },
        { "serial": serial(0), "status": "printed", "at": "yesterday" },
    ]});
    let (status, reply) = call(
        &server,
        Some(PRINT_KEY),
        Method::POST,
        "/api/v1/print-results",
        Some(&bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
    assert_eq!(reply["error"], "invalid_results");
    let indexes: Vec<u64> = reply["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, [2, 3, 4, 5], "{reply}");

    // Unset: refused, the rest works.
    drop(server);
    let server = TestServer::start(&db, &[]).await;
    let (status, _) = call(
        &server,
        Some(PRINT_KEY),
        Method::GET,
        "/api/v1/print-batches",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let health = reqwest::get(server.url("/api/v1/health")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}
