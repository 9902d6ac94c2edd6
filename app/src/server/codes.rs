//! One-time codes sent to a person (SPEC §7): 6 digits from the operating system's
//! CSPRNG, stored only as a keyed hash, single use, burnt after a number of wrong
//! guesses, at most one per `resend_after_secs` and `per_hour` an hour per subject.
//!
//! The caller passes its write transaction, so issuing, counting a wrong guess and
//! spending a code happen together with the change they allow (and its audit row).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::crypto::PiiCipher;
use super::entities::one_time_codes;

/// The limits of one kind of code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRules {
    pub purpose: &'static str,
    pub valid_minutes: i64,
    /// Wrong guesses that burn a code.
    pub max_guesses: i32,
    /// Seconds between two codes for the same subject.
    pub resend_after_secs: i64,
    /// Codes per subject and hour.
    pub per_hour: usize,
}

/// The keyed hash under which a subject's codes are stored (never a clear
/// identifier): `key` names whom the code is for, e.g. a contact's keyed hash.
pub fn subject(cipher: &PiiCipher, rules: &CodeRules, key: &str) -> String {
    cipher.keyed_hash(
        "one_time_codes.subject",
        &format!("{}:{key}", rules.purpose),
    )
}

fn code_hash(cipher: &PiiCipher, subject: &str, code: &str) -> String {
    cipher.keyed_hash("one_time_codes.code", &format!("{subject}:{code}"))
}

fn seconds_until(t: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    u64::try_from((t - now).num_seconds().max(1)).unwrap_or(1)
}

/// Seconds to wait before another code may be sent to `subject`, if any.
///
/// # Errors
/// Database errors.
pub async fn wait_before_next(
    conn: &impl ConnectionTrait,
    rules: &CodeRules,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>, DbErr> {
    let recent = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::Purpose.eq(rules.purpose))
        .filter(one_time_codes::Column::Subject.eq(subject))
        .filter(one_time_codes::Column::CreatedAt.gt(now - Duration::hours(1)))
        .order_by_desc(one_time_codes::Column::CreatedAt)
        .all(conn)
        .await?;
    let spacing = Duration::seconds(rules.resend_after_secs);
    Ok(match (recent.first(), recent.last()) {
        (Some(last), _) if last.created_at + spacing > now => {
            Some(seconds_until(last.created_at + spacing, now))
        }
        (_, Some(oldest)) if recent.len() >= rules.per_hour => {
            Some(seconds_until(oldest.created_at + Duration::hours(1), now))
        }
        _ => None,
    })
}

/// Stores a new code for `subject` and returns it (to be sent). With `usable` false
/// the stored hash can match no code: the row only counts toward the limits, so a
/// caller that must not reveal whether an account exists answers alike either way.
/// Earlier codes of the subject stay valid until they expire or one is spent; only
/// the newest is checked.
///
/// # Errors
/// Database errors.
pub async fn issue(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rules: &CodeRules,
    subject: &str,
    usable: bool,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let stored = if usable {
        code_hash(cipher, subject, &code)
    } else {
        // A keyed hash of something no 6-digit code can be.
        code_hash(cipher, subject, &super::captcha::uuid_like())
    };
    one_time_codes::ActiveModel {
        purpose: Set(rules.purpose.into()),
        subject: Set(subject.to_owned()),
        code_hash: Set(stored),
        expires_at: Set(now + Duration::minutes(rules.valid_minutes)),
        attempts: Set(0),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(code)
}

/// The outcome of checking an entered code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right: spend it with [`spend`] in the same transaction as the change.
    Valid(one_time_codes::Model),
    /// Wrong; the guess was counted (commit it). `burnt` when that was the last one.
    Wrong { burnt: bool },
    /// No live code: none sent, expired, spent or burnt.
    Expired,
}

/// Checks `entered` against the subject's newest code, counting a wrong guess.
///
/// # Errors
/// Database errors.
pub async fn check(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rules: &CodeRules,
    subject: &str,
    entered: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, DbErr> {
    let latest = one_time_codes::Entity::find()
        .filter(one_time_codes::Column::Purpose.eq(rules.purpose))
        .filter(one_time_codes::Column::Subject.eq(subject))
        .order_by_desc(one_time_codes::Column::CreatedAt)
        .order_by_desc(one_time_codes::Column::Id)
        .one(conn)
        .await?;
    let live = latest
        .filter(|c| c.used_at.is_none() && c.expires_at > now && c.attempts < rules.max_guesses);
    let Some(live) = live else {
        return Ok(CodeCheck::Expired);
    };
    if live.code_hash == code_hash(cipher, subject, entered.trim()) {
        return Ok(CodeCheck::Valid(live));
    }
    let attempts = live.attempts + 1;
    let mut row: one_time_codes::ActiveModel = live.into();
    row.attempts = Set(attempts);
    row.update(conn).await?;
    Ok(CodeCheck::Wrong {
        burnt: attempts >= rules.max_guesses,
    })
}

/// Marks a checked code used.
///
/// # Errors
/// Database errors.
pub async fn spend(
    conn: &impl ConnectionTrait,
    code: one_time_codes::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut row: one_time_codes::ActiveModel = code.into();
    row.used_at = Set(Some(now));
    row.update(conn).await?;
    Ok(())
}
