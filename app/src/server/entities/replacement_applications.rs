use sea_orm::entity::prelude::*;

/// A replacement card application («線上申辦»). Contact data and addresses are
/// encrypted (associated data `replacement_applications.<column>:<serial_no>`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "replacement_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub serial_no: String,
    pub holder_id: i32,
    pub card_type: String,
    pub reason: String,
    pub reason_remark: Option<String>,
    pub email_enc: Option<String>,
    pub phone_enc: Option<String>,
    pub mobile_enc: Option<String>,
    pub contact_name_enc: Option<String>,
    pub contact_phone_enc: Option<String>,
    pub address_enc: Option<String>,
    pub delivery: String,
    pub recipient_name_enc: String,
    pub recipient_address_enc: Option<String>,
    pub recipient_phone_enc: String,
    pub recipient_email_enc: Option<String>,
    pub photo_file: String,
    pub photo_sha256: String,
    pub fee: i32,
    pub amount_due: i32,
    #[sea_orm(unique)]
    pub payment_serial: i64,
    #[sea_orm(unique)]
    pub payment_no: String,
    pub due_on: Date,
    pub status: String,
    pub return_reason: Option<String>,
    pub paid_on: Option<Date>,
    pub paid_channel: Option<String>,
    pub paid_amount: Option<i32>,
    /// The school's review: `pending` («申請中»), `approved` («已核可»), `returned`.
    pub review_status: String,
    pub review_reason: Option<String>,
    pub reviewed_by: Option<i32>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The print batch it was collected into (`print_batches`).
    pub print_batch_id: Option<i32>,
    /// The registered-mail number («掛號號碼») once shipped.
    pub mail_no: Option<String>,
    /// When the issuer confirmed the old card (mailed back for a damaged card or a
    /// name change) arrived; until then such an application waits in «處理中».
    pub old_card_received_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
