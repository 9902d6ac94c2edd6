//! `GET /api/v1/health` without a database round trip per call (Performance issue
//! item 3): a background probe runs `SELECT 1` every [`PROBE_EVERY`] and the handler
//! reads its last answer. A probe that stopped answering (a database that hangs
//! rather than refuses) reads as unreachable once its answer is [`STALE_AFTER`] old.
//! The write path is the pool's own watch (`db::write_health`), updated by every
//! failing or recovering commit, so a broken write path still shows at once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use crate::web::WebState;

const PROBE_EVERY: Duration = Duration::from_secs(2);
const STALE_AFTER_SECS: i64 = 10;

/// The database probe's last answer.
#[derive(Default)]
pub(crate) struct DbProbe {
    ok: AtomicBool,
    /// Unix seconds of the last answer (0: none yet).
    at: AtomicI64,
}

impl DbProbe {
    /// Probes once now, then every [`PROBE_EVERY`] in the background.
    pub(crate) async fn start(db: DatabaseConnection) -> Arc<Self> {
        let probe = Arc::new(Self::default());
        probe.check(&db).await;
        let p = probe.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROBE_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let answered = tokio::time::timeout(PROBE_EVERY * 2, p.check(&db))
                    .await
                    .is_ok();
                if !answered {
                    p.ok.store(false, Ordering::Relaxed);
                }
            }
        });
        probe
    }

    async fn check(&self, db: &DatabaseConnection) {
        let ok = db.execute_unprepared("SELECT 1").await.is_ok();
        self.ok.store(ok, Ordering::Relaxed);
        self.at
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }

    fn reachable(&self) -> bool {
        let fresh =
            chrono::Utc::now().timestamp() - self.at.load(Ordering::Relaxed) <= STALE_AFTER_SECS;
        fresh && self.ok.load(Ordering::Relaxed)
    }
}

pub(crate) async fn health(State(state): State<WebState>) -> Response {
    let db_ok = state.db_probe.reachable();
    let writes_ok = !app::server::db::write_health().is_failing();
    let ok = db_ok && writes_ok;
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({
            "status": if ok { "ok" } else { "degraded" },
            "database": if db_ok { "ok" } else { "unreachable" },
            "writes": if writes_ok { "ok" } else { "failing" },
        })),
    )
        .into_response()
}
