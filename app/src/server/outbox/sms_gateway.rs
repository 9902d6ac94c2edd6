//! SMS through an HTTP SMS gateway of the kind Taiwanese schools contract (Mitake's
//! `SmSend` API and its look-alikes): one `POST` of a form to the configured URL with
//! `username`, `password`, `dstaddr` (the mobile number), `smbody` (UTF-8 text, with
//! `CharsetURL=UTF-8` in the query) and `clientid` (the outbox id: the gateway drops a
//! second message with a client id it has already taken, so a retry after an
//! interrupted send is not delivered twice). The reply is text lines such as
//!
//! ```text
//! [1]
//! msgid=1234567890
//! statuscode=1
//! AccountPoint=98
//! ```
//!
//! `statuscode` 0, 1, 2 and 4 mean the gateway took the message; a busy or suspended
//! gateway, a network error or an HTTP 5xx is worth another attempt; a bad number, an
//! empty or bad body and any account error (wrong password, expired, disabled) are
//! refused for good. The credentials go in the form body, never in the URL, and an
//! error names the status code only (the reply may quote the number or the account).

use async_trait::async_trait;
use std::time::Duration;

use super::transport::{Outgoing, SendError, Transport};

/// `PORTAL_SMS_GATEWAY_URL`, `PORTAL_SMS_USER`, `PORTAL_SMS_PASSWORD`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsGatewaySettings {
    /// e.g. `https://smsapi.mitake.com.tw/api/mtk/SmSend`.
    pub url: String,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for SmsGatewaySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGatewaySettings")
            .field("url", &self.url)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What a gateway's `statuscode` means for the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayVerdict {
    Sent,
    /// Worth another attempt later.
    Retry,
    /// Another attempt cannot succeed.
    Refused,
}

/// Mitake's status codes (`SmSend` reply) mapped to the outbox's outcomes. Unknown
/// codes are retried: a new code is more likely a new kind of outage than a verdict on
/// the message.
pub fn verdict(statuscode: &str) -> GatewayVerdict {
    match statuscode {
        // Scheduled, taken by the gateway, passed on to the carrier, delivered.
        "0" | "1" | "2" | "4" => GatewayVerdict::Sent,
        // System error, SMS sending temporarily stopped, too many connections, the
        // system paused, the account's billing failed (points running out).
        "*" | "a" | "b" | "l" | "r" | "s" => GatewayVerdict::Retry,
        // Bad content, bad number, SMS disabled for the number, empty body, invalid
        // number, bad parameters, expired message, file too large.
        "5" | "6" | "7" | "t" | "u" | "v" | "x" | "y" => GatewayVerdict::Refused,
        // No account, no password, wrong account or password, account expired or
        // disabled, connection address not allowed, password must be changed or has
        // expired, no right to use the HTTP API.
        "c" | "d" | "e" | "f" | "h" | "k" | "m" | "n" | "p" => GatewayVerdict::Refused,
        _ => GatewayVerdict::Retry,
    }
}

/// The first `statuscode=` value of a reply.
pub fn statuscode(reply: &str) -> Option<&str> {
    reply.lines().find_map(|line| {
        let (key, value) = line.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("statuscode")
            .then(|| value.trim())
    })
}

/// Mitake's `SmSend` and compatible gateways.
pub struct SmsGatewayTransport {
    client: reqwest::Client,
    settings: SmsGatewaySettings,
}

impl SmsGatewayTransport {
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(settings: &SmsGatewaySettings, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("SMS gateway HTTP client: {e}"))?;
        Ok(Self {
            client,
            settings: settings.clone(),
        })
    }
}

/// Mitake counts a long message in 70-character parts; the portal's SMS texts are
/// short, but a body is never cut in the middle of a character.
const SMS_MAX_CHARS: usize = 335;

/// The text of an SMS: the subject's first part (the Chinese one) and the body.
fn sms_text(m: &Outgoing<'_>) -> String {
    let subject = m.subject.split(" / ").next().unwrap_or(m.subject).trim();
    format!("{subject}\n{}", m.body.trim())
        .chars()
        .take(SMS_MAX_CHARS)
        .collect()
}

#[async_trait]
impl Transport for SmsGatewayTransport {
    fn name(&self) -> &'static str {
        "sms-gateway"
    }

    async fn send(&self, m: &Outgoing<'_>) -> Result<(), SendError> {
        let text = sms_text(m);
        let form = [
            ("username", self.settings.user.as_str()),
            ("password", self.settings.password.as_str()),
            ("dstaddr", m.to),
            ("smbody", text.as_str()),
            ("clientid", m.id),
        ];
        let response = self
            .client
            .post(&self.settings.url)
            .query(&[("CharsetURL", "UTF-8")])
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                SendError::transient(if e.is_timeout() {
                    "sms: timed out"
                } else {
                    "sms: connection failed"
                })
            })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => {}
            408 | 429 | 500..=599 => {
                return Err(SendError::transient(format!("sms: HTTP {status}")));
            }
            // A wrong URL or a refused login: no later attempt fares better.
            _ => return Err(SendError::permanent(format!("sms: HTTP {status}"))),
        }
        let reply = response
            .text()
            .await
            .map_err(|_| SendError::transient("sms: the reply was cut off"))?;
        let Some(code) = statuscode(&reply) else {
            return Err(SendError::transient("sms: a reply without statuscode"));
        };
        // The code is a short token of the gateway's own alphabet; anything else is
        // not repeated (it could be text quoting the message).
        let shown =
            if code.len() <= 2 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '*') {
                code
            } else {
                "?"
            };
        match verdict(code) {
            GatewayVerdict::Sent => Ok(()),
            GatewayVerdict::Retry => Err(SendError::transient(format!("sms: statuscode {shown}"))),
            GatewayVerdict::Refused => {
                Err(SendError::permanent(format!("sms: statuscode {shown}")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_map_to_sent_retry_and_refused() {
        for code in ["0", "1", "2", "4"] {
            assert_eq!(verdict(code), GatewayVerdict::Sent, "{code}");
        }
        for code in ["*", "a", "b", "l", "r", "s", "Q"] {
            assert_eq!(verdict(code), GatewayVerdict::Retry, "{code}");
        }
        for code in ["5", "6", "7", "e", "f", "h", "v", "u", "y"] {
            assert_eq!(verdict(code), GatewayVerdict::Refused, "{code}");
        }
    }

    #[test]
    fn the_status_code_is_read_from_the_reply_lines() {
        let reply = "[1]\r\nmsgid=1234567890\r\nstatuscode=1\r\nAccountPoint=98\r\n";
        assert_eq!(statuscode(reply), Some("1"));
        assert_eq!(
            statuscode("[1]\nStatusCode=e\nError=帳號、密碼錯誤\n"),
            Some("e")
        );
        assert_eq!(statuscode("<html>oops</html>"), None);
    }

    #[test]
    fn the_settings_never_print_the_password() {
        let s = SmsGatewaySettings {
            url: "https://sms.example/api/mtk/SmSend".into(),
            user: "school".into(),
            password: "hunter2-sms".into(),
        };
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("school"), "{printed}");
    }

    #[test]
    fn an_sms_is_the_chinese_subject_and_the_body() {
        let m = Outgoing {
            id: "abc",
            channel: super::super::Channel::Sms,
            template: "stop_code",
            to: "0912345678",
            subject: "學生證停卡驗證碼 / Student card stop: verification code",
            body: "驗證碼：012345\n",
            created_at: chrono::Utc::now(),
        };
        assert_eq!(sms_text(&m), "學生證停卡驗證碼\n驗證碼：012345");
    }
}
