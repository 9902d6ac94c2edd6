//! Server functions about the wizard session itself.

use leptos::prelude::*;

use super::{Wizard, WizardProgress};
use crate::error::AppError;

/// Where this browser's wizard session stands, so a reload resumes the right step.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "wizard/progress", input = server_fn::codec::GetUrl)]
pub async fn load_wizard_progress(wizard: Wizard) -> Result<WizardProgress, AppError> {
    crate::server::context::serve(async |cx| {
        let w = super::session::load(&cx.session).await?;
        Ok(match w {
            Some(w) if w.wizard == wizard => WizardProgress {
                consented: true,
                verified: match (w.verified_masked_name, w.verified_until) {
                    (Some(masked_name), Some(until)) if until > chrono::Utc::now() => {
                        Some(super::VerifiedHolder { masked_name, until })
                    }
                    _ => None,
                },
            },
            _ => WizardProgress {
                consented: false,
                verified: None,
            },
        })
    })
    .await
}

/// Ends the wizard: forgets consent and verification in this session.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "wizard/finish")]
pub async fn finish_wizard() -> Result<(), AppError> {
    crate::server::context::serve(async |cx| {
        cx.session
            .remove::<super::WizardSession>(super::session::KEY)
            .await?;
        Ok(())
    })
    .await
}

/// «停卡掛失» / «線上申辦» for a bound child: after consent, skips identity verification.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/start-wizard")]
pub async fn start_wizard_for_child(
    wizard: Wizard,
    binding_id: i32,
) -> Result<super::VerifiedHolder, AppError> {
    crate::server::context::serve(async |cx| {
        super::bound_parent::start_wizard_for_child(&cx, wizard, binding_id).await
    })
    .await
}
