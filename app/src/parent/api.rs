//! Server functions of «家長專區». Registration, login and password reset work without
//! a session; everything else is authorised by the session's logged-in parent (see
//! [`super::service::current`]) and touches only that parent's data and the children
//! of their approved bindings.

use leptos::prelude::*;

use super::{
    BindInput, BindOutcome, BindingRequestRow, ChangePasswordInput, ChildOverview,
    CodeRequestInput, CodeSent, LoginInput, ParentDataExport, ParentProfile, RegisterFinishInput,
    ResetPasswordInput,
};
use crate::domain::captcha::CaptchaChallenge;
use crate::error::AppError;
pub use crate::wizard::api::start_wizard_for_child;

/// «取得驗證碼»: a 6-digit code to the e-mail address or mobile number (valid 1 hour).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/register-start", input = server_fn::codec::Json)]
pub async fn start_registration(input: CodeRequestInput) -> Result<CodeSent, AppError> {
    crate::server::context::serve(async |cx| super::service::register_start(&cx, input).await).await
}

/// «完成註冊»: creates the account with the code and logs it in.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/register-finish", input = server_fn::codec::Json)]
pub async fn finish_registration(input: RegisterFinishInput) -> Result<ParentProfile, AppError> {
    crate::server::context::serve(async |cx| super::service::register_finish(&cx, input).await)
        .await
}

/// A new captcha for the login form (required after 3 failures).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/captcha")]
pub async fn new_login_captcha() -> Result<CaptchaChallenge, AppError> {
    crate::server::context::serve(async |cx| super::service::issue_captcha(&cx).await).await
}

/// «登入».
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/login", input = server_fn::codec::Json)]
pub async fn login_parent(input: LoginInput) -> Result<ParentProfile, AppError> {
    crate::server::context::serve(async |cx| super::service::login(&cx, input).await).await
}

/// «登出»: ends the session on the server.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/logout")]
pub async fn logout_parent() -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::logout(&cx).await).await
}

/// The logged-in parent (also while a password change is due).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/me", input = server_fn::codec::GetUrl)]
pub async fn load_parent_profile() -> Result<ParentProfile, AppError> {
    crate::server::context::serve(async |cx| super::service::me(&cx).await).await
}

/// «忘記密碼», first step: a reset code to the account's contact.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/forgot-start", input = server_fn::codec::Json)]
pub async fn start_password_reset(input: CodeRequestInput) -> Result<CodeSent, AppError> {
    crate::server::context::serve(async |cx| super::service::forgot_start(&cx, input).await).await
}

/// «忘記密碼», second step: the code and a new password.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/forgot-finish", input = server_fn::codec::Json)]
pub async fn finish_password_reset(input: ResetPasswordInput) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::forgot_finish(&cx, input).await).await
}

/// «變更密碼»: ends every other session of the account.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/change-password", input = server_fn::codec::Json)]
pub async fn change_parent_password(input: ChangePasswordInput) -> Result<ParentProfile, AppError> {
    crate::server::context::serve(async |cx| super::service::change_password(&cx, input).await)
        .await
}

/// «親子綁定»: one or more children; each gets its own outcome.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/bind", input = server_fn::codec::Json)]
pub async fn request_binding(input: BindInput) -> Result<Vec<BindOutcome>, AppError> {
    crate::server::context::serve(async |cx| super::service::bind(&cx, input).await).await
}

/// The parent's binding requests (the printable application).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/binding-requests", input = server_fn::codec::GetUrl)]
pub async fn load_binding_requests() -> Result<Vec<BindingRequestRow>, AppError> {
    crate::server::context::serve(async |cx| super::service::binding_requests(&cx).await).await
}

/// «解除綁定» by the parent: effective at once.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/unbind")]
pub async fn unbind_child(binding_id: i32) -> Result<Vec<BindingRequestRow>, AppError> {
    crate::server::context::serve(async |cx| super::service::unbind(&cx, binding_id).await).await
}

/// The bound children with their cards and applications.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/children", input = server_fn::codec::GetUrl)]
pub async fn load_children() -> Result<Vec<ChildOverview>, AppError> {
    crate::server::context::serve(async |cx| super::service::children(&cx).await).await
}

/// One bound child by its binding.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/child", input = server_fn::codec::GetUrl)]
pub async fn load_child(binding_id: i32) -> Result<ChildOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::child(&cx, binding_id).await).await
}

/// «我的資料»: everything the portal holds about the parent, as JSON.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/my-data", input = server_fn::codec::GetUrl)]
pub async fn load_my_data() -> Result<ParentDataExport, AppError> {
    crate::server::context::serve(async |cx| super::service::my_data(&cx).await).await
}
