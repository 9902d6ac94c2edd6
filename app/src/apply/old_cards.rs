//! The issuer's "card still here: reissue" (issue 17 item 3, iPASS): for a damaged card
//! or a name change the holder mails the old card back with the «處理作業單»; a paid
//! and approved application waits in «處理中» until the issuer confirms the old card
//! arrived (`POST /api/v1/old-cards`, the issuer's key), then goes to the print centre
//! («等待印卡回應») with a message to the applicant. A confirmation for an application
//! not yet paid or approved is kept: it goes straight to the print centre later.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use crate::holder::{ApplicationStatus, old_card_required};
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::ClientContext;
use crate::server::db::begin_write;
use crate::server::entities::{
    application_events, cards, replacement_applications as applications,
};

/// One old card the issuer received.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OldCardRecord {
    /// The application's serial number («申請序號»).
    pub serial: String,
    /// When it arrived (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// What became of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OldCardOutcome {
    /// Recorded; a waiting application went on to the print centre.
    Received,
    /// Already recorded: nothing changed.
    Unchanged,
    /// No application with this serial.
    Unknown,
    /// A lost card: no old card was to come back.
    NotRequired,
}

#[derive(Clone, Debug, Serialize)]
pub struct OldCardResult {
    pub index: usize,
    pub serial: String,
    pub outcome: OldCardOutcome,
    /// The application's status afterwards (`processing`, `printing`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct OldCardReport {
    pub received: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub results: Vec<OldCardResult>,
}

/// Records the old cards in one transaction (each audited; a waiting application
/// moves «處理中» → «等待印卡回應» with its timeline step and message). Repeating a
/// list changes nothing.
///
/// # Errors
/// Database errors (nothing is then written).
pub async fn confirm_old_cards(
    state: &crate::server::AppState,
    records: &[OldCardRecord],
    actor: Actor,
    client: Option<&ClientContext>,
) -> Result<OldCardReport, DbErr> {
    let txn = begin_write(&state.db).await?;
    let now = Utc::now();
    let mut report = OldCardReport::default();
    for (i, r) in records.iter().enumerate() {
        let serial = r.serial.trim().to_owned();
        let found = applications::Entity::find()
            .filter(applications::Column::SerialNo.eq(serial.clone()))
            .one(&txn)
            .await?;
        let (outcome, status) = match found {
            None => (OldCardOutcome::Unknown, None),
            Some(a) if !old_card_required(&a.reason) => {
                (OldCardOutcome::NotRequired, Some(a.status))
            }
            Some(a) if a.old_card_received_at.is_some() => {
                (OldCardOutcome::Unchanged, Some(a.status))
            }
            Some(a) => {
                // Conditional on no confirmation yet: of two lists at once, one records it.
                let at = r.at.unwrap_or(now).min(now);
                let claimed = applications::Entity::update_many()
                    .col_expr(applications::Column::OldCardReceivedAt, Expr::value(at))
                    .filter(applications::Column::Id.eq(a.id))
                    .filter(applications::Column::OldCardReceivedAt.is_null())
                    .exec(&txn)
                    .await?
                    .rows_affected
                    == 1;
                if !claimed {
                    (OldCardOutcome::Unchanged, Some(a.status))
                } else {
                    // The old card is with the issuer now: it is no longer in use (a
                    // reissue never needed a stop while the card was in hand).
                    crate::server::model::card::stop_live(
                        &txn,
                        Condition::all().add(cards::Column::HolderId.eq(a.holder_id)),
                        at,
                        now,
                    )
                    .await?;
                    let moved = a.status == ApplicationStatus::Processing.as_str();
                    let mut status = a.status.clone();
                    if moved {
                        let to = ApplicationStatus::Printing;
                        let mut row: applications::ActiveModel = a.clone().into();
                        row.status = Set(to.as_str().into());
                        row.old_card_received_at = Set(Some(at));
                        row.updated_at = Set(now);
                        let updated = row.update(&txn).await?;
                        application_events::ActiveModel {
                            application_id: Set(a.id),
                            status: Set(to.as_str().into()),
                            note: Set(Some("old_card_received".into())),
                            at: Set(now),
                            ..Default::default()
                        }
                        .insert(&txn)
                        .await?;
                        crate::holder::notices::queue_application_status(
                            &txn,
                            &state.cipher,
                            &updated,
                            to,
                            None,
                            None,
                        )
                        .await?;
                        status = to.as_str().to_owned();
                    }
                    audit::record(
                        &txn,
                        client,
                        AuditEvent {
                            actor: actor.clone(),
                            action: "application.old_card",
                            subject: Some(serial.clone()),
                            result: "ok",
                            detail: Some(serde_json::json!({
                                "received_at": at.to_rfc3339(),
                                "from": a.status,
                                "to": status,
                            })),
                        },
                    )
                    .await?;
                    (OldCardOutcome::Received, Some(status))
                }
            }
        };
        match outcome {
            OldCardOutcome::Received => report.received += 1,
            OldCardOutcome::Unchanged => report.unchanged += 1,
            _ => report.rejected += 1,
        }
        report.results.push(OldCardResult {
            index: i + 1,
            serial,
            outcome,
            status,
        });
    }
    txn.commit().await?;
    Ok(report)
}
