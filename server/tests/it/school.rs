//! The school back office over HTTP against the real server (SPEC §3, §7): staff
//! login with captcha and lock, the scoped queue, reviews (bulk in one transaction,
//! one audit row per item), the processing form, photos, CSV export, unlocking, the
//! audit log, roster import and payment reconciliation — every function × every role
//! × own/other class or school. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, replacement_applications as applications, stop_requests};
use app::server::roster;
use app::server::staff::{NewStaffUser, StaffRole, add_user};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::io::Cursor;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";
const PASSWORD: &str = "correct horse battery";

fn id(n: u8) -> String {
    with_check_digit('D', &format!("1234567{n}")).expect("valid ID")
}

/// School A (173601): 0 and 1 in class 501, 2 in 502. School B (173602): 3.
/// 0 and 3 have a stopped card (they apply), 1 and 2 an active one (they stop it).
fn roster_file() -> String {
    let rows = [
        (0, "173601", "501", "stopped"),
        (1, "173601", "501", "active"),
        (2, "173601", "502", "active"),
        (3, "173602", "601", "stopped"),
    ];
    let mut f = format!("{HEADER}\n");
    for (n, school, class, status) in rows {
        let name = if school == "173601" {
            "仁愛國小"
        } else {
            "信義國小"
        };
        f.push_str(&format!(
            "{school},基隆市立{name},仁愛區,國小,20000{n},林小{n},{},{BIRTH},M,{class},1{n},KL-PRIMARY,06123456{n}0,{status},100,2021-09-01\n",
            id(n)
        ));
    }
    f
}

struct World {
    db: TestDb,
    server: TestServer,
    /// item refs: application of holder 0 (A/501), stop of holder 1 (A/501), stop of
    /// holder 2 (A/502), application of holder 3 (B/601).
    app_a501: String,
    stop_a501: String,
    stop_a502: String,
    app_b601: String,
}

fn headshot() -> Vec<u8> {
    let img = ImageBuffer::from_fn(230, 288, |x, y| Rgb([(x % 200) as u8, (y % 200) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

async fn apply_as(server: &TestServer, n: u8) {
    let b = server.client();
    b.verified_in("apply", &id(n), BIRTH).await;
    let res = b
        .http
        .post(b.url("/api/apply/photo"))
        .header("content-type", "image/jpeg")
        .body(headshot())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let draft = json!({
        "card_type": "KL-PRIMARY", "reason": "damaged", "mobile": "0912345678",
        "address": "基隆市仁愛區愛一路1號", "delivery": "school",
        "recipient_name": "林大", "recipient_phone": "02-2422-1234",
    });
    let r = b
        .post_json(
            "/api/apply/submit",
            &json!({ "input": { "draft": draft, "idempotency_key": format!("k-school-{n}-0001") } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn stop_as(server: &TestServer, n: u8) {
    let b = server.client();
    b.verified_in("stop", &id(n), BIRTH).await;
    let o = b.get("/api/stop/overview").await;
    let card_ref = o.body["cards"][0]["card_ref"].as_str().unwrap().to_owned();
    let r = b
        .post_json(
            "/api/stop/submit",
            &json!({ "input": { "card_ref": card_ref, "choice": "no_refund", "idempotency_key": format!("k-stop-{n}-00001") } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn world() -> World {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    crate::common::staff::add_staff(
        &db.db,
        PASSWORD,
        &[
            (StaffRole::Teacher, "t501", Some("173601"), Some("501")),
            (StaffRole::Teacher, "t502", Some("173601"), Some("502")),
            (StaffRole::Officer, "officer.a", Some("173601"), None),
            (StaffRole::Officer, "officer.b", Some("173602"), None),
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let server = TestServer::start(&db, &[]).await;
    apply_as(&server, 0).await;
    stop_as(&server, 1).await;
    stop_as(&server, 2).await;
    apply_as(&server, 3).await;
    let apps = applications::Entity::find().all(&db.db).await.unwrap();
    let stops = stop_requests::Entity::find().all(&db.db).await.unwrap();
    let holder_of_app = |i: usize| format!("ap-{}", apps[i].id);
    World {
        app_a501: holder_of_app(0),
        stop_a501: format!("st-{}", stops[0].id),
        stop_a502: format!("st-{}", stops[1].id),
        app_b601: holder_of_app(1),
        db,
        server,
    }
}

fn school_of(username: &str) -> &'static str {
    match username {
        "officer.b" => "173602",
        "operator" => "",
        _ => "173601",
    }
}

async fn login(server: &TestServer, username: &str) -> Browser {
    let b = server.client();
    let r = b
        .post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school_of(username), "username": username, "password": PASSWORD } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {r:?}");
    b
}

async fn queue(b: &Browser, review: &str) -> Reply {
    b.post_json(
        "/api/school/queue",
        &json!({ "filter": { "kind": "all", "review": review, "page": 1 } }),
    )
    .await
}

async fn review(b: &Browser, refs: &[&str], approve: bool, reason: &str) -> Reply {
    b.post_json(
        "/api/school/review",
        &json!({ "input": { "item_refs": refs, "approve": approve, "reason": reason } }),
    )
    .await
}

fn refs_of(reply: &Reply) -> Vec<String> {
    let mut r: Vec<String> = reply.body["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{reply:?}"))
        .iter()
        .map(|r| r["item_ref"].as_str().unwrap().to_owned())
        .collect();
    r.sort();
    r
}

fn sorted(v: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| (*s).clone()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn every_role_sees_and_acts_on_its_own_scope_only() {
    let w = world().await;
    let all = [&w.app_a501, &w.stop_a501, &w.stop_a502, &w.app_b601];
    // Who sees what.
    for (user, expected) in [
        ("t501", sorted(&[&w.app_a501, &w.stop_a501])),
        ("t502", sorted(&[&w.stop_a502])),
        (
            "officer.a",
            sorted(&[&w.app_a501, &w.stop_a501, &w.stop_a502]),
        ),
        ("officer.b", sorted(&[&w.app_b601])),
        ("operator", sorted(&all)),
    ] {
        let b = login(&w.server, user).await;
        assert_eq!(refs_of(&queue(&b, "").await), expected, "{user}");
    }

    // Every function × role × item: allowed (2xx) or 403.
    let in_scope = |user: &str, item: &String| match user {
        "t501" => item == &w.app_a501 || item == &w.stop_a501,
        "t502" => item == &w.stop_a502,
        "officer.a" => item != &w.app_b601,
        "officer.b" => item == &w.app_b601,
        _ => true,
    };
    for user in ["t502", "officer.b", "t501", "officer.a", "operator"] {
        let b = login(&w.server, user).await;
        for item in all {
            let allowed = in_scope(user, item);
            // Review (approve): 200 in scope, 403 outside.
            let r = review(&b, &[item.as_str()], true, "").await;
            let expect = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(r.status, expect, "{user} review {item}: {r:?}");
            // The processing form and the photo of applications.
            if item.starts_with("ap-") {
                let f = b.get(&format!("/api/school/form?item_ref={item}")).await;
                assert_eq!(f.status, expect, "{user} form {item}: {f:?}");
                let p = b
                    .http
                    .get(b.url(&format!("/api/school/photo/{item}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(p.status(), expect, "{user} photo {item}");
                if allowed {
                    assert_eq!(p.headers()["content-type"], "image/jpeg");
                }
            }
        }
        // Pages for officers and operators only; payments for operators only.
        let audit = b
            .post_json("/api/school/audit", &json!({ "filter": {} }))
            .await;
        let locked = b.get("/api/school/locked").await;
        let roster_preview = b
            .post_json(
                "/api/school/roster",
                &json!({ "csv": roster_file(), "confirm": false }),
            )
            .await;
        let payments = b
            .post_json(
                "/api/school/payments",
                &json!({ "csv": "payment_no,amount,paid_on,channel\n", "confirm": false }),
            )
            .await;
        let teacher = user.starts_with('t');
        let expect = |ok: bool| {
            if ok {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            }
        };
        assert_eq!(audit.status, expect(!teacher), "{user} audit");
        assert_eq!(locked.status, expect(!teacher), "{user} locked");
        assert_eq!(roster_preview.status, expect(!teacher), "{user} roster");
        if user == "operator" {
            assert_eq!(
                payments.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{payments:?}"
            );
        } else {
            assert_eq!(payments.status, StatusCode::FORBIDDEN, "{user} payments");
        }
        // An officer's roster preview flags other schools' rows.
        if user.starts_with("officer") {
            let errors = roster_preview.body["errors"].as_array().unwrap();
            assert!(!errors.is_empty(), "{user}: {roster_preview:?}");
        }
    }
    // The refused attempts are audited.
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Result.eq("denied"))
        .filter(audit_log::Column::ActorKind.eq("staff"))
        .all(&w.db.db)
        .await
        .unwrap();
    assert!(denied.len() >= 10, "{}", denied.len());

    // Without a login: 401 everywhere.
    let stranger = w.server.client();
    assert_eq!(queue(&stranger, "").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        review(&stranger, &[w.app_a501.as_str()], true, "")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let csv = stranger
        .http
        .get(stranger.url("/api/school/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_bulk_review_is_one_transaction_with_one_audit_row_per_item() {
    let w = world().await;
    let officer = login(&w.server, "officer.a").await;
    // A bulk with a row of another school changes nothing.
    let r = review(&officer, &[&w.app_a501, &w.app_b601], false, "照片不清楚").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(refs_of(&queue(&officer, "pending").await).len(), 3);
    // A return needs a reason.
    let r = review(&officer, &[&w.app_a501], false, "  ").await;
    assert_eq!(r.body["detail"]["reason"], "required", "{r:?}");
    // Two returned at once.
    let r = review(&officer, &[&w.app_a501, &w.stop_a501], false, "照片不清楚").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["changed"], 2);
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("school.return"))
        .filter(audit_log::Column::Result.eq("ok"))
        .all(&w.db.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.request_id == rows[0].request_id));
    // The audit page names the officer by username and role and gives before → after;
    // a search by username finds the returns, a trailing dot every school action.
    let audit = officer
        .post_json(
            "/api/school/audit",
            &json!({ "filter": { "actor": "officer.a", "action": "school.return" } }),
        )
        .await;
    // Two returns and the refused bulk of another school's row.
    assert_eq!(audit.body["total"], 3, "{audit:?}");
    let results: Vec<&str> = audit.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap())
        .collect();
    assert_eq!(
        results.iter().filter(|r| **r == "ok").count(),
        2,
        "{results:?}"
    );
    assert_eq!(
        app::school::audit_words::result_text(app::i18n::Locale::zh_TW, "denied"),
        Some("拒絕")
    );
    let row = &audit.body["rows"][0];
    assert_eq!(
        (&row["actor_name"], &row["actor_role"], &row["actor_kind"]),
        (&json!("officer.a"), &json!("officer"), &json!("staff")),
        "{row}"
    );
    let detail = row["detail"].as_str().unwrap();
    assert_eq!(
        app::school::audit_words::detail_text(app::i18n::Locale::zh_TW, detail),
        "申請中 → 退件; 原因: 照片不清楚",
        "{detail}"
    );
    let area = officer
        .post_json(
            "/api/school/audit",
            &json!({ "filter": { "actor": "officer.a", "action": "school." } }),
        )
        .await;
    assert!(
        area.body["total"].as_u64().unwrap() >= 2,
        "every school action of the officer: {area:?}"
    );
    let nobody = officer
        .post_json(
            "/api/school/audit",
            &json!({ "filter": { "actor": "no.such.user", "action": "school.return" } }),
        )
        .await;
    assert_eq!(nobody.body["total"], 0, "{nobody:?}");
    // The parent's query shows «退件» with the reason.
    let parent = w.server.client();
    parent.verified_in("query", &id(0), BIRTH).await;
    let o = parent.get("/api/query/overview").await;
    assert_eq!(o.body["applications"][0]["status"], "returned", "{o:?}");
    assert_eq!(o.body["applications"][0]["return_reason"], "照片不清楚");
    // Approving a paid application sends it to the print centre.
    let operator = login(&w.server, "operator").await;
    let app = applications::Entity::find().all(&w.db.db).await.unwrap();
    let b_app = app
        .iter()
        .find(|a| format!("ap-{}", a.id) == w.app_b601)
        .unwrap();
    let csv = format!(
        "payment_no,amount,paid_on,channel\n{},100,2026-11-24,atm\n",
        b_app.payment_no
    );
    let preview = operator
        .post_json(
            "/api/school/payments",
            &json!({ "csv": csv, "confirm": false }),
        )
        .await;
    assert_eq!(preview.body["matched"], 1, "{preview:?}");
    let unchanged = applications::Entity::find_by_id(b_app.id)
        .one(&w.db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        unchanged.status, "awaiting_payment",
        "a preview writes nothing"
    );
    let done = operator
        .post_json(
            "/api/school/payments",
            &json!({ "csv": csv, "confirm": true }),
        )
        .await;
    assert_eq!(done.body["matched"], 1);
    let r = review(&operator, &[&w.app_b601], true, "").await;
    assert_eq!(r.body["changed"], 1);
    let printed = applications::Entity::find_by_id(b_app.id)
        .one(&w.db.db)
        .await
        .unwrap()
        .unwrap();
    // A damaged card: paid and approved, it waits in «處理中» for the old card.
    assert_eq!(printed.status, "processing");
    assert_eq!(printed.review_status, "approved");
}

#[tokio::test]
async fn the_csv_export_has_a_bom_a_header_and_the_filtered_rows() {
    let w = world().await;
    let officer = login(&w.server, "officer.a").await;
    let res = officer
        .http
        .get(officer.url("/api/school/export.csv?kind=stops&review=pending"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = res.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_end().lines().collect();
    assert!(lines[0].contains("類別,編號,申請時間,申請人"));
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1..].iter().all(|l| l.starts_with("停卡,ST")));
    assert!(!text.contains(&id(1)), "no clear IDs in exports");

    // A reason typed as a (full-width) formula is exported defused.
    let r = review(&officer, &[w.stop_a502.as_str()], false, "＝HYPERLINK(1)").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let text = officer
        .http
        .get(officer.url("/api/school/export.csv?kind=stops&review=returned"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.trim_end().ends_with(",'＝HYPERLINK(1)"), "{text}");
}

#[tokio::test]
async fn staff_login_needs_the_right_school_and_slows_down_guessing() {
    let w = world().await;
    let b = w.server.client();
    let attempt = async |school: &str, password: &str, captcha: &str| {
        b.post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school, "username": "t501", "password": password, "captcha": captcha } }),
        )
        .await
    };
    // The right password at another school is refused like a wrong password.
    let r = attempt("173602", PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    let unknown = b
        .post_json("/api/school/login", &json!({ "input": { "school_code": "173601", "username": "nobody", "password": PASSWORD } }))
        .await;
    assert_eq!(unknown.status, r.status);
    assert_eq!(unknown.body, r.body);
    attempt("173601", "wrong password 1", "").await;
    let third = attempt("173601", "wrong password 2", "").await;
    assert_eq!(
        third.body["detail"]["captcha"], "required_next",
        "{third:?}"
    );
    // From now on a captcha is needed, even with the right password.
    let r = attempt("173601", PASSWORD, "").await;
    assert_eq!(r.body["detail"]["captcha"], "required", "{r:?}");
    b.captcha().await;
    let ok = attempt("173601", PASSWORD, common::CAPTCHA).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["role"], "teacher");
    assert_eq!(ok.body["class_name"], "501");
    // Ten failures lock the account for a while.
    let c = w.server.client();
    let mut last = None;
    for i in 0..11 {
        c.captcha().await;
        let r = c
            .post_json(
                "/api/school/login",
                &json!({ "input": { "school_code": "173601", "username": "t502", "password": format!("bad {i}"), "captcha": common::CAPTCHA } }),
            )
            .await;
        last = Some(r);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS, "{last:?}");
    // Logout ends the session on the server.
    let out = b.post_form("/api/school/logout", &[]).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(
        b.get("/api/school/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let logins: Vec<Value> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.login"))
        .all(&w.db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| json!(r.result))
        .collect();
    assert!(
        logins.contains(&json!("ok"))
            && logins.contains(&json!("failed"))
            && logins.contains(&json!("locked"))
    );
}

#[tokio::test]
async fn an_officer_unlocks_a_locked_holder_of_their_school() {
    let w = world().await;
    let visitor = w.server.client();
    for _ in 0..5 {
        visitor.consent("query").await;
        let r = visitor.attempt_in("query", &id(1), "2001-01-01").await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::TOO_MANY_REQUESTS,
            "{r:?}"
        );
    }
    let locked = visitor.attempt_in("query", &id(1), BIRTH).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);

    let other = login(&w.server, "officer.b").await;
    assert!(
        other
            .get("/api/school/locked")
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
    let officer = login(&w.server, "officer.a").await;
    let list = officer.get("/api/school/locked").await;
    let rows = list.body.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{list:?}");
    let holder_ref = rows[0]["holder_ref"].as_str().unwrap().to_owned();
    assert_eq!(rows[0]["id_masked"], format!("{}****", &id(1)[..6]));
    let refused = other
        .post_form("/api/school/unlock", &[("holder_ref", &holder_ref)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let r = officer
        .post_form("/api/school/unlock", &[("holder_ref", &holder_ref)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    visitor.consent("query").await;
    let ok = visitor.attempt_in("query", &id(1), BIRTH).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    let audit = officer
        .post_json(
            "/api/school/audit",
            &json!({ "filter": { "action": "school.unlock" } }),
        )
        .await;
    assert_eq!(audit.body["total"], 1, "{audit:?}");
}

#[tokio::test]
async fn a_second_factor_is_asked_after_the_password_and_can_be_required() {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    for (role, username, school) in [
        (StaffRole::Officer, "officer.a", Some("173601")),
        (StaffRole::Officer, "officer.b", Some("173602")),
        (StaffRole::Teacher, "t501", Some("173601")),
    ] {
        add_user(
            &db.db,
            NewStaffUser {
                role,
                username: username.into(),
                password: PASSWORD.into(),
                school_code: school.map(Into::into),
                class_name: (role == StaffRole::Teacher).then(|| "501".into()),
            },
        )
        .await
        .expect("staff user");
    }
    let url = app::server::staff::enable_totp(&db.db, &cipher(), "officer.a")
        .await
        .expect("totp");
    assert!(url.starts_with("otpauth://totp/"), "{url}");
    let server = TestServer::start(&db, &[("PORTAL_REQUIRE_MFA", "1")]).await;
    let b = server.client();
    let attempt = async |user: &str, school: &str, otp: &str| {
        b.post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school, "username": user, "password": PASSWORD, "otp": otp } }),
        )
        .await
    };
    // A wrong password never reveals that the account has a second factor.
    let wrong = b
        .post_json("/api/school/login", &json!({ "input": { "school_code": "173601", "username": "officer.a", "password": "nope nope nope" } }))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let asked = attempt("officer.a", "173601", "").await;
    assert_eq!(asked.body["detail"]["otp"], "required", "{asked:?}");
    let bad = attempt("officer.a", "173601", "000000").await;
    assert_eq!(bad.body["detail"]["otp"], "wrong", "{bad:?}");
    let totp = totp_rs::TOTP::from_url(&url).expect("parse url");
    let ok = attempt("officer.a", "173601", &totp.generate_current().unwrap()).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    // With PORTAL_REQUIRE_MFA=1 an officer without one cannot log in; a teacher can.
    let c = server.client();
    let refused = c
        .post_json("/api/school/login", &json!({ "input": { "school_code": "173602", "username": "officer.b", "password": PASSWORD } }))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{refused:?}");
    let teacher = c
        .post_json("/api/school/login", &json!({ "input": { "school_code": "173601", "username": "t501", "password": PASSWORD } }))
        .await;
    assert_eq!(teacher.status, StatusCode::OK, "{teacher:?}");
}

#[tokio::test]
async fn the_homeroom_teacher_reviews_binding_requests_of_their_class_only() {
    let w = world().await;
    // A parent registers by e-mail (code from the outbox) and asks to bind two
    // children: one in class 501, one in 502.
    let parent = w.server.client();
    let start = parent
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": "mom@example.com" } }),
        )
        .await;
    assert_eq!(start.status, StatusCode::OK, "{start:?}");
    let code =
        w.db.outbox_mails()
            .into_iter()
            .rev()
            .find(|m| m.to == "mom@example.com")
            .and_then(|m| m.code())
            .expect("registration code");
    let finish = parent
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": { "account": "mom@example.com", "code": code, "display_name": "林媽媽", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(finish.status, StatusCode::OK, "{finish:?}");
    let child = |n: u8| {
        json!({ "school_code": "173601", "name": format!("林小{n}"), "student_no": format!("20000{n}"),
                "birth_date": BIRTH, "id_no": id(n), "relationship": "mother" })
    };
    let bind = parent
        .post_json(
            "/api/parent/bind",
            &json!({ "input": { "children": [child(1), child(2)] } }),
        )
        .await;
    assert_eq!(bind.status, StatusCode::OK, "{bind:?}");

    let pending = json!({ "filter": { "status": "pending" } });
    let t501 = login(&w.server, "t501").await;
    let rows = t501.post_json("/api/school/bindings", &pending).await;
    let list = rows.body.as_array().unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(list.len(), 1, "{rows:?}");
    assert_eq!(list[0]["child_name"], "林小1");
    let mine = list[0]["id"].as_i64().unwrap();
    let t502 = login(&w.server, "t502").await;
    let theirs = t502.post_json("/api/school/bindings", &pending).await.body[0]["id"]
        .as_i64()
        .unwrap();
    // Another class's request is refused, also by replay.
    let refused = t501
        .post_json(
            "/api/school/binding-review",
            &json!({ "request_id": theirs, "action": "approve" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    // «退回» needs a reason; «核可» does not.
    let no_reason = t502
        .post_json(
            "/api/school/binding-review",
            &json!({ "request_id": theirs, "action": "return" }),
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{no_reason:?}"
    );
    let returned = t502
        .post_json(
            "/api/school/binding-review",
            &json!({ "request_id": theirs, "action": "return", "reason": "請附戶口名簿影本" }),
        )
        .await;
    assert_eq!(returned.body["status"], "returned", "{returned:?}");
    let approved = t501
        .post_json(
            "/api/school/binding-review",
            &json!({ "request_id": mine, "action": "approve" }),
        )
        .await;
    assert_eq!(approved.body["status"], "approved", "{approved:?}");
    // The parent sees the approved child's cards, and both outcomes.
    let children = parent.get("/api/parent/children").await;
    let kids = children
        .body
        .as_array()
        .unwrap_or_else(|| panic!("{children:?}"));
    assert_eq!(kids.len(), 1, "{children:?}");
    let requests = parent.get("/api/parent/binding-requests").await;
    let text = requests.body.to_string();
    assert!(
        text.contains("請附戶口名簿影本") && text.contains("approved"),
        "{text}"
    );
}
