use sea_orm::entity::prelude::*;

/// One row per server instance, rewritten by its write check (`server::db`): proof
/// that a write transaction still reaches the disk, for `/api/v1/health`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "write_checks")]
pub struct Model {
    /// The instance id (`server::instance`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub instance: String,
    pub checked_at: DateTimeUtc,
    /// A few KB of fresh characters, so a check writes about as much as a swipe.
    pub filler: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
