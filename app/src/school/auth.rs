//! Staff login and the staff session (SPEC §7), as for parents:
//!
//! - **Login** is limited per client IP ([`throttle::admit_ip`], the rule of identity
//!   verification and parent login: 429 with `Retry-After`, audited) and counted per
//!   keyed hash of the username, whether or not the account exists: after 3 failures
//!   in 15 minutes a captcha is required, 10 lock the name for 15 minutes. An unknown
//!   username costs the same Argon2 verification and gets the same answers as a real
//!   one with a wrong password.
//! - **The session** keeps the staff id, the account's password version and the login
//!   time. It ends 12 hours after login whatever its activity, when the password
//!   changes (every session of an older version), when the account is disabled, and
//!   at «登出» (deleted on the server).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::service::{Scope, Staff};
use super::{StaffLoginInput, StaffMe, StaffPasswordInput};
use crate::domain::masking::mask_identifier;
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::captcha;
use crate::server::context::{CallContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{classes, schools, staff_login_attempts, staff_users};
use crate::server::staff::{self, PasswordRuleError};
use crate::server::throttle::{self, Admission, LOCK_MINUTES, LOGIN_WINDOW_MINUTES, login_state};

/// Session key of the logged-in staff member.
pub const STAFF_SESSION_KEY: &str = "staff";
/// A staff session ends this long after login whatever its activity (SPEC §7).
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;

/// What the staff session remembers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaffSession {
    pub staff_id: i32,
    /// The account's `password_version` at login: a change ends the session.
    pub password_version: i32,
    /// Login time: the session ends [`SESSION_ABSOLUTE_HOURS`] later.
    pub since: DateTime<Utc>,
}

/// The staff member of this session, who has changed any temporary password: an
/// account created in «帳號管理» does nothing before its first password change.
///
/// # Errors
/// As [`current_any`]; `Conflict("password_change_required")` on a temporary password.
pub async fn current(cx: &CallContext) -> Result<Staff, AppError> {
    let staff = current_any(cx).await?;
    if staff.user.must_change_password {
        return Err(AppError::Conflict("password_change_required".into()));
    }
    Ok(staff)
}

/// The staff member of this session, even on a temporary password (for «變更密碼»,
/// the header and «登出»).
///
/// # Errors
/// `Unauthorized` without a live staff login (none, older than 12 hours, ended by a
/// password change, or the account disabled); `Forbidden` for an account without a
/// scope.
pub async fn current_any(cx: &CallContext) -> Result<Staff, AppError> {
    // A session written before these fields existed does not read: it has ended.
    let session = cx
        .session
        .get::<StaffSession>(STAFF_SESSION_KEY)
        .await
        .ok()
        .flatten();
    let user = match &session {
        Some(s) => {
            staff_users::Entity::find_by_id(s.staff_id)
                .one(&cx.state.db)
                .await?
        }
        None => None,
    };
    let live = |s: &StaffSession, u: &staff_users::Model| {
        s.since + Duration::hours(SESSION_ABSOLUTE_HOURS) > Utc::now()
            && u.password_version == s.password_version
            && u.disabled_at.is_none()
    };
    let Some(user) = session
        .zip(user)
        .filter(|(s, u)| live(s, u))
        .map(|(_, u)| u)
    else {
        cx.session.remove_value(STAFF_SESSION_KEY).await?;
        return Err(AppError::Unauthorized);
    };
    let scope = Scope::of(&user).ok_or(AppError::Forbidden)?;
    Ok(Staff { user, scope })
}

async fn me_of(
    conn: &impl ConnectionTrait,
    user: &staff_users::Model,
) -> Result<StaffMe, AppError> {
    let school_name = match user.school_id {
        Some(id) => schools::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|s| s.name),
        None => None,
    };
    let class_name = match user.class_id {
        Some(id) => classes::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| c.name),
        None => None,
    };
    Ok(StaffMe {
        username: user.username.clone(),
        role: user.role.clone(),
        school_name,
        class_name,
        must_change_password: user.must_change_password,
    })
}

/// # Errors
/// `Unauthorized` without a staff login.
pub async fn me(cx: &CallContext) -> Result<StaffMe, AppError> {
    let staff = current_any(cx).await?;
    me_of(&cx.state.db, &staff.user).await
}

/// The keyed hash under which a username's logins are counted (also for names that
/// are no account).
fn username_hash(cx: &CallContext, username: &str) -> String {
    cx.state
        .cipher
        .keyed_hash("staff_users.username", &username.to_lowercase())
}

/// The name's failed logins since its last success, newest first.
async fn recent_failures(
    conn: &impl ConnectionTrait,
    name_hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, AppError> {
    let horizon = now - Duration::minutes(LOGIN_WINDOW_MINUTES + LOCK_MINUTES);
    let attempts = staff_login_attempts::Entity::find()
        .filter(staff_login_attempts::Column::UsernameHash.eq(name_hash))
        .filter(staff_login_attempts::Column::CreatedAt.gt(horizon))
        .order_by_desc(staff_login_attempts::Column::CreatedAt)
        .order_by_desc(staff_login_attempts::Column::Id)
        .all(conn)
        .await?;
    Ok(attempts
        .into_iter()
        .take_while(|a| !a.succeeded)
        .map(|a| a.created_at)
        .collect())
}

async fn insert_attempt(
    conn: &impl ConnectionTrait,
    cx: &CallContext,
    name_hash: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    staff_login_attempts::ActiveModel {
        username_hash: Set(name_hash.to_owned()),
        client_ip: Set(cx.client.ip.clone()),
        succeeded: Set(succeeded),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

async fn record(
    conn: &impl ConnectionTrait,
    cx: &CallContext,
    actor: Actor,
    action: &str,
    subject: Option<String>,
    result: &str,
    detail: Option<serde_json::Value>,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Some(&cx.client),
        AuditEvent {
            actor,
            action,
            subject,
            result,
            detail,
        },
    )
    .await
    .map_err(internal)
}

/// «登入»: school, account and password; a captcha after failed attempts; a wait
/// after many. Every failure gets the same answer, whatever was wrong and whether or
/// not the account exists.
///
/// # Errors
/// `NoMatch` (wrong school, account or password), `Validation` on `captcha`
/// (`required`, `wrong`, `required_next` with a failure) or `otp` (`required`,
/// `wrong`), `RateLimited` while the name is locked or over the per-IP limit,
/// `Conflict("mfa_setup_required")`.
pub async fn login(cx: &CallContext, input: StaffLoginInput) -> Result<StaffMe, AppError> {
    let db = &cx.state.db;
    let now = Utc::now();
    let username = input.username.trim().to_owned();
    let name_hash = username_hash(cx, &username);
    let user = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq(username.clone()))
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none());
    let actor = user.as_ref().map_or(Actor::Visitor, |u| Actor::Staff(u.id));
    let subject = Some(
        user.as_ref()
            .map_or_else(|| mask_identifier(&username), |u| u.username.clone()),
    );

    if let Admission::Refused { retry_after_secs } = throttle::admit_ip(
        db,
        "staff.login",
        &cx.client.ip,
        cx.state.config.verify_per_ip_per_min,
        now,
    )
    .await?
    {
        let detail = Some(serde_json::json!({ "per": "ip" }));
        record(
            db,
            cx,
            actor,
            "staff.login",
            subject,
            "rate_limited",
            detail,
        )
        .await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let failures = recent_failures(db, &name_hash, now).await?;
    let before = login_state(&failures, now);
    if let Some(retry_after_secs) = before.locked_for {
        record(db, cx, actor, "staff.login", subject, "locked", None).await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }
    if before.captcha_required {
        if input.captcha.trim().is_empty() {
            return Err(AppError::field("captcha", "required"));
        }
        let binding = crate::server::captcha::captcha_binding(cx).await?;
        let ok = captcha::check_and_consume(
            db,
            &cx.state.cipher,
            &binding,
            &input.captcha,
            cx.state.config.test_captcha.as_deref(),
        )
        .await?;
        if !ok {
            record(
                db,
                cx,
                actor,
                "staff.login_captcha",
                subject,
                "failed",
                None,
            )
            .await?;
            return Err(AppError::field("captcha", "wrong"));
        }
    }

    // Same work for an unknown account, so timing tells nothing.
    let stored = match &user {
        Some(u) => u.password_hash.clone(),
        None => staff::timing_hash().await,
    };
    let password_ok = staff::verify_password(input.password.clone(), stored).await;
    let user = user.filter(|_| password_ok);
    let school_ok = match &user {
        None => false,
        Some(u) => match u.school_id {
            None => input.school_code.trim().is_empty() || u.role == "operator",
            Some(id) => schools::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_some_and(|s| s.code == input.school_code.trim()),
        },
    };
    let user = user.filter(|_| school_ok);
    // The second factor, checked only after the password (never revealing which
    // accounts have one to someone without the password).
    let otp_state = user
        .as_ref()
        .and_then(|u| staff::check_totp(&cx.state.cipher, u, &input.otp));
    if let Some(u) = &user {
        if input.otp.trim().is_empty() && otp_state.is_some() {
            return Err(AppError::field("otp", "required"));
        }
        if otp_state.is_none()
            && cx.state.config.require_mfa
            && matches!(u.role.as_str(), "officer" | "operator")
        {
            record(db, cx, actor, "staff.login", subject, "mfa_missing", None).await?;
            return Err(AppError::Conflict("mfa_setup_required".into()));
        }
    }
    let otp_ok = otp_state.unwrap_or(true);

    let txn = begin_write(db).await?;
    let Some(user) = user.filter(|_| otp_ok) else {
        insert_attempt(&txn, cx, &name_hash, false, now).await?;
        let mut failures = failures;
        failures.insert(0, now);
        let after = login_state(&failures, now);
        let result = if after.locked_for.is_some() {
            "locked"
        } else {
            "failed"
        };
        record(&txn, cx, actor, "staff.login", subject, result, None).await?;
        txn.commit().await?;
        if password_ok && school_ok && !otp_ok {
            return Err(AppError::field("otp", "wrong"));
        }
        if let Some(retry_after_secs) = after.locked_for {
            return Err(AppError::RateLimited { retry_after_secs });
        }
        return Err(if after.captcha_required {
            // The next try needs a captcha: say so next to the field.
            AppError::field("captcha", "required_next")
        } else {
            AppError::NoMatch
        });
    };
    insert_attempt(&txn, cx, &name_hash, true, now).await?;
    record(&txn, cx, actor, "staff.login", subject, "ok", None).await?;
    txn.commit().await?;
    start_session(cx, &user, now).await?;
    me_of(db, &user).await
}

async fn start_session(
    cx: &CallContext,
    user: &staff_users::Model,
    since: DateTime<Utc>,
) -> Result<(), AppError> {
    // A new session id for the logged-in session (no fixation).
    cx.session.cycle_id().await?;
    cx.session
        .insert(
            STAFF_SESSION_KEY,
            StaffSession {
                staff_id: user.id,
                password_version: user.password_version,
                since,
            },
        )
        .await
        .map_err(internal)
}

/// «登出»: the session is gone on the server.
///
/// # Errors
/// Session store errors.
pub async fn logout(cx: &CallContext) -> Result<(), AppError> {
    if let Ok(staff) = current_any(cx).await {
        let subject = Some(staff.user.username.clone());
        record(
            &cx.state.db,
            cx,
            staff.actor(),
            "staff.logout",
            subject,
            "ok",
            None,
        )
        .await?;
    }
    cx.session.flush().await.map_err(internal)
}

/// «變更密碼» of the logged-in staff member. Every other session of the account ends;
/// this one continues under a new id (still ending 12 hours after its login).
///
/// # Errors
/// `Unauthorized`; `Validation`: `current_password` → `required|wrong`,
/// `new_password` → `required|too_short|too_long|common|same_as_current`;
/// `RateLimited` while the name is locked.
pub async fn change_password(
    cx: &CallContext,
    input: StaffPasswordInput,
) -> Result<StaffMe, AppError> {
    let staff = current_any(cx).await?;
    let errors = input.field_errors();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    staff::check_password_rules(&input.new_password).map_err(|e| {
        let code = match e {
            PasswordRuleError::TooShort => "too_short",
            PasswordRuleError::TooLong => "too_long",
            PasswordRuleError::Common => "common",
        };
        AppError::field("new_password", code)
    })?;
    let db = &cx.state.db;
    let now = Utc::now();
    let user = staff.user;
    let name_hash = username_hash(cx, &user.username);
    let failures = recent_failures(db, &name_hash, now).await?;
    if let Some(retry_after_secs) = login_state(&failures, now).locked_for {
        return Err(AppError::RateLimited { retry_after_secs });
    }
    let actor = Actor::Staff(user.id);
    let subject = Some(user.username.clone());
    if !staff::verify_password(input.current_password.clone(), user.password_hash.clone()).await {
        let txn = begin_write(db).await?;
        insert_attempt(&txn, cx, &name_hash, false, now).await?;
        record(
            &txn,
            cx,
            actor,
            "staff.change_password",
            subject,
            "failed",
            None,
        )
        .await?;
        txn.commit().await?;
        return Err(AppError::field("current_password", "wrong"));
    }
    let password_hash = staff::hash_password(input.new_password.clone()).await?;
    let txn = begin_write(db).await?;
    let Some(updated) =
        staff::store_password(&txn, user.id, user.password_version, password_hash).await?
    else {
        // Changed meanwhile by another session: this one has ended.
        return Err(AppError::Unauthorized);
    };
    insert_attempt(&txn, cx, &name_hash, true, now).await?;
    let detail = Some(serde_json::json!({ "password_version": updated.password_version }));
    record(
        &txn,
        cx,
        actor,
        "staff.change_password",
        subject,
        "ok",
        detail,
    )
    .await?;
    txn.commit().await?;
    let since = cx
        .session
        .get::<StaffSession>(STAFF_SESSION_KEY)
        .await
        .ok()
        .flatten()
        .map_or(now, |s| s.since);
    start_session(cx, &updated, since).await?;
    me_of(db, &updated).await
}
