use sea_orm::entity::prelude::*;

/// The last serial number handed out, per kind and day (`server::serials`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "serial_counters")]
pub struct Model {
    /// `stop`, `application` or `payment`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    /// Taiwan day `YYYYMMDD`; `''` for a counter that never restarts.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    pub last: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
