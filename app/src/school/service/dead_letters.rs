//! «訊息寄送狀態»: the outbox's dead letters, for operators.

use super::*;

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
            .await?;
        counts.push((s.to_owned(), n));
    }
    let dead = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(outbox_status::DEAD))
        .order_by_desc(outbox::Column::LastAttemptAt)
        .order_by_desc(outbox::Column::CreatedAt)
        .limit(100)
        .all(db)
        .await?
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
pub(super) fn masked_recipient(cx: &CallContext, m: &outbox::Model) -> String {
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
    let txn = begin_write(&cx.state.db).await?;
    let message = outbox::Entity::find_by_id(message_id.trim().to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if message.status != outbox_status::DEAD {
        return Err(AppError::Conflict("not_dead".into()));
    }
    if message.secrets_removed {
        return Err(AppError::Conflict("secrets_removed".into()));
    }
    if !crate::server::outbox::requeue_dead(&txn, &message.id).await? {
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
    .await?;
    txn.commit().await?;
    cx.state.delivery.wake();
    Ok(())
}
