use sea_orm::entity::prelude::*;

/// One child a parent tried to bind, matched or not: the per-parent and per-child
/// limits that keep the binding form from probing the roster.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "binding_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: i32,
    pub matched: bool,
    /// Keyed hash of the child ID typed (`holder.id_no`), counted across all parents.
    pub child_hash: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
