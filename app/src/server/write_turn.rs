//! Writers on one SQLite file take turns in the process, first come first served,
//! before they ask SQLite for its write lock.
//!
//! SQLite has one writer at a time. A connection that finds the lock taken runs its
//! busy handler, which sleeps 1, 2, 5, 10, … up to 100 ms between tries: under load
//! (32 parents in a wizard at once) the lock was free most of the time while the
//! writers that wanted it slept, and the server idled at 60 % of one core with
//! wizards answering in 130 ms. Here a writer waits in a fair queue (a semaphore of
//! one per file) and starts the moment the one before it is done.
//!
//! The turn is only a queue, never the lock itself: SQLite's lock still decides. A
//! writer that waits longer than [`BUSY_TIMEOUT`] for its turn goes on without one
//! (and meets SQLite's busy handler as before), so a path that holds a turn while it
//! asks for another cannot hang, and another process writing the same file (the CLI)
//! is kept out by SQLite as always. PostgreSQL has no turns: its writers lock rows.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};
use std::collections::HashMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::db::BUSY_TIMEOUT;

/// A writer's turn on its SQLite file, until dropped.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

/// One queue per SQLite file (tests run many databases in one process).
static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Arc<Semaphore>>>> = LazyLock::new(Mutex::default);

/// Waits for this process's turn to write to `db`'s file: `None` on PostgreSQL, for
/// an in-memory database, or when the wait passed [`BUSY_TIMEOUT`]. Hold it for the
/// one write statement or the transaction it is taken for.
pub async fn write_turn(db: &DatabaseConnection) -> Option<Turn> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
        return None;
    }
    let queue = {
        let mut queues = QUEUES.lock().unwrap_or_else(PoisonError::into_inner);
        // The file's name is copied only the first time it is seen, not per write.
        match queues.get(file) {
            Some(queue) => queue.clone(),
            None => queues
                .entry(file.to_path_buf())
                .or_insert_with(|| Arc::new(Semaphore::new(1)))
                .clone(),
        }
    };
    match tokio::time::timeout(BUSY_TIMEOUT, queue.acquire_owned()).await {
        Ok(Ok(permit)) => Some(Turn { _permit: permit }),
        Ok(Err(_)) | Err(_) => {
            tracing::warn!("waited too long for a turn to write; going on without one");
            None
        }
    }
}

/// A write transaction ([`begin_write`](super::db::begin_write)) with its turn: the
/// turn goes when the transaction is committed, rolled back or dropped.
#[derive(Debug)]
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<Turn>,
}

impl WriteTxn {
    pub(super) fn new(txn: DatabaseTransaction, turn: Option<Turn>) -> Self {
        Self { txn, _turn: turn }
    }

    /// Commits; the next writer's turn begins once the commit is on disk.
    ///
    /// # Errors
    /// Whatever the database answers.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls back.
    ///
    /// # Errors
    /// Whatever the database answers.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
