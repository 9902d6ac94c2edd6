use sea_orm::entity::prelude::*;

/// A message to send (e-mail, SMS or LINE), written in the transaction that causes it
/// and delivered by the outbox worker (`server::outbox::worker`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// 32 random hex characters (also the associated data of `recipient_enc`, the
    /// e-mail's Message-ID and the source of LINE's retry key).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `email`, `sms` or `line`.
    pub channel: String,
    /// AES-GCM, associated data `outbox.recipient:<id>`.
    pub recipient_enc: String,
    pub template: String,
    /// The template's values as JSON; secrets (a one-time code, a temporary password)
    /// are removed once the message is sent or dead (`secrets_removed`).
    pub payload: String,
    /// `pending` (waiting, due at `next_attempt_at`), `in_flight` (claimed by a
    /// worker since `in_flight_since`), `sent` or `dead` (attempts exhausted or refused
    /// for good; an operator may put it back to `pending`).
    pub status: String,
    /// Attempts so far; each claim counts one, also one interrupted by a crash.
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// When a `pending` message is due again; `None`: at once.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// When a worker claimed it; a claim older than the in-flight timeout is taken
    /// over as if that worker had died.
    pub in_flight_since: Option<DateTimeUtc>,
    /// The server instance that made the current claim (`server::instance`): after
    /// a crash, the restarted instance sends its own claims again at once.
    pub claimed_by: Option<String>,
    pub last_attempt_at: Option<DateTimeUtc>,
    /// Why the last attempt failed, without recipients or secrets.
    pub last_error: Option<String>,
    /// The payload's secrets are gone: the message can no longer be sent again.
    pub secrets_removed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
