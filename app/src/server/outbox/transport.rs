//! How a rendered message leaves the portal, one [`Transport`] per channel (SPEC §5):
//! development files, SMTP (`lettre`) and the LINE Messaging API push endpoint.
//!
//! A transport's error says what went wrong without the recipient, the provider's
//! reply text or any secret (a reply may quote the address): status codes and kinds
//! only. It also says whether another attempt could help.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::time::Duration;

use super::Channel;

/// One message, rendered and decrypted, ready to go out.
#[derive(Clone, Copy, Debug)]
pub struct Outgoing<'a> {
    /// The outbox id: the e-mail's Message-ID and the LINE retry key come from it, so
    /// a retry of an interrupted send is recognisable as the same message.
    pub id: &'a str,
    pub channel: Channel,
    pub template: &'a str,
    /// E-mail address, mobile number or LINE user id.
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub created_at: DateTime<Utc>,
}

/// Why a send failed, safe to store and show to operators.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    /// Another attempt cannot succeed (a 5xx SMTP reply, a LINE 400, an address that
    /// is no address): the message is dead at once.
    pub permanent: bool,
    /// e.g. `smtp: transient reply 451`, `line: HTTP 500`; no recipient, no secret.
    pub reason: String,
}

impl SendError {
    pub fn transient(reason: impl Into<String>) -> Self {
        Self {
            permanent: false,
            reason: reason.into(),
        }
    }

    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            permanent: true,
            reason: reason.into(),
        }
    }
}

/// A way to deliver messages of one channel.
#[async_trait]
pub trait Transport: Send + Sync {
    /// `files`, `smtp` or `line`, for logs.
    fn name(&self) -> &'static str;

    /// Sends one message. Sending the same `id` again after an interruption must be
    /// safe: the file is rewritten, the e-mail keeps its Message-ID, LINE recognises
    /// the retry key.
    async fn send(&self, message: &Outgoing<'_>) -> Result<(), SendError>;
}

/// `PORTAL_SMTP_TLS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a relay on the same host, or tests).
    None,
    /// STARTTLS required (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The SMTP server of `PORTAL_SMTP_*` and the sender `PORTAL_MAIL_FROM`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the server wants a login.
    pub credentials: Option<(String, String)>,
    /// e.g. `學生證服務 <no-reply@school.example>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// The LINE Messaging API of `PORTAL_LINE_*`.
#[derive(Clone, PartialEq, Eq)]
pub struct LineSettings {
    /// `PORTAL_LINE_API_BASE`, default `https://api.line.me` (tests point it at a fake).
    pub api_base: String,
    /// `PORTAL_LINE_CHANNEL_TOKEN`; without it LINE messages are written as files.
    pub channel_token: Option<String>,
}

impl Default for LineSettings {
    fn default() -> Self {
        Self {
            api_base: LINE_API_BASE.to_owned(),
            channel_token: None,
        }
    }
}

impl std::fmt::Debug for LineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSettings")
            .field("api_base", &self.api_base)
            .field("channel_token", &self.channel_token.as_ref().map(|_| "…"))
            .finish()
    }
}

/// The production LINE Messaging API.
pub const LINE_API_BASE: &str = "https://api.line.me";

/// Where notifications go and how often they are tried (SPEC §5).
#[derive(Clone, Debug, Default)]
pub struct NotificationSettings {
    /// `None`: e-mail is written as files (the development default).
    pub smtp: Option<SmtpSettings>,
    pub line: LineSettings,
    /// `None`: SMS are written as files (the development default).
    pub sms: Option<super::sms_gateway::SmsGatewaySettings>,
    pub retry: super::RetryPolicy,
}

/// The development default: every message as an `.eml` file under
/// `{PORTAL_DATA_DIR}/outbox/`, named by its creation time and id (so a retry
/// rewrites the same file and a reader sorting by name sees them in order).
pub struct FileTransport {
    pub dir: PathBuf,
}

#[async_trait]
impl Transport for FileTransport {
    fn name(&self) -> &'static str {
        "files"
    }

    async fn send(&self, m: &Outgoing<'_>) -> Result<(), SendError> {
        let text = super::eml(
            m.id,
            m.channel,
            m.template,
            m.to,
            m.subject,
            m.body,
            Utc::now(),
        );
        let failed = |e: std::io::Error| {
            SendError::transient(format!("files: writing failed ({:?})", e.kind()))
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(failed)?;
        // Written under another name and renamed, so a reader never sees half a
        // message.
        let name = format!("{}-{}.eml", m.created_at.format("%Y%m%dT%H%M%S%.6fZ"), m.id);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, text).await.map_err(failed)?;
        tokio::fs::rename(&tmp, self.dir.join(name))
            .await
            .map_err(failed)
    }
}

/// E-mail through an SMTP server (`lettre`, async on tokio, rustls).
pub struct SmtpTransport {
    mailer: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    from: lettre::message::Mailbox,
}

impl SmtpTransport {
    /// # Errors
    /// A message naming the setting that is unusable (`PORTAL_MAIL_FROM` that is no
    /// address, a TLS setup that fails).
    pub fn new(settings: &SmtpSettings, timeout: Duration) -> Result<Self, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::extension::ClientId;
        type Mailer = lettre::AsyncSmtpTransport<lettre::Tokio1Executor>;
        let from: lettre::message::Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("PORTAL_MAIL_FROM: {e}"))?;
        let builder = match settings.tls {
            SmtpTls::None => Mailer::builder_dangerous(settings.host.as_str()),
            SmtpTls::StartTls => Mailer::starttls_relay(&settings.host)
                .map_err(|e| format!("PORTAL_SMTP_TLS=starttls: {e}"))?,
            SmtpTls::Tls => {
                Mailer::relay(&settings.host).map_err(|e| format!("PORTAL_SMTP_TLS=tls: {e}"))?
            }
        };
        let mut builder = builder
            .port(settings.port)
            .timeout(Some(timeout))
            // Introduce ourselves by the sender's domain rather than `localhost`.
            .hello_name(ClientId::Domain(from.email.domain().to_owned()));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            mailer: builder.build(),
            from,
        })
    }
}

/// The reason of an SMTP failure: reply code or error kind, never the reply text
/// (which may quote the address).
fn smtp_error(e: &lettre::transport::smtp::Error) -> SendError {
    if let Some(code) = e.status() {
        return if e.is_permanent() {
            SendError::permanent(format!("smtp: permanent reply {code}"))
        } else {
            SendError::transient(format!("smtp: transient reply {code}"))
        };
    }
    if e.is_timeout() {
        return SendError::transient("smtp: timed out");
    }
    if e.is_tls() {
        return SendError::transient("smtp: TLS failed");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return SendError::transient(format!("smtp: connection failed ({:?})", io.kind()));
        }
        source = s.source();
    }
    SendError::transient("smtp: connection failed")
}

#[async_trait]
impl Transport for SmtpTransport {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn send(&self, m: &Outgoing<'_>) -> Result<(), SendError> {
        use lettre::AsyncTransport;
        use lettre::message::header::{ContentTransferEncoding, ContentType};
        use lettre::message::{Body, Mailbox, Message};
        let to: Mailbox =
            m.to.parse()
                .map_err(|_| SendError::permanent("smtp: the recipient is no e-mail address"))?;
        let body = Body::new_with_encoding(m.body.to_owned(), ContentTransferEncoding::Base64)
            .map_err(|_| SendError::permanent("smtp: the body cannot be encoded"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject)
            // The same id on every attempt: a duplicate after an interrupted send is
            // recognisable as one message.
            .message_id(Some(format!("<{}@{}>", m.id, self.from.email.domain())))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|_| SendError::permanent("smtp: the message cannot be built"))?;
        self.mailer
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| smtp_error(&e))
    }
}

/// LINE Messaging API push (`POST {base}/v2/bot/message/push`).
pub struct LineTransport {
    client: reqwest::Client,
    push_url: String,
    channel_token: String,
}

impl LineTransport {
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new(api_base: &str, channel_token: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("LINE HTTP client: {e}"))?;
        Ok(Self {
            client,
            push_url: format!("{}/v2/bot/message/push", api_base.trim_end_matches('/')),
            channel_token: channel_token.to_owned(),
        })
    }
}

/// The `X-Line-Retry-Key` of a message: a UUID derived from the outbox id, the same on
/// every attempt, so LINE answers 409 instead of pushing a message twice.
pub fn line_retry_key(outbox_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("line-retry-key:{outbox_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// LINE's text message limit.
const LINE_TEXT_MAX_CHARS: usize = 5000;

#[async_trait]
impl Transport for LineTransport {
    fn name(&self) -> &'static str {
        "line"
    }

    async fn send(&self, m: &Outgoing<'_>) -> Result<(), SendError> {
        let text: String = format!("{}\n\n{}", m.subject, m.body.trim_end())
            .chars()
            .take(LINE_TEXT_MAX_CHARS)
            .collect();
        let body = serde_json::json!({
            "to": m.to,
            "messages": [{ "type": "text", "text": text }],
        });
        let response = self
            .client
            .post(&self.push_url)
            .bearer_auth(&self.channel_token)
            .header("X-Line-Retry-Key", line_retry_key(m.id))
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                SendError::transient(if e.is_timeout() {
                    "line: timed out"
                } else {
                    "line: connection failed"
                })
            })?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(()),
            // This retry key was accepted before: the message is already on its way
            // (an earlier attempt was interrupted after LINE took it).
            409 => Ok(()),
            // Bad token or rate limit: fixable by waiting or by the operator.
            401 | 403 | 429 => Err(SendError::transient(format!("line: HTTP {status}"))),
            400..=499 => Err(SendError::permanent(format!("line: HTTP {status}"))),
            _ => Err(SendError::transient(format!("line: HTTP {status}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_retry_key_is_a_uuid_that_only_depends_on_the_message() {
        let a = line_retry_key("0123456789abcdef0123456789abcdef");
        assert_eq!(a, line_retry_key("0123456789abcdef0123456789abcdef"));
        assert_ne!(a, line_retry_key("0123456789abcdef0123456789abcdee"));
        let parsed = uuid::Uuid::parse_str(&a).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(a.len(), 36);
    }

    #[test]
    fn settings_never_print_their_secrets() {
        let smtp = SmtpSettings {
            host: "smtp.example".into(),
            port: 587,
            tls: SmtpTls::StartTls,
            credentials: Some(("mailer".into(), "hunter2-password".into())),
            from: "no-reply@example.com".into(),
        };
        let line = LineSettings {
            api_base: LINE_API_BASE.into(),
            channel_token: Some("very-secret-token".into()),
        };
        let printed = format!("{smtp:?} {line:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("mailer"), "{printed}");
    }

    #[test]
    fn smtp_with_tls_is_set_up_and_a_sender_must_be_an_address() {
        let settings = |tls, from: &str| SmtpSettings {
            host: "smtp.example.com".into(),
            port: SmtpTls::default_port(tls),
            tls,
            credentials: Some(("mailer".into(), "secret".into())),
            from: from.into(),
        };
        let timeout = Duration::from_secs(5);
        for tls in [SmtpTls::None, SmtpTls::StartTls, SmtpTls::Tls] {
            let smtp = SmtpTransport::new(
                &settings(tls, "學生證服務 <no-reply@school.example>"),
                timeout,
            );
            assert!(smtp.is_ok(), "{tls:?}: {:?}", smtp.err());
        }
        let bad = SmtpTransport::new(&settings(SmtpTls::StartTls, "no address"), timeout);
        assert!(bad.err().is_some_and(|e| e.starts_with("PORTAL_MAIL_FROM")));
        assert!(LineTransport::new(LINE_API_BASE, "token", timeout).is_ok());
    }

    #[test]
    fn smtp_tls_modes_and_their_ports() {
        assert_eq!(SmtpTls::parse("STARTTLS"), Some(SmtpTls::StartTls));
        assert_eq!(SmtpTls::parse("none").map(SmtpTls::default_port), Some(25));
        assert_eq!(SmtpTls::parse("tls").map(SmtpTls::default_port), Some(465));
        assert_eq!(SmtpTls::parse("ssl"), None);
    }
}
