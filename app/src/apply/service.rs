//! Rules of «線上申辦» (SPEC §1 3b–3d, §7, §8), authorised only by the session's
//! verified holder in the apply wizard (the slip and the query also by the query
//! wizard's).
//!
//! - An application is allowed when the holder has no active or locked card and no
//!   application in progress (an unpaid one counts until it expires).
//! - The draft and the uploaded headshot live in the server session between steps, so
//!   a reload or a server restart loses nothing; the headshot waits in `photos/tmp/`
//!   and is moved into place only after the application's transaction commits.
//! - A submission is exactly once, as the stop is: idempotency key, `BEGIN IMMEDIATE`,
//!   a unique (scope, key) index that makes a concurrent duplicate on PostgreSQL run
//!   again and find the first answer. Serial and payment serial come from
//!   `server::serials` counters, so concurrent applications never pick the same one.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::{
    ApplicationReceipt, ApplicationStatus, ApplyBlock, ApplyDraft, ApplyInput, ApplyOverview,
    ApplyStep, CardTypeOption, Delivery, PaymentSlip, RosterApplicant, SlipBarcode,
    effective_status,
};
use crate::domain::dates::taiwan_time;
pub use crate::domain::dates::taiwan_today;
use crate::domain::masking::{mask_identifier, mask_name};
use crate::domain::payment_codes::{AtmAccount, ConvenienceStoreBarcodes, PaymentNumber};
use crate::error::AppError;
pub use crate::holder::service::summaries;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, internal};
use crate::server::db::{Attempt, begin_write, retry_if_unique, submit_with_retries};
use crate::server::entities::{
    application_events, card_types, cards, classes, holders, idempotency_keys,
    replacement_applications as applications, schools,
};
use crate::server::guardian_notices::{self, CardAction, CardNotice};
use crate::server::idempotency::{idempotency_key_error, request_hash};
use crate::server::photo;
use crate::server::serials::{self, Counter};
pub use crate::server::settings::{PaymentSettings, payment_settings};
use crate::wizard::{Wizard, session};

/// Session key of the draft.
pub const DRAFT_SESSION_KEY: &str = "apply_draft";
/// Session key of the uploaded headshot waiting in `photos/tmp/`.
pub const PHOTO_SESSION_KEY: &str = "apply_photo";
/// Session key of the serial number of the application this session submitted last.
pub const LAST_APPLICATION_SESSION_KEY: &str = "last_application_serial";

/// The headshot uploaded in this session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPhoto {
    pub holder_id: i32,
    pub file_name: String,
    pub sha256: String,
}

/// Where headshots are kept: `PORTAL_DATA_DIR/photos`.
pub fn photo_dir(cx: &CallContext) -> std::path::PathBuf {
    cx.state.config.data_dir.join("photos")
}

struct Applicant {
    holder: holders::Model,
    school: schools::Model,
    class: classes::Model,
}

async fn applicant(conn: &impl ConnectionTrait, holder_id: i32) -> Result<Applicant, AppError> {
    let holder = holders::Entity::find_by_id(holder_id)
        .one(conn)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let school = schools::Entity::find_by_id(holder.school_id)
        .one(conn)
        .await?
        .ok_or(AppError::Internal)?;
    let class = classes::Entity::find_by_id(holder.class_id)
        .one(conn)
        .await?
        .ok_or(AppError::Internal)?;
    Ok(Applicant {
        holder,
        school,
        class,
    })
}

fn level_word(level: &str) -> &'static str {
    match level {
        "primary" => "國小",
        "junior" => "國中",
        _ => "高中",
    }
}

/// The card types of the school's level, in their configured order.
async fn card_type_options(
    conn: &impl ConnectionTrait,
    level: &str,
) -> Result<Vec<CardTypeOption>, AppError> {
    Ok(card_types::Entity::find()
        .filter(card_types::Column::Level.eq(level))
        .order_by_asc(card_types::Column::SortOrder)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| CardTypeOption {
            code: t.code,
            name_zh: t.name_zh,
            name_en: t.name_en,
            fee: t.fee,
        })
        .collect())
}

/// Why the holder cannot apply now, if they cannot (§10 duplicate guard).
async fn block(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    grace_days: i64,
) -> Result<Option<ApplyBlock>, AppError> {
    // An application in progress blocks everything; a card in use only the reasons
    // that need it stopped first.
    let today = taiwan_today();
    let open = applications::Entity::find()
        .filter(applications::Column::HolderId.eq(holder_id))
        .order_by_desc(applications::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .find(|a| {
            ApplicationStatus::parse(&a.status)
                .is_some_and(|s| effective_status(s, a.due_on, grace_days, today).is_open())
        });
    if let Some(a) = open {
        return Ok(Some(ApplyBlock::OpenApplication {
            serial_no: a.serial_no,
        }));
    }
    let live_card = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder_id))
        .filter(cards::Column::Status.is_in(["active", "locked"]))
        .one(conn)
        .await?;
    Ok(live_card.map(|card| ApplyBlock::ActiveCard {
        outer_no_masked: mask_identifier(&card.outer_no),
    }))
}

/// # Errors
/// `Unauthorized` without a live verification in the apply wizard; database errors.
pub async fn overview(cx: &CallContext) -> Result<ApplyOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    let db = &cx.state.db;
    let Applicant {
        holder,
        school,
        class,
    } = applicant(db, holder_id).await?;
    let ps = payment_settings(db).await?;
    let has_stopped_card = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder_id))
        .filter(cards::Column::Status.eq("stopped"))
        .one(db)
        .await?
        .is_some();
    let id_no = cx
        .state
        .cipher
        .decrypt(
            &holder.id_no_enc,
            &format!("holders.id_no:{}", holder.id_no_hash),
        )
        .map_err(internal)?;
    let draft = kept_draft(cx, holder_id).await?;
    let has_photo = session_photo(cx, holder_id).await?.is_some();
    Ok(ApplyOverview {
        masked_name: mask_name(&holder.name),
        applicant: RosterApplicant {
            name: holder.name.clone(),
            id_masked: mask_identifier(&id_no),
            birth_date: holder.birth_date,
            gender: holder.gender.clone(),
            level: level_word(&school.level).into(),
            school_name: school.name.clone(),
            class_name: class.name,
        },
        card_types: card_type_options(db, &school.level).await?,
        block: block(db, holder_id, ps.grace_days).await?,
        has_stopped_card,
        draft,
        has_photo,
        deadline_days: i32::try_from(ps.deadline_days).unwrap_or(7),
    })
}

async fn check_card_type(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    draft: &ApplyDraft,
) -> Result<CardTypeOption, AppError> {
    let Applicant { school, .. } = applicant(conn, holder_id).await?;
    card_type_options(conn, &school.level)
        .await?
        .into_iter()
        .find(|t| t.code == draft.card_type.trim())
        .ok_or_else(|| AppError::field("card_type", "unknown"))
}

/// Checks one step of the draft and keeps it in the session.
///
/// # Errors
/// `Unauthorized`; `Validation` with the step's field errors.
pub async fn save_draft(
    cx: &CallContext,
    step: ApplyStep,
    draft: ApplyDraft,
) -> Result<(), AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    let errors = draft.step_errors(step);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if step == ApplyStep::Applicant {
        check_card_type(&cx.state.db, holder_id, &draft).await?;
        let ps = payment_settings(&cx.state.db).await?;
        if let Some(b) = block(&cx.state.db, holder_id, ps.grace_days).await?
            && b.blocks(draft.reason)
        {
            return Err(AppError::field("reason", "card_in_use"));
        }
    }
    if step == ApplyStep::Photo && session_photo(cx, holder_id).await?.is_none() {
        return Err(AppError::field("photo", "required"));
    }
    cx.session
        .insert(DRAFT_SESSION_KEY, KeptDraft { holder_id, draft })
        .await
        .map_err(internal)
}

/// The draft in the session with the holder it belongs to: after the session verifies
/// another holder (a family's second child, a shared computer), the first one's
/// contact details are not shown.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptDraft {
    holder_id: i32,
    draft: ApplyDraft,
}

async fn kept_draft(cx: &CallContext, holder_id: i32) -> Result<Option<ApplyDraft>, AppError> {
    // A draft of the earlier shape (no holder) is not trusted: it is dropped.
    let kept = cx
        .session
        .get::<KeptDraft>(DRAFT_SESSION_KEY)
        .await
        .unwrap_or(None);
    Ok(kept.filter(|k| k.holder_id == holder_id).map(|k| k.draft))
}

/// Keeps what the parent typed so far, unchecked (each change, debounced), so a reload
/// or a server restart within the verification window loses nothing; the steps and
/// the submission check it as before.
///
/// # Errors
/// `Unauthorized`; `Validation` (`draft`, `too_long`) for a draft no form could make.
pub async fn keep_draft(cx: &CallContext, draft: ApplyDraft) -> Result<(), AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    if serde_json::to_string(&draft).map_err(internal)?.len() > 4096 {
        return Err(AppError::field("draft", "too_long"));
    }
    cx.session
        .insert(DRAFT_SESSION_KEY, KeptDraft { holder_id, draft })
        .await
        .map_err(internal)
}

/// The headshot uploaded in this session for `holder_id`, if its file still waits.
async fn session_photo(cx: &CallContext, holder_id: i32) -> Result<Option<SessionPhoto>, AppError> {
    let Some(p) = cx.session.get::<SessionPhoto>(PHOTO_SESSION_KEY).await? else {
        return Ok(None);
    };
    let waiting =
        photo::pending_path(&photo_dir(cx), &p.file_name).is_some_and(|path| path.is_file());
    Ok((p.holder_id == holder_id && waiting).then_some(p))
}

/// Checks, re-encodes and keeps an uploaded headshot for this session's application.
///
/// # Errors
/// `Unauthorized`; `Validation` on `photo` with the codes of [`photo::PhotoError`].
pub async fn upload_photo(cx: &CallContext, bytes: &[u8]) -> Result<(), AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    let owned = bytes.to_vec();
    let headshot = tokio::task::spawn_blocking(move || photo::normalise_headshot(&owned))
        .await
        .map_err(internal)?
        .map_err(|e| AppError::field("photo", e.code()))?;
    let dir = photo_dir(cx);
    let pending = photo::store_pending(&dir, &headshot)
        .await
        .map_err(internal)?;
    if let Some(old) = cx.session.get::<SessionPhoto>(PHOTO_SESSION_KEY).await? {
        photo::discard_pending(&dir, &old.file_name).await;
    }
    cx.session
        .insert(
            PHOTO_SESSION_KEY,
            SessionPhoto {
                holder_id,
                file_name: pending,
                sha256: headshot.sha256_hex,
            },
        )
        .await
        .map_err(internal)
}

/// The headshot uploaded in this session (JPEG bytes), for the preview after a reload.
///
/// # Errors
/// `Unauthorized`; `NotFound` without one.
pub async fn session_photo_bytes(cx: &CallContext) -> Result<Vec<u8>, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    let p = session_photo(cx, holder_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = photo::pending_path(&photo_dir(cx), &p.file_name).ok_or(AppError::NotFound)?;
    tokio::fs::read(path).await.map_err(|_| AppError::NotFound)
}

/// `AP` + YYYYMMDD + the day's 6-digit sequence.
pub fn serial_prefix(date: NaiveDate) -> String {
    format!("AP{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// «確認資料無誤送出申請»: exactly once per idempotency key.
///
/// # Errors
/// `Unauthorized`; `Validation` for draft fields, `photo` (`required`),
/// `card_type` (`unknown`) and `idempotency_key` (`required`, `format`, `reused`);
/// `Conflict("active_card")` (a card in use and a reason that needs it stopped) /
/// `Conflict("open_application")`.
pub async fn submit(cx: &CallContext, input: ApplyInput) -> Result<ApplicationReceipt, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Apply).await?;
    let mut errors = input.draft.field_errors();
    if let Some(code) = idempotency_key_error(&input.idempotency_key) {
        errors.insert("idempotency_key".into(), code.into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = request_hash(&input);
    let by_parent = crate::wizard::bound_parent::bound_parent_wizard(cx, holder_id).await;
    let receipt = submit_with_retries("application", || {
        submit_once(cx, holder_id, &input, &hash, by_parent)
    })
    .await?;
    cx.session
        .insert(LAST_APPLICATION_SESSION_KEY, &receipt.serial_no)
        .await?;
    cx.state.delivery.wake();
    Ok(receipt)
}

fn enc_opt(cx: &CallContext, value: &str, column: &str, serial: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| {
        cx.state
            .cipher
            .encrypt(v, &format!("replacement_applications.{column}:{serial}"))
    })
}

fn enc(cx: &CallContext, value: &str, column: &str, serial: &str) -> String {
    cx.state.cipher.encrypt(
        value.trim(),
        &format!("replacement_applications.{column}:{serial}"),
    )
}

async fn submit_once(
    cx: &CallContext,
    holder_id: i32,
    input: &ApplyInput,
    request_hash: &str,
    by_parent: bool,
) -> Result<Attempt<ApplicationReceipt>, AppError> {
    let txn = begin_write(&cx.state.db).await?;
    // Lock the holder's cards (PostgreSQL) so a concurrent duplicate waits here.
    cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder_id))
        .lock_exclusive()
        .all(&txn)
        .await?;

    let scope = format!("apply:{holder_id}");
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

    let ps = payment_settings(&txn).await?;
    match block(&txn, holder_id, ps.grace_days).await? {
        Some(b @ ApplyBlock::ActiveCard { .. }) if b.blocks(input.draft.reason) => {
            return Err(AppError::Conflict("active_card".into()));
        }
        Some(ApplyBlock::OpenApplication { .. }) => {
            return Err(AppError::Conflict("open_application".into()));
        }
        _ => {}
    }
    let card_type = check_card_type(&txn, holder_id, &input.draft).await?;
    let photo = session_photo(cx, holder_id)
        .await?
        .ok_or_else(|| AppError::field("photo", "required"))?;
    let Applicant { holder, school, .. } = applicant(&txn, holder_id).await?;

    let now = Utc::now();
    let today = taiwan_time(now).date_naive();
    // Serial and payment serial from their counters: taken last, after every check,
    // because on PostgreSQL each holds its counter's row lock until commit.
    let seq = serials::next(&txn, Counter::Application(today)).await?;
    let serial = format!("{}{seq:06}", serial_prefix(today));
    let payment_serial = serials::next(&txn, Counter::Payment).await?;
    let payment_no = PaymentNumber::new(
        &ps.merchant_prefix,
        u64::try_from(payment_serial).map_err(internal)?,
    )
    .map_err(internal)?;
    let due_on = today + Duration::days(ps.deadline_days);
    let d = &input.draft;
    let (recipient_address, recipient_address_enc) = match d.delivery {
        Delivery::Mail => (
            d.recipient_address.trim().to_owned(),
            enc_opt(cx, &d.recipient_address, "recipient_address", &serial),
        ),
        Delivery::School => (school.name.clone(), None),
    };
    let amount = card_type.fee;
    let row = applications::ActiveModel {
        serial_no: Set(serial.clone()),
        holder_id: Set(holder_id),
        card_type: Set(card_type.code.clone()),
        reason: Set(d.reason.as_str().into()),
        reason_remark: Set(Some(d.reason_remark.trim().to_owned()).filter(|r| !r.is_empty())),
        email_enc: Set(enc_opt(cx, &d.email, "email", &serial)),
        phone_enc: Set(enc_opt(cx, &d.phone, "phone", &serial)),
        mobile_enc: Set(enc_opt(cx, &d.mobile, "mobile", &serial)),
        contact_name_enc: Set(enc_opt(cx, &d.contact_name, "contact_name", &serial)),
        contact_phone_enc: Set(enc_opt(cx, &d.contact_phone, "contact_phone", &serial)),
        address_enc: Set(enc_opt(cx, &d.address, "address", &serial)),
        delivery: Set(d.delivery.as_str().into()),
        recipient_name_enc: Set(enc(cx, &d.recipient_name, "recipient_name", &serial)),
        recipient_address_enc: Set(recipient_address_enc),
        recipient_phone_enc: Set(enc(cx, &d.recipient_phone, "recipient_phone", &serial)),
        recipient_email_enc: Set(enc_opt(cx, &d.recipient_email, "recipient_email", &serial)),
        photo_file: Set(photo.file_name.clone()),
        photo_sha256: Set(photo.sha256.clone()),
        fee: Set(card_type.fee),
        amount_due: Set(amount),
        payment_serial: Set(payment_serial),
        payment_no: Set(payment_no.as_str().to_owned()),
        due_on: Set(due_on),
        status: Set(ApplicationStatus::AwaitingPayment.as_str().into()),
        return_reason: Set(None),
        paid_on: Set(None),
        paid_channel: Set(None),
        paid_amount: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = match row.insert(&txn).await {
        Ok(r) => r,
        Err(e) => return retry_if_unique(e),
    };
    application_events::ActiveModel {
        application_id: Set(inserted.id),
        status: Set(ApplicationStatus::AwaitingPayment.as_str().into()),
        note: Set(None),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // «繳費單» issued: a message to the applicant's contact (sent after the commit).
    crate::holder::notices::queue_application_status(
        &txn,
        &cx.state.cipher,
        &inserted,
        ApplicationStatus::AwaitingPayment,
        None,
        // Submitted in the browser: the page's language.
        Some(cx.client.lang()),
    )
    .await?;

    let receipt = ApplicationReceipt {
        serial_no: serial.clone(),
        card_type_zh: card_type.name_zh.clone(),
        card_type_en: card_type.name_en.clone(),
        amount,
        recipient_name: d.recipient_name.trim().to_owned(),
        delivery: d.delivery,
        recipient_address,
        due_on,
        payment_no: payment_no.as_str().to_owned(),
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
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder_id),
            action: "apply.submit",
            subject: Some(mask_name(&holder.name)),
            result: "ok",
            detail: Some(serde_json::json!({
                "serial_no": serial,
                "card_type": card_type.code,
                "reason": d.reason.as_str(),
                "delivery": d.delivery.as_str(),
                "amount": amount,
                "to": ApplicationStatus::AwaitingPayment.as_str(),
            })),
        },
    )
    .await?;
    // «卡片異動通知» to every approved-bound parent (SPEC §7).
    guardian_notices::queue(
        &txn,
        &cx.state.cipher,
        &CardNotice {
            action: CardAction::Apply,
            holder: &holder,
            card_masked: None,
            serial_no: Some(&serial),
            at: now,
            by_parent,
            refund: None,
        },
    )
    .await?;
    if let Err(e) = txn.commit().await {
        return retry_if_unique(e);
    }
    // Only now does the headshot move into place (SPEC §7 uploads).
    if let Err(e) = photo::commit_pending(&photo_dir(cx), &photo.file_name).await {
        tracing::error!(error = %e, serial = %serial, "headshot not moved into place");
    }
    let _ = cx.session.remove::<KeptDraft>(DRAFT_SESSION_KEY).await;
    let _ = cx.session.remove::<SessionPhoto>(PHOTO_SESSION_KEY).await;
    Ok(Attempt::Done(receipt))
}

/// The receipt of the application this session submitted last, if any.
///
/// # Errors
/// Database errors.
pub async fn last_receipt(cx: &CallContext) -> Result<Option<ApplicationReceipt>, AppError> {
    let Ok(holder_id) = session::verified_holder(&cx.session, Wizard::Apply).await else {
        return Ok(None);
    };
    let Some(serial) = cx
        .session
        .get::<String>(LAST_APPLICATION_SESSION_KEY)
        .await?
    else {
        return Ok(None);
    };
    let db = &cx.state.db;
    let Some(a) = own_application(db, holder_id, &serial).await? else {
        return Ok(None);
    };
    let t = card_types::Entity::find()
        .filter(card_types::Column::Code.eq(a.card_type.clone()))
        .one(db)
        .await?;
    let delivery = Delivery::parse(&a.delivery).unwrap_or_default();
    let cipher = &cx.state.cipher;
    let aad = |col: &str| format!("replacement_applications.{col}:{}", a.serial_no);
    let recipient_address = match (&a.recipient_address_enc, delivery) {
        (Some(enc), _) => cipher
            .decrypt(enc, &aad("recipient_address"))
            .map_err(internal)?,
        (None, _) => applicant(db, holder_id).await?.school.name,
    };
    Ok(Some(ApplicationReceipt {
        serial_no: a.serial_no.clone(),
        card_type_zh: t
            .as_ref()
            .map_or_else(|| a.card_type.clone(), |t| t.name_zh.clone()),
        card_type_en: t
            .as_ref()
            .map_or_else(|| a.card_type.clone(), |t| t.name_en.clone()),
        amount: a.amount_due,
        recipient_name: cipher
            .decrypt(&a.recipient_name_enc, &aad("recipient_name"))
            .map_err(internal)?,
        delivery,
        recipient_address,
        due_on: a.due_on,
        payment_no: a.payment_no,
    }))
}

pub(super) async fn own_application(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    serial: &str,
) -> Result<Option<applications::Model>, AppError> {
    applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial.trim()))
        .filter(applications::Column::HolderId.eq(holder_id))
        .one(conn)
        .await
        .map_err(internal)
}

/// The holder verified in the apply or the query wizard.
pub(super) async fn slip_reader(cx: &CallContext) -> Result<i32, AppError> {
    match session::verified_holder(&cx.session, Wizard::Apply).await {
        Ok(id) => Ok(id),
        Err(_) => session::verified_holder(&cx.session, Wizard::Query).await,
    }
}

/// «繳費單» of one of the verified holder's applications.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (not the holder's application, audited); `Internal`
/// when the configured codes cannot make a barcode.
pub async fn slip(cx: &CallContext, serial: &str) -> Result<PaymentSlip, AppError> {
    use crate::domain::payment_codes::svg;
    let holder_id = slip_reader(cx).await?;
    let db = &cx.state.db;
    let Some(a) = own_application(db, holder_id, serial).await? else {
        audit::record(
            db,
            Some(&cx.client),
            AuditEvent {
                actor: Actor::Holder(holder_id),
                action: "apply.slip",
                subject: None,
                result: "denied",
                detail: Some(serde_json::json!({ "reason": "not_the_holders_application" })),
            },
        )
        .await?;
        return Err(AppError::Forbidden);
    };
    let ps = payment_settings(db).await?;
    let Applicant { holder, school, .. } = applicant(db, holder_id).await?;
    let t = card_types::Entity::find()
        .filter(card_types::Column::Code.eq(a.card_type.clone()))
        .one(db)
        .await?;
    let payment_no = PaymentNumber::parse(&a.payment_no).map_err(internal)?;
    let amount = i64::from(a.amount_due);
    let codes = ConvenienceStoreBarcodes::new(a.due_on, &ps.item_code, &payment_no, amount)
        .map_err(internal)?;
    let atm = AtmAccount::new(&ps.atm_company_code, &payment_no, amount).map_err(internal)?;
    let mut barcodes = Vec::new();
    for text in [codes.first(), codes.second(), codes.third()] {
        barcodes.push(SlipBarcode {
            svg: svg::code39_svg(text, 60).map_err(internal)?,
            text: text.to_owned(),
        });
    }
    let qr = crate::domain::payment_codes::mobile_banking_qr_payload(&atm, amount, &payment_no);
    Ok(PaymentSlip {
        serial_no: a.serial_no.clone(),
        payer: mask_name(&holder.name),
        school_name: school.name,
        item_zh: format!(
            "{} 補發製卡費",
            t.as_ref()
                .map_or(a.card_type.as_str(), |t| t.name_zh.as_str())
        ),
        item_en: format!(
            "{} replacement fee",
            t.as_ref()
                .map_or(a.card_type.as_str(), |t| t.name_en.as_str())
        ),
        amount: a.amount_due,
        due_on: a.due_on,
        payment_no: a.payment_no.clone(),
        barcodes,
        atm_account: atm.as_str().to_owned(),
        atm_bank: "822".into(),
        qr_svg: svg::qr_svg(&qr).map_err(internal)?,
        payee_zh: ps.payee_zh,
        payee_en: ps.payee_en,
        paid: !super::payments::payable(&a),
        line_pay: super::payments::payable(&a) && super::line_pay::offered(&cx.state),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_ap_and_the_date() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        assert_eq!(serial_prefix(d), "AP20261123");
    }
}
