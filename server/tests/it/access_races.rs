//! Anti-automation under parallel requests (SPEC §7), over HTTP against the real
//! server: one captcha lets exactly one request past, and the per-client-IP limit of
//! identity verification, parent login and staff login holds however many requests
//! arrive at once. On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::entities::audit_log;
use common::{Browser, DEMO_ID, Reply, TestDb, TestServer, retry_after};
use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

const WRONG_BIRTH: &str = "2015-03-15";

/// `n` distinct valid national IDs that are not on the demo roster.
fn unknown_ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| with_check_digit('A', &format!("100000{i:02}")).expect("a valid ID"))
        .collect()
}

async fn audit_count(db: &TestDb, action: &str, result: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Result.eq(result))
        .count(&db.db)
        .await
        .expect("audit count")
}

fn count(replies: &[Reply], status: StatusCode) -> usize {
    replies.iter().filter(|r| r.status == status).count()
}

#[tokio::test]
async fn one_captcha_lets_exactly_one_of_ten_parallel_verifications_past() {
    let db = TestDb::new().await;
    let server = TestServer::start(&db, &[("PORTAL_DEMO", "1")]).await;
    let browser = server.client();
    assert_eq!(browser.consent("query").await.status, StatusCode::OK);
    assert_eq!(browser.captcha().await.status, StatusCode::OK);

    // Ten requests of the same session with the one captcha, all at once.
    let replies = join_all((0..10).map(|_| browser.verify(DEMO_ID, WRONG_BIRTH))).await;
    let captcha_refused: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.body == json!({ "error": "validation", "detail": { "captcha": "wrong" } }))
        .collect();
    assert_eq!(captcha_refused.len(), 9, "{replies:#?}");
    assert!(
        captcha_refused
            .iter()
            .all(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
    );
    // The one that got past reached the roster check (a wrong birth date: 400).
    assert_eq!(count(&replies, StatusCode::BAD_REQUEST), 1, "{replies:#?}");
    assert_eq!(audit_count(&db, "identity.captcha", "failed").await, 9);
    assert_eq!(audit_count(&db, "identity.verify", "failed").await, 1);
}

#[tokio::test]
async fn thirty_parallel_verifications_from_one_address_let_ten_reach_the_lookup() {
    let db = TestDb::new().await;
    let server = TestServer::start(
        &db,
        &[("PORTAL_DEMO", "1"), ("PORTAL_VERIFY_PER_IP_PER_MIN", "10")],
    )
    .await;
    // Thirty visitors behind one address, each with consent and a captcha of its own
    // (neither counts toward the limit), each verifying a different ID.
    let ids = unknown_ids(30);
    let mut visitors: Vec<Browser> = Vec::new();
    for _ in &ids {
        let b = server.client();
        assert_eq!(b.consent("query").await.status, StatusCode::OK);
        assert_eq!(b.captcha().await.status, StatusCode::OK);
        visitors.push(b);
    }
    let replies = join_all(
        visitors
            .iter()
            .zip(&ids)
            .map(|(b, id)| b.verify(id, WRONG_BIRTH)),
    )
    .await;
    // Exactly the limit reached the roster lookup («查無資料»: 400); the rest is 429.
    assert_eq!(count(&replies, StatusCode::BAD_REQUEST), 10, "{replies:#?}");
    assert_eq!(count(&replies, StatusCode::TOO_MANY_REQUESTS), 20);
    for r in replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
    {
        assert_eq!(r.body["error"], "rate_limited");
        assert!((1..=60).contains(&retry_after(r)), "{r:?}");
    }
    assert_eq!(audit_count(&db, "identity.verify", "failed").await, 10);
    assert_eq!(
        audit_count(&db, "identity.verify", "rate_limited").await,
        20
    );
}

#[tokio::test]
async fn thirty_parallel_parent_logins_from_one_address_admit_ten() {
    let db = TestDb::new().await;
    let server = TestServer::start(&db, &[("PORTAL_VERIFY_PER_IP_PER_MIN", "10")]).await;
    let visitors: Vec<Browser> = (0..30).map(|_| server.client()).collect();
    let replies = join_all(visitors.iter().enumerate().map(async |(i, b)| {
        b.post_json(
            "/api/parent/login",
            &json!({ "input": {
                "account": format!("guess{i}@example.com"),
                "password": "a guessed password",
            }}),
        )
        .await
    }))
    .await;
    assert_eq!(
        count(&replies, StatusCode::UNPROCESSABLE_ENTITY),
        10,
        "{replies:#?}"
    );
    assert_eq!(count(&replies, StatusCode::TOO_MANY_REQUESTS), 20);
    assert_eq!(audit_count(&db, "parent.login", "failed").await, 10);
    assert_eq!(audit_count(&db, "parent.login", "rate_limited").await, 20);
}

#[tokio::test]
async fn thirty_parallel_staff_logins_from_one_address_admit_ten() {
    let db = TestDb::new().await;
    let server = TestServer::start(&db, &[("PORTAL_VERIFY_PER_IP_PER_MIN", "10")]).await;
    let visitors: Vec<Browser> = (0..30).map(|_| server.client()).collect();
    let replies = join_all(visitors.iter().enumerate().map(async |(i, b)| {
        b.post_json(
            "/api/school/login",
            &json!({ "input": {
                "school_code": "173601",
                "username": format!("guess.{i}"),
                "password": "a guessed password",
            }}),
        )
        .await
    }))
    .await;
    assert_eq!(count(&replies, StatusCode::BAD_REQUEST), 10, "{replies:#?}");
    let limited: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(limited.len(), 20);
    assert!(limited.iter().all(|r| retry_after(r) == 60));
    assert_eq!(audit_count(&db, "staff.login", "failed").await, 10);
    assert_eq!(audit_count(&db, "staff.login", "rate_limited").await, 20);
}
