use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cards")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub holder_id: i32,
    /// A `card_types.code`.
    pub card_type: String,
    #[sea_orm(unique)]
    pub outer_no: String,
    /// `active`, `locked` or `stopped`.
    pub status: String,
    pub balance: i32,
    pub issued_on: Date,
    pub locked_at: Option<DateTimeUtc>,
    pub stopped_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A card's loss reports (`stop_requests.card_id`), for joins from the card.
impl Related<super::stop_requests::Entity> for Entity {
    fn to() -> RelationDef {
        RelationDef::from(
            super::stop_requests::Entity::belongs_to(Entity)
                .from(super::stop_requests::Column::CardId)
                .to(Column::Id),
        )
        .rev()
    }
}
