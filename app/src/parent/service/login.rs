//! Login (captcha after failures, lock, per-IP limit) and «變更密碼».

use super::*;

// ---------------------------------------------------------------------------------
// Login and password change

pub(super) async fn recent_failures(
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
        .await?;
    Ok(attempts
        .into_iter()
        .take_while(|a| !a.succeeded)
        .map(|a| a.created_at)
        .collect())
}

pub(super) async fn insert_login_attempt(
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
    .await?;
    Ok(())
}

/// A new captcha for this session (the login form shows it once required).
///
/// # Errors
/// Database errors.
pub async fn issue_captcha(cx: &CallContext) -> Result<CaptchaChallenge, AppError> {
    crate::server::captcha::issue_captcha(cx).await
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
    .await?
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
        let binding = crate::server::captcha::captcha_binding(cx).await?;
        let ok = captcha::check_and_consume(
            &state.db,
            &state.cipher,
            &binding,
            entered,
            state.config.test_captcha.as_deref(),
        )
        .await?;
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
            let _ =
                staff::verify_password(input.password.clone(), staff::timing_hash().await).await;
            false
        }
    };

    let txn = begin_write(&state.db).await?;
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
            txn.commit().await?;
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
    txn.commit().await?;
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
        let txn = begin_write(&state.db).await?;
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
        txn.commit().await?;
        return Err(AppError::field("current_password", "wrong"));
    }
    let password_hash = staff::hash_password(input.new_password.clone()).await?;
    let txn = begin_write(&state.db).await?;
    // Re-read inside the write transaction: the version may have moved meanwhile.
    let fresh = parent_accounts::Entity::find_by_id(account.id)
        .one(&txn)
        .await?
        .filter(|a| a.password_version == account.password_version)
        .ok_or(AppError::Unauthorized)?;
    let message_id = set_password(cx, &txn, fresh, password_hash, "parent.change_password").await?;
    txn.commit().await?;
    deliver_notice(state, &message_id).await;
    let updated = parent_accounts::Entity::find_by_id(account.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    start_session(cx, &updated).await?;
    profile(state, &updated)
}
