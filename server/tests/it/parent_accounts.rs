//! «家長專區» over HTTP against the real server (SPEC §2, §7, §10): registration by
//! code through the development outbox, code limits, login with captcha and lock,
//! password change and reset ending other sessions, forced change of a temporary
//! password, «親子綁定» matched against the roster, approval by the back office's
//! service functions with scopes, unbinding, a parent's children and data, and
//! ownership. On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::AppError;
use app::domain::id_number::with_check_digit;
use app::parent::service::{self as parent, NewParentByStaff};
use app::parent::{BindingFilter, BindingStatus, Relationship};
use app::server::audit::Actor;
use app::server::entities::{audit_log, binding_requests, holders, one_time_codes};
use app::server::staff::{self, NewStaffUser, StaffRole};
use app::server::{AppState, PortalConfig, roster};
use chrono::{Duration, Utc};
use common::{Browser, CAPTCHA, OutboxMail, Reply, TestDb, TestServer, cipher, retry_after};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::Arc;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";

pub(crate) const PRIMARY: &str = "173601";
const JUNIOR: &str = "173502";
/// 林雨晴, 仁愛國小 501, with a card.
pub(super) const LIN_NO: &str = "110001";
pub(super) const LIN_BIRTH: &str = "2015-03-14";
/// 王小明, 仁愛國小 502.
const WANG_NO: &str = "110002";
const WANG_ID: &str = "A123456789";
const WANG_BIRTH: &str = "2015-05-01";
/// 陳冠宇, 中正國中 801: 林雨晴's brother at another school level.
const CHEN_NO: &str = "120001";
const CHEN_BIRTH: &str = "2012-04-05";
/// ANNA LEE, 仁愛國小 501: a name in Latin letters.
const ANNA_NO: &str = "110003";
const ANNA_BIRTH: &str = "2015-07-07";

const PASSWORD: &str = "a long enough passphrase";
const NEW_PASSWORD: &str = "another good passphrase";

pub(super) fn lin_id() -> String {
    with_check_digit('A', "22345678").expect("valid ID")
}
fn chen_id() -> String {
    with_check_digit('B', "12345678").expect("valid ID")
}
fn anna_id() -> String {
    with_check_digit('F', "22345670").expect("valid ID")
}

fn roster_file() -> String {
    format!(
        "{HEADER}\n\
         {PRIMARY},基隆市立仁愛國小,仁愛區,國小,{LIN_NO},林雨晴,{},{LIN_BIRTH},F,501,12,KL-PRIMARY,0512345678,active,230,2021-09-01,0912345678,mom@example.com\n\
         {PRIMARY},基隆市立仁愛國小,仁愛區,國小,{WANG_NO},王小明,{WANG_ID},{WANG_BIRTH},M,502,3,KL-PRIMARY,0512345679,active,230,2021-09-01,,\n\
         {PRIMARY},基隆市立仁愛國小,仁愛區,國小,{ANNA_NO},ANNA LEE,{},{ANNA_BIRTH},F,501,20,KL-PRIMARY,0512345670,active,100,2021-09-01,,\n\
         {JUNIOR},基隆市立中正國中,中正區,國中,{CHEN_NO},陳冠宇,{},{CHEN_BIRTH},M,801,5,KL-JUNIOR,0612345670,active,12,2023-09-01,,dad@example.com\n",
        lin_id(),
        anna_id(),
        chen_id(),
    )
}

pub(crate) struct Setup {
    pub(crate) db: TestDb,
    pub(crate) server: TestServer,
}

impl Setup {
    pub(crate) async fn new() -> Self {
        Self::with_env(&[]).await
    }

    async fn with_env(env: &[(&str, &str)]) -> Self {
        let db = TestDb::new().await;
        roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
            .await
            .expect("roster import");
        let server = TestServer::start(&db, env).await;
        Self { db, server }
    }

    /// The state the back office would call the service functions with (same
    /// database, key and outbox folder as the server).
    pub(crate) fn state(&self) -> AppState {
        AppState::new(
            self.db.db.clone(),
            Arc::new(cipher()),
            PortalConfig {
                test_captcha: None,
                verify_per_ip_per_min: 10,
                data_dir: self.db.path().join("data"),
                ..PortalConfig::default()
            },
        )
        .expect("state")
    }

    pub(crate) async fn staff(
        &self,
        username: &str,
        role: StaffRole,
        school: Option<&str>,
        class: Option<&str>,
    ) -> i32 {
        staff::add_user(
            &self.db.db,
            NewStaffUser {
                role,
                username: username.into(),
                password: "staff passphrase 1".into(),
                school_code: school.map(Into::into),
                class_name: class.map(Into::into),
            },
        )
        .await
        .expect("staff user")
    }

    fn mails_to(&self, to: &str) -> Vec<OutboxMail> {
        self.db
            .outbox_mails()
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }

    fn last_mail_to(&self, to: &str) -> OutboxMail {
        self.mails_to(to)
            .pop()
            .unwrap_or_else(|| panic!("no mail to {to}"))
    }

    /// Moves every one-time code back by `secs`, as if time had passed.
    async fn age_codes(&self, secs: i64) {
        one_time_codes::Entity::update_many()
            .col_expr(
                one_time_codes::Column::CreatedAt,
                Expr::value(Utc::now() - Duration::seconds(secs)),
            )
            .exec(&self.db.db)
            .await
            .expect("aging codes");
    }

    /// A registered parent, logged in on a browser of their own.
    pub(crate) async fn parent(&self, account: &str, name: &str) -> Browser {
        let browser = self.server.client();
        let reply = start(&browser, "register", account).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let code = self.last_mail_to(account).code().expect("a code");
        let reply = register(&browser, account, &code, name).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        browser
    }

    async fn audit(&self, action: &str) -> Vec<audit_log::Model> {
        audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq(action))
            .all(&self.db.db)
            .await
            .expect("audit query")
    }

    pub(super) async fn holder_id(&self, student_no: &str) -> i32 {
        holders::Entity::find()
            .filter(holders::Column::StudentNo.eq(student_no))
            .one(&self.db.db)
            .await
            .expect("holder query")
            .expect("holder")
            .id
    }
}

pub(crate) async fn start(browser: &Browser, what: &str, account: &str) -> Reply {
    let path = if what == "register" {
        "/api/parent/register-start"
    } else {
        "/api/parent/forgot-start"
    };
    browser
        .post_json(path, &json!({ "input": { "account": account } }))
        .await
}

async fn register(browser: &Browser, account: &str, code: &str, name: &str) -> Reply {
    browser
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": account, "code": code, "display_name": name, "password": PASSWORD,
            }}),
        )
        .await
}

async fn login(browser: &Browser, account: &str, password: &str, captcha: Option<&str>) -> Reply {
    let mut input = json!({ "account": account, "password": password });
    if let Some(c) = captcha {
        input["captcha"] = json!(c);
    }
    browser
        .post_json("/api/parent/login", &json!({ "input": input }))
        .await
}

async fn login_with_captcha(browser: &Browser, account: &str, password: &str) -> Reply {
    let c = browser.post_form("/api/parent/captcha", &[]).await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    login(browser, account, password, Some(CAPTCHA)).await
}

async fn change_password(browser: &Browser, current: &str, new: &str) -> Reply {
    browser
        .post_json(
            "/api/parent/change-password",
            &json!({ "input": { "current_password": current, "new_password": new } }),
        )
        .await
}

pub(super) fn child(school: &str, name: &str, no: &str, birth: &str, id: &str, rel: &str) -> Value {
    json!({
        "school_code": school, "name": name, "student_no": no,
        "birth_date": birth, "id_no": id, "relationship": rel,
    })
}

pub(crate) fn lin() -> Value {
    child(PRIMARY, "林雨晴", LIN_NO, LIN_BIRTH, &lin_id(), "mother")
}
fn wang() -> Value {
    child(PRIMARY, "王小明", WANG_NO, WANG_BIRTH, WANG_ID, "father")
}
fn chen() -> Value {
    child(JUNIOR, "陳冠宇", CHEN_NO, CHEN_BIRTH, &chen_id(), "mother")
}

async fn bind(browser: &Browser, children: &[Value]) -> Reply {
    browser
        .post_json(
            "/api/parent/bind",
            &json!({ "input": { "children": children } }),
        )
        .await
}

/// The outcomes of a successful bind call.
pub(crate) async fn bind_ok(browser: &Browser, children: &[Value]) -> Vec<Value> {
    let reply = bind(browser, children).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body.as_array().expect("outcomes").clone()
}

pub(crate) fn request_id(outcome: &Value) -> i32 {
    outcome["request"]["id"].as_i64().expect("request id") as i32
}

fn field_errors(reply: &Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert_eq!(reply.body["error"], "validation", "{reply:?}");
    &reply.body["detail"]
}

#[tokio::test]
async fn registration_reads_the_code_from_the_outbox_and_logs_in() {
    let s = Setup::new().await;
    let browser = s.server.client();
    let reply = start(&browser, "register", " Mom@Example.com ").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["destination_masked"], "m***@example.com");
    assert_eq!(reply.body["valid_minutes"], 60);
    assert_eq!(reply.body["resend_after_secs"], 60);
    let mail = s.last_mail_to("mom@example.com");
    assert!(
        mail.text.contains("X-Portal-Channel: email"),
        "{}",
        mail.text
    );
    assert!(mail.subject.contains("家長專區註冊驗證碼"));
    let code = mail.code().expect("a 6-digit code");
    // The code is stored hashed, with a 1-hour life.
    let row = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::Purpose.eq("parent.register"))
        .one(&s.db.db)
        .await
        .expect("code query")
        .expect("code row");
    assert!(!row.code_hash.contains(&code));
    assert_eq!((row.expires_at - row.created_at).num_minutes(), 60);

    let weak = browser
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": "mom@example.com", "code": code, "display_name": "林媽媽",
                "password": "password1",
            }}),
        )
        .await;
    assert_eq!(field_errors(&weak)["password"], "common");
    let before = browser.session_cookie();
    let reply = register(&browser, "mom@example.com", &code, "林媽媽").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({
            "display_name": "林媽媽", "contact_kind": "email",
            "contact_masked": "m***@example.com", "must_change_password": false,
        })
    );
    assert_ne!(browser.session_cookie(), before, "session id cycled");
    let me = browser.get("/api/parent/me").await;
    assert_eq!(me.status, StatusCode::OK, "{me:?}");
    assert_eq!(me.body["display_name"], "林媽媽");
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(s.audit("parent.register").await.len(), 1);

    // Asking again for an address with an account: the same answer, but the message
    // says there is an account already and carries no code.
    s.age_codes(61).await;
    let other = s.server.client();
    let again = start(&other, "register", "mom@example.com").await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body, reply_shape("m***@example.com"));
    let mail = s.last_mail_to("mom@example.com");
    assert!(mail.subject.contains("您已有帳號"), "{}", mail.subject);
    assert_eq!(mail.code(), None);

    // A mobile number: the development outbox writes the SMS as a file too.
    let phone = s.server.client();
    let reply = start(&phone, "register", "0912-345-678").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["destination_masked"], "0912***678");
    let sms = s.last_mail_to("0912345678");
    assert!(sms.text.contains("X-Portal-Channel: sms"), "{}", sms.text);
    let code = sms.code().expect("code by SMS");
    let reply = register(&phone, "0912345678", &code, "林爸爸").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["contact_kind"], "mobile");

    // Unknown fields are refused, not bound.
    let extra = other
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": "x@example.com", "is_admin": true } }),
        )
        .await;
    assert_eq!(extra.status, StatusCode::UNPROCESSABLE_ENTITY, "{extra:?}");
}

fn reply_shape(masked: &str) -> Value {
    json!({ "destination_masked": masked, "resend_after_secs": 60, "valid_minutes": 60 })
}

#[tokio::test]
async fn registration_codes_expire_and_are_single_use() {
    let s = Setup::new().await;
    let browser = s.server.client();
    assert_eq!(
        start(&browser, "register", "a@example.com").await.status,
        StatusCode::OK
    );
    let code = s.last_mail_to("a@example.com").code().expect("code");
    one_time_codes::Entity::update_many()
        .col_expr(
            one_time_codes::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .exec(&s.db.db)
        .await
        .expect("expiring the code");
    let reply = register(&browser, "a@example.com", &code, "A").await;
    assert_eq!(field_errors(&reply)["code"], "expired");

    s.age_codes(61).await;
    assert_eq!(
        start(&browser, "register", "a@example.com").await.status,
        StatusCode::OK
    );
    let code = s.last_mail_to("a@example.com").code().expect("code");
    let reply = register(&browser, "a@example.com", &code, "A").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let replay = register(&s.server.client(), "a@example.com", &code, "A").await;
    assert_eq!(field_errors(&replay)["code"], "expired", "spent");
}

#[tokio::test]
async fn five_wrong_guesses_burn_a_code() {
    let s = Setup::new().await;
    let browser = s.server.client();
    assert_eq!(
        start(&browser, "register", "b@example.com").await.status,
        StatusCode::OK
    );
    let code = s.last_mail_to("b@example.com").code().expect("code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let reply = register(&browser, "b@example.com", wrong, "B").await;
        assert_eq!(field_errors(&reply)["code"], "wrong");
    }
    let reply = register(&browser, "b@example.com", &code, "B").await;
    assert_eq!(
        field_errors(&reply)["code"],
        "expired",
        "burnt after 5 guesses"
    );
    let audit = s.audit("parent.register_check").await;
    assert_eq!(audit.iter().filter(|a| a.result == "burnt").count(), 1);
}

#[tokio::test]
async fn codes_are_a_minute_apart_and_five_an_hour() {
    let s = Setup::new().await;
    let browser = s.server.client();
    assert_eq!(
        start(&browser, "register", "c@example.com").await.status,
        StatusCode::OK
    );
    let soon = start(&browser, "register", "c@example.com").await;
    assert_eq!(soon.status, StatusCode::TOO_MANY_REQUESTS, "{soon:?}");
    assert!((1..=60).contains(&retry_after(&soon)));
    for _ in 0..4 {
        s.age_codes(61).await;
        let reply = start(&browser, "register", "c@example.com").await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
    s.age_codes(61).await;
    let sixth = start(&browser, "register", "c@example.com").await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{sixth:?}");
    assert!(retry_after(&sixth) > 60, "the hourly limit");
    assert_eq!(s.mails_to("c@example.com").len(), 5);
    assert!(
        s.audit("parent.register_code")
            .await
            .iter()
            .any(|a| a.result == "rate_limited")
    );
}

#[tokio::test]
async fn login_needs_a_captcha_after_three_failures_and_locks_after_ten() {
    let s = Setup::new().await;
    s.parent("d@example.com", "D").await;
    let browser = s.server.client();
    for i in 1..=3 {
        let reply = login(&browser, "d@example.com", "wrong password!", None).await;
        let errors = field_errors(&reply);
        assert_eq!(errors["credentials"], "wrong");
        assert_eq!(errors.get("captcha").is_some(), i == 3, "{errors}");
    }
    // The right password alone is no longer enough.
    let reply = login(&browser, "d@example.com", PASSWORD, None).await;
    assert_eq!(field_errors(&reply)["captcha"], "required");
    // An unknown account is counted the same way and answers the same.
    let unknown = login(&browser, "nobody@example.com", PASSWORD, None).await;
    assert_eq!(field_errors(&unknown)["credentials"], "wrong");

    let before = browser.session_cookie();
    let reply = login_with_captcha(&browser, "d@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_ne!(
        browser.session_cookie(),
        before,
        "session id cycled on login"
    );
    assert!(
        s.audit("parent.login")
            .await
            .iter()
            .any(|a| a.result == "ok")
    );

    // Ten failures lock the account for 15 minutes, even for the right password.
    let other = s.server.client();
    for i in 1..=10 {
        let reply = login_with_captcha(&other, "d@example.com", "wrong password!").await;
        if i < 10 {
            assert_eq!(field_errors(&reply)["credentials"], "wrong");
        } else {
            assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
            assert_eq!(retry_after(&reply), 15 * 60);
        }
    }
    let locked = login_with_captcha(&other, "d@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{locked:?}");
    assert!(
        s.audit("parent.login")
            .await
            .iter()
            .any(|a| a.result == "locked")
    );
}

#[tokio::test]
async fn logins_are_limited_per_client_ip() {
    let s = Setup::with_env(&[("PORTAL_VERIFY_PER_IP_PER_MIN", "3")]).await;
    let browser = s.server.client();
    for account in ["k1@example.com", "k2@example.com", "k3@example.com"] {
        let reply = login(&browser, account, PASSWORD, None).await;
        assert_eq!(field_errors(&reply)["credentials"], "wrong");
    }
    let reply = login(&browser, "k4@example.com", PASSWORD, None).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    assert_eq!(retry_after(&reply), 60);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let s = Setup::new().await;
    let first = s.parent("e@example.com", "E").await;
    let second = s.server.client();
    assert_eq!(
        login(&second, "e@example.com", PASSWORD, None).await.status,
        StatusCode::OK
    );
    assert_eq!(second.get("/api/parent/me").await.status, StatusCode::OK);

    let wrong = change_password(&first, "not my password", NEW_PASSWORD).await;
    assert_eq!(field_errors(&wrong)["current_password"], "wrong");
    let same = change_password(&first, PASSWORD, PASSWORD).await;
    assert_eq!(field_errors(&same)["new_password"], "same_as_current");
    let reply = change_password(&first, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    assert_eq!(first.get("/api/parent/me").await.status, StatusCode::OK);
    let ended = second.get("/api/parent/me").await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED, "{ended:?}");
    assert_eq!(ended.body["error"], "unauthorized");
    assert!(
        s.last_mail_to("e@example.com")
            .subject
            .contains("密碼已變更")
    );
    assert_eq!(
        s.audit("parent.change_password")
            .await
            .iter()
            .filter(|a| a.result == "ok")
            .count(),
        1
    );

    let old = login(&s.server.client(), "e@example.com", PASSWORD, None).await;
    assert_eq!(field_errors(&old)["credentials"], "wrong");
    let new = login(&s.server.client(), "e@example.com", NEW_PASSWORD, None).await;
    assert_eq!(new.status, StatusCode::OK, "{new:?}");

    // Logout ends the session on the server.
    let cookie = first.session_cookie().expect("session");
    assert_eq!(
        first.post_form("/api/parent/logout", &[]).await.status,
        StatusCode::OK
    );
    let gone = app::server::entities::sessions::Entity::find_by_id(cookie)
        .one(&s.db.db)
        .await
        .expect("session query");
    assert!(gone.is_none());
    assert_eq!(
        first.get("/api/parent/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_code() {
    let s = Setup::new().await;
    let session = s.parent("f@example.com", "F").await;
    let browser = s.server.client();

    // An unknown address gets the same answer and no message.
    let unknown = start(&browser, "forgot", "nobody@example.com").await;
    assert_eq!(unknown.status, StatusCode::OK, "{unknown:?}");
    assert!(s.mails_to("nobody@example.com").is_empty());

    let reply = start(&browser, "forgot", "f@example.com").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["valid_minutes"], 10);
    let mail = s.last_mail_to("f@example.com");
    assert!(mail.subject.contains("重設密碼"));
    let code = mail.code().expect("reset code");
    let finish = |code: String| {
        let browser = &browser;
        async move {
            browser
                .post_json(
                    "/api/parent/forgot-finish",
                    &json!({ "input": {
                        "account": "f@example.com", "code": code, "new_password": NEW_PASSWORD,
                    }}),
                )
                .await
        }
    };
    let reply = finish(code.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(
        field_errors(&finish(code).await)["code"],
        "expired",
        "single use"
    );
    assert_eq!(
        session.get("/api/parent/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&browser, "f@example.com", NEW_PASSWORD, None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(s.audit("parent.reset_password").await.len(), 1);
}

#[tokio::test]
async fn staff_created_accounts_must_change_the_temporary_password() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let lin_holder = s.holder_id(LIN_NO).await;
    let wang_holder = s.holder_id(WANG_NO).await;
    let state = s.state();

    // Not for a child outside the teacher's class.
    let denied = parent::create_parent_by_staff(
        &state,
        None,
        teacher,
        NewParentByStaff {
            account: "g@example.com".into(),
            display_name: "G".into(),
            child: Some((wang_holder, Relationship::Father)),
        },
    )
    .await;
    assert_eq!(denied, Err(AppError::Forbidden));

    let id = parent::create_parent_by_staff(
        &state,
        None,
        teacher,
        NewParentByStaff {
            account: "g@example.com".into(),
            display_name: "林爸爸".into(),
            child: Some((lin_holder, Relationship::Father)),
        },
    )
    .await
    .expect("created");
    assert!(parent::approved_binding(&s.db.db, id, lin_holder).await);
    let mail = s.last_mail_to("g@example.com");
    let temporary = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("臨時密碼："))
        .expect("temporary password line")
        .trim()
        .to_owned();

    let browser = s.server.client();
    let reply = login(&browser, "g@example.com", &temporary, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["must_change_password"], true);
    for path in [
        "/api/parent/children",
        "/api/parent/binding-requests",
        "/api/parent/my-data",
    ] {
        let held = browser.get(path).await;
        assert_eq!(held.status, StatusCode::FORBIDDEN, "{path}: {held:?}");
        assert_eq!(held.body["error"], "must_change_password");
    }
    let held = bind(&browser, &[wang()]).await;
    assert_eq!(held.body["error"], "must_change_password");
    assert_eq!(browser.get("/api/parent/me").await.status, StatusCode::OK);

    let reply = change_password(&browser, &temporary, NEW_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["must_change_password"], false);
    let children = browser.get("/api/parent/children").await;
    assert_eq!(children.status, StatusCode::OK, "{children:?}");
    assert_eq!(children.body[0]["masked_name"], "林○晴");
    // The temporary password is gone from the outbox row once sent.
    let rows = app::server::entities::outbox::Entity::find()
        .all(&s.db.db)
        .await
        .expect("outbox rows");
    assert!(rows.iter().all(|r| !r.payload.contains(&temporary)));
}

#[tokio::test]
async fn binding_matches_the_roster_and_a_mismatch_names_no_step() {
    let s = Setup::new().await;
    let browser = s.parent("h@example.com", "H").await;

    // Siblings at two school levels in one call; 林 typed as the CJK compatibility
    // ideograph U+F9F4, ANNA LEE in full-width letters with blanks around.
    let outcomes = bind_ok(
        &browser,
        &[
            child(
                PRIMARY,
                "\u{F9F4}雨晴",
                LIN_NO,
                LIN_BIRTH,
                &lin_id(),
                "mother",
            ),
            chen(),
            child(
                PRIMARY,
                "　ＡＮＮＡ ＬＥＥ ",
                ANNA_NO,
                ANNA_BIRTH,
                &anna_id().to_lowercase(),
                "other_guardian",
            ),
        ],
    )
    .await;
    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert_eq!(o["outcome"], "requested", "{o}");
        assert_eq!(o["request"]["status"], "pending");
    }
    assert_eq!(outcomes[0]["request"]["masked_name"], "林○晴");
    assert_eq!(outcomes[0]["request"]["class_name"], "501");
    assert_eq!(outcomes[1]["request"]["school_name"], "基隆市立中正國中");
    assert_eq!(outcomes[2]["request"]["relationship"], "other_guardian");

    let outcomes = bind_ok(
        &browser,
        &[
            lin(),
            child(PRIMARY, "王小明", WANG_NO, "2015-05-02", WANG_ID, "father"),
            child(JUNIOR, "王小明", WANG_NO, WANG_BIRTH, WANG_ID, "father"),
            child("999999", "王小明", WANG_NO, WANG_BIRTH, WANG_ID, "father"),
            child(PRIMARY, "王小名", WANG_NO, WANG_BIRTH, WANG_ID, "father"),
            child(
                PRIMARY,
                "王小明",
                WANG_NO,
                WANG_BIRTH,
                "A123456780",
                "father",
            ),
        ],
    )
    .await;
    // One answer whatever did not match: no step is named, nothing of the roster leaks.
    assert_eq!(
        outcomes,
        vec![
            json!({ "outcome": "already_pending", "request": outcomes[0]["request"] }),
            json!({ "outcome": "mismatch" }),
            json!({ "outcome": "mismatch" }),
            json!({ "outcome": "mismatch" }),
            json!({ "outcome": "mismatch" }),
            json!({ "outcome": "mismatch" }),
        ]
    );

    let bad = bind(&browser, &[json!({ "school_code": PRIMARY })]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    let empty = bind(&browser, &[]).await;
    assert_eq!(field_errors(&empty)["children"], "required");

    let list = browser.get("/api/parent/binding-requests").await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let list = list.body.as_array().expect("rows").clone();
    assert_eq!(list.len(), 3);
    assert!(
        list.iter()
            .all(|r| r["status"] == "pending" && r["requested_on"].is_string())
    );
    assert_eq!(
        s.audit("parent.bind")
            .await
            .iter()
            .filter(|a| a.result == "ok")
            .count(),
        3
    );
    // No child is shown before approval.
    let children = browser.get("/api/parent/children").await;
    assert_eq!(children.body, json!([]));
}

#[tokio::test]
async fn binding_attempts_are_limited_per_parent_and_hour() {
    let s = Setup::new().await;
    let browser = s.parent("i@example.com", "I").await;
    // Each a different ID, so the per-child limit (5 a day) is not what stops them.
    let wrong = |i: u8| {
        let id = with_check_digit('A', &format!("1000000{i}")).expect("valid ID");
        child(PRIMARY, "王小明", WANG_NO, "2015-01-01", &id, "father")
    };
    let outcomes = bind_ok(&browser, &(0..8).map(wrong).collect::<Vec<_>>()).await;
    assert!(outcomes.iter().all(|o| o["outcome"] == "mismatch"));
    let outcomes = bind_ok(&browser, &[wrong(8), wrong(9), wang(), wrong(0)]).await;
    let kinds: Vec<&Value> = outcomes.iter().map(|o| &o["outcome"]).collect();
    assert_eq!(
        kinds,
        ["mismatch", "mismatch", "rate_limited", "rate_limited"]
    );
    let reply = bind(&browser, &[wang()]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    assert!(retry_after(&reply) > 3000);
    assert!(
        s.audit("parent.bind")
            .await
            .iter()
            .any(|a| a.result == "rate_limited")
    );
}

#[tokio::test]
async fn the_homeroom_teacher_approves_or_returns_and_others_are_forbidden() {
    let s = Setup::new().await;
    let t501 = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let t502 = s
        .staff("teacher502", StaffRole::Teacher, Some(PRIMARY), Some("502"))
        .await;
    let officer = s
        .staff("officer-junior", StaffRole::Officer, Some(JUNIOR), None)
        .await;
    let operator = s.staff("operator", StaffRole::Operator, None, None).await;
    let state = s.state();
    let browser = s.parent("j@example.com", "J").await;
    let outcomes = bind_ok(&browser, &[lin(), wang(), chen()]).await;
    let (lin_req, wang_req, chen_req) = (
        request_id(&outcomes[0]),
        request_id(&outcomes[1]),
        request_id(&outcomes[2]),
    );

    // Each sees only their scope.
    let pending = BindingFilter {
        status: Some(BindingStatus::Pending),
    };
    let mine = parent::list_binding_requests(&state, t501, pending.clone())
        .await
        .expect("list");
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), vec![lin_req]);
    assert_eq!(mine[0].child_name, "林雨晴");
    assert_eq!(mine[0].parent_contact_masked, "j***@example.com");
    assert_eq!(mine[0].relationship, Relationship::Mother);
    let all = parent::list_binding_requests(&state, operator, pending)
        .await
        .expect("list");
    assert_eq!(all.len(), 3);
    let junior = parent::list_binding_requests(&state, officer, BindingFilter::default())
        .await
        .expect("list");
    assert_eq!(
        junior.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![chen_req]
    );

    // Another class's teacher and another school's officer may not decide.
    assert_eq!(
        parent::approve_binding(&state, None, t502, lin_req).await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        parent::approve_binding(&state, None, officer, lin_req).await,
        Err(AppError::Forbidden)
    );
    let denied = s.audit("binding.approve").await;
    assert_eq!(denied.iter().filter(|a| a.result == "denied").count(), 2);
    assert!(denied.iter().all(|a| a.actor_kind == "staff"));

    let approved = parent::approve_binding(&state, None, t501, lin_req)
        .await
        .expect("approve");
    assert_eq!(approved.status, BindingStatus::Approved);
    assert_eq!(
        parent::approve_binding(&state, None, t501, lin_req).await,
        Err(AppError::Conflict("not_pending".into()))
    );
    let ok = s.audit("binding.approve").await;
    let ok: Vec<_> = ok.iter().filter(|a| a.result == "ok").collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].actor_id.as_deref(), Some(t501.to_string().as_str()));
    assert_eq!(ok[0].subject.as_deref(), Some("林○晴"));
    assert!(
        s.last_mail_to("j@example.com")
            .subject
            .contains("親子綁定已核可")
    );

    // Returning needs a reason, which the parent is told.
    assert_eq!(
        parent::return_binding(&state, None, t502, wang_req, "  ").await,
        Err(AppError::field("reason", "required"))
    );
    let returned = parent::return_binding(&state, None, t502, wang_req, "監護關係需再確認")
        .await
        .expect("return");
    assert_eq!(returned.status, BindingStatus::Returned);
    let mail = s.last_mail_to("j@example.com");
    assert!(mail.subject.contains("退回"));
    assert!(
        mail.text.contains("退回原因：監護關係需再確認"),
        "{}",
        mail.text
    );
    assert_eq!(s.audit("binding.return").await.len(), 1);

    // The parent sees only the approved child, with its cards; the returned request
    // shows its reason; the pending one stays pending.
    let children = browser.get("/api/parent/children").await;
    assert_eq!(children.status, StatusCode::OK, "{children:?}");
    let children = children.body.as_array().expect("children").clone();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["masked_name"], "林○晴");
    assert_eq!(children[0]["school_name"], "基隆市立仁愛國小");
    assert_eq!(children[0]["class_name"], "501");
    assert_eq!(children[0]["cards"][0]["outer_no_masked"], "051234****");
    assert_eq!(children[0]["applications"], json!([]));
    let list = browser.get("/api/parent/binding-requests").await.body;
    let status_of = |id: i32| {
        list.as_array()
            .expect("rows")
            .iter()
            .find(|r| r["id"] == id)
            .expect("row")
            .clone()
    };
    assert_eq!(status_of(wang_req)["status"], "returned");
    assert_eq!(status_of(wang_req)["return_reason"], "監護關係需再確認");
    assert_eq!(status_of(chen_req)["status"], "pending");

    // A new request after a return is possible.
    let again = bind_ok(&browser, &[wang()]).await;
    assert_eq!(again[0]["outcome"], "requested");
}

#[tokio::test]
async fn a_parent_reaches_only_children_of_approved_bindings() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let officer = s
        .staff("officer", StaffRole::Officer, Some(PRIMARY), None)
        .await;
    let state = s.state();
    // Two guardians of the same child, each with their own account.
    let mom = s.parent("mom@example.com", "林媽媽").await;
    let grandma = s.parent("0911222333", "林奶奶").await;
    let mom_req = request_id(&bind_ok(&mom, &[lin()]).await[0]);
    let grandma_req = request_id(
        &bind_ok(
            &grandma,
            &[child(
                PRIMARY,
                "林雨晴",
                LIN_NO,
                LIN_BIRTH,
                &lin_id(),
                "grandparent",
            )],
        )
        .await[0],
    );
    parent::approve_binding(&state, None, teacher, mom_req)
        .await
        .expect("approve");
    parent::approve_binding(&state, None, teacher, grandma_req)
        .await
        .expect("approve");
    let lin_holder = s.holder_id(LIN_NO).await;
    let mom_id = binding_requests::Entity::find_by_id(mom_req)
        .one(&s.db.db)
        .await
        .expect("query")
        .expect("row")
        .parent_id;
    assert!(parent::approved_binding(&s.db.db, mom_id, lin_holder).await);
    assert!(!parent::approved_binding(&s.db.db, mom_id, s.holder_id(WANG_NO).await).await);
    assert!(s.last_mail_to("0911222333").subject.contains("核可"));

    let own = mom
        .get(&format!("/api/parent/child?binding_id={mom_req}"))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{own:?}");
    assert_eq!(own.body["relationship"], "mother");
    // Replaying the other guardian's binding id is refused and audited.
    let replay = mom
        .get(&format!("/api/parent/child?binding_id={grandma_req}"))
        .await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN, "{replay:?}");
    let unbind_other = mom
        .post_form(
            "/api/parent/unbind",
            &[("binding_id", &grandma_req.to_string())],
        )
        .await;
    assert_eq!(
        unbind_other.status,
        StatusCode::FORBIDDEN,
        "{unbind_other:?}"
    );
    let denied: Vec<_> = s
        .audit("parent.child")
        .await
        .into_iter()
        .chain(s.audit("parent.unbind").await)
        .filter(|a| a.result == "denied")
        .collect();
    assert_eq!(denied.len(), 2);
    assert!(
        denied
            .iter()
            .all(|a| a.actor_id.as_deref() == Some(mom_id.to_string().as_str()))
    );
    // Without a session: 401.
    let anonymous = s.server.client().get("/api/parent/children").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // «我的資料»: the account, its own requests and children, nobody else's.
    let data = mom.get("/api/parent/my-data").await;
    assert_eq!(data.status, StatusCode::OK, "{data:?}");
    assert_eq!(data.body["account"]["contact"], "mom@example.com");
    assert_eq!(
        data.body["binding_requests"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(data.body["children"][0]["binding_id"], mom_req);
    let text = data.body.to_string();
    assert!(
        !text.contains("0911222333") && !text.contains("林奶奶"),
        "{text}"
    );
    assert!(!text.contains(&lin_id()), "no clear ID");
    assert!(
        data.body["account_events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["action"] == "parent.register")
    );

    // Unbinding by the parent is effective at once and audited.
    let reply = mom
        .post_form(
            "/api/parent/unbind",
            &[("binding_id", &mom_req.to_string())],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body[0]["status"], "unbound");
    assert_eq!(mom.get("/api/parent/children").await.body, json!([]));
    let after = mom
        .get(&format!("/api/parent/child?binding_id={mom_req}"))
        .await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.audit("parent.unbind")
            .await
            .iter()
            .filter(|a| a.result == "ok")
            .count(),
        1
    );
    assert!(!parent::approved_binding(&s.db.db, mom_id, lin_holder).await);

    // Staff remove the other binding (a protection case); the reason stays at school.
    assert_eq!(
        parent::remove_binding(&state, None, officer, grandma_req, "").await,
        Err(AppError::field("reason", "required"))
    );
    let removed = parent::remove_binding(&state, None, officer, grandma_req, "保護個案")
        .await
        .expect("remove");
    assert_eq!(removed.status, BindingStatus::Removed);
    let mail = s.last_mail_to("0911222333");
    assert!(mail.subject.contains("解除"));
    assert!(!mail.text.contains("保護個案"));
    assert_eq!(grandma.get("/api/parent/children").await.body, json!([]));
    assert_eq!(s.audit("binding.remove").await.len(), 1);
}

pub(crate) async fn start_for_child(browser: &Browser, wizard: &str, binding_id: i32) -> Reply {
    browser
        .post_form(
            "/api/parent/start-wizard",
            &[("wizard", wizard), ("binding_id", &binding_id.to_string())],
        )
        .await
}

#[tokio::test]
async fn a_bound_parent_stops_a_card_without_verification_or_step_up_code() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let officer = s
        .staff("officer", StaffRole::Officer, Some(PRIMARY), None)
        .await;
    let state = s.state();
    let mom = s.parent("mom@example.com", "林媽媽").await;
    let grandma = s.parent("0911222333", "林奶奶").await;
    let mom_req = request_id(&bind_ok(&mom, &[lin()]).await[0]);
    let grandma_req = request_id(
        &bind_ok(
            &grandma,
            &[child(
                PRIMARY,
                "林雨晴",
                LIN_NO,
                LIN_BIRTH,
                &lin_id(),
                "grandparent",
            )],
        )
        .await[0],
    );
    // A pending request does not open the wizards.
    assert_eq!(mom.consent("stop").await.status, StatusCode::OK);
    assert_eq!(
        start_for_child(&mom, "stop", mom_req).await.status,
        StatusCode::FORBIDDEN
    );
    for req in [mom_req, grandma_req] {
        parent::approve_binding(&state, None, teacher, req)
            .await
            .expect("approve");
    }

    // Without consent in this session: 401; someone else's binding: 403, audited.
    let fresh = s.server.client();
    assert_eq!(
        start_for_child(&fresh, "stop", mom_req).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(mom.consent("stop").await.status, StatusCode::OK);
    assert_eq!(
        start_for_child(&mom, "stop", grandma_req).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        start_for_child(&mom, "query", mom_req).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Grandma starts the stop wizard; staff remove her binding meanwhile: the step-up
    // code is asked for again.
    assert_eq!(grandma.consent("stop").await.status, StatusCode::OK);
    let started = start_for_child(&grandma, "stop", grandma_req).await;
    assert_eq!(started.status, StatusCode::OK, "{started:?}");
    let overview = grandma.get("/api/stop/overview").await;
    assert_eq!(
        overview.body["step_up_contact"],
        Value::Null,
        "{overview:?}"
    );
    parent::remove_binding(&state, None, officer, grandma_req, "保護個案")
        .await
        .expect("remove");
    let overview = grandma.get("/api/stop/overview").await;
    assert_eq!(
        overview.body["step_up_contact"], "0912***678",
        "{overview:?}"
    );

    // Mom: consent, start, and the stop goes through without a code.
    let started = start_for_child(&mom, "stop", mom_req).await;
    assert_eq!(started.status, StatusCode::OK, "{started:?}");
    assert_eq!(started.body["masked_name"], "林○晴");
    let overview = mom.get("/api/stop/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    assert_eq!(overview.body["step_up_contact"], Value::Null);
    let card_ref = overview.body["cards"][0]["card_ref"]
        .as_str()
        .expect("card ref")
        .to_owned();
    // No code is sent for her, not even when asked for.
    assert_eq!(overview.body["step_up_contacts"], json!([]));
    let code = mom
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(code.status, StatusCode::CONFLICT, "{code:?}");
    assert_eq!(code.body["detail"], "not_required");
    let stop = mom
        .post_json(
            "/api/stop/submit",
            &json!({ "input": {
                "card_ref": card_ref, "choice": "no_refund",
                "step_up_code": null, "idempotency_key": "bound-parent-stop-0001",
            }}),
        )
        .await;
    assert_eq!(stop.status, StatusCode::OK, "{stop:?}");
    let step_up_messages = app::server::entities::outbox::Entity::find()
        .filter(app::server::entities::outbox::Column::Template.eq("stop_code"))
        .all(&s.db.db)
        .await
        .expect("outbox rows");
    assert!(step_up_messages.is_empty(), "no step-up code was sent");
    let children = mom.get("/api/parent/children").await;
    assert_eq!(
        children.body[0]["cards"][0]["status"], "stopped",
        "{children:?}"
    );
    let starts = s.audit("parent.wizard_start").await;
    assert_eq!(starts.iter().filter(|a| a.result == "ok").count(), 2);
    assert_eq!(starts.iter().filter(|a| a.result == "denied").count(), 2);
    let stops = s.audit("stop.submit").await;
    assert_eq!(stops.len(), 1);
    assert!(
        stops[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("\"step_up\":false")),
        "{stops:?}"
    );

    // The apply wizard opens the same way, straight at the applicant step.
    assert_eq!(mom.consent("apply").await.status, StatusCode::OK);
    assert_eq!(
        mom.get("/api/apply/overview").await.status,
        StatusCode::UNAUTHORIZED
    );
    let started = start_for_child(&mom, "apply", mom_req).await;
    assert_eq!(started.status, StatusCode::OK, "{started:?}");
    let overview = mom.get("/api/apply/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
}

#[tokio::test]
async fn staff_create_a_parent_account_for_a_student_by_number() {
    use app::parent::StaffNewParentInput;
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let operator = s.staff("operator", StaffRole::Operator, None, None).await;
    let state = s.state();
    let input = |account: &str, student_no: &str, rel: Option<Relationship>| StaffNewParentInput {
        account: account.into(),
        display_name: "王爸爸".into(),
        student_no: student_no.into(),
        relationship: rel,
    };
    let create = async |staff: i32, i: StaffNewParentInput| {
        parent::create_parent_for_student(&state, None, staff, i).await
    };
    assert_eq!(
        create(teacher, input("not an account", "", None)).await,
        Err(AppError::field("account", "format"))
    );
    assert_eq!(
        create(
            teacher,
            input("wang@example.com", "999999", Some(Relationship::Father))
        )
        .await,
        Err(AppError::field("student_no", "not_found"))
    );
    assert_eq!(
        create(teacher, input("wang@example.com", WANG_NO, None)).await,
        Err(AppError::field("relationship", "required"))
    );
    assert_eq!(
        create(
            operator,
            input("wang@example.com", WANG_NO, Some(Relationship::Father))
        )
        .await,
        Err(AppError::field("student_no", "no_school"))
    );
    // 王小明 is in 502: not the 501 teacher's student.
    assert_eq!(
        create(
            teacher,
            input("wang@example.com", WANG_NO, Some(Relationship::Father))
        )
        .await,
        Err(AppError::Forbidden)
    );
    let done = create(
        teacher,
        input("lin.dad@example.com", LIN_NO, Some(Relationship::Father)),
    )
    .await
    .expect("created");
    assert_eq!(done.child_masked_name.as_deref(), Some("林○晴"));
    assert_eq!(
        done.contact_masked,
        app::domain::masking::mask_email("lin.dad@example.com")
    );
    assert!(
        s.last_mail_to("lin.dad@example.com")
            .text
            .contains("臨時密碼：")
    );
    assert_eq!(
        create(teacher, input("lin.dad@example.com", "", None)).await,
        Err(AppError::Conflict("account_exists".into()))
    );
    // An account without a child, by the operator.
    let done = create(operator, input("0922333444", "", None))
        .await
        .expect("created");
    assert_eq!(done.child_masked_name, None);
}
