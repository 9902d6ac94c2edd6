use leptos::prelude::*;

use super::ConsentNotice;
use crate::error::AppError;
use crate::wizard::{Wizard, WizardProgress};

/// The consent notice in force.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "consent/notice", input = server_fn::codec::GetUrl)]
pub async fn load_consent_notice() -> Result<ConsentNotice, AppError> {
    crate::server::context::serve(async |cx| super::service::current_notice(&cx.state.db).await)
        .await
}

/// «已詳閱並同意»: records the consent and starts a fresh wizard session.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "consent/accept")]
pub async fn accept_consent(wizard: Wizard, version: String) -> Result<WizardProgress, AppError> {
    crate::server::context::serve(async |cx| super::service::accept(&cx, wizard, &version).await)
        .await
}
