//! Writing the audit trail from a feature: one row per action, a refused request
//! committed with its own row before the 403, and a notice handed to the outbox at once.

use sea_orm::ConnectionTrait;

use crate::server::db::WriteTxn;

use crate::error::AppError;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{ClientContext, internal};
use crate::server::outbox;

pub async fn record(
    conn: &impl ConnectionTrait,
    client: Option<&ClientContext>,
    actor: Actor,
    action: &str,
    subject: Option<String>,
    result: &str,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        conn,
        client,
        AuditEvent {
            actor,
            action,
            subject,
            result,
            detail: Some(detail),
        },
    )
    .await
    .map_err(internal)
}

/// Records a refused request (a security event), commits it and returns 403.
pub async fn deny(
    txn: WriteTxn,
    client: Option<&ClientContext>,
    actor: Actor,
    action: &str,
    reason: &str,
) -> AppError {
    let recorded = record(
        &txn,
        client,
        actor,
        action,
        None,
        "denied",
        serde_json::json!({ "reason": reason }),
    )
    .await;
    match recorded {
        Ok(()) => match txn.commit().await {
            Ok(()) => AppError::Forbidden,
            Err(e) => internal(e),
        },
        Err(e) => e,
    }
}

/// Tries to send a queued notification now; a failure leaves it to the outbox worker's
/// retries and does not undo the change it reports.
pub async fn deliver_notice(state: &AppState, message_id: &str) {
    if let Err(e) = outbox::deliver(state, message_id).await {
        tracing::warn!(error = %e, "parent notification not delivered");
    }
}
