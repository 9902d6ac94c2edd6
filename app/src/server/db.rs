//! Connecting, migrating, write transactions that never hit SQLite's busy snapshot
//! and never nest, and whether writes get through at all (for `/api/v1/health`).
//!
//! Why the pool is watched: when a commit fails (SQLite with a full disk rolls the
//! transaction back by itself, then refuses the `ROLLBACK` that follows), sqlx still
//! counts the connection as inside a transaction. Back in the pool, the next `begin`
//! on it would silently become a `SAVEPOINT` whose "commit" only releases it —
//! answered as stored, never stored — and the transaction it sits in would hold the
//! write lock until a restart. So a connection that comes back inside a transaction
//! is closed (SQLite rolls back whatever it still held), none is handed out inside
//! one, and the failure marks the write path as failing until a write check passes.

use chrono::Utc;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sea_query::OnConflict;
use sea_orm::sqlx::Connection as _;
use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait, Set,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;

use super::entities::write_checks;
pub use super::write_turn::{WriteTxn, write_turn};

/// How long a writer waits for another one's transaction (SQLite) before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

use crate::error::AppError;

/// A pooled PostgreSQL connection idle this long is pinged before it is handed out
/// (a proxy or firewall may have dropped it); a busier one is not.
const POSTGRES_PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// Connects to `url` (creating an SQLite file if needed) and runs every migration.
///
/// SQLite: the file is in WAL mode (readers beside the one writer; a property of
/// the file, set once), and every connection of the pool gets the busy timeout,
/// foreign keys and `synchronous=FULL` (a commit is on disk before it is answered).
/// Both backends: a connection left inside a transaction is closed rather than
/// reused (see the module notes).
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = Database::connect(options(url, 8, SqliteSynchronous::Full)).await?;
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// The pool for what a power loss may lose without losing anything acknowledged:
/// sessions and captchas ([`AppState::ephemeral`](super::context::AppState)). On
/// SQLite its own small pool on the same file with `synchronous=NORMAL`: a commit is
/// not synced by itself (the next `FULL` commit of the main pool syncs the WAL it
/// shares, a crash of the process loses nothing, a power loss may lose the last
/// session writes: a parent starts the wizard again), so a wizard's four session
/// writes and its captcha cost no disk sync. On PostgreSQL the main pool itself.
/// Call after [`connect_and_migrate`].
///
/// # Errors
/// When the database cannot be reached.
pub async fn connect_ephemeral(
    url: &str,
    main: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if main.get_database_backend() == sea_orm::DbBackend::Sqlite {
        Database::connect(options(url, 4, SqliteSynchronous::Normal)).await
    } else {
        Ok(main.clone())
    }
}

/// The options of every pool: `max` connections (SQLite; 16 on PostgreSQL), the
/// SQLite durability `synchronous`, the checks of the module notes.
fn options(url: &str, max: u32, synchronous: SqliteSynchronous) -> ConnectOptions {
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let mut opts = ConnectOptions::new(url.clone());
    opts.max_connections(if url.starts_with("sqlite:") { max } else { 16 })
        // sqlx pings every connection it hands out unless told otherwise: one more
        // round trip per statement (to SQLite's worker thread, or over the network to
        // PostgreSQL). A local SQLite file needs none; a PostgreSQL connection is
        // pinged only after it sat idle long enough for a proxy to have dropped it
        // (`before_acquire` below).
        .test_before_acquire(false)
        .connect_timeout(Duration::from_secs(10))
        // Every statement at info level under `sqlx::query` when asked: how
        // `scripts/bench.sh` counts the statements of each step.
        .sqlx_logging(std::env::var_os("PORTAL_LOG_STATEMENTS").is_some())
        .map_sqlx_sqlite_opts(move |o| {
            o.busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true)
                .synchronous(synchronous)
        })
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_release(|conn, _| {
                Box::pin(async move {
                    // A transaction dropped without a commit queued its rollback on the
                    // connection's worker, which still counts it as open until the
                    // rollback has run: the ping waits for that. A connection not inside
                    // one has nothing queued (every statement on it was awaited), so a
                    // plain read goes back without the extra round trip to its worker.
                    if conn.is_in_transaction() {
                        conn.ping().await?;
                    }
                    Ok(usable(conn.is_in_transaction()))
                })
            })
            .before_acquire(|conn, _| Box::pin(async move { Ok(usable(conn.is_in_transaction())) }))
        })
        .map_sqlx_postgres_pool_opts(|pool| {
            pool.after_release(|conn, _| {
                Box::pin(async move { Ok(usable(conn.is_in_transaction())) })
            })
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= POSTGRES_PING_AFTER_IDLE {
                        conn.ping().await?;
                    }
                    Ok(usable(conn.is_in_transaction()))
                })
            })
        });
    opts
}

/// Whether a pooled connection may be used again: not if it is still inside a
/// transaction (its commit or rollback failed), which also counts as a failed write.
fn usable(in_transaction: bool) -> bool {
    if in_transaction {
        write_health().failed("a connection was left inside a transaction (a failed commit or rollback); it is closed");
    }
    !in_transaction
}

/// Begins a write transaction: `BEGIN IMMEDIATE` on SQLite (SPEC §7), the default on
/// PostgreSQL. Use it for every read-then-write path. It is always a transaction of
/// its own, never a savepoint: the pool hands out no connection inside one. On
/// SQLite it first waits for the process's [turn](super::write_turn) on the file,
/// before it takes a pooled connection.
///
/// # Errors
/// When the database refuses to begin (also counted as a failed write).
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    let turn = write_turn(db).await;
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await;
    match txn {
        Ok(txn) => Ok(WriteTxn::new(txn, turn)),
        Err(e) => {
            write_health().failed(&format!("begin: {e}"));
            Err(e)
        }
    }
}

/// Whether writes get through, as `/api/v1/health` reports it. A failed write (a
/// transaction that could not begin, a commit or rollback that failed) marks the
/// write path failing until a write check ([`watch_writes`]) that started after it
/// succeeds. One per process.
pub struct WriteHealth {
    state: Mutex<WriteState>,
    wake: Notify,
}

#[derive(Default)]
struct WriteState {
    failing: bool,
    /// Failures so far: a check clears `failing` only if none came during it.
    failures: u64,
}

impl WriteHealth {
    fn state(&self) -> std::sync::MutexGuard<'_, WriteState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a failed write; the write check then runs at once, and every second
    /// until writes pass again.
    pub fn failed(&self, why: &str) {
        let was_failing = self.record_failure();
        tracing::error!(%why, "a database write failed");
        if !was_failing {
            self.wake.notify_one();
        }
    }

    /// Marks the path failing; whether it was already.
    fn record_failure(&self) -> bool {
        let mut state = self.state();
        state.failures += 1;
        std::mem::replace(&mut state.failing, true)
    }

    /// Whether the last word on writes is a failure.
    pub fn is_failing(&self) -> bool {
        self.state().failing
    }

    fn failures(&self) -> u64 {
        self.state().failures
    }

    /// A write check passed that began when `failures_before` failures had been seen.
    fn check_passed(&self, failures_before: u64) {
        let mut state = self.state();
        if state.failures == failures_before && state.failing {
            state.failing = false;
            tracing::warn!("database writes succeed again");
        }
    }
}

static WRITE_HEALTH: LazyLock<WriteHealth> = LazyLock::new(|| WriteHealth {
    state: Mutex::new(WriteState::default()),
    wake: Notify::new(),
});

/// This process's [`WriteHealth`].
pub fn write_health() -> &'static WriteHealth {
    &WRITE_HEALTH
}

/// One write transaction about the size of a small real one: rewrites the
/// `write_checks` row of `instance` with a few KB of fresh characters.
///
/// # Errors
/// Whatever the database answers.
pub async fn check_writes(db: &DatabaseConnection, instance: &str) -> Result<(), DbErr> {
    use rand::Rng;
    let filler: String = rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(4000)
        .map(char::from)
        .collect();
    let txn = begin_write(db).await?;
    write_checks::Entity::insert(write_checks::ActiveModel {
        instance: Set(instance.to_owned()),
        checked_at: Set(Utc::now()),
        filler: Set(filler),
    })
    .on_conflict(
        OnConflict::column(write_checks::Column::Instance)
            .update_columns([
                write_checks::Column::CheckedAt,
                write_checks::Column::Filler,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await
}

/// A check every [`CHECK_EVERY`] while writes pass; at once after a failed write and
/// then every second until one passes.
pub const CHECK_EVERY: Duration = Duration::from_secs(15);

/// The write checks of `server serve`, until the process ends.
pub async fn watch_writes(db: DatabaseConnection, instance: String) {
    let health = write_health();
    loop {
        let before = health.failures();
        match tokio::time::timeout(BUSY_TIMEOUT * 2, check_writes(&db, &instance)).await {
            Ok(Ok(())) => health.check_passed(before),
            Ok(Err(e)) => {
                health.record_failure();
                tracing::error!(error = %e, "the write check failed");
            }
            Err(_) => {
                health.record_failure();
                tracing::error!("the write check timed out");
            }
        }
        let wait = if health.is_failing() {
            Duration::from_secs(1)
        } else {
            CHECK_EVERY
        };
        tokio::select! {
            () = health.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
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

/// A unique-index violation on an insert means the value was taken first (by an
/// earlier row or a concurrent request between the check and the insert): the field's
/// `taken`; any other error is internal.
pub fn taken_if_unique(e: DbErr, field: &str) -> AppError {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        AppError::field(field, "taken")
    } else {
        crate::server::context::internal(e)
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
        assert_eq!(
            err,
            AppError::Unavailable {
                retry_after_secs: 1
            }
        );
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
