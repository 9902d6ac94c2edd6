//! The stop wizard over HTTP against the real server (SPEC §1 3a, §7, §8, §10):
//! overview, two-stage lock, step-up code through the development outbox, refunds,
//! exactly-once submission and ownership. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{
    audit_log, cards, idempotency_keys, one_time_codes, outbox, stop_requests,
};
use app::server::roster;
use chrono::{Duration, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher, retry_after};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

pub(crate) const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";

/// 林雨晴: guardian mobile and e-mail on the roster.
pub(crate) const WITH_CONTACT_BIRTH: &str = "2015-03-14";
pub(crate) const WITH_CONTACT_CARD: &str = "0512345678";
/// 王小明: no guardian contact.
pub(crate) const NO_CONTACT_ID: &str = "A123456789";
pub(crate) const NO_CONTACT_BIRTH: &str = "2015-05-01";
pub(crate) const NO_CONTACT_CARD: &str = "0512345679";
/// 陳冠宇: guardian e-mail only.
pub(crate) const EMAIL_ONLY_BIRTH: &str = "2012-04-05";
pub(crate) const EMAIL_ONLY_CARD: &str = "0612345670";

pub(crate) fn with_contact_id() -> String {
    with_check_digit('A', "22345678").expect("valid ID")
}

pub(crate) fn email_only_id() -> String {
    with_check_digit('B', "12345678").expect("valid ID")
}

pub(crate) fn roster_file() -> String {
    format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},{WITH_CONTACT_BIRTH},F,501,12,KL-PRIMARY,{WITH_CONTACT_CARD},active,230,2021-09-01,0912345678,mom@example.com\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110002,王小明,{NO_CONTACT_ID},{NO_CONTACT_BIRTH},M,502,3,KL-PRIMARY,{NO_CONTACT_CARD},active,230,2021-09-01,,\n\
         173502,基隆市立中正國中,中正區,國中,120001,陳冠宇,{},{EMAIL_ONLY_BIRTH},M,801,5,KL-JUNIOR,{EMAIL_ONLY_CARD},active,12,2023-09-01,,dad@example.com\n",
        with_contact_id(),
        email_only_id(),
    )
}

/// A fresh database with the roster and the real server on it.
pub(crate) async fn setup() -> (TestDb, TestServer) {
    setup_with(&[]).await
}

/// [`setup`] with more environment for the server.
pub(crate) async fn setup_with(env: &[(&str, &str)]) -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, env).await;
    (db, server)
}

/// A browser verified in the stop wizard as the holder with `id_no`.
pub(crate) async fn holder(server: &TestServer, id_no: &str, birth: &str) -> Browser {
    let browser = server.client();
    browser.verified_in("stop", id_no, birth).await;
    browser
}

pub(crate) async fn overview(browser: &Browser) -> Value {
    let reply = browser.get("/api/stop/overview").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

/// The `card_ref` of the holder's only card.
pub(crate) async fn only_card_ref(browser: &Browser) -> String {
    let o = overview(browser).await;
    let cards = o["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "{o}");
    cards[0]["card_ref"].as_str().expect("card_ref").to_owned()
}

pub(crate) async fn card(db: &TestDb, outer_no: &str) -> cards::Model {
    cards::Entity::find()
        .filter(cards::Column::OuterNo.eq(outer_no))
        .one(&db.db)
        .await
        .expect("card query")
        .expect("card")
}

pub(crate) async fn audit_rows(db: &TestDb, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&db.db)
        .await
        .expect("audit query")
}

pub(crate) fn no_refund(card_ref: &str, key: &str) -> Value {
    json!({ "card_ref": card_ref, "choice": "no_refund", "idempotency_key": key })
}

pub(crate) async fn submit(browser: &Browser, input: &Value) -> Reply {
    browser
        .post_json("/api/stop/submit", &json!({ "input": input }))
        .await
}

pub(crate) fn field_errors(reply: &Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert_eq!(reply.body["error"], "validation", "{reply:?}");
    &reply.body["detail"]
}

#[tokio::test]
async fn the_overview_shows_the_masked_holder_cards_fees_and_contact() {
    let (_db, server) = setup().await;

    let with_contact = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let reply = with_contact.get("/api/stop/overview").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let o = reply.body;
    assert_eq!(o["masked_name"], "林○晴");
    assert_eq!(o["school_name"], "基隆市立仁愛國小");
    assert_eq!(o["class_name"], "501");
    assert_eq!(
        o["fees"],
        json!({ "loss": 20, "remittance": 10, "cheque_postage": 25 })
    );
    assert_eq!(o["liability_hours"], 3);
    assert_eq!(o["step_up_contact"], "0912***678");
    assert_eq!(
        o["step_up_contacts"],
        json!(["0912***678", "m***@example.com"])
    );
    let c = &o["cards"][0];
    assert_eq!(c["status"], "active");
    assert_eq!(c["outer_no_masked"], "051234****");
    assert_eq!(c["balance"], 230);
    assert_eq!(c["fee"], 100);
    assert_eq!(c["applied_on"], "2021-09-01");
    assert_eq!(c["stopped_at"], Value::Null);
    let card_ref = c["card_ref"].as_str().expect("card_ref");
    assert_eq!(card_ref.len(), 20);
    let text = o.to_string();
    for secret in [
        WITH_CONTACT_CARD,
        "林雨晴",
        "0912345678",
        "mom@example.com",
        &with_contact_id(),
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }

    let no_contact = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let o = overview(&no_contact).await;
    assert_eq!(o["step_up_contact"], Value::Null);
    assert_ne!(o["cards"][0]["card_ref"].as_str(), Some(card_ref));

    let email_only = holder(&server, &email_only_id(), EMAIL_ONLY_BIRTH).await;
    assert_eq!(
        overview(&email_only).await["step_up_contact"],
        "d***@example.com"
    );

    // Not verified, or verified in another wizard: 401.
    assert_eq!(
        server.client().get("/api/stop/overview").await.status,
        StatusCode::UNAUTHORIZED
    );
    let query = server.client();
    query
        .verified_in("query", NO_CONTACT_ID, NO_CONTACT_BIRTH)
        .await;
    assert_eq!(
        query.get("/api/stop/overview").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        query
            .post_form("/api/stop/lock", &[("card_ref", card_ref)])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn lock_and_unlock_round_trip_with_conflicts_for_wrong_states() {
    let (db, server) = setup().await;
    let browser = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;

    let locked = browser
        .post_form("/api/stop/lock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(locked.status, StatusCode::OK, "{locked:?}");
    assert_eq!(locked.body["cards"][0]["status"], "locked");
    let c = card(&db, NO_CONTACT_CARD).await;
    assert_eq!(c.status, "locked");
    assert!(c.locked_at.is_some());

    let again = browser
        .post_form("/api/stop/lock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert_eq!(
        again.body,
        json!({ "error": "conflict", "detail": "already_locked" })
    );

    let unlocked = browser
        .post_form("/api/stop/unlock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(unlocked.status, StatusCode::OK, "{unlocked:?}");
    assert_eq!(unlocked.body["cards"][0]["status"], "active");
    let c = card(&db, NO_CONTACT_CARD).await;
    assert_eq!((c.status.as_str(), c.locked_at), ("active", None));

    let again = browser
        .post_form("/api/stop/unlock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert_eq!(again.body["detail"], "not_locked");

    let lock_audit = audit_rows(&db, "card.lock").await;
    let unlock_audit = audit_rows(&db, "card.unlock").await;
    assert_eq!((lock_audit.len(), unlock_audit.len()), (1, 1));
    assert_eq!(lock_audit[0].subject.as_deref(), Some("051234****"));
    assert_eq!(lock_audit[0].actor_kind, "holder");

    // A locked card can be stopped; a stopped card can be neither locked nor unlocked.
    let locked = browser
        .post_form("/api/stop/lock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(locked.status, StatusCode::OK);
    let stop = submit(&browser, &no_refund(&card_ref, "lock-then-stop-0001")).await;
    assert_eq!(stop.status, StatusCode::OK, "{stop:?}");
    for path in ["/api/stop/lock", "/api/stop/unlock"] {
        let reply = browser.post_form(path, &[("card_ref", &card_ref)]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{path} {reply:?}");
        assert_eq!(reply.body["detail"], "already_stopped");
    }
    let audit = audit_rows(&db, "stop.submit").await;
    assert_eq!(audit.len(), 1);
    let detail: Value = serde_json::from_str(audit[0].detail.as_deref().unwrap_or("{}")).unwrap();
    assert_eq!(detail["from"], "locked");
}

#[tokio::test]
async fn another_holders_card_ref_is_403_and_changes_nothing() {
    let (db, server) = setup().await;
    let victim = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let victim_ref = only_card_ref(&victim).await;
    let attacker = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let own_ref = only_card_ref(&attacker).await;
    let before = card(&db, WITH_CONTACT_CARD).await;

    for path in ["/api/stop/lock", "/api/stop/unlock", "/api/stop/send-code"] {
        let reply = attacker.post_form(path, &[("card_ref", &victim_ref)]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path} {reply:?}");
        assert_eq!(reply.body, json!({ "error": "forbidden" }));
    }
    for input in [
        no_refund(&victim_ref, "replayed-request-0001"),
        json!({ "card_ref": victim_ref, "choice": "bank_transfer",
                "bank": { "bank_code": "808", "branch_code": "0123", "account_no": "12345678901234" },
                "idempotency_key": "replayed-request-0002" }),
        no_refund("not-a-card-ref", "replayed-request-0003"),
    ] {
        let reply = submit(&attacker, &input).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
    }
    // The victim's card and every stop table are untouched.
    assert_eq!(card(&db, WITH_CONTACT_CARD).await, before);
    for table in [
        "stop_requests",
        "idempotency_keys",
        "one_time_codes",
        "outbox",
    ] {
        assert_eq!(db.count(table).await, 0, "{table}");
    }
    assert!(db.outbox_mails().is_empty());
    // Each refusal is a security event in the audit log.
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Result.eq("denied"))
        .all(&db.db)
        .await
        .expect("audit query");
    assert_eq!(denied.len(), 6, "{denied:?}");
    assert!(denied.iter().all(|a| a.actor_kind == "holder"));

    // The attacker's own card still works.
    let own = submit(&attacker, &no_refund(&own_ref, "own-card-stop-0001")).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "active");
}

#[tokio::test]
async fn a_stop_without_refund_and_without_contact_is_flagged_for_the_school() {
    let (db, server) = setup().await;
    let browser = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    assert_eq!(
        browser.get("/api/stop/receipt").await.body,
        Value::Null,
        "no receipt before a stop"
    );

    let before = Utc::now().timestamp();
    let reply = submit(&browser, &no_refund(&card_ref, "no-refund-stop-0001")).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let r = &reply.body;
    let serial = r["serial_no"].as_str().expect("serial");
    assert!(
        serial.len() == 16
            && serial.starts_with("ST")
            && serial[2..].bytes().all(|b| b.is_ascii_digit()),
        "{serial}"
    );
    assert!(serial.ends_with("000001"), "{serial}");
    assert_eq!(r["outer_no_masked"], "051234****");
    assert_eq!(r["choice"], "no_refund");
    assert_eq!(
        r["estimate"],
        json!({ "fees": 20, "refund": 0, "not_covered": false })
    );
    let stopped_at = r["stopped_at"].as_i64().expect("stopped_at");
    assert!(stopped_at >= before && stopped_at <= Utc::now().timestamp());
    assert_eq!(r["protected_from"].as_i64(), Some(stopped_at + 3 * 3600));

    let c = card(&db, NO_CONTACT_CARD).await;
    assert_eq!(c.status, "stopped");
    assert_eq!(c.stopped_at.map(|t| t.timestamp()), Some(stopped_at));
    let stops = stop_requests::Entity::find()
        .all(&db.db)
        .await
        .expect("stops");
    assert_eq!(stops.len(), 1);
    let s = &stops[0];
    assert_eq!(s.serial_no, serial);
    assert_eq!(s.card_id, c.id);
    assert!(s.no_contact_flag);
    assert_eq!(
        (
            s.choice.as_str(),
            s.balance_at_stop,
            s.fees,
            s.refund_amount
        ),
        ("no_refund", 230, 20, 0)
    );
    assert!(s.account_no_enc.is_none() && s.address_enc.is_none() && s.bank_code.is_none());
    let audit = audit_rows(&db, "stop.submit").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].subject.as_deref(), Some("051234****"));
    assert_eq!(audit[0].result, "ok");

    // The result page can reload the receipt; the overview shows the card stopped.
    let receipt = browser.get("/api/stop/receipt").await;
    assert_eq!(receipt.status, StatusCode::OK, "{receipt:?}");
    assert_eq!(&receipt.body, r);
    let o = overview(&browser).await;
    assert_eq!(o["cards"][0]["status"], "stopped");
    assert_eq!(o["cards"][0]["stopped_at"].as_i64(), Some(stopped_at));

    // A second stop of the same card with another key: 409, nothing new.
    let twice = submit(&browser, &no_refund(&card_ref, "no-refund-stop-0002")).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{twice:?}");
    assert_eq!(
        twice.body,
        json!({ "error": "conflict", "detail": "already_stopped" })
    );
    let code = browser
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(code.status, StatusCode::CONFLICT, "{code:?}");
    assert_eq!(db.count("stop_requests").await, 1);
    assert_eq!(audit_rows(&db, "stop.submit").await.len(), 1);
}

#[tokio::test]
async fn a_bank_refund_checks_the_account_and_stores_it_encrypted() {
    let (db, server) = setup().await;
    let browser = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let input = |account: &str, key: &str| {
        json!({ "card_ref": card_ref, "choice": "bank_transfer",
                "bank": { "bank_code": "808", "branch_code": "0123", "account_no": account },
                "idempotency_key": key })
    };

    let bad = submit(&browser, &input("12345", "bank-refund-0001")).await;
    assert_eq!(field_errors(&bad), &json!({ "account_no": "account" }));
    let missing = submit(
        &browser,
        &json!({ "card_ref": card_ref, "choice": "bank_transfer", "idempotency_key": "bank-refund-0002" }),
    )
    .await;
    assert_eq!(
        field_errors(&missing),
        &json!({ "bank_code": "required", "branch_code": "required", "account_no": "required" })
    );
    let no_key = submit(&browser, &input("1234-5678-9012", "")).await;
    assert_eq!(
        field_errors(&no_key),
        &json!({ "idempotency_key": "required" })
    );
    assert_eq!(card(&db, NO_CONTACT_CARD).await.status, "active");
    assert_eq!(db.count("stop_requests").await, 0);

    let ok = submit(&browser, &input("1234-5678-9012", "bank-refund-0003")).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["choice"], "bank_transfer");
    assert_eq!(
        ok.body["estimate"],
        json!({ "fees": 30, "refund": 200, "not_covered": false })
    );
    let s = stop_requests::Entity::find()
        .one(&db.db)
        .await
        .expect("query")
        .expect("stop");
    assert_eq!((s.fees, s.refund_amount), (30, 200));
    assert_eq!(s.bank_code.as_deref(), Some("808"));
    assert_eq!(s.branch_code.as_deref(), Some("0123"));
    let enc = s.account_no_enc.clone().expect("encrypted account");
    assert!(!enc.contains("123456789012"));
    assert_eq!(
        cipher()
            .decrypt(&enc, &format!("stop_requests.account_no:{}", s.serial_no))
            .expect("decrypts"),
        "123456789012"
    );
    assert!(s.postal_code.is_none() && s.address_enc.is_none());
}

#[tokio::test]
async fn a_cheque_refund_stores_the_address_and_an_uncovered_balance_pays_nothing() {
    let (db, server) = setup().await;
    // 陳冠宇's card holds NT$12: the cheque's fees (20 + 25) are not covered. His
    // guardian has an e-mail address, so a code is needed.
    let browser = holder(&server, &email_only_id(), EMAIL_ONLY_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let input = |postal: &str, code: Option<&str>| {
        json!({ "card_ref": card_ref, "choice": "cheque",
                "cheque": { "postal_code": postal, "address": "基隆市中正區義一路1號" },
                "step_up_code": code, "idempotency_key": "cheque-refund-0001" })
    };
    let bad = submit(&browser, &input("2020", None)).await;
    assert_eq!(field_errors(&bad), &json!({ "postal_code": "postal_code" }));

    let sent = browser
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    assert_eq!(
        sent.body,
        json!({ "destinations": ["d***@example.com"], "resend_after_secs": 60, "sent_now": true })
    );
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "dad@example.com");
    let code = mails[0].code().expect("a code in the message");

    let ok = submit(&browser, &input("20241", Some(&code))).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(
        ok.body["estimate"],
        json!({ "fees": 45, "refund": 0, "not_covered": true })
    );
    let s = stop_requests::Entity::find()
        .one(&db.db)
        .await
        .expect("query")
        .expect("stop");
    assert!(!s.no_contact_flag);
    assert_eq!(s.postal_code.as_deref(), Some("20241"));
    assert_eq!(
        cipher()
            .decrypt(
                s.address_enc.as_deref().expect("encrypted address"),
                &format!("stop_requests.address:{}", s.serial_no)
            )
            .expect("decrypts"),
        "基隆市中正區義一路1號"
    );
    let receipt = browser.get("/api/stop/receipt").await;
    assert_eq!(receipt.body, ok.body);
}

#[tokio::test]
async fn the_step_up_code_comes_from_the_outbox_and_is_checked() {
    let (db, server) = setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let input = |code: Option<&str>| {
        json!({ "card_ref": card_ref, "choice": "no_refund",
                "step_up_code": code, "idempotency_key": "step-up-stop-0001" })
    };

    let no_code = submit(&browser, &input(None)).await;
    assert_eq!(
        field_errors(&no_code),
        &json!({ "step_up_code": "required" })
    );
    let never_sent = submit(&browser, &input(Some("123456"))).await;
    assert_eq!(
        field_errors(&never_sent),
        &json!({ "step_up_code": "expired" })
    );

    let sent = browser
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    assert_eq!(
        sent.body,
        json!({ "destinations": ["0912***678", "m***@example.com"],
                "resend_after_secs": 60, "sent_now": true })
    );
    // A resend within 60 s: 429 with the seconds left.
    let resend = browser
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(resend.status, StatusCode::TOO_MANY_REQUESTS, "{resend:?}");
    let wait = retry_after(&resend);
    assert!((50..=60).contains(&wait), "{wait}");
    assert_eq!(
        resend.body,
        json!({ "error": "rate_limited", "detail": { "retry_after_secs": wait } })
    );

    // The code went to the mobile number (SMS, written as .eml) and the e-mail address
    // on the roster, the same code in both.
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.to, "0912345678");
    assert_eq!(mails[1].to, "mom@example.com");
    assert_eq!(mails[1].code(), mail.code());
    assert!(mail.subject.contains("驗證碼"), "{}", mail.subject);
    assert!(mail.text.contains("林○晴") && mail.text.contains("051234****"));
    let code = mail.code().expect("a code line");
    let row = outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("sms"))
        .one(&db.db)
        .await
        .expect("outbox")
        .expect("row");
    assert_eq!((row.channel.as_str(), row.status.as_str()), ("sms", "sent"));
    assert!(row.sent_at.is_some());
    assert!(
        !row.payload.contains(&code),
        "the code is gone from the outbox row"
    );
    assert!(!row.recipient_enc.contains("0912345678"));
    let stored = one_time_codes::Entity::find()
        .one(&db.db)
        .await
        .expect("codes")
        .expect("code row");
    assert!(!stored.code_hash.contains(&code));

    let wrong = if code == "000000" { "000001" } else { "000000" };
    let reply = submit(&browser, &input(Some(wrong))).await;
    assert_eq!(field_errors(&reply), &json!({ "step_up_code": "wrong" }));
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "active");
    assert_eq!(audit_rows(&db, "stop.step_up").await.len(), 1);

    let ok = submit(&browser, &input(Some(&code))).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "stopped");
    let stored = one_time_codes::Entity::find()
        .one(&db.db)
        .await
        .expect("codes")
        .expect("code row");
    assert!(stored.used_at.is_some());
    assert_eq!(stored.attempts, 1);
    // A retry of the same request (same key, same code) gets the same answer.
    let retry = submit(&browser, &input(Some(&code))).await;
    assert_eq!(retry.status, StatusCode::OK);
    assert_eq!(retry.body, ok.body);
    assert_eq!(db.count("stop_requests").await, 1);
}

#[tokio::test]
async fn five_wrong_guesses_burn_the_code_and_codes_are_limited_per_hour() {
    let (db, server) = setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let send = async || {
        browser
            .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
            .await
    };
    // Moves every code's creation back, as if time had passed.
    let age_codes = async |by: Duration| {
        for c in one_time_codes::Entity::find()
            .all(&db.db)
            .await
            .expect("codes")
        {
            let created = c.created_at - by;
            let mut c: one_time_codes::ActiveModel = c.into();
            c.created_at = Set(created);
            c.update(&db.db).await.expect("update");
        }
    };

    assert_eq!(send().await.status, StatusCode::OK);
    let code = db.outbox_mails()[0].code().expect("code");
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let input = |c: &str| {
        json!({ "card_ref": card_ref, "choice": "no_refund",
                "step_up_code": c, "idempotency_key": "burnt-code-0001" })
    };
    for _ in 0..5 {
        let reply = submit(&browser, &input(wrong)).await;
        assert_eq!(field_errors(&reply), &json!({ "step_up_code": "wrong" }));
    }
    let burnt = submit(&browser, &input(&code)).await;
    assert_eq!(field_errors(&burnt), &json!({ "step_up_code": "expired" }));
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "active");

    // Five codes an hour: after the first, four more 61 s apart, then a sixth waits
    // until the oldest is an hour old.
    for _ in 0..4 {
        age_codes(Duration::seconds(61)).await;
        let reply = send().await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    age_codes(Duration::seconds(61)).await;
    let sixth = send().await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{sixth:?}");
    let wait = retry_after(&sixth);
    // The oldest code is 5 × 61 s old.
    assert!((3600 - 305 - 5..=3600 - 305).contains(&wait), "{wait}");
    // Each code went to the mobile and the e-mail address.
    assert_eq!(db.outbox_mails().len(), 10);
    let limited = audit_rows(&db, "stop.send_code").await;
    assert_eq!(
        limited
            .iter()
            .filter(|a| a.result == "rate_limited")
            .count(),
        1
    );

    // The newest code works; earlier ones no longer do.
    let mails = db.outbox_mails();
    let first = mails[0].code().expect("code");
    let newest = mails[8].code().expect("code");
    if first != newest {
        let old = submit(&browser, &input(&first)).await;
        assert_eq!(field_errors(&old), &json!({ "step_up_code": "wrong" }));
    }
    let ok = submit(&browser, &input(&newest)).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
}

#[tokio::test]
async fn the_same_key_gives_the_same_answer_and_another_body_is_422() {
    let (db, server) = setup().await;
    let browser = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let input = no_refund(&card_ref, "same-key-twice-0001");

    let first = submit(&browser, &input).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    // The same body with its keys in another order is the same request.
    let reordered = json!({ "idempotency_key": "same-key-twice-0001", "choice": "no_refund", "card_ref": card_ref });
    let second = submit(&browser, &reordered).await;
    assert_eq!(second.status, StatusCode::OK, "{second:?}");
    assert_eq!(second.body, first.body);
    // Another session of the same holder retrying the request gets it too.
    let other_tab = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let third = submit(&other_tab, &input).await;
    assert_eq!(third.body, first.body);

    let other_body = json!({ "card_ref": card_ref, "choice": "cheque",
        "cheque": { "postal_code": "200", "address": "基隆市仁愛區愛一路1號" },
        "idempotency_key": "same-key-twice-0001" });
    let reused = submit(&browser, &other_body).await;
    assert_eq!(
        field_errors(&reused),
        &json!({ "idempotency_key": "reused" })
    );

    assert_eq!(db.count("stop_requests").await, 1);
    assert_eq!(db.count("idempotency_keys").await, 1);
    assert_eq!(audit_rows(&db, "stop.submit").await.len(), 1);
    let key = idempotency_keys::Entity::find()
        .one(&db.db)
        .await
        .expect("query")
        .expect("key");
    let holder_id = card(&db, NO_CONTACT_CARD).await.holder_id;
    assert_eq!(key.scope, format!("stop:{holder_id}"));
    assert_eq!(key.request_hash.len(), 64);
}

#[tokio::test]
async fn twenty_concurrent_submissions_make_exactly_one_stop() {
    let (db, server) = setup().await;
    let browser = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let input = json!({ "card_ref": card_ref, "choice": "bank_transfer",
        "bank": { "bank_code": "700", "branch_code": "0021", "account_no": "00012345678901" },
        "idempotency_key": "double-click-0001" });

    let replies = futures_join_all(
        (0..20)
            .map(|_| submit(&browser, &input))
            .collect::<Vec<_>>(),
    )
    .await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body, replies[0].body);
    }
    assert_eq!(db.count("stop_requests").await, 1);
    assert_eq!(db.count("idempotency_keys").await, 1);
    assert_eq!(audit_rows(&db, "stop.submit").await.len(), 1);
    assert_eq!(card(&db, NO_CONTACT_CARD).await.status, "stopped");

    // Twenty concurrent submissions with twenty different keys (and the one code):
    // one stop, the others are told the card is already stopped.
    let browser = holder(&server, &email_only_id(), EMAIL_ONLY_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let sent = browser
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let code = db.outbox_mails()[0].code().expect("code");
    let inputs: Vec<Value> = (0..20)
        .map(|i| {
            json!({ "card_ref": card_ref, "choice": "no_refund", "step_up_code": code,
                    "idempotency_key": format!("twenty-keys-{i:04}") })
        })
        .collect();
    let replies = futures_join_all(inputs.iter().map(|i| submit(&browser, i)).collect()).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let conflicts = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.body["detail"] == "already_stopped")
        .count();
    assert_eq!((ok, conflicts), (1, 19), "{replies:?}");
    assert_eq!(db.count("stop_requests").await, 2);
    assert_eq!(db.count("idempotency_keys").await, 2);
    assert_eq!(audit_rows(&db, "stop.submit").await.len(), 2);
}

#[tokio::test]
async fn concurrent_stops_of_different_holders_get_consecutive_serial_numbers() {
    let (db, server) = setup().await;
    let mut inputs = Vec::new();
    let mut browsers = Vec::new();
    for (i, (id_no, birth)) in [
        (with_contact_id(), WITH_CONTACT_BIRTH),
        (NO_CONTACT_ID.to_owned(), NO_CONTACT_BIRTH),
        (email_only_id(), EMAIL_ONLY_BIRTH),
    ]
    .into_iter()
    .enumerate()
    {
        let browser = holder(&server, &id_no, birth).await;
        let card_ref = only_card_ref(&browser).await;
        let code = if overview(&browser).await["step_up_contact"].is_null() {
            None
        } else {
            let sent = browser
                .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
                .await;
            assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
            db.outbox_mails().last().and_then(common::OutboxMail::code)
        };
        inputs.push(json!({ "card_ref": card_ref, "choice": "no_refund",
            "step_up_code": code, "idempotency_key": format!("three-holders-{i:04}") }));
        browsers.push(browser);
    }
    let replies = futures_join_all(
        browsers
            .iter()
            .zip(&inputs)
            .map(|(b, i)| submit(b, i))
            .collect(),
    )
    .await;
    let mut serials: Vec<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            r.body["serial_no"].as_str().expect("serial").to_owned()
        })
        .collect();
    serials.sort();
    let day = &serials[0][..10];
    assert_eq!(
        serials,
        (1..=3).map(|n| format!("{day}{n:06}")).collect::<Vec<_>>()
    );
    assert_eq!(db.count("stop_requests").await, 3);
}

/// Runs the futures concurrently on this task (no extra dependency).
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = handles.iter().map(|_| None).collect();
    let mut pending: Vec<_> = handles.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, f)| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(out) => {
                outputs[*i] = Some(out);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}
