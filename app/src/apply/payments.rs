//! Payment reconciliation (SPEC §3, §4, §9): the collection agency's payments
//! (`payment_no,amount,paid_on,channel`) matched to unpaid applications.
//!
//! One code path for `server import-payments`, `POST /api/v1/payments` and (later)
//! the back office's upload: [`parse_csv`] or JSON give [`PaymentRecord`]s, and
//! [`reconcile`] applies them in one transaction. A matching unpaid application
//! becomes «已繳費» with date, channel and amount; a wrong amount or an unknown number
//! is reported and changes nothing; a payment already recorded is reported as such, so
//! importing the same file twice changes nothing.

use chrono::NaiveDate;
#[cfg(feature = "ssr")]
use chrono::Utc;
#[cfg(feature = "ssr")]
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ApplicationStatus;
#[cfg(feature = "ssr")]
use crate::domain::dates::parse_iso_date;
use crate::domain::payment_codes::PaymentNumber;
#[cfg(feature = "ssr")]
use crate::server::audit::{self, Actor, AuditEvent};
#[cfg(feature = "ssr")]
use crate::server::context::ClientContext;
#[cfg(feature = "ssr")]
use crate::server::db::begin_write;
#[cfg(feature = "ssr")]
use crate::server::entities::{application_events, replacement_applications as applications};

/// One payment the collection agency reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecord {
    pub payment_no: String,
    pub amount: i64,
    #[serde(with = "crate::domain::wire::date")]
    pub paid_on: NaiveDate,
    /// e.g. `7-11`, `family`, `atm`, `bank`.
    pub channel: String,
}

/// A line of a payment file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLineError {
    pub line: usize,
    pub problem: String,
}

/// What happened to one payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum PaymentOutcome {
    /// The application is now paid.
    Matched { serial_no: String },
    /// The application was already paid by this payment (a re-import).
    AlreadyRecorded { serial_no: String },
    /// The amount differs from what is due: reported, not applied.
    WrongAmount { serial_no: String, expected: i64 },
    /// No application has this payment number: reported, not applied.
    Unknown,
    /// «重複繳費»: the application was already paid another way (`paid_channel`, e.g.
    /// `linepay`); this payment is recorded for a refund, not applied.
    Duplicate {
        serial_no: String,
        paid_channel: String,
    },
}

/// One payment with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentResult {
    /// The line in the file (or the 1-based position in the API's list).
    pub line: usize,
    pub payment_no: String,
    pub amount: i64,
    #[serde(flatten)]
    pub outcome: PaymentOutcome,
}

/// The whole reconciliation's report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconciliationReport {
    pub matched: usize,
    pub already_recorded: usize,
    pub wrong_amount: usize,
    pub unknown: usize,
    /// «重複繳費»: payments for applications already paid, to be refunded.
    #[serde(default)]
    pub duplicate: usize,
    pub results: Vec<PaymentResult>,
}

impl std::fmt::Display for ReconciliationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} payments: {} matched, {} already recorded, {} wrong amount, {} unknown, {} duplicate (refund)",
            self.results.len(),
            self.matched,
            self.already_recorded,
            self.wrong_amount,
            self.unknown,
            self.duplicate
        )
    }
}

#[cfg(feature = "ssr")]
const COLUMNS: [&str; 4] = ["payment_no", "amount", "paid_on", "channel"];

/// Reads a payment file (UTF-8, optional BOM, header `payment_no,amount,paid_on,channel`).
///
/// # Errors
/// Every unreadable line, with its number (the header is line 1).
#[cfg(feature = "ssr")]
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<(usize, PaymentRecord)>, Vec<PaymentLineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut errors = Vec::new();
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            return Err(vec![PaymentLineError {
                line: 1,
                problem: format!("unreadable header: {e}"),
            }]);
        }
    };
    if header != COLUMNS {
        return Err(vec![PaymentLineError {
            line: 1,
            problem: format!("header must be {}", COLUMNS.join(",")),
        }]);
    }
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(PaymentLineError {
                    line,
                    problem: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        if row.len() != COLUMNS.len() {
            errors.push(PaymentLineError {
                line,
                problem: format!("has {} columns, expected {}", row.len(), COLUMNS.len()),
            });
            continue;
        }
        let record = PaymentRecord {
            payment_no: row[0].to_owned(),
            amount: row[1].parse().unwrap_or(-1),
            paid_on: parse_iso_date(&row[2]).unwrap_or_default(),
            channel: row[3].to_owned(),
        };
        match record_problem(&record) {
            Some(problem) => errors.push(PaymentLineError {
                line,
                problem: problem
                    .replace("{paid_on}", &row[2])
                    .replace("{amount}", &row[1]),
            }),
            None => records.push((line, record)),
        }
    }
    if records.is_empty() && errors.is_empty() {
        errors.push(PaymentLineError {
            line: 1,
            problem: "has no payment rows".into(),
        });
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// What is wrong with a payment record, if anything.
pub fn record_problem(r: &PaymentRecord) -> Option<String> {
    if PaymentNumber::parse(r.payment_no.trim()).is_err() {
        return Some(format!(
            "payment_no {:?} is not a valid payment number",
            r.payment_no
        ));
    }
    if !(1..=999_999_999).contains(&r.amount) {
        return Some("amount {amount} must be a whole number of NT$ from 1".into());
    }
    if r.paid_on == NaiveDate::default() {
        return Some("paid_on {paid_on} must be a date YYYY-MM-DD".into());
    }
    let channel = r.channel.trim();
    if channel.is_empty()
        || channel.len() > 20
        || !channel
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
    {
        return Some(format!(
            "channel {:?} must be 1-20 letters, digits, - or _",
            r.channel
        ));
    }
    None
}

/// Applies payments in one transaction; with `dry_run` only reports what would happen
/// (the back office's preview).
///
/// # Errors
/// Database errors (nothing is then written).
#[cfg(feature = "ssr")]
pub async fn reconcile(
    state: &crate::server::AppState,
    records: &[(usize, PaymentRecord)],
    actor: Actor,
    client: Option<&ClientContext>,
    dry_run: bool,
) -> Result<ReconciliationReport, DbErr> {
    let db = &state.db;
    let txn = begin_write(db).await?;
    let mut report = ReconciliationReport::default();
    for (line, r) in records {
        let payment_no = r.payment_no.trim().to_owned();
        // Locked (PostgreSQL) so a LINE Pay confirmation of the same application
        // waits for this transaction instead of paying it a second time.
        let app = applications::Entity::find()
            .filter(applications::Column::PaymentNo.eq(payment_no.clone()))
            .lock_exclusive()
            .one(&txn)
            .await?;
        let outcome = match app {
            None => PaymentOutcome::Unknown,
            Some(a) if i64::from(a.amount_due) != r.amount => PaymentOutcome::WrongAmount {
                serial_no: a.serial_no,
                expected: i64::from(a.amount_due),
            },
            // A late payment of an application the expiry job moved to «逾期未繳» is
            // still taken, as before expiry was stored.
            Some(a) if !payable(&a) => {
                let channel = r.channel.trim();
                if a.paid_on == Some(r.paid_on)
                    && a.paid_channel.as_deref() == Some(channel)
                    && a.paid_amount.map(i64::from) == Some(r.amount)
                {
                    PaymentOutcome::AlreadyRecorded {
                        serial_no: a.serial_no,
                    }
                } else {
                    // Paid another way first (LINE Pay, another store): the money
                    // is kept for a refund, never applied twice.
                    if !dry_run {
                        record_duplicate(
                            &txn,
                            &a,
                            &Payment {
                                paid_on: r.paid_on,
                                channel,
                                amount: r.amount,
                            },
                            &format!("{}:{channel}:{}:{}", a.payment_no, r.paid_on, r.amount),
                            actor.clone(),
                            client,
                        )
                        .await?;
                    }
                    PaymentOutcome::Duplicate {
                        serial_no: a.serial_no,
                        paid_channel: a.paid_channel.unwrap_or_default(),
                    }
                }
            }
            Some(a) => {
                let serial_no = a.serial_no.clone();
                if !dry_run {
                    mark_paid(
                        &txn,
                        state,
                        a,
                        &Payment {
                            paid_on: r.paid_on,
                            channel: r.channel.trim(),
                            amount: r.amount,
                        },
                        actor.clone(),
                        client,
                        "payment.reconcile",
                    )
                    .await?;
                }
                PaymentOutcome::Matched { serial_no }
            }
        };
        match &outcome {
            PaymentOutcome::Matched { .. } => report.matched += 1,
            PaymentOutcome::AlreadyRecorded { .. } => report.already_recorded += 1,
            PaymentOutcome::WrongAmount { .. } => report.wrong_amount += 1,
            PaymentOutcome::Unknown => report.unknown += 1,
            PaymentOutcome::Duplicate { .. } => report.duplicate += 1,
        }
        report.results.push(PaymentResult {
            line: *line,
            payment_no,
            amount: r.amount,
            outcome,
        });
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        audit::record(
            &txn,
            client,
            AuditEvent {
                actor,
                action: "payment.import",
                subject: None,
                result: "ok",
                detail: Some(serde_json::json!({
                    "payments": report.results.len(),
                    "matched": report.matched,
                    "already_recorded": report.already_recorded,
                    "wrong_amount": report.wrong_amount,
                    "unknown": report.unknown,
                    "duplicate": report.duplicate,
                })),
            },
        )
        .await?;
        txn.commit().await?;
        state.delivery.wake();
    }
    Ok(report)
}

/// Whether an application still takes a payment: unpaid, or «逾期未繳» (a late payment
/// of an application the expiry job moved there is still taken, as before expiry was
/// stored).
#[cfg(feature = "ssr")]
pub(crate) fn payable(a: &applications::Model) -> bool {
    a.status == ApplicationStatus::AwaitingPayment.as_str()
        || a.status == ApplicationStatus::Expired.as_str()
}

/// One payment of an application, however it came.
#[cfg(feature = "ssr")]
pub(crate) struct Payment<'a> {
    pub paid_on: NaiveDate,
    /// `7-11`, `atm`, … or `linepay`.
    pub channel: &'a str,
    pub amount: i64,
}

/// The one state change of a payment (the reconciliation and LINE Pay): «已繳費», or
/// «等待印卡回應» when the school already approved, with the timeline rows, the
/// parent's message and the audit row, in the caller's transaction. The caller has
/// checked that `a` is [`payable`] and the amount is due.
///
/// # Errors
/// Database errors.
#[cfg(feature = "ssr")]
pub(crate) async fn mark_paid(
    txn: &sea_orm::DatabaseTransaction,
    state: &crate::server::AppState,
    a: applications::Model,
    p: &Payment<'_>,
    actor: Actor,
    client: Option<&ClientContext>,
    action: &'static str,
) -> Result<applications::Model, DbErr> {
    let now = Utc::now();
    let id = a.id;
    let serial_no = a.serial_no.clone();
    let from_status = a.status.clone();
    // Already approved by the school: paid means off to the print centre.
    let approved = a.review_status == "approved";
    let to = if approved {
        crate::holder::ready_status(&a.reason, a.old_card_received_at.is_some())
    } else {
        ApplicationStatus::Paid
    };
    let mut row: applications::ActiveModel = a.into();
    row.status = Set(to.as_str().into());
    row.paid_on = Set(Some(p.paid_on));
    row.paid_channel = Set(Some(p.channel.to_owned()));
    row.paid_amount = Set(i32::try_from(p.amount).ok());
    row.updated_at = Set(now);
    let updated = row.update(txn).await?;
    // One message with where the application now stands.
    crate::holder::notices::queue_application_status(txn, &state.cipher, &updated, to, None, None)
        .await?;
    application_events::ActiveModel {
        application_id: Set(id),
        status: Set(ApplicationStatus::Paid.as_str().into()),
        note: Set(Some(p.channel.to_owned())),
        at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if approved {
        application_events::ActiveModel {
            application_id: Set(id),
            status: Set(to.as_str().into()),
            note: Set(None),
            at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        client,
        AuditEvent {
            actor,
            action,
            subject: Some(serial_no),
            result: "ok",
            detail: Some(serde_json::json!({
                "from": from_status,
                "to": ApplicationStatus::Paid.as_str(),
                "paid_on": crate::domain::dates::iso_date(p.paid_on),
                "channel": p.channel,
            })),
        },
    )
    .await?;
    Ok(updated)
}

/// «重複繳費»: records a payment for an application that was already paid, for the
/// refund (once per `reference`; a repeated report adds nothing), with its audit row.
///
/// # Errors
/// Database errors.
#[cfg(feature = "ssr")]
pub(crate) async fn record_duplicate(
    txn: &sea_orm::DatabaseTransaction,
    a: &applications::Model,
    p: &Payment<'_>,
    reference: &str,
    actor: Actor,
    client: Option<&ClientContext>,
) -> Result<(), DbErr> {
    use crate::server::entities::duplicate_payments;
    let known = duplicate_payments::Entity::find()
        .filter(duplicate_payments::Column::Reference.eq(reference))
        .one(txn)
        .await?;
    if known.is_some() {
        return Ok(());
    }
    duplicate_payments::ActiveModel {
        application_id: Set(a.id),
        payment_no: Set(a.payment_no.clone()),
        amount: Set(i32::try_from(p.amount).unwrap_or(i32::MAX)),
        paid_on: Set(p.paid_on),
        channel: Set(p.channel.to_owned()),
        reference: Set(reference.to_owned()),
        detected_at: Set(Utc::now()),
        refunded_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        client,
        AuditEvent {
            actor,
            action: "payment.duplicate",
            subject: Some(a.serial_no.clone()),
            result: "refund_due",
            detail: Some(serde_json::json!({
                "paid_channel": a.paid_channel,
                "channel": p.channel,
                "amount": p.amount,
                "paid_on": crate::domain::dates::iso_date(p.paid_on),
            })),
        },
    )
    .await?;
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn number(serial: u64) -> String {
        PaymentNumber::new("KLSC", serial)
            .expect("payment number")
            .as_str()
            .to_owned()
    }

    #[test]
    fn a_good_file_is_read_with_line_numbers() {
        let file = format!(
            "\u{feff}payment_no,amount,paid_on,channel\n{},100,2026-11-24,7-11\n{},250,2026-11-25,atm\n",
            number(1),
            number(2)
        );
        let rows = parse_csv(file.as_bytes()).expect("valid file");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].1.amount, 250);
        assert_eq!(rows[1].1.channel, "atm");
    }

    #[test]
    fn every_bad_line_is_reported() {
        let file = format!(
            "payment_no,amount,paid_on,channel\n{},abc,2026-11-24,7-11\nKLSC123,100,2026-11-24,atm\n{},100,24/11/2026,atm\n{},100,2026-11-24\n",
            number(1),
            number(2),
            number(3)
        );
        let errors = parse_csv(file.as_bytes()).expect_err("invalid file");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(errors[0].problem.contains("amount abc"));
        assert!(errors[2].problem.contains("24/11/2026"));
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let errors = parse_csv(b"no,amount\n1,2\n").expect_err("bad header");
        assert_eq!(errors[0].line, 1);
        assert!(parse_csv(b"payment_no,amount,paid_on,channel\n").is_err());
    }
}
