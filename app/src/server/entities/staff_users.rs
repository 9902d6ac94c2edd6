use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    /// `teacher`, `officer` or `operator`.
    pub role: String,
    pub school_id: Option<i32>,
    pub class_id: Option<i32>,
    pub must_change_password: bool,
    pub failed_logins: i32,
    pub last_failed_at: Option<DateTimeUtc>,
    pub locked_until: Option<DateTimeUtc>,
    /// The TOTP secret (encrypted), when the account has a second factor.
    pub totp_secret_enc: Option<String>,
    /// Raised by every password change: sessions of an older version have ended.
    pub password_version: i32,
    /// Set when the account is disabled: no login, and its sessions have ended.
    pub disabled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
