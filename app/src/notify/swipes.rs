//! Gate readers and their swipes (SPEC §4 `POST /api/v1/swipes`), the daily «未到校»
//! job, staff entries («補登»), and the LINE webhook's signature check.
//!
//! A swipe and the messages it causes are written in one transaction, keyed by the
//! reader's event id: a repeated post finds the first row and queues nothing, so each
//! subscribed guardian gets exactly one message per channel.

use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set, SqlErr,
};
use sha2::Sha256;

use super::service::{is_school_day, sms_mobile, taiwan_day, verified_recipient};
use super::{NotifyChannel, NotifyEvent, SwipeEvent, SwipeReceipt};
use crate::domain::dates::taiwan_hh_mm;
use crate::domain::masking::{mask_identifier, mask_name};
use crate::error::AppError;
use crate::parent::BindingStatus;
use crate::server::AppState;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::context::internal;
use crate::server::db::begin_write;
use crate::server::entities::{
    binding_requests, cards, daily_job_runs, gate_readers, holders, notification_subscriptions,
    parent_accounts, schools, sms_subscriptions, swipes,
};
use crate::server::outbox::{self, Channel, NewMessage};

/// The daily job's name in `daily_job_runs`.
pub const ABSENCE_JOB: &str = "absence";

fn api_key_hash(state: &AppState, key: &str) -> String {
    crate::server::model::gate_reader::api_key_hash(&state.cipher, key)
}

/// `server add-reader`: registers a gate reader of a school and returns its API key
/// (shown once; only its keyed hash is stored).
///
/// # Errors
/// `Validation` (`school`: `unknown`; `reader_id`: `format`, `taken`).
pub async fn add_reader(
    state: &AppState,
    school_code: &str,
    reader_code: &str,
) -> Result<String, AppError> {
    let reader_code = reader_code.trim();
    if !crate::server::model::gate_reader::reader_code_ok(reader_code) {
        return Err(AppError::field("reader_id", "format"));
    }
    let db = &state.db;
    let school = schools::Entity::find()
        .filter(schools::Column::Code.eq(school_code.trim()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("school", "unknown"))?;
    let key = crate::server::model::gate_reader::new_api_key();
    let txn = begin_write(db).await?;
    let inserted = gate_readers::ActiveModel {
        reader_code: Set(reader_code.to_owned()),
        school_id: Set(school.id),
        api_key_hash: Set(api_key_hash(state, &key)),
        created_at: Set(Utc::now()),
        last_seen_at: Set(None),
        name: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AppError::field("reader_id", "taken"));
        }
        Err(e) => return Err(internal(e)),
    }
    audit::record(
        &txn,
        None,
        AuditEvent {
            actor: Actor::Cli,
            action: "reader.add",
            subject: Some(reader_code.to_owned()),
            result: "ok",
            detail: Some(serde_json::json!({ "school": school.code })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(key)
}

/// The reader a bearer key belongs to; none for a revoked reader («停用») or a key
/// replaced by «更換金鑰».
///
/// # Errors
/// Database errors.
pub async fn reader_by_key(
    state: &AppState,
    key: &str,
) -> Result<Option<gate_readers::Model>, AppError> {
    crate::server::model::gate_reader::active_by_key(&state.db, &state.cipher, key).await
}

/// Why a swipe was not recorded.
#[derive(Debug, PartialEq, Eq)]
pub enum SwipeRefusal {
    /// Malformed fields (field → `format`, `control_character`, `too_old`, `future`).
    Invalid(crate::error::FieldErrors),
    /// `reader_id` is not the reader of the API key.
    WrongReader,
    /// The card belongs to a student of another school than the reader's (audited).
    WrongSchool,
    /// A database or other internal error.
    Failed(AppError),
}

impl From<AppError> for SwipeRefusal {
    fn from(e: AppError) -> Self {
        Self::Failed(e)
    }
}

/// Checks every field of a swipe: no control characters anywhere (a NUL would reach
/// the database), known direction, an RFC 3339 time within the configured window
/// around `now`.
fn parse_swipe(
    state: &AppState,
    event: &SwipeEvent,
    now: DateTime<Utc>,
) -> Result<(bool, DateTime<Utc>), SwipeRefusal> {
    let mut errors = crate::error::FieldErrors::new();
    let ok_id = |s: &str| !s.trim().is_empty() && s.len() <= 100;
    if !ok_id(&event.event_id) {
        errors.insert("event_id".into(), "format".into());
    }
    if !ok_id(&event.card_outer_no) {
        errors.insert("card_outer_no".into(), "format".into());
    }
    let arriving = match event.direction.as_str() {
        "in" => Some(true),
        "out" => Some(false),
        _ => {
            errors.insert("direction".into(), "format".into());
            None
        }
    };
    let time = DateTime::parse_from_rfc3339(event.time.trim())
        .map(|t| t.with_timezone(&Utc))
        .ok();
    match time {
        None => {
            errors.insert("time".into(), "format".into());
        }
        Some(t) if t < now - state.config.swipe_max_age => {
            errors.insert("time".into(), "too_old".into());
        }
        Some(t) if t > now + state.config.swipe_max_ahead => {
            errors.insert("time".into(), "future".into());
        }
        Some(_) => {}
    }
    for (field, value) in [
        ("event_id", &event.event_id),
        ("card_outer_no", &event.card_outer_no),
        ("reader_id", &event.reader_id),
        ("direction", &event.direction),
        ("time", &event.time),
    ] {
        if value.chars().any(char::is_control) {
            errors.insert(field.into(), "control_character".into());
        }
    }
    match (arriving, time) {
        (Some(a), Some(t)) if errors.is_empty() => Ok((a, t)),
        _ => Err(SwipeRefusal::Invalid(errors)),
    }
}

/// `POST /api/v1/swipes`: records one event of `reader` and queues one message per
/// subscribed guardian and verified channel (and per active SMS subscription).
///
/// # Errors
/// `Invalid` for malformed fields or a time outside the window, `WrongReader` when
/// `reader_id` is not the key's reader, `WrongSchool` (audited, nothing recorded)
/// when the card's holder is of another school than the reader, `Failed` for
/// database errors.
pub async fn record_swipe(
    state: &AppState,
    reader: &gate_readers::Model,
    event: &SwipeEvent,
) -> Result<(SwipeReceipt, Vec<String>), SwipeRefusal> {
    let (arriving, at) = parse_swipe(state, event, Utc::now())?;
    if event.reader_id != reader.reader_code {
        return Err(SwipeRefusal::WrongReader);
    }
    let db = &state.db;
    let now = Utc::now();
    let txn = begin_write(db).await.map_err(internal)?;
    let event_id = format!("{}:{}", reader.reader_code, event.event_id.trim());
    if swipes::Entity::find()
        .filter(swipes::Column::EventId.eq(event_id.clone()))
        .one(&txn)
        .await
        .map_err(internal)?
        .is_some()
    {
        return Ok((
            SwipeReceipt {
                status: "duplicate".into(),
                messages: 0,
            },
            Vec::new(),
        ));
    }
    let card = cards::Entity::find()
        .filter(cards::Column::OuterNo.eq(event.card_outer_no.trim()))
        .one(&txn)
        .await
        .map_err(internal)?;
    let holder_id = card.as_ref().map(|c| c.holder_id);
    if let Some(holder_id) = holder_id {
        let holder_school = holders::Entity::find_by_id(holder_id)
            .one(&txn)
            .await
            .map_err(internal)?
            .map(|h| h.school_id);
        if holder_school != Some(reader.school_id) {
            txn.rollback().await.map_err(internal)?;
            audit::record(
                db,
                None,
                AuditEvent {
                    actor: Actor::System,
                    action: "swipe.api",
                    subject: Some(mask_identifier(event.card_outer_no.trim())),
                    result: "denied",
                    detail: Some(serde_json::json!({
                        "reason": "wrong_school",
                        "reader": reader.reader_code,
                    })),
                },
            )
            .await
            .map_err(internal)?;
            return Err(SwipeRefusal::WrongSchool);
        }
    }
    let inserted = swipes::ActiveModel {
        reader_id: Set(Some(reader.id)),
        event_id: Set(event_id),
        card_outer_no: Set(event.card_outer_no.trim().to_owned()),
        holder_id: Set(holder_id),
        direction: Set(if arriving { "in" } else { "out" }.into()),
        swiped_at: Set(at),
        received_at: Set(now),
        entered_by_staff_id: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    if let Err(e) = inserted {
        // A concurrent post of the same event won: same answer as a repeat.
        if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            return Ok((
                SwipeReceipt {
                    status: "duplicate".into(),
                    messages: 0,
                },
                Vec::new(),
            ));
        }
        return Err(internal(e).into());
    }
    let mut reader_row: gate_readers::ActiveModel = reader.clone().into();
    reader_row.last_seen_at = Set(Some(now));
    reader_row.update(&txn).await.map_err(internal)?;
    let Some(holder_id) = holder_id else {
        audit::record(
            &txn,
            None,
            AuditEvent {
                actor: Actor::System,
                action: "swipe.unknown_card",
                subject: Some(mask_identifier(event.card_outer_no.trim())),
                result: "reported",
                detail: Some(serde_json::json!({ "reader": reader.reader_code })),
            },
        )
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        return Ok((
            SwipeReceipt {
                status: "unknown_card".into(),
                messages: 0,
            },
            Vec::new(),
        ));
    };
    let event_kind = if arriving {
        NotifyEvent::Arrival
    } else {
        NotifyEvent::Departure
    };
    let ids = queue_for_holder(state, &txn, holder_id, event_kind, at).await?;
    txn.commit().await.map_err(internal)?;
    Ok((
        SwipeReceipt {
            status: "recorded".into(),
            messages: ids.len(),
        },
        ids,
    ))
}

/// Queues the messages of `event` for `holder_id` at `at`: one per parent with an
/// approved binding, a subscription and a verified channel; for arrivals and
/// departures also one per active SMS subscription. Returns the outbox ids.
async fn queue_for_holder(
    state: &AppState,
    txn: &DatabaseTransaction,
    holder_id: i32,
    event: NotifyEvent,
    at: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let holder = holders::Entity::find_by_id(holder_id)
        .one(txn)
        .await?
        .ok_or(AppError::Internal)?;
    let school = schools::Entity::find_by_id(holder.school_id)
        .one(txn)
        .await?
        .ok_or(AppError::Internal)?;
    let template = match event {
        NotifyEvent::Arrival => "swipe_arrival",
        NotifyEvent::Departure => "swipe_departure",
        NotifyEvent::Absence => "absence",
    };
    let day = taiwan_day(at);
    let payload = serde_json::json!({
        "masked_name": mask_name(&holder.name),
        "school_name": school.name,
        "time": taiwan_hh_mm(at),
        "date": day.to_string(),
    });
    let mut ids = Vec::new();
    let subs = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::HolderId.eq(holder_id))
        .filter(notification_subscriptions::Column::Event.eq(event.as_str()))
        .all(txn)
        .await?;
    for sub in subs {
        let bound = binding_requests::Entity::find()
            .filter(binding_requests::Column::ParentId.eq(sub.parent_id))
            .filter(binding_requests::Column::HolderId.eq(holder_id))
            .filter(binding_requests::Column::Status.eq(BindingStatus::Approved.as_str()))
            .one(txn)
            .await?
            .is_some();
        let Some(channel) = NotifyChannel::parse(&sub.channel) else {
            continue;
        };
        let Some(parent) = parent_accounts::Entity::find_by_id(sub.parent_id)
            .one(txn)
            .await?
        else {
            continue;
        };
        if !bound {
            continue;
        }
        let Some(recipient) = verified_recipient(state, &parent, channel)? else {
            continue;
        };
        ids.push(
            outbox::enqueue(
                txn,
                &state.cipher,
                NewMessage {
                    channel: match channel {
                        NotifyChannel::Email => Channel::Email,
                        NotifyChannel::Line => Channel::Line,
                    },
                    recipient: &recipient,
                    template,
                    payload: payload.clone(),
                    lang: outbox::lang::of_account(&parent),
                },
            )
            .await?,
        );
    }
    if event != NotifyEvent::Absence {
        let sms = sms_subscriptions::Entity::find()
            .filter(sms_subscriptions::Column::HolderId.eq(holder_id))
            .filter(sms_subscriptions::Column::PeriodStart.lte(day))
            .filter(sms_subscriptions::Column::PeriodEnd.gte(day))
            .all(txn)
            .await?;
        for s in sms {
            let wanted = match event {
                NotifyEvent::Arrival => s.arrival,
                _ => s.departure,
            };
            if !wanted || s.cancelled_from.is_some_and(|from| from <= day) {
                continue;
            }
            let mobile = sms_mobile(state, &s)?;
            ids.push(
                outbox::enqueue(
                    txn,
                    &state.cipher,
                    NewMessage {
                        channel: Channel::Sms,
                        recipient: &mobile,
                        template,
                        payload: payload.clone(),
                        // A subscription of the school's roster, no account: zh-TW
                        // (Chinese and English).
                        lang: outbox::Lang::ZhTw,
                    },
                )
                .await?,
            );
        }
    }
    Ok(ids)
}

/// The daily «未到校» job for `day`: on a school day of the child's school, one
/// message per absence subscription of a child without an arrival swipe that day.
/// Runs once per day (a row in `daily_job_runs`), whatever the number of instances.
/// Returns the outbox ids queued (empty when it already ran).
///
/// # Errors
/// Database errors.
pub async fn run_absence_check(
    state: &AppState,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let db = &state.db;
    let txn = begin_write(db).await?;
    if daily_job_runs::Entity::find_by_id((ABSENCE_JOB.to_owned(), day))
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(Vec::new());
    }
    let marker = daily_job_runs::ActiveModel {
        job: Set(ABSENCE_JOB.into()),
        day: Set(day),
        ran_at: Set(now),
    }
    .insert(&txn)
    .await;
    if let Err(e) = marker {
        if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            return Ok(Vec::new());
        }
        return Err(internal(e));
    }
    let subs = notification_subscriptions::Entity::find()
        .filter(notification_subscriptions::Column::Event.eq(NotifyEvent::Absence.as_str()))
        .all(&txn)
        .await?;
    let mut holder_ids: Vec<i32> = subs.iter().map(|s| s.holder_id).collect();
    holder_ids.sort_unstable();
    holder_ids.dedup();
    let mut ids = Vec::new();
    let mut checked = 0;
    for holder_id in holder_ids {
        let Some(holder) = holders::Entity::find_by_id(holder_id).one(&txn).await? else {
            continue;
        };
        if !is_school_day(&txn, holder.school_id, day).await? {
            continue;
        }
        checked += 1;
        let days = super::service::attendance_days(&txn, holder_id, &[day]).await?;
        if days.first().is_some_and(|d| d.arrival.is_some()) {
            continue;
        }
        // The message time is the check's time: "no arrival swipe by hh:mm".
        ids.extend(queue_for_holder(state, &txn, holder_id, NotifyEvent::Absence, now).await?);
    }
    audit::record(
        &txn,
        None,
        AuditEvent {
            actor: Actor::System,
            action: "job.absence",
            subject: Some(day.to_string()),
            result: "ok",
            detail: Some(serde_json::json!({ "children_checked": checked, "messages": ids.len() })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ids)
}

/// «補登»: staff enter an arrival or departure time for a holder in their scope.
///
/// # Errors
/// `Forbidden` (outside the scope — audited), `Validation` (`direction`, `time`).
pub async fn enter_swipe(
    state: &AppState,
    client: Option<&crate::server::context::ClientContext>,
    staff_id: i32,
    holder_id: i32,
    arriving: bool,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let db = &state.db;
    let txn = begin_write(db).await?;
    let staff = crate::server::model::staff_user::staff_user(&txn, staff_id).await?;
    let holder = holders::Entity::find_by_id(holder_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::server::staff_scope::covers(&staff, &holder) {
        return Err(crate::server::model::audit_trail::deny(
            txn,
            client,
            Actor::Staff(staff_id),
            "swipe.enter",
            "out_of_scope",
        )
        .await);
    }
    let event_id = format!("staff:{staff_id}:{}", crate::server::captcha::uuid_like());
    swipes::ActiveModel {
        reader_id: Set(None),
        event_id: Set(event_id),
        card_outer_no: Set(String::new()),
        holder_id: Set(Some(holder_id)),
        direction: Set(if arriving { "in" } else { "out" }.into()),
        swiped_at: Set(at),
        received_at: Set(Utc::now()),
        entered_by_staff_id: Set(Some(staff_id)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        client,
        AuditEvent {
            actor: Actor::Staff(staff_id),
            action: "swipe.enter",
            subject: Some(mask_name(&holder.name)),
            result: "ok",
            detail: Some(serde_json::json!({ "direction": if arriving { "in" } else { "out" }, "at": at.to_rfc3339() })),
        },
    )
    .await
    ?;
    txn.commit().await.map_err(internal)
}

/// «出勤補登» from the back office: finds the student by number in the staff member's
/// school and records the entered time (see [`enter_swipe`]). Returns the masked name.
///
/// # Errors
/// `Validation` (`student_no`: `required` / `not_found` / `no_school`; `date`, `time`:
/// `format`; a future time: `time` → `future`), `Forbidden` outside the scope.
pub async fn enter_attendance(
    state: &AppState,
    client: Option<&crate::server::context::ClientContext>,
    staff_id: i32,
    input: &super::AttendanceEntryInput,
) -> Result<String, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let student_no = input.student_no.trim();
    if student_no.is_empty() {
        errors.insert("student_no".into(), "required".into());
    }
    let date = crate::domain::dates::parse_iso_date(input.date.trim());
    if date.is_none() {
        errors.insert("date".into(), "format".into());
    }
    let time = chrono::NaiveTime::parse_from_str(input.time.trim(), "%H:%M").ok();
    if time.is_none() {
        errors.insert("time".into(), "format".into());
    }
    let (Some(date), Some(time)) = (date, time) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let at = date.and_time(time).and_utc() - chrono::Duration::hours(8);
    if at > Utc::now() {
        return Err(AppError::field("time", "future"));
    }
    let staff = crate::server::model::staff_user::staff_user(&state.db, staff_id).await?;
    let Some(school_id) = staff.school_id else {
        return Err(AppError::field("student_no", "no_school"));
    };
    let holder = holders::Entity::find()
        .filter(holders::Column::SchoolId.eq(school_id))
        .filter(holders::Column::StudentNo.eq(student_no))
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::field("student_no", "not_found"))?;
    enter_swipe(state, client, staff_id, holder.id, input.arrival, at).await?;
    Ok(mask_name(&holder.name))
}

/// Whether `signature` (base64, header `X-Line-Signature`) is the HMAC-SHA256 of
/// `body` under the channel secret.
pub fn line_signature_ok(channel_secret: &str, body: &[u8], signature: &str) -> bool {
    use base64::Engine as _;
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(channel_secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The text messages of a LINE webhook body: (user id, text) pairs.
pub fn line_text_messages(body: &serde_json::Value) -> Vec<(String, String)> {
    body["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter(|e| e["type"] == "message" && e["message"]["type"] == "text")
                .filter_map(|e| {
                    Some((
                        e["source"]["userId"].as_str()?.to_owned(),
                        e["message"]["text"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the daily jobs at the configured time on each day (call from a task that wakes
/// every minute): «未到校», the payment-deadline reminder and «逾期未繳». Returns the messages
/// queued.
///
/// # Errors
/// Database errors.
pub async fn absence_tick(state: &AppState, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let local = crate::domain::dates::taiwan_time(now);
    if local.time() < state.config.absence_check_at {
        return Ok(Vec::new());
    }
    let mut ids = run_absence_check(state, local.date_naive(), now).await?;
    ids.extend(
        crate::holder::notices::run_payment_reminders(state, local.date_naive(), now).await?,
    );
    ids.extend(crate::holder::notices::run_daily_expiry(state, local.date_naive(), now).await?);
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn a_line_signature_is_the_hmac_of_the_body() {
        let body = br#"{"events":[]}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").expect("key");
        mac.update(body);
        let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert!(line_signature_ok("secret", body, &sig));
        assert!(!line_signature_ok("other", body, &sig));
        assert!(!line_signature_ok("secret", b"{}", &sig));
        assert!(!line_signature_ok("secret", body, "not base64!"));
    }

    #[test]
    fn only_text_messages_with_a_user_are_read() {
        let body = serde_json::json!({ "events": [
            { "type": "message", "source": { "userId": "U1" }, "message": { "type": "text", "text": "12345678" } },
            { "type": "follow", "source": { "userId": "U2" } },
            { "type": "message", "source": { "userId": "U3" }, "message": { "type": "sticker" } },
        ]});
        assert_eq!(
            line_text_messages(&body),
            vec![("U1".to_owned(), "12345678".to_owned())]
        );
    }
}
