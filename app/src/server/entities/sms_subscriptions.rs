use sea_orm::entity::prelude::*;

/// A term of the paid arrival/departure SMS service («到離校簡訊服務») for a child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub holder_id: i32,
    /// The parent account that ordered it, when ordered online.
    pub parent_id: Option<i32>,
    /// AES-GCM, associated data `sms_subscriptions.mobile:<holder_id>`.
    pub mobile_enc: String,
    /// e.g. 115學年度上學期
    pub term_name: String,
    pub period_start: Date,
    pub period_end: Date,
    pub arrival: bool,
    pub departure: bool,
    pub applied_on: Date,
    /// Set when an approved cancellation takes effect (the day after approval).
    pub cancelled_from: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
