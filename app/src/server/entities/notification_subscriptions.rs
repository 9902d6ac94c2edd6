use sea_orm::entity::prelude::*;

/// A parent's subscription: one child × channel (`email`, `line`) × event
/// (`arrival`, `departure`, `absence`). A row means subscribed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub parent_id: i32,
    pub holder_id: i32,
    pub channel: String,
    pub event: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
