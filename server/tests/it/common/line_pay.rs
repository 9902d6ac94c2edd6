//! A fake LINE Pay online API v3 on 127.0.0.1: `POST /v3/payments/request` and `POST
//! /v3/payments/{transactionId}/confirm`, each refused with `1106` unless the channel
//! id and the HMAC signature headers are right. A request gets a 19-digit transaction
//! id and a payment page (`/pay/{transactionId}`); the test stands in for the parent
//! with [`FakeLinePay::approve`] (the confirm URL LINE would send the browser to) or
//! [`FakeLinePay::cancel_url`]. A confirm takes the money once: an unapproved
//! transaction is `1150`, a wrong amount `1124`, a second confirm `1172`; it can be
//! told to refuse (`1141`, the parent's account) or to answer slowly.

use app::server::line_pay::signature;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const CHANNEL_ID: &str = "1656000000";
pub const CHANNEL_SECRET: &str = "line-pay-secret-never-logged";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxState {
    Requested,
    Approved,
    Confirmed,
}

#[derive(Clone, Debug)]
pub struct Transaction {
    pub order_id: String,
    pub amount: i64,
    pub confirm_url: String,
    pub cancel_url: String,
    pub state: TxState,
}

#[derive(Default)]
struct PayState {
    next: Mutex<u64>,
    transactions: Mutex<HashMap<String, Transaction>>,
    /// Confirms that took money.
    confirmed: Mutex<Vec<String>>,
    /// Requests refused for their headers.
    bad_signatures: Mutex<usize>,
    /// `Some(code)`: every confirm answers this code.
    refuse_confirm: Mutex<Option<String>>,
    confirm_delay: Mutex<Duration>,
}

pub struct FakeLinePay {
    /// For `PORTAL_LINE_PAY_API_BASE`.
    pub base: String,
    state: Arc<PayState>,
    task: JoinHandle<()>,
}

impl FakeLinePay {
    pub async fn start() -> Self {
        let state = Arc::new(PayState::default());
        *state.next.lock().expect("lock") = 2_026_120_100_000_000_001;
        let app = axum::Router::new()
            .route("/v3/payments/request", post(request))
            .route("/v3/payments/{tx}/confirm", post(confirm))
            .with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("LINE Pay port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, state, task }
    }

    /// What `server serve` needs to use this LINE Pay.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTAL_LINE_PAY_API_BASE", self.base.clone()),
            ("PORTAL_LINE_PAY_CHANNEL_ID", CHANNEL_ID.into()),
            ("PORTAL_LINE_PAY_CHANNEL_SECRET", CHANNEL_SECRET.into()),
        ]
    }

    pub fn transactions(&self) -> HashMap<String, Transaction> {
        self.state.transactions.lock().expect("lock").clone()
    }

    /// The transaction id of a payment page URL.
    pub fn transaction_of(&self, payment_url: &str) -> String {
        payment_url
            .rsplit('/')
            .next()
            .expect("transaction id")
            .to_owned()
    }

    /// The parent approves: the URL LINE sends the browser to.
    pub fn approve(&self, tx: &str) -> String {
        let mut all = self.state.transactions.lock().expect("lock");
        let t = all.get_mut(tx).expect("a requested transaction");
        if t.state == TxState::Requested {
            t.state = TxState::Approved;
        }
        format!(
            "{}?transactionId={tx}&orderId={}",
            t.confirm_url, t.order_id
        )
    }

    /// The parent cancels: the URL LINE sends the browser to.
    pub fn cancel_url(&self, tx: &str) -> String {
        self.state.transactions.lock().expect("lock")[tx]
            .cancel_url
            .clone()
    }

    /// Transaction ids whose money was taken.
    pub fn confirmed(&self) -> Vec<String> {
        self.state.confirmed.lock().expect("lock").clone()
    }

    pub fn bad_signatures(&self) -> usize {
        *self.state.bad_signatures.lock().expect("lock")
    }

    pub fn refuse_confirms(&self, code: Option<&str>) {
        *self.state.refuse_confirm.lock().expect("lock") = code.map(str::to_owned);
    }

    pub fn slow_confirms(&self, delay: Duration) {
        *self.state.confirm_delay.lock().expect("lock") = delay;
    }
}

impl Drop for FakeLinePay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn answer(code: &str, info: Value) -> Json<Value> {
    Json(
        json!({ "returnCode": code, "returnMessage": if code == "0000" { "Success." } else { "Refused." }, "info": info }),
    )
}

/// Whether the headers carry our channel id and a signature of this call.
fn signed(state: &PayState, headers: &HeaderMap, path: &str, body: &str) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let nonce = h("X-LINE-Authorization-Nonce");
    let ok = h("X-LINE-ChannelId") == CHANNEL_ID
        && !nonce.is_empty()
        && h("X-LINE-Authorization") == signature(CHANNEL_SECRET, path, body, nonce);
    if !ok {
        *state.bad_signatures.lock().expect("lock") += 1;
    }
    ok
}

async fn request(
    State(state): State<Arc<PayState>>,
    headers: HeaderMap,
    body: String,
) -> Json<Value> {
    if !signed(&state, &headers, "/v3/payments/request", &body) {
        return answer("1106", Value::Null);
    }
    let Ok(b) = serde_json::from_str::<Value>(&body) else {
        return answer("2101", Value::Null);
    };
    let amount = b["amount"].as_i64().unwrap_or(-1);
    let packages: i64 = b["packages"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["amount"].as_i64()).sum())
        .unwrap_or(-2);
    let order_id = b["orderId"].as_str().unwrap_or("").to_owned();
    if b["currency"] != "TWD" || amount <= 0 || amount != packages || order_id.is_empty() {
        return answer("2101", Value::Null);
    }
    let mut all = state.transactions.lock().expect("lock");
    if all.values().any(|t| t.order_id == order_id) {
        return answer("1172", Value::Null);
    }
    let tx = {
        let mut next = state.next.lock().expect("lock");
        *next += 1;
        *next
    };
    all.insert(
        tx.to_string(),
        Transaction {
            order_id,
            amount,
            confirm_url: b["redirectUrls"]["confirmUrl"]
                .as_str()
                .unwrap_or("")
                .into(),
            cancel_url: b["redirectUrls"]["cancelUrl"].as_str().unwrap_or("").into(),
            state: TxState::Requested,
        },
    );
    answer(
        "0000",
        json!({
            "transactionId": tx,
            "paymentAccessToken": "187568751124",
            "paymentUrl": {
                "web": format!("https://sandbox-web-pay.line.me/pay/{tx}"),
                "app": format!("line://pay/payment/{tx}"),
            },
        }),
    )
}

async fn confirm(
    State(state): State<Arc<PayState>>,
    Path(tx): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Json<Value> {
    if !signed(
        &state,
        &headers,
        &format!("/v3/payments/{tx}/confirm"),
        &body,
    ) {
        return answer("1106", Value::Null);
    }
    let delay = *state.confirm_delay.lock().expect("lock");
    tokio::time::sleep(delay).await;
    if let Some(code) = state.refuse_confirm.lock().expect("lock").clone() {
        return answer(&code, Value::Null);
    }
    let b: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut all = state.transactions.lock().expect("lock");
    let Some(t) = all.get_mut(&tx) else {
        return answer("1150", Value::Null);
    };
    match t.state {
        TxState::Requested => return answer("1150", Value::Null),
        TxState::Confirmed => return answer("1172", Value::Null),
        TxState::Approved => {}
    }
    if b["amount"].as_i64() != Some(t.amount) || b["currency"] != "TWD" {
        return answer("1124", Value::Null);
    }
    t.state = TxState::Confirmed;
    state.confirmed.lock().expect("lock").push(tx.clone());
    answer(
        "0000",
        json!({
            "orderId": t.order_id,
            "transactionId": tx.parse::<u64>().unwrap_or(0),
            "payInfo": [{ "method": "BALANCE", "amount": t.amount }],
        }),
    )
}
