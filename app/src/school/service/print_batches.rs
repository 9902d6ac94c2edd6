//! Print batches from the back office (SPEC §11, issue 17 item 1): collect, list with
//! counts by state, download (print.csv and photos/<serial>.jpg in one zip), and
//! «已結案» when the card was handed over at school. Card officers act on their own
//! school, operators on every school; teachers are refused (403, audited). The CLI's
//! `server print-batch …` calls the same functions with [`Scope::All`].

use std::io::Write;

use super::*;
use crate::apply::print_centre;
use crate::school::{PrintBatchItem, PrintBatchOverview, PrintBatchRow};
use crate::server::AppState;

/// The headshot folder under the data directory.
fn photo_dir(state: &AppState) -> std::path::PathBuf {
    state.config.data_dir.join("photos")
}

/// The staff member, unless a teacher (refused with an audit row).
async fn batch_staff(cx: &CallContext, action: &str) -> Result<Staff, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, action, None).await);
    }
    Ok(staff)
}

/// The applications in some batch (or, with `batch` `None`, waiting for one) whose
/// holders `scope` covers.
async fn scoped_applications(
    conn: &impl ConnectionTrait,
    scope: Scope,
    batch: Option<i32>,
) -> Result<Vec<applications::Model>, sea_orm::DbErr> {
    use sea_orm::QueryTrait;
    let holders_in_scope = holders::Entity::find()
        .select_only()
        .column(holders::Column::Id)
        .filter(scope.holders_condition())
        .into_query();
    let mut q = applications::Entity::find()
        .filter(applications::Column::HolderId.in_subquery(holders_in_scope));
    q = match batch {
        Some(id) => q.filter(applications::Column::PrintBatchId.eq(id)),
        None => q.filter(applications::Column::PrintBatchId.is_not_null()),
    };
    q.order_by_asc(applications::Column::SerialNo)
        .all(conn)
        .await
}

/// The batches with applications in `scope`, newest first, and how many wait for one.
///
/// # Errors
/// Database errors.
pub async fn batch_overview(
    state: &AppState,
    scope: Scope,
) -> Result<PrintBatchOverview, AppError> {
    use sea_orm::QueryTrait;
    let db = &state.db;
    let in_batches = scoped_applications(db, scope, None).await?;
    let holders_in_scope = holders::Entity::find()
        .select_only()
        .column(holders::Column::Id)
        .filter(scope.holders_condition())
        .into_query();
    let waiting = applications::Entity::find()
        .filter(applications::Column::HolderId.in_subquery(holders_in_scope))
        .filter(applications::Column::Status.eq(ApplicationStatus::Printing.as_str()))
        .filter(applications::Column::PrintBatchId.is_null())
        .count(db)
        .await?;
    let ids: std::collections::BTreeSet<i32> =
        in_batches.iter().filter_map(|a| a.print_batch_id).collect();
    let batches = crate::server::entities::print_batches::Entity::find()
        .filter(crate::server::entities::print_batches::Column::Id.is_in(ids))
        .order_by_desc(crate::server::entities::print_batches::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|b| {
            let own: Vec<&applications::Model> = in_batches
                .iter()
                .filter(|a| a.print_batch_id == Some(b.id))
                .collect();
            let of = |s: ApplicationStatus| {
                u32::try_from(own.iter().filter(|a| a.status == s.as_str()).count())
                    .unwrap_or(u32::MAX)
            };
            PrintBatchRow {
                id: b.id,
                created_at: b.created_at,
                count: u32::try_from(own.len()).unwrap_or(u32::MAX),
                printing: of(ApplicationStatus::Printing),
                shipped: of(ApplicationStatus::Shipped),
                closed: of(ApplicationStatus::Closed),
            }
        })
        .collect();
    Ok(PrintBatchOverview {
        waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
        batches,
    })
}

/// The print batch page.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers).
pub async fn print_batches(cx: &CallContext) -> Result<PrintBatchOverview, AppError> {
    let staff = batch_staff(cx, "school.print_batches").await?;
    batch_overview(&cx.state, staff.scope).await
}

/// «建立印卡批次»: an officer collects their school's waiting applications; an operator
/// those of `school_code`, or of every school when it is `None`. `None` when nothing
/// waits.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; an officer naming another school),
/// `NotFound` (an unknown school code).
pub async fn create_print_batch(
    cx: &CallContext,
    school_code: Option<String>,
) -> Result<Option<PrintBatchRow>, AppError> {
    const ACTION: &str = "school.print_batch";
    let staff = batch_staff(cx, ACTION).await?;
    let named = match school_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(
            schools::Entity::find()
                .filter(schools::Column::Code.eq(code))
                .one(&cx.state.db)
                .await?
                .ok_or(AppError::NotFound)?
                .id,
        ),
        None => None,
    };
    let school_id = match (staff.scope, named) {
        (Scope::All, named) => named,
        (Scope::School { school_id }, None) => Some(school_id),
        (Scope::School { school_id }, Some(n)) if n == school_id => Some(school_id),
        _ => return Err(deny(cx, &staff, ACTION, school_code).await),
    };
    let made =
        print_centre::collect_batch(&cx.state, staff.actor(), Some(&cx.client), school_id).await?;
    Ok(made.map(|b| PrintBatchRow {
        id: b.id,
        created_at: b.created_at,
        count: u32::try_from(b.count).unwrap_or(0),
        printing: u32::try_from(b.count).unwrap_or(0),
        shipped: 0,
        closed: 0,
    }))
}

/// The applications of batch `id` in the staff member's scope.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; a batch with none of the scope's
/// applications), `NotFound`.
pub async fn print_batch_items(cx: &CallContext, id: i32) -> Result<Vec<PrintBatchItem>, AppError> {
    const ACTION: &str = "school.print_batch_items";
    let staff = batch_staff(cx, ACTION).await?;
    let db = &cx.state.db;
    let apps = scoped_applications(db, staff.scope, Some(id)).await?;
    if apps.is_empty() {
        return Err(refuse_batch(cx, &staff, ACTION, id).await);
    }
    let seen = visible(db, staff.scope).await?;
    Ok(apps
        .into_iter()
        .map(|a| {
            let holder = seen.holders.get(&a.holder_id);
            PrintBatchItem {
                applicant: holder.map(|h| h.name.clone()).unwrap_or_default(),
                class_name: holder
                    .and_then(|h| seen.classes.get(&h.class_id).cloned())
                    .unwrap_or_default(),
                serial_no: a.serial_no,
                delivery: a.delivery,
                status: a.status,
                mail_no: a.mail_no,
            }
        })
        .collect())
}

/// 404 for a batch that does not exist, else 403 with an audit row (it holds only
/// other schools' applications).
async fn refuse_batch(cx: &CallContext, staff: &Staff, action: &str, id: i32) -> AppError {
    match crate::server::entities::print_batches::Entity::find_by_id(id)
        .one(&cx.state.db)
        .await
    {
        Ok(None) => AppError::NotFound,
        Ok(Some(_)) => deny(cx, staff, action, Some(id.to_string())).await,
        Err(e) => internal(e),
    }
}

/// The batch's download: `print.csv` (UTF-8 with BOM) and `photos/<serial>.jpg`, of the
/// applications in `scope`. `None` when the batch has none of them.
///
/// # Errors
/// Database errors, a stored recipient that cannot be decrypted, a missing headshot.
pub async fn batch_zip(
    state: &AppState,
    id: i32,
    scope: Scope,
) -> Result<Option<Vec<u8>>, AppError> {
    let in_scope: std::collections::HashSet<String> =
        scoped_applications(&state.db, scope, Some(id))
            .await?
            .into_iter()
            .map(|a| a.serial_no)
            .collect();
    let Some(batch) = print_centre::batch(state, id).await? else {
        return Ok(None);
    };
    let items: Vec<&print_centre::PrintItem> = batch
        .applications
        .iter()
        .filter(|i| in_scope.contains(&i.serial))
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    let fail = |e: &dyn std::fmt::Display| {
        tracing::error!(batch = id, error = %e, "print batch download failed");
        AppError::Internal
    };
    // Every cell through `csv_cell`, as the queue's export: no formula runs in Excel.
    let mut csv = String::from(
        "\u{FEFF}serial,name,school,card_type,card_type_name,photo,delivery,recipient_name,recipient_phone,recipient_address,status,mail_no\r\n",
    );
    for i in &items {
        let photo = format!("photos/{}.jpg", i.serial);
        let cells = [
            i.serial.as_str(),
            &i.name,
            &i.school,
            &i.card_type,
            &i.card_type_name,
            &photo,
            &i.delivery,
            &i.recipient_name,
            &i.recipient_phone,
            i.recipient_address.as_deref().unwrap_or(""),
            &i.status,
            i.mail_no.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        csv.push_str(&line.join(","));
        csv.push_str("\r\n");
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // JPEGs are compressed already.
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("print.csv", deflated)
        .map_err(|e| fail(&e))?;
    zip.write_all(csv.as_bytes()).map_err(|e| fail(&e))?;
    let dir = photo_dir(state);
    for i in &items {
        let Some(file) = print_centre::batch_photo(state, id, &i.serial).await? else {
            continue;
        };
        let path = crate::server::photo::photo_path(&dir, &file)
            .ok_or_else(|| fail(&format!("bad photo name of {}", i.serial)))?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| fail(&format!("headshot of {}: {e}", i.serial)))?;
        zip.start_file(format!("photos/{}.jpg", i.serial), stored)
            .map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    let bytes = zip.finish().map_err(|e| fail(&e))?.into_inner();
    Ok(Some(bytes))
}

/// «下載印卡資料»: the zip of batch `id` within the staff member's scope, audited
/// (names, addresses and photos leave the portal).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; another school's batch), `NotFound`.
pub async fn export_print_batch(cx: &CallContext, id: i32) -> Result<Vec<u8>, AppError> {
    const ACTION: &str = "school.print_batch_export";
    let staff = batch_staff(cx, ACTION).await?;
    let Some(zip) = batch_zip(&cx.state, id, staff.scope).await? else {
        return Err(refuse_batch(cx, &staff, ACTION, id).await);
    };
    let event = AuditEvent {
        actor: staff.actor(),
        action: ACTION,
        subject: Some(id.to_string()),
        result: "ok",
        detail: Some(serde_json::json!({ "bytes": zip.len() })),
    };
    audit::record(&cx.state.db, Some(&cx.client), event).await?;
    Ok(zip)
}

/// «已結案»: the card was handed over at school. From «等待印卡回應» (in a batch) or
/// «已寄出», once, with its timeline step, an audit row and a message to the applicant.
/// Returns whether it changed (false: closed before).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; out of scope), `NotFound`, `Conflict` (not
/// with the print centre).
pub async fn close_at_school(cx: &CallContext, serial: &str) -> Result<bool, AppError> {
    const ACTION: &str = "school.close";
    let staff = batch_staff(cx, ACTION).await?;
    let txn = begin_write(&cx.state.db).await?;
    let a = applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial.trim()))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = holder_of(&txn, a.holder_id).await?;
    if !staff.scope.covers(&holder) {
        drop(txn);
        return Err(deny(cx, &staff, ACTION, Some(a.serial_no)).await);
    }
    if a.status == ApplicationStatus::Closed.as_str() {
        return Ok(false);
    }
    let from_ok = a.print_batch_id.is_some()
        && (a.status == ApplicationStatus::Printing.as_str()
            || a.status == ApplicationStatus::Shipped.as_str());
    if !from_ok {
        return Err(AppError::Conflict("not_at_print_centre".into()));
    }
    let now = Utc::now();
    let claimed = applications::Entity::update_many()
        .col_expr(
            applications::Column::Status,
            Expr::value(ApplicationStatus::Closed.as_str()),
        )
        .col_expr(applications::Column::UpdatedAt, Expr::value(now))
        .filter(applications::Column::Id.eq(a.id))
        .filter(applications::Column::Status.eq(a.status.clone()))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        return Ok(false);
    }
    application_events::ActiveModel {
        application_id: Set(a.id),
        status: Set(ApplicationStatus::Closed.as_str().into()),
        note: Set(Some("school".into())),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::holder::notices::queue_application_status(
        &txn,
        &cx.state.cipher,
        &a,
        ApplicationStatus::Closed,
        None,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(a.serial_no.clone()),
            result: "ok",
            detail: Some(serde_json::json!({ "from": a.status, "to": "closed" })),
        },
    )
    .await?;
    txn.commit().await?;
    cx.state.delivery.wake();
    Ok(true)
}
