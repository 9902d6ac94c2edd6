use sea_orm::entity::prelude::*;

/// «訊息發送服務»: a notice to the parents of a school, one class (`class_id`) or one
/// grade (`level`, e.g. `5` for classes 501, 502, …).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    /// The one class it went to.
    pub class_id: Option<i32>,
    /// The one grade it went to.
    pub level: Option<String>,
    pub title: String,
    pub body: String,
    /// The staff member who sent it.
    pub sent_by: i32,
    pub created_at: DateTimeUtc,
    /// The idempotency token handed out with the preview: a replayed «確認發送» finds
    /// this row and sends nothing.
    #[sea_orm(unique)]
    pub token: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
