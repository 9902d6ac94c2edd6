use sea_orm::entity::prelude::*;

/// One attempt to pay an application with LINE Pay: the portal's `order_id`, LINE's
/// `transaction_id` once requested, and its state `requested` → `confirming` →
/// `confirmed`, or `cancelled` / `failed` (`return_code`: LINE's code, or
/// `already_paid` when the application was paid another way first).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "line_pay_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    #[sea_orm(unique)]
    pub order_id: String,
    pub transaction_id: Option<String>,
    pub amount: i32,
    pub state: String,
    pub return_code: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
