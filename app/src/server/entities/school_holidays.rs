use sea_orm::entity::prelude::*;

/// A weekday without school: for every school (`school_id` `None`) or one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school_holidays")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: Option<i32>,
    pub day: Date,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
