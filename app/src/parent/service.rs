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
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

use super::{
    AccountData, AccountEvent, BindChildInput, BindInput, BindOutcome, BindingFilter,
    BindingRequestRow, BindingStatus, ChangePasswordInput, ChildOverview, CodeRequestInput,
    CodeSent, LoginInput, ParentContact, ParentDataExport, ParentProfile, REASON_MAX,
    RegisterFinishInput, Relationship, ResetPasswordInput, StaffBindingRow,
};
use crate::domain::dates::{parse_iso_date, taiwan_time};
use crate::domain::id_number;
use crate::domain::masking::mask_name;
use crate::error::AppError;
use crate::identity::CaptchaChallenge;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::captcha;
use crate::server::codes::{self, CodeCheck, CodeRules};
use crate::server::context::{CallContext, ClientContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{
    audit_log, binding_attempts, binding_requests, classes, holders, parent_accounts,
    parent_login_attempts, schools, staff_users,
};
use crate::server::holder_cards;
use crate::server::outbox::{self, Channel, NewMessage};
use crate::server::staff::{self, PasswordRuleError, StaffRole};
use crate::server::staff_scope;
use crate::server::throttle::{self, Admission, LOCK_MINUTES, LOGIN_WINDOW_MINUTES, login_state};

/// Session key of the logged-in parent.
pub const SESSION_KEY: &str = "parent";
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
/// A parent session ends this long after login whatever its activity (SPEC §7).
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;
const TEMPORARY_PASSWORD_LEN: usize = 12;

/// What the session remembers of a logged-in parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ParentSession {
    parent_id: i32,
    password_version: i32,
    since: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------
// Shared helpers

/// The keyed hash under which an account's contact is looked up.
pub fn contact_hash(cipher: &crate::server::crypto::PiiCipher, c: &ParentContact) -> String {
    cipher.keyed_hash(
        "parent_accounts.contact",
        &format!("{}:{}", c.kind(), c.value()),
    )
}

pub(crate) fn contact_aad(hash: &str) -> String {
    format!("parent_accounts.contact:{hash}")
}

/// The account's contact, decrypted.
pub(crate) fn account_contact(
    state: &AppState,
    a: &parent_accounts::Model,
) -> Result<ParentContact, AppError> {
    let value = state
        .cipher
        .decrypt(&a.contact_enc, &contact_aad(&a.contact_hash))
        .map_err(internal)?;
    Ok(if a.contact_kind == "mobile" {
        ParentContact::Mobile(value)
    } else {
        ParentContact::Email(value)
    })
}

pub(crate) fn channel_of(c: &ParentContact) -> Channel {
    match c {
        ParentContact::Email(_) => Channel::Email,
        ParentContact::Mobile(_) => Channel::Sms,
    }
}

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

pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    client: Option<&ClientContext>,
    actor: Actor,
    action: &str,
    subject: Option<String>,
    result: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        client,
        AuditEvent {
            actor,
            action,
            subject,
            result,
            detail: Some(detail),
        },
    )
    .await
    .map_err(internal)
}

/// Records a refused request (a security event), commits it and returns 403.
pub(crate) async fn deny(
    txn: DatabaseTransaction,
    client: Option<&ClientContext>,
    actor: Actor,
    action: &str,
    reason: &str,
) -> AppError {
    let recorded = record(
        &txn,
        client,
        actor,
        action,
        None,
        "denied",
        serde_json::json!({ "reason": reason }),
    )
    .await;
    match recorded {
        Ok(()) => match txn.commit().await {
            Ok(()) => AppError::Forbidden,
            Err(e) => internal(e),
        },
        Err(e) => e,
    }
}

/// Tries to send a queued notification now; a failure leaves it to the outbox worker's
/// retries and does not undo the change it reports.
pub(crate) async fn deliver_notice(state: &AppState, message_id: &str) {
    if let Err(e) = outbox::deliver(state, message_id).await {
        tracing::warn!(error = %e, "parent notification not delivered");
    }
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

// ---------------------------------------------------------------------------------
// The session

/// The logged-in parent's account. With `allow_must_change` false, an account with a
/// temporary password is refused.
///
/// # Errors
/// `Unauthorized` without a live parent session (none, expired, or ended by a
/// password change); `MustChangePassword`.
pub async fn current(
    cx: &CallContext,
    allow_must_change: bool,
) -> Result<parent_accounts::Model, AppError> {
    let Some(s) = cx
        .session
        .get::<ParentSession>(SESSION_KEY)
        .await
        .map_err(internal)?
    else {
        return Err(AppError::Unauthorized);
    };
    let account = parent_accounts::Entity::find_by_id(s.parent_id)
        .one(&cx.state.db)
        .await
        .map_err(internal)?;
    let live = s.since + Duration::hours(SESSION_ABSOLUTE_HOURS) > Utc::now();
    let Some(account) = account.filter(|a| live && a.password_version == s.password_version) else {
        cx.session
            .remove::<ParentSession>(SESSION_KEY)
            .await
            .map_err(internal)?;
        return Err(AppError::Unauthorized);
    };
    if account.must_change_password && !allow_must_change {
        return Err(AppError::MustChangePassword);
    }
    Ok(account)
}

/// The parent logged in on this session, if any (and not held at a forced password
/// change): for the stop and apply wizards, together with [`approved_binding`].
pub async fn logged_in_parent(cx: &CallContext) -> Option<i32> {
    current(cx, false).await.ok().map(|a| a.id)
}

async fn start_session(cx: &CallContext, account: &parent_accounts::Model) -> Result<(), AppError> {
    // A new session id for the logged-in session (no fixation).
    cx.session.cycle_id().await.map_err(internal)?;
    cx.session
        .insert(
            SESSION_KEY,
            ParentSession {
                parent_id: account.id,
                password_version: account.password_version,
                since: Utc::now(),
            },
        )
        .await
        .map_err(internal)
}

/// # Errors
/// `Unauthorized`.
pub async fn me(cx: &CallContext) -> Result<ParentProfile, AppError> {
    let account = current(cx, true).await?;
    profile(&cx.state, &account)
}

/// «登出»: the session is deleted on the server.
///
/// # Errors
/// Database and session store errors.
pub async fn logout(cx: &CallContext) -> Result<(), AppError> {
    if let Ok(account) = current(cx, true).await {
        record(
            &cx.state.db,
            Some(&cx.client),
            Actor::Parent(account.id),
            "parent.logout",
            None,
            "ok",
            serde_json::json!({}),
        )
        .await?;
    }
    cx.session.flush().await.map_err(internal)
}

// ---------------------------------------------------------------------------------
// Registration and password reset by code

/// Sends a code for `purpose` to `contact`, within the code limits. `account_exists`
/// decides what is sent: the registration code only to a new contact (an existing
/// one gets a "you already have an account" message), the reset code only to an
/// existing account (an unknown contact gets nothing). The answer is the same.
async fn send_code(
    cx: &CallContext,
    rules: &CodeRules,
    input: CodeRequestInput,
) -> Result<CodeSent, AppError> {
    validated(input.field_errors())?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, rules, &hash);
    let action = format!("{}_code", rules.purpose);
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    if let Some(retry_after_secs) = codes::wait_before_next(&txn, rules, &subject, now)
        .await
        .map_err(internal)?
    {
        record(
            &txn,
            Some(&cx.client),
            Actor::Visitor,
            &action,
            Some(contact.masked()),
            "rate_limited",
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let exists = find_account(&txn, &hash).await?.is_some();
    let registering = rules.purpose == REGISTER_CODE.purpose;
    let usable = exists != registering;
    let code = codes::issue(&txn, &state.cipher, rules, &subject, usable, now)
        .await
        .map_err(internal)?;
    let template = match (registering, exists) {
        (true, false) => Some("parent_register_code"),
        (true, true) => Some("parent_account_exists"),
        (false, true) => Some("parent_reset_code"),
        (false, false) => None,
    };
    let message_id = match template {
        Some(template) => Some(
            outbox::enqueue(
                &txn,
                &state.cipher,
                NewMessage {
                    channel: channel_of(&contact),
                    recipient: contact.value(),
                    template,
                    payload: if usable {
                        serde_json::json!({ "code": code, "minutes": rules.valid_minutes })
                    } else {
                        serde_json::json!({})
                    },
                },
            )
            .await
            .map_err(internal)?,
        ),
        None => None,
    };
    record(
        &txn,
        Some(&cx.client),
        Actor::Visitor,
        &action,
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "channel": channel_of(&contact).as_str(), "account_exists": exists }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    if let Some(id) = message_id {
        outbox::deliver(state, &id).await.map_err(internal)?;
    }
    Ok(CodeSent {
        destination_masked: contact.masked(),
        resend_after_secs: rules.resend_after_secs.unsigned_abs(),
        valid_minutes: rules.valid_minutes,
    })
}

/// Checks a code in `txn`: on a wrong or missing code the guess (and its audit row) is
/// committed and the field error returned.
async fn check_code(
    cx: &CallContext,
    txn: DatabaseTransaction,
    rules: &CodeRules,
    subject: &str,
    entered: &str,
    masked: &str,
    now: DateTime<Utc>,
) -> Result<
    (
        DatabaseTransaction,
        crate::server::entities::one_time_codes::Model,
    ),
    AppError,
> {
    let checked = codes::check(&txn, &cx.state.cipher, rules, subject, entered, now)
        .await
        .map_err(internal)?;
    let (result, code) = match checked {
        CodeCheck::Valid(code) => return Ok((txn, code)),
        CodeCheck::Wrong { burnt: false } => ("failed", "wrong"),
        CodeCheck::Wrong { burnt: true } => ("burnt", "wrong"),
        CodeCheck::Expired => ("expired", "expired"),
    };
    record(
        &txn,
        Some(&cx.client),
        Actor::Visitor,
        &format!("{}_check", rules.purpose),
        Some(masked.to_owned()),
        result,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    Err(AppError::field("code", code))
}

/// «取得驗證碼» of registration.
///
/// # Errors
/// `Validation` (`account`), `RateLimited` (60 s between codes, 5 an hour),
/// `Internal` on a database error (a message the transport does not take now is
/// retried by the outbox worker).
pub async fn register_start(
    cx: &CallContext,
    input: CodeRequestInput,
) -> Result<CodeSent, AppError> {
    send_code(cx, &REGISTER_CODE, input).await
}

/// «完成註冊»: creates the account and logs it in.
///
/// # Errors
/// `Validation` for the fields, `password` → `common`, `code` → `wrong|expired`;
/// `Conflict("account_exists")`.
pub async fn register_finish(
    cx: &CallContext,
    input: RegisterFinishInput,
) -> Result<ParentProfile, AppError> {
    validated(input.field_errors())?;
    password_rules("password", &input.password)?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, &REGISTER_CODE, &hash);
    let password_hash = staff::hash_password(input.password.clone())
        .await
        .map_err(internal)?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let (txn, code) = check_code(
        cx,
        txn,
        &REGISTER_CODE,
        &subject,
        &input.code,
        &contact.masked(),
        now,
    )
    .await?;
    if find_account(&txn, &hash).await?.is_some() {
        return Err(AppError::Conflict("account_exists".into()));
    }
    let account = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state.cipher.encrypt(contact.value(), &contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set(input.display_name.trim().to_owned()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(false),
        created_by_staff_id: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    codes::spend(&txn, code, now).await.map_err(internal)?;
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.register",
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "channel": channel_of(&contact).as_str() }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    start_session(cx, &account).await?;
    profile(state, &account)
}

/// «忘記密碼», first step: a reset code to the account's contact.
///
/// # Errors
/// As [`register_start`].
pub async fn forgot_start(cx: &CallContext, input: CodeRequestInput) -> Result<CodeSent, AppError> {
    send_code(cx, &RESET_CODE, input).await
}

/// «忘記密碼», second step: sets the new password, ends every session of the account
/// and clears its login failures. The parent then logs in.
///
/// # Errors
/// `Validation` for the fields, `new_password` → `common`, `code` → `wrong|expired`.
pub async fn forgot_finish(cx: &CallContext, input: ResetPasswordInput) -> Result<(), AppError> {
    validated(input.field_errors())?;
    password_rules("new_password", &input.new_password)?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let subject = codes::subject(&state.cipher, &RESET_CODE, &hash);
    let password_hash = staff::hash_password(input.new_password.clone())
        .await
        .map_err(internal)?;
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let (txn, code) = check_code(
        cx,
        txn,
        &RESET_CODE,
        &subject,
        &input.code,
        &contact.masked(),
        now,
    )
    .await?;
    // A usable code exists only for an existing account.
    let account = find_account(&txn, &hash).await?.ok_or(AppError::Internal)?;
    codes::spend(&txn, code, now).await.map_err(internal)?;
    let message_id =
        set_password(cx, &txn, account, password_hash, "parent.reset_password").await?;
    txn.commit().await.map_err(internal)?;
    deliver_notice(state, &message_id).await;
    Ok(())
}

/// Stores a new password: raises the version (ending other sessions), clears the
/// forced change, clears login failures, audits and queues the notice. Returns the
/// notice's outbox id.
async fn set_password(
    cx: &CallContext,
    txn: &DatabaseTransaction,
    account: parent_accounts::Model,
    password_hash: String,
    action: &str,
) -> Result<String, AppError> {
    let now = Utc::now();
    let contact = account_contact(&cx.state, &account)?;
    let id = account.id;
    let hash = account.contact_hash.clone();
    let version = account.password_version + 1;
    let mut active: parent_accounts::ActiveModel = account.into();
    active.password_hash = Set(password_hash);
    active.password_version = Set(version);
    active.must_change_password = Set(false);
    active.password_changed_at = Set(now);
    active.updated_at = Set(now);
    active.update(txn).await.map_err(internal)?;
    insert_login_attempt(txn, cx, &hash, true, now).await?;
    record(
        txn,
        Some(&cx.client),
        Actor::Parent(id),
        action,
        Some(contact.masked()),
        "ok",
        serde_json::json!({ "password_version": version }),
    )
    .await?;
    outbox::enqueue(
        txn,
        &cx.state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template: "parent_password_changed",
            payload: serde_json::json!({}),
        },
    )
    .await
    .map_err(internal)
}

// ---------------------------------------------------------------------------------
// Login and password change

async fn recent_failures(
    conn: &impl ConnectionTrait,
    account_hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, AppError> {
    let horizon = now - Duration::minutes(LOGIN_WINDOW_MINUTES + LOCK_MINUTES);
    let attempts = parent_login_attempts::Entity::find()
        .filter(parent_login_attempts::Column::AccountHash.eq(account_hash))
        .filter(parent_login_attempts::Column::CreatedAt.gt(horizon))
        .order_by_desc(parent_login_attempts::Column::CreatedAt)
        .order_by_desc(parent_login_attempts::Column::Id)
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(attempts
        .into_iter()
        .take_while(|a| !a.succeeded)
        .map(|a| a.created_at)
        .collect())
}

async fn insert_login_attempt(
    conn: &impl ConnectionTrait,
    cx: &CallContext,
    account_hash: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    parent_login_attempts::ActiveModel {
        account_hash: Set(account_hash.to_owned()),
        client_ip: Set(cx.client.ip.clone()),
        succeeded: Set(succeeded),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(internal)?;
    Ok(())
}

/// A password hash to verify against when the account does not exist, so an unknown
/// account costs the same time as a wrong password.
async fn timing_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        staff::hash_password(captcha::uuid_like())
            .await
            .unwrap_or_default()
    })
    .await
    .clone()
}

/// A new captcha for this session (the login form shows it once required).
///
/// # Errors
/// Database errors.
pub async fn issue_captcha(cx: &CallContext) -> Result<CaptchaChallenge, AppError> {
    crate::identity::service::issue_captcha(cx).await
}

/// «登入».
///
/// # Errors
/// `Validation`: `credentials` → `wrong` (one answer for an unknown account and a
/// wrong password), plus `captcha` → `required` once the next attempt needs one;
/// `captcha` → `required|wrong`. `RateLimited` while the account is locked or over
/// the per-IP limit.
pub async fn login(cx: &CallContext, input: LoginInput) -> Result<ParentProfile, AppError> {
    validated(input.field_errors())?;
    let contact = parse_contact("account", &input.account)?;
    let state = &cx.state;
    let hash = contact_hash(&state.cipher, &contact);
    let masked = contact.masked();
    let now = Utc::now();
    // Per client IP, the rule of identity verification (`PORTAL_VERIFY_PER_IP_PER_MIN`).
    if let Admission::Refused { retry_after_secs } = throttle::admit_ip(
        &state.db,
        "parent.login",
        &cx.client.ip,
        state.config.verify_per_ip_per_min,
        now,
    )
    .await
    .map_err(internal)?
    {
        record(
            &state.db,
            Some(&cx.client),
            Actor::Visitor,
            "parent.login",
            Some(masked),
            "rate_limited",
            serde_json::json!({ "per": "ip" }),
        )
        .await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let failures = recent_failures(&state.db, &hash, now).await?;
    let before = login_state(&failures, now);
    if let Some(retry_after_secs) = before.locked_for {
        record(
            &state.db,
            Some(&cx.client),
            Actor::Visitor,
            "parent.login",
            Some(masked),
            "locked",
            serde_json::json!({}),
        )
        .await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    if before.captcha_required {
        let entered = input.captcha.as_deref().map(str::trim).unwrap_or_default();
        if entered.is_empty() {
            return Err(AppError::field("captcha", "required"));
        }
        let binding = crate::identity::service::captcha_binding(cx).await?;
        let ok = captcha::check_and_consume(
            &state.db,
            &state.cipher,
            &binding,
            entered,
            state.config.test_captcha.as_deref(),
        )
        .await
        .map_err(internal)?;
        if !ok {
            record(
                &state.db,
                Some(&cx.client),
                Actor::Visitor,
                "parent.login_captcha",
                Some(masked),
                "failed",
                serde_json::json!({}),
            )
            .await?;
            return Err(AppError::field("captcha", "wrong"));
        }
    }

    let account = find_account(&state.db, &hash).await?;
    let verified = match &account {
        Some(a) => staff::verify_password(input.password.clone(), a.password_hash.clone()).await,
        None => {
            let _ = staff::verify_password(input.password.clone(), timing_hash().await).await;
            false
        }
    };

    let txn = begin_write(&state.db).await.map_err(internal)?;
    insert_login_attempt(&txn, cx, &hash, verified, now).await?;
    let account = match account {
        Some(a) if verified => a,
        _ => {
            let mut failures = failures;
            failures.insert(0, now);
            let after = login_state(&failures, now);
            let result = if after.locked_for.is_some() {
                "locked"
            } else {
                "failed"
            };
            record(
                &txn,
                Some(&cx.client),
                Actor::Visitor,
                "parent.login",
                Some(masked),
                result,
                serde_json::json!({ "failures": failures.len() }),
            )
            .await?;
            txn.commit().await.map_err(internal)?;
            if let Some(retry_after_secs) = after.locked_for {
                return Err(AppError::RateLimited { retry_after_secs });
            }
            let mut errors = crate::error::FieldErrors::new();
            errors.insert("credentials".into(), "wrong".into());
            if after.captcha_required {
                errors.insert("captcha".into(), "required".into());
            }
            return Err(AppError::Validation(errors));
        }
    };
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.login",
        Some(masked),
        "ok",
        serde_json::json!({ "must_change_password": account.must_change_password }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    start_session(cx, &account).await?;
    profile(state, &account)
}

/// «變更密碼» (also the forced change of a temporary password). Every other session
/// of the account ends; this one continues under a new id.
///
/// # Errors
/// `Unauthorized`; `Validation`: `current_password` → `wrong`, `new_password` →
/// `too_short|too_long|common|same_as_current`; `RateLimited` while locked.
pub async fn change_password(
    cx: &CallContext,
    input: ChangePasswordInput,
) -> Result<ParentProfile, AppError> {
    let account = current(cx, true).await?;
    validated(input.field_errors())?;
    password_rules("new_password", &input.new_password)?;
    let state = &cx.state;
    let now = Utc::now();
    let failures = recent_failures(&state.db, &account.contact_hash, now).await?;
    if let Some(retry_after_secs) = login_state(&failures, now).locked_for {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    if !staff::verify_password(
        input.current_password.clone(),
        account.password_hash.clone(),
    )
    .await
    {
        let txn = begin_write(&state.db).await.map_err(internal)?;
        insert_login_attempt(&txn, cx, &account.contact_hash, false, now).await?;
        record(
            &txn,
            Some(&cx.client),
            Actor::Parent(account.id),
            "parent.change_password",
            None,
            "failed",
            serde_json::json!({}),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        return Err(AppError::field("current_password", "wrong"));
    }
    let password_hash = staff::hash_password(input.new_password.clone())
        .await
        .map_err(internal)?;
    let txn = begin_write(&state.db).await.map_err(internal)?;
    // Re-read inside the write transaction: the version may have moved meanwhile.
    let fresh = parent_accounts::Entity::find_by_id(account.id)
        .one(&txn)
        .await
        .map_err(internal)?
        .filter(|a| a.password_version == account.password_version)
        .ok_or(AppError::Unauthorized)?;
    let message_id = set_password(cx, &txn, fresh, password_hash, "parent.change_password").await?;
    txn.commit().await.map_err(internal)?;
    deliver_notice(state, &message_id).await;
    let updated = parent_accounts::Entity::find_by_id(account.id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Unauthorized)?;
    start_session(cx, &updated).await?;
    profile(state, &updated)
}

// ---------------------------------------------------------------------------------
// Accounts created by staff

/// An account the school opens for a parent (used by the back office).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewParentByStaff {
    /// E-mail address or mobile number.
    pub account: String,
    pub display_name: String,
    /// A child in the staff member's scope to bind at once (approved), if any.
    pub child: Option<(i32, Relationship)>,
}

fn temporary_password() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..TEMPORARY_PASSWORD_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Creates a parent account with a temporary password, sent to the contact through
/// the outbox; the parent must change it at first login. Returns the account id.
///
/// # Errors
/// `Forbidden` (unknown staff member, or a child outside their scope — audited);
/// `Validation` (`account`, `display_name`); `Conflict("account_exists")`.
pub async fn create_parent_by_staff(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    new: NewParentByStaff,
) -> Result<i32, AppError> {
    let contact = parse_contact("account", &new.account)?;
    let display_name = new.display_name.trim().to_owned();
    let n = display_name.chars().count();
    if n == 0 || n > super::DISPLAY_NAME_MAX {
        return Err(AppError::field(
            "display_name",
            if n == 0 { "required" } else { "too_long" },
        ));
    }
    let password = temporary_password();
    let password_hash = staff::hash_password(password.clone())
        .await
        .map_err(internal)?;
    let hash = contact_hash(&state.cipher, &contact);
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let staff_user = staff_user(&txn, staff_id).await?;
    let child = match new.child {
        Some((holder_id, relationship)) => {
            let holder = holders::Entity::find_by_id(holder_id)
                .one(&txn)
                .await
                .map_err(internal)?
                .ok_or(AppError::NotFound)?;
            if !staff_scope::covers(&staff_user, &holder) {
                return Err(deny(
                    txn,
                    client,
                    Actor::Staff(staff_id),
                    "parent.create_by_staff",
                    "out_of_scope",
                )
                .await);
            }
            Some((holder, relationship))
        }
        None => None,
    };
    if find_account(&txn, &hash).await?.is_some() {
        return Err(AppError::Conflict("account_exists".into()));
    }
    let account = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state.cipher.encrypt(contact.value(), &contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set(display_name.clone()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(true),
        created_by_staff_id: Set(Some(staff_id)),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    let mut bound = None;
    if let Some((holder, relationship)) = child {
        let request = binding_requests::ActiveModel {
            parent_id: Set(account.id),
            holder_id: Set(holder.id),
            relationship: Set(relationship.as_str().into()),
            status: Set(BindingStatus::Approved.as_str().into()),
            decided_by_staff_id: Set(Some(staff_id)),
            decided_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        bound = Some((request.id, mask_name(&holder.name)));
    }
    record(
        &txn,
        client,
        Actor::Staff(staff_id),
        "parent.create_by_staff",
        Some(contact.masked()),
        "ok",
        serde_json::json!({
            "parent_id": account.id,
            "binding_id": bound.as_ref().map(|b| b.0),
            "child": bound.as_ref().map(|b| b.1.clone()),
        }),
    )
    .await?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template: "parent_account_created",
            payload: serde_json::json!({
                "display_name": display_name,
                "account": contact.value(),
                "temporary_password": password,
            }),
        },
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    deliver_notice(state, &message_id).await;
    Ok(account.id)
}

/// «新增家長帳號» in the back office: resolves the student number within the staff
/// member's school, then [`create_parent_by_staff`].
///
/// # Errors
/// As [`create_parent_by_staff`]; `Validation` for `student_no` (`not_found`,
/// `no_school` for an operator) and `relationship` (`required`).
pub async fn create_parent_for_student(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    input: super::StaffNewParentInput,
) -> Result<super::StaffNewParentDone, AppError> {
    // Every field's problem at once, so the form shows them together.
    let mut errors = crate::error::FieldErrors::new();
    if let Err(code) = ParentContact::parse(&input.account) {
        errors.insert("account".into(), code.into());
    }
    let name_len = input.display_name.trim().chars().count();
    if name_len == 0 || name_len > super::DISPLAY_NAME_MAX {
        let code = if name_len == 0 {
            "required"
        } else {
            "too_long"
        };
        errors.insert("display_name".into(), code.into());
    }
    let student_no = input.student_no.trim();
    if !student_no.is_empty() && input.relationship.is_none() {
        errors.insert("relationship".into(), "required".into());
    }
    validated(errors)?;
    let contact = parse_contact("account", &input.account)?;
    let child = if student_no.is_empty() {
        None
    } else {
        let staff_user = staff_user(&state.db, staff_id).await?;
        let Some(school_id) = staff_user.school_id else {
            return Err(AppError::field("student_no", "no_school"));
        };
        let relationship = input
            .relationship
            .ok_or_else(|| AppError::field("relationship", "required"))?;
        let holder = holders::Entity::find()
            .filter(holders::Column::SchoolId.eq(school_id))
            .filter(holders::Column::StudentNo.eq(student_no))
            .one(&state.db)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::field("student_no", "not_found"))?;
        Some((holder, relationship))
    };
    let child_masked_name = child.as_ref().map(|(h, _)| mask_name(&h.name));
    create_parent_by_staff(
        state,
        client,
        staff_id,
        NewParentByStaff {
            account: input.account,
            display_name: input.display_name,
            child: child.map(|(h, r)| (h.id, r)),
        },
    )
    .await?;
    Ok(super::StaffNewParentDone {
        contact_masked: contact.masked(),
        child_masked_name,
    })
}

// ---------------------------------------------------------------------------------
// Binding requests: the parent's side

/// Binding requests with what their rows show.
struct Described {
    request: binding_requests::Model,
    holder: holders::Model,
    school: schools::Model,
    class: classes::Model,
}

async fn describe(
    conn: &impl ConnectionTrait,
    requests: Vec<binding_requests::Model>,
) -> Result<Vec<Described>, AppError> {
    let holder_ids: Vec<i32> = requests.iter().map(|r| r.holder_id).collect();
    let holders: HashMap<i32, holders::Model> = holders::Entity::find()
        .filter(holders::Column::Id.is_in(holder_ids))
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let school_ids: Vec<i32> = holders.values().map(|h| h.school_id).collect();
    let class_ids: Vec<i32> = holders.values().map(|h| h.class_id).collect();
    let schools: HashMap<i32, schools::Model> = schools::Entity::find()
        .filter(schools::Column::Id.is_in(school_ids))
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let classes: HashMap<i32, classes::Model> = classes::Entity::find()
        .filter(classes::Column::Id.is_in(class_ids))
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    requests
        .into_iter()
        .map(|request| {
            let holder = holders
                .get(&request.holder_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            let school = schools
                .get(&holder.school_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            let class = classes
                .get(&holder.class_id)
                .cloned()
                .ok_or(AppError::Internal)?;
            Ok(Described {
                request,
                holder,
                school,
                class,
            })
        })
        .collect()
}

impl Described {
    fn row(&self) -> BindingRequestRow {
        let r = &self.request;
        BindingRequestRow {
            id: r.id,
            status: BindingStatus::parse(&r.status).unwrap_or(BindingStatus::Removed),
            relationship: Relationship::parse(&r.relationship)
                .unwrap_or(Relationship::OtherGuardian),
            school_name: self.school.name.clone(),
            class_name: self.class.name.clone(),
            masked_name: mask_name(&self.holder.name),
            requested_on: taiwan_time(r.created_at).date_naive(),
            decided_at: r.decided_at,
            return_reason: r.return_reason.clone(),
        }
    }
}

pub(crate) async fn own_requests(
    conn: &impl ConnectionTrait,
    parent_id: i32,
    status: Option<BindingStatus>,
) -> Result<Vec<binding_requests::Model>, AppError> {
    let mut q =
        binding_requests::Entity::find().filter(binding_requests::Column::ParentId.eq(parent_id));
    if let Some(s) = status {
        q = q.filter(binding_requests::Column::Status.eq(s.as_str()));
    }
    q.order_by_desc(binding_requests::Column::CreatedAt)
        .order_by_desc(binding_requests::Column::Id)
        .all(conn)
        .await
        .map_err(internal)
}

/// The parent's binding requests, newest first (the printable application).
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn binding_requests(cx: &CallContext) -> Result<Vec<BindingRequestRow>, AppError> {
    let account = current(cx, false).await?;
    requests_of(&cx.state.db, account.id).await
}

async fn requests_of(
    conn: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<BindingRequestRow>, AppError> {
    Ok(describe(conn, own_requests(conn, parent_id, None).await?)
        .await?
        .iter()
        .map(Described::row)
        .collect())
}

/// Why a child did not match: for the audit row only. The parent gets one answer
/// whatever it was ([`BindOutcome::Mismatch`]), so the form is no roster oracle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mismatch {
    SchoolOrStudentNo,
    Name,
    BirthDate,
    IdNo,
}

impl Mismatch {
    fn as_str(self) -> &'static str {
        match self {
            Self::SchoolOrStudentNo => "school_or_student_no",
            Self::Name => "name",
            Self::BirthDate => "birth_date",
            Self::IdNo => "id_no",
        }
    }
}

/// Finds the roster holder a child's details name (`id_hash`: the keyed hash of the
/// ID typed).
async fn match_child(
    conn: &impl ConnectionTrait,
    child: &BindChildInput,
    id_hash: &str,
) -> Result<Result<holders::Model, Mismatch>, AppError> {
    let Some(school) = schools::Entity::find()
        .filter(schools::Column::Code.eq(child.school_code.trim()))
        .one(conn)
        .await
        .map_err(internal)?
    else {
        return Ok(Err(Mismatch::SchoolOrStudentNo));
    };
    let Some(holder) = holders::Entity::find()
        .filter(holders::Column::SchoolId.eq(school.id))
        .filter(holders::Column::StudentNo.eq(child.student_no.trim()))
        .one(conn)
        .await
        .map_err(internal)?
    else {
        return Ok(Err(Mismatch::SchoolOrStudentNo));
    };
    if normalize_name(&child.name) != normalize_name(&holder.name) {
        return Ok(Err(Mismatch::Name));
    }
    if parse_iso_date(&child.birth_date) != Some(holder.birth_date) {
        return Ok(Err(Mismatch::BirthDate));
    }
    if id_hash != holder.id_no_hash {
        return Ok(Err(Mismatch::IdNo));
    }
    Ok(Ok(holder))
}

/// Seconds until the oldest of the counted failures leaves its window.
fn wait_for(oldest: Option<DateTime<Utc>>, window: Duration, now: DateTime<Utc>) -> u64 {
    let until = oldest.map_or(now + window, |t| t + window);
    u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1)
}

/// «親子綁定»: checks each child against the roster and files a request «審核中» for
/// each match. Children that do not match count toward
/// [`BINDING_FAILURES_PER_HOUR`] of the parent and toward
/// [`BINDING_FAILURES_PER_CHILD_PER_DAY`] of the child ID typed, whoever typed it;
/// a child over either limit is not checked. Both limits take their keys' turns first
/// ([`throttle::take_turn`]), so parallel calls cannot slip under them.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Validation` (`children.{i}.{field}`),
/// `RateLimited` when no child of the call could be checked (the parent's hour or
/// every child ID's day used up).
pub async fn bind(cx: &CallContext, input: BindInput) -> Result<Vec<BindOutcome>, AppError> {
    let account = current(cx, false).await?;
    validated(input.field_errors())?;
    let parent_id = account.id;
    let now = Utc::now();
    let child_hashes: Vec<String> = input
        .children
        .iter()
        .map(|c| crate::identity::service::id_hash(cx, &id_number::normalize(&c.id_no)))
        .collect();
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    // One order for every call (sorted), so two calls never wait for each other.
    let mut keys: Vec<String> = child_hashes
        .iter()
        .map(|h| format!("bind.child:{h}"))
        .chain([format!("bind.parent:{parent_id}")])
        .collect();
    keys.sort();
    keys.dedup();
    for key in &keys {
        throttle::take_turn(&txn, key, now)
            .await
            .map_err(internal)?;
    }
    let hour = Duration::hours(1);
    let failures = binding_attempts::Entity::find()
        .filter(binding_attempts::Column::ParentId.eq(parent_id))
        .filter(binding_attempts::Column::Matched.eq(false))
        .filter(binding_attempts::Column::CreatedAt.gt(now - hour))
        .order_by_asc(binding_attempts::Column::CreatedAt);
    let used = failures.clone().count(&txn).await.map_err(internal)?;
    let oldest = failures.one(&txn).await.map_err(internal)?;
    if used >= BINDING_FAILURES_PER_HOUR {
        record(
            &txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            "parent.bind",
            None,
            "rate_limited",
            serde_json::json!({ "per": "parent" }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        return Err(AppError::RateLimited {
            retry_after_secs: wait_for(oldest.map(|o| o.created_at), hour, now),
        });
    }
    let mut budget = BINDING_FAILURES_PER_HOUR - used;
    let mut first_failure = oldest.map(|o| o.created_at);
    // Each child's result: an outcome, or the request to describe afterwards.
    enum Checked {
        Done(BindOutcome),
        Requested(binding_requests::Model),
        AlreadyPending(binding_requests::Model),
        AlreadyBound(binding_requests::Model),
    }
    let day = Duration::hours(24);
    let mut results = Vec::with_capacity(input.children.len());
    for (child, child_hash) in input.children.iter().zip(&child_hashes) {
        if budget == 0 {
            results.push(Checked::Done(BindOutcome::RateLimited {
                retry_after_secs: wait_for(first_failure, hour, now),
            }));
            continue;
        }
        // Per child ID, across all parent accounts: more accounts are no more guesses.
        let child_failures = binding_attempts::Entity::find()
            .filter(binding_attempts::Column::ChildHash.eq(child_hash.clone()))
            .filter(binding_attempts::Column::Matched.eq(false))
            .filter(binding_attempts::Column::CreatedAt.gt(now - day))
            .order_by_asc(binding_attempts::Column::CreatedAt);
        let child_used = child_failures.clone().count(&txn).await.map_err(internal)?;
        if child_used >= BINDING_FAILURES_PER_CHILD_PER_DAY {
            let oldest = child_failures.one(&txn).await.map_err(internal)?;
            record(
                &txn,
                Some(&cx.client),
                Actor::Parent(parent_id),
                "parent.bind",
                None,
                "rate_limited",
                serde_json::json!({ "per": "child" }),
            )
            .await?;
            results.push(Checked::Done(BindOutcome::RateLimited {
                retry_after_secs: wait_for(oldest.map(|o| o.created_at), day, now),
            }));
            continue;
        }
        let matched = match_child(&txn, child, child_hash).await?;
        binding_attempts::ActiveModel {
            parent_id: Set(parent_id),
            matched: Set(matched.is_ok()),
            child_hash: Set(Some(child_hash.clone())),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        let holder = match matched {
            Ok(holder) => holder,
            Err(check) => {
                budget -= 1;
                first_failure.get_or_insert(now);
                record(
                    &txn,
                    Some(&cx.client),
                    Actor::Parent(parent_id),
                    "parent.bind",
                    None,
                    "failed",
                    serde_json::json!({ "check": check.as_str() }),
                )
                .await?;
                results.push(Checked::Done(BindOutcome::Mismatch));
                continue;
            }
        };
        let existing = binding_requests::Entity::find()
            .filter(binding_requests::Column::ParentId.eq(parent_id))
            .filter(binding_requests::Column::HolderId.eq(holder.id))
            .filter(binding_requests::Column::Status.is_in([
                BindingStatus::Pending.as_str(),
                BindingStatus::Approved.as_str(),
            ]))
            .one(&txn)
            .await
            .map_err(internal)?;
        if let Some(r) = existing {
            results.push(if r.status == BindingStatus::Approved.as_str() {
                Checked::AlreadyBound(r)
            } else {
                Checked::AlreadyPending(r)
            });
            continue;
        }
        let request = binding_requests::ActiveModel {
            parent_id: Set(parent_id),
            holder_id: Set(holder.id),
            relationship: Set(child.relationship.as_str().into()),
            status: Set(BindingStatus::Pending.as_str().into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        record(
            &txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            "parent.bind",
            Some(mask_name(&holder.name)),
            "ok",
            serde_json::json!({
                "request_id": request.id,
                "relationship": child.relationship.as_str(),
            }),
        )
        .await?;
        results.push(Checked::Requested(request));
    }
    let mut outcomes = Vec::with_capacity(results.len());
    for r in results {
        let describe_one =
            async |m: binding_requests::Model| -> Result<BindingRequestRow, AppError> {
                describe(&txn, vec![m])
                    .await?
                    .first()
                    .map(Described::row)
                    .ok_or(AppError::Internal)
            };
        outcomes.push(match r {
            Checked::Done(o) => o,
            Checked::Requested(m) => BindOutcome::Requested {
                request: describe_one(m).await?,
            },
            Checked::AlreadyPending(m) => BindOutcome::AlreadyPending {
                request: describe_one(m).await?,
            },
            Checked::AlreadyBound(m) => BindOutcome::AlreadyBound {
                request: describe_one(m).await?,
            },
        });
    }
    txn.commit().await.map_err(internal)?;
    // Nothing could be checked: the call as a whole is over the limit.
    let waits: Option<Vec<u64>> = outcomes
        .iter()
        .map(|o| match o {
            BindOutcome::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        })
        .collect();
    if let Some(retry_after_secs) = waits.and_then(|w| w.into_iter().min()) {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    Ok(outcomes)
}

/// The parent's own request `binding_id` in one of `statuses`, or a 403 with its
/// audit row (someone else's, unknown, or no longer in force).
pub(crate) async fn own_request_or_deny(
    cx: &CallContext,
    txn: DatabaseTransaction,
    parent_id: i32,
    binding_id: i32,
    statuses: &[BindingStatus],
    action: &str,
) -> Result<(DatabaseTransaction, binding_requests::Model), AppError> {
    let found = binding_requests::Entity::find_by_id(binding_id)
        .filter(binding_requests::Column::ParentId.eq(parent_id))
        .filter(binding_requests::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .one(&txn)
        .await
        .map_err(internal)?;
    match found {
        Some(r) => Ok((txn, r)),
        None => Err(deny(
            txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            action,
            "not_bound",
        )
        .await),
    }
}

/// Ends a binding (or withdraws a pending request) at once, by the parent.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not the parent's binding in
/// force — audited).
pub async fn unbind(cx: &CallContext, binding_id: i32) -> Result<Vec<BindingRequestRow>, AppError> {
    let account = current(cx, false).await?;
    let now = Utc::now();
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved, BindingStatus::Pending],
        "parent.unbind",
    )
    .await?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let from = request.status.clone();
    let mut active: binding_requests::ActiveModel = request.into();
    active.status = Set(BindingStatus::Unbound.as_str().into());
    active.ended_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(&txn).await.map_err(internal)?;
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.unbind",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({ "binding_id": binding_id, "from": from, "to": "unbound" }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    requests_of(&cx.state.db, account.id).await
}

async fn child_overview(
    conn: &impl ConnectionTrait,
    request: &binding_requests::Model,
) -> Result<ChildOverview, AppError> {
    let holder_cards::HolderCards {
        holder,
        school,
        class,
        cards,
    } = holder_cards::load(conn, request.holder_id).await?;
    Ok(ChildOverview {
        binding_id: request.id,
        relationship: Relationship::parse(&request.relationship)
            .unwrap_or(Relationship::OtherGuardian),
        masked_name: mask_name(&holder.name),
        cards: cards
            .into_iter()
            .map(|c| crate::query::service::card_summary(&school.name, c))
            .collect(),
        applications: crate::apply::service::summaries(conn, holder.id).await?,
        school_name: school.name,
        class_name: class.name,
    })
}

async fn children_of(
    conn: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<ChildOverview>, AppError> {
    let mut out = Vec::new();
    for r in own_requests(conn, parent_id, Some(BindingStatus::Approved)).await? {
        out.push(child_overview(conn, &r).await?);
    }
    Ok(out)
}

/// Each child the parent is bound to (approved), with cards and applications.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn children(cx: &CallContext) -> Result<Vec<ChildOverview>, AppError> {
    let account = current(cx, false).await?;
    children_of(&cx.state.db, account.id).await
}

/// One bound child by its binding.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (no approved binding of this
/// parent — audited).
pub async fn child(cx: &CallContext, binding_id: i32) -> Result<ChildOverview, AppError> {
    let account = current(cx, false).await?;
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "parent.child",
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    child_overview(&cx.state.db, &request).await
}

/// «停卡掛失» / «線上申辦» for a bound child from the parent's home: after consent (the
/// wizard session must hold it), the session counts as verified for the child without
/// the identity step, and the stop wizard asks for no step-up code (SPEC §2).
///
/// # Errors
/// `Unauthorized` (not logged in, or no consent for `wizard` in this session),
/// `MustChangePassword`, `Forbidden` (no approved binding of this parent — audited),
/// `Validation` for the query wizard (the home already shows the child's cards).
pub async fn start_wizard_for_child(
    cx: &CallContext,
    wizard: crate::wizard::Wizard,
    binding_id: i32,
) -> Result<crate::wizard::VerifiedHolder, AppError> {
    use crate::wizard::{Wizard, session};
    let account = current(cx, false).await?;
    if wizard == Wizard::Query {
        return Err(AppError::field("wizard", "unsupported"));
    }
    let mut wizard_session = session::load(&cx.session)
        .await?
        .filter(|w| w.wizard == wizard)
        .ok_or(AppError::Unauthorized)?;
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "parent.wizard_start",
    )
    .await?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let masked_name = mask_name(&holder.name);
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.wizard_start",
        Some(masked_name.clone()),
        "ok",
        serde_json::json!({ "binding_id": binding_id, "wizard": wizard.slug() }),
    )
    .await?;
    txn.commit().await.map_err(internal)?;
    let window = crate::server::settings::get_i64(
        &cx.state.db,
        crate::server::settings::VERIFICATION_WINDOW_MINUTES,
        20,
    )
    .await
    .map_err(internal)?;
    let until = Utc::now() + Duration::minutes(window);
    wizard_session.verified_holder_id = Some(holder.id);
    wizard_session.verified_masked_name = Some(masked_name.clone());
    wizard_session.verified_until = Some(until);
    wizard_session.via_parent = Some(account.id);
    session::save(&cx.session, &wizard_session).await?;
    Ok(crate::wizard::VerifiedHolder { masked_name, until })
}

/// Whether this session's wizard was started by the logged-in parent for `holder_id`
/// and that parent's binding is still approved: then the stop needs no step-up code.
pub async fn bound_parent_wizard(cx: &CallContext, holder_id: i32) -> bool {
    let Ok(Some(w)) = crate::wizard::session::load(&cx.session).await else {
        return false;
    };
    let (Some(via), Some(parent)) = (w.via_parent, logged_in_parent(cx).await) else {
        return false;
    };
    via == parent
        && w.verified_holder_id == Some(holder_id)
        && approved_binding(&cx.state.db, parent, holder_id).await
}

/// Whether `parent_id` has an approved binding for `holder_id` (the stop and apply
/// wizards' step-up hook). Fails closed: a database error answers `false`.
pub async fn approved_binding(db: &DatabaseConnection, parent_id: i32, holder_id: i32) -> bool {
    binding_requests::Entity::find()
        .filter(binding_requests::Column::ParentId.eq(parent_id))
        .filter(binding_requests::Column::HolderId.eq(holder_id))
        .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
        .count(db)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "approved_binding lookup failed"))
        .is_ok_and(|n| n > 0)
}

/// «我的資料»: the account, its requests, its bound children and its own audit trail.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn my_data(cx: &CallContext) -> Result<ParentDataExport, AppError> {
    let account = current(cx, false).await?;
    let db = &cx.state.db;
    let contact = account_contact(&cx.state, &account)?;
    let events = audit_log::Entity::find()
        .filter(audit_log::Column::ActorKind.eq("parent"))
        .filter(audit_log::Column::ActorId.eq(account.id.to_string()))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .limit(500)
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|e| AccountEvent {
            at: e.at,
            action: e.action,
            result: e.result,
        })
        .collect();
    let export = ParentDataExport {
        generated_at: Utc::now(),
        account: AccountData {
            display_name: account.display_name.clone(),
            contact_kind: account.contact_kind.clone(),
            contact: contact.value().to_owned(),
            created_at: account.created_at,
            password_changed_at: account.password_changed_at,
            must_change_password: account.must_change_password,
            created_by_school: account.created_by_staff_id.is_some(),
        },
        consents: Vec::new(),
        binding_requests: requests_of(db, account.id).await?,
        children: children_of(db, account.id).await?,
        account_events: events,
    };
    record(
        db,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.my_data",
        None,
        "ok",
        serde_json::json!({}),
    )
    .await?;
    Ok(export)
}

// ---------------------------------------------------------------------------------
// Binding requests: the back office's side

pub(crate) async fn staff_user(
    conn: &impl ConnectionTrait,
    staff_id: i32,
) -> Result<staff_users::Model, AppError> {
    staff_users::Entity::find_by_id(staff_id)
        .one(conn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Forbidden)
}

fn staff_row(
    state: &AppState,
    d: &Described,
    parent: &parent_accounts::Model,
) -> Result<StaffBindingRow, AppError> {
    let row = d.row();
    Ok(StaffBindingRow {
        id: row.id,
        status: row.status,
        relationship: row.relationship,
        school_name: row.school_name,
        class_name: row.class_name,
        seat_no: d.holder.seat_no,
        student_no: d.holder.student_no.clone(),
        child_name: d.holder.name.clone(),
        parent_display_name: parent.display_name.clone(),
        parent_contact_masked: account_contact(state, parent)?.masked(),
        requested_on: row.requested_on,
        return_reason: row.return_reason,
        decided_at: row.decided_at,
    })
}

/// The binding requests in the staff member's scope, oldest first (the approval
/// queue reads top to bottom).
///
/// # Errors
/// `Forbidden` for an unknown staff member; database errors.
pub async fn list_binding_requests(
    state: &AppState,
    staff_id: i32,
    filter: BindingFilter,
) -> Result<Vec<StaffBindingRow>, AppError> {
    let db = &state.db;
    let staff_user = staff_user(db, staff_id).await?;
    let mut q = binding_requests::Entity::find();
    if let Some(s) = filter.status {
        q = q.filter(binding_requests::Column::Status.eq(s.as_str()));
    }
    let scope = match staff_scope::Scope::of(&staff_user).ok_or(AppError::Forbidden)? {
        staff_scope::Scope::All => None,
        scope => Some(scope.holders_condition()),
    };
    if let Some(scope) = scope {
        let ids: Vec<i32> = holders::Entity::find()
            .filter(scope)
            .select_only()
            .column(holders::Column::Id)
            .into_tuple()
            .all(db)
            .await
            .map_err(internal)?;
        q = q.filter(binding_requests::Column::HolderId.is_in(ids));
    }
    let requests = q
        .order_by_asc(binding_requests::Column::CreatedAt)
        .order_by_asc(binding_requests::Column::Id)
        .all(db)
        .await
        .map_err(internal)?;
    let parent_ids: Vec<i32> = requests.iter().map(|r| r.parent_id).collect();
    let parents: HashMap<i32, parent_accounts::Model> = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::Id.is_in(parent_ids))
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    describe(db, requests)
        .await?
        .iter()
        .map(|d| {
            let parent = parents
                .get(&d.request.parent_id)
                .ok_or(AppError::Internal)?;
            staff_row(state, d, parent)
        })
        .collect()
}

/// What a staff decision changes.
#[derive(Clone, Copy)]
enum Decision<'a> {
    Approve,
    Return(&'a str),
    Remove(&'a str),
}

fn checked_reason(reason: &str) -> Result<&str, AppError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(AppError::field("reason", "required"))
    } else if r.chars().count() > REASON_MAX {
        Err(AppError::field("reason", "too_long"))
    } else {
        Ok(r)
    }
}

async fn decide(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    decision: Decision<'_>,
) -> Result<StaffBindingRow, AppError> {
    let (action, from, to, template) = match decision {
        Decision::Approve => (
            "binding.approve",
            BindingStatus::Pending,
            BindingStatus::Approved,
            "parent_binding_approved",
        ),
        Decision::Return(_) => (
            "binding.return",
            BindingStatus::Pending,
            BindingStatus::Returned,
            "parent_binding_returned",
        ),
        Decision::Remove(_) => (
            "binding.remove",
            BindingStatus::Approved,
            BindingStatus::Removed,
            "parent_binding_removed",
        ),
    };
    let now = Utc::now();
    let txn = begin_write(&state.db).await.map_err(internal)?;
    let staff_user = staff_user(&txn, staff_id).await?;
    let request = binding_requests::Entity::find_by_id(request_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    if !staff_scope::covers(&staff_user, &holder) {
        return Err(deny(txn, client, Actor::Staff(staff_id), action, "out_of_scope").await);
    }
    if request.status != from.as_str() {
        return Err(AppError::Conflict(
            if from == BindingStatus::Pending {
                "not_pending"
            } else {
                "not_bound"
            }
            .into(),
        ));
    }
    let parent = parent_accounts::Entity::find_by_id(request.parent_id)
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let mut active: binding_requests::ActiveModel = request.clone().into();
    active.status = Set(to.as_str().into());
    active.updated_at = Set(now);
    match decision {
        Decision::Approve => {
            active.decided_by_staff_id = Set(Some(staff_id));
            active.decided_at = Set(Some(now));
        }
        Decision::Return(reason) => {
            active.decided_by_staff_id = Set(Some(staff_id));
            active.decided_at = Set(Some(now));
            active.return_reason = Set(Some(reason.to_owned()));
        }
        Decision::Remove(reason) => {
            active.end_reason = Set(Some(reason.to_owned()));
            active.ended_at = Set(Some(now));
        }
    }
    let updated = active.update(&txn).await.map_err(internal)?;
    record(
        &txn,
        client,
        Actor::Staff(staff_id),
        action,
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "binding_id": request_id,
            "parent_id": parent.id,
            "from": from.as_str(),
            "to": to.as_str(),
        }),
    )
    .await?;
    let described = describe(&txn, vec![updated])
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    let row = described.row();
    let contact = account_contact(state, &parent)?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template,
            payload: serde_json::json!({
                "masked_name": row.masked_name,
                "school_name": row.school_name,
                "requested_on": crate::domain::dates::iso_date(row.requested_on),
                // The reason of a protection case stays with the school.
                "reason": match decision {
                    Decision::Return(r) => r,
                    _ => "",
                },
            }),
        },
    )
    .await
    .map_err(internal)?;
    let staff_view = staff_row(state, &described, &parent)?;
    txn.commit().await.map_err(internal)?;
    deliver_notice(state, &message_id).await;
    Ok(staff_view)
}

/// «核可»: a pending request becomes a binding; the parent is told.
///
/// # Errors
/// `Forbidden` (unknown staff member or a child outside their scope — audited),
/// `NotFound`, `Conflict("not_pending")`.
pub async fn approve_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
) -> Result<StaffBindingRow, AppError> {
    decide(state, client, staff_id, request_id, Decision::Approve).await
}

/// «退回» with a reason, which the parent is told.
///
/// # Errors
/// `Validation` (`reason` → `required|too_long`), else as [`approve_binding`].
pub async fn return_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    reason: &str,
) -> Result<StaffBindingRow, AppError> {
    let reason = checked_reason(reason)?;
    decide(
        state,
        client,
        staff_id,
        request_id,
        Decision::Return(reason),
    )
    .await
}

/// Ends a binding by staff (protection cases). The reason is kept and audited but not
/// sent to the parent, who is only told that the school removed the binding.
///
/// # Errors
/// `Validation` (`reason`), `Forbidden`, `NotFound`, `Conflict("not_bound")`.
pub async fn remove_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    binding_id: i32,
    reason: &str,
) -> Result<StaffBindingRow, AppError> {
    let reason = checked_reason(reason)?;
    decide(
        state,
        client,
        staff_id,
        binding_id,
        Decision::Remove(reason),
    )
    .await
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
