use sea_orm::entity::prelude::*;

/// A card swipe at a school gate, or a time entered by staff («補登»).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "swipes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `None` for a staff entry.
    pub reader_id: Option<i32>,
    /// The reader's event id (unique: a repeated post is the same swipe).
    #[sea_orm(unique)]
    pub event_id: String,
    pub card_outer_no: String,
    /// `None` when the card is unknown to the roster (reported, kept).
    pub holder_id: Option<i32>,
    /// `in` or `out`.
    pub direction: String,
    pub swiped_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    /// Set for «補登».
    pub entered_by_staff_id: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
