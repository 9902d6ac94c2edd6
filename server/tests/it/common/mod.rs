//! Shared by the integration tests: a freshly migrated database per test (SQLite in a
//! temporary folder, or a new database on the PostgreSQL server named by
//! `TEST_POSTGRES_ADMIN_URL`), the real `server` binary on a free port, and an HTTP
//! client that keeps cookies.
//!
//! Each test file uses only part of this module.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod line_pay;
pub mod providers;
pub mod sms_gateway;
pub mod staff;
pub mod wizards;

use app::server::crypto::PiiCipher;
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// `PORTAL_SECRET_KEY` of every test server and CLI run (40 characters).
pub const SECRET: &str = "integration-tests-secret-key-0123456789ab";
/// `PORTAL_TEST_CAPTCHA`.
pub const CAPTCHA: &str = "TESTCAPTCHA";
/// The demo holder with an active card (SPEC §9 demo data).
pub const DEMO_ID: &str = "C220483313";
pub const DEMO_BIRTH: &str = "2015-03-14";

/// The cipher the server uses with [`SECRET`].
pub fn cipher() -> PiiCipher {
    PiiCipher::from_secret(SECRET.as_bytes())
}

/// The keyed hash under which verification attempts and locks of an ID are stored.
pub fn id_hash(id_no: &str) -> String {
    cipher().keyed_hash("holder.id_no", id_no)
}

/// Which database the tests run against.
pub fn backend_name() -> &'static str {
    if postgres_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_ADMIN_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// A freshly migrated database and a temporary folder (data and site folders of the
/// server, CSV files), both removed when the test ends.
pub struct TestDb {
    pub url: String,
    pub db: DatabaseConnection,
    pub dir: TempDir,
    /// (admin URL, database name) of a PostgreSQL test database, dropped at the end.
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "portal_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `postgres://user@host:port/admin_db?x` → the same URL naming `database`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{database}?{q}"),
        None => format!("{host_part}/{database}"),
    }
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("portal-test-")
            .tempdir()
            .expect("temporary folder");
        let (url, postgres) = match postgres_admin_url() {
            Some(admin) => {
                let name = unique_name();
                let admin_db = Database::connect(admin.as_str())
                    .await
                    .expect("connecting to TEST_POSTGRES_ADMIN_URL");
                admin_db
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("CREATE DATABASE");
                let _ = admin_db.close().await;
                (with_database(&admin, &name), Some((admin, name)))
            }
            None => (format!("sqlite://{}/portal.db", dir.path().display()), None),
        };
        let db = app::server::db::connect_and_migrate(&url)
            .await
            .expect("connect and migrate");
        Self {
            url,
            db,
            dir,
            postgres,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to a file in the test folder and returns its path.
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("writing a test file");
        path
    }

    /// Rows in `table`, counted with plain SQL.
    pub async fn count(&self, table: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count query")
            .expect("a count row");
        row.try_get::<i64>("", "n").expect("count value")
    }

    /// Row counts of the roster tables and the audit log, for before/after checks.
    pub async fn roster_counts(&self) -> Vec<(&'static str, i64)> {
        let mut out = Vec::new();
        for table in ["schools", "classes", "holders", "cards", "audit_log"] {
            out.push((table, self.count(table).await));
        }
        out
    }

    /// Runs `server ARGS…` against this database, with `stdin` as standard input.
    pub fn cli(&self, args: &[&str], stdin: Option<&str>) -> Output {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.args(args)
            .envs(base_env(self))
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawning the server binary");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(input.as_bytes()).expect("writing stdin");
        }
        child
            .wait_with_output()
            .expect("waiting for the server binary")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Dropping needs async work; do it on a runtime of its own (we may be inside
        // the test's runtime).
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin_db) = Database::connect(admin.as_str()).await {
                    let _ = admin_db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    let _ = admin_db.close().await;
                }
            });
        })
        .join();
    }
}

/// The environment every server process of a test gets.
fn base_env(db: &TestDb) -> Vec<(String, String)> {
    let data = db.path().join("data");
    let site = db.path().join("site");
    std::fs::create_dir_all(&site).expect("site folder");
    let index = site.join("index.html");
    if !index.exists() {
        std::fs::write(
            &index,
            "<!doctype html><html lang=\"zh-TW\"><meta charset=\"utf-8\"><title>test</title></html>",
        )
        .expect("index.html");
    }
    vec![
        ("DATABASE_URL".into(), db.url.clone()),
        ("PORTAL_DATA_DIR".into(), data.display().to_string()),
        ("PORTAL_SITE_DIR".into(), site.display().to_string()),
        ("PORTAL_DEMO".into(), "0".into()),
        ("PORTAL_TEST_CAPTCHA".into(), CAPTCHA.into()),
        ("PORTAL_SECRET_KEY".into(), SECRET.into()),
        ("PORTAL_VERIFY_PER_IP_PER_MIN".into(), "100".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The real server binary, killed when dropped.
pub struct TestServer {
    child: Option<Child>,
    pub base: String,
    env: Vec<(String, String)>,
    log: PathBuf,
}

impl TestServer {
    /// Starts `server serve` on `db` with `env` added to (or replacing) the defaults
    /// (`PORTAL_DEMO=0`, a per-IP limit of 100, the test captcha and key).
    pub async fn start(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut all = base_env(db);
        for (k, v) in env {
            all.retain(|(name, _)| name != k);
            all.push(((*k).into(), (*v).into()));
        }
        let mut server = Self {
            child: None,
            base: String::new(),
            env: all,
            log: db.path().join("server.log"),
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        // A port can be taken between probing and binding; try a few.
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .expect("server log");
            let child = Command::new(env!("CARGO_BIN_EXE_server"))
                .arg("serve")
                .envs(self.env.iter().cloned())
                .env("PORTAL_ADDR", format!("127.0.0.1:{port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .expect("spawning the server binary");
            self.child = Some(child);
            self.base = format!("http://127.0.0.1:{port}");
            if self.wait_healthy().await {
                return;
            }
            self.kill();
            last_log = std::fs::read_to_string(&self.log).unwrap_or_default();
        }
        panic!("the server did not become healthy; its log:\n{last_log}");
    }

    async fn wait_healthy(&mut self) -> bool {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(_)) = child.try_wait()
            {
                return false;
            }
            if let Ok(res) = client.get(self.url("/api/v1/health")).send().await
                && res.status() == StatusCode::OK
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Kills the process (SIGKILL: no graceful shutdown).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server (if it still runs) and starts it again on the same database
    /// (on a new port).
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    /// The server's process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends SIGTERM (what `systemctl stop`, `docker stop` and Kubernetes send), with
    /// `kill -TERM`, and returns at once.
    pub fn terminate(&self) {
        let pid = self.pid().expect("a running server");
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -TERM {pid}: {status}");
    }

    /// Waits up to `within` for the process to exit; its exit status, or `None` if it
    /// still runs.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What the server wrote so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A browser-like client of this server with its own cookie jar.
    pub fn client(&self) -> Browser {
        Browser::new(&self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One visitor: an HTTP client with a cookie jar, pointed at a server.
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
}

/// A response read to the end: status, headers and JSON body (`Null` if not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Browser {
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        // As a browser does on every POST from our pages: the same-origin guard
        // refuses state-changing calls without `Origin` or `Sec-Fetch-Site`.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ORIGIN,
            reqwest::header::HeaderValue::from_str(base).expect("origin header"),
        );
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Self {
            http,
            jar,
            base: base.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The same browser (its cookies) pointed at `base`, e.g. a restarted server on a
    /// new port: cookies go by host, not port, as in a real browser.
    pub fn moved_to(&self, base: &str) -> Browser {
        let mut moved = Browser::new(base);
        moved.http = reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .default_headers({
                let mut h = reqwest::header::HeaderMap::new();
                h.insert(
                    reqwest::header::ORIGIN,
                    reqwest::header::HeaderValue::from_str(base).expect("origin header"),
                );
                h
            })
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        moved.jar = self.jar.clone();
        moved
    }

    /// The value of the `portal_session` cookie, if the server set one.
    pub fn session_cookie(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).expect("base URL");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .find_map(|c| c.trim().strip_prefix("portal_session=").map(str::to_owned))
    }

    pub async fn get(&self, path: &str) -> Reply {
        Reply::read(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// A form POST as a server function call from the page would send it.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        Reply::read(
            self.http
                .post(self.url(path))
                .form(form)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        Reply::read(
            self.http
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// The consent notice version in force.
    pub async fn notice_version(&self) -> String {
        let reply = self.get("/api/consent/notice").await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        reply.body["version"]
            .as_str()
            .expect("notice version")
            .to_owned()
    }

    /// Step 1 of the query wizard.
    pub async fn consent(&self, wizard: &str) -> Reply {
        let version = self.notice_version().await;
        self.post_form(
            "/api/consent/accept",
            &[("wizard", wizard), ("version", &version)],
        )
        .await
    }

    /// A new captcha for this session.
    pub async fn captcha(&self) -> Reply {
        self.post_form("/api/identity/captcha", &[]).await
    }

    /// A verification attempt in the query wizard with the test captcha.
    pub async fn verify(&self, id_no: &str, birth_date: &str) -> Reply {
        self.post_json(
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": "query",
                "method": "national",
                "id_no": id_no,
                "birth_date": birth_date,
                "captcha": CAPTCHA,
            }}),
        )
        .await
    }

    /// A new captcha, then a verification attempt.
    pub async fn attempt(&self, id_no: &str, birth_date: &str) -> Reply {
        let captcha = self.captcha().await;
        assert_eq!(captcha.status, StatusCode::OK, "{captcha:?}");
        self.verify(id_no, birth_date).await
    }
}

/// Reads the `Retry-After` header as seconds.
pub fn retry_after(reply: &Reply) -> u64 {
    reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric Retry-After in {reply:?}"))
}

impl Browser {
    /// A verification attempt in `wizard` (`query`, `stop`, `apply`) with the test
    /// captcha, after a new captcha.
    pub async fn attempt_in(&self, wizard: &str, id_no: &str, birth_date: &str) -> Reply {
        let captcha = self.captcha().await;
        assert_eq!(captcha.status, StatusCode::OK, "{captcha:?}");
        self.post_json(
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": wizard,
                "method": "national",
                "id_no": id_no,
                "birth_date": birth_date,
                "captcha": CAPTCHA,
            }}),
        )
        .await
    }

    /// Consent and a successful verification in `wizard`.
    pub async fn verified_in(&self, wizard: &str, id_no: &str, birth_date: &str) {
        let consent = self.consent(wizard).await;
        assert_eq!(consent.status, StatusCode::OK, "{consent:?}");
        let reply = self.attempt_in(wizard, id_no, birth_date).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
}

/// A message the development outbox wrote (`{PORTAL_DATA_DIR}/outbox/*.eml`).
#[derive(Clone, Debug)]
pub struct OutboxMail {
    pub path: PathBuf,
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl OutboxMail {
    /// The 6-digit code on the `驗證碼：` line.
    pub fn code(&self) -> Option<String> {
        self.text.lines().find_map(|l| {
            let code = l.trim().strip_prefix("驗證碼：")?.trim();
            (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_owned())
        })
    }
}

impl TestDb {
    /// The messages of the development outbox, oldest first.
    pub fn outbox_mails(&self) -> Vec<OutboxMail> {
        let dir = self.path().join("data").join("outbox");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("reading an .eml file");
                let header = |name: &str| {
                    text.lines()
                        .take_while(|l| !l.is_empty())
                        .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
                        .unwrap_or_default()
                };
                OutboxMail {
                    to: header("To:"),
                    subject: header("Subject:"),
                    path: path.clone(),
                    text: text.clone(),
                }
            })
            .collect()
    }
}
