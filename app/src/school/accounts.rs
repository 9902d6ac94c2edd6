//! «帳號管理» (issue 16 item 3): staff accounts as the back office sees them. Every
//! staff member sees their own account, changes their password («變更密碼») and enrols
//! an authenticator app (TOTP) in the browser; a card officer lists the accounts of
//! their school and creates teachers of their own school's classes; an operator lists
//! every school's accounts and creates teachers and officers. A new account gets a
//! temporary password, shown once, that must be changed at the first login. Each
//! change is audited; anything outside the caller's scope is 403 and audited.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One staff account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccountRow {
    pub id: i32,
    pub username: String,
    /// `teacher`, `officer` or `operator`.
    pub role: String,
    pub school_name: Option<String>,
    pub class_name: Option<String>,
    /// An authenticator app is enrolled.
    pub totp: bool,
    /// Still on the temporary password it was created with.
    pub must_change_password: bool,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub disabled_at: Option<DateTime<Utc>>,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
}

/// What «帳號管理» shows the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffAccounts {
    /// The caller's own account.
    pub me: StaffAccountRow,
    /// The accounts the caller manages (empty for teachers).
    pub accounts: Vec<StaffAccountRow>,
    /// The classes a new teacher can be given (the officer's school, or the school an
    /// operator chose).
    pub classes: Vec<String>,
}

/// «新增帳號».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewStaffAccountInput {
    /// Operators name the school; an officer's accounts are their own school's.
    #[serde(default)]
    pub school_code: Option<String>,
    /// `teacher` (officers and operators) or `officer` (operators only).
    pub role: String,
    /// `username`: `required` / `format` / `taken`.
    pub username: String,
    /// `class`: `required` (a teacher) / `unknown`.
    #[serde(default)]
    pub class_name: String,
}

/// A new account and its temporary password, shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaffAccount {
    pub username: String,
    pub temporary_password: String,
}

/// An authenticator enrolment in progress: scan the QR code or type the key, then
/// confirm with a code from the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// The secret in base32, grouped by four for typing.
    pub key: String,
    pub otpauth_url: String,
    /// The `otpauth://` URL as a QR code (SVG).
    pub qr_svg: String,
}

/// The accounts of «帳號管理» (for operators: of `school_code`, or every school).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/accounts", input = server_fn::codec::Json)]
pub async fn load_staff_accounts(
    #[server(default)] school_code: Option<String>,
) -> Result<StaffAccounts, AppError> {
    crate::server::context::serve(async |cx| {
        super::service::list_staff_accounts(&cx, school_code).await
    })
    .await
}

/// «新增帳號»: the new account and its temporary password (shown once).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/account-add", input = server_fn::codec::Json)]
pub async fn create_staff_account(
    input: NewStaffAccountInput,
) -> Result<NewStaffAccount, AppError> {
    crate::server::context::serve(async |cx| super::service::create_staff_account(&cx, input).await)
        .await
}

/// «停用帳號»: the account's sessions end and it can no longer log in.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/account-disable", input = server_fn::codec::Json)]
pub async fn disable_staff_account(account: i32) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| {
        super::service::disable_staff_account(&cx, account).await
    })
    .await
}

/// «設定驗證器»: a new secret, kept in the session until confirmed.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/totp-begin", input = server_fn::codec::Json)]
pub async fn begin_totp_enrolment() -> Result<TotpEnrolment, AppError> {
    crate::server::context::serve(async |cx| super::service::begin_totp(&cx).await).await
}

/// «確認啟用»: the code from the app proves the enrolment; from now on the login asks
/// for a code.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/totp-confirm", input = server_fn::codec::Json)]
pub async fn confirm_totp_enrolment(code: String) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::confirm_totp(&cx, code).await).await
}
