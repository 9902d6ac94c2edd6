//! «LINE Pay 付款» over HTTP against the real server and a fake LINE Pay (issue 17
//! item 4): request → the parent approves → confirm marks the application paid at
//! once; a replayed or concurrent confirm takes the money once; a cancel and a
//! refused confirm leave it unpaid with both ways to pay; the slip paid first means
//! LINE is never asked to confirm; a store payment after LINE Pay is «重複繳費» for a
//! refund, recorded once. On SQLite, or PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::apply::{BIRTH, apply, id, roster_file};
use crate::common;

use app::server::audit::Actor;
use app::server::entities::{
    duplicate_payments, line_pay_payments as attempts, outbox,
    replacement_applications as applications,
};
use app::server::line_pay::{
    HttpLinePay, LinePayApi, LinePayError, LinePaySettings, PaymentRequest,
};
use app::server::roster;
use common::line_pay::{CHANNEL_ID, CHANNEL_SECRET, FakeLinePay};
use common::{Browser, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;

async fn setup(pay: &FakeLinePay) -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let env = pay.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start(&db, &env).await;
    (db, server)
}

async fn applicant(server: &TestServer, n: u8) -> Browser {
    let browser = server.client();
    browser.verified_in("apply", &id(n), BIRTH).await;
    browser
}

/// «LINE Pay 付款»: the payment page's URL.
async fn start(browser: &Browser, serial: &str) -> String {
    let reply = browser
        .post_json("/api/apply/line-pay", &json!({ "serial_no": serial }))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body.as_str().expect("a URL").to_owned()
}

/// Follows LINE's redirect back to the portal, as the browser does; the `Location`.
async fn come_back(url: &str) -> (StatusCode, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http.get(url).send().await.expect("GET");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (res.status(), location)
}

async fn application(db: &TestDb, serial: &str) -> applications::Model {
    applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial))
        .one(&db.db)
        .await
        .unwrap()
        .expect("the application")
}

async fn attempts_of(db: &TestDb) -> Vec<attempts::Model> {
    attempts::Entity::find().all(&db.db).await.unwrap()
}

async fn duplicates(db: &TestDb) -> Vec<duplicate_payments::Model> {
    duplicate_payments::Entity::find()
        .all(&db.db)
        .await
        .unwrap()
}

async fn status_messages(db: &TestDb) -> usize {
    outbox::Entity::find()
        .filter(outbox::Column::Template.eq("application_status"))
        .all(&db.db)
        .await
        .unwrap()
        .len()
}

fn import(db: &TestDb, payment_no: &str, channel: &str) -> (bool, String) {
    let file = db.write_file(
        &format!("pay-{channel}.csv"),
        &format!("payment_no,amount,paid_on,channel\n{payment_no},100,2026-12-01,{channel}\n"),
    );
    let out = db.cli(&["import-payments", file.to_str().unwrap()], None);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn a_confirmed_line_pay_payment_pays_at_once_and_a_later_store_payment_is_for_refund() {
    let pay = FakeLinePay::start().await;
    let (db, server) = setup(&pay).await;
    let parent = applicant(&server, 0).await;
    let receipt = apply(&parent, "k-linepay-000001").await;
    let serial = receipt["serial_no"].as_str().unwrap().to_owned();
    let payment_no = receipt["payment_no"].as_str().unwrap().to_owned();

    let slip = parent
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(slip.body["line_pay"], true, "{slip:?}");
    assert_eq!(slip.body["paid"], false);

    let url = start(&parent, &serial).await;
    let tx = pay.transaction_of(&url);
    let requested = &pay.transactions()[&tx];
    assert_eq!(requested.amount, 100);
    assert!(
        requested.confirm_url.starts_with(&server.base),
        "{requested:?}"
    );
    assert_eq!(pay.bad_signatures(), 0);
    let before = status_messages(&db).await;

    let confirm_url = pay.approve(&tx);
    let (status, location) = come_back(&confirm_url).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/card/slip/{serial}?line_pay=paid"));
    let a = application(&db, &serial).await;
    assert_eq!(a.status, "paid");
    assert_eq!(a.paid_channel.as_deref(), Some("linepay"));
    assert_eq!(a.paid_amount, Some(100));
    assert_eq!(pay.confirmed(), vec![tx.clone()]);
    assert_eq!(
        status_messages(&db).await,
        before + 1,
        "the parent hears of it"
    );

    // The browser comes back twice (a reload): nothing happens twice.
    let (_, again) = come_back(&confirm_url).await;
    assert_eq!(again, format!("/card/slip/{serial}?line_pay=paid"));
    assert_eq!(pay.confirmed().len(), 1);
    assert_eq!(status_messages(&db).await, before + 1);
    let slip = parent
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(slip.body["paid"], true);
    assert_eq!(slip.body["line_pay"], false);
    // The query shows it paid.
    let query = server.client();
    query.verified_in("query", &id(0), BIRTH).await;
    let overview = query.get("/api/query/overview").await;
    assert!(
        overview.body.to_string().contains("\"paid\""),
        "{:?}",
        overview.body
    );

    // The store's file later pays the same number (the other guardian): reported
    // for a refund, recorded once however often the file is imported.
    let (ok, text) = import(&db, &payment_no, "7-11");
    assert!(ok, "{text}");
    assert!(text.contains("duplicate payment"), "{text}");
    assert!(text.contains("1 duplicate (refund)"), "{text}");
    let (ok, text) = import(&db, &payment_no, "7-11");
    assert!(ok && text.contains("1 duplicate (refund)"), "{text}");
    let dups = duplicates(&db).await;
    assert_eq!(dups.len(), 1, "{dups:?}");
    assert_eq!(dups[0].channel, "7-11");
    assert_eq!(dups[0].amount, 100);
    let a = application(&db, &serial).await;
    assert_eq!(a.paid_channel.as_deref(), Some("linepay"), "not paid twice");
    assert_eq!(status_messages(&db).await, before + 1);
}

#[tokio::test]
async fn a_cancelled_or_refused_payment_leaves_the_application_payable() {
    let pay = FakeLinePay::start().await;
    let (db, server) = setup(&pay).await;
    let parent = applicant(&server, 1).await;
    let receipt = apply(&parent, "k-linepay-000002").await;
    let serial = receipt["serial_no"].as_str().unwrap().to_owned();

    // Cancelled at LINE.
    let tx = pay.transaction_of(&start(&parent, &serial).await);
    let (status, location) = come_back(&pay.cancel_url(&tx)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/card/slip/{serial}?line_pay=cancelled"));
    assert_eq!(application(&db, &serial).await.status, "awaiting_payment");
    // A confirm of the cancelled order is not made.
    let (_, location) = come_back(&pay.approve(&tx)).await;
    assert_eq!(location, format!("/card/slip/{serial}?line_pay=cancelled"));
    assert!(pay.confirmed().is_empty());

    // Refused by LINE at confirmation (the parent's account).
    pay.refuse_confirms(Some("1141"));
    let tx = pay.transaction_of(&start(&parent, &serial).await);
    let (_, location) = come_back(&pay.approve(&tx)).await;
    assert_eq!(location, format!("/card/slip/{serial}?line_pay=failed"));
    assert_eq!(application(&db, &serial).await.status, "awaiting_payment");
    let states: Vec<(String, Option<String>)> = attempts_of(&db)
        .await
        .into_iter()
        .map(|a| (a.state, a.return_code))
        .collect();
    assert_eq!(
        states,
        vec![
            ("cancelled".into(), None),
            ("failed".into(), Some("1141".into()))
        ]
    );

    // Both ways stay open: LINE Pay again, and the slip.
    pay.refuse_confirms(None);
    let slip = parent
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(slip.body["line_pay"], true);
    let tx = pay.transaction_of(&start(&parent, &serial).await);
    let (_, location) = come_back(&pay.approve(&tx)).await;
    assert_eq!(location, format!("/card/slip/{serial}?line_pay=paid"));
    assert_eq!(application(&db, &serial).await.status, "paid");
    // An unknown order is not ours.
    let (status, _) =
        come_back(&server.url("/api/apply/line-pay/confirm?transactionId=1&orderId=AP-nothing"))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_second_payment_of_the_same_number_is_never_confirmed_at_line() {
    let pay = FakeLinePay::start().await;
    let (db, server) = setup(&pay).await;
    let parent = applicant(&server, 0).await;
    let receipt = apply(&parent, "k-linepay-000003").await;
    let serial = receipt["serial_no"].as_str().unwrap().to_owned();
    let payment_no = receipt["payment_no"].as_str().unwrap().to_owned();
    // Two guardians start LINE Pay; a third pays the slip at a store first.
    let other = applicant(&server, 0).await;
    let tx_a = pay.transaction_of(&start(&parent, &serial).await);
    let tx_b = pay.transaction_of(&start(&other, &serial).await);
    let tx_c = pay.transaction_of(&start(&other, &serial).await);
    let (ok, text) = import(&db, &payment_no, "family");
    assert!(ok && text.contains("1 matched"), "{text}");

    let (_, location) = come_back(&pay.approve(&tx_a)).await;
    assert_eq!(
        location,
        format!("/card/slip/{serial}?line_pay=already_paid")
    );
    assert!(pay.confirmed().is_empty(), "no money taken at LINE");
    assert_eq!(
        application(&db, &serial).await.paid_channel.as_deref(),
        Some("family")
    );
    // Starting another LINE Pay payment of a paid application is refused.
    let reply = parent
        .post_json("/api/apply/line-pay", &json!({ "serial_no": serial }))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    drop((tx_b, tx_c));
    assert!(duplicates(&db).await.is_empty());
}

#[tokio::test]
async fn two_guardians_confirming_at_once_pay_once() {
    let pay = FakeLinePay::start().await;
    let (db, server) = setup(&pay).await;
    let parent = applicant(&server, 2).await;
    let receipt = apply(&parent, "k-linepay-000004").await;
    let serial = receipt["serial_no"].as_str().unwrap().to_owned();
    let other = applicant(&server, 2).await;
    let tx_a = pay.transaction_of(&start(&parent, &serial).await);
    let tx_b = pay.transaction_of(&start(&other, &serial).await);
    let (url_a, url_b) = (pay.approve(&tx_a), pay.approve(&tx_b));
    pay.slow_confirms(Duration::from_millis(300));
    // The same confirm twice at once, and the other guardian's at the same time.
    let ((_, a1), (_, a2), (_, b)) =
        tokio::join!(come_back(&url_a), come_back(&url_a), come_back(&url_b));
    assert_eq!(pay.confirmed().len(), 1, "one payment: {a1} {a2} {b}");
    // The same confirm twice gives one answer; whichever guardian came first paid.
    assert_eq!(a1, a2);
    let paid = format!("/card/slip/{serial}?line_pay=paid");
    let already = format!("/card/slip/{serial}?line_pay=already_paid");
    assert!(
        (a1 == paid && b == already) || (a1 == already && b == paid),
        "{a1} {b}"
    );
    let a = application(&db, &serial).await;
    assert_eq!(a.status, "paid");
    assert!(duplicates(&db).await.is_empty());
}

#[tokio::test]
async fn without_line_pay_settings_the_slip_is_the_only_way() {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, &[]).await;
    let parent = applicant(&server, 0).await;
    let receipt = apply(&parent, "k-linepay-000005").await;
    let serial = receipt["serial_no"].as_str().unwrap();
    let slip = parent
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(slip.body["line_pay"], false);
    let reply = parent
        .post_json("/api/apply/line-pay", &json!({ "serial_no": serial }))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{reply:?}");
    assert!(attempts_of(&db).await.is_empty());
    let _: Value = reply.body;
}

#[tokio::test]
async fn the_fake_line_pay_refuses_a_wrong_signature_and_a_wrong_amount() {
    let pay = FakeLinePay::start().await;
    let settings = |secret: &str| LinePaySettings {
        api_base: pay.base.clone(),
        channel_id: CHANNEL_ID.into(),
        channel_secret: secret.into(),
    };
    let request = PaymentRequest {
        order_id: "AP20261201000001-abc".into(),
        amount: 100,
        product_name: "學生證補發製卡費".into(),
        confirm_url: "http://127.0.0.1:1/confirm".into(),
        cancel_url: "http://127.0.0.1:1/cancel".into(),
    };
    let wrong = HttpLinePay::new(&settings("not-the-secret"), Duration::from_secs(5)).unwrap();
    assert_eq!(
        wrong.request(&request).await,
        Err(LinePayError::Refused {
            code: "1106".into()
        })
    );
    assert_eq!(pay.bad_signatures(), 1);
    let right = HttpLinePay::new(&settings(CHANNEL_SECRET), Duration::from_secs(5)).unwrap();
    let requested = right.request(&request).await.expect("requested");
    // The same order id again is LINE's 1172.
    assert_eq!(
        right.request(&request).await,
        Err(LinePayError::Refused {
            code: "1172".into()
        })
    );
    let tx = requested.transaction_id;
    // Not approved yet, then a wrong amount, then the right one once.
    assert_eq!(
        right.confirm(&tx, 100).await,
        Err(LinePayError::Refused {
            code: "1150".into()
        })
    );
    pay.approve(&tx);
    assert_eq!(
        right.confirm(&tx, 90).await,
        Err(LinePayError::Refused {
            code: "1124".into()
        })
    );
    assert_eq!(wrong.confirm(&tx, 100).await.map_err(|_| ()), Err(()));
    assert_eq!(right.confirm(&tx, 100).await, Ok(()));
    assert_eq!(
        right.confirm(&tx, 100).await,
        Err(LinePayError::Refused {
            code: "1172".into()
        })
    );
    assert_eq!(pay.confirmed(), vec![tx]);
}
