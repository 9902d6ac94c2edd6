//! Identity verification over HTTP against the real server (SPEC §7): the query
//! journey, masking, captcha, per-ID lockout stored in the database and the per-IP
//! limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::entities::{audit_log, sessions, verification_attempts, verification_locks};
use chrono::{Duration, Utc};
use common::{Browser, DEMO_BIRTH, DEMO_ID, TestDb, TestServer, id_hash, retry_after};
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;

const WRONG_BIRTH: &str = "2015-03-15";
/// A valid national ID that is not in the demo roster.
const UNKNOWN_ID: &str = "A100000001";

async fn demo_server(db: &TestDb, env: &[(&str, &str)]) -> TestServer {
    let mut all = vec![("PORTAL_DEMO", "1")];
    all.extend_from_slice(env);
    TestServer::start(db, &all).await
}

/// A visitor who has accepted the query wizard's consent.
async fn consented(server: &TestServer) -> Browser {
    let browser = server.client();
    let reply = browser.consent("query").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    browser
}

async fn lock_of(db: &TestDb, id_no: &str) -> Option<verification_locks::Model> {
    verification_locks::Entity::find_by_id(id_hash(id_no))
        .one(&db.db)
        .await
        .expect("lock query")
}

#[tokio::test]
async fn the_query_journey_shows_the_masked_holder_and_cycles_the_session_id() {
    assert!(UNKNOWN_ID.len() == 10 && app::domain::id_number::validate_any(UNKNOWN_ID).is_ok());
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    let before = browser.session_cookie().expect("a session after consent");

    let captcha = browser.captcha().await;
    assert_eq!(captcha.status, StatusCode::OK, "{captcha:?}");
    assert!(
        captcha.body["image"]
            .as_str()
            .is_some_and(|s| s.starts_with("data:image/png;base64,"))
    );
    // The reply carries the image and a link to the audio, not the audio itself
    // (Performance issue: it was 634 KB with the WAV inlined).
    let reply_bytes = serde_json::to_vec(&captcha.body).expect("json").len();
    assert!(reply_bytes <= 10_000, "captcha reply {reply_bytes} bytes");
    let audio = captcha.body["audio"]
        .as_str()
        .expect("audio link")
        .to_owned();
    assert!(audio.starts_with("/api/captcha/audio/"), "{audio}");
    let res = browser
        .http
        .get(browser.url(&audio))
        .send()
        .await
        .expect("GET audio");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "audio/wav");
    let wav = res.bytes().await.expect("audio bytes");
    assert!(
        wav.starts_with(b"RIFF") && wav.len() > 10_000 && wav.len() < 160_000,
        "{}",
        wav.len()
    );
    // Replies above a few hundred bytes go gzip-compressed to a browser that takes it.
    let gz = browser
        .http
        .post(browser.url("/api/identity/captcha"))
        .header("accept-encoding", "gzip")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("POST captcha");
    assert_eq!(gz.status(), StatusCode::OK);
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    assert!(
        gz.headers()["vary"]
            .to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    );
    // Another visitor's altered link speaks nothing.
    let mut forged = audio.clone();
    let last = forged.pop().expect("a token");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let res = browser
        .http
        .get(browser.url(&forged))
        .send()
        .await
        .expect("GET forged");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let reply = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["masked_name"], "林○晴");
    let after = browser
        .session_cookie()
        .expect("a session after verification");
    assert_ne!(before, after, "the session id is cycled on verification");
    let old = sessions::Entity::find_by_id(before.clone())
        .one(&db.db)
        .await
        .expect("session query");
    assert!(old.is_none(), "the pre-verification session is gone");

    let progress = browser.get("/api/wizard/progress?wizard=query").await;
    assert_eq!(progress.status, StatusCode::OK);
    assert_eq!(progress.body["consented"], true);
    assert_eq!(progress.body["verified"]["masked_name"], "林○晴");

    let overview = browser.get("/api/query/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    assert_eq!(overview.body["masked_name"], "林○晴");
    assert_eq!(overview.header("cache-control"), Some("no-store"));
    let cards = overview.body["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "{cards:?}");
    let outer = cards[0]["outer_no_masked"]
        .as_str()
        .expect("masked card number");
    assert!(outer.ends_with("****"), "{outer}");
    assert_eq!(outer, "051730****");
    assert_eq!(cards[0]["status"], "active");
    let text = overview.body.to_string();
    for secret in ["C220483313", "林雨晴", "0517300001", "2015-03-14"] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }

    // Another browser (no cookie) sees nothing; the old cookie no longer works.
    let stranger = server.client();
    assert_eq!(
        stranger.get("/api/query/overview").await.status,
        StatusCode::UNAUTHORIZED
    );
    let replay = Browser::new(&server.base);
    let url = reqwest::Url::parse(&server.base).expect("URL");
    replay
        .jar
        .add_cookie_str(&format!("portal_session={before}; Path=/"), &url);
    assert_eq!(
        replay.get("/api/query/overview").await.status,
        StatusCode::UNAUTHORIZED
    );

    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("identity.verify"))
        .filter(audit_log::Column::Result.eq("ok"))
        .one(&db.db)
        .await
        .expect("audit query")
        .expect("an audit row for the verification");
    assert_eq!(audit.subject.as_deref(), Some("C22048****"));
}

#[tokio::test]
async fn verification_without_consent_is_401() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = server.client();
    assert_eq!(browser.captcha().await.status, StatusCode::OK);
    let reply = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    assert_eq!(reply.body, json!({ "error": "unauthorized" }));

    // Consent to another wizard does not count for this one.
    let browser = server.client();
    assert_eq!(browser.consent("stop").await.status, StatusCode::OK);
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
}

#[tokio::test]
async fn a_wrong_birth_date_and_an_unknown_id_give_the_same_400() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[("RUST_LOG", "debug,hyper=info")]).await;
    let browser = consented(&server).await;
    let wrong_birth = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
    let unknown = browser.attempt(UNKNOWN_ID, DEMO_BIRTH).await;
    assert_eq!(
        wrong_birth.status,
        StatusCode::BAD_REQUEST,
        "{wrong_birth:?}"
    );
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{unknown:?}");
    assert_eq!(wrong_birth.body, json!({ "error": "no_match" }));
    assert_eq!(unknown.body, wrong_birth.body);
    // Both are counted against their ID, so an attacker cannot tell them apart by
    // the lockout either.
    assert_eq!(lock_of(&db, DEMO_ID).await.map(|l| l.failures), Some(1));
    assert_eq!(lock_of(&db, UNKNOWN_ID).await.map(|l| l.failures), Some(1));

    // The IDs appear masked in the audit log and nowhere in clear, logs included.
    let subjects: Vec<Option<String>> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("identity.verify"))
        .all(&db.db)
        .await
        .expect("audit query")
        .into_iter()
        .map(|a| a.subject)
        .collect();
    assert_eq!(
        subjects,
        vec![Some("C22048****".to_owned()), Some("A10000****".to_owned())]
    );
    // (The start banner lists the fictional demo holders; what follows it must not.)
    let full = server.log();
    let log = full
        .rsplit_once("demo-operator-2026")
        .map_or(full.as_str(), |(_, rest)| rest);
    assert!(log.contains("DEBUG"), "debug logging is on: {full}");
    for id in [DEMO_ID, UNKNOWN_ID, WRONG_BIRTH] {
        assert!(!log.contains(id), "{id} in the server log:\n{log}");
    }
}

#[tokio::test]
async fn field_errors_are_422_with_their_codes() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    assert_eq!(browser.captcha().await.status, StatusCode::OK);
    let reply = browser
        .post_json(
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": "query", "method": "national", "id_no": "A123456788",
                "birth_date": "2999-01-01", "captcha": "",
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert_eq!(
        reply.body,
        json!({ "error": "validation", "detail": {
            "id_no": "checksum", "birth_date": "invalid", "captcha": "required",
        }})
    );
}

#[tokio::test]
async fn unknown_fields_in_the_verify_input_are_rejected_with_422() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    assert_eq!(browser.captcha().await.status, StatusCode::OK);
    let reply = browser
        .post_json(
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": "query", "method": "national", "id_no": DEMO_ID,
                "birth_date": DEMO_BIRTH, "captcha": common::CAPTCHA,
                "verified_holder_id": 1,
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert_eq!(reply.body["error"], "validation");
    assert!(
        !reply.body.to_string().contains("verified_holder_id"),
        "no parser internals are echoed: {reply:?}"
    );
    // Nothing was verified.
    assert_eq!(
        browser.get("/api/query/overview").await.status,
        StatusCode::UNAUTHORIZED
    );
    // A body that is not JSON at all is the caller's fault too.
    let reply = browser
        .http
        .post(browser.url("/api/identity/verify"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(reply.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_captcha_is_single_use() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    let first = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
    assert_eq!(first.status, StatusCode::BAD_REQUEST, "{first:?}");
    // The same (test) answer again without asking for a new captcha.
    let second = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{second:?}"
    );
    assert_eq!(
        second.body,
        json!({ "error": "validation", "detail": { "captcha": "wrong" } })
    );
    // A captcha of one session is no use in another.
    let other = consented(&server).await;
    let third = other.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(third.status, StatusCode::UNPROCESSABLE_ENTITY, "{third:?}");
    // With a new one it works.
    let ok = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
}

#[tokio::test]
async fn a_wrong_captcha_answer_is_refused_and_consumes_the_captcha() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    assert_eq!(browser.captcha().await.status, StatusCode::OK);
    let reply = browser
        .post_json(
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": "query", "method": "national", "id_no": DEMO_ID,
                "birth_date": DEMO_BIRTH, "captcha": "ZZZZZ",
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{reply:?}");
    assert_eq!(reply.body["detail"]["captcha"], "wrong");
    let again = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consumed: {again:?}"
    );
}

#[tokio::test]
async fn sixth_wrong_attempt_is_locked_and_stays_locked_after_restart() {
    let db = TestDb::new().await;
    let mut server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    for i in 1..=5 {
        let reply = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "attempt {i}: {reply:?}"
        );
    }
    // Locked: even the right birth date is refused now.
    let sixth = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "{sixth:?}");
    assert_eq!(sixth.body["error"], "rate_limited");
    let wait = retry_after(&sixth);
    assert!((840..=900).contains(&wait), "about 15 minutes: {wait}");
    let lock = lock_of(&db, DEMO_ID).await.expect("a lock row");
    assert!(lock.locked_until.is_some_and(|t| t > Utc::now()));
    assert!(!lock.locked_permanently);

    // Another ID from the same browser is not affected.
    let other = browser.attempt("A123456789", "2012-04-05").await;
    assert_eq!(other.status, StatusCode::OK, "{other:?}");

    // The lock lives in the database: a restarted server still refuses.
    server.restart().await;
    let browser = consented(&server).await;
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    assert!(retry_after(&reply) <= wait);

    let locked = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("identity.verify"))
        .filter(audit_log::Column::Result.eq("locked_15_minutes"))
        .count_rows(&db)
        .await;
    assert_eq!(locked, 1);
}

#[tokio::test]
async fn a_temporary_lock_ends_after_its_time_and_a_success_resets_the_count() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    for _ in 0..5 {
        assert_eq!(
            browser.attempt(DEMO_ID, WRONG_BIRTH).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        browser.attempt(DEMO_ID, DEMO_BIRTH).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Fifteen minutes pass.
    expire_temporary_lock(&db, DEMO_ID).await;
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let lock = lock_of(&db, DEMO_ID).await.expect("lock row");
    assert_eq!(lock.failures, 0);
}

/// Simulates the passing of a temporary lock's 15 minutes.
async fn expire_temporary_lock(db: &TestDb, id_no: &str) {
    verification_locks::Entity::update_many()
        .col_expr(
            verification_locks::Column::LockedUntil,
            Expr::value(Some(Utc::now() - Duration::seconds(1))),
        )
        .filter(verification_locks::Column::IdHash.eq(id_hash(id_no)))
        .exec(&db.db)
        .await
        .expect("expiring the lock");
}

/// Simulates earlier failures: `failures` rows at the given ages, from another address.
async fn insert_failures(db: &TestDb, id_no: &str, ages: &[Duration]) {
    for age in ages {
        verification_attempts::ActiveModel {
            id_hash: Set(id_hash(id_no)),
            client_ip: Set("198.51.100.7".into()),
            succeeded: Set(false),
            created_at: Set(Utc::now() - *age),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .expect("inserting an attempt");
    }
}

/// A lock row as the server leaves it after earlier temporary locks have expired.
async fn insert_expired_lock(db: &TestDb, id_no: &str, failures: i32, counting_since: Duration) {
    verification_locks::ActiveModel {
        id_hash: Set(id_hash(id_no)),
        failures: Set(failures),
        locked_until: Set(Some(Utc::now() - Duration::hours(2))),
        locked_permanently: Set(false),
        counting_since: Set(Utc::now() - counting_since),
        updated_at: Set(Utc::now() - Duration::hours(2)),
    }
    .insert(&db.db)
    .await
    .expect("inserting a lock");
}

#[tokio::test]
async fn tenth_failure_in_24_hours_locks_until_staff_unlock() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    // Nine failures over the last 20 hours (one temporary lock, long expired).
    let ages: Vec<Duration> = (0..9)
        .map(|i| Duration::hours(20) - Duration::hours(2 * i))
        .collect();
    insert_failures(&db, DEMO_ID, &ages).await;
    insert_expired_lock(&db, DEMO_ID, 4, Duration::hours(21)).await;

    let browser = consented(&server).await;
    let tenth = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
    assert_eq!(tenth.status, StatusCode::BAD_REQUEST, "{tenth:?}");
    let lock = lock_of(&db, DEMO_ID).await.expect("lock row");
    assert!(lock.locked_permanently, "{lock:?}");

    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    assert!(retry_after(&reply) >= 3600, "{reply:?}");

    // Days pass: still locked; only staff can lift it.
    verification_attempts::Entity::update_many()
        .col_expr(
            verification_attempts::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::days(3)),
        )
        .exec(&db.db)
        .await
        .expect("ageing attempts");
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Result.eq("locked_until_unlocked"))
        .count_rows(&db)
        .await;
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn failures_older_than_24_hours_do_not_count_toward_the_daily_limit() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let ages: Vec<Duration> = (0..9)
        .map(|i| Duration::hours(30) - Duration::minutes(30 * i))
        .collect();
    insert_failures(&db, DEMO_ID, &ages).await;
    insert_expired_lock(&db, DEMO_ID, 0, Duration::hours(30)).await;

    let browser = consented(&server).await;
    let reply = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let lock = lock_of(&db, DEMO_ID).await.expect("lock row");
    assert!(!lock.locked_permanently, "{lock:?}");
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn attempts_refused_during_a_temporary_lock_do_not_count_as_failures() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    for _ in 0..5 {
        assert_eq!(
            browser.attempt(DEMO_ID, WRONG_BIRTH).await.status,
            StatusCode::BAD_REQUEST
        );
    }
    // An impatient holder retries five times during the lock.
    for _ in 0..5 {
        assert_eq!(
            browser.attempt(DEMO_ID, DEMO_BIRTH).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    expire_temporary_lock(&db, DEMO_ID).await;
    // One more typo is the sixth failed verification of the day, not the eleventh.
    let reply = browser.attempt(DEMO_ID, WRONG_BIRTH).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let lock = lock_of(&db, DEMO_ID).await.expect("lock row");
    assert!(!lock.locked_permanently, "{lock:?}");
    let reply = browser.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
}

#[tokio::test]
async fn the_fourth_attempt_in_a_minute_from_one_address_is_429() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[("PORTAL_VERIFY_PER_IP_PER_MIN", "3")]).await;
    let browser = consented(&server).await;
    // Three attempts on three different IDs: none reaches a per-ID limit.
    for id in [DEMO_ID, UNKNOWN_ID, "A123456789"] {
        let reply = browser.attempt(id, WRONG_BIRTH).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    }
    let fourth = browser.attempt("F131104093", "2015-08-21").await;
    assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS, "{fourth:?}");
    assert_eq!(fourth.body["error"], "rate_limited");
    let wait = retry_after(&fourth);
    assert!((1..=60).contains(&wait), "{wait}");
    // Other visitors from the same address share the limit.
    let other = consented(&server).await;
    let reply = other.attempt(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{reply:?}");
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Result.eq("rate_limited"))
        .count_rows(&db)
        .await;
    assert_eq!(audit, 2);
}

/// `count()` on a filtered select, as a plain number.
trait CountRows {
    async fn count_rows(self, db: &TestDb) -> u64;
}

impl CountRows for sea_orm::Select<audit_log::Entity> {
    async fn count_rows(self, db: &TestDb) -> u64 {
        use sea_orm::PaginatorTrait;
        self.count(&db.db).await.expect("count")
    }
}

#[tokio::test]
async fn the_query_overview_takes_at_most_six_statements() {
    // Performance issue item 3: it took 17 (seven reads of the same settings row).
    // Session, holder with school and class, stops, cards, applications, events; the
    // settings and card types come from the per-process snapshot.
    let db = TestDb::new().await;
    let server = demo_server(
        &db,
        &[
            ("PORTAL_LOG_STATEMENTS", "1"),
            ("RUST_LOG", "warn,sqlx::query=info"),
        ],
    )
    .await;
    let browser = consented(&server).await;
    assert_eq!(browser.captcha().await.status, StatusCode::OK);
    let reply = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let statements = |log: &str| {
        log.lines()
            .filter(|l| l.contains("sqlx::query"))
            // the background work of the process: the health probe, the write
            // check, the outbox worker
            .filter(|l| {
                !["SELECT 1", "write_checks", "outbox", "claims"]
                    .iter()
                    .any(|w| l.contains(w))
            })
            .count()
    };
    // Warm the snapshot, then count one overview (the background probe's SELECT 1 and
    // the write check are left out).
    let first = browser.get("/api/query/overview").await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let before = statements(&server.log());
    let reply = browser.get("/api/query/overview").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["masked_name"], "林○晴");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let after = statements(&server.log());
    assert!(before > 0, "statements are logged");
    assert!(
        after - before <= 6,
        "{} statements:\n{}",
        after - before,
        server.log()
    );
}

/// A session holds one captcha: showing a new one replaces the earlier (one statement,
/// by the unique index on `session_key`), and a verification consumes it.
#[tokio::test]
async fn a_new_captcha_replaces_the_sessions_earlier_one_and_verification_consumes_it() {
    let db = TestDb::new().await;
    let server = demo_server(&db, &[]).await;
    let browser = consented(&server).await;
    let other = consented(&server).await;
    for _ in 0..3 {
        assert_eq!(browser.captcha().await.status, StatusCode::OK);
    }
    assert_eq!(other.captcha().await.status, StatusCode::OK);
    assert_eq!(db.count("captchas").await, 2, "one per session");
    let reply = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(db.count("captchas").await, 1, "the other session's is left");
    // Consumed: the same answer again is refused.
    let again = browser.verify(DEMO_ID, DEMO_BIRTH).await;
    assert_ne!(again.status, StatusCode::OK, "{again:?}");
    // Expired ones are purged in the background job.
    db.db
        .execute_unprepared("UPDATE captchas SET expires_at = '2000-01-01T00:00:00Z'")
        .await
        .expect("expire");
    assert_eq!(
        app::server::captcha::purge_expired(&db.db)
            .await
            .expect("purge"),
        1
    );
    assert_eq!(db.count("captchas").await, 0);
}
