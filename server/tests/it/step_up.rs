//! The stop's step-up code sent when the confirmation step opens (SPEC §7, §11), over
//! HTTP against the real server: to every guardian contact on the roster, masked
//! destinations in the reply and never the full number or address, no second code
//! on a reload or from a second tab while the first still works, «重新寄送驗證碼»
//! refused within 60 s, and only the newest code accepted. On SQLite, or on
//! PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::card_stop::{
    EMAIL_ONLY_BIRTH, NO_CONTACT_BIRTH, NO_CONTACT_ID, WITH_CONTACT_BIRTH, WITH_CONTACT_CARD,
    audit_rows, card, email_only_id, field_errors, holder, only_card_ref, setup, submit,
    with_contact_id,
};
use crate::common::retry_after;
use app::server::entities::one_time_codes;
use chrono::Duration;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

const FULL_CONTACTS: [&str; 3] = ["0912345678", "mom@example.com", "dad@example.com"];

fn assert_no_full_contact(body: &Value) {
    let text = body.to_string();
    for secret in FULL_CONTACTS {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

async fn code_rows(db: &crate::common::TestDb) -> Vec<one_time_codes::Model> {
    one_time_codes::Entity::find()
        .all(&db.db)
        .await
        .expect("codes")
}

/// Moves every code's creation and expiry back, as if time had passed.
async fn age_codes(db: &crate::common::TestDb, by: Duration) {
    for c in code_rows(db).await {
        let (created, expires) = (c.created_at - by, c.expires_at - by);
        let mut c: one_time_codes::ActiveModel = c.into();
        c.created_at = Set(created);
        c.expires_at = Set(expires);
        c.update(&db.db).await.expect("update");
    }
}

fn stop_input(card_ref: &str, code: &str, key: &str) -> Value {
    json!({ "card_ref": card_ref, "choice": "no_refund", "step_up_code": code,
            "idempotency_key": key })
}

#[tokio::test]
async fn opening_the_confirmation_step_sends_one_code_to_every_contact() {
    let (db, server) = setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;

    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    assert_eq!(
        opened.body,
        json!({ "destinations": ["0912***678", "m***@example.com"],
                "resend_after_secs": 60, "sent_now": true })
    );
    assert_no_full_contact(&opened.body);
    assert_eq!(opened.header("cache-control"), Some("no-store"));

    // One code, by SMS to the mobile and by e-mail to the address.
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["0912345678", "mom@example.com"]);
    assert!(mails[0].text.contains("X-Portal-Channel: sms"));
    assert!(mails[1].text.contains("X-Portal-Channel: email"));
    let code = mails[0].code().expect("a code");
    assert_eq!(mails[1].code().as_deref(), Some(code.as_str()));
    assert_eq!(code_rows(&db).await.len(), 1);
    let sent = audit_rows(&db, "stop.send_code").await;
    assert_eq!(sent.len(), 1);
    let detail = sent[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("open"), "{detail}");
    assert!(
        !detail.contains("0912345678") && !detail.contains(&code),
        "{detail}"
    );

    // The code from the e-mail stops the card.
    let ok = submit(&browser, &stop_input(&card_ref, &code, "open-code-stop-01")).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "stopped");
}

#[tokio::test]
async fn a_reload_or_a_second_tab_gets_the_code_already_sent() {
    let (db, server) = setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let open = async || {
        browser
            .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
            .await
    };

    // Two tabs opening the step at the same moment: one code between them.
    let (a, b) = tokio::join!(open(), open());
    assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK));
    let sent_now = [&a, &b]
        .iter()
        .filter(|r| r.body["sent_now"] == true)
        .count();
    assert_eq!(sent_now, 1, "{a:?} {b:?}");
    assert_eq!(code_rows(&db).await.len(), 1);
    assert_eq!(db.outbox_mails().len(), 2);

    // A reload: nothing new, the same destinations, the seconds left until a resend.
    let again = open().await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body["sent_now"], false);
    assert_eq!(
        again.body["destinations"],
        json!(["0912***678", "m***@example.com"])
    );
    let left = again.body["resend_after_secs"].as_u64().expect("seconds");
    assert!((50..=60).contains(&left), "{left}");
    assert_eq!(code_rows(&db).await.len(), 1);
    assert_eq!(db.outbox_mails().len(), 2);

    // Later, while the code still works: still nothing new, a resend allowed now.
    age_codes(&db, Duration::seconds(120)).await;
    let later = open().await;
    assert_eq!(later.body["sent_now"], false, "{later:?}");
    assert_eq!(later.body["resend_after_secs"], 0);
    assert_eq!(db.outbox_mails().len(), 2);

    // Once the code has expired, opening the step sends a new one.
    age_codes(&db, Duration::minutes(10)).await;
    let expired = open().await;
    assert_eq!(expired.body["sent_now"], true, "{expired:?}");
    assert_eq!(code_rows(&db).await.len(), 2);
    assert_eq!(db.outbox_mails().len(), 4);
}

#[tokio::test]
async fn a_resend_within_a_minute_is_refused_and_only_the_newest_code_counts() {
    let (db, server) = setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    let first = db.outbox_mails()[0].code().expect("code");

    let resend = async || {
        browser
            .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
            .await
    };
    let early = resend().await;
    assert_eq!(early.status, StatusCode::TOO_MANY_REQUESTS, "{early:?}");
    let wait = retry_after(&early);
    assert!((50..=60).contains(&wait), "{wait}");
    assert_eq!(
        early.body,
        json!({ "error": "rate_limited", "detail": { "retry_after_secs": wait } })
    );
    assert_eq!(db.outbox_mails().len(), 2);

    // After a minute: a new code to both contacts, the first one ends.
    age_codes(&db, Duration::seconds(61)).await;
    let again = resend().await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body["sent_now"], true);
    assert_no_full_contact(&again.body);
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 4, "{mails:?}");
    let newest = mails[2].code().expect("code");
    assert_eq!(mails[3].code().as_deref(), Some(newest.as_str()));
    let rows = code_rows(&db).await;
    assert_eq!(rows.len(), 2);
    let live = rows
        .iter()
        .filter(|c| c.expires_at > chrono::Utc::now())
        .count();
    assert_eq!(live, 1, "only the newest code is still valid");

    if first != newest {
        let old = submit(&browser, &stop_input(&card_ref, &first, "resend-stop-0001")).await;
        assert_eq!(field_errors(&old), &json!({ "step_up_code": "wrong" }));
        assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "active");
    }
    let ok = submit(
        &browser,
        &stop_input(&card_ref, &newest, "resend-stop-0001"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
}

#[tokio::test]
async fn an_email_only_contact_gets_the_code_and_without_a_contact_nothing_is_sent() {
    let (db, server) = setup().await;
    let email_only = holder(&server, &email_only_id(), EMAIL_ONLY_BIRTH).await;
    let card_ref = only_card_ref(&email_only).await;
    let opened = email_only
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    assert_eq!(opened.body["destinations"], json!(["d***@example.com"]));
    assert_no_full_contact(&opened.body);
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "dad@example.com");

    let none = holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&none).await;
    let refused = none
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    assert_eq!(
        refused.body,
        json!({ "error": "conflict", "detail": "no_contact" })
    );
    assert_eq!(db.outbox_mails().len(), 1);

    // Not verified: 401; another holder's card: 403.
    let stranger = server.client();
    let reply = stranger
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    let reply = email_only
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{reply:?}");
}
