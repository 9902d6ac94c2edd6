//! Connecting, migrating, and write transactions that never hit SQLite's busy snapshot.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

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
pub fn retry_if_unique<T>(e: DbErr) -> Result<Attempt<T>, crate::error::AppError> {
    if matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        Ok(Attempt::Retry)
    } else {
        Err(crate::server::context::internal(e))
    }
}
