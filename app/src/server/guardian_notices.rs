//! «卡片異動通知»: every card action — «暫時鎖卡», «解除鎖卡», «停卡掛失», «線上申辦», and the
//! issuer's refund of a stop («已退費») —
//! notifies every parent with an approved binding to the holder (SPEC §7), queued in the
//! transaction of the action itself, so an action is never stored without its notices.
//!
//! ID and birth date are identification, not authentication: they leak. A parent who
//! hears of a stop they did not ask for can call the school the same day.
//!
//! Each parent gets the message at the contact they sign in with (e-mail, or SMS for a
//! mobile number; both were verified by a code at registration) and on LINE when linked.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::crypto::PiiCipher;
use super::entities::{binding_requests, holders, parent_accounts};
use super::outbox::{self, Channel, NewMessage};
use crate::domain::dates::taiwan_date_time;
use crate::domain::masking::mask_name;

/// The outbox template of these notices (`server::outbox::templates`).
pub const TEMPLATE: &str = "card_action";

/// What was done to the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAction {
    Lock,
    Unlock,
    Stop,
    Apply,
    /// The issuer paid the stop's refund.
    Refund,
}

impl CardAction {
    pub fn as_str(self) -> &'static str {
        match self {
            CardAction::Lock => "lock",
            CardAction::Unlock => "unlock",
            CardAction::Stop => "stop",
            CardAction::Apply => "apply",
            CardAction::Refund => "refund",
        }
    }
}

/// One card action to report.
pub struct CardNotice<'a> {
    pub action: CardAction,
    pub holder: &'a holders::Model,
    /// The card's masked outer number (lock, unlock, stop).
    pub card_masked: Option<&'a str>,
    /// The stop's or application's serial number.
    pub serial_no: Option<&'a str>,
    pub at: DateTime<Utc>,
    /// Done by a bound parent in «家長專區» rather than by ID and birth date.
    pub by_parent: bool,
    /// A refund: the amount paid and the date (`YYYY-MM-DD`).
    pub refund: Option<(i32, chrono::NaiveDate)>,
}

/// Where a parent account hears of card actions.
fn recipients(
    cipher: &PiiCipher,
    account: &parent_accounts::Model,
) -> Result<Vec<(Channel, String)>, DbErr> {
    let decrypt = |enc: &str, aad: &str| {
        cipher
            .decrypt(enc, aad)
            .map_err(|e| DbErr::Custom(format!("decrypting a parent contact: {e}")))
    };
    let login = decrypt(
        &account.contact_enc,
        &format!("parent_accounts.contact:{}", account.contact_hash),
    )?;
    let mut out = vec![if account.contact_kind == "mobile" {
        (Channel::Sms, login)
    } else {
        (Channel::Email, login)
    }];
    if let Some(enc) = &account.line_user_enc {
        out.push((
            Channel::Line,
            decrypt(enc, &format!("parent_accounts.line_user:{}", account.id))?,
        ));
    }
    Ok(out)
}

/// Queues the notice of `notice` to every approved-bound parent of its holder on `conn`
/// (the action's own transaction). Returns the outbox ids.
///
/// # Errors
/// Database errors, or a stored contact that cannot be decrypted (the action then
/// fails as a whole rather than go unreported).
pub async fn queue(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    notice: &CardNotice<'_>,
) -> Result<Vec<String>, DbErr> {
    let parent_ids: Vec<i32> = binding_requests::Entity::find()
        .filter(binding_requests::Column::HolderId.eq(notice.holder.id))
        .filter(
            binding_requests::Column::Status
                .eq(crate::domain::binding::BindingStatus::Approved.as_str()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.parent_id)
        .collect();
    if parent_ids.is_empty() {
        return Ok(Vec::new());
    }
    let accounts = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::Id.is_in(parent_ids))
        .all(conn)
        .await?;
    let payload = serde_json::json!({
        "action": notice.action.as_str(),
        "masked_name": mask_name(&notice.holder.name),
        "card_masked": notice.card_masked.unwrap_or_default(),
        "serial_no": notice.serial_no.unwrap_or_default(),
        "at": taiwan_date_time(notice.at),
        "by_parent": notice.by_parent,
        "amount": notice.refund.map(|r| r.0),
        "paid_on": notice.refund.map(|r| crate::domain::dates::iso_date(r.1)),
    });
    let mut ids = Vec::new();
    for account in &accounts {
        for (channel, recipient) in recipients(cipher, account)? {
            ids.push(
                outbox::enqueue(
                    conn,
                    cipher,
                    NewMessage {
                        channel,
                        recipient: &recipient,
                        template: TEMPLATE,
                        payload: payload.clone(),
                        // Each parent reads it in their own language, whoever acted.
                        lang: outbox::lang::of_account(account),
                    },
                )
                .await?,
            );
        }
    }
    Ok(ids)
}
