//! Identity verification with database-backed limits (SPEC §7).
//!
//! - Per ID (keyed hash, so it works for unknown IDs too and across instances):
//!   5 failures → locked 15 minutes; 10 failures in 24 hours → locked until staff
//!   unlock it.
//! - Per client IP: `PORTAL_VERIFY_PER_IP_PER_MIN` attempts a minute
//!   ([`throttle::admit_ip`], the same rule as parent and staff login).
//! - The captcha is consumed by a conditional delete: of parallel requests with one
//!   captcha exactly one gets past it.
//! - "Not enrolled" and "wrong birth date" take the same path, with the same queries,
//!   and give the same answer.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use super::VerifyIdentityInput;
use crate::domain::id_number::{self, IdKind, IdMethod};
use crate::domain::masking::{mask_identifier, mask_name};
use crate::error::AppError;
use crate::server::audit::{self, Actor, AuditEvent};
use crate::server::captcha;
pub use crate::server::captcha::{captcha_binding, issue_captcha};
use crate::server::context::{CallContext, internal};
use crate::server::db::begin_write;
use crate::server::entities::{holders, verification_attempts, verification_locks};
use crate::server::settings;
use crate::server::throttle::{self, Admission};
use crate::wizard::{VerifiedHolder, session};

pub const FAILURES_BEFORE_TEMPORARY_LOCK: i32 = 5;
pub const TEMPORARY_LOCK_MINUTES: i64 = 15;
pub const FAILURES_BEFORE_STAFF_UNLOCK: u64 = 10;
/// Retry-After sent for a lock that only staff can lift.
const PERMANENT_RETRY_AFTER_SECS: u64 = 24 * 3600;

/// The lock state of one ID hash at `now`: `Some(seconds)` to wait, or `None`.
pub fn lock_remaining(lock: Option<&verification_locks::Model>, now: DateTime<Utc>) -> Option<u64> {
    let lock = lock?;
    if lock.locked_permanently {
        return Some(PERMANENT_RETRY_AFTER_SECS);
    }
    let until = lock.locked_until?;
    (until > now).then(|| u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1))
}

/// The keyed hash under which attempts and locks of an ID are counted.
pub fn id_hash(cx: &CallContext, normalized_id: &str) -> String {
    cx.state.cipher.holder_id_hash(normalized_id)
}

/// # Errors
/// `Unauthorized` without consent, `Validation` for bad fields or a wrong captcha,
/// `RateLimited` over a limit, `NoMatch` when no holder matches.
pub async fn verify(
    cx: &CallContext,
    input: VerifyIdentityInput,
) -> Result<VerifiedHolder, AppError> {
    let db = &cx.state.db;
    let mut wizard_session = session::load(&cx.session)
        .await?
        .filter(|w| w.wizard == input.wizard)
        .ok_or(AppError::Unauthorized)?;

    let errors = input.field_errors();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id_no = id_number::normalize(&input.id_no);
    let masked = mask_identifier(&id_no);
    let now = Utc::now();

    let hash = id_hash(cx, &id_no);
    // The verification window from the cached settings (no statement).
    let window = cx
        .state
        .settings
        .current(db)
        .await?
        .number(settings::VERIFICATION_WINDOW_MINUTES, 20);
    let binding = captcha_binding(cx).await?;

    // One write transaction, one disk sync: the per-IP limit (counted in the
    // database, across instances, with the count and the insert in one step), the
    // captcha, the ID's lock and the match.
    let txn = begin_write(db).await?;
    if let Admission::Refused { retry_after_secs } = throttle::admit_ip_in(
        &txn,
        "identity.verify",
        &cx.client.ip,
        cx.state.config.verify_per_ip_per_min,
        now,
    )
    .await?
    {
        audit_event(&txn, cx, "identity.verify", Some(masked), "rate_limited").await?;
        txn.commit().await?;
        return Err(AppError::RateLimited { retry_after_secs });
    }

    // The captcha is consumed whatever the outcome.
    let captcha_ok = captcha::check_and_consume(
        &txn,
        &cx.state.cipher,
        &binding,
        &input.captcha,
        cx.state.config.test_captcha.as_deref(),
    )
    .await?;
    if !captcha_ok {
        insert_attempt(&txn, cx, "", false, now).await?;
        audit_event(&txn, cx, "identity.captcha", Some(masked), "failed").await?;
        txn.commit().await?;
        return Err(AppError::field("captcha", "wrong"));
    }

    let lock = verification_locks::Entity::find_by_id(hash.clone())
        .one(&txn)
        .await?;
    if let Some(wait) = lock_remaining(lock.as_ref(), now) {
        // Refused without checking anything: it counts toward the per-IP limit only
        // (no ID hash), not as a failed verification of this ID; otherwise a holder
        // retrying during a 15-minute lock would be locked for good after one more typo.
        insert_attempt(&txn, cx, "", false, now).await?;
        audit_event(&txn, cx, "identity.verify", Some(masked), "locked").await?;
        txn.commit().await?;
        return Err(AppError::RateLimited {
            retry_after_secs: wait,
        });
    }

    let holder = holders::Entity::find()
        .filter(holders::Column::IdNoHash.eq(hash.clone()))
        .one(&txn)
        .await?;
    let birth = crate::domain::dates::parse_iso_date(&input.birth_date);
    let method_fits = |h: &holders::Model| {
        matches!(
            (input.method, IdKind::parse(&h.id_kind)),
            (IdMethod::National, Some(IdKind::National))
                | (IdMethod::Foreign, Some(IdKind::Resident | IdKind::Passport))
        )
    };
    let matched = holder.filter(|h| Some(h.birth_date) == birth && method_fits(h));

    let Some(holder) = matched else {
        record_failure(&txn, cx, &hash, lock, &masked, now).await?;
        txn.commit().await?;
        return Err(AppError::NoMatch);
    };

    insert_attempt(&txn, cx, &hash, true, now).await?;
    if let Some(lock) = lock {
        let mut lock: verification_locks::ActiveModel = lock.into();
        lock.failures = Set(0);
        lock.counting_since = Set(now);
        lock.updated_at = Set(now);
        lock.update(&txn).await?;
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Holder(holder.id),
            action: "identity.verify",
            subject: Some(masked),
            result: "ok",
            detail: Some(serde_json::json!({ "wizard": input.wizard.slug() })),
        },
    )
    .await?;
    txn.commit().await?;

    // A new session id for the verified session (no fixation).
    cx.session.cycle_id().await?;
    let until = now + Duration::minutes(window);
    let masked_name = mask_name(&holder.name);
    wizard_session.verified_holder_id = Some(holder.id);
    wizard_session.verified_masked_name = Some(masked_name.clone());
    wizard_session.verified_until = Some(until);
    session::save(&cx.session, &wizard_session).await?;
    Ok(VerifiedHolder { masked_name, until })
}

async fn insert_attempt(
    txn: &impl ConnectionTrait,
    cx: &CallContext,
    hash: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    verification_attempts::ActiveModel {
        id_hash: Set(hash.to_owned()),
        client_ip: Set(cx.client.ip.clone()),
        succeeded: Set(succeeded),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

async fn audit_event(
    conn: &impl ConnectionTrait,
    cx: &CallContext,
    action: &str,
    subject: Option<String>,
    result: &str,
) -> Result<(), AppError> {
    audit::record(
        conn,
        Some(&cx.client),
        AuditEvent {
            actor: Actor::Visitor,
            action,
            subject,
            result,
            detail: None,
        },
    )
    .await
    .map_err(internal)
}

/// Counts a failure for this ID hash and locks it when a limit is reached.
async fn record_failure(
    txn: &DatabaseTransaction,
    cx: &CallContext,
    hash: &str,
    lock: Option<verification_locks::Model>,
    masked: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    insert_attempt(txn, cx, hash, false, now).await?;
    let counting_since = lock.as_ref().map_or(now, |l| l.counting_since);
    let since = counting_since.max(now - Duration::hours(24));
    let failures_24h = verification_attempts::Entity::find()
        .filter(verification_attempts::Column::IdHash.eq(hash.to_owned()))
        .filter(verification_attempts::Column::Succeeded.eq(false))
        .filter(verification_attempts::Column::CreatedAt.gte(since))
        .count(txn)
        .await?;
    let failures = lock.as_ref().map_or(0, |l| l.failures) + 1;
    let (failures, locked_until, permanent, result) =
        if failures_24h >= FAILURES_BEFORE_STAFF_UNLOCK {
            (failures, None, true, "locked_until_unlocked")
        } else if failures >= FAILURES_BEFORE_TEMPORARY_LOCK {
            (
                0,
                Some(now + Duration::minutes(TEMPORARY_LOCK_MINUTES)),
                false,
                "locked_15_minutes",
            )
        } else {
            (failures, None, false, "failed")
        };
    let model = verification_locks::ActiveModel {
        id_hash: Set(hash.to_owned()),
        failures: Set(failures),
        locked_until: Set(locked_until),
        locked_permanently: Set(permanent),
        counting_since: Set(counting_since),
        updated_at: Set(now),
    };
    if lock.is_some() {
        model.update(txn).await?;
    } else {
        model.insert(txn).await?;
    }
    audit_event(txn, cx, "identity.verify", Some(masked.to_owned()), result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(
        failures: i32,
        until: Option<DateTime<Utc>>,
        permanent: bool,
    ) -> verification_locks::Model {
        verification_locks::Model {
            id_hash: "h".into(),
            failures,
            locked_until: until,
            locked_permanently: permanent,
            counting_since: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn lock_remaining_counts_down_and_permanent_locks_stay() {
        let now = Utc::now();
        assert_eq!(lock_remaining(None, now), None);
        assert_eq!(lock_remaining(Some(&lock(3, None, false)), now), None);
        let l = lock(0, Some(now + Duration::minutes(15)), false);
        assert_eq!(lock_remaining(Some(&l), now), Some(900));
        assert_eq!(lock_remaining(Some(&l), now + Duration::minutes(16)), None);
        assert_eq!(
            lock_remaining(Some(&lock(0, None, true)), now),
            Some(PERMANENT_RETRY_AFTER_SECS)
        );
    }
}
