//! Consent records (SPEC §1 step 1): text version, time, client IP, user agent, wizard.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::ConsentNotice;
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::CallContext;
use crate::server::db::begin_write;
use crate::server::entities::{consent_records, consent_texts, settings};
use crate::wizard::{Wizard, WizardProgress, WizardSession, session};

/// The notice in force: the text whose version the setting names, in one statement
/// (a sub-select of the setting), so a change of the setting counts at once.
async fn current_text(db: &impl ConnectionTrait) -> Result<consent_texts::Model, AppError> {
    use sea_orm::sea_query::Query;
    let version_in_force = Query::select()
        .column(settings::Column::Value)
        .from(settings::Entity)
        .and_where(settings::Column::Key.eq(crate::server::settings::CONSENT_CURRENT_VERSION))
        .to_owned();
    consent_texts::Entity::find()
        .filter(consent_texts::Column::Version.in_subquery(version_in_force))
        .one(db)
        .await?
        .ok_or(AppError::Internal)
}

/// # Errors
/// `Internal` when the configured version is missing.
pub async fn current_notice(db: &impl ConnectionTrait) -> Result<ConsentNotice, AppError> {
    let text = current_text(db).await?;
    let split = |s: &str| {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    Ok(ConsentNotice {
        version: text.version,
        clauses_zh: split(&text.body_zh),
        clauses_en: split(&text.body_en),
        clauses_vi: split(&text.body_vi),
        clauses_id: split(&text.body_id),
    })
}

/// Records consent to `version` (it must be the one in force, so the record links to
/// the exact notice shown) and starts a new wizard session.
///
/// # Errors
/// `Conflict` when the notice changed since it was shown; database errors.
pub async fn accept(
    cx: &CallContext,
    wizard: Wizard,
    version: &str,
) -> Result<WizardProgress, AppError> {
    let db = &cx.state.db;
    let text = current_text(db).await?;
    if text.version != version {
        return Err(AppError::Conflict("consent_version".into()));
    }
    let txn = begin_write(db).await?;
    let record = consent_records::ActiveModel {
        consent_text_id: Set(text.id),
        wizard: Set(wizard.slug().into()),
        client_ip: Set(cx.client.ip.clone()),
        user_agent: Set(cx.client.user_agent.chars().take(500).collect()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Visitor,
            action: "consent.accept",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({ "wizard": wizard.slug(), "version": text.version, "record": record.id })),
        },
    )
    .await
    ?;
    txn.commit().await?;
    // The captcha's binding goes into the session now, with the wizard: the session
    // is written once here, not again when the captcha is shown.
    crate::server::captcha::captcha_binding(cx).await?;
    session::save(
        &cx.session,
        &WizardSession {
            wizard,
            consent_record_id: record.id,
            verified_holder_id: None,
            verified_masked_name: None,
            verified_until: None,
            via_parent: None,
        },
    )
    .await?;
    Ok(WizardProgress {
        consented: true,
        verified: None,
    })
}
