//! Rules of the school back office (SPEC §3, §7): scoped queues, reviews, exports,
//! unlocking, the audit log, roster import and payment reconciliation. Staff login
//! and the staff session are in [`super::auth`].
//!
//! Scope: a teacher acts on their own class, an officer on their school, an operator
//! on every school. Requests outside the scope are refused with 403 and an audit row;
//! a bulk review with one foreign row changes nothing.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{
    AuditFilter, AuditPage, AuditRow, DeadMessage, LockedHolder, OutboxOverview, ProcessingForm,
    QueueFilter, QueueKind, QueuePage, QueueRow, ReviewInput, ReviewOutcome, RosterLineError,
    RosterPreview, SchoolOption,
};
use crate::apply::payments::{self, ReconciliationReport};
use crate::apply::{ApplicationReason, ApplicationStatus, effective_status};
use crate::domain::csv::csv_cell;
use crate::domain::masking::{
    mask_email, mask_identifier, mask_line_user_id, mask_mobile, mask_name,
};
use crate::domain::refund::RefundChoice;
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::{CallContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{
    application_events, audit_log, card_types, cards, classes, holders, outbox,
    replacement_applications as applications, schools, staff_users, stop_requests,
    verification_locks,
};
use crate::server::outbox::status as outbox_status;
use crate::server::roster;

pub use super::auth::{change_password, current, login, logout, me};

pub const PAGE_SIZE: u32 = 20;

pub use crate::server::staff_scope::Scope;

/// The logged-in staff member and their scope.
pub struct Staff {
    pub user: staff_users::Model,
    pub scope: Scope,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::Staff(self.user.id)
    }

    fn is(&self, role: &str) -> bool {
        self.user.role == role
    }
}

/// Records a refused request and returns 403.
async fn deny(cx: &CallContext, staff: &Staff, action: &str, subject: Option<String>) -> AppError {
    let event = AuditEvent {
        actor: staff.actor(),
        action,
        subject,
        result: "denied",
        detail: Some(serde_json::json!({ "reason": "out_of_scope", "role": staff.user.role })),
    };
    match audit::record(&cx.state.db, Some(&cx.client), event).await {
        Ok(()) => AppError::Forbidden,
        Err(e) => internal(e),
    }
}

/// The schools for the login's selects.
///
/// # Errors
/// Database errors.
pub async fn schools(cx: &CallContext) -> Result<Vec<SchoolOption>, AppError> {
    Ok(schools::Entity::find()
        .order_by_asc(schools::Column::District)
        .order_by_asc(schools::Column::Name)
        .all(&cx.state.db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| SchoolOption {
            code: s.code,
            name: s.name,
            district: s.district,
            level: s.level,
        })
        .collect())
}

/// The holders (with class and school names) this staff member may see.
struct Visible {
    holders: HashMap<i32, holders::Model>,
    classes: HashMap<i32, String>,
    schools: HashMap<i32, String>,
}

async fn visible(conn: &impl ConnectionTrait, scope: Scope) -> Result<Visible, AppError> {
    let holders = holders::Entity::find()
        .filter(scope.holders_condition())
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let classes = classes::Entity::find()
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let schools = schools::Entity::find()
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(Visible {
        holders,
        classes,
        schools,
    })
}

fn reason_zh(r: &str) -> String {
    match ApplicationReason::parse(r) {
        Some(ApplicationReason::Lost) => "遺失",
        Some(ApplicationReason::Damaged) => "損壞",
        Some(ApplicationReason::ReportedLost) => "先前已掛失",
        Some(ApplicationReason::Other) => "其他",
        None => "—",
    }
    .into()
}

fn stop_choice_zh(c: &str) -> String {
    match RefundChoice::parse(c) {
        Some(RefundChoice::NoRefund) => "僅掛失停卡不退費",
        Some(RefundChoice::BankTransfer) => "掛失停卡且退費（匯款）",
        Some(RefundChoice::Cheque) => "掛失停卡且退費（郵寄支票）",
        None => "—",
    }
    .into()
}

/// Every row in scope that passes the filter, newest first (before paging).
async fn queue_rows(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    filter: &QueueFilter,
) -> Result<Vec<QueueRow>, AppError> {
    let v = visible(conn, staff.scope).await?;
    let ids: Vec<i32> = v.holders.keys().copied().collect();
    let types: HashMap<String, card_types::Model> = card_types::Entity::find()
        .all(conn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|t| (t.code.clone(), t))
        .collect();
    let loss_fee = crate::card_stop::service::fees(conn)
        .await
        .map_err(internal)?
        .loss;
    let grace = crate::apply::service::payment_settings(conn)
        .await
        .map_err(internal)?
        .grace_days;
    let today = crate::apply::service::taiwan_today();
    let in_dates = |t: chrono::DateTime<Utc>| {
        let d = crate::domain::dates::taiwan_time(t).date_naive();
        filter.from.is_none_or(|f| d >= f) && filter.to.is_none_or(|to| d <= to)
    };
    let mut rows = Vec::new();
    let names = |h: &holders::Model| {
        (
            v.schools.get(&h.school_id).cloned().unwrap_or_default(),
            v.classes.get(&h.class_id).cloned().unwrap_or_default(),
        )
    };
    if filter.kind != QueueKind::Stops {
        let apps = applications::Entity::find()
            .filter(applications::Column::HolderId.is_in(ids.clone()))
            .all(conn)
            .await
            .map_err(internal)?;
        let stops_of: Vec<stop_requests::Model> = stop_requests::Entity::find()
            .filter(stop_requests::Column::HolderId.is_in(ids.clone()))
            .all(conn)
            .await
            .map_err(internal)?;
        for a in apps {
            let Some(h) = v.holders.get(&a.holder_id) else {
                continue;
            };
            if !in_dates(a.created_at) {
                continue;
            }
            let (school_name, class_name) = names(h);
            let stored =
                ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::AwaitingPayment);
            let status = effective_status(stored, a.due_on, grace, today);
            // The loss fee was taken from the old card's balance at the stop.
            let had_stop = stops_of.iter().any(|s| s.holder_id == a.holder_id);
            rows.push(QueueRow {
                item_ref: format!("ap-{}", a.id),
                kind: "application".into(),
                serial_no: a.serial_no.clone(),
                submitted_at: a.created_at,
                applicant: mask_name(&h.name),
                school_name,
                class_name,
                seat_no: h.seat_no,
                id_match: "符合".into(),
                has_photo: !a.photo_file.is_empty(),
                card_type_zh: types
                    .get(&a.card_type)
                    .map_or_else(|| a.card_type.clone(), |t| t.name_zh.clone()),
                reason: reason_zh(&a.reason),
                loss_fee: if had_stop { loss_fee } else { 0 },
                reissue_fee: a.fee,
                total_due: a.amount_due,
                payment: status.label(false).into(),
                review: a.review_status.clone(),
                review_reason: a.review_reason.clone().or(a.return_reason.clone()),
                no_contact: false,
                needs_form: a.reason == ApplicationReason::Damaged.as_str(),
            });
        }
    }
    if filter.kind != QueueKind::Applications {
        let stops = stop_requests::Entity::find()
            .filter(stop_requests::Column::HolderId.is_in(ids))
            .all(conn)
            .await
            .map_err(internal)?;
        let card_of: HashMap<i32, cards::Model> = cards::Entity::find()
            .filter(cards::Column::Id.is_in(stops.iter().map(|s| s.card_id).collect::<Vec<_>>()))
            .all(conn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for s in stops {
            let Some(h) = v.holders.get(&s.holder_id) else {
                continue;
            };
            if !in_dates(s.stopped_at) {
                continue;
            }
            let (school_name, class_name) = names(h);
            let card = card_of.get(&s.card_id);
            rows.push(QueueRow {
                item_ref: format!("st-{}", s.id),
                kind: "stop".into(),
                serial_no: s.serial_no.clone(),
                submitted_at: s.stopped_at,
                applicant: mask_name(&h.name),
                school_name,
                class_name,
                seat_no: h.seat_no,
                id_match: "符合".into(),
                has_photo: false,
                card_type_zh: card
                    .and_then(|c| types.get(&c.card_type))
                    .map_or_else(String::new, |t| t.name_zh.clone()),
                reason: stop_choice_zh(&s.choice),
                loss_fee: s.fees,
                reissue_fee: 0,
                total_due: s.fees,
                payment: "—".into(),
                review: s.review_status.clone(),
                review_reason: s.review_reason.clone(),
                no_contact: s.no_contact_flag,
                needs_form: false,
            });
        }
    }
    let type_name = (!filter.card_type.is_empty())
        .then(|| types.get(&filter.card_type).map(|t| t.name_zh.clone()))
        .flatten();
    rows.retain(|r| {
        (filter.review.is_empty() || r.review == filter.review)
            && type_name.as_ref().is_none_or(|n| &r.card_type_zh == n)
    });
    match filter.sort.as_str() {
        "oldest" => rows.sort_by_key(|r| r.submitted_at),
        "class" => rows.sort_by(|a, b| {
            (&a.school_name, &a.class_name, a.seat_no, b.submitted_at).cmp(&(
                &b.school_name,
                &b.class_name,
                b.seat_no,
                a.submitted_at,
            ))
        }),
        _ => rows.sort_by_key(|r| std::cmp::Reverse(r.submitted_at)),
    }
    Ok(rows)
}

/// One page of the queue.
///
/// # Errors
/// `Unauthorized`; database errors.
pub async fn queue(cx: &CallContext, filter: QueueFilter) -> Result<QueuePage, AppError> {
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let rows = queue_rows(db, &staff, &filter).await?;
    let total = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = filter.page.clamp(1, pages);
    let start = usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(0);
    let card_types = card_types::Entity::find()
        .order_by_asc(card_types::Column::SortOrder)
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|t| (t.code, t.name_zh))
        .collect();
    Ok(QueuePage {
        rows: rows
            .into_iter()
            .skip(start)
            .take(PAGE_SIZE as usize)
            .collect(),
        total,
        page,
        page_size: PAGE_SIZE,
        card_types,
    })
}

/// The whole queue with the current filters as CSV (UTF-8 with BOM, for Excel).
///
/// # Errors
/// `Unauthorized`; database errors.
pub async fn export_csv(cx: &CallContext, filter: QueueFilter) -> Result<String, AppError> {
    let staff = current(cx).await?;
    let rows = queue_rows(&cx.state.db, &staff, &filter).await?;
    let mut out = String::from("\u{feff}");
    out.push_str("類別,編號,申請時間,申請人,學校,年班,座號,身分證號比對,卡別,原因,掛失金額,補卡金額,應收金額,繳費狀態,審核狀態,說明\r\n");
    for r in &rows {
        let cells = [
            if r.kind == "stop" { "停卡" } else { "補發" }.to_owned(),
            r.serial_no.clone(),
            crate::domain::dates::taiwan_date_time(r.submitted_at),
            r.applicant.clone(),
            r.school_name.clone(),
            r.class_name.clone(),
            r.seat_no.to_string(),
            r.id_match.clone(),
            r.card_type_zh.clone(),
            r.reason.clone(),
            r.loss_fee.to_string(),
            r.reissue_fee.to_string(),
            r.total_due.to_string(),
            r.payment.clone(),
            review_zh(&r.review).into(),
            r.review_reason.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    audit::record(
        &cx.state.db,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: "school.export",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({ "rows": rows.len() })),
        },
    )
    .await
    .map_err(internal)?;
    Ok(out)
}

/// The binding requests in scope with the current filter as CSV (UTF-8 with BOM).
///
/// # Errors
/// `Unauthorized`; database errors.
pub async fn export_bindings_csv(
    cx: &CallContext,
    filter: crate::parent::BindingFilter,
) -> Result<String, AppError> {
    let staff = current(cx).await?;
    let rows =
        crate::parent::service::list_binding_requests(&cx.state, staff.user.id, filter).await?;
    let mut out = String::from("\u{feff}");
    out.push_str("申請日期,學校,年班,座號,學號,學生,家長,家長聯絡方式,關係,狀態,退回原因\r\n");
    for r in &rows {
        let cells = [
            crate::domain::dates::iso_date(r.requested_on),
            r.school_name.clone(),
            r.class_name.clone(),
            r.seat_no.to_string(),
            r.student_no.clone(),
            r.child_name.clone(),
            r.parent_display_name.clone(),
            r.parent_contact_masked.clone(),
            r.relationship.as_str().to_owned(),
            r.status.as_str().to_owned(),
            r.return_reason.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    audit::record(
        &cx.state.db,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: "school.export_bindings",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({ "rows": rows.len() })),
        },
    )
    .await
    .map_err(internal)?;
    Ok(out)
}

pub fn review_zh(r: &str) -> &'static str {
    match r {
        "approved" => "已核可",
        "returned" => "退件",
        _ => "申請中",
    }
}

enum ItemRef {
    Application(i32),
    Stop(i32),
}

fn parse_ref(s: &str) -> Option<ItemRef> {
    let (kind, id) = s.trim().split_once('-')?;
    let id = id.parse().ok()?;
    match kind {
        "ap" => Some(ItemRef::Application(id)),
        "st" => Some(ItemRef::Stop(id)),
        _ => None,
    }
}

async fn holder_of(txn: &DatabaseTransaction, holder_id: i32) -> Result<holders::Model, AppError> {
    holders::Entity::find_by_id(holder_id)
        .one(txn)
        .await
        .map_err(internal)?
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
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    let now = Utc::now();
    let mut changed = 0;
    for r in refs {
        match r {
            ItemRef::Application(id) => {
                let Some(a) = applications::Entity::find_by_id(id)
                    .one(&txn)
                    .await
                    .map_err(internal)?
                else {
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
                    // Paid and approved: off to the print centre.
                    (a.status == ApplicationStatus::Paid.as_str())
                        .then_some(ApplicationStatus::Printing)
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
                    .await
                    .map_err(internal)?;
                }
                let updated = row.update(&txn).await.map_err(internal)?;
                if let Some(s) = new_status {
                    crate::notify::timeline::queue_application_status(
                        &txn,
                        &cx.state.cipher,
                        &updated,
                        s,
                        (!input.approve).then_some(reason.as_str()),
                    )
                    .await
                    .map_err(internal)?;
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
                .await
                .map_err(internal)?;
                changed += 1;
            }
            ItemRef::Stop(id) => {
                let Some(s) = stop_requests::Entity::find_by_id(id)
                    .one(&txn)
                    .await
                    .map_err(internal)?
                else {
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
                row.update(&txn).await.map_err(internal)?;
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
                .await
                .map_err(internal)?;
                changed += 1;
            }
        }
    }
    txn.commit().await.map_err(internal)?;
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
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(a.holder_id)
        .one(db)
        .await
        .map_err(internal)?
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
        .await
        .map_err(internal)?;
    let t = card_types::Entity::find()
        .filter(card_types::Column::Code.eq(a.card_type.clone()))
        .one(db)
        .await
        .map_err(internal)?;
    let grace = crate::apply::service::payment_settings(db)
        .await
        .map_err(internal)?
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
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    let holder = holders::Entity::find_by_id(a.holder_id)
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    if !staff.scope.covers(&holder) {
        return Err(deny(cx, &staff, "school.photo", Some(a.serial_no)).await);
    }
    let dir = crate::apply::service::photo_dir(cx);
    let path = crate::server::photo::photo_path(&dir, &a.photo_file).ok_or(AppError::NotFound)?;
    tokio::fs::read(path).await.map_err(|_| AppError::NotFound)
}

fn holder_ref(cx: &CallContext, holder: &holders::Model) -> String {
    let mut r = cx
        .state
        .cipher
        .keyed_hash("school.holder_ref", &holder.id.to_string());
    r.truncate(20);
    r
}

/// Holders in scope locked by failed verifications (SPEC §7).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers do not unlock).
pub async fn locked_holders(cx: &CallContext) -> Result<Vec<LockedHolder>, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, "school.locked_holders", None).await);
    }
    let db = &cx.state.db;
    let now = Utc::now();
    let locks: HashMap<String, verification_locks::Model> = verification_locks::Entity::find()
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|l| l.locked_permanently || l.locked_until.is_some_and(|u| u > now))
        .map(|l| (l.id_hash.clone(), l))
        .collect();
    let v = visible(db, staff.scope).await?;
    let mut out = Vec::new();
    for h in v.holders.values() {
        let Some(lock) = locks.get(&h.id_no_hash) else {
            continue;
        };
        let id_no = cx
            .state
            .cipher
            .decrypt(&h.id_no_enc, &format!("holders.id_no:{}", h.id_no_hash))
            .map_err(internal)?;
        out.push(LockedHolder {
            holder_ref: holder_ref(cx, h),
            applicant: mask_name(&h.name),
            id_masked: mask_identifier(&id_no),
            school_name: v.schools.get(&h.school_id).cloned().unwrap_or_default(),
            class_name: v.classes.get(&h.class_id).cloned().unwrap_or_default(),
            failures: lock.failures,
            permanent: lock.locked_permanently,
            locked_until: lock.locked_until,
        });
    }
    out.sort_by(|a, b| (&a.school_name, &a.class_name).cmp(&(&b.school_name, &b.class_name)));
    Ok(out)
}

/// Lifts a holder's verification lock (audited).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers, or a holder outside the scope), `NotFound`.
pub async fn unlock_holder(cx: &CallContext, holder_ref_value: &str) -> Result<(), AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, "school.unlock", None).await);
    }
    let db = &cx.state.db;
    let v = visible(db, staff.scope).await?;
    let Some(holder) = v
        .holders
        .values()
        .find(|h| holder_ref(cx, h) == holder_ref_value.trim())
        .cloned()
    else {
        return Err(deny(cx, &staff, "school.unlock", None).await);
    };
    let txn = begin_write(db).await.map_err(internal)?;
    let now = Utc::now();
    verification_locks::Entity::update_many()
        .col_expr(verification_locks::Column::Failures, Expr::value(0))
        .col_expr(
            verification_locks::Column::LockedUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            verification_locks::Column::LockedPermanently,
            Expr::value(false),
        )
        .col_expr(verification_locks::Column::CountingSince, Expr::value(now))
        .col_expr(verification_locks::Column::UpdatedAt, Expr::value(now))
        .filter(verification_locks::Column::IdHash.eq(holder.id_no_hash.clone()))
        .exec(&txn)
        .await
        .map_err(internal)?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: "school.unlock",
            subject: Some(mask_name(&holder.name)),
            result: "ok",
            detail: Some(serde_json::json!({ "from": "locked", "to": "unlocked" })),
        },
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)
}

/// The audit log, newest first: operators see every row, officers the rows of their
/// school's holders and staff, teachers none.
///
/// # Errors
/// `Unauthorized`, `Forbidden`.
pub async fn audit_search(cx: &CallContext, filter: AuditFilter) -> Result<AuditPage, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, "school.audit", None).await);
    }
    let db = &cx.state.db;
    let mut q = audit_log::Entity::find();
    if let Scope::School { school_id } = staff.scope {
        let holder_ids: Vec<String> = holders::Entity::find()
            .filter(holders::Column::SchoolId.eq(school_id))
            .all(db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|h| h.id.to_string())
            .collect();
        let staff_ids: Vec<String> = staff_users::Entity::find()
            .filter(staff_users::Column::SchoolId.eq(school_id))
            .all(db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|s| s.id.to_string())
            .collect();
        q = q.filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(audit_log::Column::ActorKind.eq("holder"))
                        .add(audit_log::Column::ActorId.is_in(holder_ids)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(audit_log::Column::ActorKind.eq("staff"))
                        .add(audit_log::Column::ActorId.is_in(staff_ids)),
                ),
        );
    }
    let tz = Duration::hours(8);
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(audit_log::Column::At.gte(from.and_utc() - tz));
    }
    if let Some(to) = filter.to.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        q = q.filter(audit_log::Column::At.lt(to.and_utc() - tz + Duration::days(1)));
    }
    let actor = filter.actor.trim();
    if !actor.is_empty() {
        match actor.split_once(':') {
            Some((kind, id)) => {
                q = q
                    .filter(audit_log::Column::ActorKind.eq(kind))
                    .filter(audit_log::Column::ActorId.eq(id));
            }
            None => q = q.filter(audit_log::Column::ActorKind.eq(actor)),
        }
    }
    if !filter.subject.trim().is_empty() {
        q = q.filter(audit_log::Column::Subject.contains(filter.subject.trim()));
    }
    if !filter.action.trim().is_empty() {
        q = q.filter(audit_log::Column::Action.starts_with(filter.action.trim()));
    }
    let total = q.clone().count(db).await.map_err(internal)?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let pages = total.div_ceil(PAGE_SIZE * 2).max(1);
    let page = filter.page.clamp(1, pages);
    let rows = q
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .paginate(db, u64::from(PAGE_SIZE * 2))
        .fetch_page(u64::from(page - 1))
        .await
        .map_err(internal)?
        .into_iter()
        .map(|r| AuditRow {
            at: r.at,
            actor: match r.actor_id {
                Some(id) => format!("{}:{id}", r.actor_kind),
                None => r.actor_kind,
            },
            action: r.action,
            subject: r.subject,
            result: r.result,
            detail: r.detail,
            request_id: r.request_id,
        })
        .collect();
    Ok(AuditPage {
        rows,
        total,
        page,
        page_size: PAGE_SIZE * 2,
    })
}

/// Roster import from the back office: the same checks as `server import-roster`;
/// `confirm` false only previews. An officer may import rows of their own school
/// only; operators any. Teachers may not import.
///
/// # Errors
/// `Unauthorized`, `Forbidden`.
pub async fn roster_import(
    cx: &CallContext,
    csv: &str,
    confirm: bool,
) -> Result<RosterPreview, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, "school.roster_import", None).await);
    }
    let db = &cx.state.db;
    let types = roster::card_type_index(db).await.map_err(internal)?;
    let parsed = roster::parse(csv.as_bytes(), &types);
    let line_error = |e: roster::RowError| RosterLineError {
        line: u32::try_from(e.line).unwrap_or(0),
        column: e.column,
        problem: e.problem,
        code: e.code.map(str::to_owned),
    };
    let mut errors: Vec<RosterLineError> = parsed.errors.iter().cloned().map(line_error).collect();
    if let Scope::School { school_id } = staff.scope {
        let own = schools::Entity::find_by_id(school_id)
            .one(db)
            .await
            .map_err(internal)?
            .map(|s| s.code)
            .unwrap_or_default();
        for r in &parsed.rows {
            if r.school_code != own {
                errors.push(RosterLineError {
                    line: u32::try_from(r.line).unwrap_or(0),
                    column: "school_code".into(),
                    problem: format!("is not your school ({own})"),
                    code: None,
                });
            }
        }
    }
    // A student of another school is never taken over by an import (a transfer is).
    errors.extend(
        roster::other_school_rows(db, &cx.state.cipher, &parsed.rows)
            .await
            .map_err(internal)?
            .into_iter()
            .map(line_error),
    );
    errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
    let schools: std::collections::HashSet<&str> =
        parsed.rows.iter().map(|r| r.school_code.as_str()).collect();
    let classes: std::collections::HashSet<(&str, &str)> = parsed
        .rows
        .iter()
        .map(|r| (r.school_code.as_str(), r.class.as_str()))
        .collect();
    let mut preview = RosterPreview {
        rows: u32::try_from(parsed.rows.len()).unwrap_or(0),
        schools: u32::try_from(schools.len()).unwrap_or(0),
        classes: u32::try_from(classes.len()).unwrap_or(0),
        first_rows: parsed
            .rows
            .iter()
            .take(5)
            .map(|r| {
                (
                    r.student_no.clone(),
                    mask_name(&r.name),
                    r.class.clone(),
                    r.card
                        .as_ref()
                        .map_or_else(|| "none".into(), |c| c.status.clone()),
                )
            })
            .collect(),
        errors,
        imported: None,
    };
    if confirm && preview.errors.is_empty() {
        match roster::import(db, &cx.state.cipher, csv.as_bytes(), staff.actor()).await {
            Ok(summary) => preview.imported = Some(summary.to_string()),
            Err(roster::ImportError::Invalid(errs)) => {
                preview.errors = errs.into_iter().map(line_error).collect();
            }
            Err(e) => return Err(internal(e)),
        }
    }
    Ok(preview)
}

/// Payment reconciliation from the back office (operators only): the same code path
/// as `server import-payments`; `confirm` false only previews.
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `Validation` on `file` with every bad line.
pub async fn payment_import(
    cx: &CallContext,
    csv: &str,
    confirm: bool,
) -> Result<ReconciliationReport, AppError> {
    let staff = current(cx).await?;
    if !staff.is("operator") {
        return Err(deny(cx, &staff, "school.payment_import", None).await);
    }
    let records = payments::parse_csv(csv.as_bytes()).map_err(|errors| {
        let mut f = crate::error::FieldErrors::new();
        f.insert(
            "file".into(),
            errors
                .iter()
                .map(|e| format!("line {}: {}", e.line, e.problem))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        AppError::Validation(f)
    })?;
    payments::reconcile(
        &cx.state,
        &records,
        staff.actor(),
        Some(&cx.client),
        !confirm,
    )
    .await
    .map_err(internal)
}

/// «訊息寄送狀態» (operators only): messages per status and the dead ones with their
/// masked recipient and last error.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers and officers).
pub async fn outbox_overview(cx: &CallContext) -> Result<OutboxOverview, AppError> {
    let staff = current(cx).await?;
    if !staff.is("operator") {
        return Err(deny(cx, &staff, "school.outbox", None).await);
    }
    let db = &cx.state.db;
    let mut counts = Vec::new();
    for s in outbox_status::ALL {
        let n = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(s))
            .count(db)
            .await
            .map_err(internal)?;
        counts.push((s.to_owned(), n));
    }
    let dead = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(outbox_status::DEAD))
        .order_by_desc(outbox::Column::LastAttemptAt)
        .order_by_desc(outbox::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|m| DeadMessage {
            recipient_masked: masked_recipient(cx, &m),
            failed_at: m.last_attempt_at.unwrap_or(m.created_at),
            can_resend: !m.secrets_removed,
            id: m.id,
            template: m.template,
            channel: m.channel,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
        })
        .collect();
    Ok(OutboxOverview { counts, dead })
}

/// A message's recipient through the masking function of its channel.
fn masked_recipient(cx: &CallContext, m: &outbox::Model) -> String {
    let Ok(to) = cx.state.cipher.decrypt(
        &m.recipient_enc,
        &crate::server::outbox::recipient_aad(&m.id),
    ) else {
        return "—".into();
    };
    match m.channel.as_str() {
        "email" => mask_email(&to),
        "sms" => mask_mobile(&to),
        "line" => mask_line_user_id(&to),
        _ => mask_identifier(&to),
    }
}

/// «重送» (operators only): a dead message back to `pending` with a fresh count of
/// attempts, audited; the worker is woken.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers and officers), `NotFound`,
/// `Conflict("not_dead")`, `Conflict("secrets_removed")` (its code or temporary
/// password is gone: the person must ask for a new one).
pub async fn resend_dead_message(cx: &CallContext, message_id: &str) -> Result<(), AppError> {
    let staff = current(cx).await?;
    if !staff.is("operator") {
        return Err(deny(cx, &staff, "school.outbox_resend", None).await);
    }
    let txn = begin_write(&cx.state.db).await.map_err(internal)?;
    let message = outbox::Entity::find_by_id(message_id.trim().to_owned())
        .one(&txn)
        .await
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    if message.status != outbox_status::DEAD {
        return Err(AppError::Conflict("not_dead".into()));
    }
    if message.secrets_removed {
        return Err(AppError::Conflict("secrets_removed".into()));
    }
    if !crate::server::outbox::requeue_dead(&txn, &message.id)
        .await
        .map_err(internal)?
    {
        return Err(AppError::Conflict("not_dead".into()));
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: "school.outbox_resend",
            subject: Some(masked_recipient(cx, &message)),
            result: "ok",
            detail: Some(serde_json::json!({
                "message": message.id,
                "template": message.template,
                "channel": message.channel,
                "attempts": message.attempts,
                "from": outbox_status::DEAD,
                "to": outbox_status::PENDING,
            })),
        },
    )
    .await
    .map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    cx.state.delivery.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_refs_name_their_kind() {
        assert!(matches!(parse_ref("ap-12"), Some(ItemRef::Application(12))));
        assert!(matches!(parse_ref("st-3"), Some(ItemRef::Stop(3))));
        assert!(parse_ref("xx-3").is_none());
        assert!(parse_ref("ap-").is_none());
    }
}
