//! `server import-payments` and `server import-refunds`: the issuer's files, read with
//! line-numbered errors (nothing written if a line is invalid), then one report line
//! per row.

use std::process::ExitCode;

use app::server::AppState;
use app::server::audit::Actor;

/// `server import-payments FILE.csv` (`payment_no,amount,paid_on,channel`).
///
/// # Errors
/// An unreadable file or a database error.
pub async fn import_payments(state: &AppState, file: &std::path::Path) -> Result<ExitCode, String> {
    use app::apply::payments::{self, PaymentOutcome};
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let records = match payments::parse_csv(&bytes) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("line {}: {}", e.line, e.problem);
            }
            eprintln!("{} invalid line(s); nothing was written", errors.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let report = payments::reconcile(state, &records, Actor::Cli, None, false)
        .await
        .map_err(|e| e.to_string())?;
    for r in &report.results {
        match &r.outcome {
            PaymentOutcome::Matched { serial_no } => {
                println!("line {}: {} paid ({serial_no})", r.line, r.payment_no);
            }
            PaymentOutcome::AlreadyRecorded { serial_no } => {
                println!(
                    "line {}: {} already recorded ({serial_no})",
                    r.line, r.payment_no
                );
            }
            PaymentOutcome::WrongAmount {
                serial_no,
                expected,
            } => eprintln!(
                "line {}: {} wrong amount {} (due {expected}, {serial_no}); not applied",
                r.line, r.payment_no, r.amount
            ),
            PaymentOutcome::Unknown => eprintln!(
                "line {}: {} unknown payment number; not applied",
                r.line, r.payment_no
            ),
            PaymentOutcome::Duplicate {
                serial_no,
                paid_channel,
            } => eprintln!(
                "line {}: {} duplicate payment (重複繳費) of {} for {serial_no}, already paid by {paid_channel}; not applied, recorded for refund",
                r.line, r.payment_no, r.amount
            ),
        }
    }
    println!("reconciled {report}");
    Ok(ExitCode::SUCCESS)
}

/// `server import-refunds FILE.csv` (`serial,amount,paid_on,method`).
///
/// # Errors
/// An unreadable file or a database error.
pub async fn import_refunds(state: &AppState, file: &std::path::Path) -> Result<ExitCode, String> {
    use app::card_stop::refunds::{self, RefundOutcome};
    let bytes = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let records = match refunds::parse_csv(&bytes, app::domain::dates::taiwan_today()) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!("line {}: {}", e.line, e.problem);
            }
            eprintln!("{} invalid line(s); nothing was written", errors.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let report = refunds::confirm(state, &records, Actor::Cli, None)
        .await
        .map_err(|e| e.to_string())?;
    for r in &report.results {
        let (line, serial) = (r.line, &r.serial);
        match &r.outcome {
            RefundOutcome::Confirmed => println!("line {line}: {serial} refunded"),
            RefundOutcome::AlreadyRecorded { paid_on } => {
                println!("line {line}: {serial} already recorded (paid {paid_on})");
            }
            RefundOutcome::Unknown => {
                eprintln!("line {line}: {serial} unknown serial; not applied")
            }
            RefundOutcome::NoRefundRequested => {
                eprintln!("line {line}: {serial} asked for no refund; not applied");
            }
            RefundOutcome::WrongAmount { expected } => eprintln!(
                "line {line}: {serial} wrong amount {} (owed {expected}); not applied",
                r.amount
            ),
            RefundOutcome::WrongMethod { expected } => {
                eprintln!("line {line}: {serial} wrong method (chosen {expected}); not applied");
            }
        }
    }
    println!("recorded {report}");
    Ok(ExitCode::SUCCESS)
}
