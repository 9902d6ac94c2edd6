use sea_orm::entity::prelude::*;

/// A parent's account («家長專區»): signs in with its e-mail address or mobile number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parent_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// `email` or `mobile`.
    pub contact_kind: String,
    /// AES-GCM ciphertext of the normalised contact (see `crate::server::crypto`).
    pub contact_enc: String,
    /// Keyed hash of the normalised contact, for login and uniqueness.
    #[sea_orm(unique)]
    pub contact_hash: String,
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Raised at every password change; a session carrying an older value has ended.
    pub password_version: i32,
    /// Set for accounts created by staff with a temporary password.
    pub must_change_password: bool,
    pub created_by_staff_id: Option<i32>,
    pub password_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The e-mail address notifications go to (AES-GCM); verified by code.
    pub notify_email_enc: Option<String>,
    pub notify_email_verified_at: Option<DateTimeUtc>,
    /// The linked LINE user id (AES-GCM) and its keyed hash.
    pub line_user_enc: Option<String>,
    pub line_user_hash: Option<String>,
    pub line_linked_at: Option<DateTimeUtc>,
    /// Keyed hash of the one-time link code the parent sends to the school's LINE
    /// account, and when it expires.
    pub line_link_code_hash: Option<String>,
    pub line_link_code_expires_at: Option<DateTimeUtc>,
    /// The language of messages sent without the parent in the browser: `zh-TW`,
    /// `en`, `vi` or `id` (`crate::server::outbox::Lang`).
    pub language: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
