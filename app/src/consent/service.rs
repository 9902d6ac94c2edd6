//! Consent records (SPEC §1 step 1): text version, time, client IP, user agent, wizard.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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
    consent_texts::Entity::find()
        .filter(consent_texts::Column::Version.in_subquery(version_in_force()))
        .one(db)
        .await?
        .ok_or(AppError::Internal)
}

/// The version the setting names, as a sub-select (read in the statement that uses it).
fn version_in_force() -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(settings::Column::Value)
        .from(settings::Entity)
        .and_where(settings::Column::Key.eq(crate::server::settings::CONSENT_CURRENT_VERSION))
        .to_owned()
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

/// Inserts the consent record of `version` if it is the text in force, in one
/// statement (`INSERT … SELECT … RETURNING`), so the record links to the exact notice
/// shown; `None` when nothing was inserted.
async fn record(
    txn: &sea_orm::DatabaseTransaction,
    cx: &CallContext,
    wizard: Wizard,
    version: &str,
) -> Result<Option<i64>, AppError> {
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{FromQueryResult, StatementBuilder};
    let row = Query::select()
        .column(consent_texts::Column::Id)
        .expr(Expr::val(wizard.slug()))
        .expr(Expr::val(cx.client.ip.clone()))
        .expr(Expr::val(
            cx.client.user_agent.chars().take(500).collect::<String>(),
        ))
        .expr(Expr::val(Utc::now()))
        .from(consent_texts::Entity)
        .and_where(consent_texts::Column::Version.eq(version))
        .and_where(consent_texts::Column::Version.in_subquery(version_in_force()))
        .to_owned();
    let insert = Query::insert()
        .into_table(consent_records::Entity)
        .columns([
            consent_records::Column::ConsentTextId,
            consent_records::Column::Wizard,
            consent_records::Column::ClientIp,
            consent_records::Column::UserAgent,
            consent_records::Column::CreatedAt,
        ])
        .select_from(row)
        .map_err(crate::server::context::internal)?
        .returning_col(consent_records::Column::Id)
        .to_owned();
    #[derive(FromQueryResult)]
    struct Inserted {
        id: i64,
    }
    let stmt = StatementBuilder::build(&insert, &txn.get_database_backend());
    Ok(Inserted::find_by_statement(stmt)
        .one(txn)
        .await?
        .map(|r| r.id))
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
    let txn = begin_write(db).await?;
    let Some(record_id) = record(&txn, cx, wizard, version).await? else {
        drop(txn);
        // Nothing recorded: the notice changed since it was shown, or (a setup error)
        // the version in force names no text.
        current_text(db).await?;
        return Err(AppError::Conflict("consent_version".into()));
    };
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Visitor,
            action: "consent.accept",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({ "wizard": wizard.slug(), "version": version, "record": record_id })),
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
            consent_record_id: record_id,
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
