//! `POST /api/v1/swipes` against the real server: a gate reader records swipes of its
//! own school's cards only (403, audited, nothing recorded or queued otherwise), times
//! outside the configured window and control characters are 422 — on PostgreSQL too,
//! where a NUL would otherwise reach the database. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::notify::{service as notify, swipes};
use app::server::audit::Actor;
use app::server::entities::{audit_log, holders};
use app::server::{AppState, PortalConfig, roster};
use chrono::{Duration, SecondsFormat, Utc};
use common::{Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::Arc;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
/// 林雨晴's card at school A (173601).
const CARD_A: &str = "0512345678";
/// 王小明's card at school B (173602).
const CARD_B: &str = "0612345678";

struct Setup {
    db: TestDb,
    server: TestServer,
    /// API keys of `gate-a` (school A) and `gate-b` (school B).
    key_a: String,
    key_b: String,
}

fn state(db: &TestDb) -> AppState {
    AppState::new(
        db.db.clone(),
        Arc::new(cipher()),
        PortalConfig {
            data_dir: db.path().join("data"),
            ..PortalConfig::default()
        },
    )
    .expect("state")
}

/// Two schools with a student each; A's student has the paid SMS service, so every
/// recorded swipe of A's card queues a message.
async fn setup(env: &[(&str, &str)]) -> Setup {
    let db = TestDb::new().await;
    let file = format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,{CARD_A},active,230,2021-09-01\n\
         173602,基隆市立信義國小,信義區,國小,210001,王小明,A123456789,2015-05-01,M,601,3,KL-PRIMARY,{CARD_B},active,230,2021-09-01\n",
        app::domain::id_number::with_check_digit('A', "22345678").expect("valid ID"),
    );
    roster::import(&db.db, &cipher(), file.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let state = state(&db);
    let lin = holders::Entity::find()
        .filter(holders::Column::StudentNo.eq("110001"))
        .one(&db.db)
        .await
        .expect("db")
        .expect("holder");
    let today = notify::taiwan_day(Utc::now());
    notify::add_sms_subscription(
        &state,
        lin.id,
        "0912345678",
        "115學年度上學期",
        (today - Duration::days(30), today + Duration::days(60)),
    )
    .await
    .expect("subscription");
    let key_a = swipes::add_reader(&state, "173601", "gate-a")
        .await
        .expect("reader");
    let key_b = swipes::add_reader(&state, "173602", "gate-b")
        .await
        .expect("reader");
    let server = TestServer::start(&db, env).await;
    Setup {
        db,
        server,
        key_a,
        key_b,
    }
}

impl Setup {
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
}

fn body(event_id: &str, card: &str, reader: &str, ago: Duration) -> Value {
    json!({
        "event_id": event_id, "card_outer_no": card, "reader_id": reader, "direction": "in",
        "time": (Utc::now() - ago).to_rfc3339_opts(SecondsFormat::Secs, false),
    })
}

#[tokio::test]
async fn a_reader_records_swipes_of_its_own_schools_cards_only() {
    let s = setup(&[]).await;
    let minute = Duration::minutes(1);
    // School B's reader and school A's card: refused, nothing recorded or queued.
    let foreign = s
        .swipe(&s.key_b, &body("evt-1", CARD_A, "gate-b", minute))
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{foreign:?}");
    assert_eq!(foreign.body["error"], "wrong_school");
    assert!(foreign.body["message"].is_string());
    assert_eq!(s.db.count("swipes").await, 0);
    assert_eq!(s.db.count("outbox").await, 0);
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("swipe.api"))
        .filter(audit_log::Column::Result.eq("denied"))
        .all(&s.db.db)
        .await
        .expect("audit");
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].subject.as_deref(), Some("051234****"));
    let detail: Value =
        serde_json::from_str(denied[0].detail.as_deref().expect("detail")).expect("json");
    assert_eq!(
        detail,
        json!({ "reason": "wrong_school", "reader": "gate-b" })
    );

    // Each school's own reader: recorded; A's card queues the SMS message.
    let own = s
        .swipe(&s.key_a, &body("evt-1", CARD_A, "gate-a", minute))
        .await;
    assert_eq!(
        own.body,
        json!({ "status": "recorded", "messages": 1 }),
        "{own:?}"
    );
    let own_b = s
        .swipe(&s.key_b, &body("evt-2", CARD_B, "gate-b", minute))
        .await;
    assert_eq!(
        own_b.body,
        json!({ "status": "recorded", "messages": 0 }),
        "{own_b:?}"
    );
    // Unknown cards are still reported, not refused.
    let unknown = s
        .swipe(&s.key_b, &body("evt-3", "0599999999", "gate-b", minute))
        .await;
    assert_eq!(unknown.body["status"], "unknown_card", "{unknown:?}");
    assert_eq!(s.db.count("swipes").await, 3);
}

#[tokio::test]
async fn swipe_times_outside_the_window_and_control_characters_are_422() {
    let s = setup(&[]).await;
    let mut far_future = body("evt-1", CARD_A, "gate-a", Duration::zero());
    far_future["time"] = json!("2099-01-01T07:30:00+08:00");
    let cases: Vec<(Value, &str, &str)> = vec![
        (far_future, "time", "future"),
        (
            body("evt-2", CARD_A, "gate-a", Duration::minutes(-10)),
            "time",
            "future",
        ),
        (
            body("evt-3", CARD_A, "gate-a", Duration::days(8)),
            "time",
            "too_old",
        ),
        (
            body("evt-\u{0}4", CARD_A, "gate-a", Duration::minutes(1)),
            "event_id",
            "control_character",
        ),
        (
            body("evt-5\u{7}", CARD_A, "gate-a", Duration::minutes(1)),
            "event_id",
            "control_character",
        ),
        (
            body("evt-6", "05123\u{0}45678", "gate-a", Duration::minutes(1)),
            "card_outer_no",
            "control_character",
        ),
        (
            body("evt-7", CARD_A, "gate-a\u{0}", Duration::minutes(1)),
            "reader_id",
            "control_character",
        ),
    ];
    for (b, field, code) in &cases {
        let r = s.swipe(&s.key_a, b).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {r:?}");
        assert_eq!(r.body["error"], "invalid_swipe", "{b}");
        assert_eq!(r.body["fields"][field], *code, "{b}: {r:?}");
    }
    assert_eq!(s.db.count("swipes").await, 0);
    assert_eq!(s.db.count("outbox").await, 0);
    // Inside the window: six days ago, and a clock a little ahead.
    for (id, ago) in [
        ("evt-8", Duration::days(6)),
        ("evt-9", Duration::seconds(-60)),
    ] {
        let r = s.swipe(&s.key_a, &body(id, CARD_A, "gate-a", ago)).await;
        assert_eq!(r.body["status"], "recorded", "{id}: {r:?}");
    }
}

#[tokio::test]
async fn the_swipe_window_is_configurable() {
    let s = setup(&[
        ("PORTAL_SWIPE_MAX_AGE_HOURS", "240"),
        ("PORTAL_SWIPE_MAX_AHEAD_SECONDS", "0"),
    ])
    .await;
    let old = s
        .swipe(
            &s.key_a,
            &body("evt-1", CARD_A, "gate-a", Duration::days(8)),
        )
        .await;
    assert_eq!(old.body["status"], "recorded", "{old:?}");
    let ahead = s
        .swipe(
            &s.key_a,
            &body("evt-2", CARD_A, "gate-a", Duration::seconds(-60)),
        )
        .await;
    assert_eq!(ahead.status, StatusCode::UNPROCESSABLE_ENTITY, "{ahead:?}");
    assert_eq!(ahead.body["fields"]["time"], "future");
}
