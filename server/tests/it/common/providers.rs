//! Stand-ins for the outbox's providers on 127.0.0.1: an SMTP sink that speaks enough
//! SMTP for `lettre` and keeps every message, and a fake LINE Messaging API that keeps
//! every push, can be "down" (500), refuses user ids starting with `Ubad` (400),
//! honours `X-Line-Retry-Key` (409 for a key it accepted before, as LINE does) and can
//! accept a push and then never answer (a worker killed mid-send).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One message the SMTP sink accepted.
#[derive(Clone, Debug)]
pub struct SunkMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl SunkMail {
    /// A header's value, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let prefix = format!("{}:", name.to_ascii_lowercase());
        unfolded.split("\r\n").find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with(&prefix)
                .then(|| l[prefix.len()..].trim().to_owned())
        })
    }

    /// The subject with its RFC 2047 encoded words decoded.
    pub fn subject(&self) -> String {
        decode_words(&self.header("Subject").unwrap_or_default())
    }

    /// The body, decoded from its transfer encoding (base64 or none).
    pub fn body(&self) -> String {
        use base64::Engine;
        let raw = self.data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        match self.header("Content-Transfer-Encoding").as_deref() {
            Some(e) if e.eq_ignore_ascii_case("base64") => {
                let compact: String = raw.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("a base64 body");
                String::from_utf8(bytes).expect("a UTF-8 body")
            }
            _ => raw.to_owned(),
        }
    }
}

/// Decodes `=?utf-8?b?…?=` words (and leaves other text as it is).
fn decode_words(value: &str) -> String {
    use base64::Engine;
    let mut bytes = Vec::new();
    let mut plain = String::new();
    for token in value.split_whitespace() {
        let lower = token.to_ascii_lowercase();
        if let Some(inner) = lower
            .strip_prefix("=?utf-8?b?")
            .and_then(|t| t.strip_suffix("?="))
        {
            // Base64 is case-sensitive: take the original characters.
            let start = token.len() - inner.len() - 2;
            let encoded = &token[start..token.len() - 2];
            bytes.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .expect("an encoded word"),
            );
        } else {
            if !bytes.is_empty() {
                plain.push_str(&String::from_utf8(std::mem::take(&mut bytes)).expect("UTF-8"));
            }
            if !plain.is_empty() {
                plain.push(' ');
            }
            plain.push_str(token);
        }
    }
    plain.push_str(&String::from_utf8(bytes).expect("UTF-8"));
    plain
}

/// An SMTP server on 127.0.0.1 that accepts every message (or, while down, answers
/// `451` to `MAIL FROM`).
pub struct SmtpSink {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<SunkMail>>>,
    down: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("sink port");
        let addr = listener.local_addr().expect("sink address");
        let mails = Arc::new(Mutex::new(Vec::new()));
        let down = Arc::new(AtomicBool::new(false));
        let (m, d) = (mails.clone(), down.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(smtp_session(socket, m.clone(), d.clone()));
            }
        });
        Self {
            addr,
            mails,
            down,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub fn mails(&self) -> Vec<SunkMail> {
        self.mails.lock().expect("sink lock").clone()
    }

    /// Waits up to `within` for `n` messages.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<SunkMail> {
        let deadline = Instant::now() + within;
        loop {
            let mails = self.mails();
            if mails.len() >= n || Instant::now() > deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn smtp_session(
    socket: tokio::net::TcpStream,
    mails: Arc<Mutex<Vec<SunkMail>>>,
    down: Arc<AtomicBool>,
) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 sink.test ESMTP ready").await {
        return;
    }
    let mut from = String::new();
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250 sink.test".to_owned(),
            "MAIL" if down.load(Ordering::SeqCst) => {
                "451 4.3.0 <someone@example.com> try again later".to_owned()
            }
            "MAIL" => {
                from = address_of(&command);
                rcpt.clear();
                "250 2.1.0 OK".to_owned()
            }
            "RCPT" => {
                rcpt.push(address_of(&command));
                "250 2.1.5 OK".to_owned()
            }
            "DATA" => {
                if !reply(&mut write, "354 end with <CRLF>.<CRLF>").await {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                mails.lock().expect("sink lock").push(SunkMail {
                    mail_from: from.clone(),
                    rcpt_to: std::mem::take(&mut rcpt),
                    data,
                });
                "250 2.0.0 queued".to_owned()
            }
            "RSET" => {
                rcpt.clear();
                "250 OK".to_owned()
            }
            "NOOP" => "250 OK".to_owned(),
            "QUIT" => {
                let _ = reply(&mut write, "221 bye").await;
                return;
            }
            _ => "502 5.5.2 not implemented".to_owned(),
        };
        if !reply(&mut write, &answer).await {
            return;
        }
    }
}

async fn reply(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    w.write_all(format!("{text}\r\n").as_bytes()).await.is_ok()
}

/// `MAIL FROM:<a@b> BODY=8BITMIME` → `a@b`.
fn address_of(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_owned())
        .unwrap_or_default()
}

/// One push the fake LINE API accepted.
#[derive(Clone, Debug)]
pub struct LinePush {
    pub retry_key: Option<String>,
    pub authorization: Option<String>,
    pub to: String,
    pub text: String,
}

#[derive(Default)]
struct LineState {
    down: AtomicBool,
    /// Accept the push with this (1-based) number, then never answer.
    stall_on_push: Mutex<Option<usize>>,
    accepted: Mutex<Vec<LinePush>>,
    keys: Mutex<HashSet<String>>,
    /// Every request's retry key, answered or not.
    requests: Mutex<Vec<Option<String>>>,
}

/// The LINE Messaging API push endpoint on 127.0.0.1.
pub struct FakeLine {
    /// For `PORTAL_LINE_API_BASE`.
    pub base: String,
    state: Arc<LineState>,
    task: JoinHandle<()>,
}

impl FakeLine {
    pub async fn start() -> Self {
        let state = Arc::new(LineState::default());
        let app = axum::Router::new()
            .route("/v2/bot/message/push", post(push))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("LINE port");
        let base = format!("http://{}", listener.local_addr().expect("LINE address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, state, task }
    }

    /// While down, every push is answered with 500 and nothing is accepted.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// Accept the `n`-th push (counting all accepted so far, from 1), then hang.
    pub fn stall_on_push(&self, n: Option<usize>) {
        *self.state.stall_on_push.lock().expect("lock") = n;
    }

    pub fn accepted(&self) -> Vec<LinePush> {
        self.state.accepted.lock().expect("lock").clone()
    }

    /// The retry keys of every request received (accepted, refused or duplicate).
    pub fn requests(&self) -> Vec<Option<String>> {
        self.state.requests.lock().expect("lock").clone()
    }

    /// Waits up to `within` for `n` accepted pushes.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<LinePush> {
        let deadline = Instant::now() + within;
        loop {
            let pushes = self.accepted();
            if pushes.len() >= n || Instant::now() > deadline {
                return pushes;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for FakeLine {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn push(
    State(state): State<Arc<LineState>>,
    headers: HeaderMap,
    body: axum::Json<serde_json::Value>,
) -> axum::response::Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let retry_key = header("x-line-retry-key");
    state.requests.lock().expect("lock").push(retry_key.clone());
    if state.down.load(Ordering::SeqCst) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "{\"message\":\"down\"}").into_response();
    }
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    if to.starts_with("Ubad") {
        return (
            StatusCode::BAD_REQUEST,
            format!("{{\"message\":\"Failed to send messages to {to}\"}}"),
        )
            .into_response();
    }
    if let Some(key) = &retry_key
        && !state.keys.lock().expect("lock").insert(key.clone())
    {
        return (
            StatusCode::CONFLICT,
            "{\"message\":\"The retry key is already accepted\"}",
        )
            .into_response();
    }
    let accepted = {
        let mut accepted = state.accepted.lock().expect("lock");
        accepted.push(LinePush {
            retry_key,
            authorization: header("authorization"),
            to,
            text: body["messages"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
        accepted.len()
    };
    if *state.stall_on_push.lock().expect("lock") == Some(accepted) {
        std::future::pending::<()>().await;
    }
    (StatusCode::OK, "{\"sentMessages\":[{\"id\":\"1\"}]}").into_response()
}
