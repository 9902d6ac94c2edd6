use sea_orm::entity::prelude::*;

/// One parent a notice went to, over one verified channel: the outbox message's status
/// is the delivery status. A parent without a verified channel has one row with neither
/// (they read the notice in «家長專區»).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school_notice_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    pub parent_id: i32,
    /// `email`, `sms` or `line`.
    pub channel: Option<String>,
    #[sea_orm(unique)]
    pub outbox_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
