//! «訊息發送服務», afterwards: the notices sent in the staff member's scope and each
//! one's delivery status per parent and channel, read from the outbox rows its
//! delivery rows name (`pending` / `in_flight` «待發送», `sent` «已發送», `dead`
//! «發送失敗»). A notice outside the scope is refused (403, audited).

use std::collections::BTreeMap;

use super::notices::{audience_holders, bound_parents, count};
use super::*;
use crate::school::notice::{
    ChannelDelivery, DeliveryState, NoticeRow, NoticeStatus, ParentDelivery, grade_of,
};
use crate::server::entities::{
    parent_accounts, school_notice_deliveries as deliveries, school_notices,
};

/// Notices listed on the page.
const LISTED: u64 = 100;

/// What an outbox status means to the sender.
fn delivery_state(status: &str) -> DeliveryState {
    match status {
        outbox_status::SENT => DeliveryState::Sent,
        outbox_status::DEAD => DeliveryState::Failed,
        _ => DeliveryState::Queued,
    }
}

/// The delivery rows of `notices` with the state of each message.
async fn delivery_states(
    conn: &impl ConnectionTrait,
    notices: Vec<i32>,
) -> Result<Vec<(deliveries::Model, Option<DeliveryState>)>, AppError> {
    let rows = deliveries::Entity::find()
        .filter(deliveries::Column::NoticeId.is_in(notices))
        .order_by_asc(deliveries::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<String> = rows.iter().filter_map(|d| d.outbox_id.clone()).collect();
    let statuses: HashMap<String, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .column(outbox::Column::Status)
            .filter(outbox::Column::Id.is_in(ids))
            .into_tuple::<(String, String)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|d| {
            let state = d
                .outbox_id
                .as_ref()
                .map(|id| delivery_state(statuses.get(id).map_or("", String::as_str)));
            (d, state)
        })
        .collect())
}

/// The list rows of `notices`, in their order.
async fn notice_rows(
    conn: &impl ConnectionTrait,
    notices: &[school_notices::Model],
) -> Result<Vec<NoticeRow>, AppError> {
    let states = delivery_states(conn, notices.iter().map(|n| n.id).collect()).await?;
    let schools: HashMap<i32, String> = schools::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let class_ids: Vec<i32> = notices.iter().filter_map(|n| n.class_id).collect();
    let classes: HashMap<i32, String> = classes::Entity::find()
        .filter(classes::Column::Id.is_in(class_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let staff_ids: Vec<i32> = notices.iter().map(|n| n.sent_by).collect();
    let senders: HashMap<i32, String> = staff_users::Entity::find()
        .filter(staff_users::Column::Id.is_in(staff_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(notices
        .iter()
        .map(|n| {
            let mine = states.iter().filter(|(d, _)| d.notice_id == n.id);
            let mut parents: Vec<i32> = mine.clone().map(|(d, _)| d.parent_id).collect();
            parents.sort_unstable();
            parents.dedup();
            let of =
                |want: DeliveryState| count(mine.clone().filter(|(_, s)| *s == Some(want)).count());
            NoticeRow {
                id: n.id,
                created_at: n.created_at,
                school_name: schools.get(&n.school_id).cloned().unwrap_or_default(),
                class_name: n.class_id.and_then(|id| classes.get(&id).cloned()),
                level: n.level.clone(),
                title: n.title.clone(),
                sent_by: senders.get(&n.sent_by).cloned().unwrap_or_default(),
                parents: count(parents.len()),
                queued: of(DeliveryState::Queued),
                sent: of(DeliveryState::Sent),
                failed: of(DeliveryState::Failed),
            }
        })
        .collect())
}

/// Whether a notice is in the staff member's scope: a teacher's class, an officer's
/// school, any for operators.
fn in_scope(staff: &Staff, n: &school_notices::Model) -> bool {
    match staff.scope {
        Scope::All => true,
        Scope::School { school_id } => n.school_id == school_id,
        Scope::Class {
            school_id,
            class_id,
        } => n.school_id == school_id && n.class_id == Some(class_id),
    }
}

/// The notices in the staff member's scope, newest first (the last 100).
///
/// # Errors
/// `Unauthorized`.
pub async fn list_notices(cx: &CallContext) -> Result<Vec<NoticeRow>, AppError> {
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let mut q = school_notices::Entity::find();
    match staff.scope {
        Scope::All => {}
        Scope::School { school_id } => q = q.filter(school_notices::Column::SchoolId.eq(school_id)),
        Scope::Class {
            school_id,
            class_id,
        } => {
            q = q
                .filter(school_notices::Column::SchoolId.eq(school_id))
                .filter(school_notices::Column::ClassId.eq(class_id));
        }
    }
    let notices = q
        .order_by_desc(school_notices::Column::CreatedAt)
        .order_by_desc(school_notices::Column::Id)
        .limit(LISTED)
        .all(db)
        .await?;
    notice_rows(db, &notices).await
}

/// One notice's delivery status per parent and channel, parents by their children.
///
/// # Errors
/// `Unauthorized`, `NotFound`, `Forbidden` (a notice outside the scope, audited).
pub async fn notice_status(cx: &CallContext, id: i32) -> Result<NoticeStatus, AppError> {
    const ACTION: &str = "notice.status";
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let notice = school_notices::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !in_scope(&staff, &notice) {
        return Err(deny(cx, &staff, ACTION, Some(format!("notice:{id}"))).await);
    }
    let row = notice_rows(db, std::slice::from_ref(&notice))
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    let states = delivery_states(db, vec![notice.id]).await?;
    let mut per_parent: BTreeMap<i32, Vec<ChannelDelivery>> = BTreeMap::new();
    for (d, state) in states {
        let entry = per_parent.entry(d.parent_id).or_default();
        if let (Some(channel), Some(state)) = (d.channel, state) {
            entry.push(ChannelDelivery { channel, state });
        }
    }
    let parent_ids: Vec<i32> = per_parent.keys().copied().collect();
    let names: HashMap<i32, String> = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::Id.is_in(parent_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect();
    // The children the notice reached each parent through (as bound now).
    let level_classes: Option<Vec<i32>> = match &notice.level {
        Some(level) => Some(
            classes::Entity::find()
                .filter(classes::Column::SchoolId.eq(notice.school_id))
                .all(db)
                .await?
                .into_iter()
                .filter(|c| grade_of(&c.name).as_deref() == Some(level.as_str()))
                .map(|c| c.id)
                .collect(),
        ),
        None => None,
    };
    let holders = audience_holders(
        db,
        notice.school_id,
        notice.class_id,
        level_classes.as_deref(),
    )
    .await?;
    let class_names: HashMap<i32, String> = classes::Entity::find()
        .filter(classes::Column::SchoolId.eq(notice.school_id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let bound = bound_parents(db, holders.keys().copied().collect()).await?;
    let mut parents: Vec<ParentDelivery> = per_parent
        .into_iter()
        .map(|(parent_id, channels)| {
            let mut children: Vec<String> = bound
                .get(&parent_id)
                .into_iter()
                .flatten()
                .filter_map(|h| holders.get(h))
                .map(|h| {
                    let class = class_names.get(&h.class_id).cloned().unwrap_or_default();
                    format!("{} {class}", mask_name(&h.name))
                })
                .collect();
            children.sort();
            ParentDelivery {
                parent_name: names.get(&parent_id).cloned().unwrap_or_default(),
                children,
                channels,
            }
        })
        .collect();
    parents.sort_by(|a, b| (&a.children, &a.parent_name).cmp(&(&b.children, &b.parent_name)));
    Ok(NoticeStatus {
        notice: row,
        body: notice.body,
        parents,
    })
}
