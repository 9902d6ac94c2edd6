//! `server print-batch create [--school CODE]`, `server print-batch export ID --out
//! FILE.zip` and `server import-print-results FILE` (issue 17 item 1): the back office's
//! print batch functions and the print centre's result path, from the command line.

use std::process::ExitCode;

use app::server::AppState;
use app::server::audit::Actor;
use app::server::staff_scope::Scope;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// `print-batch create`: collects the waiting applications (of one school).
///
/// # Errors
/// An unknown school or a database error.
pub async fn create(state: &AppState, school: Option<&str>) -> Result<ExitCode, String> {
    use app::server::entities::schools;
    let school_id = match school {
        Some(code) => Some(
            schools::Entity::find()
                .filter(schools::Column::Code.eq(code.trim()))
                .one(&state.db)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no school with code {code}"))?
                .id,
        ),
        None => None,
    };
    match app::apply::print_centre::collect_batch(state, Actor::Cli, None, school_id).await {
        Ok(Some(b)) => {
            println!(
                "print batch {} created with {} application(s)",
                b.id, b.count
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => {
            println!("no paid and approved application waits for printing; no batch made");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `print-batch export ID --out FILE.zip`: print.csv and photos/<serial>.jpg.
///
/// # Errors
/// An unknown batch, a database or file error.
pub async fn export(state: &AppState, id: i32, out: &std::path::Path) -> Result<ExitCode, String> {
    let zip = app::school::service::batch_zip(state, id, Scope::All)
        .await
        .map_err(|e| format!("{e:?}"))?
        .ok_or_else(|| format!("no print batch {id} (or it is empty)"))?;
    std::fs::write(out, &zip).map_err(|e| format!("writing {}: {e}", out.display()))?;
    let event = app::server::audit::AuditEvent {
        actor: Actor::Cli,
        action: "print.batch_export",
        subject: Some(id.to_string()),
        result: "ok",
        detail: Some(serde_json::json!({ "bytes": zip.len() })),
    };
    app::server::audit::record(&state.db, None, event)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "print batch {id} written to {} ({} bytes)",
        out.display(),
        zip.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `import-print-results FILE` (CSV `serial,status,mail_no,at`, or the API's JSON).
///
/// # Errors
/// An unreadable file or a database error.
pub async fn import_results(state: &AppState, file: &std::path::Path) -> Result<ExitCode, String> {
    use app::apply::print_centre::{self, ResultOutcome};
    use app::apply::print_results_file;
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let rows = match print_results_file::parse(&bytes) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("line {}: {}", e.line, e.problem);
            }
            eprintln!("{} invalid line(s); nothing was written", errors.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let (lines, results): (Vec<usize>, Vec<_>) = rows.into_iter().unzip();
    let report = print_centre::record_results(state, &results, Actor::Cli, None)
        .await
        .map_err(|e| e.to_string())?;
    for r in &report.results {
        let line = lines.get(r.index - 1).copied().unwrap_or(r.index);
        let serial = &r.serial;
        match &r.outcome {
            ResultOutcome::Recorded { status } => println!("line {line}: {serial} {status}"),
            ResultOutcome::AlreadyRecorded { status } => {
                println!("line {line}: {serial} already recorded ({status})");
            }
            ResultOutcome::Unknown => {
                eprintln!("line {line}: {serial} unknown serial; not applied");
            }
            ResultOutcome::NotInBatch { status } => {
                eprintln!(
                    "line {line}: {serial} not with the print centre ({status}); not applied"
                );
            }
            ResultOutcome::MailNoRequired => {
                eprintln!("line {line}: {serial} shipped by mail needs mail_no; not applied");
            }
        }
    }
    println!(
        "recorded {}, already recorded {}, rejected {}",
        report.recorded, report.already_recorded, report.rejected
    );
    Ok(ExitCode::SUCCESS)
}
