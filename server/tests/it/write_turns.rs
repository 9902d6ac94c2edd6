//! Writers on one SQLite file take turns in the process, in the order they asked
//! (`app::server::write_turn`), instead of sleeping in SQLite's busy handler.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, TestDb};

use app::server::db::{begin_write, write_turn};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Polls `fut` once: far enough for a writer to join the queue for its turn.
async fn poll_once(fut: &mut Pin<Box<impl Future>>) {
    std::future::poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await;
}

/// The numbers in `turn_log`, in the order they were written.
async fn written(db: &TestDb) -> Vec<i64> {
    db.db
        .query_all_raw(Statement::from_string(
            db.db.get_database_backend(),
            "SELECT n FROM turn_log ORDER BY seq",
        ))
        .await
        .expect("turn log")
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0).expect("n"))
        .collect()
}

/// Twelve writers (more than the pool's eight connections) ask while a transaction
/// holds the file; when it commits they write one after another in the order they
/// asked. Asleep in SQLite's busy handler they would wake in any order, and the
/// later ones would hold pooled connections while they waited.
#[tokio::test]
async fn sqlite_writers_take_turns_in_the_order_they_asked() {
    let db = TestDb::new().await;
    let autoincrement = if common::backend_name() == "postgres" {
        "seq SERIAL PRIMARY KEY"
    } else {
        "seq INTEGER PRIMARY KEY AUTOINCREMENT"
    };
    db.db
        .execute_unprepared(&format!(
            "CREATE TABLE turn_log ({autoincrement}, n INTEGER NOT NULL)"
        ))
        .await
        .expect("table");
    if db.db.get_database_backend() == DbBackend::Postgres {
        // PostgreSQL's writers lock rows, not the database: no turns.
        assert!(write_turn(&db.db).await.is_none());
        return;
    }
    let first = begin_write(&db.db).await.expect("first writer");
    first
        .execute_unprepared("INSERT INTO turn_log (n) VALUES (-1)")
        .await
        .expect("first insert");
    let mut writers: Vec<_> = (0..12)
        .map(|n| {
            let db = db.db.clone();
            Box::pin(async move {
                let txn = begin_write(&db).await.expect("begin");
                txn.execute_unprepared(&format!("INSERT INTO turn_log (n) VALUES ({n})"))
                    .await
                    .expect("insert");
                txn.commit().await.expect("commit");
            })
        })
        .collect();
    for w in &mut writers {
        poll_once(w).await;
    }
    first.commit().await.expect("first commit");
    futures_util::future::join_all(writers).await;
    assert_eq!(written(&db).await, (-1..12).collect::<Vec<_>>());
}

/// A turn is per file: a transaction open on one database does not hold up a writer
/// on another (the tests run many in one process).
#[tokio::test]
async fn a_turn_holds_up_only_writers_on_its_own_file() {
    let one = TestDb::new().await;
    let other = TestDb::new().await;
    let open = begin_write(&one.db).await.expect("open transaction");
    let write = async {
        let txn = begin_write(&other.db)
            .await
            .expect("begin on the other file");
        txn.execute_unprepared("CREATE TABLE elsewhere (x INTEGER)")
            .await
            .expect("create");
        txn.commit().await.expect("commit");
    };
    tokio::time::timeout(std::time::Duration::from_secs(2), write)
        .await
        .expect("the other file's writer went ahead");
    open.rollback().await.expect("rollback");
}
