use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub class_id: i32,
    pub student_no: String,
    pub name: String,
    pub id_kind: String,
    /// AES-GCM ciphertext (see `crate::server::crypto`).
    pub id_no_enc: String,
    /// Keyed hash for lookup.
    #[sea_orm(unique)]
    pub id_no_hash: String,
    pub birth_date: Date,
    pub gender: String,
    pub seat_no: i32,
    pub guardian_mobile_enc: Option<String>,
    pub guardian_email_enc: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::schools::Entity",
        from = "Column::SchoolId",
        to = "super::schools::Column::Id"
    )]
    School,
    #[sea_orm(
        belongs_to = "super::classes::Entity",
        from = "Column::ClassId",
        to = "super::classes::Column::Id"
    )]
    Class,
}

impl Related<super::schools::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::School.def()
    }
}

impl Related<super::classes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Class.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// A holder's cards (`cards.holder_id`), for joins from the holder.
impl Related<super::cards::Entity> for Entity {
    fn to() -> RelationDef {
        RelationDef::from(
            super::cards::Entity::belongs_to(Entity)
                .from(super::cards::Column::HolderId)
                .to(Column::Id),
        )
        .rev()
    }
}
