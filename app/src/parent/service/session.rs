//! The parent's session: who is logged in, the absolute limit, logout.

use super::*;

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
    let Some(s) = cx.session.get::<ParentSession>(SESSION_KEY).await? else {
        return Err(AppError::Unauthorized);
    };
    let account = parent_accounts::Entity::find_by_id(s.parent_id)
        .one(&cx.state.db)
        .await?;
    let live = s.since + Duration::hours(SESSION_ABSOLUTE_HOURS) > Utc::now();
    let Some(account) = account.filter(|a| live && a.password_version == s.password_version) else {
        cx.session.remove::<ParentSession>(SESSION_KEY).await?;
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

pub(super) async fn start_session(
    cx: &CallContext,
    account: &parent_accounts::Model,
) -> Result<(), AppError> {
    // A new session id for the logged-in session (no fixation).
    cx.session.cycle_id().await?;
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
