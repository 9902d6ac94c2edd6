//! Locked holders of the scope, and unlocking them.

use super::*;

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
        .await?
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
    let txn = begin_write(db).await?;
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
        .await?;
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
    .await?;
    txn.commit().await.map_err(internal)
}
