//! Limits that hold under parallel requests and across server instances (SPEC §7).
//!
//! A limit is a count followed by an insert; two requests that both count before
//! either inserts both pass. So every limited check runs inside a write transaction
//! that first takes the key's turn ([`take_turn`]): an upsert of the key's row in
//! `throttle_keys`. On PostgreSQL the upsert holds that row's lock until the
//! transaction ends, so a second transaction on the same key waits at its upsert and
//! then counts what the first committed (READ COMMITTED reads a fresh snapshot per
//! statement); on SQLite `BEGIN IMMEDIATE` (see [`begin_write`]) already runs one
//! writer at a time.
//!
//! The per-client-IP limit ([`admit_ip`]) is one rule for identity verification,
//! parent login and staff login: `PORTAL_VERIFY_PER_IP_PER_MIN` admitted attempts in
//! any sliding minute, per purpose. [`login_state`] is the one rule for a login's
//! captcha and lock, counted per keyed hash of the account name (parents and staff),
//! so an unknown account is treated exactly like a real one.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, Set,
};

use super::db::begin_write;
use super::entities::{throttle_hits, throttle_keys};

/// Seconds in the per-IP window; also the `Retry-After` of a refusal.
pub const IP_WINDOW_SECS: i64 = 60;
/// Login failures (per account, within [`LOGIN_WINDOW_MINUTES`]) before a captcha is
/// required: parents and staff.
pub const CAPTCHA_AFTER_FAILURES: usize = 3;
/// Login failures within [`LOGIN_WINDOW_MINUTES`] that lock the account.
pub const LOCK_AFTER_FAILURES: usize = 10;
pub const LOGIN_WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

/// Serialises the rest of the transaction `txn` with every other transaction that
/// takes the turn of `key` (hold the turn briefly: commit soon after).
///
/// Take several keys in one order everywhere (sorted), or two transactions may wait
/// for each other.
///
/// # Errors
/// Database errors.
pub async fn take_turn(
    txn: &DatabaseTransaction,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // The transaction began with `BEGIN IMMEDIATE` ([`begin_write`], the only way
        // the portal begins one that writes): it already holds the database's one
        // write lock, so no statement is needed to take the turn.
        return Ok(());
    }
    throttle_keys::Entity::insert(throttle_keys::ActiveModel {
        key: Set(key.to_owned()),
        touched_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(throttle_keys::Column::Key)
            .update_column(throttle_keys::Column::TouchedAt)
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// The answer of [`admit_ip`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Over the limit: answer 429 with this `Retry-After`.
    Refused {
        retry_after_secs: u64,
    },
}

/// Counts one attempt of `purpose` (e.g. `identity.verify`) from `ip` if fewer than
/// `per_minute` were admitted in the last minute; the count and the insert are one
/// step (see the module documentation). Refused attempts are not counted.
///
/// # Errors
/// Database errors.
pub async fn admit_ip(
    db: &DatabaseConnection,
    purpose: &str,
    ip: &str,
    per_minute: u32,
    now: DateTime<Utc>,
) -> Result<Admission, DbErr> {
    let txn = begin_write(db).await?;
    let admission = admit_ip_in(&txn, purpose, ip, per_minute, now).await?;
    txn.commit().await?;
    Ok(admission)
}

/// [`admit_ip`] inside the caller's write transaction (which must commit even when
/// refused, and soon: it holds the key's turn): identity verification counts, consumes
/// the captcha and checks the ID in one transaction, one disk sync.
///
/// # Errors
/// Database errors.
pub async fn admit_ip_in(
    txn: &DatabaseTransaction,
    purpose: &str,
    ip: &str,
    per_minute: u32,
    now: DateTime<Utc>,
) -> Result<Admission, DbErr> {
    use sea_orm::sea_query::ExprTrait as _;
    let key = format!("{purpose}:{ip}");
    take_turn(txn, &key, now).await?;
    // The count and the insert in one statement (one round trip to the database):
    // `INSERT … SELECT key, now WHERE (SELECT COUNT(*) …) < per_minute` inserts the
    // hit only while the window has room; no row inserted means refused.
    let since = now - Duration::seconds(IP_WINDOW_SECS);
    let recent = Query::select()
        .expr(Expr::col(throttle_hits::Column::Id).count())
        .from(throttle_hits::Entity)
        .and_where(throttle_hits::Column::Key.eq(key.clone()))
        .and_where(throttle_hits::Column::At.gt(since))
        .to_owned();
    let hit = Query::select()
        .expr(Expr::val(key))
        .expr(Expr::val(now))
        .and_where(
            Expr::SubQuery(None, Box::new(SubQueryStatement::from(recent)))
                .lt(i64::from(per_minute)),
        )
        .to_owned();
    let insert = Query::insert()
        .into_table(throttle_hits::Entity)
        .columns([throttle_hits::Column::Key, throttle_hits::Column::At])
        .select_from(hit)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    if txn.execute(&insert).await?.rows_affected() == 0 {
        return Ok(Admission::Refused {
            retry_after_secs: IP_WINDOW_SECS.unsigned_abs(),
        });
    }
    Ok(Admission::Admitted)
}

/// Deletes hits older than the window and keys untouched for a day (run now and
/// then; the limits never read them).
///
/// # Errors
/// Database errors.
pub async fn purge(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    throttle_hits::Entity::delete_many()
        .filter(throttle_hits::Column::At.lte(now - Duration::seconds(IP_WINDOW_SECS)))
        .exec(db)
        .await?;
    throttle_keys::Entity::delete_many()
        .filter(throttle_keys::Column::TouchedAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// The login state of one account from its recent failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginState {
    pub captcha_required: bool,
    /// Seconds the account stays locked.
    pub locked_for: Option<u64>,
}

/// `failures`: the account's failed logins since its last success, newest first.
/// A captcha is required after [`CAPTCHA_AFTER_FAILURES`] failures in the window; the
/// account is locked for [`LOCK_MINUTES`] after the failure that makes
/// [`LOCK_AFTER_FAILURES`] within the window.
pub fn login_state(failures: &[DateTime<Utc>], now: DateTime<Utc>) -> LoginState {
    let window = Duration::minutes(LOGIN_WINDOW_MINUTES);
    let recent = failures.iter().filter(|t| **t > now - window).count();
    let locked_for = failures.first().and_then(|newest| {
        let burst = failures.iter().filter(|t| **t > *newest - window).count();
        let until = *newest + Duration::minutes(LOCK_MINUTES);
        (burst >= LOCK_AFTER_FAILURES && until > now)
            .then(|| u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1))
    });
    LoginState {
        captcha_required: recent >= CAPTCHA_AFTER_FAILURES || locked_for.is_some(),
        locked_for,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_needs_a_captcha_after_three_failures_and_locks_after_ten() {
        let now = Utc::now();
        let ago = |m: i64| now - Duration::minutes(m);
        assert_eq!(
            login_state(&[], now),
            LoginState {
                captcha_required: false,
                locked_for: None
            }
        );
        assert!(!login_state(&[ago(1), ago(2)], now).captcha_required);
        assert!(login_state(&[ago(1), ago(2), ago(3)], now).captcha_required);
        assert!(!login_state(&[ago(1), ago(2), ago(16)], now).captcha_required);
        let ten: Vec<_> = (0..10).map(ago).collect();
        assert_eq!(login_state(&ten, now).locked_for, Some(15 * 60));
        // The lock runs out 15 minutes after the tenth failure.
        let old: Vec<_> = (16..26).map(ago).collect();
        assert_eq!(login_state(&old, now).locked_for, None);
        // Ten failures spread over more than 15 minutes do not lock.
        let spread: Vec<_> = (0..10).map(|i| ago(i * 2)).collect();
        assert_eq!(login_state(&spread, now).locked_for, None);
    }
}
