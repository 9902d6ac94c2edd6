use leptos::prelude::*;

use super::{CaptchaChallenge, VerifyIdentityInput};
use crate::error::AppError;
use crate::wizard::VerifiedHolder;

/// A new single-use captcha for this session (replaces the previous one).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "identity/captcha")]
pub async fn new_captcha() -> Result<CaptchaChallenge, AppError> {
    crate::server::context::serve(async |cx| super::service::issue_captcha(&cx).await).await
}

/// «送出驗證資料»: checks the captcha, the limits and the roster; on a match binds this
/// session to the holder for the verification window.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "identity/verify", input = server_fn::codec::Json)]
pub async fn verify_identity(input: VerifyIdentityInput) -> Result<VerifiedHolder, AppError> {
    crate::server::context::serve(async |cx| super::service::verify(&cx, input).await).await
}
