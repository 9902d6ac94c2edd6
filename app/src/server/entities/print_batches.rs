use sea_orm::entity::prelude::*;

/// A print batch: the paid and approved applications collected for the print centre
/// at one time (`replacement_applications.print_batch_id`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "print_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub created_at: DateTimeUtc,
    /// The audit actor kind that collected it (`print_centre`, `cli`).
    pub created_by: String,
    /// Applications collected.
    pub count: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
