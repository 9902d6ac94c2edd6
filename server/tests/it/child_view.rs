//! What a holder's page offers and names (parents issue items 6 and 8): «卡片查詢» and
//! a bound parent's child offer only the card wizards the server would accept, and
//! only a parent with an approved binding reads the child's full name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use super::apply::{BIRTH, applicant, apply, id, setup};
use super::parent_accounts::{
    LIN_BIRTH, LIN_NO, PRIMARY, Setup, bind_ok, child, lin, lin_id, request_id,
};
use app::parent::service as parent;
use app::server::entities::cards;
use app::server::staff::StaffRole;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

async fn query_actions(server: &common::TestServer, n: u8) -> Value {
    let browser = server.client();
    browser.verified_in("query", &id(n), BIRTH).await;
    let overview = browser.get("/api/query/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    overview.body["actions"].clone()
}

/// The apply wizard's own verdict for the same holder.
async fn apply_blocked(server: &common::TestServer, n: u8) -> bool {
    let browser = applicant(server, n).await;
    let o = browser.get("/api/apply/overview").await;
    assert_eq!(o.status, StatusCode::OK, "{o:?}");
    !o.body["block"].is_null()
}

#[tokio::test]
async fn the_query_offers_only_the_wizards_the_server_accepts() {
    let (db, server) = setup().await;
    // Holder 3: an active card — stop it, no application.
    assert_eq!(
        query_actions(&server, 3).await,
        json!({ "stop": true, "apply": false })
    );
    assert!(apply_blocked(&server, 3).await);
    // Locked: still stoppable, still no application.
    let card = cards::Entity::find()
        .filter(cards::Column::Status.eq("active"))
        .one(&db.db)
        .await
        .unwrap()
        .expect("holder 3's card");
    let mut locked: cards::ActiveModel = card.into();
    locked.status = Set("locked".into());
    locked.update(&db.db).await.unwrap();
    assert_eq!(
        query_actions(&server, 3).await,
        json!({ "stop": true, "apply": false })
    );
    assert!(apply_blocked(&server, 3).await);
    // Holder 0: a stopped card — nothing to stop, an application is allowed.
    assert_eq!(
        query_actions(&server, 0).await,
        json!({ "stop": false, "apply": true })
    );
    assert!(!apply_blocked(&server, 0).await);
    // Holder 2: no card at all (a transfer student) — may apply.
    assert_eq!(
        query_actions(&server, 2).await,
        json!({ "stop": false, "apply": true })
    );
    // Once an application is in progress, no second one is offered.
    apply(&applicant(&server, 0).await, "k-actions-00001").await;
    assert_eq!(
        query_actions(&server, 0).await,
        json!({ "stop": false, "apply": false })
    );
    assert!(apply_blocked(&server, 0).await);
}

#[tokio::test]
async fn only_a_parent_with_an_approved_binding_reads_the_full_name() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let state = s.state();
    let mom = s.parent("mom@example.com", "林媽媽").await;
    let dad = s.parent("0911222333", "林爸爸").await;
    let stranger = s.parent("other@example.com", "路人").await;
    let mom_req = request_id(&bind_ok(&mom, &[lin()]).await[0]);
    // Dad's request stays pending.
    let dad_req = request_id(
        &bind_ok(
            &dad,
            &[child(
                PRIMARY,
                "林雨晴",
                LIN_NO,
                LIN_BIRTH,
                &lin_id(),
                "father",
            )],
        )
        .await[0],
    );
    parent::approve_binding(&state, None, teacher, mom_req)
        .await
        .expect("approve");

    // The approved parent: the full name, in the list and by binding.
    let children = mom.get("/api/parent/children").await;
    assert_eq!(children.status, StatusCode::OK, "{children:?}");
    assert_eq!(children.body[0]["full_name"], "林雨晴");
    assert_eq!(children.body[0]["actions"]["stop"], true);
    assert_eq!(children.body[0]["actions"]["apply"], false);
    let own = mom
        .get(&format!("/api/parent/child?binding_id={mom_req}"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(own.body["full_name"], "林雨晴");

    // The pending parent: no child yet, only the masked name on the request.
    let pending = dad.get("/api/parent/children").await;
    assert_eq!(pending.status, StatusCode::OK, "{pending:?}");
    assert_eq!(pending.body, json!([]));
    let by_id = dad
        .get(&format!("/api/parent/child?binding_id={dad_req}"))
        .await;
    assert_eq!(by_id.status, StatusCode::FORBIDDEN, "{by_id:?}");
    let requests = dad.get("/api/parent/binding-requests").await;
    assert_eq!(requests.body[0]["masked_name"], "林○晴", "{requests:?}");
    assert!(!requests.body.to_string().contains("林雨晴"));

    // Another parent replaying the approved binding's id: refused.
    let replay = stranger
        .get(&format!("/api/parent/child?binding_id={mom_req}"))
        .await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN, "{replay:?}");
    assert!(!replay.body.to_string().contains("林雨晴"));

    // Once unbound, the full name is gone with the child.
    let gone = mom
        .post_form(
            "/api/parent/unbind",
            &[("binding_id", &mom_req.to_string())],
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{gone:?}");
    let after = mom
        .get(&format!("/api/parent/child?binding_id={mom_req}"))
        .await;
    assert_eq!(after.status, StatusCode::FORBIDDEN, "{after:?}");
}
