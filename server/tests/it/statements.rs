//! Statements per step (Performance issue item 4): each statement is a round trip to
//! the database (on SQLite, to the connection's worker thread), each autocommitted
//! write a disk sync. The whole stop wizard took 45; these bounds keep what was cut.
//! Counted from the server's own statement log, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::wizards::{Outcome, load_holders, load_roster, prepare_stop};
use common::{TestDb, TestServer};

/// The statements the server logged, less its background work (the health probe,
/// the write check, the outbox worker) and the set-up of a new pooled connection
/// (`PRAGMA …`, once per connection, not per request).
fn statements(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains("sqlx::query"))
        .filter(|l| {
            !["SELECT 1", "write_checks", "outbox", "claims", "PRAGMA "]
                .iter()
                .any(|w| l.contains(w))
        })
        .count()
}

#[tokio::test]
async fn the_whole_stop_wizard_takes_at_most_31_statements_35_on_postgresql() {
    let db = TestDb::new().await;
    // Holder 1 of a stop group has no guardian contact: no step-up code, all HTTP.
    let holders = load_holders('S', 2, false);
    let roster = db.write_file("roster.csv", &load_roster(&holders, false));
    let out = db.cli(&["import-roster", roster.to_str().expect("path")], None);
    assert!(out.status.success(), "{out:?}");
    let server = TestServer::start(
        &db,
        &[
            ("PORTAL_LOG_STATEMENTS", "1"),
            ("RUST_LOG", "warn,sqlx::query=info"),
        ],
    )
    .await;
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(300));
    // The settings snapshot is read once per process (and every few seconds): warm it,
    // and let the jobs a server runs at start (purges, expiries) finish.
    let warm = server.client();
    assert_eq!(warm.get("/api/consent/notice").await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let before = statements(&server.log());
    let outbox = db.path().join("data").join("outbox");
    let prepared = prepare_stop(&server.base, &holders[1], &outbox, "statements-0001")
        .await
        .unwrap_or_else(|o| panic!("{o:?}"));
    let outcome = prepared.submit().await;
    assert!(matches!(outcome, Outcome::Acknowledged(_)), "{outcome:?}");
    settle().await;
    let counted = statements(&server.log()) - before;
    assert!(before > 0, "statements are logged");
    // PostgreSQL adds the per-key turns (`throttle::take_turn`) that SQLite's
    // `BEGIN IMMEDIATE` makes unnecessary. (It took 45; the consent record, the per-IP
    // count and the holder's cards are one statement each now.)
    let bound = if common::backend_name() == "postgres" {
        35
    } else {
        31
    };
    assert!(
        counted <= bound,
        "{counted} statements for consent, captcha, verification, overview and stop:\n{}",
        server.log()
    );
}
