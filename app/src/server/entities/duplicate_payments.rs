use sea_orm::entity::prelude::*;

/// «重複繳費»: a payment for an application that was already paid (a store payment
/// after LINE Pay, or two guardians paying the same payment number), kept for the
/// refund. `reference` names the payment (`linepay:<transactionId>` or
/// `<channel>:<paid_on>:<amount>`), so reporting it again adds nothing.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duplicate_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub application_id: i32,
    pub payment_no: String,
    pub amount: i32,
    pub paid_on: Date,
    pub channel: String,
    #[sea_orm(unique)]
    pub reference: String,
    pub detected_at: DateTimeUtc,
    pub refunded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
