//! The consent receipt over HTTP (SPEC §10, §11): `GET /api/consent/receipt` gives the
//! receipt of this session's consent only, in the page's language with the Chinese
//! text in force, and a parent's own receipts by record number.

use crate::common::{Browser, TestServer};
use crate::parent_accounts::{PRIMARY, Setup, bind_ok, lin, request_id, start_for_child};
use app::parent::service as parent;
use app::server::staff::StaffRole;
use reqwest::StatusCode;

async fn receipt(browser: &Browser, query: &str) -> (StatusCode, String, String) {
    let res = browser
        .http
        .get(browser.url(&format!("/api/consent/receipt{query}")))
        .send()
        .await
        .expect("receipt");
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, res.text().await.expect("body"))
}

fn record_no(text: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix("紀錄編號："))
        .and_then(|n| n.trim().parse().ok())
        .expect("record number")
}

async fn server() -> (crate::common::TestDb, TestServer) {
    crate::card_stop::setup().await
}

#[tokio::test]
async fn the_receipt_is_the_own_sessions_consent_only() {
    let (_db, server) = server().await;
    let visitor = server.client();
    // Nothing without a consent.
    assert_eq!(receipt(&visitor, "").await.0, StatusCode::NOT_FOUND);

    let version = visitor.notice_version().await;
    assert_eq!(visitor.consent("stop").await.status, StatusCode::OK);
    let (status, kind, text) = receipt(&visitor, "").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(kind, "text/plain; charset=utf-8");
    assert!(text.contains(&format!("同意書版本：{version}")), "{text}");
    assert!(text.contains("停卡掛失"), "{text}");
    assert!(text.contains("(UTC+8)"), "{text}");
    let record = record_no(&text);

    // In Vietnamese: the Vietnamese labels and notice, then the Chinese text in force.
    let (status, _, vi) = receipt(&visitor, "?lang=vi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        vi.contains(&format!("Phiên bản thông báo: {version}")),
        "{vi}"
    );
    assert!(vi.contains(&format!("Số biên nhận: {record}")), "{vi}");
    assert!(vi.contains("tiếng Trung"), "{vi}");

    // Another visitor gets nothing: not with its own empty session, not by naming the
    // record (that is only for a logged-in parent's own records).
    let other = server.client();
    assert_eq!(receipt(&other, "").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        receipt(&other, &format!("?record={record}")).await.0,
        StatusCode::UNAUTHORIZED
    );
    // A consent of its own gives its own record, never the first visitor's.
    assert_eq!(other.consent("query").await.status, StatusCode::OK);
    let (_, _, own) = receipt(&other, &format!("?record={record}&lang=zh-TW")).await;
    assert!(!own.contains(&format!("紀錄編號：{record}")), "{own}");
    let (_, _, own) = receipt(&other, "").await;
    assert_ne!(record_no(&own), record);
    assert!(own.contains("卡片查詢"), "{own}");
}

#[tokio::test]
async fn a_parent_lists_and_downloads_their_own_receipts() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let mom = s.parent("mom@example.com", "林媽媽").await;
    let req = request_id(&bind_ok(&mom, &[lin()]).await[0]);
    parent::approve_binding(&s.state(), None, teacher, req)
        .await
        .expect("approve");
    assert_eq!(
        mom.get("/api/parent/my-data").await.body["consents"],
        serde_json::json!([])
    );

    assert_eq!(mom.consent("stop").await.status, StatusCode::OK);
    assert_eq!(
        start_for_child(&mom, "stop", req).await.status,
        StatusCode::OK
    );
    let data = mom.get("/api/parent/my-data").await.body;
    let consents = data["consents"].as_array().expect("consents");
    assert_eq!(consents.len(), 1, "{data}");
    assert_eq!(consents[0]["wizard"], "stop");
    let record = consents[0]["record_id"].as_i64().expect("record id");
    let (status, _, text) = receipt(&mom, &format!("?record={record}&lang=en")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains(&format!("Record number: {record}")), "{text}");
    assert!(
        text.contains(&format!(
            "Notice version: {}",
            consents[0]["version"].as_str().unwrap()
        )),
        "{text}"
    );

    // Another parent cannot fetch it by number.
    let grandma = s.parent("0911222333", "林奶奶").await;
    assert_eq!(
        receipt(&grandma, &format!("?record={record}")).await.0,
        StatusCode::NOT_FOUND
    );
}
