use sea_orm::entity::prelude::*;

/// One loss report («停卡掛失»): irreversible, one per card.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stop_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `ST` + YYYYMMDD (Taiwan date) + 6-digit sequence of that day.
    #[sea_orm(unique)]
    pub serial_no: String,
    pub card_id: i32,
    pub holder_id: i32,
    /// `no_refund`, `bank_transfer`, `cheque` or `transfer_to_new_card`
    /// (`RefundChoice::as_str`; a transfer carries `refund_amount` to the next card).
    pub choice: String,
    pub balance_at_stop: i32,
    /// Fees deducted for this choice.
    pub fees: i32,
    /// NT$ to pay out; 0 without a refund or when the balance does not cover the fees.
    pub refund_amount: i32,
    pub bank_code: Option<String>,
    pub branch_code: Option<String>,
    /// AES-GCM, associated data `stop_requests.account_no:<serial_no>`.
    pub account_no_enc: Option<String>,
    pub postal_code: Option<String>,
    /// AES-GCM, associated data `stop_requests.address:<serial_no>`.
    pub address_enc: Option<String>,
    /// Stopped without a step-up code because the roster has no guardian contact
    /// (for the school's card officer).
    pub no_contact_flag: bool,
    pub stopped_at: DateTimeUtc,
    /// `stopped_at` + the loss-liability hours in force at the stop.
    pub protected_from: DateTimeUtc,
    pub review_status: String,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i32>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The issuer's confirmation: the date the refund was paid («已退費»).
    pub refund_paid_on: Option<Date>,
    pub refund_paid_amount: Option<i32>,
    /// `bank_transfer` or `cheque`, as the issuer reported it.
    pub refund_method: Option<String>,
    /// When the portal recorded the confirmation.
    pub refund_confirmed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
