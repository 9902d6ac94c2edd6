use sea_orm::entity::prelude::*;

/// One back-office login attempt, counted per keyed hash of the username (so an
/// unknown username is counted like a real one) for the captcha and the lock.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_login_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username_hash: String,
    pub client_ip: String,
    pub succeeded: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
