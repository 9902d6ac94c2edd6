//! Rules of «停卡掛失» (SPEC §1 3a, §7, §8, §10), authorised only by the session's
//! verified holder in the stop wizard.
//!
//! - Cards are named by an opaque `card_ref` (a keyed hash of the outer number) and
//!   resolved only among the verified holder's own cards; anything else is 403.
//! - «暫時鎖卡» / «解除鎖卡» move a card between `active` and `locked`.
//! - Where the roster has a guardian contact, the stop needs a 6-digit step-up code
//!   sent there (`super::step_up`); without one the stop proceeds and is flagged for
//!   the school.
//! - A stop is exactly once: the idempotency key, the card's state change, the stop
//!   row, its audit row and the spent code are written in one transaction. SQLite's
//!   `BEGIN IMMEDIATE` serialises duplicates; on PostgreSQL the card rows are locked
//!   (`FOR UPDATE`) and a unique violation of the idempotency key retries the
//!   transaction (a few times, then 503), which then finds the first answer. The
//!   serial number comes from the day's `server::serials` counter in the same
//!   transaction, so concurrent stops never pick the same one.

use crate::server::idempotency::{idempotency_key_error, request_hash};
use chrono::{Datelike, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{StopCardRow, StopOverview, StopReceipt, StopRequestInput};
use crate::domain::dates::taiwan_time;
use crate::domain::masking::{mask_identifier, mask_name};
use crate::domain::refund::{self, RefundChoice, RefundEstimate, StopFees};
use crate::error::AppError;
use crate::holder::cards::{self as holder_cards, HolderCards};
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, internal};
use crate::server::db::{Attempt, begin_write, retry_if_unique, submit_with_retries};
use crate::server::entities::{cards, holders, idempotency_keys, one_time_codes, stop_requests};
use crate::server::guardian_notices::{self, CardAction, CardNotice};
use crate::server::outbox::{self, Channel, NewMessage};
use crate::server::serials::{self, Counter};
use crate::server::settings;
use crate::wizard::{Wizard, session};

/// Session key of the serial number of the stop this session submitted last.
pub const LAST_STOP_SESSION_KEY: &str = "last_stop_serial";
pub use super::step_up::{
    CODE_MAX_GUESSES, CODE_VALID_MINUTES, CODES_PER_HOUR, Contact, RESEND_AFTER_SECS,
    STEP_UP_PURPOSE, guardian_contact, guardian_contacts, open_code, send_code,
};
use super::step_up::{code_hash, code_subject};
const CARD_REF_LEN: usize = 20;

/// The opaque reference of a card on the stop pages.
pub fn card_ref(cx: &CallContext, outer_no: &str) -> String {
    let mut r = cx.state.cipher.keyed_hash("card_ref", outer_no);
    r.truncate(CARD_REF_LEN);
    r
}

/// `ST` + YYYYMMDD of `date` + the 6-digit sequence.
pub fn serial_no(date: chrono::NaiveDate, seq: u32) -> String {
    format!(
        "ST{:04}{:02}{:02}{seq:06}",
        date.year(),
        date.month(),
        date.day()
    )
}

/// Whether a stop must be confirmed with a step-up code sent to `contact` (SPEC §7):
/// whenever the roster has a guardian contact, unless a logged-in parent with an
/// approved binding started this wizard for the holder from «家長專區».
async fn step_up_required(cx: &CallContext, holder_id: i32, contact: Option<&Contact>) -> bool {
    contact.is_some() && !crate::wizard::bound_parent::bound_parent_wizard(cx, holder_id).await
}

/// The configured fees (settings `fee.*`) and the loss liability hours, read in one
/// statement inside the stop's transaction (what is charged is what is in force).
///
/// # Errors
/// Database errors.
pub async fn fees_and_liability(conn: &impl ConnectionTrait) -> Result<(StopFees, i32), DbErr> {
    let values = settings::get_many(
        conn,
        &[
            settings::FEE_LOSS,
            settings::FEE_REMITTANCE,
            settings::FEE_CHEQUE_POSTAGE,
            settings::LOSS_LIABILITY_HOURS,
        ],
    )
    .await?;
    let number = |key: &str, default: i32| {
        values
            .get(key)
            .and_then(|v| v.trim().parse::<i32>().ok())
            .unwrap_or(default)
    };
    let d = StopFees::default();
    let fees = StopFees {
        loss: number(settings::FEE_LOSS, d.loss),
        remittance: number(settings::FEE_REMITTANCE, d.remittance),
        cheque_postage: number(settings::FEE_CHEQUE_POSTAGE, d.cheque_postage),
    };
    Ok((fees, number(settings::LOSS_LIABILITY_HOURS, 3)))
}

/// The configured fees (settings `fee.*`).
///
/// # Errors
/// Database errors.
pub async fn fees(conn: &impl ConnectionTrait) -> Result<StopFees, DbErr> {
    Ok(fees_and_liability(conn).await?.0)
}

/// [`fees`] from a cached settings snapshot.
fn fees_of(snapshot: &settings::Snapshot) -> StopFees {
    let d = StopFees::default();
    let get = |key, default: i32| {
        i32::try_from(snapshot.number(key, i64::from(default))).unwrap_or(default)
    };
    StopFees {
        loss: get(settings::FEE_LOSS, d.loss),
        remittance: get(settings::FEE_REMITTANCE, d.remittance),
        cheque_postage: get(settings::FEE_CHEQUE_POSTAGE, d.cheque_postage),
    }
}

pub(super) async fn holder(
    conn: &impl ConnectionTrait,
    holder_id: i32,
) -> Result<holders::Model, AppError> {
    holders::Entity::find_by_id(holder_id)
        .one(conn)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// # Errors
/// `Unauthorized` without a live verification in the stop wizard; database errors.
pub async fn overview(cx: &CallContext) -> Result<StopOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
    overview_of(cx, holder_id).await
}

async fn overview_of(cx: &CallContext, holder_id: i32) -> Result<StopOverview, AppError> {
    let db = &cx.state.db;
    let snapshot = cx.state.settings.current(db).await?;
    let HolderCards {
        holder,
        school,
        class,
        cards,
    } = holder_cards::load_with(db, &snapshot, holder_id).await?;
    let cards = cards
        .into_iter()
        .map(|c| StopCardRow {
            card_ref: card_ref(cx, &c.card.outer_no),
            card_type_zh: c.type_zh,
            card_type_en: c.type_en,
            status: c.status,
            school_name: school.name.clone(),
            outer_no_masked: mask_identifier(&c.card.outer_no),
            applied_on: c.card.issued_on,
            fee: c.fee,
            balance: c.card.balance,
            stopped_at: c.card.stopped_at,
        })
        .collect();
    let contacts = guardian_contacts(cx, &holder)?;
    let started_by_parent = crate::wizard::bound_parent::bound_parent_wizard(cx, holder.id).await;
    let step_up_contacts: Vec<String> = if started_by_parent {
        Vec::new()
    } else {
        contacts.iter().map(Contact::masked).collect()
    };
    Ok(StopOverview {
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        cards,
        fees: fees_of(&snapshot),
        step_up_contact: step_up_contacts.first().cloned(),
        step_up_contacts,
        started_by_parent,
        liability_hours: i32::try_from(snapshot.number(settings::LOSS_LIABILITY_HOURS, 3))
            .unwrap_or(3),
    })
}

/// The holder's card named by `card_ref`, locked for update on PostgreSQL; `None`
/// when it is not one of the holder's cards.
pub(super) async fn find_card(
    txn: &DatabaseTransaction,
    cx: &CallContext,
    holder_id: i32,
    card_ref_value: &str,
) -> Result<Option<cards::Model>, AppError> {
    let own = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder_id))
        .order_by_asc(cards::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    Ok(own
        .into_iter()
        .find(|c| card_ref(cx, &c.outer_no) == card_ref_value.trim()))
}

/// Records a refused request (a security event) and commits it; returns 403.
pub(super) async fn deny(
    txn: crate::server::db::WriteTxn,
    cx: &CallContext,
    holder_id: i32,
    action: &str,
) -> AppError {
    let recorded = audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder_id),
            action,
            subject: None,
            result: "denied",
            detail: Some(serde_json::json!({ "reason": "not_the_holders_card" })),
        },
    )
    .await;
    match recorded {
        Ok(()) => match txn.commit().await {
            Ok(()) => AppError::Forbidden,
            Err(e) => internal(e),
        },
        Err(e) => internal(e),
    }
}

/// «暫時鎖卡»: `active` → `locked`.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (not the holder's card), `Conflict("already_locked")`,
/// `Conflict("already_stopped")`.
pub async fn lock(cx: &CallContext, card_ref: &str) -> Result<StopOverview, AppError> {
    set_locked(cx, card_ref, true).await
}

/// «解除鎖卡»: `locked` → `active`.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (not the holder's card), `Conflict("not_locked")`,
/// `Conflict("already_stopped")`.
pub async fn unlock(cx: &CallContext, card_ref: &str) -> Result<StopOverview, AppError> {
    set_locked(cx, card_ref, false).await
}

async fn set_locked(
    cx: &CallContext,
    card_ref: &str,
    lock: bool,
) -> Result<StopOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
    let action = if lock { "card.lock" } else { "card.unlock" };
    let by_parent = crate::wizard::bound_parent::bound_parent_wizard(cx, holder_id).await;
    let txn = begin_write(&cx.state.db).await?;
    let Some(card) = find_card(&txn, cx, holder_id, card_ref).await? else {
        return Err(deny(txn, cx, holder_id, action).await);
    };
    let (from, to) = match (card.status.as_str(), lock) {
        ("active", true) => ("active", "locked"),
        ("locked", false) => ("locked", "active"),
        ("stopped", _) => return Err(AppError::Conflict("already_stopped".into())),
        ("locked", true) => return Err(AppError::Conflict("already_locked".into())),
        _ => return Err(AppError::Conflict("not_locked".into())),
    };
    let now = Utc::now();
    let subject = mask_identifier(&card.outer_no);
    let owner = holder(&txn, holder_id).await?;
    let notices = guardian_notices::queue(
        &txn,
        &cx.state.cipher,
        &CardNotice {
            action: if lock {
                CardAction::Lock
            } else {
                CardAction::Unlock
            },
            holder: &owner,
            card_masked: Some(&subject),
            serial_no: None,
            at: now,
            by_parent,
            refund: None,
        },
    )
    .await?;
    let mut active: cards::ActiveModel = card.into();
    active.status = Set(to.into());
    active.locked_at = Set(lock.then_some(now));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder_id),
            action,
            subject: Some(subject),
            result: "ok",
            detail: Some(serde_json::json!({
                "from": from,
                "to": to,
                "parent_notices": notices.len(),
            })),
        },
    )
    .await?;
    txn.commit().await?;
    if !notices.is_empty() {
        cx.state.delivery.wake();
    }
    overview_of(cx, holder_id).await
}

/// «送出停卡申請»: exactly once per idempotency key.
///
/// # Errors
/// `Unauthorized`; `Validation` for refund fields, `idempotency_key` (`required`,
/// `format`, `reused`) and `step_up_code` (`required`, `wrong`, `expired`);
/// `Forbidden` (not the holder's card); `Conflict("already_stopped")`.
pub async fn submit(cx: &CallContext, input: StopRequestInput) -> Result<StopReceipt, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Stop).await?;
    let mut errors = input.field_errors();
    if let Some(code) = idempotency_key_error(&input.idempotency_key) {
        errors.insert("idempotency_key".into(), code.into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let holder = holder(&cx.state.db, holder_id).await?;
    let contact = guardian_contact(cx, &holder)?;
    let hash = request_hash(&input);
    let check = StopChecks {
        step_up: step_up_required(cx, holder.id, contact.as_ref()).await,
        by_parent: crate::wizard::bound_parent::bound_parent_wizard(cx, holder.id).await,
        contact,
    };
    let receipt =
        submit_with_retries("stop", || submit_once(cx, &holder, &check, &input, &hash)).await?;
    cx.session
        .insert(LAST_STOP_SESSION_KEY, &receipt.serial_no)
        .await?;
    super::draft::service::forget(cx).await;
    Ok(receipt)
}

/// What a stop is checked with: whether the roster has a guardian contact (else the
/// back office flags it) and whether a step-up code must be entered.
struct StopChecks {
    /// Also where «停卡掛失已受理» goes.
    contact: Option<Contact>,
    step_up: bool,
    /// Started by a bound parent from «家長專區».
    by_parent: bool,
}

async fn submit_once(
    cx: &CallContext,
    holder: &holders::Model,
    check: &StopChecks,
    input: &StopRequestInput,
    request_hash: &str,
) -> Result<Attempt<StopReceipt>, AppError> {
    let holder_id = holder.id;
    let txn = begin_write(&cx.state.db).await?;
    let Some(card) = find_card(&txn, cx, holder_id, &input.card_ref).await? else {
        return Err(deny(txn, cx, holder_id, "stop.submit").await);
    };

    // A retry (or a concurrent duplicate that waited for us) gets the first answer.
    let scope = format!("stop:{holder_id}");
    let key = input.idempotency_key.trim().to_owned();
    if let Some(done) = idempotency_keys::Entity::find()
        .filter(idempotency_keys::Column::Scope.eq(scope.clone()))
        .filter(idempotency_keys::Column::Key.eq(key.clone()))
        .one(&txn)
        .await?
    {
        if done.request_hash != request_hash {
            return Err(AppError::field("idempotency_key", "reused"));
        }
        return serde_json::from_str(&done.response)
            .map(Attempt::Done)
            .map_err(internal);
    }

    let from = card.status.clone();
    if from != "active" && from != "locked" {
        return Err(AppError::Conflict("already_stopped".into()));
    }
    let now = Utc::now();
    let masked_card = mask_identifier(&card.outer_no);

    let spent_code = if check.step_up {
        let subject = code_subject(cx, holder_id);
        let latest = one_time_codes::Entity::find()
            .filter(one_time_codes::Column::Purpose.eq(STEP_UP_PURPOSE))
            .filter(one_time_codes::Column::Subject.eq(subject.clone()))
            .order_by_desc(one_time_codes::Column::CreatedAt)
            .order_by_desc(one_time_codes::Column::Id)
            .one(&txn)
            .await?;
        let entered = input
            .step_up_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let Some(entered) = entered else {
            return Err(AppError::field("step_up_code", "required"));
        };
        let live = latest
            .filter(|c| c.used_at.is_none() && c.expires_at > now && c.attempts < CODE_MAX_GUESSES);
        let Some(live) = live else {
            return Err(AppError::field("step_up_code", "expired"));
        };
        if live.code_hash != code_hash(cx, &subject, entered) {
            let attempts = live.attempts + 1;
            let mut row: one_time_codes::ActiveModel = live.into();
            row.attempts = Set(attempts);
            row.update(&txn).await?;
            audit::record(
                &txn,
                Some(&cx.client),
                AuditEvent {
                    actor: Actor::Holder(holder_id),
                    action: "stop.step_up",
                    subject: Some(masked_card),
                    result: if attempts >= CODE_MAX_GUESSES {
                        "burnt"
                    } else {
                        "failed"
                    },
                    detail: Some(serde_json::json!({ "attempts": attempts })),
                },
            )
            .await?;
            txn.commit().await?;
            return Err(AppError::field("step_up_code", "wrong"));
        }
        Some(live)
    } else {
        None
    };

    let (fees, hours) = fees_and_liability(&txn).await?;
    let estimate = refund::estimate(card.balance, input.choice, fees);
    let protected_from = now + Duration::hours(i64::from(hours));

    // The day's next serial number (Taiwan date), from its counter: taken last, after
    // every check, because on PostgreSQL it holds the counter's row lock until commit.
    let day = taiwan_time(now).date_naive();
    let seq = serials::next(&txn, Counter::Stop(day)).await?;
    let serial = serial_no(day, u32::try_from(seq).map_err(internal)?);

    let cipher = &cx.state.cipher;
    let (bank, cheque) = match input.choice {
        RefundChoice::NoRefund | RefundChoice::TransferToNewCard => (None, None),
        RefundChoice::BankTransfer => (input.bank.clone(), None),
        RefundChoice::Cheque => (None, input.cheque.clone()),
    };
    let stop = stop_requests::ActiveModel {
        serial_no: Set(serial.clone()),
        card_id: Set(card.id),
        holder_id: Set(holder_id),
        choice: Set(input.choice.as_str().into()),
        balance_at_stop: Set(card.balance),
        fees: Set(estimate.fees),
        refund_amount: Set(estimate.refund),
        bank_code: Set(bank.as_ref().map(|b| b.bank_code.trim().to_owned())),
        branch_code: Set(bank.as_ref().map(|b| b.branch_code.trim().to_owned())),
        account_no_enc: Set(bank.as_ref().map(|b| {
            let account: String = b
                .account_no
                .chars()
                .filter(|c| !matches!(c, '-' | ' '))
                .collect();
            cipher.encrypt(&account, &format!("stop_requests.account_no:{serial}"))
        })),
        postal_code: Set(cheque.as_ref().map(|c| c.postal_code.trim().to_owned())),
        address_enc: Set(cheque
            .as_ref()
            .map(|c| cipher.encrypt(c.address.trim(), &format!("stop_requests.address:{serial}")))),
        no_contact_flag: Set(check.contact.is_none()),
        stopped_at: Set(now),
        protected_from: Set(protected_from),
        created_at: Set(now),
        ..Default::default()
    };
    if let Err(e) = stop.insert(&txn).await {
        return retry_if_unique(e);
    }

    // Only a card that is still active or locked is stopped (the row is locked on
    // PostgreSQL, so this cannot miss; it is the last guard all the same).
    let changed = crate::server::model::card::stop_live(
        &txn,
        Condition::all().add(cards::Column::Id.eq(card.id)),
        now,
        now,
    )
    .await?;
    if changed != 1 {
        return Ok(Attempt::Retry);
    }

    let receipt = StopReceipt {
        serial_no: serial.clone(),
        outer_no_masked: masked_card.clone(),
        stopped_at: now,
        protected_from,
        choice: input.choice,
        estimate,
    };
    let stored = idempotency_keys::ActiveModel {
        scope: Set(scope),
        key: Set(key),
        request_hash: Set(request_hash.to_owned()),
        response: Set(serde_json::to_string(&receipt).map_err(internal)?),
        created_at: Set(now),
        ..Default::default()
    };
    if let Err(e) = stored.insert(&txn).await {
        return retry_if_unique(e);
    }
    if let Some(code) = spent_code {
        let mut code: one_time_codes::ActiveModel = code.into();
        code.used_at = Set(Some(now));
        code.update(&txn).await?;
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder_id),
            action: "stop.submit",
            subject: Some(masked_card),
            result: "ok",
            detail: Some(serde_json::json!({
                "serial_no": serial,
                "from": from,
                "to": "stopped",
                "choice": input.choice.as_str(),
                "refund": estimate.refund,
                "step_up": check.step_up,
            })),
        },
    )
    .await?;
    // «停卡掛失已受理» to the guardian contact on file (sent after the commit).
    if let Some(contact) = &check.contact {
        let (channel, recipient) = match contact {
            Contact::Sms(m) => (Channel::Sms, m.as_str()),
            Contact::Email(e) => (Channel::Email, e.as_str()),
        };
        outbox::enqueue(
            &txn,
            &cx.state.cipher,
            NewMessage {
                channel,
                recipient,
                template: "stop_recorded",
                // Done in the browser: the page's language.
                lang: cx.client.lang(),
                payload: serde_json::json!({
                    "masked_name": mask_name(&holder.name),
                    "outer_no_masked": receipt.outer_no_masked,
                    "serial_no": receipt.serial_no,
                    "stopped_at": crate::domain::dates::taiwan_date_time(now),
                }),
            },
        )
        .await?;
    }
    // «卡片異動通知» to every approved-bound parent (SPEC §7).
    let notices = guardian_notices::queue(
        &txn,
        &cx.state.cipher,
        &CardNotice {
            action: CardAction::Stop,
            holder,
            card_masked: Some(&receipt.outer_no_masked),
            serial_no: Some(&receipt.serial_no),
            at: now,
            by_parent: check.by_parent,
            refund: None,
        },
    )
    .await?;
    if let Err(e) = txn.commit().await {
        return retry_if_unique(e);
    }
    if check.contact.is_some() || !notices.is_empty() {
        cx.state.delivery.wake();
    }
    Ok(Attempt::Done(receipt))
}

/// The receipt of the stop this session submitted last, if any.
///
/// # Errors
/// Database errors.
pub async fn last_receipt(cx: &CallContext) -> Result<Option<StopReceipt>, AppError> {
    let Some(w) = session::load(&cx.session).await? else {
        return Ok(None);
    };
    let (Wizard::Stop, Some(holder_id)) = (w.wizard, w.verified_holder_id) else {
        return Ok(None);
    };
    let Some(serial) = cx.session.get::<String>(LAST_STOP_SESSION_KEY).await? else {
        return Ok(None);
    };
    let db = &cx.state.db;
    let Some(stop) = stop_requests::Entity::find()
        .filter(stop_requests::Column::SerialNo.eq(serial))
        .filter(stop_requests::Column::HolderId.eq(holder_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let card = cards::Entity::find_by_id(stop.card_id)
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    let choice = RefundChoice::parse(&stop.choice).ok_or(AppError::Internal)?;
    Ok(Some(StopReceipt {
        serial_no: stop.serial_no,
        outer_no_masked: mask_identifier(&card.outer_no),
        stopped_at: stop.stopped_at,
        protected_from: stop.protected_from,
        choice,
        estimate: RefundEstimate {
            fees: stop.fees,
            refund: stop.refund_amount,
            not_covered: choice != RefundChoice::NoRefund && stop.refund_amount == 0,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_st_date_and_six_digits() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        assert_eq!(serial_no(d, 42), "ST20261123000042");
    }
}
