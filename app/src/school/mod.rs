//! «學校端»: the school back office for homeroom teachers, card officers and the
//! issuer's operators, on desktop (SPEC §3, §7).
//!
//! Every server function here authorises from the staff session on the server: a
//! teacher sees and acts on their own class, an officer on their school, an operator
//! on all schools. Anything outside that scope is 403 with an audit row.

pub mod accounts;
pub mod api;
pub mod audit_words;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod gate;
pub mod gate_api;
pub mod notice;
pub mod notice_api;
pub mod password_view;
pub mod print_batch;
pub mod report;
pub mod report_api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod system_settings;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::directory::SchoolOption;
pub use gate::{HolidayList, HolidayRow, NewHolidayInput, NewReaderInput, ReaderKey, ReaderRow};
pub use print_batch::{PrintBatchItem, PrintBatchOverview, PrintBatchRow};
pub use report::{Column, Report, ReportFilter, ReportKind, ReportRow};

/// What a reviewer does with a binding request: «核可», «退回» (with a reason), or
/// «解除綁定» of an approved one (protection cases, with a reason).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingReviewAction {
    Approve,
    Return,
    Remove,
}

/// «登入».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StaffLoginInput {
    /// Empty for the issuer's operators (they belong to no school).
    #[serde(default)]
    pub school_code: String,
    pub username: String,
    pub password: String,
    /// Required after failed logins (the answer says so).
    #[serde(default)]
    pub captcha: String,
    /// The authenticator app's 6-digit code, for accounts with a second factor.
    #[serde(default)]
    pub otp: String,
}

/// «變更密碼» of the logged-in staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StaffPasswordInput {
    pub current_password: String,
    pub new_password: String,
}

impl StaffPasswordInput {
    /// `current_password` → `required`; `new_password` → `required|too_short|
    /// too_long|same_as_current` (the server also refuses common passwords).
    pub fn field_errors(&self) -> crate::error::FieldErrors {
        let mut errors = crate::error::FieldErrors::new();
        if self.current_password.is_empty() {
            errors.insert("current_password".into(), "required".into());
        }
        let n = self.new_password.chars().count();
        let code = match n {
            0 => Some("required"),
            1..8 => Some("too_short"),
            129.. => Some("too_long"),
            _ if self.new_password == self.current_password => Some("same_as_current"),
            _ => None,
        };
        if let Some(code) = code {
            errors.insert("new_password".into(), code.into());
        }
        errors
    }
}

/// The logged-in staff member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMe {
    pub username: String,
    /// `teacher`, `officer` or `operator`.
    pub role: String,
    pub school_name: Option<String>,
    pub class_name: Option<String>,
    /// On a temporary password: nothing but «變更密碼» until it is changed.
    #[serde(default)]
    pub must_change_password: bool,
}

/// What the queue lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    #[default]
    All,
    Applications,
    Stops,
}

/// The queue's filters (also those of its CSV export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct QueueFilter {
    #[serde(default)]
    pub kind: QueueKind,
    /// `pending`, `approved`, `returned`, or empty for all.
    #[serde(default)]
    pub review: String,
    #[serde(default, with = "crate::domain::wire::opt_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, with = "crate::domain::wire::opt_date")]
    pub to: Option<NaiveDate>,
    /// A card type code, or empty for all.
    #[serde(default)]
    pub card_type: String,
    /// 1-based.
    #[serde(default)]
    pub page: u32,
    /// `newest` (default), `oldest`, `class`.
    #[serde(default)]
    pub sort: String,
}

/// One row of the queue. `item_ref` names it for the actions (`ap-<id>` / `st-<id>`);
/// it is only honoured within the caller's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRow {
    pub item_ref: String,
    /// `application` or `stop`.
    pub kind: String,
    pub serial_no: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub submitted_at: DateTime<Utc>,
    /// e.g. 林○晴
    pub applicant: String,
    pub school_name: String,
    pub class_name: String,
    pub seat_no: i32,
    /// «符合» / «不符合» / «校方未提供，無法比對»
    pub id_match: String,
    pub has_photo: bool,
    pub card_type_zh: String,
    /// «遺失» etc. for applications; «僅掛失停卡不退費» etc. for stops.
    pub reason: String,
    pub loss_fee: i32,
    pub reissue_fee: i32,
    pub total_due: i32,
    /// «待繳費» / «已繳費» / … for applications; «—» for stops.
    pub payment: String,
    /// `pending` / `approved` / `returned`
    pub review: String,
    pub review_reason: Option<String>,
    /// A stop without a guardian contact on file (confirmed on verification only).
    pub no_contact: bool,
    /// A reissue whose old card must be mailed back with the processing form.
    pub needs_form: bool,
}

/// One page of the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: u32,
    pub page: u32,
    pub page_size: u32,
    /// Card types for the filter.
    pub card_types: Vec<(String, String)>,
}

/// «核可» or «退件» for one or many rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub item_refs: Vec<String>,
    pub approve: bool,
    /// Required to return.
    #[serde(default)]
    pub reason: String,
}

/// How many rows a review changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOutcome {
    pub changed: u32,
}

/// «處理作業單»: the form that goes with the old card to the issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessingForm {
    pub serial_no: String,
    pub school_name: String,
    pub class_name: String,
    pub seat_no: i32,
    pub applicant: String,
    pub student_no: String,
    pub card_type_zh: String,
    pub old_card_masked: String,
    pub reason: String,
    pub total_due: i32,
    pub payment: String,
    #[serde(with = "crate::domain::wire::date")]
    pub printed_on: NaiveDate,
}

/// One audit row as the audit page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    #[serde(with = "crate::domain::wire::timestamp")]
    pub at: DateTime<Utc>,
    /// `kind:id` as stored (`staff:4`), for searching.
    pub actor: String,
    /// `staff`, `holder`, `parent`, `system`, `cli`, `issuer`, …
    pub actor_kind: String,
    /// A staff actor's username and role (`teacher` / `officer` / `operator`).
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub result: String,
    pub detail: Option<String>,
    pub request_id: String,
}

/// The audit page's search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    #[serde(default, with = "crate::domain::wire::opt_date")]
    pub from: Option<NaiveDate>,
    #[serde(default, with = "crate::domain::wire::opt_date")]
    pub to: Option<NaiveDate>,
    /// A staff username (`lin.officer`), a kind (`holder`, `system`) or `kind:id`.
    #[serde(default)]
    pub actor: String,
    /// A masked subject or serial number, as shown.
    #[serde(default)]
    pub subject: String,
    /// e.g. `stop.submit`
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub page: u32,
}

/// A page of audit rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u32,
    pub page: u32,
    pub page_size: u32,
}

/// One invalid row of a roster file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterLineError {
    pub line: u32,
    pub column: String,
    /// In English (as the command line prints it).
    pub problem: String,
    /// The problem's stable code (`roster::RowError::code`), shown in the user's
    /// language by the view.
    pub code: String,
    /// The value the problem's text names (a line, a length, a school code).
    pub arg: Option<String>,
}

/// The roster import's preview (nothing written yet) or its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPreview {
    pub rows: u32,
    pub schools: u32,
    pub classes: u32,
    /// The first rows as (student number, masked name, class, card status).
    pub first_rows: Vec<(String, String, String, String)>,
    /// Every invalid row.
    pub errors: Vec<RosterLineError>,
    /// Set once written: the summary line.
    pub imported: Option<String>,
}

/// A holder locked by failed verifications (SPEC §7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedHolder {
    pub holder_ref: String,
    pub applicant: String,
    pub id_masked: String,
    pub school_name: String,
    pub class_name: String,
    pub failures: i32,
    pub permanent: bool,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub locked_until: Option<DateTime<Utc>>,
}

/// «訊息寄送狀態»: the notification outbox as the issuer's operators see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxOverview {
    /// Messages per status: `pending`, `in_flight`, `sent`, `dead`, in that order.
    pub counts: Vec<(String, u64)>,
    /// Dead messages, last attempt first (at most 100).
    pub dead: Vec<DeadMessage>,
}

/// A message the outbox gave up on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadMessage {
    /// The outbox id (random, no personal data): what «重送» names.
    pub id: String,
    pub template: String,
    /// `email`, `sms` or `line`.
    pub channel: String,
    pub recipient_masked: String,
    pub attempts: i32,
    /// Without recipients or secrets.
    pub last_error: Option<String>,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    /// The last attempt.
    #[serde(with = "crate::domain::wire::timestamp")]
    pub failed_at: DateTime<Utc>,
    /// False once its one-time code or temporary password was removed: the person
    /// must ask for a new one.
    pub can_resend: bool,
}
