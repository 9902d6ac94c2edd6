//! Notifications over HTTP against the real server (SPEC §2, §4, §10): channels
//! verified by code (e-mail) and by a link code through the signed LINE webhook,
//! subscriptions per child (audited, only for bound children and verified
//! channels), `POST /api/v1/swipes` with per-reader keys and idempotency by event
//! id, the daily «未到校» job (school days only, once a day), the paid SMS service's
//! cancellation with the teacher's review, and «出勤統計» with «補登». On SQLite, or
//! on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::AppError;
use app::notify::swipes;
use app::notify::{CancellationStatus, service as notify};
use app::parent::service as parent;
use app::server::audit::Actor;
use app::server::entities::{audit_log, outbox, school_holidays};
use app::server::staff::{self, NewStaffUser, StaffRole};
use app::server::{AppState, PortalConfig, roster};
use base64::Engine as _;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";
const PRIMARY: &str = "173601";
const LIN_NO: &str = "110001";
const LIN_CARD: &str = "0512345678";
const WANG_NO: &str = "110002";
const WANG_ID: &str = "A123456789";
const LINE_SECRET: &str = "test-line-channel-secret";
const PASSWORD: &str = "a long enough passphrase";
/// A Monday long past (the server's own daily job handles today).
const MONDAY: &str = "2025-11-17";

fn lin_id() -> String {
    app::domain::id_number::with_check_digit('A', "22345678").expect("valid ID")
}

fn roster_file() -> String {
    format!(
        "{HEADER}\n\
         {PRIMARY},基隆市立仁愛國小,仁愛區,國小,{LIN_NO},林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,{LIN_CARD},active,230,2021-09-01,0912345678,\n\
         {PRIMARY},基隆市立仁愛國小,仁愛區,國小,{WANG_NO},王小明,{WANG_ID},2015-05-01,M,502,3,KL-PRIMARY,0512345679,active,230,2021-09-01,,\n",
        lin_id(),
    )
}

struct Setup {
    db: TestDb,
    server: TestServer,
}

impl Setup {
    async fn new() -> Self {
        let db = TestDb::new().await;
        roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
            .await
            .expect("roster import");
        // These tests post swipes on fixed days up to a year back (the window itself
        // is tested in `swipes.rs`).
        let server = TestServer::start(
            &db,
            &[
                ("PORTAL_LINE_CHANNEL_SECRET", LINE_SECRET),
                ("PORTAL_SWIPE_MAX_AGE_HOURS", "17520"),
            ],
        )
        .await;
        Self { db, server }
    }

    fn state(&self) -> AppState {
        AppState::new(
            self.db.db.clone(),
            Arc::new(cipher()),
            PortalConfig {
                data_dir: self.db.path().join("data"),
                ..PortalConfig::default()
            },
        )
        .expect("state")
    }

    async fn staff(&self, username: &str, role: StaffRole, class: Option<&str>) -> i32 {
        staff::add_user(
            &self.db.db,
            NewStaffUser {
                role,
                username: username.into(),
                password: "staff passphrase 1".into(),
                school_code: Some(PRIMARY.into()),
                class_name: class.map(Into::into),
            },
        )
        .await
        .expect("staff user")
    }

    /// A parent registered with `email`, bound (approved by `teacher`) to 林雨晴.
    /// Returns the browser and the binding id.
    async fn bound_parent(&self, email: &str, teacher: i32) -> (Browser, i32) {
        let browser = self.server.client();
        let reply = browser
            .post_json(
                "/api/parent/register-start",
                &json!({ "input": { "account": email } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let code = self.last_code_to(email);
        let reply = browser
            .post_json(
                "/api/parent/register-finish",
                &json!({ "input": {
                    "account": email, "code": code, "display_name": "林媽媽", "password": PASSWORD,
                }}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let reply = browser
            .post_json(
                "/api/parent/bind",
                &json!({ "input": { "children": [{
                    "school_code": PRIMARY, "name": "林雨晴", "student_no": LIN_NO,
                    "birth_date": "2015-03-14", "id_no": lin_id(), "relationship": "mother",
                }]}}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let id = reply.body[0]["request"]["id"].as_i64().expect("id") as i32;
        parent::approve_binding(&self.state(), None, teacher, id)
            .await
            .expect("approve");
        (browser, id)
    }

    fn last_code_to(&self, to: &str) -> String {
        self.db
            .outbox_mails()
            .into_iter()
            .filter(|m| m.to == to)
            .filter_map(|m| m.code())
            .next_back()
            .unwrap_or_else(|| panic!("no code to {to}"))
    }

    async fn messages(&self, template: &str) -> Vec<outbox::Model> {
        outbox::Entity::find()
            .filter(outbox::Column::Template.eq(template))
            .all(&self.db.db)
            .await
            .expect("outbox")
    }

    /// The messages of `template` once the server's outbox worker has sent them all.
    async fn sent(&self, template: &str) -> Vec<outbox::Model> {
        for _ in 0..100 {
            let rows = self.messages(template).await;
            if !rows.is_empty() && rows.iter().all(|r| r.status == "sent") {
                return rows;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "{template} messages not sent: {:?}",
            self.messages(template).await
        );
    }

    async fn audit(&self, action: &str) -> Vec<audit_log::Model> {
        audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq(action))
            .all(&self.db.db)
            .await
            .expect("audit")
    }

    async fn swipe(&self, key: &str, body: &Value) -> Reply {
        Reply::read(
            reqwest::Client::new()
                .post(self.server.url("/api/v1/swipes"))
                .bearer_auth(key)
                .json(body)
                .send()
                .await
                .expect("POST swipe"),
        )
        .await
    }

    async fn line_webhook(&self, body: &Value, secret: &str) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(&bytes);
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        Reply::read(
            reqwest::Client::new()
                .post(self.server.url("/api/v1/line/webhook"))
                .header("content-type", "application/json")
                .header("x-line-signature", sig)
                .body(bytes)
                .send()
                .await
                .expect("POST webhook"),
        )
        .await
    }
}

async fn subscribe(browser: &Browser, binding: i32, channel: &str, event: &str, on: bool) -> Reply {
    browser
        .post_json(
            "/api/parent/subscribe",
            &json!({ "change": {
                "binding_id": binding, "channel": channel, "event": event, "subscribed": on,
            }}),
        )
        .await
}

fn swipe_body(event_id: &str, card: &str, direction: &str, time: &str) -> Value {
    json!({
        "event_id": event_id, "card_outer_no": card, "reader_id": "gate-1",
        "direction": direction, "time": time,
    })
}

/// SPEC §7: every card action notifies the bound parents. Someone with the child's ID
/// and birth date (not the parent) locks, unlocks and stops the card, then applies for
/// a new one: the approved parent hears of each, in the transaction of the action; a
/// parent whose binding is still pending hears nothing.
#[tokio::test]
async fn every_card_action_by_id_and_birth_date_notifies_the_bound_parents() {
    let s = Setup::new().await;
    let teacher = s.staff("t501", StaffRole::Teacher, Some("501")).await;
    let (_mother, _) = s.bound_parent("mother@example.com", teacher).await;
    // A second account asks to bind the same child and is not approved.
    let pending = s.server.client();
    let reply = pending
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": "stranger@example.com" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let code = s.last_code_to("stranger@example.com");
    let reply = pending
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": "stranger@example.com", "code": code, "display_name": "X",
                "password": PASSWORD,
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");

    let visitor = s.server.client();
    visitor.verified_in("stop", &lin_id(), "2015-03-14").await;
    let overview = visitor.get("/api/stop/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    let card_ref = overview.body["cards"][0]["card_ref"]
        .as_str()
        .expect("card_ref")
        .to_owned();

    let notices_to_mother = || {
        s.db.outbox_mails()
            .into_iter()
            .filter(|m| m.to == "mother@example.com" && m.subject.contains("學生證異動通知"))
            .collect::<Vec<_>>()
    };
    let lock = visitor
        .post_form("/api/stop/lock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(lock.status, StatusCode::OK, "{lock:?}");
    let rows = s.sent("card_action").await;
    assert_eq!(
        rows.len(),
        1,
        "one notice, to the approved parent only: {rows:?}"
    );
    let mails = notices_to_mother();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].text.contains("暫時鎖卡"), "{}", mails[0].text);
    assert!(
        mails[0].text.contains("以身分證號與生日驗證"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("051234****"),
        "the card, masked: {}",
        mails[0].text
    );

    let unlock = visitor
        .post_form("/api/stop/unlock", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(unlock.status, StatusCode::OK, "{unlock:?}");
    assert_eq!(s.sent("card_action").await.len(), 2);

    // The stop needs the code sent to the guardian mobile on the roster.
    let sent = visitor
        .post_form("/api/stop/send-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    let mut code = None;
    for _ in 0..100 {
        code =
            s.db.outbox_mails()
                .into_iter()
                .filter(|m| m.to == "0912345678")
                .find_map(|m| m.code());
        if code.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stop = visitor
        .post_json(
            "/api/stop/submit",
            &json!({ "input": {
                "card_ref": card_ref, "choice": "no_refund", "step_up_code": code,
                "idempotency_key": "notice-stop-000001",
            }}),
        )
        .await;
    assert_eq!(stop.status, StatusCode::OK, "{stop:?}");
    let serial = stop.body["serial_no"].as_str().expect("serial").to_owned();
    assert_eq!(s.sent("card_action").await.len(), 3);
    let mails = notices_to_mother();
    let stopped = mails
        .iter()
        .find(|m| m.text.contains("停卡掛失"))
        .unwrap_or_else(|| panic!("no stop notice in {mails:?}"));
    assert!(stopped.text.contains(&serial), "{}", stopped.text);
    assert!(
        s.db.outbox_mails()
            .iter()
            .all(|m| m.to != "stranger@example.com" || !m.subject.contains("學生證異動通知")),
        "a pending binding hears nothing"
    );
    // The audit row of each lock says how many parents were told.
    let locks = s.audit("card.lock").await;
    assert_eq!(locks.len(), 1);
    assert!(
        locks[0]
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("\"parent_notices\":1"),
        "{:?}",
        locks[0].detail
    );
}

#[tokio::test]
async fn a_swipe_posted_twice_makes_one_message_per_subscribed_channel() {
    let s = Setup::new().await;
    let teacher = s.staff("teacher501", StaffRole::Teacher, Some("501")).await;
    let (mom, binding) = s.bound_parent("mom@example.com", teacher).await;
    let key = swipes::add_reader(&s.state(), PRIMARY, "gate-1")
        .await
        .expect("reader");

    // The login e-mail is verified by registration; LINE is not linked yet.
    let settings = mom.get("/api/parent/settings").await;
    assert_eq!(settings.status, StatusCode::OK, "{settings:?}");
    assert_eq!(settings.body["email"], "mom@example.com");
    assert_eq!(settings.body["email_verified"], true);
    assert_eq!(settings.body["line_linked"], false);
    let line = subscribe(&mom, binding, "line", "arrival", true).await;
    assert_eq!(line.status, StatusCode::UNPROCESSABLE_ENTITY, "{line:?}");
    assert_eq!(line.body["detail"]["channel"], "unverified");
    let on = subscribe(&mom, binding, "email", "arrival", true).await;
    assert_eq!(on.status, StatusCode::OK, "{on:?}");
    assert_eq!(
        on.body["children"][0]["subscribed"],
        json!([["email", "arrival"]])
    );
    let audited = s.audit("notify.subscribe").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].actor_kind, "parent");
    assert!(
        audited[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("\"from\":false") && d.contains("\"to\":true"))
    );

    let body = swipe_body("evt-0001", LIN_CARD, "in", "2026-11-23T07:41:09+08:00");
    let first = s.swipe(&key, &body).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(first.body, json!({ "status": "recorded", "messages": 1 }));
    let again = s.swipe(&key, &body).await;
    assert_eq!(again.body, json!({ "status": "duplicate", "messages": 0 }));
    let sent = s.sent("swipe_arrival").await;
    assert_eq!(sent.len(), 1);
    let mail =
        s.db.outbox_mails()
            .into_iter()
            .find(|m| m.subject.contains("到校通知"))
            .expect("arrival mail");
    assert_eq!(mail.to, "mom@example.com");
    assert!(
        mail.text.contains("林○晴") && mail.text.contains("2026-11-23 07:41"),
        "{}",
        mail.text
    );
    // A departure without a subscription queues nothing.
    let out = s
        .swipe(
            &key,
            &swipe_body("evt-0002", LIN_CARD, "out", "2026-11-23T16:02:00+08:00"),
        )
        .await;
    assert_eq!(out.body, json!({ "status": "recorded", "messages": 0 }));

    // Unknown cards are reported, not fatal; bad keys, readers and fields are refused.
    let unknown = s
        .swipe(
            &key,
            &swipe_body("evt-0003", "0599999999", "in", "2026-11-23T07:50:00+08:00"),
        )
        .await;
    assert_eq!(
        unknown.body,
        json!({ "status": "unknown_card", "messages": 0 })
    );
    assert_eq!(s.audit("swipe.unknown_card").await.len(), 1);
    let bad_key = s.swipe("rdr_wrong", &body).await;
    assert_eq!(bad_key.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_key.body["error"], "unauthorized");
    let mut other_reader = body.clone();
    other_reader["reader_id"] = json!("gate-2");
    other_reader["event_id"] = json!("evt-0004");
    assert_eq!(
        s.swipe(&key, &other_reader).await.status,
        StatusCode::FORBIDDEN
    );
    let bad = s
        .swipe(
            &key,
            &swipe_body("evt-0005", LIN_CARD, "sideways", "yesterday"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert_eq!(bad.body["fields"]["direction"], "format");
    assert_eq!(bad.body["fields"]["time"], "format");

    // Another parent's binding cannot be subscribed (403, audited).
    let replay = subscribe(&mom, binding + 100, "email", "arrival", true).await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
    // Withdrawing the optional consent turns every subscription off.
    let off = mom.post_form("/api/parent/notifications-off", &[]).await;
    assert_eq!(off.status, StatusCode::OK, "{off:?}");
    assert_eq!(off.body["children"][0]["subscribed"], json!([]));
    let later = s
        .swipe(
            &key,
            &swipe_body("evt-0006", LIN_CARD, "in", "2026-11-24T07:40:00+08:00"),
        )
        .await;
    assert_eq!(later.body["messages"], 0);
}

#[tokio::test]
async fn line_is_linked_by_a_code_sent_through_the_signed_webhook() {
    let s = Setup::new().await;
    let teacher = s.staff("teacher501", StaffRole::Teacher, Some("501")).await;
    let (mom, binding) = s.bound_parent("mom@example.com", teacher).await;
    let code = mom.post_form("/api/parent/line-code", &[]).await;
    assert_eq!(code.status, StatusCode::OK, "{code:?}");
    let code = code.body["code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 8);
    let event = |text: &str| {
        json!({ "destination": "Ubot", "events": [{
            "type": "message", "replyToken": "r", "timestamp": 0,
            "source": { "type": "user", "userId": "U4af4980629" },
            "message": { "type": "text", "id": "1", "text": text },
        }]})
    };
    // A wrong signature is refused and links nothing.
    let forged = s.line_webhook(&event(&code), "not-the-secret").await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    let wrong = s.line_webhook(&event("00000000"), LINE_SECRET).await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(
        mom.get("/api/parent/settings").await.body["line_linked"],
        false
    );
    let ok = s
        .line_webhook(&event(&format!("綁定 {code}")), LINE_SECRET)
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(
        mom.get("/api/parent/settings").await.body["line_linked"],
        true
    );
    assert_eq!(s.messages("line_linked").await.len(), 1);
    assert_eq!(s.messages("line_linked").await[0].channel, "line");
    // The code is single use.
    assert!(
        !notify::link_line_user(&s.state(), "Uother", &code)
            .await
            .expect("db")
    );

    let on = subscribe(&mom, binding, "line", "arrival", true).await;
    assert_eq!(on.status, StatusCode::OK, "{on:?}");
    let key = swipes::add_reader(&s.state(), PRIMARY, "gate-1")
        .await
        .expect("reader");
    let swiped = s
        .swipe(
            &key,
            &swipe_body("evt-1", LIN_CARD, "in", "2026-11-23T07:41:09+08:00"),
        )
        .await;
    assert_eq!(swiped.body["messages"], 1);
    let pushes = s.messages("swipe_arrival").await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].channel, "line");
    let recipient = s
        .state()
        .cipher
        .decrypt(
            &pushes[0].recipient_enc,
            &app::server::outbox::recipient_aad(&pushes[0].id),
        )
        .expect("recipient");
    assert_eq!(recipient, "U4af4980629");

    // Unlinking forgets the LINE user and its subscriptions.
    let off = mom.post_form("/api/parent/line-unlink", &[]).await;
    assert_eq!(off.body["line_linked"], false);
    assert_eq!(off.body["children"][0]["subscribed"], json!([]));
}

#[tokio::test]
async fn the_absence_job_runs_once_on_school_days_only() {
    let s = Setup::new().await;
    let teacher = s.staff("teacher501", StaffRole::Teacher, Some("501")).await;
    let (mom, binding) = s.bound_parent("mom@example.com", teacher).await;
    assert_eq!(
        subscribe(&mom, binding, "email", "absence", true)
            .await
            .status,
        StatusCode::OK
    );
    let state = s.state();
    let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
    let at = |d: &str| {
        Utc.from_utc_datetime(&day(d).and_hms_opt(1, 0, 0).expect("time")) // 09:00 in Taiwan
    };

    // Saturday: no school, no message.
    let sat = swipes::run_absence_check(&state, day("2025-11-15"), at("2025-11-15"))
        .await
        .expect("job");
    assert!(sat.is_empty());
    // Monday without a swipe: one message; the job does not run twice that day.
    let mon = swipes::run_absence_check(&state, day(MONDAY), at(MONDAY))
        .await
        .expect("job");
    assert_eq!(mon.len(), 1);
    let again = swipes::run_absence_check(&state, day(MONDAY), at(MONDAY))
        .await
        .expect("job");
    assert!(again.is_empty());
    for id in &mon {
        app::server::outbox::deliver(&state, id)
            .await
            .expect("deliver");
    }
    let mail =
        s.db.outbox_mails()
            .into_iter()
            .find(|m| m.subject.contains("未到校"))
            .expect("absence mail");
    assert!(mail.text.contains("未刷卡不等於缺席"), "{}", mail.text);
    // A holiday: nothing.
    school_holidays::ActiveModel {
        school_id: Set(None),
        day: Set(day("2025-11-19")),
        name: Set("校慶補假".into()),
        ..Default::default()
    }
    .insert(&s.db.db)
    .await
    .expect("holiday");
    let holiday = swipes::run_absence_check(&state, day("2025-11-19"), at("2025-11-19"))
        .await
        .expect("job");
    assert!(holiday.is_empty());
    // Tuesday with an arrival swipe: nothing.
    let key = swipes::add_reader(&state, PRIMARY, "gate-1")
        .await
        .expect("reader");
    s.swipe(
        &key,
        &swipe_body("tue-in", LIN_CARD, "in", "2025-11-18T07:30:00+08:00"),
    )
    .await;
    let tue = swipes::run_absence_check(&state, day("2025-11-18"), at("2025-11-18"))
        .await
        .expect("job");
    assert!(tue.is_empty());
    let runs = s.audit("job.absence").await;
    assert_eq!(
        runs.iter()
            .filter(|a| a.subject.as_deref().is_some_and(|d| d.starts_with("2025-")))
            .count(),
        4,
        "{runs:?}"
    );
}

#[tokio::test]
async fn sms_cancellation_is_requested_withdrawn_and_approved_by_the_homeroom_teacher() {
    let s = Setup::new().await;
    let teacher = s.staff("teacher501", StaffRole::Teacher, Some("501")).await;
    let other_teacher = s.staff("teacher502", StaffRole::Teacher, Some("502")).await;
    let (mom, _) = s.bound_parent("mom@example.com", teacher).await;
    let state = s.state();
    let lin = app::server::entities::holders::Entity::find()
        .filter(app::server::entities::holders::Column::StudentNo.eq(LIN_NO))
        .one(&s.db.db)
        .await
        .expect("db")
        .expect("holder");
    let today = notify::taiwan_day(Utc::now());
    let sub = notify::add_sms_subscription(
        &state,
        lin.id,
        "0912345678",
        "115學年度上學期",
        (today - Duration::days(30), today + Duration::days(60)),
    )
    .await
    .expect("subscription");
    let list = mom.get("/api/parent/sms").await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(list.body[0]["status"], "active");
    assert_eq!(list.body[0]["mobile_masked"], "0912***678");

    let sid = sub.to_string();
    let cancel = mom
        .post_form("/api/parent/sms-cancel", &[("subscription_id", &sid)])
        .await;
    assert_eq!(cancel.body[0]["status"], "cancel_pending", "{cancel:?}");
    let twice = mom
        .post_form("/api/parent/sms-cancel", &[("subscription_id", &sid)])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let withdrawn = mom
        .post_form("/api/parent/sms-withdraw", &[("subscription_id", &sid)])
        .await;
    assert_eq!(withdrawn.body[0]["status"], "active", "{withdrawn:?}");
    let again = mom
        .post_form("/api/parent/sms-cancel", &[("subscription_id", &sid)])
        .await;
    assert_eq!(again.body[0]["status"], "cancel_pending");

    // The teacher of another class sees nothing and cannot act.
    let theirs = notify::list_sms_cancellations(&state, other_teacher, None)
        .await
        .expect("list");
    assert!(theirs.is_empty());
    let pending =
        notify::list_sms_cancellations(&state, teacher, Some(CancellationStatus::Pending))
            .await
            .expect("list");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].child_name, "林雨晴");
    let id = pending[0].id;
    assert_eq!(
        notify::review_sms_cancellation(&state, None, other_teacher, id, true, "").await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        notify::review_sms_cancellation(&state, None, teacher, id, false, " ").await,
        Err(AppError::field("reason", "required"))
    );
    let approved = notify::review_sms_cancellation(&state, None, teacher, id, true, "")
        .await
        .expect("approve");
    assert_eq!(approved.status, CancellationStatus::Approved);
    assert_eq!(approved.effective_on, Some(today + Duration::days(1)));
    let list = mom.get("/api/parent/sms").await;
    assert_eq!(list.body[0]["status"], "cancelled");
    assert_eq!(
        list.body[0]["cancelled_from"],
        (today + Duration::days(1)).to_string()
    );
    assert_eq!(s.messages("sms_cancellation_approved").await.len(), 1);
    let reviews = s.audit("sms.review").await;
    assert_eq!(
        reviews.iter().filter(|a| a.result == "ok").count(),
        1,
        "{reviews:?}"
    );
    assert_eq!(reviews.iter().filter(|a| a.result == "denied").count(), 1);
    // A parent not bound to the child is refused.
    let stranger = s.server.client();
    let reply = stranger
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": "x@example.com" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let code = s.last_code_to("x@example.com");
    stranger
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": "x@example.com", "code": code, "display_name": "X", "password": PASSWORD,
            }}),
        )
        .await;
    let replay = stranger
        .post_form("/api/parent/sms-withdraw", &[("subscription_id", &sid)])
        .await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn attendance_shows_swipes_staff_entries_and_missing_days() {
    let s = Setup::new().await;
    let teacher = s.staff("teacher501", StaffRole::Teacher, Some("501")).await;
    let other_teacher = s.staff("teacher502", StaffRole::Teacher, Some("502")).await;
    let (mom, binding) = s.bound_parent("mom@example.com", teacher).await;
    let state = s.state();
    let key = swipes::add_reader(&state, PRIMARY, "gate-1")
        .await
        .expect("reader");
    // The latest school day up to today.
    let mut day = notify::taiwan_day(Utc::now());
    while !notify::is_school_day(&s.db.db, 1, day).await.expect("db") {
        day -= Duration::days(1);
    }
    // 07:41 that day, or just now when today's 07:41 is still ahead (a swipe ahead of
    // the server's clock is refused).
    let arrived = chrono::DateTime::parse_from_rfc3339(&format!("{day}T07:41:00+08:00"))
        .expect("time")
        .with_timezone(&Utc)
        .min(Utc::now() - Duration::seconds(1))
        .to_rfc3339();
    let reply = s
        .swipe(&key, &swipe_body("att-1", LIN_CARD, "in", &arrived))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let lin = app::server::entities::holders::Entity::find()
        .filter(app::server::entities::holders::Column::StudentNo.eq(LIN_NO))
        .one(&s.db.db)
        .await
        .expect("db")
        .expect("holder");
    let left = chrono::DateTime::parse_from_rfc3339(&format!("{day}T16:05:00+08:00"))
        .expect("time")
        .with_timezone(&Utc);
    assert_eq!(
        swipes::enter_swipe(&state, None, other_teacher, lin.id, false, left).await,
        Err(AppError::Forbidden)
    );
    swipes::enter_swipe(&state, None, teacher, lin.id, false, left)
        .await
        .expect("補登");
    // The back office's form: fields checked, scope enforced.
    let entry = |no: &str, date: &str, time: &str| app::notify::AttendanceEntryInput {
        student_no: no.into(),
        date: date.into(),
        time: time.into(),
        arrival: true,
    };
    assert_eq!(
        swipes::enter_attendance(&state, None, teacher, &entry(LIN_NO, "someday", "25:00")).await,
        Err(AppError::Validation(
            [
                ("date".to_owned(), "format".to_owned()),
                ("time".to_owned(), "format".to_owned())
            ]
            .into_iter()
            .collect()
        ))
    );
    assert_eq!(
        swipes::enter_attendance(&state, None, teacher, &entry(LIN_NO, "2099-01-01", "07:00"))
            .await,
        Err(AppError::field("time", "future"))
    );
    assert_eq!(
        swipes::enter_attendance(
            &state,
            None,
            teacher,
            &entry("999999", "2025-11-17", "07:00")
        )
        .await,
        Err(AppError::field("student_no", "not_found"))
    );
    assert_eq!(
        swipes::enter_attendance(
            &state,
            None,
            other_teacher,
            &entry(LIN_NO, "2025-11-17", "07:00")
        )
        .await,
        Err(AppError::Forbidden)
    );
    assert_eq!(
        swipes::enter_attendance(&state, None, teacher, &entry(LIN_NO, "2025-11-17", "07:00"))
            .await
            .as_deref(),
        Ok("林○晴")
    );

    let a = mom
        .get(&format!("/api/parent/attendance?binding_id={binding}"))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    let days = a.body["days"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["day"], day.to_string());
    assert_eq!(days[0]["arrival"]["entered_by_staff"], false);
    assert_eq!(days[0]["departure"]["entered_by_staff"], true);
    assert_eq!(days[1]["arrival"], Value::Null);
    // Another parent's binding id: 403.
    let replay = mom
        .get(&format!(
            "/api/parent/attendance?binding_id={}",
            binding + 1
        ))
        .await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
}
