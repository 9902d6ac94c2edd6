//! The consent receipt (SPEC §10, §11): a plain-text record of one consent — the notice
//! version and its full text, the time in Taiwan, the purposes, the wizard and the
//! record id. Only for the caller's own consent: the wizard session's record, or a
//! record a logged-in parent gave when starting a wizard for a bound child.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::ConsentReceiptSummary;
use super::{Wizard, session};
use crate::error::AppError;
use crate::i18n::{Locale, td_string};
use crate::server::context::CallContext;
use crate::server::entities::{audit_log, consent_records, consent_texts};

/// The audit action that links a parent account to the consent record of a wizard it
/// started for a bound child (its detail holds `"record"`).
const PARENT_WIZARD_START: &str = "parent.wizard_start";

/// The receipt of this session's wizard consent.
///
/// # Errors
/// `NotFound` when this session holds no consent; database errors.
pub async fn session_receipt(cx: &CallContext, locale: Locale) -> Result<String, AppError> {
    let record_id = session::load(&cx.session)
        .await?
        .map(|w| w.consent_record_id)
        .ok_or(AppError::NotFound)?;
    receipt_text(&cx.state.db, record_id, locale).await
}

/// The receipt of consent record `record_id` given by parent account `parent_id`
/// (`NotFound` for any record that is not the parent's own).
///
/// # Errors
/// `NotFound`; database errors.
pub async fn parent_receipt(
    db: &impl ConnectionTrait,
    parent_id: i32,
    record_id: i64,
    locale: Locale,
) -> Result<String, AppError> {
    if !parent_record_ids(db, parent_id).await?.contains(&record_id) {
        return Err(AppError::NotFound);
    }
    receipt_text(db, record_id, locale).await
}

/// The consent records of wizards a parent started for their bound children, newest
/// first.
///
/// # Errors
/// Database errors.
pub async fn parent_receipts(
    db: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<ConsentReceiptSummary>, AppError> {
    let ids = parent_record_ids(db, parent_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let records = consent_records::Entity::find()
        .filter(consent_records::Column::Id.is_in(ids))
        .order_by_desc(consent_records::Column::CreatedAt)
        .order_by_desc(consent_records::Column::Id)
        .all(db)
        .await?;
    let texts = consent_texts::Entity::find().all(db).await?;
    Ok(records
        .into_iter()
        .filter_map(|r| {
            Some(ConsentReceiptSummary {
                record_id: r.id,
                version: texts
                    .iter()
                    .find(|t| t.id == r.consent_text_id)?
                    .version
                    .clone(),
                wizard: Wizard::from_slug(&r.wizard)?,
                at: r.created_at,
            })
        })
        .collect())
}

async fn parent_record_ids(
    db: &impl ConnectionTrait,
    parent_id: i32,
) -> Result<Vec<i64>, AppError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::ActorKind.eq("parent"))
        .filter(audit_log::Column::ActorId.eq(parent_id.to_string()))
        .filter(audit_log::Column::Action.eq(PARENT_WIZARD_START))
        .filter(audit_log::Column::Result.eq("ok"))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let detail: serde_json::Value = serde_json::from_str(r.detail.as_deref()?).ok()?;
            detail.get("record")?.as_i64()
        })
        .collect())
}

fn body(text: &consent_texts::Model, locale: Locale) -> &str {
    match locale {
        Locale::zh_TW => &text.body_zh,
        Locale::en => &text.body_en,
        Locale::vi => &text.body_vi,
        Locale::id => &text.body_id,
    }
}

fn purposes(locale: Locale, wizard: Wizard) -> &'static str {
    match wizard {
        Wizard::Stop => td_string!(locale, consent.purposes_stop),
        Wizard::Apply => td_string!(locale, consent.purposes_apply),
        Wizard::Query => td_string!(locale, consent.purposes_query),
    }
}

async fn receipt_text(
    db: &impl ConnectionTrait,
    record_id: i64,
    locale: Locale,
) -> Result<String, AppError> {
    let record = consent_records::Entity::find_by_id(record_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let text = consent_texts::Entity::find_by_id(record.consent_text_id)
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    let wizard = Wizard::from_slug(&record.wizard).ok_or(AppError::Internal)?;
    let l = locale;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(td_string!(l, consent.receipt_title).to_string());
    line(String::new());
    line(td_string!(l, consent.receipt_record, id = record.id).to_string());
    line(
        td_string!(
            l,
            consent.receipt_wizard,
            wizard = crate::wizard::view::wizard_name(l, wizard)
        )
        .to_string(),
    );
    line(
        td_string!(
            l,
            consent.receipt_time,
            time = crate::domain::dates::taiwan_time(record.created_at)
                .format("%Y-%m-%d %H:%M:%S (UTC+8)")
                .to_string()
        )
        .to_string(),
    );
    line(td_string!(l, consent.receipt_version, version = text.version.as_str()).to_string());
    line(td_string!(l, consent.receipt_purposes, purposes = purposes(l, wizard)).to_string());
    let translated = body(&text, l).trim();
    if l != Locale::zh_TW && !translated.is_empty() {
        line(String::new());
        line(td_string!(l, consent.receipt_text).to_string());
        line(translated.to_owned());
    }
    line(String::new());
    line(td_string!(l, consent.receipt_text_zh).to_string());
    line(text.body_zh.trim().to_owned());
    Ok(out)
}

/// `GET /api/consent/receipt`: this session's receipt, or with `record` one of the
/// logged-in parent's own.
///
/// # Errors
/// `NotFound` (no such consent of the caller's), `Unauthorized` (a record without a
/// parent session), `MustChangePassword`; database errors.
pub async fn download(
    cx: &CallContext,
    record: Option<i64>,
    locale: Locale,
) -> Result<String, AppError> {
    match record {
        None => session_receipt(cx, locale).await,
        Some(id) => {
            let parent = crate::server::model::parent_account::current(cx, false).await?;
            parent_receipt(&cx.state.db, parent.id, id, locale).await
        }
    }
}
