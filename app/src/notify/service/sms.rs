//! «到離校簡訊服務»: subscriptions, the parent's cancellation request, the teacher's review.

use super::*;

// ---------------------------------------------------------------------------------
// «到離校簡訊服務»

pub(super) fn sms_mobile_aad(holder_id: i32) -> String {
    format!("sms_subscriptions.mobile:{holder_id}")
}

/// Adds a term of the paid SMS service for a holder (the school's order, from the
/// command line or demo data). Returns the subscription id.
///
/// # Errors
/// `Validation` (`mobile`), database errors.
pub async fn add_sms_subscription(
    state: &AppState,
    holder_id: i32,
    mobile: &str,
    term_name: &str,
    period: (NaiveDate, NaiveDate),
) -> Result<i32, AppError> {
    let mobile = match ParentContact::parse(mobile) {
        Ok(ParentContact::Mobile(m)) => m,
        _ => return Err(AppError::field("mobile", "format")),
    };
    let now = Utc::now();
    let row = sms_subscriptions::ActiveModel {
        holder_id: Set(holder_id),
        parent_id: Set(None),
        mobile_enc: Set(state.cipher.encrypt(&mobile, &sms_mobile_aad(holder_id))),
        term_name: Set(term_name.to_owned()),
        period_start: Set(period.0),
        period_end: Set(period.1),
        arrival: Set(true),
        departure: Set(true),
        applied_on: Set(taiwan_day(now)),
        cancelled_from: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    Ok(row.id)
}

/// The mobile number of an SMS subscription.
///
/// # Errors
/// `Internal` when it cannot be decrypted.
pub fn sms_mobile(state: &AppState, s: &sms_subscriptions::Model) -> Result<String, AppError> {
    state
        .cipher
        .decrypt(&s.mobile_enc, &sms_mobile_aad(s.holder_id))
        .map_err(internal)
}

pub(super) async fn latest_cancellation(
    conn: &impl ConnectionTrait,
    subscription_id: i32,
) -> Result<Option<sms_cancellations::Model>, AppError> {
    sms_cancellations::Entity::find()
        .filter(sms_cancellations::Column::SubscriptionId.eq(subscription_id))
        .order_by_desc(sms_cancellations::Column::RequestedAt)
        .order_by_desc(sms_cancellations::Column::Id)
        .one(conn)
        .await
        .map_err(internal)
}

pub(super) async fn sms_rows_of(
    state: &AppState,
    parent_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let db = &state.db;
    let mut rows = Vec::new();
    for b in binding_request::own_requests(db, parent_id, Some(BindingStatus::Approved)).await? {
        let (holder, school, class) = holder_school_class(db, b.holder_id).await?;
        let subs = sms_subscriptions::Entity::find()
            .filter(sms_subscriptions::Column::HolderId.eq(holder.id))
            .order_by_desc(sms_subscriptions::Column::PeriodStart)
            .all(db)
            .await?;
        for s in subs {
            let latest = latest_cancellation(db, s.id).await?;
            let status = if s.cancelled_from.is_some() {
                SmsStatus::Cancelled
            } else if latest.as_ref().is_some_and(|c| c.status == "pending") {
                SmsStatus::CancelPending
            } else {
                SmsStatus::Active
            };
            let reject_reason = latest
                .filter(|c| c.status == "rejected")
                .and_then(|c| c.reject_reason);
            rows.push(SmsSubscriptionRow {
                id: s.id,
                masked_name: mask_name(&holder.name),
                school_name: school.name.clone(),
                class_name: class.name.clone(),
                term_name: s.term_name.clone(),
                period_start: s.period_start,
                period_end: s.period_end,
                arrival: s.arrival,
                departure: s.departure,
                mobile_masked: mask_mobile(&sms_mobile(state, &s)?),
                status,
                cancelled_from: s.cancelled_from,
                reject_reason,
            });
        }
    }
    Ok(rows)
}

/// «到離校簡訊服務»: the SMS subscriptions of the parent's bound children.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`.
pub async fn sms_subscriptions(cx: &CallContext) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    sms_rows_of(&cx.state, account.id).await
}

/// The subscription `id` if it belongs to a child the parent is bound to; otherwise
/// the refusal is audited and 403 returned.
pub(super) async fn own_sms_subscription(
    cx: &CallContext,
    txn: crate::server::db::WriteTxn,
    parent_id: i32,
    id: i32,
    action: &str,
) -> Result<(crate::server::db::WriteTxn, sms_subscriptions::Model), AppError> {
    let sub = sms_subscriptions::Entity::find_by_id(id).one(&txn).await?;
    let bound = match &sub {
        Some(s) => binding_requests::Entity::find()
            .filter(binding_requests::Column::ParentId.eq(parent_id))
            .filter(binding_requests::Column::HolderId.eq(s.holder_id))
            .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
            .one(&txn)
            .await?
            .is_some(),
        None => false,
    };
    match sub {
        Some(s) if bound => Ok((txn, s)),
        _ => Err(audit_trail::deny(
            txn,
            Some(&cx.client),
            Actor::Parent(parent_id),
            action,
            "not_bound",
        )
        .await),
    }
}

/// «註銷»: asks the homeroom teacher to cancel an SMS subscription.
///
/// # Errors
/// `Forbidden` (not a bound child's), `Conflict` (`already_cancelled`,
/// `already_pending`), `Unauthorized`.
pub async fn request_sms_cancellation(
    cx: &CallContext,
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await?;
    let (txn, sub) =
        own_sms_subscription(cx, txn, account.id, subscription_id, "sms.cancel").await?;
    if sub.cancelled_from.is_some() {
        return Err(AppError::Conflict("already_cancelled".into()));
    }
    if latest_cancellation(&txn, sub.id)
        .await?
        .is_some_and(|c| c.status == "pending")
    {
        return Err(AppError::Conflict("already_pending".into()));
    }
    let now = Utc::now();
    let row = sms_cancellations::ActiveModel {
        subscription_id: Set(sub.id),
        parent_id: Set(account.id),
        status: Set(CancellationStatus::Pending.as_str().into()),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "sms.cancel",
        Some(sub.term_name.clone()),
        "ok",
        serde_json::json!({ "subscription_id": sub.id, "request_id": row.id, "to": "pending" }),
    )
    .await?;
    txn.commit().await?;
    sms_rows_of(state, account.id).await
}

/// «取消註銷»: withdraws a pending cancellation request.
///
/// # Errors
/// `Forbidden`, `Conflict("not_pending")`, `Unauthorized`.
pub async fn withdraw_sms_cancellation(
    cx: &CallContext,
    subscription_id: i32,
) -> Result<Vec<SmsSubscriptionRow>, AppError> {
    let account = current(cx, false).await?;
    let state = &cx.state;
    let txn = begin_write(&state.db).await?;
    let (txn, sub) =
        own_sms_subscription(cx, txn, account.id, subscription_id, "sms.withdraw").await?;
    let Some(pending) = latest_cancellation(&txn, sub.id)
        .await?
        .filter(|c| c.status == "pending")
    else {
        return Err(AppError::Conflict("not_pending".into()));
    };
    let request_id = pending.id;
    let mut active: sms_cancellations::ActiveModel = pending.into();
    active.status = Set(CancellationStatus::Withdrawn.as_str().into());
    active.decided_at = Set(Some(Utc::now()));
    active.update(&txn).await?;
    audit_trail::record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "sms.withdraw",
        Some(sub.term_name.clone()),
        "ok",
        serde_json::json!({ "subscription_id": sub.id, "request_id": request_id, "from": "pending", "to": "withdrawn" }),
    )
    .await?;
    txn.commit().await?;
    sms_rows_of(state, account.id).await
}

/// Back office «簡訊註銷審核»: the requests in the staff member's scope.
///
/// # Errors
/// `Forbidden` (unknown staff member).
pub async fn list_sms_cancellations(
    state: &AppState,
    staff_id: i32,
    status: Option<CancellationStatus>,
) -> Result<Vec<SmsCancellationRow>, AppError> {
    let db = &state.db;
    let staff = staff_user::staff_user(db, staff_id).await?;
    let mut q =
        sms_cancellations::Entity::find().order_by_desc(sms_cancellations::Column::RequestedAt);
    if let Some(s) = status {
        q = q.filter(sms_cancellations::Column::Status.eq(s.as_str()));
    }
    let mut rows = Vec::new();
    let mut parents_seen: HashMap<i32, String> = HashMap::new();
    for c in q.all(db).await? {
        let Some(sub) = sms_subscriptions::Entity::find_by_id(c.subscription_id)
            .one(db)
            .await?
        else {
            continue;
        };
        let (holder, school, class) = holder_school_class(db, sub.holder_id).await?;
        if !crate::server::staff_scope::covers(&staff, &holder) {
            continue;
        }
        let parent_name = match parents_seen.get(&c.parent_id) {
            Some(n) => n.clone(),
            None => {
                let n = parent_accounts::Entity::find_by_id(c.parent_id)
                    .one(db)
                    .await?
                    .map(|p| p.display_name)
                    .unwrap_or_default();
                parents_seen.insert(c.parent_id, n.clone());
                n
            }
        };
        rows.push(SmsCancellationRow {
            id: c.id,
            status: CancellationStatus::parse(&c.status).unwrap_or_default(),
            school_name: school.name,
            class_name: class.name,
            seat_no: holder.seat_no,
            student_no: holder.student_no,
            child_name: holder.name,
            parent_display_name: parent_name,
            term_name: sub.term_name,
            arrival: sub.arrival,
            departure: sub.departure,
            requested_at: c.requested_at,
            effective_on: c.effective_on,
            reject_reason: c.reject_reason,
        });
    }
    Ok(rows)
}

/// «核可» (effective the next day) or «駁回» (reason required) of a pending
/// cancellation; the parent is told either way.
///
/// # Errors
/// `Forbidden` (outside the staff member's scope — audited), `NotFound`,
/// `Conflict("not_pending")`, `Validation` (`reason`: `required`, `too_long`).
pub async fn review_sms_cancellation(
    state: &AppState,
    client: Option<&ClientContext>,
    staff_id: i32,
    request_id: i32,
    approve: bool,
    reason: &str,
) -> Result<SmsCancellationRow, AppError> {
    let reason = reason.trim();
    if !approve && reason.is_empty() {
        return Err(AppError::field("reason", "required"));
    }
    if reason.chars().count() > crate::parent::REASON_MAX {
        return Err(AppError::field("reason", "too_long"));
    }
    let db = &state.db;
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let staff = staff_user::staff_user(&txn, staff_id).await?;
    let request = sms_cancellations::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let sub = sms_subscriptions::Entity::find_by_id(request.subscription_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    let (holder, school, _) = holder_school_class(&txn, sub.holder_id).await?;
    if !crate::server::staff_scope::covers(&staff, &holder) {
        return Err(audit_trail::deny(
            txn,
            client,
            Actor::Staff(staff_id),
            "sms.review",
            "out_of_scope",
        )
        .await);
    }
    if request.status != "pending" {
        return Err(AppError::Conflict("not_pending".into()));
    }
    let effective_on = taiwan_day(now) + Duration::days(1);
    let to = if approve { "approved" } else { "rejected" };
    let parent_id = request.parent_id;
    let mut active: sms_cancellations::ActiveModel = request.into();
    active.status = Set(to.into());
    active.decided_at = Set(Some(now));
    active.decided_by_staff_id = Set(Some(staff_id));
    if approve {
        active.effective_on = Set(Some(effective_on));
    } else {
        active.reject_reason = Set(Some(reason.to_owned()));
    }
    active.update(&txn).await?;
    if approve {
        let mut s: sms_subscriptions::ActiveModel = sub.clone().into();
        s.cancelled_from = Set(Some(effective_on));
        s.update(&txn).await?;
    }
    audit_trail::record(
        &txn,
        client,
        Actor::Staff(staff_id),
        "sms.review",
        Some(mask_name(&holder.name)),
        "ok",
        serde_json::json!({
            "request_id": request_id, "from": "pending", "to": to,
            "effective_on": approve.then(|| effective_on.to_string()),
        }),
    )
    .await?;
    // Tell the parent on their login contact.
    let message_id = match parent_accounts::Entity::find_by_id(parent_id)
        .one(&txn)
        .await?
    {
        Some(parent) => {
            let contact = parent_account::account_contact(state, &parent)?;
            Some(
                outbox::enqueue(
                    &txn,
                    &state.cipher,
                    NewMessage {
                        channel: parent_account::channel_of(&contact),
                        recipient: contact.value(),
                        // The teacher decides: the parent's stored language.
                        lang: outbox::lang::of_account(&parent),
                        template: if approve {
                            "sms_cancellation_approved"
                        } else {
                            "sms_cancellation_rejected"
                        },
                        payload: serde_json::json!({
                            "masked_name": mask_name(&holder.name),
                            "school_name": school.name,
                            "term_name": sub.term_name,
                            "effective_on": effective_on.to_string(),
                            "reason": reason,
                        }),
                    },
                )
                .await?,
            )
        }
        None => None,
    };
    txn.commit().await?;
    if let Some(id) = message_id {
        audit_trail::deliver_notice(state, &id).await;
    }
    list_sms_cancellations(state, staff_id, None)
        .await?
        .into_iter()
        .find(|r| r.id == request_id)
        .ok_or(AppError::Internal)
}
