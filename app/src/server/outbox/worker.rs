//! The outbox worker (SPEC §5): claims due messages one at a time, sends each through
//! its channel's transport, and records the result; retries with exponential backoff;
//! takes over messages whose worker died mid-send; gives up after the last attempt.
//!
//! Exactly once across several server instances on one database: a message is
//! claimed with one conditional `UPDATE … SET status = 'in_flight' WHERE id = ? AND
//! status = 'pending'`, which only one worker can win, and every later change of the
//! row is conditional on that claim (`status = 'in_flight' AND attempts = <the
//! claim's count>`). A claim older than [`RetryPolicy::in_flight_timeout`] (far longer
//! than a send may take, [`RetryPolicy::send_timeout`]) is taken over: the message is
//! sent again with the same e-mail Message-ID and the same LINE retry key, which LINE
//! answers with 409 if the first push had reached it.
//!
//! A claim also names the instance that made it (`claimed_by`, a stable id from
//! `server::instance`): when `server serve` starts, before it claims anything, it
//! releases the claims its previous run left behind ([`release_own_claims`]) — that
//! run is dead, so those messages go out at once rather than after the timeout.
//! Another instance's claim is never released early: it may still be sending.
//! On shutdown the worker finishes the message in hand and claims no more
//! ([`Delivery::stop`]).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::sync::Notify;

pub use super::claims::release_own_claims;
use super::claims::take_over_stale_claims;
use super::sms_gateway::SmsGatewayTransport;
use super::transport::{
    FileTransport, LineTransport, NotificationSettings, Outgoing, SendError, SmtpTransport,
    Transport,
};
use super::{Channel, SECRET_KEYS, recipient_aad, render, status};
use crate::server::context::AppState;
use crate::server::entities::outbox;

/// How often and how long a message is tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles after each further one.
    pub first_retry_after: Duration,
    /// The longest wait between two attempts.
    pub max_retry_after: Duration,
    /// Attempts before a message is dead.
    pub max_attempts: i32,
    /// The longest one send may take before it counts as failed.
    pub send_timeout: std::time::Duration,
    /// A claim this old belongs to a worker that died: the message is taken over.
    /// Must be well above `send_timeout`.
    pub in_flight_timeout: Duration,
    /// How often an idle worker looks for due messages (it also wakes on
    /// [`Delivery::wake`]).
    pub poll_interval: std::time::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_retry_after: Duration::seconds(30),
            max_retry_after: Duration::hours(1),
            max_attempts: 8,
            send_timeout: std::time::Duration::from_secs(60),
            in_flight_timeout: Duration::minutes(5),
            poll_interval: std::time::Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt: `first_retry_after ·
    /// 2^(attempts − 1)`, at most `max_retry_after` (30 s, 1 min, 2 min, … 1 h).
    pub fn retry_after(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let first = self.first_retry_after.num_milliseconds().max(0);
        let wait = first.saturating_mul(1i64 << doublings);
        Duration::milliseconds(wait).min(self.max_retry_after)
    }
}

/// The transports of each channel, the retry policy, and the bell that wakes the
/// worker. One per server process, in [`AppState`].
pub struct Delivery {
    email: Box<dyn Transport>,
    sms: Box<dyn Transport>,
    line: Box<dyn Transport>,
    pub policy: RetryPolicy,
    wake: Notify,
    /// Set on shutdown: no more claims.
    stopping: AtomicBool,
}

impl Delivery {
    /// E-mail through SMTP when configured, LINE through the Messaging API when it has
    /// a channel token, SMS through the HTTP SMS gateway when one is configured;
    /// everything else as files under `{data_dir}/outbox/`.
    ///
    /// # Errors
    /// A message naming the setting that cannot be used.
    pub fn new(settings: &NotificationSettings, data_dir: &Path) -> Result<Self, String> {
        let files = || -> Box<dyn Transport> {
            Box::new(FileTransport {
                dir: super::outbox_dir(data_dir),
            })
        };
        let timeout = settings.retry.send_timeout;
        let email: Box<dyn Transport> = match &settings.smtp {
            Some(smtp) => Box::new(SmtpTransport::new(smtp, timeout)?),
            None => files(),
        };
        let line: Box<dyn Transport> = match &settings.line.channel_token {
            Some(token) => Box::new(LineTransport::new(&settings.line.api_base, token, timeout)?),
            None => files(),
        };
        let sms: Box<dyn Transport> = match &settings.sms {
            Some(gateway) => Box::new(SmsGatewayTransport::new(gateway, timeout)?),
            None => files(),
        };
        Ok(Self {
            email,
            sms,
            line,
            policy: settings.retry.clone(),
            wake: Notify::new(),
            stopping: AtomicBool::new(false),
        })
    }

    fn transport(&self, channel: Channel) -> &dyn Transport {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
            Channel::Line => self.line.as_ref(),
        }
    }

    /// `files`, `smtp` or `line`: what a channel's messages go through.
    pub fn transport_name(&self, channel: Channel) -> &'static str {
        self.transport(channel).name()
    }

    /// Makes the worker look for due messages now rather than at its next poll; call
    /// it after committing a transaction that queued messages.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Shutdown: the worker finishes the message in hand, claims no more and ends.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}

/// What became of one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent,
    /// Failed; tried again from this time on.
    RetryAt(DateTime<Utc>),
    /// Failed for good, or for the last time.
    Dead,
    /// Another worker has it (and did not finish within the send timeout).
    NotClaimed,
}

/// What one pass of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u32,
    pub retrying: u32,
    pub dead: u32,
    /// Claims of a dead worker taken over (their messages are due again at once).
    pub taken_over: u32,
}

impl DeliveryReport {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Messages tried in the pass.
    pub fn attempts(&self) -> usize {
        usize::try_from(self.sent + self.retrying + self.dead).unwrap_or(usize::MAX)
    }
}

/// Real time passing from a given start, so tests can start the clock in the future
/// and a long batch still stamps its claims with the time they happen.
struct Clock {
    base: DateTime<Utc>,
    started: Instant,
}

impl Clock {
    fn starting_at(base: DateTime<Utc>) -> Self {
        Self {
            base,
            started: Instant::now(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.base + Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }
}

/// Messages one pass sends at most before it lets the loop breathe.
const BATCH: usize = 50;

/// Sends message `id` now (for the callers that want a code out before they answer):
/// claims it if it is pending and due, sends it and records the result; a failure
/// leaves it to the worker's retries. If a worker claimed it first, waits for that
/// worker's result (at most the send timeout), so `Sent` always means sent.
///
/// # Errors
/// Database errors.
pub async fn deliver(state: &AppState, id: &str) -> Result<DeliveryOutcome, DbErr> {
    let outcome = attempt(state, id, &Clock::starting_at(Utc::now())).await?;
    if outcome != DeliveryOutcome::NotClaimed {
        return Ok(outcome);
    }
    let deadline = Instant::now() + state.delivery.policy.send_timeout;
    loop {
        let Some(row) = outbox::Entity::find_by_id(id.to_owned())
            .one(&state.db)
            .await?
        else {
            return Ok(DeliveryOutcome::NotClaimed);
        };
        match row.status.as_str() {
            status::SENT => return Ok(DeliveryOutcome::Sent),
            status::DEAD => return Ok(DeliveryOutcome::Dead),
            status::IN_FLIGHT if Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            status::PENDING => {
                return Ok(DeliveryOutcome::RetryAt(
                    row.next_attempt_at.unwrap_or_else(Utc::now),
                ));
            }
            _ => return Ok(DeliveryOutcome::NotClaimed),
        }
    }
}

/// One pass of the worker as if the time were `now`: takes over claims older than
/// the in-flight timeout, then claims and sends due messages one at a time until none
/// is left (at most a batch).
///
/// # Errors
/// Database errors.
pub async fn deliver_due(state: &AppState, now: DateTime<Utc>) -> Result<DeliveryReport, DbErr> {
    let clock = Clock::starting_at(now);
    let mut report = DeliveryReport {
        taken_over: take_over_stale_claims(state, now).await?,
        ..Default::default()
    };
    for _ in 0..BATCH {
        if state.delivery.stopping() {
            break;
        }
        let at = clock.now();
        let due = outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status::PENDING))
            .filter(due_at(at))
            .order_by_asc(outbox::Column::CreatedAt)
            .order_by_asc(outbox::Column::Id)
            .one(&state.db)
            .await?;
        let Some(row) = due else { break };
        match attempt(state, &row.id, &clock).await? {
            DeliveryOutcome::Sent => report.sent += 1,
            DeliveryOutcome::RetryAt(_) => report.retrying += 1,
            DeliveryOutcome::Dead => report.dead += 1,
            DeliveryOutcome::NotClaimed => {}
        }
    }
    Ok(report)
}

/// The worker of `server serve`: a pass every poll interval, or at once when woken.
pub async fn run(state: AppState) {
    tracing::info!(
        email = state.delivery.transport_name(Channel::Email),
        sms = state.delivery.transport_name(Channel::Sms),
        line = state.delivery.transport_name(Channel::Line),
        "outbox worker started"
    );
    while !state.delivery.stopping() {
        match deliver_due(&state, Utc::now()).await {
            Ok(report) if !report.is_empty() => {
                tracing::info!(
                    sent = report.sent,
                    retrying = report.retrying,
                    dead = report.dead,
                    taken_over = report.taken_over,
                    "outbox pass"
                );
                // A full batch: there is a backlog (a provider is back); go on at once.
                if report.attempts() >= BATCH {
                    continue;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
        }
        tokio::select! {
            () = state.delivery.wake.notified() => {}
            () = tokio::time::sleep(state.delivery.policy.poll_interval) => {}
        }
    }
}

/// Starts [`run`] on the runtime; it ends after [`Delivery::stop`].
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(state))
}

/// Puts a dead message back to `pending` with a fresh count of attempts (the back
/// office's «重送»); pass the transaction of its audit row. Refused (`false`) unless
/// the message is dead and still has its secrets.
///
/// # Errors
/// Database errors.
pub async fn requeue_dead(conn: &impl ConnectionTrait, id: &str) -> Result<bool, DbErr> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status::PENDING))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(no_time()))
        .col_expr(outbox::Column::InFlightSince, Expr::value(no_time()))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(status::DEAD))
        .filter(outbox::Column::SecretsRemoved.eq(false))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub(super) fn no_time() -> Option<DateTime<Utc>> {
    None
}

pub(super) fn no_one() -> Option<String> {
    None
}

/// `next_attempt_at` is unset or not after `at`.
fn due_at(at: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(outbox::Column::NextAttemptAt.is_null())
        .add(outbox::Column::NextAttemptAt.lte(at))
}

/// Claims, sends and records one message.
async fn attempt(state: &AppState, id: &str, clock: &Clock) -> Result<DeliveryOutcome, DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let claimed_at = clock.now();
    let claim = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(status::IN_FLIGHT))
        .col_expr(outbox::Column::InFlightSince, Expr::value(claimed_at))
        .col_expr(
            outbox::Column::ClaimedBy,
            Expr::value(Some(state.config.instance_id.clone())),
        )
        .col_expr(outbox::Column::LastAttemptAt, Expr::value(claimed_at))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(status::PENDING))
        .filter(due_at(claimed_at))
        .exec(&state.db)
        .await?;
    if claim.rows_affected != 1 {
        return Ok(DeliveryOutcome::NotClaimed);
    }
    // Ours now: `attempts` as read here is the claim's token.
    let Some(row) = outbox::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
    else {
        return Ok(DeliveryOutcome::NotClaimed);
    };
    let result = send(state, &row).await;
    record(state, &row, result, clock.now()).await
}

/// Decrypts, renders and sends one claimed message.
async fn send(state: &AppState, row: &outbox::Model) -> Result<(), SendError> {
    let channel = Channel::parse(&row.channel)
        .ok_or_else(|| SendError::permanent(format!("unknown channel {}", row.channel)))?;
    let to = state
        .cipher
        .decrypt(&row.recipient_enc, &recipient_aad(&row.id))
        .map_err(|_| SendError::permanent("the recipient cannot be decrypted"))?;
    let payload: serde_json::Value =
        serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null);
    let (subject, body) =
        render(&row.template, &payload).map_err(|e| SendError::permanent(e.to_string()))?;
    let transport = state.delivery.transport(channel);
    let message = Outgoing {
        id: &row.id,
        channel,
        template: &row.template,
        to: &to,
        subject: &subject,
        body: &body,
        created_at: row.created_at,
    };
    let sent = tokio::time::timeout(state.delivery.policy.send_timeout, transport.send(&message))
        .await
        .unwrap_or_else(|_| {
            Err(SendError::transient(format!(
                "{}: timed out",
                transport.name()
            )))
        });
    sent.map_err(|e| SendError {
        reason: scrub(&e.reason, &to, &payload),
        ..e
    })
}

/// A failure reason with the recipient and the payload's secrets cut out, whatever a
/// transport put in it, and at most 300 characters.
pub fn scrub(reason: &str, recipient: &str, payload: &serde_json::Value) -> String {
    let mut out = reason.to_owned();
    let secrets = SECRET_KEYS
        .iter()
        .filter_map(|k| payload.get(*k).and_then(serde_json::Value::as_str))
        .chain(std::iter::once(recipient.trim()));
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret, "…");
        }
    }
    out.chars().take(300).collect()
}

/// The payload without its secrets, and whether there were any.
pub(super) fn without_secrets(payload: &str) -> (String, bool) {
    let mut value: serde_json::Value =
        serde_json::from_str(payload).unwrap_or(serde_json::Value::Null);
    let mut removed = false;
    if let Some(map) = value.as_object_mut() {
        for k in SECRET_KEYS {
            removed |= map.remove(k).is_some();
        }
    }
    (value.to_string(), removed)
}

/// Records the result of a claimed attempt, if the claim is still ours.
async fn record(
    state: &AppState,
    row: &outbox::Model,
    result: Result<(), SendError>,
    at: DateTime<Utc>,
) -> Result<DeliveryOutcome, DbErr> {
    let policy = &state.delivery.policy;
    let update = outbox::Entity::update_many()
        .col_expr(outbox::Column::InFlightSince, Expr::value(no_time()))
        .col_expr(outbox::Column::ClaimedBy, Expr::value(no_one()))
        .filter(outbox::Column::Id.eq(row.id.clone()))
        .filter(outbox::Column::Status.eq(status::IN_FLIGHT))
        .filter(outbox::Column::Attempts.eq(row.attempts));
    let finished = |update: sea_orm::UpdateMany<outbox::Entity>, to: &str| {
        let (payload, removed) = without_secrets(&row.payload);
        update
            .col_expr(outbox::Column::Status, Expr::value(to))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(no_time()))
            .col_expr(outbox::Column::Payload, Expr::value(payload))
            .col_expr(
                outbox::Column::SecretsRemoved,
                Expr::value(row.secrets_removed || removed),
            )
    };
    let (update, outcome) = match &result {
        Ok(()) => (
            finished(update, status::SENT)
                .col_expr(outbox::Column::SentAt, Expr::value(Some(at)))
                .col_expr(
                    outbox::Column::LastError,
                    Expr::value(Option::<String>::None),
                ),
            DeliveryOutcome::Sent,
        ),
        Err(e) if e.permanent || row.attempts >= policy.max_attempts => (
            finished(update, status::DEAD)
                .col_expr(outbox::Column::LastError, Expr::value(e.reason.clone())),
            DeliveryOutcome::Dead,
        ),
        Err(e) => {
            let next = at + policy.retry_after(row.attempts);
            (
                update
                    .col_expr(outbox::Column::Status, Expr::value(status::PENDING))
                    .col_expr(outbox::Column::NextAttemptAt, Expr::value(Some(next)))
                    .col_expr(outbox::Column::LastError, Expr::value(e.reason.clone())),
                DeliveryOutcome::RetryAt(next),
            )
        }
    };
    let written = update.exec(&state.db).await?;
    if written.rows_affected != 1 {
        tracing::warn!(
            message = %row.id,
            "outbox claim was taken over before the result was recorded"
        );
    }
    match &result {
        Ok(()) => {
            tracing::debug!(message = %row.id, template = %row.template, "outbox message sent")
        }
        Err(e) => tracing::warn!(
            message = %row.id,
            template = %row.template,
            channel = %row.channel,
            attempts = row.attempts,
            reason = %e.reason,
            outcome = ?outcome,
            "outbox message not sent"
        ),
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_thirty_seconds_up_to_an_hour() {
        let p = RetryPolicy::default();
        let waits: Vec<i64> = (1..=9).map(|n| p.retry_after(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(p.retry_after(0).num_seconds(), 30);
        assert_eq!(p.retry_after(i32::MAX).num_seconds(), 3600);
        assert!(p.in_flight_timeout > Duration::from_std(p.send_timeout).unwrap_or_default());
    }

    #[test]
    fn a_failure_reason_never_carries_the_recipient_or_a_code() {
        let payload = serde_json::json!({ "code": "012345", "minutes": 10 });
        let reason = scrub(
            "550 5.1.1 <mom@example.com>: unknown user (code 012345)",
            "mom@example.com",
            &payload,
        );
        assert!(!reason.contains("mom@example.com"), "{reason}");
        assert!(!reason.contains("012345"), "{reason}");
        assert!(reason.starts_with("550 5.1.1"), "{reason}");
        assert_eq!(scrub(&"x".repeat(1000), "", &payload).chars().count(), 300);
    }

    #[test]
    fn secrets_leave_the_payload_and_say_so() {
        let (payload, removed) = without_secrets(r#"{"code":"012345","minutes":10}"#);
        assert!(removed);
        assert_eq!(payload, r#"{"minutes":10}"#);
        let (_, removed) = without_secrets(r#"{"masked_name":"林○晴"}"#);
        assert!(!removed);
    }
}
