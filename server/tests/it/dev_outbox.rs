//! The development outbox page (SPEC §5, issue 15 item 10): `/dev/outbox` and
//! `/api/dev/outbox` list the messages written as files while `PORTAL_DEMO` is on and
//! no real provider is configured, and answer 404 otherwise.

use crate::common::{TestDb, TestServer};
use crate::parent_accounts::start;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn in_development_the_page_lists_the_registration_code() {
    let db = TestDb::new().await;
    let server = TestServer::start(&db, &[("PORTAL_DEMO", "1")]).await;
    let browser = server.client();
    assert_eq!(browser.get("/api/dev/outbox").await.status, StatusCode::OK);
    assert_eq!(browser.get("/dev/outbox").await.status, StatusCode::OK);

    let reply = start(&browser, "register", "new-parent@example.com").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mut listed = serde_json::Value::Null;
    for _ in 0..100 {
        listed = browser.get("/api/dev/outbox").await.body;
        if listed
            .as_array()
            .is_some_and(|l| l.iter().any(|m| m["to"] == "new-parent@example.com"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let messages = listed.as_array().expect("a list");
    let mail = messages
        .iter()
        .find(|m| m["to"] == "new-parent@example.com")
        .unwrap_or_else(|| panic!("the registration mail: {listed}"));
    assert_eq!(mail["channel"], "email");
    assert!(mail["subject"].as_str().is_some_and(|s| !s.is_empty()));
    let body = mail["body"].as_str().expect("body");
    let code = db
        .outbox_mails()
        .into_iter()
        .find(|m| m.to == "new-parent@example.com")
        .and_then(|m| m.code())
        .expect("the code in the file");
    assert!(body.contains(&code), "{body}");
    // Newest first.
    let times: Vec<&str> = messages.iter().filter_map(|m| m["at"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
}

#[tokio::test]
async fn off_without_demo_or_with_a_real_provider() {
    for env in [
        vec![("PORTAL_DEMO", "0")],
        vec![
            ("PORTAL_DEMO", "1"),
            ("PORTAL_SMS_GATEWAY_URL", "http://127.0.0.1:9/send"),
            ("PORTAL_SMS_USER", "u"),
            ("PORTAL_SMS_PASSWORD", "p"),
        ],
    ] {
        let db = TestDb::new().await;
        let server = TestServer::start(&db, &env).await;
        let browser = server.client();
        assert_eq!(
            browser.get("/api/dev/outbox").await.status,
            StatusCode::NOT_FOUND,
            "{env:?}"
        );
        assert_eq!(
            browser.get("/dev/outbox").await.status,
            StatusCode::NOT_FOUND,
            "{env:?}"
        );
    }
}
