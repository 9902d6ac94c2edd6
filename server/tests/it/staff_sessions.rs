//! Staff login and sessions over HTTP against the real server (SPEC §7), as for
//! parents: an absolute 12-hour limit, revocation by a password change or a disabled
//! account, logout on the server, one answer for unknown and real usernames, and the
//! per-client-IP limit. On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, sessions};
use app::server::roster;
use app::server::staff::{NewStaffUser, StaffRole, add_user};
use chrono::{Duration, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher, retry_after};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new staple";

/// One school (173601) with class 501, and the teacher `t501`.
async fn setup(env: &[(&str, &str)]) -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let id = with_check_digit('D', "12345670").expect("valid ID");
    let csv = format!(
        "{HEADER}\n173601,基隆市立仁愛國小,仁愛區,國小,200000,林小零,{id},2015-05-01,M,501,10,KL-PRIMARY,0612345600,active,100,2021-09-01\n"
    );
    roster::import(&db.db, &cipher(), csv.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    add_user(
        &db.db,
        NewStaffUser {
            role: StaffRole::Teacher,
            username: "t501".into(),
            password: PASSWORD.into(),
            school_code: Some("173601".into()),
            class_name: Some("501".into()),
        },
    )
    .await
    .expect("staff user");
    let server = TestServer::start(&db, env).await;
    (db, server)
}

async fn attempt(b: &Browser, username: &str, password: &str, captcha: &str) -> Reply {
    b.post_json(
        "/api/school/login",
        &json!({ "input": {
            "school_code": "173601", "username": username, "password": password, "captcha": captcha,
        }}),
    )
    .await
}

async fn login(server: &TestServer, password: &str) -> Browser {
    let b = server.client();
    let r = attempt(&b, "t501", password, "").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    b
}

async fn me(b: &Browser) -> StatusCode {
    b.get("/api/school/me").await.status
}

async fn change_password(b: &Browser, current: &str, new: &str) -> Reply {
    b.post_json(
        "/api/school/change-password",
        &json!({ "input": { "current_password": current, "new_password": new } }),
    )
    .await
}

/// Rewrites the login time stored in the browser's session row.
async fn set_login_time(db: &TestDb, b: &Browser, since: chrono::DateTime<Utc>) {
    let id = b.session_cookie().expect("a session cookie");
    let row = sessions::Entity::find_by_id(id)
        .one(&db.db)
        .await
        .expect("session query")
        .expect("the session row");
    let mut data: Value = serde_json::from_str(&row.data).expect("session JSON");
    data["staff"]["since"] = json!(since.to_rfc3339());
    let mut row: sessions::ActiveModel = row.into();
    row.data = Set(data.to_string());
    row.update(&db.db).await.expect("session update");
}

async fn audit_results(db: &TestDb, action: &str) -> Vec<String> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&db.db)
        .await
        .expect("audit query")
        .into_iter()
        .map(|a| a.result)
        .collect()
}

#[tokio::test]
async fn a_staff_session_ends_twelve_hours_after_login_whatever_its_activity() {
    let (db, server) = setup(&[]).await;
    let b = login(&server, PASSWORD).await;
    assert_eq!(me(&b).await, StatusCode::OK);
    // Logged in eleven hours ago and busy since: still in.
    set_login_time(&db, &b, Utc::now() - Duration::hours(11)).await;
    assert_eq!(me(&b).await, StatusCode::OK);
    // Twelve hours and a minute: over, however recent the last request.
    set_login_time(
        &db,
        &b,
        Utc::now() - Duration::hours(12) - Duration::minutes(1),
    )
    .await;
    let ended = b.get("/api/school/me").await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED, "{ended:?}");
    assert_eq!(ended.body, json!({ "error": "unauthorized" }));
    assert_eq!(
        b.get("/api/school/locked").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changing_the_staff_password_ends_the_other_sessions_and_logout_ends_this_one() {
    let (db, server) = setup(&[]).await;
    let first = login(&server, PASSWORD).await;
    let second = login(&server, PASSWORD).await;
    assert_eq!(me(&second).await, StatusCode::OK);

    let wrong = change_password(&first, "not my password", NEW_PASSWORD).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong:?}");
    assert_eq!(wrong.body["detail"]["current_password"], "wrong");
    let same = change_password(&first, PASSWORD, PASSWORD).await;
    assert_eq!(same.body["detail"]["new_password"], "same_as_current");
    let common = change_password(&first, PASSWORD, "password1").await;
    assert_eq!(common.body["detail"]["new_password"], "common");
    let before = first.session_cookie();
    let ok = change_password(&first, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["username"], "t501");
    assert_ne!(first.session_cookie(), before, "session id cycled");

    assert_eq!(me(&first).await, StatusCode::OK);
    assert_eq!(me(&second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        audit_results(&db, "staff.change_password").await,
        ["failed", "ok"]
    );
    let old = attempt(&server.client(), "t501", PASSWORD, "").await;
    assert_eq!(old.status, StatusCode::BAD_REQUEST, "{old:?}");
    login(&server, NEW_PASSWORD).await;

    // «登出» deletes the session on the server: its cookie is worth nothing.
    let cookie = first.session_cookie().expect("session");
    let out = first.post_form("/api/school/logout", &[]).await;
    assert_eq!(out.status, StatusCode::OK);
    let row = sessions::Entity::find_by_id(cookie.clone())
        .one(&db.db)
        .await
        .expect("session query");
    assert!(row.is_none());
    let replay = Browser::new(&server.base);
    let url = reqwest::Url::parse(&server.base).expect("URL");
    replay
        .jar
        .add_cookie_str(&format!("portal_session={cookie}; Path=/"), &url);
    assert_eq!(me(&replay).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_logs_in_no_more() {
    let (db, server) = setup(&[]).await;
    let b = login(&server, PASSWORD).await;
    let wrong = attempt(&server.client(), "t501", "not the password", "").await;
    db.db
        .execute_unprepared("UPDATE staff_users SET disabled_at = CURRENT_TIMESTAMP")
        .await
        .expect("disabling the account");
    assert_eq!(me(&b).await, StatusCode::UNAUTHORIZED);
    // The right password is answered like a wrong one.
    let refused = attempt(&server.client(), "t501", PASSWORD, "").await;
    assert_eq!(refused.status, wrong.status, "{refused:?}");
    assert_eq!(refused.body, wrong.body);
}

#[tokio::test]
async fn unknown_and_real_usernames_get_the_same_answers_after_failures() {
    let (db, server) = setup(&[]).await;
    let real = server.client();
    let unknown = server.client();
    let both = async |password: &str, captcha: &str| {
        if !captcha.is_empty() {
            real.captcha().await;
            unknown.captcha().await;
        }
        let r = attempt(&real, "t501", password, captcha).await;
        let u = attempt(&unknown, "nobody.here", password, captcha).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            // The same lock, seen a moment apart.
            assert_eq!(u.status, r.status, "{r:?} / {u:?}");
            assert!(
                retry_after(&r).abs_diff(retry_after(&u)) <= 2,
                "{r:?} / {u:?}"
            );
        } else {
            assert_eq!((r.status, &r.body), (u.status, &u.body), "{r:?} / {u:?}");
        }
        r
    };
    // Two failures: the same 400; the third says a captcha comes next.
    for _ in 0..2 {
        assert_eq!(
            both("wrong password", "").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    let third = both("wrong password", "").await;
    assert_eq!(
        third.body["detail"]["captcha"], "required_next",
        "{third:?}"
    );
    // Now both need a captcha, for any password.
    let r = both(PASSWORD, "").await;
    assert_eq!(r.body["detail"]["captcha"], "required", "{r:?}");
    // Failures four to nine with a captcha, then the tenth locks both names alike.
    for _ in 4..10 {
        let r = both("wrong password", common::CAPTCHA).await;
        assert_eq!(r.body["detail"]["captcha"], "required_next", "{r:?}");
    }
    let tenth = both("wrong password", common::CAPTCHA).await;
    assert_eq!(tenth.status, StatusCode::TOO_MANY_REQUESTS, "{tenth:?}");
    assert!((890..=900).contains(&retry_after(&tenth)));
    let locked = both(PASSWORD, common::CAPTCHA).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{locked:?}");
    let logins = audit_results(&db, "staff.login").await;
    assert_eq!(logins.iter().filter(|r| *r == "failed").count(), 18);
    assert_eq!(logins.iter().filter(|r| *r == "locked").count(), 4);
}

#[tokio::test]
async fn staff_logins_over_the_per_address_limit_are_429_and_audited() {
    let (db, server) = setup(&[("PORTAL_VERIFY_PER_IP_PER_MIN", "3")]).await;
    let b = server.client();
    for name in ["a.guess", "b.guess", "c.guess"] {
        let r = attempt(&b, name, "a guessed password", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    }
    // Over the limit even with the right password, and for another visitor too.
    let r = attempt(&b, "t501", PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert_eq!(r.body["error"], "rate_limited");
    assert_eq!(retry_after(&r), 60);
    let other = attempt(&server.client(), "t501", PASSWORD, "").await;
    assert_eq!(other.status, StatusCode::TOO_MANY_REQUESTS, "{other:?}");
    let limited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.login"))
        .filter(audit_log::Column::Result.eq("rate_limited"))
        .count(&db.db)
        .await
        .expect("audit count");
    assert_eq!(limited, 2);
}
