//! Releasing claims of the outbox worker whose sender is gone: a claim older than the
//! in-flight timeout (its worker died, or hangs), and at start the claims this
//! instance's previous run left behind (see `worker`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::status;
use super::worker::{no_one, no_time, without_secrets};
use crate::server::context::AppState;
use crate::server::entities::outbox;

/// Claims older than the in-flight timeout: their worker died mid-send. The message is
/// due again at once (or dead, if that was its last attempt).
pub(super) async fn take_over_stale_claims(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<u32, DbErr> {
    let stale = outbox::Column::InFlightSince.lte(now - state.delivery.policy.in_flight_timeout);
    release_claims(
        state,
        stale,
        "interrupted: the worker stopped while sending",
    )
    .await
}

/// At the start of `server serve`, before anything is claimed: the claims this
/// instance's previous run left behind (it was killed or crashed mid-send) are due
/// again at once (or dead, if that was their last attempt). Their number.
///
/// # Errors
/// Database errors.
pub async fn release_own_claims(state: &AppState) -> Result<u32, DbErr> {
    let ours = outbox::Column::ClaimedBy.eq(state.config.instance_id.clone());
    release_claims(state, ours, "interrupted: the server stopped while sending").await
}

/// Puts the in-flight messages matching `which` back to `pending` (or `dead` after
/// their last attempt), each conditional on its claim being unchanged.
async fn release_claims(state: &AppState, which: Expr, reason: &str) -> Result<u32, DbErr> {
    let policy = &state.delivery.policy;
    let stale = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(status::IN_FLIGHT))
        .filter(which)
        .all(&state.db)
        .await?;
    let mut taken = 0;
    for row in stale {
        let update = outbox::Entity::update_many()
            .col_expr(outbox::Column::InFlightSince, Expr::value(no_time()))
            .col_expr(outbox::Column::ClaimedBy, Expr::value(no_one()))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(no_time()))
            .col_expr(outbox::Column::LastError, Expr::value(reason))
            .filter(outbox::Column::Id.eq(row.id.clone()))
            .filter(outbox::Column::Status.eq(status::IN_FLIGHT))
            .filter(outbox::Column::Attempts.eq(row.attempts));
        let update = if row.attempts >= policy.max_attempts {
            let (payload, removed) = without_secrets(&row.payload);
            update
                .col_expr(outbox::Column::Status, Expr::value(status::DEAD))
                .col_expr(outbox::Column::Payload, Expr::value(payload))
                .col_expr(
                    outbox::Column::SecretsRemoved,
                    Expr::value(row.secrets_removed || removed),
                )
        } else {
            update.col_expr(outbox::Column::Status, Expr::value(status::PENDING))
        };
        if update.exec(&state.db).await?.rows_affected == 1 {
            tracing::warn!(message = %row.id, attempts = row.attempts, %reason, "outbox claim released");
            taken += 1;
        }
    }
    Ok(taken)
}
