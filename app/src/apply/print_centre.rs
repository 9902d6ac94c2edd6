//! The print centre (SPEC §11, issue 17 item 1): paid and approved applications
//! («等待印卡回應») are collected into print batches; the print centre reads a batch's
//! print data and reports back per application: printed, shipped (with the
//! registered-mail number «掛號號碼»: «已寄出») or delivered («已結案»).
//!
//! The machine API (`/api/v1/print-batches`, `/api/v1/print-results`) calls
//! [`collect_batch`], [`batches`], [`batch`] and [`record_results`]. Every step is
//! claimed by a conditional update, so a repeated report, or two instances taking the
//! same report, change nothing the second time and say so per item.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};
use serde::{Deserialize, Serialize};

use super::ApplicationStatus;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::ClientContext;
use crate::server::db::begin_write;
use crate::server::entities::{
    application_events, card_types, holders, print_batches,
    replacement_applications as applications, schools,
};

/// A print batch as `GET /api/v1/print-batches` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    pub count: i32,
}

/// One application's print data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintItem {
    pub serial: String,
    /// The holder's full name, as printed on the card.
    pub name: String,
    pub school: String,
    /// The card type's code, and its name as printed.
    pub card_type: String,
    pub card_type_name: String,
    /// Relative URL of the headshot (230×288 JPEG), fetched with the same key.
    pub photo_url: String,
    /// `mail` (registered mail to `recipient_address`) or `school`.
    pub delivery: String,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub recipient_address: Option<String>,
    /// `printing`, `shipped` or `closed`.
    pub status: String,
    pub mail_no: Option<String>,
}

/// A batch with its print data (`GET /api/v1/print-batches/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintBatch {
    pub id: i32,
    pub created_at: DateTime<Utc>,
    pub applications: Vec<PrintItem>,
}

/// One result the print centre reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintResult {
    pub serial: String,
    /// `printed`, `shipped` or `delivered`.
    pub status: String,
    /// The registered-mail number of a shipment.
    #[serde(default)]
    pub mail_no: Option<String>,
    /// When it happened (RFC 3339); default: now.
    #[serde(default)]
    pub at: Option<String>,
}

/// What happened to one result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ResultOutcome {
    /// The step was recorded (and the applicant messaged).
    Recorded { status: String },
    /// This step (or a later one) was recorded before: nothing changed.
    AlreadyRecorded { status: String },
    /// No application has this serial.
    Unknown,
    /// The application is not with the print centre (not in a batch, or returned).
    NotInBatch { status: String },
    /// A shipment by registered mail needs its mail number.
    MailNoRequired,
}

/// One result with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultReport {
    /// The 1-based position in the list.
    pub index: usize,
    pub serial: String,
    #[serde(flatten)]
    pub outcome: ResultOutcome,
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsReport {
    pub recorded: usize,
    pub already_recorded: usize,
    pub rejected: usize,
    pub results: Vec<ResultReport>,
}

/// The parsed form of a [`PrintResult`].
struct Step {
    status: &'static str,
    at: Option<DateTime<Utc>>,
    mail_no: Option<String>,
}

/// What is wrong with a result's form, if anything.
pub fn result_problem(r: &PrintResult) -> Option<String> {
    parse(r).err()
}

fn parse(r: &PrintResult) -> Result<Step, String> {
    let serial = r.serial.trim();
    if serial.len() != 16
        || !serial.starts_with("AP")
        || !serial[2..].bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!(
            "serial {:?} is not an application serial",
            r.serial
        ));
    }
    let status = match r.status.as_str() {
        "printed" => "printed",
        "shipped" => "shipped",
        "delivered" => "delivered",
        other => {
            return Err(format!(
                "status {other:?} must be printed, shipped or delivered"
            ));
        }
    };
    let mail_no = r
        .mail_no
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    if let Some(m) = &mail_no
        && (m.len() > 40 || !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    {
        return Err(format!(
            "mail_no {m:?} must be up to 40 letters, digits or -"
        ));
    }
    let at = match &r.at {
        None => None,
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map_err(|_| format!("at {t:?} must be an RFC 3339 time"))?
                .with_timezone(&Utc),
        ),
    };
    Ok(Step {
        status,
        at,
        mail_no,
    })
}

/// Collects every paid and approved application («等待印卡回應») not yet in a batch
/// (of one school's holders when `school_id` is given: a card officer's batch) into a
/// new batch. `None` when there is none (no empty batch is made).
///
/// # Errors
/// Database errors.
pub async fn collect_batch(
    state: &AppState,
    actor: Actor,
    client: Option<&ClientContext>,
    school_id: Option<i32>,
) -> Result<Option<BatchSummary>, DbErr> {
    let txn = begin_write(&state.db).await?;
    let now = Utc::now();
    let batch = print_batches::ActiveModel {
        created_at: Set(now),
        created_by: Set(actor.kind().into()),
        count: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // One statement: of two calls at once, each application lands in exactly one batch.
    let mut take = applications::Entity::update_many()
        .col_expr(applications::Column::PrintBatchId, Expr::value(batch.id))
        .filter(applications::Column::Status.eq(ApplicationStatus::Printing.as_str()))
        .filter(applications::Column::PrintBatchId.is_null());
    if let Some(school_id) = school_id {
        take = take.filter(
            applications::Column::HolderId.in_subquery(
                holders::Entity::find()
                    .select_only()
                    .column(holders::Column::Id)
                    .filter(holders::Column::SchoolId.eq(school_id))
                    .into_query(),
            ),
        );
    }
    let taken = take.exec(&txn).await?.rows_affected;
    if taken == 0 {
        txn.rollback().await?;
        return Ok(None);
    }
    let count = i32::try_from(taken).unwrap_or(i32::MAX);
    let mut row: print_batches::ActiveModel = batch.into();
    row.count = Set(count);
    let batch = row.update(&txn).await?;
    audit::record(
        &txn,
        client,
        AuditEvent {
            actor,
            action: "print.batch",
            subject: Some(batch.id.to_string()),
            result: "ok",
            detail: Some(serde_json::json!({ "count": count, "school_id": school_id })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Some(BatchSummary {
        id: batch.id,
        created_at: batch.created_at,
        count: batch.count,
    }))
}

/// Every batch, newest first.
///
/// # Errors
/// Database errors.
pub async fn batches(state: &AppState) -> Result<Vec<BatchSummary>, DbErr> {
    Ok(print_batches::Entity::find()
        .order_by_desc(print_batches::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|b| BatchSummary {
            id: b.id,
            created_at: b.created_at,
            count: b.count,
        })
        .collect())
}

/// A batch's print data; `None` for an unknown id.
///
/// # Errors
/// Database errors, or a stored recipient that cannot be decrypted.
pub async fn batch(state: &AppState, id: i32) -> Result<Option<PrintBatch>, DbErr> {
    let db = &state.db;
    let Some(b) = print_batches::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let apps = applications::Entity::find()
        .filter(applications::Column::PrintBatchId.eq(id))
        .order_by_asc(applications::Column::SerialNo)
        .all(db)
        .await?;
    let types = card_types::Entity::find().all(db).await?;
    let mut items = Vec::with_capacity(apps.len());
    for a in apps {
        let holder = holders::Entity::find_by_id(a.holder_id)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("holder of {}", a.serial_no)))?;
        let school = schools::Entity::find_by_id(holder.school_id)
            .one(db)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let decrypt = |enc: &str, col: &str| {
            state
                .cipher
                .decrypt(
                    enc,
                    &format!("replacement_applications.{col}:{}", a.serial_no),
                )
                .map_err(|e| DbErr::Custom(format!("decrypting {col}: {e}")))
        };
        items.push(PrintItem {
            photo_url: format!("/api/v1/print-batches/{id}/photos/{}", a.serial_no),
            card_type_name: types
                .iter()
                .find(|t| t.code == a.card_type)
                .map_or_else(|| a.card_type.clone(), |t| t.name_zh.clone()),
            recipient_name: decrypt(&a.recipient_name_enc, "recipient_name")?,
            recipient_phone: decrypt(&a.recipient_phone_enc, "recipient_phone")?,
            recipient_address: a
                .recipient_address_enc
                .as_deref()
                .map(|enc| decrypt(enc, "recipient_address"))
                .transpose()?,
            serial: a.serial_no,
            name: holder.name,
            school,
            card_type: a.card_type,
            delivery: a.delivery,
            status: a.status,
            mail_no: a.mail_no,
        });
    }
    Ok(Some(PrintBatch {
        id: b.id,
        created_at: b.created_at,
        applications: items,
    }))
}

/// The headshot file name of `serial` in batch `id`, if it is in that batch.
///
/// # Errors
/// Database errors.
pub async fn batch_photo(state: &AppState, id: i32, serial: &str) -> Result<Option<String>, DbErr> {
    Ok(applications::Entity::find()
        .filter(applications::Column::PrintBatchId.eq(id))
        .filter(applications::Column::SerialNo.eq(serial))
        .one(&state.db)
        .await?
        .map(|a| a.photo_file))
}

/// Records the print centre's results (each checked by [`result_problem`]) in one
/// transaction: each step once, with its timeline event, audit row and a message to
/// the applicant.
///
/// # Errors
/// Database errors (nothing is then written).
pub async fn record_results(
    state: &AppState,
    results: &[PrintResult],
    actor: Actor,
    client: Option<&ClientContext>,
) -> Result<ResultsReport, DbErr> {
    let txn = begin_write(&state.db).await?;
    let mut report = ResultsReport::default();
    for (i, r) in results.iter().enumerate() {
        let step = parse(r).map_err(DbErr::Custom)?;
        let serial = r.serial.trim().to_owned();
        let app = applications::Entity::find()
            .filter(applications::Column::SerialNo.eq(serial.clone()))
            .one(&txn)
            .await?;
        let outcome = match app {
            None => ResultOutcome::Unknown,
            Some(a) => apply_step(state, &txn, a, &step, &actor, client).await?,
        };
        match outcome {
            ResultOutcome::Recorded { .. } => report.recorded += 1,
            ResultOutcome::AlreadyRecorded { .. } => report.already_recorded += 1,
            _ => report.rejected += 1,
        }
        report.results.push(ResultReport {
            index: i + 1,
            serial,
            outcome,
        });
    }
    audit::record(
        &txn,
        client,
        AuditEvent {
            actor,
            action: "print.results",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({
                "results": report.results.len(),
                "recorded": report.recorded,
                "already_recorded": report.already_recorded,
                "rejected": report.rejected,
            })),
        },
    )
    .await?;
    txn.commit().await?;
    state.delivery.wake();
    Ok(report)
}

/// One step of one application.
async fn apply_step(
    state: &AppState,
    txn: &sea_orm::DatabaseTransaction,
    a: applications::Model,
    step: &Step,
    actor: &Actor,
    client: Option<&ClientContext>,
) -> Result<ResultOutcome, DbErr> {
    let current = a.status.clone();
    let in_batch = a.print_batch_id.is_some();
    let at = step.at.unwrap_or_else(Utc::now);
    // (the states it may come from, the state it goes to; `None`: an event only)
    let (from, to): (&[ApplicationStatus], Option<ApplicationStatus>) = match step.status {
        "printed" => (&[ApplicationStatus::Printing], None),
        "shipped" => (
            &[ApplicationStatus::Printing],
            Some(ApplicationStatus::Shipped),
        ),
        _ => (
            &[ApplicationStatus::Printing, ApplicationStatus::Shipped],
            Some(ApplicationStatus::Closed),
        ),
    };
    let done_before = |s: &str| match step.status {
        "printed" => matches!(s, "shipped" | "closed"),
        "shipped" => matches!(s, "shipped" | "closed"),
        _ => s == "closed",
    };
    if !in_batch {
        return Ok(ResultOutcome::NotInBatch { status: current });
    }
    if done_before(&current) {
        return Ok(ResultOutcome::AlreadyRecorded { status: current });
    }
    if !from.iter().any(|s| s.as_str() == current) {
        return Ok(ResultOutcome::NotInBatch { status: current });
    }
    if step.status == "shipped" && a.delivery == "mail" && step.mail_no.is_none() {
        return Ok(ResultOutcome::MailNoRequired);
    }
    let event_status = to.map_or("printed", ApplicationStatus::as_str);
    match to {
        Some(to) => {
            let mut update = applications::Entity::update_many()
                .col_expr(applications::Column::Status, Expr::value(to.as_str()))
                .col_expr(applications::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(applications::Column::Id.eq(a.id))
                .filter(applications::Column::Status.eq(current.clone()));
            if let Some(m) = &step.mail_no {
                update = update.col_expr(applications::Column::MailNo, Expr::value(m.clone()));
            }
            if update.exec(txn).await?.rows_affected != 1 {
                return Ok(ResultOutcome::AlreadyRecorded { status: current });
            }
        }
        None => {
            // «printed» changes no state: its event is recorded once.
            let seen = application_events::Entity::find()
                .filter(application_events::Column::ApplicationId.eq(a.id))
                .filter(application_events::Column::Status.eq("printed"))
                .one(txn)
                .await?;
            if seen.is_some() {
                return Ok(ResultOutcome::AlreadyRecorded { status: current });
            }
        }
    }
    let note = if step.status == "shipped" {
        step.mail_no.clone()
    } else {
        None
    };
    application_events::ActiveModel {
        application_id: Set(a.id),
        status: Set(event_status.into()),
        note: Set(note.clone()),
        at: Set(at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if let Some(to) = to {
        crate::holder::notices::queue_application_status(
            txn,
            &state.cipher,
            &a,
            to,
            note.as_deref(),
            None,
        )
        .await?;
    } else {
        crate::holder::notices::queue_printed(txn, &state.cipher, &a).await?;
    }
    audit::record(
        txn,
        client,
        AuditEvent {
            actor: actor.clone(),
            action: "print.result",
            subject: Some(a.serial_no.clone()),
            result: "ok",
            detail: Some(serde_json::json!({
                "from": current,
                "step": step.status,
                "mail_no": step.mail_no,
            })),
        },
    )
    .await?;
    Ok(ResultOutcome::Recorded {
        status: to.map_or_else(|| current.clone(), |t| t.as_str().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(serial: &str, status: &str, mail_no: Option<&str>, at: Option<&str>) -> PrintResult {
        PrintResult {
            serial: serial.into(),
            status: status.into(),
            mail_no: mail_no.map(str::to_owned),
            at: at.map(str::to_owned),
        }
    }

    #[test]
    fn result_forms_are_checked() {
        let ok = result(
            "AP20261201000001",
            "shipped",
            Some("RR123456789TW"),
            Some("2026-12-01T10:00:00+08:00"),
        );
        assert_eq!(result_problem(&ok), None);
        assert!(result_problem(&result("ST20261201000001", "printed", None, None)).is_some());
        assert!(result_problem(&result("AP20261201000001", "lost", None, None)).is_some());
        assert!(
            result_problem(&result("AP20261201000001", "shipped", Some("RR 1"), None)).is_some()
        );
        assert!(
            result_problem(&result(
                "AP20261201000001",
                "printed",
                None,
                Some("yesterday")
            ))
            .is_some()
        );
    }
}
