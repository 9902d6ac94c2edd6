//! SMS through an HTTP SMS gateway (Mitake `SmSend`-style, SPEC §5, §11
//! `PORTAL_SMS_*`) against a fake gateway on 127.0.0.1: the real server sends the
//! stop's step-up code there (sent), retries while the gateway is down or busy, and
//! gives a refused number up at once (dead), and neither the log nor the outbox ever
//! holds the gateway's password. The transport itself: a gateway that never answers
//! is a timeout worth retrying, a wrong account is refused for good. On SQLite, or on
//! PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::card_stop::{
    WITH_CONTACT_BIRTH, WITH_CONTACT_CARD, card, holder, only_card_ref, setup_with, submit,
    with_contact_id,
};
use crate::common::sms_gateway::{FakeSmsGateway, Mode, SMS_PASSWORD, SMS_USER};
use crate::common::{TestDb, TestServer};
use app::server::entities::outbox;
use app::server::outbox::Channel;
use app::server::outbox::sms_gateway::{SmsGatewaySettings, SmsGatewayTransport};
use app::server::outbox::transport::{Outgoing, Transport};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use std::time::Duration;

/// The server with SMS through `gateway`, logging at debug level (so a password in
/// any log line would show).
async fn server_with(gateway: &FakeSmsGateway) -> (TestDb, TestServer) {
    let mut env = gateway.env();
    env.push((
        "RUST_LOG",
        "info,app=debug,server=debug,reqwest=debug".into(),
    ));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    setup_with(&env).await
}

async fn sms_row(db: &TestDb) -> outbox::Model {
    outbox::Entity::find()
        .filter(outbox::Column::Channel.eq("sms"))
        .one(&db.db)
        .await
        .expect("outbox")
        .expect("an SMS row")
}

/// Makes the SMS row due now, so the server's worker tries it within a second.
async fn make_due(db: &TestDb) {
    let mut row: outbox::ActiveModel = sms_row(db).await.into();
    row.next_attempt_at = Set(Some(Utc::now() - chrono::Duration::seconds(1)));
    row.update(&db.db).await.expect("update");
}

/// Waits until the SMS row has `attempts` attempts.
async fn wait_attempts(db: &TestDb, attempts: i32) -> outbox::Model {
    for _ in 0..200 {
        let row = sms_row(db).await;
        if row.attempts >= attempts && row.status != "in_flight" {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sms_row(db).await
}

fn assert_no_secret_logged(server: &TestServer, db: &TestDb) {
    let log = server.log();
    assert!(
        !log.contains(SMS_PASSWORD),
        "the password is in the log:\n{log}"
    );
    assert!(
        !log.contains("0912345678"),
        "the mobile is in the log:\n{log}"
    );
    for m in db.outbox_mails() {
        assert!(!m.text.contains(SMS_PASSWORD));
    }
}

#[tokio::test]
async fn a_stop_code_goes_out_through_the_gateway_and_the_outbox_records_it_sent() {
    let gateway = FakeSmsGateway::start().await;
    let (db, server) = server_with(&gateway).await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;

    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");

    let taken = gateway.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(taken.len(), 1, "{taken:?}");
    let sms = &taken[0];
    assert_eq!(sms.dstaddr, "0912345678");
    assert_eq!(
        sms.query.get("CharsetURL").map(String::as_str),
        Some("UTF-8")
    );
    // The account travels in the form body, never in the URL.
    assert!(
        !sms.query.contains_key("password") && !sms.query.contains_key("username"),
        "{:?}",
        sms.query
    );
    assert!(
        sms.smbody.starts_with("學生證停卡驗證碼\n"),
        "{}",
        sms.smbody
    );
    assert!(sms.smbody.contains("林○晴") && sms.smbody.contains("051234****"));
    let code = sms.code().expect("a code in the SMS");

    let row = sms_row(&db).await;
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 1));
    assert_eq!(
        sms.clientid, row.id,
        "the outbox id guards against duplicates"
    );
    assert!(row.last_error.is_none());
    assert!(!row.payload.contains(&code));
    // The e-mail went to the development files, the SMS did not.
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, "mom@example.com");
    assert_eq!(mails[0].code().as_deref(), Some(code.as_str()));

    let ok = submit(
        &browser,
        &json!({ "card_ref": card_ref, "choice": "no_refund", "step_up_code": code,
                 "idempotency_key": "sms-gateway-stop-1" }),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(card(&db, WITH_CONTACT_CARD).await.status, "stopped");
    assert_no_secret_logged(&server, &db);
}

#[tokio::test]
async fn a_gateway_that_is_down_or_busy_is_tried_again_until_it_takes_the_message() {
    let gateway = FakeSmsGateway::start().await;
    let (db, server) = server_with(&gateway).await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;

    gateway.set_mode(Mode::Down);
    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    // The code exists and went out by e-mail; the SMS waits in the outbox.
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    let row = wait_attempts(&db, 1).await;
    assert_eq!(row.status, "pending", "{row:?}");
    assert_eq!(row.last_error.as_deref(), Some("sms: HTTP 500"));
    assert!(row.next_attempt_at.is_some_and(|t| t > Utc::now()));

    gateway.set_mode(Mode::Busy);
    make_due(&db).await;
    let row = wait_attempts(&db, 2).await;
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("pending", 2),
        "{row:?}"
    );
    assert_eq!(row.last_error.as_deref(), Some("sms: statuscode b"));

    gateway.set_mode(Mode::Accept);
    make_due(&db).await;
    let taken = gateway.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(taken.len(), 1);
    let row = wait_attempts(&db, 3).await;
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 3), "{row:?}");
    assert_eq!(
        taken[0].code(),
        db.outbox_mails()[0].code(),
        "the SMS carries the code of the e-mail"
    );
    assert_eq!(gateway.requests(), 3);
    assert_no_secret_logged(&server, &db);
}

#[tokio::test]
async fn a_refused_number_is_given_up_at_once_and_kept_as_a_dead_letter() {
    let gateway = FakeSmsGateway::start().await;
    let (db, server) = server_with(&gateway).await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;

    gateway.set_mode(Mode::RefuseNumber);
    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    let row = wait_attempts(&db, 1).await;
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 1), "{row:?}");
    // The reason names the status code, not the gateway's text (which quotes the
    // number).
    assert_eq!(row.last_error.as_deref(), Some("sms: statuscode v"));
    assert!(row.secrets_removed);
    assert!(!row.payload.contains("code\""), "{}", row.payload);
    assert!(gateway.messages().is_empty());
    // The worker does not try it again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(gateway.requests(), 1);
    assert_no_secret_logged(&server, &db);
}

fn message<'a>(id: &'a str, to: &'a str) -> Outgoing<'a> {
    Outgoing {
        id,
        channel: Channel::Sms,
        template: "stop_code",
        to,
        subject: "學生證停卡驗證碼 / Student card stop: verification code",
        body: "驗證碼：012345\n",
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn the_transport_retries_a_timeout_and_refuses_a_wrong_account() {
    let gateway = FakeSmsGateway::start().await;
    let settings = |password: &str| SmsGatewaySettings {
        url: gateway.url.clone(),
        user: SMS_USER.into(),
        password: password.into(),
    };
    let quick = Duration::from_millis(500);

    let wrong = SmsGatewayTransport::new(&settings("not-the-password"), quick).expect("transport");
    let err = wrong
        .send(&message("m1", "0912345678"))
        .await
        .expect_err("refused");
    assert!(err.permanent, "{err:?}");
    assert_eq!(err.reason, "sms: statuscode e");

    let right = SmsGatewayTransport::new(&settings(SMS_PASSWORD), quick).expect("transport");
    right
        .send(&message("m2", "0912345678"))
        .await
        .expect("sent");
    // The same outbox id again (a retry after an interrupted send): taken, not sent
    // twice.
    right
        .send(&message("m2", "0912345678"))
        .await
        .expect("a duplicate is fine");
    assert_eq!(gateway.messages().len(), 1);
    assert_eq!(gateway.messages()[0].code().as_deref(), Some("012345"));

    gateway.set_mode(Mode::Hang);
    let err = right
        .send(&message("m3", "0912345678"))
        .await
        .expect_err("timed out");
    assert!(!err.permanent, "{err:?}");
    assert_eq!(err.reason, "sms: timed out");

    gateway.set_mode(Mode::Down);
    let err = right
        .send(&message("m4", "0912345678"))
        .await
        .expect_err("down");
    assert_eq!(
        (err.permanent, err.reason.as_str()),
        (false, "sms: HTTP 500")
    );

    // No gateway at all.
    let nowhere = SmsGatewayTransport::new(
        &SmsGatewaySettings {
            url: format!(
                "http://127.0.0.1:{}/api/mtk/SmSend",
                crate::common::free_port()
            ),
            user: SMS_USER.into(),
            password: SMS_PASSWORD.into(),
        },
        quick,
    )
    .expect("transport");
    let err = nowhere
        .send(&message("m5", "0912345678"))
        .await
        .expect_err("no connection");
    assert_eq!(
        (err.permanent, err.reason.as_str()),
        (false, "sms: connection failed")
    );
}
