//! «家長專區» (SPEC §2, §7, §10): parent accounts by e-mail or mobile number with a
//! one-time code, login with a captcha after failures, password reset and change, and
//! «親子綁定» — binding requests checked against the roster, approved or returned by
//! the homeroom teacher — after which a parent sees each bound child's cards and
//! applications.
//!
//! This file holds what crosses the wire: inputs reject unknown fields, outputs carry
//! only masked roster data.

pub mod api;
pub mod notices;
pub mod receipts;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::binding::BindingStatus;
pub use crate::domain::contact::ParentContact;
use crate::error::FieldErrors;
use crate::holder::ApplicationSummary;
use crate::holder::CardSummary;

/// The most children one `parent/bind` call may carry.
pub const MAX_CHILDREN_PER_CALL: usize = 10;
/// Display names: 1–40 characters.
pub const DISPLAY_NAME_MAX: usize = 40;
/// Reasons given by staff: 1–200 characters.
pub const REASON_MAX: usize = 200;

fn check_account(errors: &mut FieldErrors, field: &str, account: &str) {
    if let Err(code) = ParentContact::parse(account) {
        errors.insert(field.into(), code.into());
    }
}

fn check_code(errors: &mut FieldErrors, code: &str) {
    let c = code.trim();
    if c.is_empty() {
        errors.insert("code".into(), "required".into());
    } else if c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit()) {
        errors.insert("code".into(), "format".into());
    }
}

/// Length 8–128 (the server also refuses common passwords: `common`).
fn check_new_password(errors: &mut FieldErrors, field: &str, password: &str) {
    let n = password.chars().count();
    if n == 0 {
        errors.insert(field.into(), "required".into());
    } else if n < 8 {
        errors.insert(field.into(), "too_short".into());
    } else if n > 128 {
        errors.insert(field.into(), "too_long".into());
    }
}

/// «取得驗證碼» of registration, and of «忘記密碼».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequestInput {
    /// E-mail address or mobile number.
    pub account: String,
}

impl CodeRequestInput {
    /// `account` → `required|format`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_account(&mut errors, "account", &self.account);
        errors
    }
}

/// Where a code went (masked) and when another may be asked for. The same answer
/// whether or not the address already has an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeSent {
    pub destination_masked: String,
    pub resend_after_secs: u64,
    pub valid_minutes: i64,
}

/// «完成註冊»: the code, a display name and the password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterFinishInput {
    pub account: String,
    pub code: String,
    pub display_name: String,
    pub password: String,
}

impl RegisterFinishInput {
    /// `account` → `required|format`, `code` → `required|format`, `display_name` →
    /// `required|too_long`, `password` → `required|too_short|too_long`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_account(&mut errors, "account", &self.account);
        check_code(&mut errors, &self.code);
        let n = self.display_name.trim().chars().count();
        if n == 0 {
            errors.insert("display_name".into(), "required".into());
        } else if n > DISPLAY_NAME_MAX {
            errors.insert("display_name".into(), "too_long".into());
        }
        check_new_password(&mut errors, "password", &self.password);
        errors
    }
}

/// «登入». The captcha is needed after 3 failures for the account within 15 minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub account: String,
    pub password: String,
    #[serde(default)]
    pub captcha: Option<String>,
}

impl LoginInput {
    /// `account` → `required|format`, `password` → `required`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_account(&mut errors, "account", &self.account);
        if self.password.is_empty() {
            errors.insert("password".into(), "required".into());
        }
        errors
    }
}

/// «忘記密碼», second step: the code and the new password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordInput {
    pub account: String,
    pub code: String,
    pub new_password: String,
}

impl ResetPasswordInput {
    /// `account`, `code`, `new_password` as in registration.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check_account(&mut errors, "account", &self.account);
        check_code(&mut errors, &self.code);
        check_new_password(&mut errors, "new_password", &self.new_password);
        errors
    }
}

/// «變更密碼».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

impl ChangePasswordInput {
    /// `current_password` → `required`, `new_password` → `required|too_short|too_long|
    /// same_as_current`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.current_password.is_empty() {
            errors.insert("current_password".into(), "required".into());
        }
        check_new_password(&mut errors, "new_password", &self.new_password);
        if !self.new_password.is_empty() && self.new_password == self.current_password {
            errors.insert("new_password".into(), "same_as_current".into());
        }
        errors
    }
}

/// The logged-in parent, as the browser may see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentProfile {
    pub display_name: String,
    /// `email` or `mobile`.
    pub contact_kind: String,
    pub contact_masked: String,
    /// A temporary password from the school: only «變更密碼» works until it changes.
    pub must_change_password: bool,
}

/// The relationship to the child: legal representative (father / mother) or guardian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Father,
    Mother,
    Grandparent,
    OtherGuardian,
}

impl Relationship {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Father => "father",
            Self::Mother => "mother",
            Self::Grandparent => "grandparent",
            Self::OtherGuardian => "other_guardian",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "father" => Some(Self::Father),
            "mother" => Some(Self::Mother),
            "grandparent" => Some(Self::Grandparent),
            "other_guardian" => Some(Self::OtherGuardian),
            _ => None,
        }
    }
}

/// One child in a «親子綁定» application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindChildInput {
    pub school_code: String,
    pub name: String,
    pub student_no: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    pub id_no: String,
    pub relationship: Relationship,
}

/// A «親子綁定» application: one or more children (siblings, other school levels).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindInput {
    pub children: Vec<BindChildInput>,
}

impl BindInput {
    /// Field names `children.{i}.{field}`; codes `required`, `too_long`, `invalid`.
    /// `children` → `required` (none) or `too_many` (over
    /// [`MAX_CHILDREN_PER_CALL`]).
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if self.children.is_empty() {
            errors.insert("children".into(), "required".into());
        } else if self.children.len() > MAX_CHILDREN_PER_CALL {
            errors.insert("children".into(), "too_many".into());
        }
        for (i, c) in self.children.iter().enumerate() {
            let mut put = |field: &str, code: &str| {
                errors.insert(format!("children.{i}.{field}"), code.into());
            };
            for (field, value, max) in [
                ("school_code", &c.school_code, 20),
                ("name", &c.name, 60),
                ("student_no", &c.student_no, 20),
                ("id_no", &c.id_no, 20),
            ] {
                let n = value.trim().chars().count();
                if n == 0 {
                    put(field, "required");
                } else if n > max {
                    put(field, "too_long");
                }
            }
            if c.birth_date.trim().is_empty() {
                put("birth_date", "required");
            } else if crate::domain::dates::parse_iso_date(&c.birth_date).is_none() {
                put("birth_date", "invalid");
            }
        }
        errors
    }
}

/// What became of one child of a `parent/bind` call, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BindOutcome {
    /// A new request «審核中».
    Requested { request: BindingRequestRow },
    /// The parent already has a pending request for this child.
    AlreadyPending { request: BindingRequestRow },
    /// The parent is already bound to this child.
    AlreadyBound { request: BindingRequestRow },
    /// Not found on the roster. One answer whatever did not match (school, student
    /// number, name, birth date or ID), so the form reveals nothing of the roster.
    Mismatch,
    /// Too many failed attempts (by this parent this hour, or for this child ID by
    /// anyone today); this child was not checked.
    RateLimited { retry_after_secs: u64 },
}

/// One binding request as its parent sees it (also the printable application).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingRequestRow {
    /// Names the request (and, once approved, the binding) in later calls.
    pub id: i32,
    pub status: BindingStatus,
    pub relationship: Relationship,
    pub school_name: String,
    pub class_name: String,
    /// e.g. 林○晴
    pub masked_name: String,
    /// Taiwan date of the request.
    #[serde(with = "crate::domain::wire::date")]
    pub requested_on: NaiveDate,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub decided_at: Option<DateTime<Utc>>,
    /// «退回» reason, for a returned request.
    pub return_reason: Option<String>,
}

/// A bound child with the same summaries the query wizard shows (SPEC §1 3d).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildOverview {
    /// The approved request that binds the parent to this child.
    pub binding_id: i32,
    pub relationship: Relationship,
    pub masked_name: String,
    /// The child's full name: sent only to a parent whose binding is approved (the
    /// anonymous wizards and pending requests show `masked_name`).
    pub full_name: String,
    pub school_name: String,
    pub class_name: String,
    pub cards: Vec<CardSummary>,
    pub applications: Vec<ApplicationSummary>,
    /// The card wizards that fit this child now.
    #[serde(default)]
    pub actions: crate::holder::HolderActions,
}

/// The account part of «我的資料».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountData {
    pub display_name: String,
    pub contact_kind: String,
    /// In clear: it is the owner's own address.
    pub contact: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub password_changed_at: DateTime<Utc>,
    pub must_change_password: bool,
    pub created_by_school: bool,
}

/// A security event or change recorded about the parent's own account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEvent {
    #[serde(with = "crate::domain::wire::timestamp")]
    pub at: DateTime<Utc>,
    pub action: String,
    pub result: String,
}

/// «我的資料» (SPEC §10): what the portal holds about the parent and their bound
/// children, and nobody else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentDataExport {
    #[serde(with = "crate::domain::wire::timestamp")]
    pub generated_at: DateTime<Utc>,
    pub account: AccountData,
    /// The consents this parent gave when starting a wizard for a bound child, each
    /// with a downloadable receipt. (The optional notification consent is the
    /// subscriptions themselves: its changes are in `account_events`.)
    pub consents: Vec<crate::wizard::ConsentReceiptSummary>,
    pub binding_requests: Vec<BindingRequestRow>,
    pub children: Vec<ChildOverview>,
    /// The account's own audit trail (logins, password changes, bindings).
    pub account_events: Vec<AccountEvent>,
}

/// Back office: which requests to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingFilter {
    /// Only this status (e.g. `pending` for the approval queue); all when `None`.
    #[serde(default)]
    pub status: Option<BindingStatus>,
}

/// Back office: one binding request in the staff member's scope. The child's name is
/// shown in full (the teacher knows the class); the parent's contact is masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffBindingRow {
    pub id: i32,
    pub status: BindingStatus,
    pub relationship: Relationship,
    pub school_name: String,
    pub class_name: String,
    pub seat_no: i32,
    pub student_no: String,
    pub child_name: String,
    pub parent_display_name: String,
    pub parent_contact_masked: String,
    #[serde(with = "crate::domain::wire::date")]
    pub requested_on: NaiveDate,
    pub return_reason: Option<String>,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub decided_at: Option<DateTime<Utc>>,
}

/// Back office «新增家長帳號»: an account made by staff for a parent (temporary password
/// sent to the contact; changed at first login), optionally bound at once to a student
/// of the staff member's school by student number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffNewParentInput {
    /// E-mail address or mobile number.
    pub account: String,
    pub display_name: String,
    /// «學號»; empty for an account without a child yet.
    #[serde(default)]
    pub student_no: String,
    #[serde(default)]
    pub relationship: Option<Relationship>,
}

/// What the staff member sees after creating the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffNewParentDone {
    pub contact_masked: String,
    /// e.g. 林○晴, when a child was bound.
    pub child_masked_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_an_address_or_a_mobile_number() {
        assert_eq!(
            ParentContact::parse(" Mom@Example.com "),
            Ok(ParentContact::Email("mom@example.com".into()))
        );
        assert_eq!(
            ParentContact::parse("0912-345 678"),
            Ok(ParentContact::Mobile("0912345678".into()))
        );
        assert_eq!(ParentContact::parse(""), Err("required"));
        assert_eq!(ParentContact::parse("0812345678"), Err("format"));
        assert_eq!(ParentContact::parse("mom@"), Err("format"));
        assert_eq!(
            ParentContact::parse("0912345678").map(|c| c.masked()),
            Ok("0912***678".into())
        );
    }

    #[test]
    fn bind_inputs_name_the_child_and_field_of_each_problem() {
        let child = BindChildInput {
            school_code: "173601".into(),
            name: "林雨晴".into(),
            student_no: "110001".into(),
            birth_date: "2015-03-14".into(),
            id_no: "A223456781".into(),
            relationship: Relationship::Mother,
        };
        let ok = BindInput {
            children: vec![child.clone()],
        };
        assert!(ok.field_errors().is_empty());
        let bad = BindInput {
            children: vec![
                child.clone(),
                BindChildInput {
                    name: " ".into(),
                    birth_date: "2015-02-30".into(),
                    ..child
                },
            ],
        };
        let e = bad.field_errors();
        assert_eq!(
            e.get("children.1.name").map(String::as_str),
            Some("required")
        );
        assert_eq!(
            e.get("children.1.birth_date").map(String::as_str),
            Some("invalid")
        );
        assert_eq!(e.len(), 2);
        assert_eq!(
            BindInput { children: vec![] }
                .field_errors()
                .get("children"),
            Some(&"required".to_owned())
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<LoginInput, _> = serde_json::from_value(serde_json::json!({
            "account": "a@b.tw", "password": "x", "is_admin": true
        }));
        assert!(r.is_err());
    }
}
