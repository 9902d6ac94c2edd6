//! «親子綁定» is no roster oracle (SPEC §7), over HTTP against the real server: a
//! mismatch is one answer naming no field, and failed bindings are limited per child
//! ID across all parent accounts, so opening more accounts buys no more guesses. On
//! SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::audit_log;
use app::server::roster;
use common::{Browser, Reply, TestDb, TestServer, cipher, retry_after};
use futures_util::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const SCHOOL: &str = "173601";
const WANG_NO: &str = "110002";
const WANG_ID: &str = "A123456789";
const WANG_BIRTH: &str = "2015-05-01";
const LIN_NO: &str = "110001";
const LIN_BIRTH: &str = "2015-03-14";
const PASSWORD: &str = "a long enough passphrase";

fn lin_id() -> String {
    with_check_digit('A', "22345678").expect("valid ID")
}

async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let csv = format!(
        "{HEADER}\n\
         {SCHOOL},基隆市立仁愛國小,仁愛區,國小,{LIN_NO},林雨晴,{},{LIN_BIRTH},F,501,12,KL-PRIMARY,0512345678,active,230,2021-09-01\n\
         {SCHOOL},基隆市立仁愛國小,仁愛區,國小,{WANG_NO},王小明,{WANG_ID},{WANG_BIRTH},M,502,3,KL-PRIMARY,0512345679,active,230,2021-09-01\n",
        lin_id()
    );
    roster::import(&db.db, &cipher(), csv.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, &[]).await;
    (db, server)
}

/// A registered parent, logged in on a browser of their own.
async fn parent(db: &TestDb, server: &TestServer, account: &str) -> Browser {
    let b = server.client();
    let r = b
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": account } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let code = db
        .outbox_mails()
        .into_iter()
        .filter(|m| m.to == account)
        .find_map(|m| m.code())
        .expect("a registration code");
    let r = b
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": account, "code": code, "display_name": "家長", "password": PASSWORD,
            }}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    b
}

fn wang(birth: &str) -> Value {
    json!({
        "school_code": SCHOOL, "name": "王小明", "student_no": WANG_NO,
        "birth_date": birth, "id_no": WANG_ID, "relationship": "father",
    })
}

async fn bind(b: &Browser, children: &[Value]) -> Reply {
    b.post_json(
        "/api/parent/bind",
        &json!({ "input": { "children": children } }),
    )
    .await
}

#[tokio::test]
async fn a_mismatch_is_one_answer_that_names_no_field() {
    let (db, server) = setup().await;
    let b = parent(&db, &server, "one@example.com").await;
    let reply = bind(
        &b,
        &[
            // Wrong birth date, wrong school, wrong student number, wrong name, wrong ID.
            wang("2015-05-02"),
            json!({ "school_code": "999999", "name": "王小明", "student_no": WANG_NO,
                    "birth_date": WANG_BIRTH, "id_no": WANG_ID, "relationship": "father" }),
            json!({ "school_code": SCHOOL, "name": "王小明", "student_no": "110009",
                    "birth_date": WANG_BIRTH, "id_no": WANG_ID, "relationship": "father" }),
            json!({ "school_code": SCHOOL, "name": "王小名", "student_no": WANG_NO,
                    "birth_date": WANG_BIRTH, "id_no": WANG_ID, "relationship": "father" }),
            json!({ "school_code": SCHOOL, "name": "王小明", "student_no": WANG_NO,
                    "birth_date": WANG_BIRTH, "id_no": lin_id(), "relationship": "father" }),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        Value::Array(vec![json!({ "outcome": "mismatch" }); 5]),
        "every mismatch reads the same"
    );
}

#[tokio::test]
async fn more_accounts_get_no_more_guesses_at_one_child() {
    let (db, server) = setup().await;
    // Five accounts guess 王小明's birth date once each: five plain mismatches.
    for i in 0..5 {
        let b = parent(&db, &server, &format!("guess{i}@example.com")).await;
        let r = bind(&b, &[wang(&format!("2015-06-0{}", i + 1))]).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body, json!([{ "outcome": "mismatch" }]));
    }
    // A sixth account is refused for this child ID, even with the right details.
    let sixth = parent(&db, &server, "guess5@example.com").await;
    let r = bind(&sixth, &[wang("2015-06-09")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert_eq!(r.body["error"], "rate_limited");
    let wait = retry_after(&r);
    assert!(
        (23 * 3600..=24 * 3600).contains(&wait),
        "about a day: {wait}"
    );
    let r = bind(&sixth, &[wang(WANG_BIRTH)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    // With another child in the same call, that one is checked; this one is not.
    let lin = json!({
        "school_code": SCHOOL, "name": "林雨晴", "student_no": LIN_NO,
        "birth_date": LIN_BIRTH, "id_no": lin_id(), "relationship": "mother",
    });
    let r = bind(&sixth, &[wang(WANG_BIRTH), lin]).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body[0]["outcome"], "rate_limited");
    assert_eq!(r.body[1]["outcome"], "requested");
    let limited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("parent.bind"))
        .filter(audit_log::Column::Result.eq("rate_limited"))
        .all(&db.db)
        .await
        .expect("audit query");
    assert_eq!(limited.len(), 3);
    assert!(
        limited
            .iter()
            .all(|a| a.detail.as_deref() == Some(r#"{"per":"child"}"#)),
        "{limited:?}"
    );
}

#[tokio::test]
async fn parallel_guesses_from_many_accounts_stay_within_the_per_child_limit() {
    let (db, server) = setup().await;
    let mut parents = Vec::new();
    for i in 0..10 {
        parents.push(parent(&db, &server, &format!("p{i}@example.com")).await);
    }
    let replies = join_all(
        parents
            .iter()
            .enumerate()
            .map(|(i, b)| async move { bind(b, &[wang(&format!("2015-07-{:02}", i + 1))]).await }),
    )
    .await;
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let limited = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, limited), (5, 5), "{replies:#?}");
}
