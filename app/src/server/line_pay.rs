//! The LINE Pay online payment API v3 (issue 17 item 4): `POST
//! {base}/v3/payments/request` starts a payment and gives the page the parent approves
//! on (`info.paymentUrl.web`) and LINE's `transactionId`; after the approval LINE sends
//! the parent back to our confirm URL and `POST {base}/v3/payments/{transactionId}/confirm`
//! takes the money. Every call is signed: `X-LINE-ChannelId`,
//! `X-LINE-Authorization-Nonce` and `X-LINE-Authorization` = Base64(HMAC-SHA256(channel
//! secret, channel secret + path + body + nonce)). `returnCode` `0000` is success;
//! any other code is LINE's refusal (e.g. `1172` an order id already used, `1150` no
//! such transaction, `1180` the approval expired), kept with the attempt.
//!
//! Behind the [`LinePayApi`] trait, so the service never speaks HTTP and a test can
//! put a fake behind the configurable base URL (`PORTAL_LINE_PAY_API_BASE`).

use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

/// `PORTAL_LINE_PAY_API_BASE`, `PORTAL_LINE_PAY_CHANNEL_ID`,
/// `PORTAL_LINE_PAY_CHANNEL_SECRET`: all three or LINE Pay is not offered.
#[derive(Clone, PartialEq, Eq)]
pub struct LinePaySettings {
    /// e.g. `https://api-pay.line.me` (`https://sandbox-api-pay.line.me` to try).
    pub api_base: String,
    pub channel_id: String,
    pub channel_secret: String,
}

impl std::fmt::Debug for LinePaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinePaySettings")
            .field("api_base", &self.api_base)
            .field("channel_id", &self.channel_id)
            .finish_non_exhaustive()
    }
}

/// A payment to request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    pub order_id: String,
    /// NT$, whole dollars.
    pub amount: i64,
    /// What the parent sees at LINE, e.g. `學生證補發製卡費`.
    pub product_name: String,
    pub confirm_url: String,
    pub cancel_url: String,
}

/// LINE's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestedPayment {
    pub transaction_id: String,
    /// Where the parent approves (`info.paymentUrl.web`).
    pub payment_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinePayError {
    /// LINE answered with a `returnCode` other than `0000`.
    #[error("LINE Pay refused: returnCode {code}")]
    Refused { code: String },
    /// No answer, an HTTP error or an unreadable reply: the outcome is unknown.
    #[error("LINE Pay unreachable: {0}")]
    Unreachable(String),
}

#[async_trait]
pub trait LinePayApi: Send + Sync {
    /// `POST /v3/payments/request`.
    async fn request(&self, payment: &PaymentRequest) -> Result<RequestedPayment, LinePayError>;
    /// `POST /v3/payments/{transactionId}/confirm`.
    async fn confirm(&self, transaction_id: &str, amount: i64) -> Result<(), LinePayError>;
}

/// `X-LINE-Authorization`: Base64(HMAC-SHA256(secret, secret + path + body + nonce)).
pub fn signature(channel_secret: &str, path: &str, body: &str, nonce: &str) -> String {
    // An HMAC takes a key of any length; the error arm cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()) else {
        return String::new();
    };
    mac.update(channel_secret.as_bytes());
    mac.update(path.as_bytes());
    mac.update(body.as_bytes());
    mac.update(nonce.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// LINE Pay over HTTP (`reqwest`, as the outbox's transports).
pub struct HttpLinePay {
    client: reqwest::Client,
    settings: LinePaySettings,
}

impl HttpLinePay {
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(settings: &LinePaySettings, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("LINE Pay HTTP client: {e}"))?;
        Ok(Self {
            client,
            settings: settings.clone(),
        })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, LinePayError> {
        let body = body.to_string();
        let nonce = uuid::Uuid::new_v4().to_string();
        let url = format!("{}{path}", self.settings.api_base.trim_end_matches('/'));
        let response = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-LINE-ChannelId", &self.settings.channel_id)
            .header("X-LINE-Authorization-Nonce", &nonce)
            .header(
                "X-LINE-Authorization",
                signature(&self.settings.channel_secret, path, &body, &nonce),
            )
            .body(body)
            .send()
            .await
            .map_err(|e| {
                LinePayError::Unreachable(if e.is_timeout() {
                    "timed out".into()
                } else {
                    "connection failed".into()
                })
            })?;
        let status = response.status().as_u16();
        if !(200..=299).contains(&status) {
            return Err(LinePayError::Unreachable(format!("HTTP {status}")));
        }
        let reply: Reply = response
            .json()
            .await
            .map_err(|_| LinePayError::Unreachable("an unreadable reply".into()))?;
        if reply.return_code == "0000" {
            Ok(reply.info)
        } else {
            // A code is four digits; anything else is not repeated into the log.
            let code = if reply.return_code.len() <= 8
                && reply.return_code.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                reply.return_code
            } else {
                "?".into()
            };
            Err(LinePayError::Refused { code })
        }
    }
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "returnCode")]
    return_code: String,
    #[serde(default)]
    info: Value,
}

/// LINE's transaction ids are 19-digit numbers in JSON (some clients send strings).
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    }
}

#[async_trait]
impl LinePayApi for HttpLinePay {
    async fn request(&self, p: &PaymentRequest) -> Result<RequestedPayment, LinePayError> {
        let body = json!({
            "amount": p.amount,
            "currency": "TWD",
            "orderId": p.order_id,
            "packages": [{
                "id": p.order_id,
                "amount": p.amount,
                "products": [{ "name": p.product_name, "quantity": 1, "price": p.amount }],
            }],
            "redirectUrls": { "confirmUrl": p.confirm_url, "cancelUrl": p.cancel_url },
        });
        let info = self.post("/v3/payments/request", &body).await?;
        let transaction_id = id_text(&info["transactionId"])
            .ok_or_else(|| LinePayError::Unreachable("a reply without transactionId".into()))?;
        let payment_url = info["paymentUrl"]["web"]
            .as_str()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
            .ok_or_else(|| LinePayError::Unreachable("a reply without paymentUrl".into()))?
            .to_owned();
        Ok(RequestedPayment {
            transaction_id,
            payment_url,
        })
    }

    async fn confirm(&self, transaction_id: &str, amount: i64) -> Result<(), LinePayError> {
        if transaction_id.is_empty() || !transaction_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LinePayError::Refused {
                code: "1150".into(),
            });
        }
        let path = format!("/v3/payments/{transaction_id}/confirm");
        self.post(&path, &json!({ "amount": amount, "currency": "TWD" }))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_secret_path_body_and_nonce() {
        // Computed independently: printf 'secret/v3/payments/request{}nonce' |
        // openssl dgst -sha256 -hmac secret -binary | base64
        let s = signature("secret", "/v3/payments/request", "{}", "nonce");
        assert_eq!(s, "8+zdkaUNCVjqDAMfvnKe/IwIJN8ytltnB4qUYLyZa3o=");
        assert_ne!(
            s,
            signature("secret", "/v3/payments/request", "{}", "nonce2")
        );
        assert_ne!(s, signature("other", "/v3/payments/request", "{}", "nonce"));
    }

    #[test]
    fn transaction_ids_are_read_from_numbers_and_digit_strings() {
        assert_eq!(
            id_text(&json!(2_019_060_112_345_678_910_u64)).as_deref(),
            Some("2019060112345678910")
        );
        assert_eq!(id_text(&json!("2019")).as_deref(), Some("2019"));
        assert_eq!(id_text(&json!("20x9")), None);
        assert_eq!(id_text(&Value::Null), None);
    }

    #[test]
    fn the_settings_never_print_the_secret() {
        let s = LinePaySettings {
            api_base: "https://api-pay.line.me".into(),
            channel_id: "1234".into(),
            channel_secret: "hunter2-pay".into(),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
