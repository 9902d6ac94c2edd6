//! The language a message goes out in (issue 15 item 3): the page's four locales.
//! A message a parent causes in the browser takes the request's language (the
//! `portal_lang` cookie, [`ClientContext::lang`](crate::server::context::ClientContext));
//! one caused by someone else or by a job takes the recipient account's stored
//! language ([`of_account`], [`of_contact`]); a roster contact without an account
//! gets zh-TW, the bilingual Chinese and English text.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::Channel;
use crate::server::crypto::PiiCipher;
use crate::server::entities::parent_accounts;

/// The cookie that keeps the page's language (`LANGUAGE_COOKIE` of the `ui` module, written
/// by the browser).
pub const COOKIE: &str = "portal_lang";

/// The payload key a message's language is stored under.
pub const PAYLOAD_KEY: &str = "lang";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// Chinese with English below it: the default and the texts as they always were.
    #[default]
    ZhTw,
    En,
    Vi,
    Id,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::ZhTw, Lang::En, Lang::Vi, Lang::Id];

    /// The locale's name, as in the cookie and the `parent_accounts.language` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
            Lang::Vi => "vi",
            Lang::Id => "id",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }

    /// The language in a `Cookie` request header, if it names one of the four.
    pub fn from_cookie_header(header: &str) -> Option<Lang> {
        header
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| name.trim() == COOKIE)
            .and_then(|(_, value)| Lang::parse(value))
    }

    /// A queued message's language (zh-TW for one queued before languages existed).
    pub fn of_payload(payload: &serde_json::Value) -> Lang {
        payload[PAYLOAD_KEY]
            .as_str()
            .and_then(Lang::parse)
            .unwrap_or_default()
    }
}

/// A parent account's stored language.
pub fn of_account(account: &parent_accounts::Model) -> Lang {
    Lang::parse(&account.language).unwrap_or_default()
}

/// The language of whoever has a parent account signing in with this e-mail address
/// or mobile number (a LINE user id or an unknown contact: zh-TW). For messages to a
/// contact typed into a form (an application's), where no account is at hand.
///
/// # Errors
/// Database errors.
pub async fn of_contact(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    channel: Channel,
    recipient: &str,
) -> Result<Lang, DbErr> {
    if channel == Channel::Line {
        return Ok(Lang::ZhTw);
    }
    let Ok(contact) = crate::domain::contact::ParentContact::parse(recipient) else {
        return Ok(Lang::ZhTw);
    };
    let hash = crate::server::model::parent_account::contact_hash(cipher, &contact);
    let language: Option<String> = parent_accounts::Entity::find()
        .select_only()
        .column(parent_accounts::Column::Language)
        .filter(parent_accounts::Column::ContactHash.eq(hash))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_names_the_language_and_anything_else_is_none() {
        assert_eq!(
            Lang::from_cookie_header("a=1; portal_lang=vi; b=2"),
            Some(Lang::Vi)
        );
        assert_eq!(
            Lang::from_cookie_header("portal_lang=zh-TW"),
            Some(Lang::ZhTw)
        );
        assert_eq!(Lang::from_cookie_header("portal_lang=fr"), None);
        assert_eq!(Lang::from_cookie_header("xportal_lang=en"), None);
        assert_eq!(
            Lang::of_payload(&serde_json::json!({ "lang": "id" })),
            Lang::Id
        );
        assert_eq!(Lang::of_payload(&serde_json::json!({})), Lang::ZhTw);
    }
}
