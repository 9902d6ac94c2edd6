//! Server functions of the apply wizard. Every one is authorised by the session's
//! verified holder, and touches only that holder's applications. The headshot upload
//! is a plain `POST /api/apply/photo` (the server crate's `web.rs`), for its byte
//! limit and upload progress.

use leptos::prelude::*;

use super::{ApplicationReceipt, ApplyDraft, ApplyInput, ApplyOverview, ApplyStep, PaymentSlip};
use crate::error::AppError;

/// The verified holder's roster data, card types, fee, draft and whether an
/// application is possible now.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/overview", input = server_fn::codec::GetUrl)]
pub async fn load_apply_overview() -> Result<ApplyOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::overview(&cx).await).await
}

/// Checks one step of the form and keeps the draft in the session.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/draft", input = server_fn::codec::Json)]
pub async fn save_apply_draft(step: ApplyStep, draft: ApplyDraft) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::save_draft(&cx, step, draft).await)
        .await
}

/// Keeps what was typed so far, unchecked (each change, debounced).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/draft/keep", input = server_fn::codec::Json)]
pub async fn keep_apply_draft(draft: ApplyDraft) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::keep_draft(&cx, draft).await).await
}

/// «確認資料無誤送出申請»: exactly once per idempotency key.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/submit", input = server_fn::codec::Json)]
pub async fn submit_application(input: ApplyInput) -> Result<ApplicationReceipt, AppError> {
    crate::server::context::serve(async |cx| super::service::submit(&cx, input).await).await
}

/// The receipt of the application this session submitted last (for the result page,
/// also after a reload).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/receipt", input = server_fn::codec::GetUrl)]
pub async fn load_last_application_receipt() -> Result<Option<ApplicationReceipt>, AppError> {
    crate::server::context::serve(async |cx| super::service::last_receipt(&cx).await).await
}

/// «繳費單» of one of the verified holder's applications.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/slip", input = server_fn::codec::GetUrl)]
pub async fn load_payment_slip(serial_no: String) -> Result<PaymentSlip, AppError> {
    crate::server::context::serve(async |cx| super::service::slip(&cx, &serial_no).await).await
}

/// «LINE Pay 付款»: starts a LINE Pay payment of one of the verified holder's unpaid
/// applications; the URL of LINE's payment page, where the browser goes next.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "apply/line-pay", input = server_fn::codec::Json)]
pub async fn start_line_pay(serial_no: String) -> Result<String, AppError> {
    // LINE sends the parent back to the origin the page was loaded from.
    let origin = use_context::<http::request::Parts>()
        .and_then(|p| {
            let h = &p.headers;
            h.get(http::header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .or_else(|| {
                    h.get(http::header::HOST)
                        .and_then(|v| v.to_str().ok())
                        .map(|host| format!("http://{host}"))
                })
        })
        .unwrap_or_default();
    crate::server::context::serve(async |cx| super::line_pay::start(&cx, &serial_no, &origin).await)
        .await
}
