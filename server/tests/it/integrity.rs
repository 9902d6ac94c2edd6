//! Data integrity when things go wrong (the «Trust» issue), against the real server:
//! a full disk under SQLite refuses writes with an error (never «recorded»), health
//! says so, writes come back by themselves once there is space, and nothing that was
//! answered as stored is lost; SIGTERM lets requests in flight finish; a restarted
//! instance sends again at once the messages it had claimed when it was killed, but
//! leaves another live instance's claims alone; `/api/v1` errors are always
//! `{error, message}` JSON.
//!
//! The disk-full test needs SQLite and a small tmpfs (it mounts one, so it needs
//! root; without it the test says so and passes); the others run on SQLite, or on
//! PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::audit::Actor;
use app::server::entities::outbox as outbox_rows;
use app::server::outbox::transport::line_retry_key;
use app::server::outbox::{self, Channel, NewMessage};
use app::server::{AppState, PortalConfig, roster};
use common::providers::FakeLine;
use common::{Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";
const SCHOOL: &str = "173601";
/// 王小明: no guardian contact, so a stop needs no step-up code.
const WANG_ID: &str = "A123456789";
const WANG_BIRTH: &str = "2015-05-01";
const WANG_CARD: &str = "0512345679";

fn roster_file() -> String {
    format!(
        "{HEADER}\n\
         {SCHOOL},基隆市立仁愛國小,仁愛區,國小,110002,王小明,{WANG_ID},{WANG_BIRTH},M,502,3,KL-PRIMARY,{WANG_CARD},active,230,2021-09-01,,\n"
    )
}

/// The roster and one gate reader in `conn`; the reader's API key.
async fn roster_and_reader(conn: &DatabaseConnection, data_dir: &Path) -> String {
    roster::import(conn, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let state = AppState::new(
        conn.clone(),
        Arc::new(cipher()),
        PortalConfig {
            data_dir: data_dir.to_owned(),
            ..PortalConfig::default()
        },
    )
    .expect("state");
    app::notify::swipes::add_reader(&state, SCHOOL, "gate-1")
        .await
        .expect("add reader")
}

fn swipe_body(event: &str) -> Value {
    json!({
        "event_id": event,
        "card_outer_no": WANG_CARD,
        "reader_id": "gate-1",
        "direction": "in",
        // Now: the portal refuses swipes outside its time window.
        "time": chrono::Utc::now().to_rfc3339(),
    })
}

async fn swipe(server: &TestServer, key: &str, event: &str) -> Reply {
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/swipes"))
        .bearer_auth(key)
        .json(&swipe_body(event))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("POST /api/v1/swipes");
    Reply::read(res).await
}

/// An `/api/v1` error: JSON with a code and a non-empty message.
fn assert_api_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{reply:?}"
    );
    assert_eq!(reply.body["error"], code, "{reply:?}");
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.trim().is_empty()),
        "{reply:?}"
    );
}

/// Polls `/api/v1/health` until it answers `status`; whether it did within `within`.
async fn health_becomes(server: &TestServer, status: StatusCode, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(res) = reqwest::get(server.url("/api/v1/health")).await
            && res.status() == status
        {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (e.g. `4m`) at `path`; `None` where that is not
    /// allowed (not root).
    fn mount(path: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(path).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then(|| Self {
            path: path.to_owned(),
        })
    }

    /// Fills every free byte with a file; delete the file to free the space again.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler file");
        for chunk in [64 * 1024, 4096, 512, 1] {
            let bytes = vec![0xA5u8; chunk];
            while file.write_all(&bytes).is_ok() {}
        }
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_then_recovers_by_itself_and_loses_nothing_acknowledged() {
    if common::backend_name() != "sqlite" {
        eprintln!("skipped: the full disk is SQLite's (PostgreSQL keeps its own files)");
        return;
    }
    let db = TestDb::new().await;
    let Some(disk) = SmallDisk::mount(&db.path().join("small-disk"), "4m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let url = format!("sqlite://{}/portal.db", disk.path.display());
    let conn = app::server::db::connect_and_migrate(&url)
        .await
        .expect("database on the small disk");
    let key = roster_and_reader(&conn, &db.path().join("data")).await;
    conn.close().await.expect("closing the setup connection");
    let mut server = TestServer::start(&db, &[("DATABASE_URL", url.as_str())]).await;

    // A holder ready to stop the card, and a few swipes while there is space.
    let holder = server.client();
    holder.verified_in("stop", WANG_ID, WANG_BIRTH).await;
    let overview = holder.get("/api/stop/overview").await;
    let card_ref = overview.body["cards"][0]["card_ref"]
        .as_str()
        .expect("card_ref")
        .to_owned();
    let stop = json!({ "input": {
        "card_ref": card_ref, "choice": "no_refund", "idempotency_key": "full-disk-stop-0001",
    }});
    let mut acknowledged = Vec::new();
    for n in 0..5 {
        let event = format!("before-{n}");
        let reply = swipe(&server, &key, &event).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["status"], "recorded", "{reply:?}");
        acknowledged.push(event);
    }

    // The disk fills up: a write is either stored for good or refused with an error;
    // health reports the failing write path. Readers also repeat events they sent
    // before (a repeat reads, finds the event and ends its transaction unwritten).
    let filler = disk.fill();
    let mut refused = 0;
    let mut health_said_so = false;
    for n in 0..40 {
        let event = format!("full-{n}");
        let reply = swipe(&server, &key, &event).await;
        let repeat = swipe(&server, &key, &acknowledged[n % acknowledged.len()]).await;
        assert!(
            repeat.status.is_server_error() || repeat.body["status"] == "duplicate",
            "{repeat:?}"
        );
        if reply.status == StatusCode::OK {
            assert_eq!(reply.body["status"], "recorded", "{reply:?}");
            acknowledged.push(event);
            continue;
        }
        assert!(reply.status.is_server_error(), "{reply:?}");
        assert!(reply.body["error"].is_string(), "{reply:?}");
        assert!(reply.body["message"].is_string(), "{reply:?}");
        refused += 1;
        if !health_said_so {
            health_said_so = health_becomes(
                &server,
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(5),
            )
            .await;
        }
    }
    assert!(refused > 0, "no write failed: the disk was not full");
    assert!(health_said_so, "health said ok while writes failed");
    let stopped_while_full = holder.post_json("/api/stop/submit", &stop).await;
    assert!(
        stopped_while_full.status == StatusCode::OK || stopped_while_full.status.is_server_error(),
        "{stopped_while_full:?}"
    );

    // Space again: writes succeed without a restart, every one of them.
    std::fs::remove_file(&filler).expect("freeing the disk");
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 0;
    loop {
        let event = format!("recovering-{n}");
        n += 1;
        let reply = swipe(&server, &key, &event).await;
        if reply.status == StatusCode::OK {
            assert_eq!(reply.body["status"], "recorded", "{reply:?}");
            acknowledged.push(event);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes did not recover: {reply:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for n in 0..20 {
        let event = format!("after-{n}");
        let reply = swipe(&server, &key, &event).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        assert_eq!(reply.body["status"], "recorded", "{reply:?}");
        let repeat = swipe(&server, &key, &event).await;
        assert_eq!(repeat.body["status"], "duplicate", "{repeat:?}");
        acknowledged.push(event);
    }
    assert!(
        health_becomes(&server, StatusCode::OK, Duration::from_secs(15)).await,
        "health did not recover"
    );
    let stopped = holder.post_json("/api/stop/submit", &stop).await;
    assert_eq!(stopped.status, StatusCode::OK, "{stopped:?}");
    let serial = stopped.body["serial_no"].clone();
    assert!(serial.is_string(), "{stopped:?}");
    if stopped_while_full.status == StatusCode::OK {
        assert_eq!(stopped_while_full.body["serial_no"], serial);
    }

    // Killed (no shutdown) and started again: everything acknowledged is there.
    server.restart().await;
    for event in &acknowledged {
        let reply = swipe(&server, &key, event).await;
        assert_eq!(reply.status, StatusCode::OK, "{event}: {reply:?}");
        assert_eq!(reply.body["status"], "duplicate", "{event} was lost");
    }
    let conn = app::server::db::connect_and_migrate(&url)
        .await
        .expect("reopening");
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let conn = conn.clone();
        async move {
            conn.query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                sql,
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
        }
    };
    assert_eq!(
        count("swipes").await,
        i64::try_from(acknowledged.len()).unwrap()
    );
    assert_eq!(count("stop_requests").await, 1);
    conn.close().await.expect("closing");
    // The server goes before the disk it writes to.
    drop(server);
    drop(disk);
}

#[tokio::test]
async fn every_pooled_sqlite_connection_has_the_pragmas() {
    if common::backend_name() != "sqlite" {
        eprintln!("skipped: SQLite only");
        return;
    }
    use sea_orm::TransactionTrait;
    let db = TestDb::new().await;
    // Eight transactions at once hold eight different connections of the pool.
    let mut open = Vec::new();
    for _ in 0..8 {
        open.push(db.db.begin().await.expect("begin"));
    }
    for txn in &open {
        for (pragma, expected) in [
            ("foreign_keys", "1"),
            ("busy_timeout", "5000"),
            ("journal_mode", "wal"),
            ("synchronous", "2"),
        ] {
            let row = txn
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    format!("PRAGMA {pragma}"),
                ))
                .await
                .expect("pragma")
                .expect("a row");
            let value = row
                .try_get_by_index::<i64>(0)
                .map(|v| v.to_string())
                .or_else(|_| row.try_get_by_index::<String>(0))
                .expect("pragma value");
            assert_eq!(value, expected, "PRAGMA {pragma}");
        }
    }
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish_and_exits_cleanly() {
    let db = TestDb::new().await;
    let key = roster_and_reader(&db.db, &db.path().join("data")).await;
    let mut server = TestServer::start(&db, &[]).await;

    // A gate reader on a slow line: the headers and half the body now, the rest later.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = swipe_body("slow-line-1").to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let head = format!(
        "POST /api/v1/swipes HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.expect("head");
    tcp.write_all(first.as_bytes()).await.expect("first half");
    tokio::time::sleep(Duration::from_millis(500)).await;

    server.terminate();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        server.wait_exit(Duration::ZERO).await.is_none(),
        "the server exited with a request in flight"
    );
    tcp.write_all(rest.as_bytes()).await.expect("second half");
    let mut response = String::new();
    tcp.read_to_string(&mut response)
        .await
        .expect("the response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"recorded\""), "{response}");

    let status = server
        .wait_exit(Duration::from_secs(20))
        .await
        .expect("the server did not exit after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status}; log:\n{}", server.log());
    assert_eq!(db.count("swipes").await, 1);
}

/// A LINE user id: `U` and 32 hex digits.
const LINE_USER: &str = "U4af4980629010000000000000000000";

#[tokio::test]
async fn a_restarted_instance_sends_its_interrupted_claims_at_once_but_leaves_anothers() {
    let line = FakeLine::start().await;
    let db = TestDb::new().await;
    let env = [
        ("PORTAL_LINE_CHANNEL_TOKEN", "line-test-channel-token"),
        ("PORTAL_LINE_API_BASE", line.base.as_str()),
    ];
    // LINE takes the first push and never answers: instance A hangs in the send.
    line.stall_on_push(Some(1));
    let mut a = TestServer::start(&db, &env).await;
    let id = outbox::enqueue(
        &db.db,
        &cipher(),
        NewMessage {
            channel: Channel::Line,
            recipient: LINE_USER,
            template: "stop_code",
            payload: json!({ "masked_name": "王○明", "outer_no_masked": "051234****", "code": "246810", "minutes": 10 }),
            lang: app::server::outbox::Lang::ZhTw,
        },
    )
    .await
    .expect("enqueue");
    assert_eq!(line.wait_for(1, Duration::from_secs(20)).await.len(), 1);
    let status = async || {
        outbox_rows::Entity::find_by_id(id.clone())
            .one(&db.db)
            .await
            .unwrap()
            .unwrap()
            .status
    };
    assert_eq!(status().await, "in_flight");

    // Instance B starts, is killed and starts again: A's claim is A's, and A lives.
    let mut b = TestServer::start(&db, &env).await;
    b.restart().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(status().await, "in_flight", "B took over a live claim");
    assert_eq!(line.requests().len(), 1);

    // A is killed mid-send and started again: it sends its message at once, with the
    // same retry key (LINE answers 409: already delivered), rather than in 5 minutes.
    a.kill();
    line.stall_on_push(None);
    a.restart().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while status().await != "sent" {
        assert!(
            Instant::now() < deadline,
            "the interrupted message was not sent again; A's log:\n{}",
            a.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = line_retry_key(&id);
    let requests = line.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(requests.iter().all(|k| k.as_deref() == Some(key.as_str())));
    assert_eq!(line.accepted().len(), 1);
    drop(b);
}

#[tokio::test]
async fn every_api_v1_error_is_json_with_a_code_and_a_message() {
    let db = TestDb::new().await;
    let key = roster_and_reader(&db.db, &db.path().join("data")).await;
    let issuer_key = "issuer-test-key-0123456789abcdef";
    let server = TestServer::start(&db, &[("PORTAL_ISSUER_API_KEY", issuer_key)]).await;
    let http = reqwest::Client::new();

    // Bodies over the limit, announced by Content-Length or not: the client hears the
    // 413 even while it is still sending (the server reads on a bounded amount).
    for (path, bearer, size) in [
        ("/api/v1/swipes", key.as_str(), 64 * 1024 + 1),
        ("/api/v1/payments", issuer_key, 1024 * 1024 + 1),
        ("/api/v1/payments", issuer_key, 4 * 1024 * 1024),
        ("/api/v1/line/webhook", "", 64 * 1024 + 1),
    ] {
        let reply = Reply::read(
            http.post(server.url(path))
                .bearer_auth(bearer)
                .header("content-type", "application/json")
                .body(vec![b' '; size])
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_api_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
        // The same without Content-Length (chunked).
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..size)
            .step_by(4096)
            .map(|at| Ok(vec![b' '; 4096.min(size - at)]))
            .collect();
        let reply = Reply::read(
            http.post(server.url(path))
                .bearer_auth(bearer)
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                )))
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert_api_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    }

    // A wrong method and an unknown endpoint.
    let reply = Reply::read(http.get(server.url("/api/v1/swipes")).send().await.unwrap()).await;
    assert_api_error(&reply, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let reply = Reply::read(
        http.get(server.url("/api/v1/nothing"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_api_error(&reply, StatusCode::NOT_FOUND, "not_found");

    // An internal error (the readers' table is gone) has a message too, and no cause.
    db.db
        .execute_unprepared("ALTER TABLE gate_readers RENAME TO gate_readers_gone")
        .await
        .expect("renaming the table");
    let reply = swipe(&server, &key, "internal-1").await;
    assert_api_error(&reply, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(
        !reply.body.to_string().contains("gate_readers"),
        "{reply:?}"
    );
}
