//! Binding requests, the homeroom teacher's side: list, approve, return, remove.

use super::*;

// ---------------------------------------------------------------------------------
// Binding requests: the back office's side

pub(super) fn staff_row(
    state: &AppState,
    d: &Described,
    parent: &parent_accounts::Model,
) -> Result<StaffBindingRow, AppError> {
    let row = d.row();
    Ok(StaffBindingRow {
        id: row.id,
        status: row.status,
        relationship: row.relationship,
        school_name: row.school_name,
        class_name: row.class_name,
        seat_no: d.holder.seat_no,
        student_no: d.holder.student_no.clone(),
        child_name: d.holder.name.clone(),
        parent_display_name: parent.display_name.clone(),
        parent_contact_masked: account_contact(state, parent)?.masked(),
        requested_on: row.requested_on,
        return_reason: row.return_reason,
        decided_at: row.decided_at,
    })
}

/// The binding requests in the staff member's scope, oldest first (the approval
/// queue reads top to bottom).
///
/// # Errors
/// `Forbidden` for an unknown staff member; database errors.
pub async fn list_binding_requests(
    state: &AppState,
    staff_id: i32,
    filter: BindingFilter,
) -> Result<Vec<StaffBindingRow>, AppError> {
    let db = &state.db;
    let staff_user = staff_user(db, staff_id).await?;
    let mut q = binding_requests::Entity::find();
    if let Some(s) = filter.status {
        q = q.filter(binding_requests::Column::Status.eq(s.as_str()));
    }
    let scope = match staff_scope::Scope::of(&staff_user).ok_or(AppError::Forbidden)? {
        staff_scope::Scope::All => None,
        scope => Some(scope.holders_condition()),
    };
    if let Some(scope) = scope {
        let ids: Vec<i32> = holders::Entity::find()
            .filter(scope)
            .select_only()
            .column(holders::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        q = q.filter(binding_requests::Column::HolderId.is_in(ids));
    }
    let requests = q
        .order_by_asc(binding_requests::Column::CreatedAt)
        .order_by_asc(binding_requests::Column::Id)
        .all(db)
        .await?;
    let parent_ids: Vec<i32> = requests.iter().map(|r| r.parent_id).collect();
    let parents: HashMap<i32, parent_accounts::Model> = parent_accounts::Entity::find()
        .filter(parent_accounts::Column::Id.is_in(parent_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    describe(db, requests)
        .await?
        .iter()
        .map(|d| {
            let parent = parents
                .get(&d.request.parent_id)
                .ok_or(AppError::Internal)?;
            staff_row(state, d, parent)
        })
        .collect()
}

/// What a staff decision changes.
#[derive(Clone, Copy)]
pub(super) enum Decision<'a> {
    Approve,
    Return(&'a str),
    Remove(&'a str),
}

pub(super) fn checked_reason(reason: &str) -> Result<&str, AppError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(AppError::field("reason", "required"))
    } else if r.chars().count() > REASON_MAX {
        Err(AppError::field("reason", "too_long"))
    } else {
        Ok(r)
    }
}

pub(super) async fn decide(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    decision: Decision<'_>,
) -> Result<StaffBindingRow, AppError> {
    let (action, from, to, template) = match decision {
        Decision::Approve => (
            "binding.approve",
            BindingStatus::Pending,
            BindingStatus::Approved,
            "parent_binding_approved",
        ),
        Decision::Return(_) => (
            "binding.return",
            BindingStatus::Pending,
            BindingStatus::Returned,
            "parent_binding_returned",
        ),
        Decision::Remove(_) => (
            "binding.remove",
            BindingStatus::Approved,
            BindingStatus::Removed,
            "parent_binding_removed",
        ),
    };
    let now = Utc::now();
    let txn = begin_write(&state.db).await?;
    let staff_user = staff_user(&txn, staff_id).await?;
    let request = binding_requests::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    if !staff_scope::covers(&staff_user, &holder) {
        return Err(deny(txn, client, Actor::Staff(staff_id), action, "out_of_scope").await);
    }
    if request.status != from.as_str() {
        return Err(AppError::Conflict(
            if from == BindingStatus::Pending {
                "not_pending"
            } else {
                "not_bound"
            }
            .into(),
        ));
    }
    let parent = parent_accounts::Entity::find_by_id(request.parent_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    let mut active: binding_requests::ActiveModel = request.clone().into();
    active.status = Set(to.as_str().into());
    active.updated_at = Set(now);
    match decision {
        Decision::Approve => {
            active.decided_by_staff_id = Set(Some(staff_id));
            active.decided_at = Set(Some(now));
        }
        Decision::Return(reason) => {
            active.decided_by_staff_id = Set(Some(staff_id));
            active.decided_at = Set(Some(now));
            active.return_reason = Set(Some(reason.to_owned()));
        }
        Decision::Remove(reason) => {
            active.end_reason = Set(Some(reason.to_owned()));
            active.ended_at = Set(Some(now));
        }
    }
    let updated = active.update(&txn).await?;
    record(
        &txn,
        client,
        Actor::Staff(staff_id),
        action,
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "binding_id": request_id,
            "parent_id": parent.id,
            "from": from.as_str(),
            "to": to.as_str(),
        }),
    )
    .await?;
    let described = describe(&txn, vec![updated])
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    let row = described.row();
    let contact = account_contact(state, &parent)?;
    let message_id = outbox::enqueue(
        &txn,
        &state.cipher,
        NewMessage {
            channel: channel_of(&contact),
            recipient: contact.value(),
            template,
            // The teacher decides: the parent's stored language.
            lang: outbox::lang::of_account(&parent),
            payload: serde_json::json!({
                "masked_name": row.masked_name,
                "school_name": row.school_name,
                "requested_on": crate::domain::dates::iso_date(row.requested_on),
                // The reason of a protection case stays with the school.
                "reason": match decision {
                    Decision::Return(r) => r,
                    _ => "",
                },
            }),
        },
    )
    .await?;
    let staff_view = staff_row(state, &described, &parent)?;
    txn.commit().await?;
    deliver_notice(state, &message_id).await;
    Ok(staff_view)
}

/// «核可»: a pending request becomes a binding; the parent is told.
///
/// # Errors
/// `Forbidden` (unknown staff member or a child outside their scope — audited),
/// `NotFound`, `Conflict("not_pending")`.
pub async fn approve_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
) -> Result<StaffBindingRow, AppError> {
    decide(state, client, staff_id, request_id, Decision::Approve).await
}

/// «退回» with a reason, which the parent is told.
///
/// # Errors
/// `Validation` (`reason` → `required|too_long`), else as [`approve_binding`].
pub async fn return_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    reason: &str,
) -> Result<StaffBindingRow, AppError> {
    let reason = checked_reason(reason)?;
    decide(
        state,
        client,
        staff_id,
        request_id,
        Decision::Return(reason),
    )
    .await
}

/// Ends a binding by staff (protection cases). The reason is kept and audited but not
/// sent to the parent, who is only told that the school removed the binding.
///
/// # Errors
/// `Validation` (`reason`), `Forbidden`, `NotFound`, `Conflict("not_bound")`.
pub async fn remove_binding(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    binding_id: i32,
    reason: &str,
) -> Result<StaffBindingRow, AppError> {
    let reason = checked_reason(reason)?;
    decide(
        state,
        client,
        staff_id,
        binding_id,
        Decision::Remove(reason),
    )
    .await
}
