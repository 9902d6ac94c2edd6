//! Loading the holder's cards and applications for the browser: the query wizard and
//! the parent's overview show the same summaries.

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::cards::HolderCard;
use super::{
    ApplicationStatus, ApplicationSummary, CardSummary, TIMELINE, TimelineStep, effective_status,
};
use crate::domain::dates::{taiwan_time, taiwan_today};
use crate::domain::masking::mask_identifier;
use crate::error::AppError;
use crate::server::entities::{
    application_events, print_batches, replacement_applications as applications,
};

/// The holder's applications, newest first, each with its timeline (§1 3d).
///
/// # Errors
/// Database errors.
pub async fn summaries(
    conn: &impl ConnectionTrait,
    holder_id: i32,
) -> Result<Vec<ApplicationSummary>, AppError> {
    let snapshot = crate::server::settings::Snapshot::load(conn).await?;
    summaries_with(conn, &snapshot, holder_id).await
}

/// [`summaries`] with the settings and card types of a cached snapshot: the
/// applications, their events and (once one is in a print batch) the batches: at
/// most three statements.
///
/// # Errors
/// Database errors.
pub async fn summaries_with(
    conn: &impl ConnectionTrait,
    snapshot: &crate::server::settings::Snapshot,
    holder_id: i32,
) -> Result<Vec<ApplicationSummary>, AppError> {
    let ps = snapshot.payment();
    let today = taiwan_today();
    let types = &snapshot.card_types;
    let apps = applications::Entity::find()
        .filter(applications::Column::HolderId.eq(holder_id))
        .order_by_desc(applications::Column::CreatedAt)
        .order_by_desc(applications::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i32> = apps.iter().map(|a| a.id).collect();
    // No application, no timeline to read (most holders who look have none).
    let events = if ids.is_empty() {
        Vec::new()
    } else {
        application_events::Entity::find()
            .filter(application_events::Column::ApplicationId.is_in(ids))
            .order_by_asc(application_events::Column::At)
            .order_by_asc(application_events::Column::Id)
            .all(conn)
            .await?
    };
    let carried = carried_balances(conn, holder_id, &apps).await?;
    let batch_ids: Vec<i32> = apps.iter().filter_map(|a| a.print_batch_id).collect();
    let batches = if batch_ids.is_empty() {
        Vec::new()
    } else {
        print_batches::Entity::find()
            .filter(print_batches::Column::Id.is_in(batch_ids))
            .all(conn)
            .await?
    };
    Ok(apps
        .into_iter()
        .map(|a| {
            let stored =
                ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::AwaitingPayment);
            let status = effective_status(stored, a.due_on, ps.grace_days, today);
            let own: Vec<&application_events::Model> =
                events.iter().filter(|e| e.application_id == a.id).collect();
            let t = types.iter().find(|t| t.code == a.card_type);
            ApplicationSummary {
                serial_no: a.serial_no.clone(),
                card_type_zh: t.map_or_else(|| a.card_type.clone(), |t| t.name_zh.clone()),
                card_type_en: t.map_or_else(|| a.card_type.clone(), |t| t.name_en.clone()),
                status,
                amount: a.amount_due,
                applied_on: taiwan_time(a.created_at).date_naive(),
                due_on: a.due_on,
                paid_on: a.paid_on,
                return_reason: a.return_reason.clone(),
                timeline: timeline(
                    status,
                    &own,
                    a.due_on,
                    ps.grace_days,
                    crate::holder::old_card_required(&a.reason),
                ),
                approved_at: a.reviewed_at.filter(|_| a.review_status == "approved"),
                batched_at: batches
                    .iter()
                    .find(|b| Some(b.id) == a.print_batch_id)
                    .map(|b| b.created_at),
                printed_at: own.iter().find(|e| e.status == "printed").map(|e| e.at),
                mail_no: a.mail_no.clone(),
                carried_balance: carried.get(&a.id).copied(),
                line_pay: false,
            }
        })
        .collect())
}

/// For each stop «掛失並將餘額轉入新卡» with a balance to carry, the application it goes
/// to: the holder's first application made after the stop that was not returned or
/// left unpaid. (application id → NT$)
async fn carried_balances(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    apps: &[applications::Model],
) -> Result<std::collections::HashMap<i32, i32>, AppError> {
    use crate::domain::refund::RefundChoice;
    use crate::server::entities::stop_requests;
    let mut out = std::collections::HashMap::new();
    if apps.is_empty() {
        // No application to carry to: no statement.
        return Ok(out);
    }
    let stops = stop_requests::Entity::find()
        .filter(stop_requests::Column::HolderId.eq(holder_id))
        .filter(stop_requests::Column::Choice.eq(RefundChoice::TransferToNewCard.as_str()))
        .filter(stop_requests::Column::RefundAmount.gt(0))
        .order_by_asc(stop_requests::Column::StoppedAt)
        .all(conn)
        .await?;
    for stop in stops {
        let target = apps
            .iter()
            .filter(|a| a.created_at >= stop.stopped_at && !out.contains_key(&a.id))
            .filter(|a| !matches!(a.status.as_str(), "returned" | "expired"))
            .min_by_key(|a| (a.created_at, a.id));
        if let Some(a) = target {
            out.insert(a.id, stop.refund_amount);
        }
    }
    Ok(out)
}

/// The timeline: every step reached so far with its time, then the steps ahead; a
/// returned or expired application ends with that state.
fn timeline(
    status: ApplicationStatus,
    events: &[&application_events::Model],
    due_on: NaiveDate,
    grace_days: i64,
    needs_old_card: bool,
) -> Vec<TimelineStep> {
    let reached = |s: ApplicationStatus| events.iter().rev().find(|e| e.status == s.as_str());
    let mut steps: Vec<TimelineStep> = Vec::new();
    let ended = matches!(
        status,
        ApplicationStatus::Returned | ApplicationStatus::Expired
    );
    // «處理中» is a step of its own only where the old card must come back first.
    let road = TIMELINE.into_iter().flat_map(|s| {
        if s == ApplicationStatus::Printing && needs_old_card {
            vec![ApplicationStatus::Processing, s]
        } else {
            vec![s]
        }
    });
    for s in road {
        match reached(s) {
            Some(e) => steps.push(TimelineStep {
                status: s,
                at: Some(e.at),
                note: e.note.clone(),
            }),
            None if ended => break,
            None => steps.push(TimelineStep {
                status: s,
                at: None,
                note: None,
            }),
        }
    }
    match status {
        ApplicationStatus::Returned => {
            let e = reached(status);
            steps.push(TimelineStep {
                status,
                at: e.map(|e| e.at),
                note: e.and_then(|e| e.note.clone()),
            });
        }
        ApplicationStatus::Expired => {
            // When the expiry job moved it; before that, the day it lapsed.
            let expired_on = due_on + Duration::days(grace_days + 1);
            steps.push(TimelineStep {
                status,
                at: reached(status).map(|e| e.at).or_else(|| {
                    expired_on
                        .and_hms_opt(0, 0, 0)
                        .map(|t| t.and_utc() - Duration::hours(8))
                }),
                note: None,
            });
        }
        _ => {}
    }
    steps
}

/// One of a holder's cards as the query wizard (and a bound parent) sees it.
pub fn card_summary(school_name: &str, c: HolderCard) -> CardSummary {
    CardSummary {
        card_type_zh: c.type_zh,
        card_type_en: c.type_en,
        status: c.status,
        school_name: school_name.to_owned(),
        outer_no_masked: mask_identifier(&c.card.outer_no),
        applied_on: c.card.issued_on,
        fee: c.fee,
        paid_on: None,
        stopped_at: c.card.stopped_at,
        refund_choice: c.stop_choice,
        refund: c.stop_refund,
    }
}
