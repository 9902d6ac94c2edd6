use sea_orm::entity::prelude::*;

/// The first answer to an exactly-once submission, unique per (scope, key).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Whose key space, e.g. `stop:<holder id>`.
    pub scope: String,
    /// Made by the browser once per confirmation page.
    pub key: String,
    /// SHA-256 (hex) of the request's canonical JSON.
    pub request_hash: String,
    /// The answer as JSON, returned again to every retry.
    pub response: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
