//! The stop wizard's draft on the server (SPEC §6, §10): the card chosen and the refund
//! choices survive a reload and a server restart within the verification window. Only
//! what identifies no one is kept — the card's reference, the choice, the bank and
//! branch codes, the postal code — never the account number or the address, and
//! nothing in browser storage.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::RefundChoice;
use crate::error::AppError;

/// What the parent chose so far, as the server keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopDraftData {
    pub card_ref: String,
    pub wants_refund: bool,
    pub method: RefundChoice,
    pub bank_code: String,
    pub branch_code: String,
    pub postal_code: String,
}

impl StopDraftData {
    /// Codes are short: anything longer is not a draft of ours.
    pub fn is_plausible(&self) -> bool {
        self.card_ref.len() <= 64
            && self.bank_code.len() <= 8
            && self.branch_code.len() <= 8
            && self.postal_code.len() <= 8
    }
}

/// Keeps the draft in the session of the verified holder (each change, debounced).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/draft", input = server_fn::codec::Json)]
pub async fn keep_stop_draft(draft: StopDraftData) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| service::keep(&cx, draft).await).await
}

/// The draft kept for this session's verified holder, if any.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/draft/load", input = server_fn::codec::GetUrl)]
pub async fn load_stop_draft() -> Result<Option<StopDraftData>, AppError> {
    crate::server::context::serve(async |cx| service::load(&cx).await).await
}

#[cfg(feature = "ssr")]
pub mod service {
    use super::StopDraftData;
    use crate::error::AppError;
    use crate::server::context::{CallContext, internal};
    use crate::wizard::{Wizard, session};
    use serde::{Deserialize, Serialize};

    const KEY: &str = "stop_draft";

    /// The draft with the holder it belongs to: a session that verifies another
    /// holder does not get it back.
    #[derive(Serialize, Deserialize)]
    struct Kept {
        holder_id: i32,
        draft: StopDraftData,
    }

    /// # Errors
    /// `Unauthorized` without a verified holder; `Validation` for an implausible draft.
    pub async fn keep(cx: &CallContext, draft: StopDraftData) -> Result<(), AppError> {
        let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
        if !draft.is_plausible() {
            return Err(AppError::field("draft", "too_long"));
        }
        cx.session
            .insert(KEY, Kept { holder_id, draft })
            .await
            .map_err(internal)
    }

    /// # Errors
    /// `Unauthorized` without a verified holder.
    pub async fn load(cx: &CallContext) -> Result<Option<StopDraftData>, AppError> {
        let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
        let kept = cx.session.get::<Kept>(KEY).await.map_err(internal)?;
        Ok(kept.filter(|k| k.holder_id == holder_id).map(|k| k.draft))
    }

    /// Forgets the draft (the stop was submitted).
    pub async fn forget(cx: &CallContext) {
        let _ = cx.session.remove::<Kept>(KEY).await;
    }
}
