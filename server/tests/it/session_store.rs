//! The sea-orm session store (`app::server::session_store`) on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::entities::sessions;
use app::server::session_store::DbSessionStore;
use common::TestDb;
use sea_orm::EntityTrait;
use std::collections::HashMap;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{ExpiredDeletion, SessionStore};
use tower_sessions::{Expiry, Session};

fn record(expires_in: time::Duration) -> Record {
    let mut data = HashMap::new();
    data.insert(
        "wizard".to_owned(),
        serde_json::json!({ "wizard": "query" }),
    );
    Record {
        id: Id::default(),
        data,
        expiry_date: time::OffsetDateTime::now_utc() + expires_in,
    }
}

#[tokio::test]
async fn records_are_created_loaded_saved_and_deleted() {
    let db = TestDb::new().await;
    let store = DbSessionStore::new(db.db.clone());
    let mut rec = record(time::Duration::minutes(30));
    store.create(&mut rec).await.expect("create");
    let loaded = store.load(&rec.id).await.expect("load").expect("a record");
    assert_eq!(loaded.data, rec.data);
    assert_eq!(
        loaded.expiry_date.unix_timestamp(),
        rec.expiry_date.unix_timestamp()
    );

    rec.data
        .insert("captcha_binding".into(), serde_json::json!("abc"));
    store.save(&rec).await.expect("save");
    let loaded = store.load(&rec.id).await.expect("load").expect("a record");
    assert_eq!(loaded.data["captcha_binding"], "abc");
    assert_eq!(db.count("sessions").await, 1, "saved in place");

    store.delete(&rec.id).await.expect("delete");
    assert!(store.load(&rec.id).await.expect("load").is_none());
    assert_eq!(db.count("sessions").await, 0);
}

#[tokio::test]
async fn a_colliding_id_is_replaced_on_create() {
    let db = TestDb::new().await;
    let store = DbSessionStore::new(db.db.clone());
    let mut first = record(time::Duration::minutes(30));
    store.create(&mut first).await.expect("create");
    let mut second = record(time::Duration::minutes(30));
    second.id = first.id;
    store.create(&mut second).await.expect("create");
    assert_ne!(second.id, first.id);
    assert_eq!(db.count("sessions").await, 2);
}

#[tokio::test]
async fn expired_records_are_not_loaded_and_are_deleted() {
    let db = TestDb::new().await;
    let store = DbSessionStore::new(db.db.clone());
    let mut expired = record(-time::Duration::minutes(1));
    let mut live = record(time::Duration::minutes(30));
    store.create(&mut expired).await.expect("create");
    store.create(&mut live).await.expect("create");
    assert!(store.load(&expired.id).await.expect("load").is_none());
    store.delete_expired().await.expect("delete expired");
    let left: Vec<String> = sessions::Entity::find()
        .all(&db.db)
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![live.id.to_string()]);
}

#[tokio::test]
async fn a_session_survives_a_new_store_on_the_same_database_and_cycles_its_id() {
    let db = TestDb::new().await;
    let session = Session::new(
        None,
        Arc::new(DbSessionStore::new(db.db.clone())),
        Some(Expiry::OnInactivity(time::Duration::minutes(30))),
    );
    session.insert("step", 2).await.expect("insert");
    session.save().await.expect("save");
    let first_id = session.id().expect("an id after saving");

    // Another server instance (another store) sees the same session.
    let again = Session::new(
        Some(first_id),
        Arc::new(DbSessionStore::new(db.db.clone())),
        None,
    );
    assert_eq!(again.get::<i32>("step").await.expect("get"), Some(2));

    again.cycle_id().await.expect("cycle");
    again.save().await.expect("save");
    let second_id = again.id().expect("a new id");
    assert_ne!(first_id, second_id);
    let store = DbSessionStore::new(db.db.clone());
    assert!(
        store.load(&first_id).await.expect("load").is_none(),
        "old id gone"
    );
    let moved = store.load(&second_id).await.expect("load").expect("new id");
    assert_eq!(moved.data["step"], 2);
}

/// Performance issue item 2: the bundled SQLite is built without memory statistics
/// (`.cargo/config.toml`), whose process-wide mutex made every connection's
/// allocations wait for each other, and with a stable query plan (QPSG), so a
/// statement with `LIMIT ?` is not compiled again each time it runs.
#[tokio::test]
async fn the_bundled_sqlite_keeps_no_memory_statistics_and_stable_plans() {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    let options: Vec<String> = db
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA compile_options",
        ))
        .await
        .expect("compile options")
        .iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "{options:?}"
    );
    assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
}

/// Sessions and captchas go through their own SQLite pool that does not sync each
/// commit (`db::connect_ephemeral`); everything acknowledged still goes through the
/// main pool, which does (`synchronous=FULL`).
#[tokio::test]
async fn sessions_skip_the_disk_sync_that_acknowledged_writes_keep() {
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
    /// The one number an SQLite statement answers.
    async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
        db.query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, sql))
            .await
            .expect(sql)
            .expect("a row")
            .try_get_by_index::<i64>(0)
            .expect("a number")
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/portal.db", dir.path().display());
    let main = app::server::db::connect_and_migrate(&url)
        .await
        .expect("main pool");
    let ephemeral = app::server::db::connect_ephemeral(&url, &main)
        .await
        .expect("session pool");
    assert_eq!(scalar(&main, "PRAGMA synchronous").await, 2, "FULL");
    assert_eq!(scalar(&ephemeral, "PRAGMA synchronous").await, 1, "NORMAL");
    // One file: what one pool writes the other reads.
    ephemeral
        .execute_unprepared(
            "INSERT INTO sessions (id, data, expires_at) VALUES ('x', '{}', '2999-01-01 00:00:00+00:00')",
        )
        .await
        .expect("insert");
    assert_eq!(scalar(&main, "SELECT COUNT(*) FROM sessions").await, 1);
}
