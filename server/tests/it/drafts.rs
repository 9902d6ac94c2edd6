//! Drafts (SPEC §6, §10; issue 15 item 4): what a parent typed survives a reload and a
//! server restart within the verification window, is never shown after the session
//! verifies another holder, and the stop wizard keeps nothing that identifies anyone
//! (no account number, no address). On SQLite, or PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::apply::{self, BIRTH};
use crate::card_stop::{self, NO_CONTACT_BIRTH, NO_CONTACT_ID, WITH_CONTACT_BIRTH};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_apply_draft_is_kept_unchecked_across_a_restart_and_only_for_its_holder() {
    let (_db, mut server) = apply::setup().await;
    let browser = apply::applicant(&server, 0).await;
    // Half-typed: a mobile number not finished yet is kept as typed, unchecked.
    let mut typed = apply::draft("mail");
    typed["mobile"] = json!("0912");
    let kept = browser
        .post_json("/api/apply/draft/keep", &json!({ "draft": typed }))
        .await;
    assert!(kept.status.is_success(), "{kept:?}");
    let draft = browser.get("/api/apply/overview").await.body["draft"].clone();
    assert_eq!(draft["mobile"], "0912", "{draft}");
    assert_eq!(draft["recipient_name"], typed["recipient_name"], "{draft}");

    // The server restarts (killed, no graceful shutdown): the session and draft are
    // in the database.
    server.restart().await;
    let browser = browser.moved_to(&server.url(""));
    let overview = browser.get("/api/apply/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    assert_eq!(overview.body["draft"]["mobile"], "0912", "{overview:?}");
    assert_eq!(
        overview.body["draft"]["address"], typed["address"],
        "{overview:?}"
    );

    // The same browser verifies another holder: the first one's draft is not shown.
    browser.verified_in("apply", &apply::id(1), BIRTH).await;
    let other = browser.get("/api/apply/overview").await;
    assert_eq!(other.status, StatusCode::OK, "{other:?}");
    assert_eq!(other.body["draft"], serde_json::Value::Null, "{other:?}");

    // A draft no form could make is refused; without a verification nothing is kept.
    let mut huge = apply::draft("mail");
    huge["address"] = json!("路".repeat(3000));
    let refused = browser
        .post_json("/api/apply/draft/keep", &json!({ "draft": huge }))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{refused:?}"
    );
    let stranger = server.client();
    let anonymous = stranger
        .post_json("/api/apply/draft/keep", &json!({ "draft": typed }))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{anonymous:?}");
}

#[tokio::test]
async fn a_stop_draft_keeps_the_choices_but_never_the_account_number() {
    let (_db, mut server) = card_stop::setup().await;
    let browser = card_stop::holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = card_stop::only_card_ref(&browser).await;
    let choices = json!({
        "card_ref": card_ref, "wants_refund": true, "method": "bank_transfer",
        "bank_code": "808", "branch_code": "0123", "postal_code": "",
    });
    let kept = browser
        .post_json("/api/stop/draft", &json!({ "draft": choices }))
        .await;
    assert!(kept.status.is_success(), "{kept:?}");

    // An account number (or any other field) is not taken into the draft at all.
    let mut with_account = choices.clone();
    with_account["account_no"] = json!("12345678901234");
    let refused = browser
        .post_json("/api/stop/draft", &json!({ "draft": with_account }))
        .await;
    assert!(refused.status.is_client_error(), "{refused:?}");

    server.restart().await;
    let browser = browser.moved_to(&server.url(""));
    let loaded = browser.get("/api/stop/draft/load").await;
    assert_eq!(loaded.status, StatusCode::OK, "{loaded:?}");
    assert_eq!(loaded.body, choices);

    // Another holder verified in the same browser: nothing comes back.
    browser
        .verified_in("stop", &card_stop::with_contact_id(), WITH_CONTACT_BIRTH)
        .await;
    let other = browser.get("/api/stop/draft/load").await;
    assert_eq!(other.status, StatusCode::OK, "{other:?}");
    assert_eq!(other.body, serde_json::Value::Null);

    // Without a verification: 401.
    let stranger = server.client();
    assert_eq!(
        stranger.get("/api/stop/draft/load").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_submitted_stop_forgets_its_draft() {
    let (_db, server) = card_stop::setup().await;
    let browser = card_stop::holder(&server, NO_CONTACT_ID, NO_CONTACT_BIRTH).await;
    let card_ref = card_stop::only_card_ref(&browser).await;
    let choices = json!({
        "card_ref": card_ref, "wants_refund": false, "method": "bank_transfer",
        "bank_code": "", "branch_code": "", "postal_code": "",
    });
    let kept = browser
        .post_json("/api/stop/draft", &json!({ "draft": choices }))
        .await;
    assert!(kept.status.is_success(), "{kept:?}");
    let stop = card_stop::submit(
        &browser,
        &card_stop::no_refund(&card_ref, "6f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    )
    .await;
    assert_eq!(stop.status, StatusCode::OK, "{stop:?}");
    let after = browser.get("/api/stop/draft/load").await;
    assert_eq!(after.body, serde_json::Value::Null, "{after:?}");
}
