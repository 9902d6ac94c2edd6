//! The stop's step-up code (SPEC §7, §11): a 6-digit code sent to **every** guardian
//! contact on the roster (the mobile by SMS, the e-mail address by e-mail) when the
//! confirmation step opens, and again on «重新寄送驗證碼».
//!
//! - Opening the step again (a reload, a second tab) while a code is still usable sends
//!   nothing new: it answers where that code went and how long until a resend.
//! - A resend is refused within 60 s of the last code, and at most 5 codes go out an
//!   hour (a 429 with the seconds to wait).
//! - Only the newest code counts: a new code ends the earlier ones in the same
//!   transaction, so two tabs can never hold two different valid codes. Requests for a
//!   holder take turns (`throttle::take_turn`), also across server instances.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use super::StepUpSent;
use super::service::{deny, find_card, holder};
use crate::domain::masking::{mask_email, mask_identifier, mask_mobile, mask_name};
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{holders, one_time_codes};
use crate::server::outbox::{self, Channel, NewMessage};
use crate::server::throttle;
use crate::wizard::{Wizard, session};

/// `one_time_codes.purpose` of the stop's step-up code.
pub const STEP_UP_PURPOSE: &str = "stop.step_up";
pub const CODE_VALID_MINUTES: i64 = 10;
/// Wrong guesses that burn a code.
pub const CODE_MAX_GUESSES: i32 = 5;
/// Seconds between two codes.
pub const RESEND_AFTER_SECS: i64 = 60;
/// Codes per holder and hour.
pub const CODES_PER_HOUR: usize = 5;

/// A guardian contact on the roster, where a step-up code goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Contact {
    Sms(String),
    Email(String),
}

impl Contact {
    pub fn masked(&self) -> String {
        match self {
            Contact::Sms(m) => mask_mobile(m),
            Contact::Email(e) => mask_email(e),
        }
    }

    fn channel_and_recipient(&self) -> (Channel, &str) {
        match self {
            Contact::Sms(m) => (Channel::Sms, m.as_str()),
            Contact::Email(e) => (Channel::Email, e.as_str()),
        }
    }
}

/// Every guardian contact of the holder: the mobile number first, then the e-mail
/// address.
///
/// # Errors
/// `Internal` when a stored contact cannot be decrypted.
pub fn guardian_contacts(
    cx: &CallContext,
    holder: &holders::Model,
) -> Result<Vec<Contact>, AppError> {
    let cipher = &cx.state.cipher;
    let mut contacts = Vec::new();
    if let Some(enc) = &holder.guardian_mobile_enc {
        let aad = format!("holders.guardian_mobile:{}", holder.id_no_hash);
        contacts.push(Contact::Sms(cipher.decrypt(enc, &aad).map_err(internal)?));
    }
    if let Some(enc) = &holder.guardian_email_enc {
        let aad = format!("holders.guardian_email:{}", holder.id_no_hash);
        contacts.push(Contact::Email(cipher.decrypt(enc, &aad).map_err(internal)?));
    }
    Ok(contacts)
}

/// The holder's first guardian contact (the mobile number if the roster has one),
/// where «停卡掛失已受理» goes.
///
/// # Errors
/// `Internal` when a stored contact cannot be decrypted.
pub fn guardian_contact(
    cx: &CallContext,
    holder: &holders::Model,
) -> Result<Option<Contact>, AppError> {
    Ok(guardian_contacts(cx, holder)?.into_iter().next())
}

pub(super) fn code_subject(cx: &CallContext, holder_id: i32) -> String {
    cx.state.cipher.keyed_hash(
        "one_time_codes.subject",
        &format!("{STEP_UP_PURPOSE}:{holder_id}"),
    )
}

pub(super) fn code_hash(cx: &CallContext, subject: &str, code: &str) -> String {
    cx.state
        .cipher
        .keyed_hash("one_time_codes.code", &format!("{subject}:{code}"))
}

fn seconds_until(t: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((t - now).num_seconds().max(1)).unwrap_or(1)
}

/// Whether a code can still be entered.
fn usable(code: &one_time_codes::Model, now: DateTime<Utc>) -> bool {
    code.used_at.is_none() && code.expires_at > now && code.attempts < CODE_MAX_GUESSES
}

/// Who asks for a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ask {
    /// The confirmation step opened: a code only if none is usable.
    Open,
    /// «重新寄送驗證碼»: a new code, at most one a minute.
    Resend,
}

/// The confirmation step opened: sends a code to every guardian contact unless one
/// sent earlier can still be entered (then nothing is sent; the answer says where it
/// went and when a resend is allowed, `sent_now: false`).
///
/// # Errors
/// As [`send_code`].
pub async fn open_code(cx: &CallContext, card_ref: &str) -> Result<StepUpSent, AppError> {
    issue(cx, card_ref, Ask::Open).await
}

/// «重新寄送驗證碼»: a new code to every guardian contact; earlier codes stop working.
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `Conflict("already_stopped")`,
/// `Conflict("no_contact")`, `Conflict("not_required")` (a bound parent's stop),
/// `RateLimited` (60 s between codes, 5 an hour),
/// `Internal` on a database error (a message the transport does not take now is
/// retried by the outbox worker).
pub async fn send_code(cx: &CallContext, card_ref: &str) -> Result<StepUpSent, AppError> {
    issue(cx, card_ref, Ask::Resend).await
}

async fn issue(cx: &CallContext, card_ref: &str, ask: Ask) -> Result<StepUpSent, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
    // A bound parent's stop from «家長專區» needs no code (SPEC §7).
    if crate::wizard::bound_parent::bound_parent_wizard(cx, holder_id).await {
        return Err(AppError::Conflict("not_required".into()));
    }
    let db = &cx.state.db;
    let holder = holder(db, holder_id).await?;
    let txn = begin_write(db).await?;
    let subject = code_subject(cx, holder_id);
    let now = Utc::now();
    // One request per holder at a time, on every instance: two tabs opening the step
    // together see each other's code.
    throttle::take_turn(&txn, &format!("{STEP_UP_PURPOSE}:{subject}"), now).await?;
    let Some(card) = find_card(&txn, cx, holder_id, card_ref).await? else {
        return Err(deny(txn, cx, holder_id, "stop.send_code").await);
    };
    if card.status == "stopped" {
        return Err(AppError::Conflict("already_stopped".into()));
    }
    let contacts = guardian_contacts(cx, &holder)?;
    if contacts.is_empty() {
        return Err(AppError::Conflict("no_contact".into()));
    }
    let destinations: Vec<String> = contacts.iter().map(Contact::masked).collect();
    let recent = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::Purpose.eq(STEP_UP_PURPOSE))
        .filter(one_time_codes::Column::Subject.eq(subject.clone()))
        .filter(one_time_codes::Column::CreatedAt.gt(now - Duration::hours(1)))
        .order_by_desc(one_time_codes::Column::CreatedAt)
        .order_by_desc(one_time_codes::Column::Id)
        .all(&txn)
        .await?;
    let resend_at = recent
        .first()
        .map(|last| last.created_at + Duration::seconds(RESEND_AFTER_SECS));
    if ask == Ask::Open
        && let Some(last) = recent.first()
        && usable(last, now)
    {
        // Nothing new: the code already sent still works.
        txn.commit().await?;
        return Ok(StepUpSent {
            destinations,
            resend_after_secs: resend_at.map_or(0, |t| {
                u64::try_from((t - now).num_seconds().max(0)).unwrap_or(0)
            }),
            sent_now: false,
        });
    }
    let wait = match (resend_at, recent.last()) {
        (Some(t), _) if t > now => Some(seconds_until(t, now)),
        (_, Some(oldest)) if recent.len() >= CODES_PER_HOUR => {
            Some(seconds_until(oldest.created_at + Duration::hours(1), now))
        }
        _ => None,
    };
    let masked_card = mask_identifier(&card.outer_no);
    let audit_send = async |result: &str, detail| {
        audit::record(
            &txn,
            Some(&cx.client),
            AuditEvent {
                actor: Actor::Holder(holder_id),
                action: "stop.send_code",
                subject: Some(masked_card.clone()),
                result,
                detail: Some(detail),
            },
        )
        .await
        .map_err(internal)
    };
    if let Some(retry_after_secs) = wait {
        audit_send("rate_limited", serde_json::json!({})).await?;
        txn.commit().await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }

    // Only the newest code counts: the earlier ones end now.
    one_time_codes::Entity::update_many()
        .col_expr(one_time_codes::Column::ExpiresAt, Expr::value(now))
        .filter(one_time_codes::Column::Purpose.eq(STEP_UP_PURPOSE))
        .filter(one_time_codes::Column::Subject.eq(subject.clone()))
        .filter(one_time_codes::Column::UsedAt.is_null())
        .filter(one_time_codes::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    one_time_codes::ActiveModel {
        purpose: Set(STEP_UP_PURPOSE.into()),
        subject: Set(subject.clone()),
        code_hash: Set(code_hash(cx, &subject, &code)),
        expires_at: Set(now + Duration::minutes(CODE_VALID_MINUTES)),
        attempts: Set(0),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut message_ids = Vec::with_capacity(contacts.len());
    let mut channels = Vec::with_capacity(contacts.len());
    for contact in &contacts {
        let (channel, recipient) = contact.channel_and_recipient();
        message_ids.push(
            outbox::enqueue(
                &txn,
                &cx.state.cipher,
                NewMessage {
                    channel,
                    recipient,
                    template: "stop_code",
                    // Asked for in the browser: the page's language.
                    lang: cx.client.lang(),
                    payload: serde_json::json!({
                        "masked_name": mask_name(&holder.name),
                        "outer_no_masked": masked_card,
                        "code": code,
                        "minutes": CODE_VALID_MINUTES,
                    }),
                },
            )
            .await?,
        );
        channels.push(channel.as_str());
    }
    audit_send(
        "ok",
        serde_json::json!({ "channels": channels, "trigger": match ask {
            Ask::Open => "open",
            Ask::Resend => "resend",
        } }),
    )
    .await?;
    txn.commit().await?;

    // Sent now if the transports answer; otherwise the outbox worker retries them.
    for id in &message_ids {
        outbox::deliver(&cx.state, id).await?;
    }
    Ok(StepUpSent {
        destinations,
        resend_after_secs: RESEND_AFTER_SECS.unsigned_abs(),
        sent_now: true,
    })
}
