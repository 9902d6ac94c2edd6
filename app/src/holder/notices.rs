//! A message at each step of an application's timeline (SPEC §10): slip issued, paid,
//! sent to the print centre, returned, expired unpaid; the stop recorded; and the
//! payment-deadline reminder two days before the deadline. Each is queued in the
//! transaction of the change it reports, to the contact the applicant gave (e-mail,
//! else mobile).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};

use crate::holder::ApplicationStatus;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::crypto::PiiCipher;
use crate::server::db::begin_write;
use crate::server::entities::{
    application_events, daily_job_runs, replacement_applications as applications,
};
use crate::server::outbox::{self, Channel, NewMessage};

/// The daily expiry job's name in `daily_job_runs`.
pub const EXPIRY_JOB: &str = "payment_expiry";
/// The daily reminder job's name in `daily_job_runs`.
pub const REMINDER_JOB: &str = "payment_reminder";
/// Days before the deadline the reminder goes out.
pub const REMINDER_DAYS_BEFORE: i64 = 2;

/// Where the applicant asked to be contacted: the e-mail address if given, else the
/// mobile number.
fn applicant_contact(cipher: &PiiCipher, a: &applications::Model) -> Option<(Channel, String)> {
    let aad = |col: &str| format!("replacement_applications.{col}:{}", a.serial_no);
    if let Some(enc) = &a.email_enc
        && let Ok(email) = cipher.decrypt(enc, &aad("email"))
        && !email.trim().is_empty()
    {
        return Some((Channel::Email, email));
    }
    let enc = a.mobile_enc.as_ref()?;
    let mobile = cipher.decrypt(enc, &aad("mobile")).ok()?;
    (!mobile.trim().is_empty()).then_some((Channel::Sms, mobile))
}

/// Queues «申請進度» for `a` reaching `status` (with the return reason as `note`), in
/// `lang`: the page's when the applicant causes it in the browser, else `None` for
/// the language of the parent account with the applicant's contact (zh-TW without
/// one). Returns the outbox id, or `None` when the applicant left no contact.
///
/// # Errors
/// Database errors.
pub async fn queue_application_status(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    a: &applications::Model,
    status: ApplicationStatus,
    note: Option<&str>,
    lang: Option<outbox::Lang>,
) -> Result<Option<String>, DbErr> {
    let Some((channel, recipient)) = applicant_contact(cipher, a) else {
        return Ok(None);
    };
    let lang = match lang {
        Some(lang) => lang,
        None => outbox::lang::of_contact(conn, cipher, channel, &recipient).await?,
    };
    outbox::enqueue(
        conn,
        cipher,
        NewMessage {
            channel,
            recipient: &recipient,
            template: "application_status",
            lang,
            payload: serde_json::json!({
                "serial_no": a.serial_no,
                "status": status.as_str(),
                "status_zh": status.label(false),
                "status_en": status.label(true),
                "note": note.unwrap_or_default(),
                "amount": a.amount_due,
                "due_on": a.due_on.to_string(),
                "payment_no": a.payment_no,
            }),
        },
    )
    .await
    .map(Some)
}

/// Queues «已印製» for `a`: the print centre has printed the card, shipping follows.
/// Returns the outbox id, or `None` when the applicant left no contact.
///
/// # Errors
/// Database errors.
pub async fn queue_printed(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    a: &applications::Model,
) -> Result<Option<String>, DbErr> {
    let Some((channel, recipient)) = applicant_contact(cipher, a) else {
        return Ok(None);
    };
    let lang = outbox::lang::of_contact(conn, cipher, channel, &recipient).await?;
    outbox::enqueue(
        conn,
        cipher,
        NewMessage {
            channel,
            recipient: &recipient,
            template: "application_printed",
            lang,
            payload: serde_json::json!({ "serial_no": a.serial_no, "delivery": a.delivery }),
        },
    )
    .await
    .map(Some)
}

/// The payment-deadline reminder for `day`: one message per unpaid application due
/// [`REMINDER_DAYS_BEFORE`] days later. Runs once a day (a row in `daily_job_runs`).
///
/// # Errors
/// Database errors.
pub async fn run_payment_reminders(
    state: &AppState,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    let txn = begin_write(&state.db).await?;
    let marker = daily_job_runs::ActiveModel {
        job: Set(REMINDER_JOB.into()),
        day: Set(day),
        ran_at: Set(now),
    }
    .insert(&txn)
    .await;
    match marker {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e),
    }
    let due = day + Duration::days(REMINDER_DAYS_BEFORE);
    let unpaid = applications::Entity::find()
        .filter(applications::Column::Status.eq(ApplicationStatus::AwaitingPayment.as_str()))
        .filter(applications::Column::DueOn.eq(due))
        .all(&txn)
        .await?;
    let mut ids = Vec::new();
    for a in &unpaid {
        let Some((channel, recipient)) = applicant_contact(&state.cipher, a) else {
            continue;
        };
        let lang = outbox::lang::of_contact(&txn, &state.cipher, channel, &recipient).await?;
        ids.push(
            outbox::enqueue(
                &txn,
                &state.cipher,
                NewMessage {
                    channel,
                    recipient: &recipient,
                    template: "payment_reminder",
                    lang,
                    payload: serde_json::json!({
                        "serial_no": a.serial_no,
                        "amount": a.amount_due,
                        "due_on": a.due_on.to_string(),
                        "payment_no": a.payment_no,
                    }),
                },
            )
            .await?,
        );
    }
    audit::record(
        &txn,
        None,
        AuditEvent {
            actor: Actor::System,
            action: "job.payment_reminder",
            subject: Some(day.to_string()),
            result: "ok",
            detail: Some(serde_json::json!({ "due_on": due.to_string(), "messages": ids.len() })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ids)
}

/// «逾期未繳» as an event (issue 17 item 5): every application still unpaid after its
/// deadline plus `payment.grace_days` (Taiwan date of `now`) is stored as `expired`,
/// with its timeline step, an audit row and a message to the applicant, in one
/// transaction. Each application is claimed by a conditional `UPDATE … WHERE status =
/// 'awaiting_payment'`, so of several instances (or CLI runs) at once exactly one moves
/// it and sends the message. Returns the outbox ids.
///
/// # Errors
/// Database errors (nothing is then written).
pub async fn expire_unpaid(state: &AppState, now: DateTime<Utc>) -> Result<Vec<String>, DbErr> {
    use sea_orm::sea_query::Expr;
    let grace_days = crate::server::settings::payment_settings(&state.db)
        .await?
        .grace_days;
    let today = crate::domain::dates::taiwan_time(now).date_naive();
    // Expired when today > due_on + grace, i.e. due_on < today - grace.
    let last_due = today - Duration::days(grace_days);
    let txn = begin_write(&state.db).await?;
    let unpaid = applications::Entity::find()
        .filter(applications::Column::Status.eq(ApplicationStatus::AwaitingPayment.as_str()))
        .filter(applications::Column::DueOn.lt(last_due))
        .all(&txn)
        .await?;
    let mut ids = Vec::new();
    let mut expired = Vec::new();
    for a in unpaid {
        let claimed = applications::Entity::update_many()
            .col_expr(
                applications::Column::Status,
                Expr::value(ApplicationStatus::Expired.as_str()),
            )
            .col_expr(applications::Column::UpdatedAt, Expr::value(now))
            .filter(applications::Column::Id.eq(a.id))
            .filter(applications::Column::Status.eq(ApplicationStatus::AwaitingPayment.as_str()))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            continue;
        }
        application_events::ActiveModel {
            application_id: Set(a.id),
            status: Set(ApplicationStatus::Expired.as_str().into()),
            note: Set(None),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.extend(
            queue_application_status(
                &txn,
                &state.cipher,
                &a,
                ApplicationStatus::Expired,
                None,
                None,
            )
            .await?,
        );
        audit::record(
            &txn,
            None,
            AuditEvent {
                actor: Actor::System,
                action: "application.expire",
                subject: Some(a.serial_no.clone()),
                result: "ok",
                detail: Some(serde_json::json!({
                    "from": ApplicationStatus::AwaitingPayment.as_str(),
                    "to": ApplicationStatus::Expired.as_str(),
                    "due_on": a.due_on.to_string(),
                    "grace_days": grace_days,
                })),
            },
        )
        .await?;
        expired.push(a.serial_no);
    }
    if !expired.is_empty() {
        audit::record(
            &txn,
            None,
            AuditEvent {
                actor: Actor::System,
                action: "job.payment_expiry",
                subject: Some(today.to_string()),
                result: "ok",
                detail: Some(
                    serde_json::json!({ "expired": expired.len(), "messages": ids.len() }),
                ),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ids)
}

/// The daily run of [`expire_unpaid`] for `day`: once a day across instances (a row in
/// `daily_job_runs`); the claim of each application makes it exactly once anyway.
///
/// # Errors
/// Database errors.
pub async fn run_daily_expiry(
    state: &AppState,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    let marker = daily_job_runs::ActiveModel {
        job: Set(EXPIRY_JOB.into()),
        day: Set(day),
        ran_at: Set(now),
    }
    .insert(&state.db)
    .await;
    match marker {
        Ok(_) => expire_unpaid(state, now).await,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}
