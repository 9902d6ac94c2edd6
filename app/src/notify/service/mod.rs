//! «帳號設定», «到離校簡訊服務» and «出勤統計» on the server: every function checks the
//! parent session (and for a child, an approved binding of that parent) or the staff
//! member's scope, and audits each change.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

use super::{
    AttendanceDay, CancellationStatus, ChildAttendance, ChildSubscriptions, LineLinkCode,
    NotificationSettings, NotifyChannel, NotifyEvent, SmsCancellationRow, SmsStatus,
    SmsSubscriptionRow, SubscriptionChange, SwipeTime,
};
use crate::domain::dates::taiwan_time;
use crate::domain::masking::{mask_mobile, mask_name};
use crate::error::AppError;
use crate::parent::{BindingStatus, CodeSent, ParentContact};
use crate::server::AppState;
use crate::server::audit::Actor;
use crate::server::codes::{self, CodeCheck, CodeRules};
use crate::server::context::{CallContext, ClientContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{
    binding_requests, classes, holders, notification_subscriptions, parent_accounts,
    school_holidays, schools, sms_cancellations, sms_subscriptions, swipes,
};
use crate::server::model::parent_account::current;
#[allow(unused_imports)]
use crate::server::model::{audit_trail, binding_request, parent_account, staff_user};
use crate::server::outbox::{self, Channel, NewMessage};

/// The code that verifies a notification e-mail address (SPEC §7 code limits).
pub const EMAIL_CODE: CodeRules = CodeRules {
    purpose: "notify.email",
    valid_minutes: 60,
    max_guesses: 5,
    resend_after_secs: 60,
    per_hour: 5,
};
/// How long a LINE link code may wait for the parent's LINE message.
pub const LINE_CODE_MINUTES: i64 = 30;
const LINE_CODE_LEN: usize = 8;

/// The Taiwan date of `t`.
pub fn taiwan_day(t: DateTime<Utc>) -> NaiveDate {
    taiwan_time(t).date_naive()
}

fn email_aad(parent_id: i32) -> String {
    format!("parent_accounts.notify_email:{parent_id}")
}

fn line_aad(parent_id: i32) -> String {
    format!("parent_accounts.line_user:{parent_id}")
}

/// The keyed hash a LINE user id is looked up by.
pub fn line_user_hash(state: &AppState, line_user_id: &str) -> String {
    state
        .cipher
        .keyed_hash("parent_accounts.line_user", line_user_id)
}

fn line_code_hash(state: &AppState, code: &str) -> String {
    state
        .cipher
        .keyed_hash("parent_accounts.line_link_code", code)
}

/// Where the parent's e-mail notifications go, and whether that address is verified:
/// the verified notification address, else the login e-mail (verified by the
/// registration code).
///
/// # Errors
/// `Internal` when a stored value cannot be decrypted.
pub fn notification_email(
    state: &AppState,
    account: &parent_accounts::Model,
) -> Result<(Option<String>, bool), AppError> {
    if let Some(enc) = &account.notify_email_enc {
        let email = state
            .cipher
            .decrypt(enc, &email_aad(account.id))
            .map_err(internal)?;
        return Ok((Some(email), account.notify_email_verified_at.is_some()));
    }
    match parent_account::account_contact(state, account)? {
        ParentContact::Email(e) => Ok((Some(e), true)),
        ParentContact::Mobile(_) => Ok((None, false)),
    }
}

/// The linked LINE user id, if any.
///
/// # Errors
/// `Internal` when it cannot be decrypted.
pub fn line_user(
    state: &AppState,
    account: &parent_accounts::Model,
) -> Result<Option<String>, AppError> {
    account
        .line_user_enc
        .as_ref()
        .map(|enc| state.cipher.decrypt(enc, &line_aad(account.id)))
        .transpose()
        .map_err(internal)
}

/// The recipient of `channel` for this parent, if the channel is verified.
///
/// # Errors
/// `Internal` when a stored value cannot be decrypted.
pub fn verified_recipient(
    state: &AppState,
    account: &parent_accounts::Model,
    channel: NotifyChannel,
) -> Result<Option<String>, AppError> {
    Ok(match channel {
        NotifyChannel::Email => match notification_email(state, account)? {
            (Some(e), true) => Some(e),
            _ => None,
        },
        NotifyChannel::Line => line_user(state, account)?,
    })
}

mod attendance;
mod demo;
mod settings;
mod sms;

pub use attendance::*;
pub use demo::*;
pub use settings::*;
pub use sms::*;
