//! Reviews (one or many in one transaction), the processing form and the headshot.

use super::*;

pub fn review_zh(r: &str) -> &'static str {
    match r {
        "approved" => "已核可",
        "returned" => "退件",
        _ => "申請中",
    }
}

pub(super) enum ItemRef {
    Application(i32),
    Stop(i32),
}

pub(super) fn parse_ref(s: &str) -> Option<ItemRef> {
    let (kind, id) = s.trim().split_once('-')?;
    let id = id.parse().ok()?;
    match kind {
        "ap" => Some(ItemRef::Application(id)),
        "st" => Some(ItemRef::Stop(id)),
        _ => None,
    }
}

pub(super) async fn holder_of(
    txn: &DatabaseTransaction,
    holder_id: i32,
) -> Result<holders::Model, AppError> {
    holders::Entity::find_by_id(holder_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// «核可» / «退件» for one or many rows, in one transaction with one audit row per
/// item. Only rows still «申請中» change; a row outside the caller's scope refuses the
/// whole request (403).
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `Validation` (`reason` required to return,
/// `item_refs` empty or unreadable).
pub async fn review(cx: &CallContext, input: ReviewInput) -> Result<ReviewOutcome, AppError> {
    let staff = current(cx).await?;
    let reason = input.reason.trim().to_owned();
    if !input.approve && reason.is_empty() {
        return Err(AppError::field("reason", "required"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::field("reason", "too_long"));
    }
    let refs: Option<Vec<ItemRef>> = input.item_refs.iter().map(|r| parse_ref(r)).collect();
    let Some(refs) = refs.filter(|r| !r.is_empty() && r.len() <= 200) else {
        return Err(AppError::field("item_refs", "format"));
    };
    let (to, action) = if input.approve {
        ("approved", "school.approve")
    } else {
        ("returned", "school.return")
    };
    let txn = begin_write(&cx.state.db).await?;
    let now = Utc::now();
    let mut changed = 0;
    for r in refs {
        match r {
            ItemRef::Application(id) => {
                let Some(a) = applications::Entity::find_by_id(id).one(&txn).await? else {
                    return Err(AppError::NotFound);
                };
                let holder = holder_of(&txn, a.holder_id).await?;
                if !staff.scope.covers(&holder) {
                    drop(txn);
                    return Err(deny(cx, &staff, action, Some(a.serial_no)).await);
                }
                if a.review_status != "pending" {
                    continue;
                }
                let from_status = a.status.clone();
                let serial = a.serial_no.clone();
                let mut row: applications::ActiveModel = a.clone().into();
                row.review_status = Set(to.into());
                row.review_reason = Set((!input.approve).then(|| reason.clone()));
                row.reviewed_by = Set(Some(staff.user.id));
                row.reviewed_at = Set(Some(now));
                row.updated_at = Set(now);
                let new_status = if input.approve {
                    // Paid and approved: off to the print centre, or «處理中» while the
                    // old card is still to come back to the issuer.
                    (a.status == ApplicationStatus::Paid.as_str()).then(|| {
                        crate::holder::ready_status(&a.reason, a.old_card_received_at.is_some())
                    })
                } else {
                    Some(ApplicationStatus::Returned)
                };
                if let Some(s) = new_status {
                    row.status = Set(s.as_str().into());
                    if s == ApplicationStatus::Returned {
                        row.return_reason = Set(Some(reason.clone()));
                    }
                    application_events::ActiveModel {
                        application_id: Set(a.id),
                        status: Set(s.as_str().into()),
                        note: Set((!input.approve).then(|| reason.clone())),
                        at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                let updated = row.update(&txn).await?;
                if let Some(s) = new_status {
                    crate::holder::notices::queue_application_status(
                        &txn,
                        &cx.state.cipher,
                        &updated,
                        s,
                        (!input.approve).then_some(reason.as_str()),
                        // The school decides: the applicant's language.
                        None,
                    )
                    .await?;
                }
                audit::record(
                    &txn,
                    Some(&cx.client),
                    AuditEvent {
                        actor: staff.actor(),
                        action,
                        subject: Some(serial),
                        result: "ok",
                        detail: Some(serde_json::json!({
                            "from": "pending",
                            "to": to,
                            "status_from": from_status,
                            "status_to": new_status.map(ApplicationStatus::as_str),
                            "reason": (!input.approve).then_some(&reason),
                        })),
                    },
                )
                .await?;
                changed += 1;
            }
            ItemRef::Stop(id) => {
                let Some(s) = stop_requests::Entity::find_by_id(id).one(&txn).await? else {
                    return Err(AppError::NotFound);
                };
                let holder = holder_of(&txn, s.holder_id).await?;
                if !staff.scope.covers(&holder) {
                    drop(txn);
                    return Err(deny(cx, &staff, action, Some(s.serial_no)).await);
                }
                if s.review_status != "pending" {
                    continue;
                }
                let serial = s.serial_no.clone();
                let mut row: stop_requests::ActiveModel = s.into();
                row.review_status = Set(to.into());
                row.review_reason = Set((!input.approve).then(|| reason.clone()));
                row.reviewed_by = Set(Some(staff.user.id));
                row.reviewed_at = Set(Some(now));
                row.update(&txn).await?;
                audit::record(
                    &txn,
                    Some(&cx.client),
                    AuditEvent {
                        actor: staff.actor(),
                        action,
                        subject: Some(serial),
                        result: "ok",
                        detail: Some(serde_json::json!({
                            "from": "pending",
                            "to": to,
                            "reason": (!input.approve).then_some(&reason),
                        })),
                    },
                )
                .await?;
                changed += 1;
            }
        }
    }
    txn.commit().await?;
    cx.state.delivery.wake();
    Ok(ReviewOutcome { changed })
}

/// «處理作業單» of an application in scope.
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `NotFound`.
pub async fn processing_form(cx: &CallContext, item_ref: &str) -> Result<ProcessingForm, AppError> {
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let Some(ItemRef::Application(id)) = parse_ref(item_ref) else {
        return Err(AppError::NotFound);
    };
    let a = applications::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(a.holder_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !staff.scope.covers(&holder) {
        return Err(deny(cx, &staff, "school.form", Some(a.serial_no)).await);
    }
    let v = visible(
        db,
        Scope::School {
            school_id: holder.school_id,
        },
    )
    .await?;
    let old = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder.id))
        .order_by_desc(cards::Column::IssuedOn)
        .one(db)
        .await?;
    let t = card_types::Entity::find()
        .filter(card_types::Column::Code.eq(a.card_type.clone()))
        .one(db)
        .await?;
    let grace = crate::apply::service::payment_settings(db)
        .await?
        .grace_days;
    let status = effective_status(
        ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::AwaitingPayment),
        a.due_on,
        grace,
        crate::apply::service::taiwan_today(),
    );
    Ok(ProcessingForm {
        serial_no: a.serial_no.clone(),
        school_name: v
            .schools
            .get(&holder.school_id)
            .cloned()
            .unwrap_or_default(),
        class_name: v.classes.get(&holder.class_id).cloned().unwrap_or_default(),
        seat_no: holder.seat_no,
        applicant: mask_name(&holder.name),
        student_no: holder.student_no.clone(),
        card_type_zh: t.map_or_else(|| a.card_type.clone(), |t| t.name_zh),
        old_card_masked: old.map_or_else(|| "—".into(), |c| mask_identifier(&c.outer_no)),
        reason: reason_zh(&a.reason),
        total_due: a.amount_due,
        payment: status.label(false).into(),
        printed_on: crate::apply::service::taiwan_today(),
    })
}

/// The headshot of an application in scope (JPEG bytes).
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `NotFound`.
pub async fn application_photo(cx: &CallContext, item_ref: &str) -> Result<Vec<u8>, AppError> {
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let Some(ItemRef::Application(id)) = parse_ref(item_ref) else {
        return Err(AppError::NotFound);
    };
    let a = applications::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(a.holder_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !staff.scope.covers(&holder) {
        return Err(deny(cx, &staff, "school.photo", Some(a.serial_no)).await);
    }
    let dir = crate::apply::service::photo_dir(cx);
    let path = crate::server::photo::photo_path(&dir, &a.photo_file).ok_or(AppError::NotFound)?;
    tokio::fs::read(path).await.map_err(|_| AppError::NotFound)
}

pub(super) fn holder_ref(cx: &CallContext, holder: &holders::Model) -> String {
    let mut r = cx
        .state
        .cipher
        .keyed_hash("school.holder_ref", &holder.id.to_string());
    r.truncate(20);
    r
}
