//! What a server function gets from the request: the shared state, who is calling,
//! and the session. The server crate provides these as Leptos context for each call.

use crate::error::AppError;
pub use crate::error::set_response_status;
use leptos::prelude::{provide_context, use_context};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_sessions::Session;

use super::crypto::PiiCipher;
use super::outbox::Delivery;

/// Settings read once from the environment at start (SPEC §9).
#[derive(Clone, Debug)]
pub struct PortalConfig {
    /// `PORTAL_TEST_CAPTCHA`: also accepted as the captcha answer (tests only).
    pub test_captcha: Option<String>,
    /// `PORTAL_VERIFY_PER_IP_PER_MIN`.
    pub verify_per_ip_per_min: u32,
    /// `PORTAL_DATA_DIR`: the development outbox writes messages to `outbox/` here.
    pub data_dir: std::path::PathBuf,
    /// `PORTAL_REQUIRE_MFA=1`: officers and operators must log in with a TOTP code.
    pub require_mfa: bool,
    /// `PORTAL_LINE_CHANNEL_SECRET`: checks the `X-Line-Signature` of LINE webhook
    /// calls (unset: the webhook refuses every call).
    pub line_channel_secret: Option<String>,
    /// `PORTAL_LINE_OFFICIAL_ACCOUNT`: the school's official LINE account parents add
    /// and send their link code to.
    pub line_official_account: String,
    /// `PORTAL_ABSENCE_CHECK_AT` (Taiwan time, default 09:00): when the daily «未到校»
    /// job runs on school days.
    pub absence_check_at: chrono::NaiveTime,
    /// `PORTAL_SMTP_*`, `PORTAL_MAIL_FROM`, `PORTAL_LINE_*`: where the outbox sends.
    pub notifications: super::outbox::NotificationSettings,
    /// `PORTAL_SWIPE_MAX_AGE_HOURS` (default 168): a gate reader's swipe older than
    /// this is refused.
    pub swipe_max_age: chrono::Duration,
    /// `PORTAL_SWIPE_MAX_AHEAD_SECONDS` (default 300): a swipe dated further ahead of
    /// the server's clock is refused.
    pub swipe_max_ahead: chrono::Duration,
    /// Which instance this process is (`server::instance`): names its outbox claims.
    /// `server serve` holds a slot with a stable id; otherwise a transient one.
    pub instance_id: String,
    /// `PORTAL_DEMO` (default on; off in `Default`, as in tests).
    pub demo: bool,
    /// `PORTAL_LINE_PAY_*`: «LINE Pay 付款» is offered only with them.
    pub line_pay: Option<super::line_pay::LinePaySettings>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            test_captcha: None,
            verify_per_ip_per_min: 10,
            data_dir: std::path::PathBuf::from("data"),
            require_mfa: false,
            line_channel_secret: None,
            line_official_account: "@student-card".into(),
            absence_check_at: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            notifications: super::outbox::NotificationSettings::default(),
            demo: false,
            swipe_max_age: chrono::Duration::hours(168),
            swipe_max_ahead: chrono::Duration::seconds(300),
            instance_id: super::instance::transient_id(),
            line_pay: None,
        }
    }
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Sessions and captchas: writes a power loss may lose without losing anything
    /// acknowledged (`db::connect_ephemeral`: on SQLite a pool that does not sync each
    /// commit; otherwise `db` itself). Nothing else is written through it.
    pub ephemeral: DatabaseConnection,
    pub cipher: Arc<PiiCipher>,
    pub config: Arc<PortalConfig>,
    /// The outbox's transports and the worker's bell.
    pub delivery: Arc<Delivery>,
    /// Settings and card types, cached for a few seconds.
    pub settings: Arc<crate::server::settings::SnapshotCache>,
    /// LINE Pay, when `config.line_pay` is set.
    pub line_pay: Option<Arc<dyn super::line_pay::LinePayApi>>,
}

impl PortalConfig {
    /// The development outbox page (`/dev/outbox`): `PORTAL_DEMO` on and no real
    /// mail, SMS or LINE provider configured.
    pub fn dev_outbox_enabled(&self) -> bool {
        let n = &self.notifications;
        self.demo && n.smtp.is_none() && n.sms.is_none() && n.line.channel_token.is_none()
    }
}

impl AppState {
    /// The state of one server process, with the outbox's transports made from
    /// `config.notifications`.
    ///
    /// # Errors
    /// A message naming a notification setting that cannot be used.
    pub fn new(
        db: DatabaseConnection,
        cipher: Arc<PiiCipher>,
        config: PortalConfig,
    ) -> Result<Self, String> {
        let delivery = Delivery::new(&config.notifications, &config.data_dir)?;
        let line_pay: Option<Arc<dyn super::line_pay::LinePayApi>> = match &config.line_pay {
            Some(settings) => Some(Arc::new(super::line_pay::HttpLinePay::new(
                settings,
                std::time::Duration::from_secs(40),
            )?)),
            None => None,
        };
        Ok(Self {
            line_pay,
            ephemeral: db.clone(),
            db,
            cipher,
            config: Arc::new(config),
            delivery: Arc::new(delivery),
            settings: Arc::default(),
        })
    }
}

impl AppState {
    /// With sessions and captchas written through `ephemeral`
    /// (`db::connect_ephemeral`) instead of `db`.
    #[must_use]
    pub fn with_ephemeral(mut self, ephemeral: DatabaseConnection) -> Self {
        self.ephemeral = ephemeral;
        self
    }
}

/// Who is calling, as the server's middleware saw it.
#[derive(Clone, Debug)]
pub struct ClientContext {
    /// From the socket, or from `X-Forwarded-For` only behind a trusted proxy.
    pub ip: String,
    pub user_agent: String,
    /// Also in the `X-Request-Id` response header and every audit row.
    pub request_id: String,
    /// The page's language (the `portal_lang` cookie), when the request names one.
    pub page_lang: Option<super::outbox::Lang>,
}

impl ClientContext {
    /// The language of a message the caller causes in the browser: the page's, else
    /// zh-TW.
    pub fn lang(&self) -> super::outbox::Lang {
        self.page_lang.unwrap_or_default()
    }
}

/// Everything one server-function call needs, provided as context by the server.
#[derive(Clone)]
pub struct CallContext {
    pub state: AppState,
    pub client: ClientContext,
    pub session: Session,
}

impl CallContext {
    pub fn provide(self) {
        provide_context(self);
    }

    /// # Errors
    /// `Internal` if the server did not provide the context (a wiring bug).
    pub fn current() -> Result<Self, AppError> {
        use_context::<CallContext>().ok_or_else(|| {
            tracing::error!("server function called without CallContext");
            AppError::Internal
        })
    }
}

/// Sets the HTTP status (and `Retry-After`) of a server-function response from its
/// error, so machines and tests see 403/422/429/503 rather than a blanket 500.
/// The one way a server function runs: the call's context (session, database, client)
/// from the request, then the body, and the error's HTTP status on the response.
///
/// # Errors
/// The body's error, or `Internal` outside a request.
pub async fn serve<T>(
    body: impl AsyncFnOnce(CallContext) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let result = match CallContext::current() {
        Ok(cx) => body(cx).await,
        Err(e) => Err(e),
    };
    respond(result)
}

fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(err) = &result {
        set_response_status(err);
    }
    result
}

/// Logs a database (or other internal) error and hides it from the browser.
pub fn internal<E: std::fmt::Display>(err: E) -> AppError {
    tracing::error!(error = %err, "internal error");
    AppError::Internal
}

/// A database error is logged and hidden from the browser, so `?` on a sea-orm
/// call needs no `map_err`.
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        internal(err)
    }
}

/// The same for the session store (a table in the same database).
impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        internal(err)
    }
}
