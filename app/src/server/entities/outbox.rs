use sea_orm::entity::prelude::*;

/// A message to send (e-mail or SMS), written in the transaction that causes it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// 32 random hex characters (also the associated data of `recipient_enc`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    /// AES-GCM, associated data `outbox.recipient:<id>`.
    pub recipient_enc: String,
    pub template: String,
    /// The template's values as JSON; secrets (a one-time code) are removed once the
    /// message is sent or has failed.
    pub payload: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
