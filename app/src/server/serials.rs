//! Serial numbers from counters: the stop's `ST…`, the application's `AP…` and the
//! payment serial behind the payment number.
//!
//! Each is the `last` of a `serial_counters` row, raised by one atomic upsert
//! (`INSERT … ON CONFLICT (kind, day) DO UPDATE SET last = last + 1 RETURNING last`,
//! the same on SQLite and PostgreSQL) inside the caller's write transaction. On
//! PostgreSQL the row stays locked until that transaction ends, so concurrent
//! submissions — on one instance or several — take turns and never pick the same
//! number; a rolled-back submission gives its number back. Take the number late in
//! the transaction, after the checks that may refuse it, to keep the turn short.

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

use crate::server::entities::serial_counters::{Column, Entity};

/// Which number to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counter {
    /// A stop's sequence on a Taiwan day.
    Stop(NaiveDate),
    /// An application's sequence on a Taiwan day.
    Application(NaiveDate),
    /// The payment serial, one sequence for ever.
    Payment,
}

impl Counter {
    /// The row's key: (kind, day).
    pub fn key(self) -> (&'static str, String) {
        let day = |d: NaiveDate| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
        match self {
            Counter::Stop(d) => ("stop", day(d)),
            Counter::Application(d) => ("application", day(d)),
            Counter::Payment => ("payment", String::new()),
        }
    }
}

/// The next number of `counter` (1 for a new day), taken inside `txn`.
///
/// # Errors
/// Database errors (the caller's transaction is then unusable on PostgreSQL).
pub async fn next<C: ConnectionTrait>(txn: &C, counter: Counter) -> Result<i64, DbErr> {
    let (kind, day) = counter.key();
    let stmt = Query::insert()
        .into_table(Entity)
        .columns([Column::Kind, Column::Day, Column::Last])
        .values([kind.into(), day.into(), 1i64.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::Day])
                .value(Column::Last, Expr::col((Entity, Column::Last)).add(1))
                .to_owned(),
        )
        .returning_col(Column::Last)
        .to_owned();
    let row = txn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("serial counter {kind} returned no row")))?;
    row.try_get::<i64>("", "last")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_keyed_by_kind_and_taiwan_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).expect("date");
        assert_eq!(Counter::Stop(d).key(), ("stop", "20261103".to_owned()));
        assert_eq!(
            Counter::Application(d).key(),
            ("application", "20261103".to_owned())
        );
        assert_eq!(Counter::Payment.key(), ("payment", String::new()));
    }
}
