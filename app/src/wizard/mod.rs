//! What the three card wizards (stop, apply, query) share: their names, the step a
//! session has reached, and the session record behind it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod bound_parent;
#[cfg(feature = "ssr")]
pub mod receipt;
pub mod view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Wizard {
    /// 停卡掛失
    Stop,
    /// 線上申辦
    Apply,
    /// 卡片查詢
    Query,
}

impl Wizard {
    pub fn slug(self) -> &'static str {
        match self {
            Wizard::Stop => "stop",
            Wizard::Apply => "apply",
            Wizard::Query => "query",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        match slug {
            "stop" => Some(Wizard::Stop),
            "apply" => Some(Wizard::Apply),
            "query" => Some(Wizard::Query),
            _ => None,
        }
    }

    /// Steps shown in the indicator («步驟 n / total»).
    pub fn total_steps(self) -> u8 {
        match self {
            // consent, verify, cards, refund, check, result
            Wizard::Stop => 6,
            // consent, verify, applicant, photo, delivery, check, result
            Wizard::Apply => 7,
            Wizard::Query => 3,
        }
    }

    /// Where the wizard goes once the holder is verified.
    pub fn after_verification_path(self) -> String {
        match self {
            Wizard::Query => "/card/query/result".into(),
            Wizard::Stop => "/card/stop/cards".into(),
            Wizard::Apply => "/card/apply/applicant".into(),
        }
    }
}

/// The verified holder, as the browser may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedHolder {
    /// e.g. 林○晴
    pub masked_name: String,
    /// The verification window's end.
    #[serde(with = "crate::domain::wire::timestamp")]
    pub until: DateTime<Utc>,
}

/// Where a wizard session stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WizardProgress {
    pub consented: bool,
    pub verified: Option<VerifiedHolder>,
}

/// One consent record a parent can download a receipt of («我的資料»).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentReceiptSummary {
    pub record_id: i64,
    pub version: String,
    pub wizard: Wizard,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub at: DateTime<Utc>,
}

/// Where the receipt of this session's consent downloads (`record`: one of a logged-in
/// parent's own records instead).
pub fn consent_receipt_href(locale: &str, record: Option<i64>) -> String {
    match record {
        Some(id) => format!("/api/consent/receipt?lang={locale}&record={id}"),
        None => format!("/api/consent/receipt?lang={locale}"),
    }
}

/// The session record of the wizard in progress (server side only).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WizardSession {
    pub wizard: Wizard,
    pub consent_record_id: i64,
    pub verified_holder_id: Option<i32>,
    pub verified_masked_name: Option<String>,
    pub verified_until: Option<DateTime<Utc>>,
    /// Set when a logged-in parent started this wizard for a child bound to them
    /// («家長專區»): the parent account's id. Such a session needs no identity check
    /// and no step-up code while the binding stays approved.
    #[serde(default)]
    pub via_parent: Option<i32>,
}

#[cfg(feature = "ssr")]
pub mod session {
    //! Typed access to the wizard's session record.
    use super::{Wizard, WizardSession};
    use crate::error::AppError;
    use crate::server::context::internal;
    use tower_sessions::Session;

    pub const KEY: &str = "wizard";

    /// # Errors
    /// Session store errors.
    pub async fn load(session: &Session) -> Result<Option<WizardSession>, AppError> {
        session.get::<WizardSession>(KEY).await.map_err(internal)
    }

    /// # Errors
    /// Session store errors.
    pub async fn save(session: &Session, value: &WizardSession) -> Result<(), AppError> {
        session.insert(KEY, value).await.map_err(internal)
    }

    /// The verified holder of this wizard, if the window is still open.
    ///
    /// # Errors
    /// `Unauthorized` when the session has no live verification for `wizard`.
    pub async fn verified_holder(session: &Session, wizard: Wizard) -> Result<i32, AppError> {
        let w = load(session).await?.ok_or(AppError::Unauthorized)?;
        match (w.wizard == wizard, w.verified_holder_id, w.verified_until) {
            (true, Some(id), Some(until)) if until > chrono::Utc::now() => Ok(id),
            _ => Err(AppError::Unauthorized),
        }
    }
}
