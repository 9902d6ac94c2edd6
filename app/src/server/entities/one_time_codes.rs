use sea_orm::entity::prelude::*;

/// A one-time code (step-up, later registration and password reset), stored hashed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_time_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// e.g. `stop.step_up`
    pub purpose: String,
    /// A keyed hash of whom the code is for (never a clear identifier).
    pub subject: String,
    /// Keyed hash of subject and code.
    pub code_hash: String,
    pub expires_at: DateTimeUtc,
    /// Wrong guesses so far; the code is burnt at the limit.
    pub attempts: i32,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
