use sea_orm::entity::prelude::*;

/// A parent–child binding request («親子綁定»). An approved request is the binding.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "binding_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub parent_id: i32,
    pub holder_id: i32,
    /// `father`, `mother`, `grandparent` or `other_guardian`.
    pub relationship: String,
    /// `pending` («審核中»), `approved`, `returned` («退回»), `unbound` (by the
    /// parent) or `removed` (by staff).
    pub status: String,
    pub return_reason: Option<String>,
    pub decided_by_staff_id: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    /// Why staff removed an approved binding.
    pub end_reason: Option<String>,
    pub ended_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
