//! The applications and stops queue of the staff member's scope, and its CSV exports.

use super::*;

pub(super) fn reason_zh(r: &str) -> String {
    match ApplicationReason::parse(r) {
        Some(ApplicationReason::Lost) => "遺失",
        Some(ApplicationReason::Damaged) => "損壞",
        Some(ApplicationReason::ReportedLost) => "先前已掛失",
        Some(ApplicationReason::Other) => "其他",
        None => "—",
    }
    .into()
}

pub(super) fn stop_choice_zh(c: &str) -> String {
    match RefundChoice::parse(c) {
        Some(RefundChoice::NoRefund) => "僅掛失停卡不退費",
        Some(RefundChoice::BankTransfer) => "掛失停卡且退費（匯款）",
        Some(RefundChoice::Cheque) => "掛失停卡且退費（郵寄支票）",
        Some(RefundChoice::TransferToNewCard) => "掛失並將餘額轉入新卡",
        None => "—",
    }
    .into()
}

/// Every row in scope that passes the filter, newest first (before paging).
pub(super) async fn queue_rows(
    conn: &impl ConnectionTrait,
    staff: &Staff,
    filter: &QueueFilter,
) -> Result<Vec<QueueRow>, AppError> {
    let v = visible(conn, staff.scope).await?;
    let ids: Vec<i32> = v.holders.keys().copied().collect();
    let types: HashMap<String, card_types::Model> = card_types::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.code.clone(), t))
        .collect();
    let loss_fee = crate::card_stop::service::fees(conn).await?.loss;
    let grace = crate::apply::service::payment_settings(conn)
        .await?
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
            .await?;
        let stops_of: Vec<stop_requests::Model> = stop_requests::Entity::find()
            .filter(stop_requests::Column::HolderId.is_in(ids.clone()))
            .all(conn)
            .await?;
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
            .await?;
        let card_of: HashMap<i32, cards::Model> = cards::Entity::find()
            .filter(cards::Column::Id.is_in(stops.iter().map(|s| s.card_id).collect::<Vec<_>>()))
            .all(conn)
            .await?
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
        .await?
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
    .await?;
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
    .await?;
    Ok(out)
}
