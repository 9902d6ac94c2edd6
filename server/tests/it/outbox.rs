//! The notification outbox's delivery (SPEC §5): real transports against providers on
//! 127.0.0.1 — `lettre` talking SMTP to a sink, the LINE push API faked with its retry
//! key semantics — retries with backoff while a provider is down, exactly once after a
//! worker is killed mid-batch, dead letters after the last attempt and «重送» by the
//! issuer's operators only, the worker of `server serve`, and the development files.
//! Time is passed to the worker (`deliver_due(state, now)`), so nothing sleeps through
//! a backoff. On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::audit::Actor;
use app::server::entities::{audit_log, outbox as outbox_rows};
use app::server::outbox::transport::line_retry_key;
use app::server::outbox::{
    self, Channel, DeliveryOutcome, DeliveryReport, LineSettings, NewMessage, NotificationSettings,
    RetryPolicy, SmtpSettings, SmtpTls, deliver_due,
};
use app::server::staff::StaffRole;
use app::server::{AppState, PortalConfig, roster};
use chrono::{DateTime, Duration, Utc};
use common::providers::{FakeLine, SmtpSink};
use common::{Browser, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::Arc;

const FROM: &str = "學生證服務 <no-reply@portal.test>";
const LINE_TOKEN: &str = "line-test-channel-token";
const STOP_SUBJECT: &str = "學生證停卡驗證碼 / Student card stop: verification code";
const APPROVED_SUBJECT: &str = "親子綁定已核可 / Parent-child binding approved";

/// A LINE user id: `U` and 32 hex digits.
fn line_user(n: u8) -> String {
    format!("U4af4980629{n:02x}{}", "0".repeat(19))
}

struct Providers {
    sink: SmtpSink,
    line: FakeLine,
}

impl Providers {
    async fn start() -> Self {
        Self {
            sink: SmtpSink::start().await,
            line: FakeLine::start().await,
        }
    }

    /// SMTP to the sink (no TLS), LINE to the fake.
    fn settings(&self) -> NotificationSettings {
        NotificationSettings {
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: self.sink.port(),
                tls: SmtpTls::None,
                credentials: None,
                from: FROM.into(),
            }),
            line: LineSettings {
                api_base: self.line.base.clone(),
                channel_token: Some(LINE_TOKEN.into()),
            },
            sms: None,
            retry: RetryPolicy {
                send_timeout: std::time::Duration::from_secs(10),
                ..RetryPolicy::default()
            },
        }
    }

    /// What `server serve` needs to use these providers.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTAL_SMTP_HOST", "127.0.0.1".into()),
            ("PORTAL_SMTP_PORT", self.sink.port().to_string()),
            ("PORTAL_SMTP_TLS", "none".into()),
            ("PORTAL_MAIL_FROM", FROM.into()),
            ("PORTAL_LINE_API_BASE", self.line.base.clone()),
            ("PORTAL_LINE_CHANNEL_TOKEN", LINE_TOKEN.into()),
        ]
    }
}

/// The state of one server process on `db` (a new one is a restarted process).
fn state(db: &TestDb, notifications: NotificationSettings) -> AppState {
    AppState::new(
        db.db.clone(),
        Arc::new(cipher()),
        PortalConfig {
            data_dir: db.path().join("data"),
            notifications,
            ..PortalConfig::default()
        },
    )
    .expect("state")
}

async fn queue(
    state: &AppState,
    channel: Channel,
    to: &str,
    template: &str,
    payload: Value,
) -> String {
    outbox::enqueue(
        &state.db,
        &state.cipher,
        NewMessage {
            channel,
            recipient: to,
            template,
            payload,
            lang: app::server::outbox::Lang::ZhTw,
        },
    )
    .await
    .expect("enqueue")
}

fn stop_code(code: &str) -> Value {
    json!({ "masked_name": "林○晴", "outer_no_masked": "051234****", "code": code, "minutes": 10 })
}

fn binding_approved() -> Value {
    json!({ "requested_on": "2026-11-20", "masked_name": "林○晴", "school_name": "仁愛國小" })
}

async fn row(state: &AppState, id: &str) -> outbox_rows::Model {
    outbox_rows::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await
        .expect("query")
        .expect("outbox row")
}

fn report(sent: u32, retrying: u32, dead: u32, taken_over: u32) -> DeliveryReport {
    DeliveryReport {
        sent,
        retrying,
        dead,
        taken_over,
    }
}

fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_milliseconds().abs() < 5_000
}

#[tokio::test]
async fn lettre_speaks_smtp_to_the_sink_and_the_mail_arrives_whole() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let state = state(&db, p.settings());
    let id = queue(
        &state,
        Channel::Email,
        "mom@example.com",
        "stop_code",
        stop_code("012345"),
    )
    .await;

    assert_eq!(
        outbox::deliver(&state, &id).await.unwrap(),
        DeliveryOutcome::Sent
    );

    let mails = p.sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.mail_from, "no-reply@portal.test");
    assert_eq!(mail.rcpt_to, ["mom@example.com"]);
    assert_eq!(mail.header("To").as_deref(), Some("mom@example.com"));
    assert_eq!(mail.subject(), STOP_SUBJECT);
    assert!(
        mail.body().contains("驗證碼：012345\r\n"),
        "{}",
        mail.body()
    );
    assert_eq!(
        mail.header("Message-ID"),
        Some(format!("<{id}@portal.test>"))
    );
    assert!(
        mail.header("From")
            .unwrap()
            .contains("<no-reply@portal.test>")
    );

    let sent = row(&state, &id).await;
    assert_eq!(sent.status, "sent");
    assert_eq!(sent.attempts, 1);
    assert!(sent.sent_at.is_some());
    assert!(sent.in_flight_since.is_none());
    assert!(sent.secrets_removed);
    assert!(!sent.payload.contains("012345"), "{}", sent.payload);
    // Through SMTP, not the development files.
    assert!(db.outbox_mails().is_empty());
    // Sent is sent: neither the worker nor another immediate call sends it again.
    assert_eq!(
        deliver_due(&state, Utc::now()).await.unwrap(),
        report(0, 0, 0, 0)
    );
    assert_eq!(
        outbox::deliver(&state, &id).await.unwrap(),
        DeliveryOutcome::Sent
    );
    assert_eq!(p.sink.mails().len(), 1);
}

#[tokio::test]
async fn a_message_the_provider_refuses_now_is_left_to_the_worker() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let state = state(&db, p.settings());
    p.sink.set_down(true);
    let id = queue(
        &state,
        Channel::Email,
        "mom@example.com",
        "stop_code",
        stop_code("654321"),
    )
    .await;

    let before = Utc::now();
    let DeliveryOutcome::RetryAt(next) = outbox::deliver(&state, &id).await.unwrap() else {
        panic!("the failed send should be retried");
    };
    assert!(
        near(next, before + Duration::seconds(30)),
        "{next} vs {before}"
    );
    let waiting = row(&state, &id).await;
    assert_eq!(waiting.status, "pending");
    assert_eq!(waiting.attempts, 1);
    assert!(near(waiting.next_attempt_at.unwrap(), next));
    // The sink's reply quoted an address: only the code is kept. The code waits.
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("smtp: transient reply 451")
    );
    assert!(waiting.payload.contains("654321"));

    // Not due yet, even though the provider is back.
    p.sink.set_down(false);
    assert_eq!(
        deliver_due(&state, Utc::now()).await.unwrap(),
        report(0, 0, 0, 0)
    );
    assert!(p.sink.mails().is_empty());
    assert_eq!(
        deliver_due(&state, next + Duration::seconds(1))
            .await
            .unwrap(),
        report(1, 0, 0, 0)
    );
    let mails = p.sink.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].body().contains("驗證碼：654321"));
    let sent = row(&state, &id).await;
    assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 2));
    assert_eq!(sent.last_error, None);
}

#[tokio::test]
async fn while_providers_are_down_messages_wait_with_backoff_then_go_out_once_each() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let state = state(&db, p.settings());
    p.sink.set_down(true);
    p.line.set_down(true);
    let mut line_ids = Vec::new();
    for n in 0..3 {
        let id = queue(
            &state,
            Channel::Line,
            &line_user(n),
            "parent_binding_approved",
            binding_approved(),
        )
        .await;
        line_ids.push(id);
    }
    let mut mail_ids = Vec::new();
    for to in ["mom@example.com", "dad@example.com"] {
        mail_ids.push(
            queue(
                &state,
                Channel::Email,
                to,
                "parent_binding_approved",
                binding_approved(),
            )
            .await,
        );
    }

    let t0 = Utc::now();
    assert_eq!(deliver_due(&state, t0).await.unwrap(), report(0, 5, 0, 0));
    for id in line_ids.iter().chain(&mail_ids) {
        let r = row(&state, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("pending", 1), "{id}");
        assert!(near(r.next_attempt_at.unwrap(), t0 + Duration::seconds(30)));
        let expected = if r.channel == "line" {
            "line: HTTP 500"
        } else {
            "smtp: transient reply 451"
        };
        assert_eq!(r.last_error.as_deref(), Some(expected));
    }
    assert_eq!(p.line.requests().len(), 3);

    // Before the backoff ends nobody is bothered.
    assert_eq!(
        deliver_due(&state, t0 + Duration::seconds(20))
            .await
            .unwrap(),
        report(0, 0, 0, 0)
    );
    assert_eq!(p.line.requests().len(), 3);

    // Still down at the second attempt: the wait doubles.
    let t1 = t0 + Duration::seconds(31);
    assert_eq!(deliver_due(&state, t1).await.unwrap(), report(0, 5, 0, 0));
    for id in line_ids.iter().chain(&mail_ids) {
        let r = row(&state, id).await;
        assert_eq!(r.attempts, 2);
        assert!(near(r.next_attempt_at.unwrap(), t1 + Duration::seconds(60)));
    }

    p.sink.set_down(false);
    p.line.set_down(false);
    assert_eq!(
        deliver_due(&state, t1 + Duration::seconds(50))
            .await
            .unwrap(),
        report(0, 0, 0, 0)
    );
    assert_eq!(
        deliver_due(&state, t1 + Duration::seconds(65))
            .await
            .unwrap(),
        report(5, 0, 0, 0)
    );
    assert_eq!(
        deliver_due(&state, t1 + Duration::hours(3)).await.unwrap(),
        report(0, 0, 0, 0)
    );

    let pushes = p.line.accepted();
    assert_eq!(pushes.len(), 3, "{pushes:?}");
    for (n, id) in line_ids.iter().enumerate() {
        let push = &pushes[n];
        assert_eq!(push.to, line_user(u8::try_from(n).unwrap()));
        assert_eq!(push.retry_key.as_deref(), Some(line_retry_key(id).as_str()));
        assert_eq!(
            push.authorization.as_deref(),
            Some(format!("Bearer {LINE_TOKEN}").as_str())
        );
        assert!(push.text.starts_with(APPROVED_SUBJECT), "{}", push.text);
        assert!(push.text.contains("仁愛國小"));
    }
    let mut to: Vec<String> = p
        .sink
        .mails()
        .iter()
        .flat_map(|m| m.rcpt_to.clone())
        .collect();
    to.sort();
    assert_eq!(to, ["dad@example.com", "mom@example.com"]);
    for id in line_ids.iter().chain(&mail_ids) {
        let r = row(&state, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 3));
    }
}

#[tokio::test]
async fn after_a_worker_is_killed_mid_batch_every_message_goes_out_exactly_once() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let first = state(&db, p.settings());
    let a = queue(
        &first,
        Channel::Line,
        &line_user(1),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let b = queue(
        &first,
        Channel::Email,
        "mom@example.com",
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let c = queue(
        &first,
        Channel::Line,
        &line_user(2),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let d = queue(
        &first,
        Channel::Line,
        &line_user(3),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    // E: claimed by a worker that died before it sent anything.
    let e = queue(
        &first,
        Channel::Email,
        "dad@example.com",
        "stop_code",
        stop_code("777777"),
    )
    .await;
    let t0 = Utc::now();
    outbox_rows::Entity::update_many()
        .col_expr(outbox_rows::Column::Status, Expr::value("in_flight"))
        .col_expr(outbox_rows::Column::Attempts, Expr::value(1))
        .col_expr(outbox_rows::Column::InFlightSince, Expr::value(t0))
        .filter(outbox_rows::Column::Id.eq(e.clone()))
        .exec(&first.db)
        .await
        .unwrap();

    // LINE takes C's push and never answers: the worker is killed while it waits.
    p.line.stall_on_push(Some(2));
    let worker = tokio::spawn({
        let state = first.clone();
        async move { deliver_due(&state, t0).await }
    });
    let pushes = p.line.wait_for(2, std::time::Duration::from_secs(20)).await;
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    worker.abort();
    assert!(worker.await.unwrap_err().is_cancelled());
    drop(first);
    let status = async |id: &str, db: &TestDb| {
        outbox_rows::Entity::find_by_id(id.to_owned())
            .one(&db.db)
            .await
            .unwrap()
            .unwrap()
            .status
    };
    assert_eq!(status(&a, &db).await, "sent");
    assert_eq!(status(&b, &db).await, "sent");
    assert_eq!(status(&c, &db).await, "in_flight");
    assert_eq!(status(&d, &db).await, "pending");

    // A restarted process: new transports, the same database.
    p.line.stall_on_push(None);
    let restarted = state(&db, p.settings());
    // C's claim is recent: it might still be sending, so it is left alone.
    assert_eq!(
        deliver_due(&restarted, t0 + Duration::minutes(1))
            .await
            .unwrap(),
        report(1, 0, 0, 0)
    );
    assert_eq!(status(&c, &db).await, "in_flight");
    // Past the in-flight timeout C and E are taken over and sent again.
    assert_eq!(
        deliver_due(&restarted, t0 + Duration::minutes(6))
            .await
            .unwrap(),
        report(2, 0, 0, 2)
    );
    assert_eq!(
        deliver_due(&restarted, t0 + Duration::hours(2))
            .await
            .unwrap(),
        report(0, 0, 0, 0)
    );

    for id in [&a, &b, &c, &d, &e] {
        let r = row(&restarted, id).await;
        assert_eq!(r.status, "sent", "{id}");
    }
    assert_eq!(row(&restarted, &c).await.attempts, 2);
    assert_eq!(row(&restarted, &e).await.attempts, 2);
    // LINE took each message once: C's second push had C's retry key and got 409.
    let pushes = p.line.accepted();
    let to: Vec<&str> = pushes.iter().map(|p| p.to.as_str()).collect();
    assert_eq!(to, [line_user(1), line_user(2), line_user(3)]);
    let c_key = line_retry_key(&c);
    let c_requests = p
        .line
        .requests()
        .iter()
        .filter(|k| k.as_deref() == Some(c_key.as_str()))
        .count();
    assert_eq!(c_requests, 2);
    // E-mail: B once, E once (its worker died before sending), each with its own id.
    let mails = p.sink.mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(
        mails[0].header("Message-ID"),
        Some(format!("<{b}@portal.test>"))
    );
    assert_eq!(
        mails[1].header("Message-ID"),
        Some(format!("<{e}@portal.test>"))
    );
    assert!(mails[1].body().contains("驗證碼：777777"));
}

fn roster_file() -> String {
    let id_no = app::domain::id_number::with_check_digit('A', "22345678").expect("valid ID");
    format!(
        "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{id_no},2015-03-14,F,501,12,KL-PRIMARY,0512345678,active,230,2021-09-01\n"
    )
}
const STAFF_PASSWORD: &str = "correct horse battery";

async fn staff_login(server: &TestServer, username: &str, school: &str) -> Browser {
    let b = server.client();
    let r = b
        .post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school, "username": username, "password": STAFF_PASSWORD } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {r:?}");
    b
}

#[tokio::test]
async fn dead_letters_are_listed_for_operators_only_who_can_send_them_again() {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster");
    crate::common::staff::add_staff(
        &db.db,
        STAFF_PASSWORD,
        &[
            (StaffRole::Teacher, "t501", Some("173601"), Some("501")),
            (StaffRole::Officer, "officer", Some("173601"), None),
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let p = Providers::start().await;
    let state = state(&db, p.settings());
    let policy = RetryPolicy::default();
    p.line.set_down(true);
    p.sink.set_down(true);
    let notice = queue(
        &state,
        Channel::Line,
        &line_user(7),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let code = queue(
        &state,
        Channel::Email,
        "mom@example.com",
        "stop_code",
        stop_code("135790"),
    )
    .await;

    // Eight attempts with the backoff between them, then dead.
    let mut t = Utc::now();
    for attempt in 1..=policy.max_attempts {
        let r = deliver_due(&state, t).await.unwrap();
        if attempt < policy.max_attempts {
            assert_eq!(r, report(0, 2, 0, 0), "attempt {attempt}");
        } else {
            assert_eq!(r, report(0, 0, 2, 0), "attempt {attempt}");
        }
        t += policy.retry_after(attempt) + Duration::seconds(1);
    }
    let dead = row(&state, &notice).await;
    assert_eq!((dead.status.as_str(), dead.attempts), ("dead", 8));
    assert_eq!(dead.last_error.as_deref(), Some("line: HTTP 500"));
    assert!(!dead.secrets_removed);
    let dead_code = row(&state, &code).await;
    assert_eq!(dead_code.status, "dead");
    assert!(dead_code.secrets_removed);
    assert!(
        !dead_code.payload.contains("135790"),
        "{}",
        dead_code.payload
    );
    assert_eq!(p.line.requests().len(), 8);
    assert_eq!(
        deliver_due(&state, t + Duration::days(1)).await.unwrap(),
        report(0, 0, 0, 0)
    );

    // A refusal for good is dead at once, and LINE's answer (quoting the id) is not kept.
    p.line.set_down(false);
    let refused = queue(
        &state,
        Channel::Line,
        "Ubad0000000000000000000000000000",
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    assert_eq!(deliver_due(&state, t).await.unwrap(), report(0, 0, 1, 0));
    let refused_row = row(&state, &refused).await;
    assert_eq!(
        (refused_row.status.as_str(), refused_row.attempts),
        ("dead", 1)
    );
    assert_eq!(refused_row.last_error.as_deref(), Some("line: HTTP 400"));

    // The server's worker sends through the same providers.
    let env = p.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start(&db, &env).await;

    for (username, school) in [("t501", "173601"), ("officer", "173601")] {
        let b = staff_login(&server, username, school).await;
        let list = b.get("/api/school/outbox").await;
        assert_eq!(list.status, StatusCode::FORBIDDEN, "{username}: {list:?}");
        let resend = b
            .post_form("/api/school/outbox-resend", &[("message_id", &notice)])
            .await;
        assert_eq!(
            resend.status,
            StatusCode::FORBIDDEN,
            "{username}: {resend:?}"
        );
    }
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Result.eq("denied"))
        .filter(audit_log::Column::Action.is_in(["school.outbox", "school.outbox_resend"]))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 4, "{denied:?}");
    assert_eq!(row(&state, &notice).await.status, "dead");

    let operator = staff_login(&server, "operator", "").await;
    let list = operator.get("/api/school/outbox").await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(
        list.body["counts"],
        json!([["pending", 0], ["in_flight", 0], ["sent", 0], ["dead", 3]])
    );
    let rows = list.body["dead"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let find = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    let n = find(&notice);
    assert_eq!(n["template"], "parent_binding_approved");
    assert_eq!(n["channel"], "line");
    assert_eq!(n["recipient_masked"], "U4af4***");
    assert_eq!(n["attempts"], 8);
    assert_eq!(n["last_error"], "line: HTTP 500");
    assert_eq!(n["can_resend"], true);
    let c = find(&code);
    assert_eq!(c["recipient_masked"], "m***@example.com");
    assert_eq!(c["can_resend"], false);
    let text = list.body.to_string();
    assert!(
        !text.contains("mom@example.com") && !text.contains(&line_user(7)),
        "{text}"
    );

    // The code is gone: sending it again would be useless.
    let refused_resend = operator
        .post_form("/api/school/outbox-resend", &[("message_id", &code)])
        .await;
    assert_eq!(
        refused_resend.status,
        StatusCode::CONFLICT,
        "{refused_resend:?}"
    );

    // «重送»: back to the queue, audited, and out within seconds through the worker.
    let resend = operator
        .post_form("/api/school/outbox-resend", &[("message_id", &notice)])
        .await;
    assert_eq!(resend.status, StatusCode::OK, "{resend:?}");
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("school.outbox_resend"))
        .filter(audit_log::Column::Result.eq("ok"))
        .one(&db.db)
        .await
        .unwrap()
        .expect("audit row of the resend");
    assert_eq!(audit.subject.as_deref(), Some("U4af4***"));
    assert!(!audit.detail.unwrap_or_default().contains(&line_user(7)));
    let pushes = p.line.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    assert_eq!(pushes[0].to, line_user(7));
    let mut sent = row(&state, &notice).await;
    for _ in 0..100 {
        if sent.status == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        sent = row(&state, &notice).await;
    }
    assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 1));
    // Only dead messages go back.
    let again = operator
        .post_form("/api/school/outbox-resend", &[("message_id", &notice)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{again:?}");
    assert_eq!(p.line.accepted().len(), 1);
}

#[tokio::test]
async fn the_worker_of_server_serve_sends_queued_messages_within_seconds() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let env = p.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let _server = TestServer::start(&db, &env).await;
    // Queued as a feature does in its transaction, without asking for delivery.
    let writer = state(&db, NotificationSettings::default());
    let mail = queue(
        &writer,
        Channel::Email,
        "mom@example.com",
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let line = queue(
        &writer,
        Channel::Line,
        &line_user(9),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;

    let mails = p.sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject(), APPROVED_SUBJECT);
    assert_eq!(
        mails[0].header("Message-ID"),
        Some(format!("<{mail}@portal.test>"))
    );
    let pushes = p.line.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        pushes[0].retry_key.as_deref(),
        Some(line_retry_key(&line).as_str())
    );
    // Nothing went to the development files.
    assert!(db.outbox_mails().is_empty());
}

#[tokio::test]
async fn without_providers_every_channel_is_written_as_a_file_once() {
    let db = TestDb::new().await;
    let state = state(&db, NotificationSettings::default());
    let email = queue(
        &state,
        Channel::Email,
        "mom@example.com",
        "stop_code",
        stop_code("246810"),
    )
    .await;
    let sms = queue(
        &state,
        Channel::Sms,
        "0912345678",
        "stop_code",
        stop_code("135791"),
    )
    .await;
    let line = queue(
        &state,
        Channel::Line,
        &line_user(4),
        "parent_binding_approved",
        binding_approved(),
    )
    .await;
    let t0 = Utc::now();
    assert_eq!(deliver_due(&state, t0).await.unwrap(), report(3, 0, 0, 0));

    let files = db.outbox_mails();
    assert_eq!(files.len(), 3, "{files:?}");
    let to: Vec<&str> = files.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(to, ["mom@example.com", "0912345678", line_user(4).as_str()]);
    assert_eq!(files[0].code().as_deref(), Some("246810"));
    assert_eq!(files[1].code().as_deref(), Some("135791"));
    assert!(files[2].text.contains("X-Portal-Channel: line\r\n"));
    assert_eq!(files[2].subject, APPROVED_SUBJECT);

    // A message sent again after an interrupted attempt rewrites its own file.
    outbox_rows::Entity::update_many()
        .col_expr(outbox_rows::Column::Status, Expr::value("in_flight"))
        .col_expr(outbox_rows::Column::InFlightSince, Expr::value(t0))
        .filter(outbox_rows::Column::Id.eq(line.clone()))
        .exec(&state.db)
        .await
        .unwrap();
    assert_eq!(
        deliver_due(&state, t0 + Duration::minutes(10))
            .await
            .unwrap(),
        report(1, 0, 0, 1)
    );
    assert_eq!(db.outbox_mails().len(), 3);
    for id in [&email, &sms, &line] {
        assert_eq!(row(&state, id).await.status, "sent");
    }
}

#[tokio::test]
async fn rows_that_failed_before_the_worker_existed_become_dead_letters() {
    use migrations::{Migrator, MigratorTrait};
    let db = TestDb::new().await;
    // Back to the schema before the worker (000008), whatever came after it.
    let after = u32::try_from(Migrator::migrations().len() - 8).unwrap();
    Migrator::down(&db.db, Some(after)).await.expect("down");
    let c = cipher();
    let now = Utc::now();
    for (id, template, status) in [
        ("0000000000000000000000000000000a", "stop_code", "failed"),
        (
            "0000000000000000000000000000000b",
            "parent_binding_approved",
            "failed",
        ),
        (
            "0000000000000000000000000000000c",
            "parent_register_code",
            "sent",
        ),
        (
            "0000000000000000000000000000000d",
            "parent_register_code",
            "pending",
        ),
    ] {
        let insert = Query::insert()
            .into_table(Alias::new("outbox"))
            .columns(
                [
                    "id",
                    "channel",
                    "recipient_enc",
                    "template",
                    "payload",
                    "status",
                    "attempts",
                    "created_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                id.into(),
                "email".into(),
                c.encrypt("mom@example.com", &outbox::recipient_aad(id))
                    .into(),
                template.into(),
                "{}".into(),
                status.into(),
                1.into(),
                now.into(),
            ])
            .to_owned();
        db.db.execute(&insert).await.expect("old row");
    }
    Migrator::up(&db.db, None).await.expect("up");

    let state = state(&db, NotificationSettings::default());
    let a = row(&state, "0000000000000000000000000000000a").await;
    assert_eq!(a.status, "dead");
    assert!(a.secrets_removed, "its code is gone: no resend");
    assert!(a.last_error.is_some());
    assert_eq!(a.last_attempt_at, Some(a.created_at));
    let b = row(&state, "0000000000000000000000000000000b").await;
    assert_eq!(b.status, "dead");
    assert!(
        !b.secrets_removed,
        "a notice without secrets can be sent again"
    );
    assert_eq!(
        row(&state, "0000000000000000000000000000000c").await.status,
        "sent"
    );
    let d = row(&state, "0000000000000000000000000000000d").await;
    assert_eq!((d.status.as_str(), d.secrets_removed), ("pending", false));
    // The worker leaves the dead alone and sends the pending one.
    assert_eq!(
        deliver_due(&state, Utc::now()).await.unwrap(),
        report(1, 0, 0, 0)
    );
}

#[tokio::test]
async fn deliver_waits_for_a_worker_that_claimed_the_message_first() {
    let db = TestDb::new().await;
    let state = state(&db, NotificationSettings::default());
    let id = queue(
        &state,
        Channel::Email,
        "mom@example.com",
        "stop_code",
        stop_code("112233"),
    )
    .await;
    // Another instance's worker claimed it a moment ago and finishes 300 ms later.
    let claim = |to: &str| {
        outbox_rows::Entity::update_many()
            .col_expr(outbox_rows::Column::Status, Expr::value(to.to_owned()))
            .col_expr(outbox_rows::Column::InFlightSince, Expr::value(Utc::now()))
            .filter(outbox_rows::Column::Id.eq(id.clone()))
    };
    claim("in_flight").exec(&state.db).await.unwrap();
    let finish = claim("sent");
    let db_handle = state.db.clone();
    let other_worker = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        finish.exec(&db_handle).await.unwrap();
    });

    let started = std::time::Instant::now();
    assert_eq!(
        outbox::deliver(&state, &id).await.unwrap(),
        DeliveryOutcome::Sent
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    other_worker.await.unwrap();
    // Sent by the other worker, not a second time here.
    assert!(db.outbox_mails().is_empty());
}

#[tokio::test]
async fn several_instances_on_one_database_send_each_message_once() {
    let db = TestDb::new().await;
    let p = Providers::start().await;
    let writer = state(&db, p.settings());
    let mut ids = Vec::new();
    for n in 0..24 {
        ids.push(
            queue(
                &writer,
                Channel::Line,
                &line_user(n),
                "parent_binding_approved",
                binding_approved(),
            )
            .await,
        );
    }
    // Three server processes' workers, each with its own transports, at the same time.
    let now = Utc::now();
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let instance = state(&db, p.settings());
            tokio::spawn(async move { deliver_due(&instance, now).await.unwrap() })
        })
        .collect();
    let mut sent = 0;
    for w in workers {
        sent += w.await.unwrap().sent;
    }
    assert_eq!(sent, 24);
    // Not one message was even tried twice.
    let requests = p.line.requests();
    assert_eq!(requests.len(), 24);
    let mut keys: Vec<String> = requests.into_iter().map(Option::unwrap).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 24);
    for id in &ids {
        let r = row(&writer, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1));
    }
}
