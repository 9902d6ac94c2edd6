//! Connecting, migrating, and write transactions that never hit SQLite's busy snapshot.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

use crate::error::AppError;

/// Connects to `url` (creating an SQLite file if needed) and runs every migration.
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // WAL lets readers run beside the one writer; busy_timeout makes a second
        // writer wait instead of failing.
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
        )
        .await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite (SPEC §7), the default on
/// PostgreSQL. Use it for every read-then-write path.
///
/// # Errors
/// When the database refuses to begin.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// One try of an exactly-once submission.
#[derive(Debug)]
pub enum Attempt<T> {
    Done(T),
    /// A concurrent transaction won a unique index; run again to find its answer.
    Retry,
}

/// A unique-index violation means a concurrent duplicate committed first: try again
/// (and find its answer); any other error is internal.
///
/// # Errors
/// `Internal` for any other database error.
pub fn retry_if_unique<T>(e: DbErr) -> Result<Attempt<T>, AppError> {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        Ok(Attempt::Retry)
    } else {
        Err(crate::server::context::internal(e))
    }
}

/// How many tries [`submit_with_retries`] makes before it gives up.
pub const MAX_SUBMIT_TRIES: u32 = 5;

/// Runs `once` (one try of the exactly-once submission `what`, in its own
/// transaction) until it is done or refused, at most [`MAX_SUBMIT_TRIES`] times with a
/// short growing pause. Giving up is logged and answered 503 with `Retry-After`: the
/// browser may send the same request (same idempotency key) again.
///
/// # Errors
/// `once`'s error; `Unavailable` when every try was told to run again.
pub async fn submit_with_retries<T, F, Fut>(what: &str, mut once: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Attempt<T>, AppError>>,
{
    for tries in 1..=MAX_SUBMIT_TRIES {
        match once().await? {
            Attempt::Done(done) => return Ok(done),
            Attempt::Retry if tries < MAX_SUBMIT_TRIES => {
                tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
            }
            Attempt::Retry => {}
        }
    }
    tracing::error!(
        submission = what,
        tries = MAX_SUBMIT_TRIES,
        "gave up: a concurrent transaction won every try"
    );
    Err(AppError::Unavailable {
        retry_after_secs: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_submission_that_keeps_losing_gives_up_with_503_after_the_last_try() {
        let tries = AtomicU32::new(0);
        let result: Result<(), AppError> = submit_with_retries("test", || {
            tries.fetch_add(1, Ordering::Relaxed);
            async { Ok(Attempt::Retry) }
        })
        .await;
        assert_eq!(tries.load(Ordering::Relaxed), MAX_SUBMIT_TRIES);
        let err = result.expect_err("gave up");
        assert_eq!(err, AppError::Unavailable { retry_after_secs: 1 });
        assert_eq!(err.status(), 503);
    }

    #[tokio::test]
    async fn a_submission_done_on_a_later_try_returns_its_answer() {
        let tries = AtomicU32::new(0);
        let result = submit_with_retries("test", || {
            let n = tries.fetch_add(1, Ordering::Relaxed) + 1;
            async move {
                if n < 3 {
                    Ok(Attempt::Retry)
                } else {
                    Ok(Attempt::Done(n))
                }
            }
        })
        .await;
        assert_eq!(result, Ok(3));
    }
}
