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
use crate::parent::service::{self as parents, current};
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
    match parents::account_contact(state, account)? {
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

// ---------------------------------------------------------------------------------
// «帳號設定»

/// «帳號設定».
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn settings(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    settings_of(&cx.state, &account).await
}

async fn settings_of(
    state: &AppState,
    account: &parent_accounts::Model,
) -> Result<NotificationSettings, AppError> {
    let db = &state.db;
    let login = parents::account_contact(state, account)?;
    let (email, email_verified) = notification_email(state, account)?;
    let bindings = parents::own_requests(db, account.id, Some(BindingStatus::Approved)).await?;
    let subs = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .all(db)
        .await
        .map_err(internal)?;
    let mut children = Vec::new();
    for b in bindings {
        let (holder, school, class) = holder_school_class(db, b.holder_id).await?;
        let subscribed = subs
            .iter()
            .filter(|s| s.holder_id == b.holder_id)
            .filter_map(|s| {
                Some((
                    NotifyChannel::parse(&s.channel)?,
                    NotifyEvent::parse(&s.event)?,
                ))
            })
            .collect();
        children.push(ChildSubscriptions {
            binding_id: b.id,
            masked_name: mask_name(&holder.name),
            school_name: school.name,
            class_name: class.name,
            subscribed,
        });
    }
    Ok(NotificationSettings {
        display_name: account.display_name.clone(),
        login_contact: login.value().to_owned(),
        email,
        email_verified,
        mobile: match &login {
            ParentContact::Mobile(m) => Some(m.clone()),
            ParentContact::Email(_) => None,
        },
        line_linked: account.line_user_enc.is_some(),
        line_linked_at: account.line_linked_at,
        children,
    })
}

async fn holder_school_class(
    conn: &impl ConnectionTrait,
    holder_id: i32,
) -> Result<(holders::Model, schools::Model, classes::Model), AppError> {
    let holder = holders::Entity::find_by_id(holder_id)
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let school = schools::Entity::find_by_id(holder.school_id)
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let class = classes::Entity::find_by_id(holder.class_id)
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    Ok((holder, school, class))
}

fn email_subject(state: &AppState, parent_id: i32, email: &str) -> String {
    codes::subject(&state.cipher, &EMAIL_CODE, &format!("{parent_id}:{email}"))
}

/// «驗證電子郵件», first step: stores the address (unverified) and sends a code to it.
///
/// # Errors
/// `Validation` (`email`: `required`, `format`), `RateLimited`, `Unauthorized`.
pub async fn start_email_verification(cx: &CallContext, email: &str) -> Result<CodeSent, AppError> {
    let account = current(cx, false).await?;
    let email = match ParentContact::parse(email) {
        Ok(ParentContact::Email(e)) => e,
        Ok(ParentContact::Mobile(_)) => return Err(AppError::field("email", "format")),
        Err(code) => return Err(AppError::field("email", code)),
    };
    let state = &cx.state;
    let subject = email_subject(state, account.id, &email);
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    if let Some(retry_after_secs) = codes::wait_before_next(&txn, &EMAIL_CODE, &subject, now)
        .await
        .map_err(internal)?
    {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let code = codes::issue(&txn, &state.cipher, &EMAIL_CODE, &subject, true, now)
        .await
        .map_err(internal)?;
    let masked = crate::domain::masking::mask_email(&email);
    let mut active: parent_accounts::ActiveModel = account.clone().into();
    active.notify_email_enc = Set(Some(state.cipher.encrypt(&email, &email_aad(account.id))));
    active.notify_email_verified_at = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await.map_err(internal)?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: Channel::Email,
            recipient: &email,
            template: "notify_email_code",
            payload: serde_json::json!({ "code": code, "minutes": EMAIL_CODE.valid_minutes }),
        },
    )
    .await
    .map_err(internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.email_code",
        Some(masked.clone()),
        "ok",
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    parents::deliver_notice(state, &message_id).await;
    Ok(CodeSent {
        destination_masked: masked,
        resend_after_secs: EMAIL_CODE.resend_after_secs.unsigned_abs(),
        valid_minutes: EMAIL_CODE.valid_minutes,
    })
}

/// «驗證電子郵件», second step.
///
/// # Errors
/// `Validation` (`code`: `required`, `wrong`, `expired`), `Unauthorized`.
pub async fn finish_email_verification(
    cx: &CallContext,
    code: &str,
) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let (Some(email), verified) = notification_email(state, &account)? else {
        return Err(AppError::field("code", "expired"));
    };
    if verified {
        return settings_of(state, &account).await;
    }
    if code.trim().is_empty() {
        return Err(AppError::field("code", "required"));
    }
    let subject = email_subject(state, account.id, &email);
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let checked = codes::check(&txn, &state.cipher, &EMAIL_CODE, &subject, code, now)
        .await
        .map_err(internal)?;
    let masked = crate::domain::masking::mask_email(&email);
    let live = match checked {
        CodeCheck::Valid(c) => c,
        other => {
            let (result, field) = match other {
                CodeCheck::Wrong { burnt: false } => ("failed", "wrong"),
                CodeCheck::Wrong { burnt: true } => ("burnt", "wrong"),
                _ => ("expired", "expired"),
            };
            parents::record(
                &txn,
                Some(&cx.client),
                Actor::Parent(account.id),
                "notify.email_verify",
                Some(masked),
                result,
                serde_json::json!({}),
            )
            .await?;
            txn.commit().await.map_err(internal)?;
            return Err(AppError::field("code", field));
        }
    };
    codes::spend(&txn, live, now).await.map_err(internal)?;
    let mut active: parent_accounts::ActiveModel = account.clone().into();
    active.notify_email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    let account = active.update(&txn).await.map_err(internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.email_verify",
        Some(masked),
        "ok",
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    settings_of(state, &account).await
}

/// «產生 LINE 綁定碼»: a one-time code the parent sends to the school's official LINE
/// account; the LINE webhook then links the sender. A new code replaces the old one.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn new_line_link_code(cx: &CallContext) -> Result<LineLinkCode, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let mut rng = rand::rngs::OsRng;
    let code: String = (0..LINE_CODE_LEN)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    let now = Utc::now();
    let expires_at = now + Duration::minutes(LINE_CODE_MINUTES);
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let id = account.id;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_link_code_hash = Set(Some(line_code_hash(state, &code)));
    active.line_link_code_expires_at = Set(Some(expires_at));
    active.updated_at = Set(now);
    active.update(&txn).await.map_err(internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(id),
        "notify.line_code",
        None,
        "ok",
        serde_json::json!({ "expires_at": expires_at.to_rfc3339() }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    Ok(LineLinkCode {
        code,
        expires_at,
        official_account: state.config.line_official_account.clone(),
    })
}

/// The LINE webhook's text message `text` from `line_user_id`: links the account
/// whose live link code it is. Returns whether an account was linked.
///
/// # Errors
/// Database errors.
pub async fn link_line_user(
    state: &AppState,
    line_user_id: &str,
    text: &str,
) -> Result<bool, AppError> {
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    if code.len() != LINE_CODE_LEN || line_user_id.is_empty() || line_user_id.len() > 100 {
        return Ok(false);
    }
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let Some(account) = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::LineLinkCodeHash.eq(line_code_hash(state, &code)))
        .filter(parent_accounts::Column::LineLinkCodeExpiresAt.gt(now))
        .one(&txn)
        .await
        .map_err(internal)?
    else {
        return Ok(false);
    };
    let id = account.id;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_user_enc = Set(Some(state.cipher.encrypt(line_user_id, &line_aad(id))));
    active.line_user_hash = Set(Some(line_user_hash(state, line_user_id)));
    active.line_linked_at = Set(Some(now));
    active.line_link_code_hash = Set(None);
    active.line_link_code_expires_at = Set(None);
    active.updated_at = Set(now);
    active.update(&txn).await.map_err(internal)?;
    parents::record(
        &txn,
        None,
        Actor::Parent(id),
        "notify.line_link",
        None,
        "ok",
        serde_json::json!({}),
    )
    .await?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: Channel::Line,
            recipient: line_user_id,
            template: "line_linked",
            payload: serde_json::json!({}),
        },
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    parents::deliver_notice(state, &message_id).await;
    Ok(true)
}

/// «解除 LINE 連結»: forgets the LINE user and its subscriptions.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn unlink_line(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let id = account.id;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.line_user_enc = Set(None);
    active.line_user_hash = Set(None);
    active.line_linked_at = Set(None);
    active.updated_at = Set(now);
    let account = active.update(&txn).await.map_err(internal)?;
    let removed = notification_subscriptions::Entity::delete_many()
        .filter(notification_subscriptions::Column::ParentId.eq(id))
        .filter(notification_subscriptions::Column::Channel.eq(NotifyChannel::Line.as_str()))
        .exec(&txn)
        .await
        .map_err(internal)?
        .rows_affected;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(id),
        "notify.line_unlink",
        None,
        "ok",
        serde_json::json!({ "subscriptions_removed": removed }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    settings_of(state, &account).await
}

/// One checkbox of the grid: on at once (the channel must be verified), or off.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not an approved binding of this
/// parent — audited), `Validation` (`channel`: `unverified`).
pub async fn change_subscription(
    cx: &CallContext,
    change: SubscriptionChange,
) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    if change.subscribed && verified_recipient(state, &account, change.channel)?.is_none() {
        return Err(AppError::field("channel", "unverified"));
    }
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let (txn, binding) = parents::own_request_or_deny(
        cx,
        txn,
        account.id,
        change.binding_id,
        &[BindingStatus::Approved],
        "notify.subscribe",
    )
    .await?;
    let existing = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .filter(notification_subscriptions::Column::HolderId.eq(binding.holder_id))
        .filter(notification_subscriptions::Column::Channel.eq(change.channel.as_str()))
        .filter(notification_subscriptions::Column::Event.eq(change.event.as_str()))
        .one(&txn)
        .await
        .map_err(internal)?;
    let before = existing.is_some();
    match (existing, change.subscribed) {
        (None, true) => {
            notification_subscriptions::ActiveModel {
                parent_id: Set(account.id),
                holder_id: Set(binding.holder_id),
                channel: Set(change.channel.as_str().into()),
                event: Set(change.event.as_str().into()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(internal)?;
        }
        (Some(row), false) => {
            notification_subscriptions::Entity::delete_by_id(row.id)
                .exec(&txn)
                .await
                .map_err(internal)?;
        }
        _ => {}
    }
    let holder = holders::Entity::find_by_id(binding.holder_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.subscribe",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "binding_id": binding.id,
            "channel": change.channel.as_str(),
            "event": change.event.as_str(),
            "from": before,
            "to": change.subscribed,
        }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    settings_of(state, &account).await
}

/// Withdrawing the optional consent to notifications: every subscription of the
/// parent ends at once.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn withdraw_notifications(cx: &CallContext) -> Result<NotificationSettings, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let removed = notification_subscriptions::Entity::delete_many()
        .filter(notification_subscriptions::Column::ParentId.eq(account.id))
        .exec(&txn)
        .await
        .map_err(internal)?
        .rows_affected;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "notify.withdraw_consent",
        None,
        "ok",
        serde_json::json!({ "subscriptions_removed": removed }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    settings_of(state, &account).await
}

// ---------------------------------------------------------------------------------
// «到離校簡訊服務»

fn sms_mobile_aad(holder_id: i32) -> String {
    format!("sms_subscriptions.mobile:{holder_id}")
}

/// Adds a term of the paid SMS service for a holder (the school's order, from the
/// command line or demo data). Returns the subscription id.
///
/// # Errors
/// `Validation` (`mobile`), database errors.
pub async fn add_sms_subscription(
    state: &AppState,
    holder_id: i32,
    mobile: &str,
    term_name: &str,
    period: (NaiveDate, NaiveDate),
) -> Result<i32, AppError> {
    let mobile = match ParentContact::parse(mobile) {
        Ok(ParentContact::Mobile(m)) => m,
        _ => return Err(AppError::field("mobile", "format")),
    };
    let now = Utc::now();
    let row = sms_subscriptions::ActiveModel {
        holder_id: Set(holder_id),
        parent_id: Set(None),
        mobile_enc: Set(state.cipher.encrypt(&mobile, &sms_mobile_aad(holder_id))),
        term_name: Set(term_name.to_owned()),
        period_start: Set(period.0),
        period_end: Set(period.1),
        arrival: Set(true),
        departure: Set(true),
        applied_on: Set(taiwan_day(now)),
        cancelled_from: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await
    .map_err(internal)?;
    Ok(row.id)
}

/// The mobile number of an SMS subscription.
///
/// # Errors
/// `Internal` when it cannot be decrypted.
pub fn sms_mobile(state: &AppState, s: &sms_subscriptions::Model) -> Result<String, AppError> {
    state
        .cipher
        .decrypt(&s.mobile_enc, &sms_mobile_aad(s.holder_id))
        .map_err(internal)
}

async fn latest_cancellation(
    conn: &impl ConnectionTrait,
    subscription_id: i32,
) -> Result<Option<sms_cancellations::Model>, AppError> {
    sms_cancellations::Entity::find()
        .filter(sms_cancellations::Column::SubscriptionId.eq(subscription_id))
        .order_by_desc(sms_cancellations::Column::RequestedAt)
        .order_by_desc(sms_cancellations::Column::Id)
        .one(conn)
        .await
        .map_err(internal)
}

async fn sms_rows_of(
    state: &AppState,
    parent_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let db = &state.db;
    let mut rows = Vec::new();
    for b in parents::own_requests(db, parent_id, Some(BindingStatus::Approved)).await? {
        let (holder, school, class) = holder_school_class(db, b.holder_id).await?;
        let subs = sms_subscriptions::Entity::find()
            .filter(sms_subscriptions::Column::HolderId.eq(holder.id))
            .order_by_desc(sms_subscriptions::Column::PeriodStart)
            .all(db)
            .await
            .map_err(internal)?;
        for s in subs {
            let latest = latest_cancellation(db, s.id).await?;
            let status = if s.cancelled_from.is_some() {
                SmsStatus::Cancelled
            } else if latest.as_ref().is_some_and(|c| c.status == "pending") {
                SmsStatus::CancelPending
            } else {
                SmsStatus::Active
            };
            let reject_reason = latest
                .filter(|c| c.status == "rejected")
                .and_then(|c| c.reject_reason);
            rows.push(SmsSubscriptionRow {
                id: s.id,
                masked_name: mask_name(&holder.name),
                school_name: school.name.clone(),
                class_name: class.name.clone(),
                term_name: s.term_name.clone(),
                period_start: s.period_start,
                period_end: s.period_end,
                arrival: s.arrival,
                departure: s.departure,
                mobile_masked: mask_mobile(&sms_mobile(state, &s)?),
                status,
                cancelled_from: s.cancelled_from,
                reject_reason,
            });
        }
    }
    Ok(rows)
}

/// «到離校簡訊服務»: the SMS subscriptions of the parent's bound children.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn sms_subscriptions(cx: &CallContext) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    sms_rows_of(&cx.state, account.id).await
}

/// The subscription `id` if it belongs to a child the parent is bound to; otherwise
/// the refusal is audited and 403 returned.
async fn own_sms_subscription(
    cx: &CallContext,
    txn: sea_orm::DatabaseTransaction,
    parent_id: i32,
    id: i32,
    action: &str,
) -> Result<(sea_orm::DatabaseTransaction, sms_subscriptions::Model), AppError> {
    let sub = sms_subscriptions::Entity::find_by_id(id)
        .one(&txn)
        .await
        .map_err(internal)?;
    let bound = match &sub {
        Some(s) => binding_requests::Entity::find()
            .filter(binding_requests::Column::ParentId.eq(parent_id))
            .filter(binding_requests::Column::HolderId.eq(s.holder_id))
            .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
            .one(&txn)
            .await
            .map_err(internal)?
            .is_some(),
        None => false,
    };
    match sub {
        Some(s) if bound => Ok((txn, s)),
        _ => Err(parents::deny(
            txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            action,
            "not_bound",
        )
        .await),
    }
}

/// «註銷»: asks the homeroom teacher to cancel an SMS subscription.
///
/// # Errors
/// `Forbidden` (not a bound child's), `Conflict` (`already_cancelled`,
/// `already_pending`), `Unauthorized`.
pub async fn request_sms_cancellation(
    cx: &CallContext,
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let (txn, sub) =
        own_sms_subscription(cx, txn, account.id, subscription_id, "sms.cancel").await?;
    if sub.cancelled_from.is_some() {
        return Err(AppError::Conflict("already_cancelled".into()));
    }
    if latest_cancellation(&txn, sub.id)
        .await?
        .is_some_and(|c| c.status == "pending")
    {
        return Err(AppError::Conflict("already_pending".into()));
    }
    let now = Utc::now();
    let row = sms_cancellations::ActiveModel {
        subscription_id: Set(sub.id),
        parent_id: Set(account.id),
        status: Set(CancellationStatus::Pending.as_str().into()),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "sms.cancel",
        Some(sub.term_name.clone()),
        "ok",
        serde_json::json!({ "subscription_id": sub.id, "request_id": row.id, "to": "pending" }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    sms_rows_of(state, account.id).await
}

/// «取消註銷»: withdraws a pending cancellation request.
///
/// # Errors
/// `Forbidden`, `Conflict("not_pending")`, `Unauthorized`.
pub async fn withdraw_sms_cancellation(
    cx: &CallContext,
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let (txn, sub) =
        own_sms_subscription(cx, txn, account.id, subscription_id, "sms.withdraw").await?;
    let Some(pending) = latest_cancellation(&txn, sub.id)
        .await?
        .filter(|c| c.status == "pending")
    else {
        return Err(AppError::Conflict("not_pending".into()));
    };
    let request_id = pending.id;
    let mut active: sms_cancellations::ActiveModel = pending.into();
    active.status = Set(CancellationStatus::Withdrawn.as_str().into());
    active.decided_at = Set(Some(Utc::now()));
    active.update(&txn).await.map_err(internal)?;
    parents::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "sms.withdraw",
        Some(sub.term_name.clone()),
        "ok",
        serde_json::json!({ "subscription_id": sub.id, "request_id": request_id, "from": "pending", "to": "withdrawn" }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    sms_rows_of(state, account.id).await
}

/// Back office «簡訊註銷審核»: the requests in the staff member's scope.
///
/// # Errors
/// `Forbidden` (unknown staff member).
pub async fn list_sms_cancellations(
    state: &AppState,
    staff_id: i32,
    status: Option<CancellationStatus>,
) -> Result<Vec<SmsCancellationRow>, AppError> {
    let db = &state.db;
    let staff = parents::staff_user(db, staff_id).await?;
    let mut q =
        sms_cancellations::Entity::find().order_by_desc(sms_cancellations::Column::RequestedAt);
    if let Some(s) = status {
        q = q.filter(sms_cancellations::Column::Status.eq(s.as_str()));
    }
    let mut rows = Vec::new();
    let mut parents_seen: HashMap<i32, String> = HashMap::new();
    for c in q.all(db).await.map_err(internal)? {
        let Some(sub) = sms_subscriptions::Entity::find_by_id(c.subscription_id)
            .one(db)
            .await
            .map_err(internal)?
        else {
            continue;
        };
        let (holder, school, class) = holder_school_class(db, sub.holder_id).await?;
        if !crate::server::staff_scope::covers(&staff, &holder) {
            continue;
        }
        let parent_name = match parents_seen.get(&c.parent_id) {
            Some(n) => n.clone(),
            None => {
                let n = parent_accounts::Entity::find_by_id(c.parent_id)
                    .one(db)
                    .await
                    .map_err(internal)?
                    .map(|p| p.display_name)
                    .unwrap_or_default();
                parents_seen.insert(c.parent_id, n.clone());
                n
            }
        };
        rows.push(SmsCancellationRow {
            id: c.id,
            status: CancellationStatus::parse(&c.status).unwrap_or_default(),
            school_name: school.name,
            class_name: class.name,
            seat_no: holder.seat_no,
            student_no: holder.student_no,
            child_name: holder.name,
            parent_display_name: parent_name,
            term_name: sub.term_name,
            arrival: sub.arrival,
            departure: sub.departure,
            requested_at: c.requested_at,
            effective_on: c.effective_on,
            reject_reason: c.reject_reason,
        });
    }
    Ok(rows)
}

/// «核可» (effective the next day) or «駁回» (reason required) of a pending
/// cancellation; the parent is told either way.
///
/// # Errors
/// `Forbidden` (outside the staff member's scope — audited), `NotFound`,
/// `Conflict("not_pending")`, `Validation` (`reason`: `required`, `too_long`).
pub async fn review_sms_cancellation(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    approve: bool,
    reason: &str,
) -> Result<SmsCancellationRow, AppError> {
    let reason = reason.trim();
    if !approve && reason.is_empty() {
        return Err(AppError::field("reason", "required"));
    }
    if reason.chars().count() > crate::parent::REASON_MAX {
        return Err(AppError::field("reason", "too_long"));
    }
    let db = &state.db;
    let now = Utc::now();
    let txn = begin_write(db).await.map_err(internal)?;
    let staff = parents::staff_user(&txn, staff_id).await?;
    let request = sms_cancellations::Entity::find_by_id(request_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let sub = sms_subscriptions::Entity::find_by_id(request.subscription_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let (holder, school, _) = holder_school_class(&txn, sub.holder_id).await?;
    if !crate::server::staff_scope::covers(&staff, &holder) {
        return Err(parents::deny(
            txn,
            client,
            Actor::Staff(staff_id),
            "sms.review",
            "out_of_scope",
        )
        .await);
    }
    if request.status != "pending" {
        return Err(AppError::Conflict("not_pending".into()));
    }
    let effective_on = taiwan_day(now) + Duration::days(1);
    let to = if approve { "approved" } else { "rejected" };
    let parent_id = request.parent_id;
    let mut active: sms_cancellations::ActiveModel = request.into();
    active.status = Set(to.into());
    active.decided_at = Set(Some(now));
    active.decided_by_staff_id = Set(Some(staff_id));
    if approve {
        active.effective_on = Set(Some(effective_on));
    } else {
        active.reject_reason = Set(Some(reason.to_owned()));
    }
    active.update(&txn).await.map_err(internal)?;
    if approve {
        let mut s: sms_subscriptions::ActiveModel = sub.clone().into();
        s.cancelled_from = Set(Some(effective_on));
        s.update(&txn).await.map_err(internal)?;
    }
    parents::record(
        &txn,
        client,
        Actor::Staff(staff_id),
        "sms.review",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "request_id": request_id, "from": "pending", "to": to,
            "effective_on": approve.then(|| effective_on.to_string()),
        }),
    )
    .await?;
    // Tell the parent on their login contact.
    let message_id = match parent_accounts::Entity::find_by_id(parent_id)
        .one(&txn)
        .await
        .map_err(internal)?
    {
        Some(parent) => {
            let contact = parents::account_contact(state, &parent)?;
            Some(
                outbox::enqueue(
                    &txn,
                    &state.cipher,
                    NewMessage {
                        channel: parents::channel_of(&contact),
                        recipient: contact.value(),
                        template: if approve {
                            "sms_cancellation_approved"
                        } else {
                            "sms_cancellation_rejected"
                        },
                        payload: serde_json::json!({
                            "masked_name": mask_name(&holder.name),
                            "school_name": school.name,
                            "term_name": sub.term_name,
                            "effective_on": effective_on.to_string(),
                            "reason": reason,
                        }),
                    },
                )
                .await
                .map_err(internal)?,
            )
        }
        None => None,
    };
    txn.commit().await.map_err(internal)?;
    if let Some(id) = message_id {
        parents::deliver_notice(state, &id).await;
    }
    list_sms_cancellations(state, staff_id, None)
        .await?
        .into_iter()
        .find(|r| r.id == request_id)
        .ok_or(AppError::Internal)
}

// ---------------------------------------------------------------------------------
// «出勤統計»

/// Whether `day` is a school day for `school_id`: Monday to Friday and not a holiday
/// (for every school or this one).
///
/// # Errors
/// Database errors.
pub async fn is_school_day(
    conn: &impl ConnectionTrait,
    school_id: i32,
    day: NaiveDate,
) -> Result<bool, AppError> {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return Ok(false);
    }
    let holidays = school_holidays::Entity::find()
        .filter(school_holidays::Column::Day.eq(day))
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(!holidays
        .iter()
        .any(|h| h.school_id.is_none() || h.school_id == Some(school_id)))
}

/// The last [`super::ATTENDANCE_DAYS`] school days up to `today`, newest first.
///
/// # Errors
/// Database errors.
pub async fn recent_school_days(
    conn: &impl ConnectionTrait,
    school_id: i32,
    today: NaiveDate,
) -> Result<Vec<NaiveDate>, AppError> {
    let mut days = Vec::new();
    let mut d = today;
    // Bounded: a month back is more than enough for 7 school days.
    for _ in 0..31 {
        if days.len() == super::ATTENDANCE_DAYS {
            break;
        }
        if is_school_day(conn, school_id, d).await? {
            days.push(d);
        }
        d -= Duration::days(1);
    }
    Ok(days)
}

/// The attendance table of one holder for `days` (Taiwan dates).
///
/// # Errors
/// Database errors.
pub async fn attendance_days(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    days: &[NaiveDate],
) -> Result<Vec<AttendanceDay>, AppError> {
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
        return Ok(Vec::new());
    };
    // Taiwan midnight of the first day to that of the day after the last.
    let from = first
        .and_hms_opt(0, 0, 0)
        .ok_or(AppError::Internal)?
        .and_utc()
        - Duration::hours(8);
    let to = last
        .and_hms_opt(0, 0, 0)
        .ok_or(AppError::Internal)?
        .and_utc()
        + Duration::hours(16);
    let rows = swipes::Entity::find()
        .filter(swipes::Column::HolderId.eq(holder_id))
        .filter(swipes::Column::SwipedAt.gte(from))
        .filter(swipes::Column::SwipedAt.lt(to))
        .order_by_asc(swipes::Column::SwipedAt)
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(days
        .iter()
        .map(|&day| {
            let mut of_day = rows.iter().filter(|s| taiwan_day(s.swiped_at) == day);
            let time = |s: &swipes::Model| SwipeTime {
                at: s.swiped_at,
                entered_by_staff: s.entered_by_staff_id.is_some(),
            };
            AttendanceDay {
                day,
                arrival: of_day.clone().find(|s| s.direction == "in").map(time),
                departure: of_day.rfind(|s| s.direction == "out").map(time),
            }
        })
        .collect())
}

/// «出勤統計» of one bound child.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not an approved binding of this
/// parent — audited).
pub async fn attendance(cx: &CallContext, binding_id: i32) -> Result<ChildAttendance, AppError> {
    let account = current(cx, false).await?;
    let db = &cx.state.db;
    let txn = begin_write(db).await.map_err(internal)?;
    let (txn, binding) = parents::own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "notify.attendance",
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    let (holder, school, class) = holder_school_class(db, binding.holder_id).await?;
    let days = recent_school_days(db, school.id, taiwan_day(Utc::now())).await?;
    Ok(ChildAttendance {
        binding_id,
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        days: attendance_days(db, holder.id, &days).await?,
    })
}

// ---------------------------------------------------------------------------------
// Demo data

/// The demo parent printed by `server serve`: (account, password).
pub const DEMO_PARENT: (&str, &str) = ("parent@example.com", "demo-parent-2026");

/// Demo data for «家長專區» (after the roster demo): a parent bound to 林雨晴 with an
/// e-mail arrival subscription, a term of the SMS service, and a week of swipes
/// including a staff entry («補登») and a day without any.
///
/// # Errors
/// Database errors; `Internal` when the demo roster is missing.
pub async fn seed_demo(state: &AppState) -> Result<(), AppError> {
    use crate::server::entities::staff_users;
    let db = &state.db;
    let (account, password) = DEMO_PARENT;
    let contact = ParentContact::Email(account.into());
    let hash = parents::contact_hash(&state.cipher, &contact);
    let password_hash = crate::server::staff::hash_password(password.into())
        .await
        .map_err(internal)?;
    let now = Utc::now();
    let holder = holders::Entity::find()
        .filter(holders::Column::StudentNo.eq("110001"))
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let teacher = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq("teacher.501"))
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let parent = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state
            .cipher
            .encrypt(contact.value(), &parents::contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set("林媽媽".into()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(false),
        created_by_staff_id: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(internal)?;
    binding_requests::ActiveModel {
        parent_id: Set(parent.id),
        holder_id: Set(holder.id),
        relationship: Set("mother".into()),
        status: Set(BindingStatus::Approved.as_str().into()),
        decided_by_staff_id: Set(Some(teacher.id)),
        decided_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(internal)?;
    notification_subscriptions::ActiveModel {
        parent_id: Set(parent.id),
        holder_id: Set(holder.id),
        channel: Set(NotifyChannel::Email.as_str().into()),
        event: Set(NotifyEvent::Arrival.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(internal)?;
    let today = taiwan_day(now);
    add_sms_subscription(
        state,
        holder.id,
        "0912345678",
        "115學年度上學期",
        (today - Duration::days(60), today + Duration::days(60)),
    )
    .await?;
    // The last school days: arrivals and departures, one 補登, one day without swipes.
    let days = recent_school_days(db, holder.school_id, today).await?;
    for (i, day) in days.iter().enumerate().skip(1) {
        if i == 3 {
            continue;
        }
        let at = |h: u32, m: u32| {
            day.and_hms_opt(h, m, 0)
                .map(|t| t.and_utc() - Duration::hours(8))
                .ok_or(AppError::Internal)
        };
        let minute = u32::try_from(i * 4).unwrap_or(0);
        let arrival = at(7, 30 + minute)?;
        let departure = at(16, 5 + minute)?;
        for (n, (dir, t)) in [("in", arrival), ("out", departure)]
            .into_iter()
            .enumerate()
        {
            if i == 2 && dir == "in" {
                super::swipes::enter_swipe(state, None, teacher.id, holder.id, true, t).await?;
                continue;
            }
            swipes::ActiveModel {
                reader_id: Set(None),
                event_id: Set(format!("demo:{day}:{n}")),
                card_outer_no: Set("0517300001".into()),
                holder_id: Set(Some(holder.id)),
                direction: Set(dir.into()),
                swiped_at: Set(t),
                received_at: Set(t),
                entered_by_staff_id: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await
            .map_err(internal)?;
        }
    }
    Ok(())
}
