//! «帳號管理» (issue 16 item 3) against the real server: who may list, create and
//! disable which accounts (teacher: their own only; officer: teachers of their school;
//! operator: teachers and officers of any school), the temporary password that allows
//! nothing but «變更密碼», disabling that ends the account's session, and the
//! authenticator enrolment in the browser that the next login then asks for. On
//! SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, staff_users};
use app::server::roster;
use app::server::staff::StaffRole;
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery staple";

/// School 173601 (A, classes 501 and 502), school 173602 (B, class 601). Staff:
/// teacher t501 (A/501), officer.a (A), officer.b (B), operator.
async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let f = format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,0577000001,active,230,2021-09-01\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110002,陳小華,{},2015-04-14,M,502,3,KL-PRIMARY,0577000003,active,230,2021-09-01\n\
         173602,基隆市立信義國小,信義區,國小,210001,王小明,{},2015-05-01,M,601,3,KL-PRIMARY,0577000002,active,230,2021-09-01\n",
        with_check_digit('A', "22345678").expect("valid ID"),
        with_check_digit('A', "12345679").expect("valid ID"),
        with_check_digit('A', "12345678").expect("valid ID"),
    );
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    crate::common::staff::add_staff(
        &db.db,
        PASSWORD,
        &[
            (StaffRole::Teacher, "t501", Some("173601"), Some("501")),
            (StaffRole::Officer, "officer.a", Some("173601"), None),
            (StaffRole::Officer, "officer.b", Some("173602"), None),
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let server = TestServer::start(&db, &[]).await;
    (db, server)
}

fn school_of(username: &str) -> &'static str {
    match username {
        "officer.b" | "t601" | "officer.b2" => "173602",
        "operator" => "",
        _ => "173601",
    }
}

async fn try_login(
    server: &TestServer,
    username: &str,
    password: &str,
    otp: &str,
) -> (Browser, Reply) {
    let b = server.client();
    let r = b
        .post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school_of(username), "username": username, "password": password, "otp": otp } }),
        )
        .await;
    (b, r)
}

async fn login(server: &TestServer, username: &str) -> Browser {
    let (b, r) = try_login(server, username, PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {r:?}");
    b
}

async fn denied(db: &TestDb, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Result.eq("denied"))
        .count(&db.db)
        .await
        .unwrap()
}

async fn list(b: &Browser, school: Option<&str>) -> Reply {
    b.post_json("/api/school/accounts", &json!({ "school_code": school }))
        .await
}

async fn create(
    b: &Browser,
    school: Option<&str>,
    role: &str,
    username: &str,
    class: &str,
) -> Reply {
    b.post_json(
        "/api/school/account-add",
        &json!({ "input": { "school_code": school, "role": role, "username": username, "class_name": class } }),
    )
    .await
}

async fn disable(b: &Browser, id: i64) -> Reply {
    b.post_json("/api/school/account-disable", &json!({ "account": id }))
        .await
}

fn usernames(r: &Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_owned())
        .collect()
}

fn field<'a>(r: &'a Reply, name: &str) -> &'a str {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    r.body["detail"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {r:?}"))
}

async fn id_of(db: &TestDb, username: &str) -> i64 {
    i64::from(
        staff_users::Entity::find()
            .filter(staff_users::Column::Username.eq(username))
            .one(&db.db)
            .await
            .unwrap()
            .expect("account")
            .id,
    )
}

#[tokio::test]
async fn account_functions_keep_to_the_role_and_the_school() {
    let (db, server) = setup().await;
    let teacher = login(&server, "t501").await;
    let officer_a = login(&server, "officer.a").await;
    let officer_b = login(&server, "officer.b").await;
    let operator = login(&server, "operator").await;

    // A teacher sees their own account and nobody else's; creates and disables nothing.
    let own = list(&teacher, None).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(own.body["me"]["username"], "t501");
    assert_eq!(own.body["me"]["class_name"], "501");
    assert!(usernames(&own).is_empty());
    assert_eq!(
        list(&teacher, Some("173601")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create(&teacher, None, "teacher", "t502", "502")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let officer_a_id = id_of(&db, "officer.a").await;
    assert_eq!(
        disable(&teacher, officer_a_id).await.status,
        StatusCode::FORBIDDEN
    );

    // An officer: their school's accounts only; teachers of their classes only.
    assert_eq!(
        usernames(&list(&officer_a, None).await),
        ["officer.a", "t501"]
    );
    assert_eq!(usernames(&list(&officer_b, None).await), ["officer.b"]);
    assert_eq!(
        list(&officer_b, Some("173601")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        list(&officer_a, None).await.body["classes"],
        json!(["501", "502"])
    );
    assert_eq!(
        create(&officer_b, Some("173601"), "teacher", "t502", "502")
            .await
            .status,
        StatusCode::FORBIDDEN,
        "an officer of B makes no account in A"
    );
    assert_eq!(
        create(&officer_a, None, "officer", "officer.a2", "")
            .await
            .status,
        StatusCode::FORBIDDEN,
        "officers make teachers only"
    );
    let t501_id = id_of(&db, "t501").await;
    assert_eq!(
        disable(&officer_b, t501_id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        disable(&officer_a, id_of(&db, "officer.b").await)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(denied(&db, "school.accounts").await, 2);
    assert_eq!(denied(&db, "staff.create").await, 3);
    assert_eq!(denied(&db, "staff.disable").await, 3);

    // The checks, each on its field.
    assert_eq!(
        field(
            &create(&officer_a, None, "teacher", " ", "502").await,
            "username"
        ),
        "required"
    );
    assert_eq!(
        field(
            &create(&officer_a, None, "teacher", "a b<", "502").await,
            "username"
        ),
        "format"
    );
    assert_eq!(
        field(
            &create(&officer_a, None, "teacher", "t501", "502").await,
            "username"
        ),
        "taken"
    );
    assert_eq!(
        field(
            &create(&officer_a, None, "teacher", "t502", "").await,
            "class"
        ),
        "required"
    );
    assert_eq!(
        field(
            &create(&officer_a, None, "teacher", "t502", "601").await,
            "class"
        ),
        "unknown",
        "601 is a class of school B"
    );
    assert_eq!(
        field(
            &create(&officer_a, None, "janitor", "t502", "502").await,
            "role"
        ),
        "format"
    );
    assert_eq!(
        field(
            &create(&operator, None, "officer", "officer.c", "").await,
            "school"
        ),
        "required"
    );
    assert_eq!(
        db.count("staff_users").await,
        4,
        "nothing written by a refused or wrong request"
    );

    // Made: a teacher by the officer, an officer of B by the operator.
    let made = create(&officer_a, None, "teacher", "t502", "502").await;
    assert_eq!(made.status, StatusCode::OK, "{made:?}");
    let temporary = made.body["temporary_password"].as_str().unwrap().to_owned();
    assert_eq!(temporary.len(), 12);
    let made_b = create(&operator, Some("173602"), "officer", "officer.b2", "").await;
    assert_eq!(made_b.status, StatusCode::OK, "{made_b:?}");
    assert_eq!(
        usernames(&list(&operator, Some("173602")).await),
        ["officer.b", "officer.b2"]
    );
    assert_eq!(usernames(&list(&operator, None).await).len(), 6);
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.create"))
        .filter(audit_log::Column::Subject.eq("t502"))
        .filter(audit_log::Column::Result.eq("ok"))
        .one(&db.db)
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(row.result, "ok");
    assert_eq!(row.actor_id, Some(officer_a_id.to_string()));
    let listed = list(&officer_a, None).await;
    let t502 = listed.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "t502")
        .cloned()
        .unwrap();
    assert_eq!(t502["must_change_password"], true);
    assert_eq!(t502["class_name"], "502");
    assert_eq!(t502["role"], "teacher");
}

#[tokio::test]
async fn a_temporary_password_allows_only_a_password_change_and_disabling_ends_the_session() {
    let (db, server) = setup().await;
    let officer_a = login(&server, "officer.a").await;
    let made = create(&officer_a, None, "teacher", "t502", "502").await;
    assert_eq!(made.status, StatusCode::OK, "{made:?}");
    let temporary = made.body["temporary_password"].as_str().unwrap().to_owned();

    let (new_teacher, r) = try_login(&server, "t502", &temporary, "").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["must_change_password"], true);
    let me = new_teacher.get("/api/school/me").await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.body["must_change_password"], true);
    let queue = new_teacher
        .post_json("/api/school/queue", &json!({ "filter": {} }))
        .await;
    assert_eq!(queue.status, StatusCode::CONFLICT, "{queue:?}");
    assert_eq!(list(&new_teacher, None).await.status, StatusCode::CONFLICT);
    let changed = new_teacher
        .post_json(
            "/api/school/change-password",
            &json!({ "input": { "current_password": temporary, "new_password": "a long new passphrase" } }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{changed:?}");
    assert_eq!(changed.body["must_change_password"], false);
    let own = list(&new_teacher, None).await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(own.body["me"]["username"], "t502");

    // Disabled by the officer: the session ends and the login is refused.
    let id = id_of(&db, "t502").await;
    assert_eq!(disable(&officer_a, id).await.status, StatusCode::OK);
    assert_eq!(
        disable(&officer_a, id).await.status,
        StatusCode::OK,
        "twice changes nothing"
    );
    assert_eq!(
        list(&new_teacher, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (_, again) = try_login(&server, "t502", "a long new passphrase", "").await;
    assert_ne!(again.status, StatusCode::OK, "{again:?}");
    let disabled = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.disable"))
        .filter(audit_log::Column::Result.eq("ok"))
        .count(&db.db)
        .await
        .unwrap();
    assert_eq!(disabled, 1);
    // No one disables themselves.
    let operator = login(&server, "operator").await;
    let own_id = id_of(&db, "operator").await;
    assert_eq!(
        disable(&operator, own_id).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn an_authenticator_enrolled_in_the_browser_is_asked_for_at_the_next_login() {
    let (db, server) = setup().await;
    let teacher = login(&server, "t501").await;
    // Nothing pending yet.
    let early = teacher
        .post_json("/api/school/totp-confirm", &json!({ "code": "123456" }))
        .await;
    assert_eq!(field(&early, "code"), "expired");

    let begun = teacher
        .post_json("/api/school/totp-begin", &json!({}))
        .await;
    assert_eq!(begun.status, StatusCode::OK, "{begun:?}");
    let url = begun.body["otpauth_url"].as_str().unwrap().to_owned();
    assert!(begun.body["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let key: String = begun.body["key"].as_str().unwrap().replace(' ', "");
    assert!(url.contains(&format!("secret={key}")), "{url} / {key}");
    let totp = totp_rs::TOTP::from_url(&url).expect("otpauth url");
    // Not stored before it is confirmed: the login still needs no code.
    let (_, plain) = try_login(&server, "t501", PASSWORD, "").await;
    assert_eq!(plain.status, StatusCode::OK, "{plain:?}");

    let now = totp.generate_current().unwrap();
    let wrong = if now == "000000" { "111111" } else { "000000" };
    let bad = teacher
        .post_json("/api/school/totp-confirm", &json!({ "code": wrong }))
        .await;
    assert_eq!(field(&bad, "code"), "wrong");
    let ok = teacher
        .post_json("/api/school/totp-confirm", &json!({ "code": now }))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    let mine = list(&teacher, None).await;
    assert_eq!(mine.body["me"]["totp"], true);

    let (_, needs) = try_login(&server, "t501", PASSWORD, "").await;
    assert_eq!(field(&needs, "otp"), "required");
    let (_, with_code) =
        try_login(&server, "t501", PASSWORD, &totp.generate_current().unwrap()).await;
    assert_eq!(with_code.status, StatusCode::OK, "{with_code:?}");
    let enabled = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.totp_enabled"))
        .filter(audit_log::Column::Result.eq("ok"))
        .count(&db.db)
        .await
        .unwrap();
    assert_eq!(enabled, 1);
    // The session's enrolment is used up.
    let replay = teacher
        .post_json("/api/school/totp-confirm", &json!({ "code": now }))
        .await;
    assert_eq!(field(&replay, "code"), "expired");
}

/// Eight racing «新增帳號» of one username (a double click, two officers at once): one
/// account, every other reply the field's `taken`, never a 500 or a second row.
#[tokio::test]
async fn racing_creates_of_one_username_make_one_account() {
    let (db, server) = setup().await;
    let officer = login(&server, "officer.a").await;
    let replies = futures_util::future::join_all(
        (0..8).map(|_| create(&officer, None, "teacher", "t501.twin", "501")),
    )
    .await;
    let created = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(created, 1, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(field(r, "username"), "taken");
    }
    let rows = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq("t501.twin"))
        .count(&db.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
