//! Rules of «家長專區» (SPEC §2, §7, §10), on the server only.
//!
//! - **Accounts** sign in with an e-mail address or a mobile number, stored encrypted
//!   with a keyed hash for lookup. Registration and «忘記密碼» prove the contact with
//!   a 6-digit one-time code ([`crate::server::codes`]); the first step answers the
//!   same whether or not the contact already has an account.
//! - **Login** is counted per account hash: after 3 failures in 15 minutes a captcha
//!   is required, 10 failures in 15 minutes lock the account for 15 minutes; per
//!   client IP the identity verification limit applies. The session id is cycled;
//!   the session keeps the parent id and the account's password version, and a
//!   session with an older version has ended (so a password change or reset ends
//!   every other session).
//! - **Staff-created accounts** carry a temporary password: until it is changed
//!   every parent function but `me`, `change-password` and `logout` answers
//!   [`AppError::MustChangePassword`].
//! - **«親子綁定»**: each child is matched against the roster (school and student
//!   number, name after NFKC, birth date, ID by keyed hash); a mismatch is one generic
//!   answer whatever did not match, and failed matches are limited per parent and
//!   hour and per child ID and day across all accounts (no roster oracle). A
//!   match creates a request «審核中» that the homeroom teacher, the school's card
//!   officer or an issuer operator approves or returns; the parent is told either
//!   way. An approved request is the binding, ended by the parent (`unbind`) or by
//!   staff (`remove_binding`, protection cases).
//! - Everything a parent sees of a child goes through an approved binding of that
//!   parent; anything else is 403 with an audit row.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

use super::{
    AccountData, AccountEvent, BindChildInput, BindInput, BindOutcome, BindingFilter,
    BindingRequestRow, BindingStatus, ChangePasswordInput, ChildOverview, CodeRequestInput,
    CodeSent, LoginInput, ParentContact, ParentDataExport, ParentProfile, REASON_MAX,
    RegisterFinishInput, Relationship, ResetPasswordInput, StaffBindingRow,
};
use crate::domain::captcha::CaptchaChallenge;
use crate::domain::dates::{parse_iso_date, taiwan_time};
use crate::domain::id_number;
use crate::domain::masking::mask_name;
use crate::error::AppError;
use crate::holder::cards as holder_cards;
use crate::server::AppState;
use crate::server::audit::Actor;
use crate::server::captcha;
use crate::server::codes::{self, CodeCheck, CodeRules};
use crate::server::context::{CallContext, ClientContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{
    audit_log, binding_attempts, binding_requests, classes, holders, parent_accounts,
    parent_login_attempts, schools,
};
use crate::server::outbox::{self, NewMessage};
use crate::server::staff::{self, PasswordRuleError};
use crate::server::staff_scope;
use crate::server::throttle::{self, Admission, LOCK_MINUTES, LOGIN_WINDOW_MINUTES, login_state};

/// The registration code: valid 1 hour, as the legacy system promises (SPEC §2).
pub const REGISTER_CODE: CodeRules = CodeRules {
    purpose: "parent.register",
    valid_minutes: 60,
    max_guesses: 5,
    resend_after_secs: 60,
    per_hour: 5,
};
/// The password reset code: the limits of every one-time code (SPEC §7).
pub const RESET_CODE: CodeRules = CodeRules {
    purpose: "parent.reset",
    valid_minutes: 10,
    max_guesses: 5,
    resend_after_secs: 60,
    per_hour: 5,
};
/// Children that did not match the roster, per parent and hour.
pub const BINDING_FAILURES_PER_HOUR: u64 = 10;
/// Failed bindings per child ID (keyed hash) in 24 hours, whichever parents typed it.
pub const BINDING_FAILURES_PER_CHILD_PER_DAY: u64 = 5;
const TEMPORARY_PASSWORD_LEN: usize = 12;

// ---------------------------------------------------------------------------------
// Shared helpers

fn parse_contact(field: &str, typed: &str) -> Result<ParentContact, AppError> {
    ParentContact::parse(typed).map_err(|code| AppError::field(field, code))
}

pub(crate) fn validated(errors: crate::error::FieldErrors) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn password_rules(field: &str, password: &str) -> Result<(), AppError> {
    staff::check_password_rules(password).map_err(|e| {
        AppError::field(
            field,
            match e {
                PasswordRuleError::TooShort => "too_short",
                PasswordRuleError::TooLong => "too_long",
                PasswordRuleError::Common => "common",
            },
        )
    })
}

fn profile(state: &AppState, a: &parent_accounts::Model) -> Result<ParentProfile, AppError> {
    let contact = account_contact(state, a)?;
    Ok(ParentProfile {
        display_name: a.display_name.clone(),
        contact_kind: a.contact_kind.clone(),
        contact_masked: contact.masked(),
        must_change_password: a.must_change_password,
    })
}

async fn find_account(
    conn: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<parent_accounts::Model>, AppError> {
    parent_accounts::Entity::find()
        .filter(parent_accounts::Column::ContactHash.eq(hash))
        .one(conn)
        .await
        .map_err(internal)
}

/// Normalises a name for matching: NFKC (full-width letters, compatibility
/// ideographs and the like become their ordinary form), then trimmed.
pub fn normalize_name(name: &str) -> String {
    name.trim().nfkc().collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_after_nfkc_and_trimming() {
        // U+F9F4 is the CJK compatibility ideograph of 林 (U+6797).
        assert_eq!(normalize_name(" \u{F9F4}雨晴\u{3000}"), "林雨晴");
        assert_eq!(normalize_name("ＡＮＮＡ　Ｌｅｅ"), "ANNA Lee");
        assert_ne!(normalize_name("林雨睛"), normalize_name("林雨晴"));
    }

    #[test]
    fn temporary_passwords_pass_the_rules() {
        let p = temporary_password();
        assert_eq!(p.len(), TEMPORARY_PASSWORD_LEN);
        assert!(staff::check_password_rules(&p).is_ok());
        assert_ne!(p, temporary_password());
    }
}

mod binding;
mod binding_review;
mod login;
mod notices;
mod registration;
mod session;
mod staff_accounts;

pub use crate::server::model::audit_trail::{deliver_notice, deny, record};
pub use crate::server::model::binding_request::{
    approved_binding, own_request_or_deny, own_requests,
};
pub use crate::server::model::parent_account::{
    ParentSession, SESSION_ABSOLUTE_HOURS, SESSION_KEY, account_contact, channel_of, contact_aad,
    contact_hash, current, logged_in_parent,
};
pub use crate::server::model::staff_user::staff_user;
pub use crate::wizard::bound_parent::{bound_parent_wizard, start_wizard_for_child};
pub use binding::*;
pub use binding_review::*;
pub use login::*;
pub use notices::*;
pub use registration::*;
pub use session::*;
pub use staff_accounts::*;
