//! Server functions of the stop wizard. Every one is authorised by the session's
//! verified holder in the stop wizard, and touches only that holder's cards.

use leptos::prelude::*;

use super::{StepUpSent, StopOverview, StopReceipt, StopRequestInput};
use crate::error::AppError;

/// The verified holder's cards, fees and step-up contact.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/overview", input = server_fn::codec::GetUrl)]
pub async fn load_stop_overview() -> Result<StopOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::overview(&cx).await).await
}

/// «暫時鎖卡»: pauses school-side use at once; reversible.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/lock")]
pub async fn lock_card(card_ref: String) -> Result<StopOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::lock(&cx, &card_ref).await).await
}

/// «解除鎖卡».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/unlock")]
pub async fn unlock_card(card_ref: String) -> Result<StopOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::unlock(&cx, &card_ref).await).await
}

/// The confirmation step opened: sends a 6-digit step-up code to every guardian
/// contact on the roster, unless one sent earlier still works.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/open-code")]
pub async fn open_stop_code(card_ref: String) -> Result<StepUpSent, AppError> {
    crate::server::context::serve(async |cx| super::service::open_code(&cx, &card_ref).await).await
}

/// «重新寄送驗證碼»: a new 6-digit step-up code to every guardian contact (at most
/// one a minute); earlier codes stop working.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/send-code")]
pub async fn send_stop_code(card_ref: String) -> Result<StepUpSent, AppError> {
    crate::server::context::serve(async |cx| super::service::send_code(&cx, &card_ref).await).await
}

/// «送出停卡申請»: exactly once per idempotency key.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/submit", input = server_fn::codec::Json)]
pub async fn submit_stop(input: StopRequestInput) -> Result<StopReceipt, AppError> {
    crate::server::context::serve(async |cx| super::service::submit(&cx, input).await).await
}

/// The receipt of the stop this session submitted last (for the result page, also
/// after a reload).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "stop/receipt", input = server_fn::codec::GetUrl)]
pub async fn load_last_stop_receipt() -> Result<Option<StopReceipt>, AppError> {
    crate::server::context::serve(async |cx| super::service::last_receipt(&cx).await).await
}
