//! The audit log's search.

use super::*;

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
            .await?
            .into_iter()
            .map(|h| h.id.to_string())
            .collect();
        let staff_ids: Vec<String> = staff_users::Entity::find()
            .filter(staff_users::Column::SchoolId.eq(school_id))
            .all(db)
            .await?
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
    let by_username = if actor.is_empty() || actor.contains(':') {
        None
    } else {
        staff_users::Entity::find()
            .filter(staff_users::Column::Username.eq(actor))
            .one(db)
            .await?
    };
    if let Some(user) = by_username {
        q = q
            .filter(audit_log::Column::ActorKind.eq("staff"))
            .filter(audit_log::Column::ActorId.eq(user.id.to_string()));
    } else if !actor.is_empty() {
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
    // `school.` (a trailing dot) is every action of that area; anything else one action.
    let action = filter.action.trim();
    if action.ends_with('.') {
        q = q.filter(audit_log::Column::Action.starts_with(action));
    } else if !action.is_empty() {
        q = q.filter(audit_log::Column::Action.eq(action));
    }
    let total = q.clone().count(db).await?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let pages = total.div_ceil(PAGE_SIZE * 2).max(1);
    let page = filter.page.clamp(1, pages);
    let found = q
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .paginate(db, u64::from(PAGE_SIZE * 2))
        .fetch_page(u64::from(page - 1))
        .await?;
    // The staff who appear on this page, by id, in one query: username and role.
    let staff_ids: Vec<i32> = found
        .iter()
        .filter(|r| r.actor_kind == "staff")
        .filter_map(|r| r.actor_id.as_deref()?.parse().ok())
        .collect();
    let names: std::collections::HashMap<String, (String, String)> = if staff_ids.is_empty() {
        std::collections::HashMap::new()
    } else {
        staff_users::Entity::find()
            .filter(staff_users::Column::Id.is_in(staff_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), (u.username, u.role)))
            .collect()
    };
    let rows = found
        .into_iter()
        .map(|r| {
            let (actor_name, actor_role) = match (r.actor_kind.as_str(), &r.actor_id) {
                ("staff", Some(id)) => names
                    .get(id)
                    .cloned()
                    .map_or((None, None), |(n, role)| (Some(n), Some(role))),
                _ => (None, None),
            };
            AuditRow {
                at: r.at,
                actor: match &r.actor_id {
                    Some(id) => format!("{}:{id}", r.actor_kind),
                    None => r.actor_kind.clone(),
                },
                actor_kind: r.actor_kind,
                actor_name,
                actor_role,
                action: r.action,
                subject: r.subject,
                result: r.result,
                detail: r.detail,
                request_id: r.request_id,
            }
        })
        .collect();
    Ok(AuditPage {
        rows,
        total,
        page,
        page_size: PAGE_SIZE * 2,
    })
}
