//! A fake HTTP SMS gateway on 127.0.0.1 in the manner of Mitake's `SmSend`: a form
//! (`username`, `password`, `dstaddr`, `smbody`, `clientid`) to `/api/mtk/SmSend`,
//! answered with text lines (`[1]`, `msgid=…`, `statuscode=…`). It keeps every message
//! it took, drops a repeated `clientid` as Mitake does (`Duplicate=Y`), answers a
//! wrong account with `statuscode=e`, and can be told to fail: an HTTP 500, a busy
//! gateway (`statuscode=b`), a refused number (`statuscode=v`), or no answer at all.

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const SMS_USER: &str = "school-sms";
pub const SMS_PASSWORD: &str = "sms-Pa55-never-logged";

/// One message the gateway took.
#[derive(Clone, Debug)]
pub struct Sms {
    pub dstaddr: String,
    pub smbody: String,
    pub clientid: String,
    /// The query string of the request (`CharsetURL=UTF-8`, and nothing secret).
    pub query: HashMap<String, String>,
}

impl Sms {
    /// The 6-digit code on the `驗證碼：` line.
    pub fn code(&self) -> Option<String> {
        self.smbody.lines().find_map(|l| {
            let code = l.trim().strip_prefix("驗證碼：")?.trim();
            (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_owned())
        })
    }
}

/// How the gateway answers the next requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// HTTP 500.
    Down,
    /// `statuscode=b`: sending temporarily stopped.
    Busy,
    /// `statuscode=v`: an invalid mobile number.
    RefuseNumber,
    /// Takes the request and never answers.
    Hang,
}

struct GatewayState {
    mode: Mutex<Mode>,
    taken: Mutex<Vec<Sms>>,
    /// Every request, answered or not (a form without the password).
    requests: Mutex<usize>,
}

pub struct FakeSmsGateway {
    /// For `PORTAL_SMS_GATEWAY_URL`.
    pub url: String,
    state: Arc<GatewayState>,
    task: JoinHandle<()>,
}

impl FakeSmsGateway {
    pub async fn start() -> Self {
        let state = Arc::new(GatewayState {
            mode: Mutex::new(Mode::Accept),
            taken: Mutex::new(Vec::new()),
            requests: Mutex::new(0),
        });
        let app = axum::Router::new()
            .route("/api/mtk/SmSend", post(sm_send))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("SMS port");
        let url = format!(
            "http://{}/api/mtk/SmSend",
            listener.local_addr().expect("SMS address")
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state, task }
    }

    /// What `server serve` needs to send SMS here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTAL_SMS_GATEWAY_URL", self.url.clone()),
            ("PORTAL_SMS_USER", SMS_USER.into()),
            ("PORTAL_SMS_PASSWORD", SMS_PASSWORD.into()),
        ]
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().expect("lock") = mode;
    }

    pub fn messages(&self) -> Vec<Sms> {
        self.state.taken.lock().expect("lock").clone()
    }

    pub fn requests(&self) -> usize {
        *self.state.requests.lock().expect("lock")
    }

    /// Waits up to `within` for `n` messages.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Sms> {
        let deadline = Instant::now() + within;
        loop {
            let taken = self.messages();
            if taken.len() >= n || Instant::now() > deadline {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits up to `within` for `n` requests.
    pub async fn wait_for_requests(&self, n: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            let seen = self.requests();
            if seen >= n || Instant::now() > deadline {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for FakeSmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn reply(lines: &str) -> axum::response::Response {
    (
        StatusCode::OK,
        [("content-type", "text/plain; charset=utf-8")],
        format!("[1]\r\n{lines}"),
    )
        .into_response()
}

async fn sm_send(
    State(state): State<Arc<GatewayState>>,
    Query(query): Query<HashMap<String, String>>,
    Form(form): Form<HashMap<String, String>>,
) -> axum::response::Response {
    *state.requests.lock().expect("lock") += 1;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mode = *state.mode.lock().expect("lock");
    match mode {
        Mode::Down => return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response(),
        Mode::Hang => {
            std::future::pending::<()>().await;
        }
        _ => {}
    }
    if field("username") != SMS_USER || field("password") != SMS_PASSWORD {
        return reply("statuscode=e\r\nError=帳號、密碼錯誤\r\n");
    }
    if mode == Mode::Busy {
        return reply("statuscode=b\r\nError=簡訊發送功能暫時停止服務\r\n");
    }
    let dstaddr = field("dstaddr");
    if mode == Mode::RefuseNumber || !dstaddr.starts_with("09") || dstaddr.len() != 10 {
        return reply(&format!(
            "statuscode=v\r\nError=無效的手機號碼 {dstaddr}\r\n"
        ));
    }
    let clientid = field("clientid");
    let mut taken = state.taken.lock().expect("lock");
    if !clientid.is_empty() && taken.iter().any(|m| m.clientid == clientid) {
        return reply("msgid=#000000001\r\nstatuscode=1\r\nDuplicate=Y\r\n");
    }
    taken.push(Sms {
        dstaddr,
        smbody: field("smbody"),
        clientid,
        query,
    });
    let msgid = format!("msgid={:010}", taken.len());
    reply(&format!("{msgid}\r\nstatuscode=1\r\nAccountPoint=98\r\n"))
}
