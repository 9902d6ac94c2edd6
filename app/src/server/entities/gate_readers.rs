use sea_orm::entity::prelude::*;

/// A school gate card reader that posts swipes with its own API key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "gate_readers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The reader's name in requests (`reader_id`), e.g. `E2E001-gate-1`.
    #[sea_orm(unique)]
    pub reader_code: String,
    pub school_id: i32,
    /// Keyed hash of the API key (the key itself is shown once, at creation).
    #[sea_orm(unique)]
    pub api_key_hash: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: Option<DateTimeUtc>,
    /// The school's name for it («讀卡機名稱»), unique within the school; `None` for
    /// readers added by the CLI.
    pub name: Option<String>,
    /// «停用»: from then on its key is refused.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
