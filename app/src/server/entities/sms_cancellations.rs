use sea_orm::entity::prelude::*;

/// «註銷»: a parent's request to cancel an SMS subscription, decided by the
/// homeroom teacher. `pending` → `approved` / `rejected`, or `withdrawn` («取消註銷»).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_cancellations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub subscription_id: i32,
    pub parent_id: i32,
    pub status: String,
    pub requested_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by_staff_id: Option<i32>,
    pub reject_reason: Option<String>,
    /// For an approved request: the first day without messages.
    pub effective_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
