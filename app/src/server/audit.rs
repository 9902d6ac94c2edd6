//! The append-only audit log (SPEC §7): one row per state change or security event,
//! written in the same transaction as the change it records.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use super::context::ClientContext;
use super::entities::audit_log;

/// Who acted.
#[derive(Clone, Debug)]
pub enum Actor {
    /// Someone in a card wizard (before or after identity verification).
    Visitor,
    /// A verified card holder's session, by holder row id.
    Holder(i32),
    /// A parent account («家長專區»), by account row id.
    Parent(i32),
    /// A back-office account.
    Staff(i32),
    /// The command line (`server import-roster`, `add-user`).
    Cli,
    System,
    /// The card issuer's system (`/api/v1/payments`).
    Issuer,
    /// The print centre's system (`/api/v1/print-*`).
    PrintCentre,
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Actor::Visitor => ("visitor", None),
            Actor::Holder(id) => ("holder", Some(id.to_string())),
            Actor::Parent(id) => ("parent", Some(id.to_string())),
            Actor::Staff(id) => ("staff", Some(id.to_string())),
            Actor::Cli => ("cli", None),
            Actor::System => ("system", None),
            Actor::Issuer => ("issuer", None),
            Actor::PrintCentre => ("print_centre", None),
        }
    }

    /// The kind of actor as the audit log names it (`cli`, `issuer`, …).
    pub fn kind(&self) -> &'static str {
        self.parts().0
    }
}

/// One audit row to write.
pub struct AuditEvent<'a> {
    pub actor: Actor,
    pub action: &'a str,
    /// Masked subject (e.g. `A12345****`); never a clear identifier.
    pub subject: Option<String>,
    /// `ok`, `denied`, `failed`, `locked`, `rate_limited`, …
    pub result: &'a str,
    /// Before → after, or other detail, without PII.
    pub detail: Option<serde_json::Value>,
}

/// Appends an audit row on `conn` (pass the transaction of the change it records).
///
/// # Errors
/// Database errors; the caller's transaction then rolls back with the change.
pub async fn record(
    conn: &impl ConnectionTrait,
    client: Option<&ClientContext>,
    event: AuditEvent<'_>,
) -> Result<(), DbErr> {
    let (actor_kind, actor_id) = event.actor.parts();
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        request_id: Set(client
            .map(|c| c.request_id.clone())
            .unwrap_or_else(|| "-".into())),
        actor_kind: Set(actor_kind.into()),
        actor_id: Set(actor_id),
        action: Set(event.action.into()),
        subject: Set(event.subject),
        result: Set(event.result.into()),
        detail: Set(event.detail.map(|d| d.to_string())),
        client_ip: Set(client.map(|c| c.ip.clone())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
