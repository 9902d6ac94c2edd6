//! `parent_accounts`: the logged-in parent (the session and its absolute limit) and the
//! account's contact, stored encrypted under a keyed hash.

use chrono::{DateTime, Duration, Utc};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use crate::domain::contact::ParentContact;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::context::{CallContext, internal};
use crate::server::entities::parent_accounts;
use crate::server::outbox::Channel;

/// Session key of the logged-in parent.
pub const SESSION_KEY: &str = "parent";

/// A parent session ends this long after login whatever its activity (SPEC §7).
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;

/// What the session remembers of a logged-in parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentSession {
    pub parent_id: i32,
    pub password_version: i32,
    pub since: DateTime<Utc>,
}

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
    let account = follow_page_language(cx, account).await?;
    if account.must_change_password && !allow_must_change {
        return Err(AppError::MustChangePassword);
    }
    Ok(account)
}

/// Keeps the account's language (`parent_accounts.language`) that of the page: called
/// at login and registration ([`current`] runs on every logged-in request too), it
/// writes only when the request's `portal_lang` cookie names another language. The
/// language switch sets that cookie in the browser, so the next call of the
/// parent's pages stores the switch, with no call of its own and no read beyond the
/// account row every logged-in call already loads. Messages sent without the parent
/// in the browser (a teacher's decision, a swipe, a job) go out in it.
///
/// # Errors
/// Database errors.
pub async fn follow_page_language(
    cx: &CallContext,
    mut account: parent_accounts::Model,
) -> Result<parent_accounts::Model, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let Some(page) = cx.client.page_lang else {
        return Ok(account);
    };
    if account.language == page.as_str() {
        return Ok(account);
    }
    parent_accounts::Entity::update_many()
        .col_expr(
            parent_accounts::Column::Language,
            Expr::value(page.as_str()),
        )
        .filter(parent_accounts::Column::Id.eq(account.id))
        .exec(&cx.state.db)
        .await?;
    page.as_str().clone_into(&mut account.language);
    Ok(account)
}

/// The parent logged in on this session, if any (and not held at a forced password
/// change): for the stop and apply wizards, together with [`approved_binding`].
pub async fn logged_in_parent(cx: &CallContext) -> Option<i32> {
    current(cx, false).await.ok().map(|a| a.id)
}

/// The keyed hash under which an account's contact is looked up.
pub fn contact_hash(cipher: &crate::server::crypto::PiiCipher, c: &ParentContact) -> String {
    cipher.keyed_hash(
        "parent_accounts.contact",
        &format!("{}:{}", c.kind(), c.value()),
    )
}

pub fn contact_aad(hash: &str) -> String {
    format!("parent_accounts.contact:{hash}")
}

/// The account's contact, decrypted.
pub fn account_contact(
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

pub fn channel_of(c: &ParentContact) -> Channel {
    match c {
        ParentContact::Email(_) => Channel::Email,
        ParentContact::Mobile(_) => Channel::Sms,
    }
}
