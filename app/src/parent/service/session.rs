//! The parent's session: who is logged in, the absolute limit, logout.

use super::*;

// ---------------------------------------------------------------------------------
// The session

pub(super) async fn start_session(
    cx: &CallContext,
    account: &parent_accounts::Model,
) -> Result<(), AppError> {
    // Login and registration take the page's language for the account's messages.
    crate::server::model::parent_account::follow_page_language(cx, account.clone()).await?;
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
