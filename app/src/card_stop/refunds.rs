//! The issuer's refund confirmations (SPEC §11, issue 17 item 2): a stop whose holder
//! asked for a refund shows «退費處理中» until the card issuer reports it paid; then
//! «已退費» with the date, and every bound parent hears of it.
//!
//! One code path for `server import-refunds` ([`parse_csv`]) and `POST /api/v1/refunds`
//! (JSON): [`record_problem`] checks each record's form, [`confirm`] applies them in
//! one transaction. A refund already recorded is reported as such, so sending the same
//! list twice changes nothing; an unknown serial, a stop without a refund, a wrong
//! amount or method is reported and changes nothing.

use serde::{Deserialize, Serialize};

use crate::domain::dates::parse_iso_date;
use crate::domain::refund::RefundChoice;

/// One refund the issuer reports as paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundRecord {
    /// The stop's serial number (`ST…`).
    pub serial: String,
    /// NT$ paid out.
    pub amount: i64,
    /// `YYYY-MM-DD`; a string so that a bad date is reported with its item.
    pub paid_on: String,
    /// `bank_transfer` or `cheque`.
    pub method: String,
}

/// A line of a refund file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLineError {
    pub line: usize,
    pub problem: String,
}

/// What happened to one refund.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum RefundOutcome {
    /// The stop's refund is now «已退費».
    Confirmed,
    /// This refund was recorded before (a repeated list or file): nothing changed.
    AlreadyRecorded { paid_on: String },
    /// No stop has this serial number.
    Unknown,
    /// The stop asked for no refund, or its balance did not cover the fees.
    NoRefundRequested,
    /// The amount differs from the refund the stop is owed.
    WrongAmount { expected: i64 },
    /// The method differs from the one the holder chose.
    WrongMethod { expected: String },
}

impl RefundOutcome {
    /// The outcome's name on the wire and in the CLI's summary.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::AlreadyRecorded { .. } => "already_recorded",
            Self::Unknown => "unknown",
            Self::NoRefundRequested => "no_refund_requested",
            Self::WrongAmount { .. } => "wrong_amount",
            Self::WrongMethod { .. } => "wrong_method",
        }
    }
}

/// One refund with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundResult {
    /// The line in the file (or the 1-based position in the API's list).
    pub line: usize,
    pub serial: String,
    pub amount: i64,
    #[serde(flatten)]
    pub outcome: RefundOutcome,
}

/// The whole confirmation's report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReport {
    pub confirmed: usize,
    pub already_recorded: usize,
    /// Unknown serials, stops without a refund, wrong amounts or methods.
    pub rejected: usize,
    pub results: Vec<RefundResult>,
}

impl std::fmt::Display for RefundReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} refunds: {} confirmed, {} already recorded, {} rejected",
            self.results.len(),
            self.confirmed,
            self.already_recorded,
            self.rejected
        )
    }
}

/// A stop's serial: `ST`, the Taiwan date `YYYYMMDD` and a 6-digit sequence.
fn is_stop_serial(s: &str) -> bool {
    s.len() == 16 && s.starts_with("ST") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// What is wrong with a refund record's form, if anything (`today`: the Taiwan date;
/// a refund paid later than tomorrow is a mistake).
pub fn record_problem(r: &RefundRecord, today: chrono::NaiveDate) -> Option<String> {
    if !is_stop_serial(r.serial.trim()) {
        return Some(format!("serial {:?} is not a stop serial number", r.serial));
    }
    if !(0..=999_999_999).contains(&r.amount) {
        return Some(format!(
            "amount {} must be a whole number of NT$ from 0",
            r.amount
        ));
    }
    match parse_iso_date(&r.paid_on) {
        None => {
            return Some(format!("paid_on {:?} must be a date YYYY-MM-DD", r.paid_on));
        }
        Some(d) if d > today + chrono::Duration::days(1) => {
            return Some(format!("paid_on {} is in the future", r.paid_on));
        }
        Some(_) => {}
    }
    match RefundChoice::parse(r.method.trim()) {
        Some(RefundChoice::BankTransfer | RefundChoice::Cheque) => None,
        _ => Some(format!(
            "method {:?} must be bank_transfer or cheque",
            r.method
        )),
    }
}

const COLUMNS: [&str; 4] = ["serial", "amount", "paid_on", "method"];

/// Reads a refund file (UTF-8, optional BOM, header `serial,amount,paid_on,method`).
///
/// # Errors
/// Every unreadable line, with its number (the header is line 1).
pub fn parse_csv(
    bytes: &[u8],
    today: chrono::NaiveDate,
) -> Result<Vec<(usize, RefundRecord)>, Vec<RefundLineError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            return Err(vec![RefundLineError {
                line: 1,
                problem: format!("unreadable header: {e}"),
            }]);
        }
    };
    if header != COLUMNS {
        return Err(vec![RefundLineError {
            line: 1,
            problem: format!("header must be {}", COLUMNS.join(",")),
        }]);
    }
    let mut errors = Vec::new();
    let mut records = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) if r.len() == COLUMNS.len() => r,
            Ok(r) => {
                errors.push(RefundLineError {
                    line,
                    problem: format!("has {} columns, expected {}", r.len(), COLUMNS.len()),
                });
                continue;
            }
            Err(e) => {
                errors.push(RefundLineError {
                    line,
                    problem: format!("unreadable: {e}"),
                });
                continue;
            }
        };
        let Ok(amount) = row[1].parse::<i64>() else {
            errors.push(RefundLineError {
                line,
                problem: format!("amount {} must be a whole number of NT$ from 0", &row[1]),
            });
            continue;
        };
        let record = RefundRecord {
            serial: row[0].to_owned(),
            amount,
            paid_on: row[2].to_owned(),
            method: row[3].to_owned(),
        };
        match record_problem(&record, today) {
            Some(problem) => errors.push(RefundLineError { line, problem }),
            None => records.push((line, record)),
        }
    }
    if records.is_empty() && errors.is_empty() {
        errors.push(RefundLineError {
            line: 1,
            problem: "has no refund rows".into(),
        });
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

pub use confirm::confirm;

mod confirm {
    use chrono::Utc;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

    use super::{RefundOutcome, RefundRecord, RefundReport, RefundResult};
    use crate::domain::dates::{iso_date, parse_iso_date};
    use crate::domain::masking::mask_identifier;
    use crate::server::audit::{self, Actor, AuditEvent};
    use crate::server::context::ClientContext;
    use crate::server::db::begin_write;
    use crate::server::entities::{cards, holders, stop_requests};
    use crate::server::guardian_notices::{self, CardAction, CardNotice};

    /// Applies refund confirmations (records checked by `record_problem`) in one
    /// transaction, each confirmed one audited and reported to the bound parents.
    ///
    /// # Errors
    /// Database errors (nothing is then written).
    pub async fn confirm(
        state: &crate::server::AppState,
        records: &[(usize, RefundRecord)],
        actor: Actor,
        client: Option<&ClientContext>,
    ) -> Result<RefundReport, DbErr> {
        let txn = begin_write(&state.db).await?;
        let now = Utc::now();
        let mut report = RefundReport::default();
        for (line, r) in records {
            let serial = r.serial.trim().to_owned();
            let paid_on = parse_iso_date(&r.paid_on)
                .ok_or_else(|| DbErr::Custom(format!("unchecked refund date {:?}", r.paid_on)))?;
            let method = r.method.trim();
            let stop = stop_requests::Entity::find()
                .filter(stop_requests::Column::SerialNo.eq(serial.clone()))
                .one(&txn)
                .await?;
            let outcome = match stop {
                None => RefundOutcome::Unknown,
                Some(s)
                    if !crate::domain::refund::RefundChoice::parse(&s.choice)
                        .is_some_and(crate::domain::refund::RefundChoice::pays_out)
                        || s.refund_amount <= 0 =>
                {
                    RefundOutcome::NoRefundRequested
                }
                Some(s) if s.refund_paid_on.is_some() => RefundOutcome::AlreadyRecorded {
                    paid_on: s.refund_paid_on.map(iso_date).unwrap_or_default(),
                },
                Some(s) if i64::from(s.refund_amount) != r.amount => RefundOutcome::WrongAmount {
                    expected: i64::from(s.refund_amount),
                },
                Some(s) if s.choice != method => RefundOutcome::WrongMethod {
                    expected: s.choice.clone(),
                },
                Some(s) => {
                    // Conditional on no confirmation yet: of two lists sent at once on
                    // two instances, exactly one records it.
                    let claimed = stop_requests::Entity::update_many()
                        .col_expr(stop_requests::Column::RefundPaidOn, Expr::value(paid_on))
                        .col_expr(
                            stop_requests::Column::RefundPaidAmount,
                            Expr::value(s.refund_amount),
                        )
                        .col_expr(stop_requests::Column::RefundMethod, Expr::value(method))
                        .col_expr(stop_requests::Column::RefundConfirmedAt, Expr::value(now))
                        .filter(stop_requests::Column::Id.eq(s.id))
                        .filter(stop_requests::Column::RefundPaidOn.is_null())
                        .exec(&txn)
                        .await?
                        .rows_affected
                        == 1;
                    if claimed {
                        record_confirmed(state, &txn, &s, paid_on, &actor, client).await?;
                        RefundOutcome::Confirmed
                    } else {
                        RefundOutcome::AlreadyRecorded {
                            paid_on: iso_date(paid_on),
                        }
                    }
                }
            };
            match outcome {
                RefundOutcome::Confirmed => report.confirmed += 1,
                RefundOutcome::AlreadyRecorded { .. } => report.already_recorded += 1,
                _ => report.rejected += 1,
            }
            report.results.push(RefundResult {
                line: *line,
                serial,
                amount: r.amount,
                outcome,
            });
        }
        audit::record(
            &txn,
            client,
            AuditEvent {
                actor,
                action: "refund.import",
                subject: None,
                result: "ok",
                detail: Some(serde_json::json!({
                    "refunds": report.results.len(),
                    "confirmed": report.confirmed,
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

    /// The audit row and the bound parents' notice of one confirmed refund.
    async fn record_confirmed(
        state: &crate::server::AppState,
        txn: &sea_orm::DatabaseTransaction,
        s: &stop_requests::Model,
        paid_on: chrono::NaiveDate,
        actor: &Actor,
        client: Option<&ClientContext>,
    ) -> Result<(), DbErr> {
        audit::record(
            txn,
            client,
            AuditEvent {
                actor: actor.clone(),
                action: "refund.confirm",
                subject: Some(s.serial_no.clone()),
                result: "ok",
                detail: Some(serde_json::json!({
                    "amount": s.refund_amount,
                    "paid_on": iso_date(paid_on),
                    "method": s.choice,
                })),
            },
        )
        .await?;
        let holder = holders::Entity::find_by_id(s.holder_id)
            .one(txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("holder of {}", s.serial_no)))?;
        let card_masked = cards::Entity::find_by_id(s.card_id)
            .one(txn)
            .await?
            .map(|c| mask_identifier(&c.outer_no));
        guardian_notices::queue(
            txn,
            &state.cipher,
            &CardNotice {
                action: CardAction::Refund,
                holder: &holder,
                card_masked: card_masked.as_deref(),
                serial_no: Some(&s.serial_no),
                at: Utc::now(),
                by_parent: false,
                refund: Some((s.refund_amount, paid_on)),
            },
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 10).expect("date")
    }

    #[test]
    fn a_good_file_is_read_with_line_numbers() {
        let file = "\u{feff}serial,amount,paid_on,method\n\
                    ST20261201000001,200,2026-12-09,bank_transfer\n\
                    ST20261201000002,0,2026-12-09,cheque\n";
        let rows = parse_csv(file.as_bytes(), today()).expect("valid file");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[0].1.amount, 200);
    }

    #[test]
    fn every_bad_line_is_reported() {
        let file = "serial,amount,paid_on,method\n\
                    ST20261201000001,-5,2026-12-09,bank_transfer\n\
                    AP20261201000001,200,2026-12-09,bank_transfer\n\
                    ST20261201000003,200,09/12/2026,cheque\n\
                    ST20261201000004,200,2026-12-09,cash\n\
                    ST20261201000005,200,2027-01-09,cheque\n\
                    ST20261201000006,abc,2026-12-09,cheque\n\
                    ST20261201000007,200\n";
        let errors = parse_csv(file.as_bytes(), today()).expect_err("invalid file");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7, 8]);
        assert!(errors[0].problem.contains("amount -5"), "{errors:?}");
        assert!(errors[2].problem.contains("09/12/2026"), "{errors:?}");
        assert!(errors[4].problem.contains("future"), "{errors:?}");
        assert!(parse_csv(b"serial,amount\n", today()).is_err());
        assert!(parse_csv(b"serial,amount,paid_on,method\n", today()).is_err());
    }
}
