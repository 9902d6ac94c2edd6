//! A verified holder with school, class and cards (newest first): what the query and
//! stop wizards both show.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
};

use super::CardStatus;
use crate::domain::dates::{taiwan_time, taiwan_today};
use crate::domain::refund::{RefundChoice, RefundProgress};
use crate::error::AppError;
use crate::server::entities::{cards, classes, holders, schools, stop_requests};
use crate::server::settings::Snapshot;

pub struct HolderCards {
    pub holder: holders::Model,
    pub school: schools::Model,
    pub class: classes::Model,
    pub cards: Vec<HolderCard>,
}

pub struct HolderCard {
    pub card: cards::Model,
    pub status: CardStatus,
    pub type_zh: String,
    pub type_en: String,
    /// The configured card fee of its type.
    pub fee: i32,
    /// The refund choice of its loss report, if it was stopped online.
    pub stop_choice: Option<RefundChoice>,
    /// Where that report's refund stands, when one is due.
    pub stop_refund: Option<RefundProgress>,
}

/// # Errors
/// `Unauthorized` when the holder no longer exists; database errors.
pub async fn load(db: &impl ConnectionTrait, holder_id: i32) -> Result<HolderCards, AppError> {
    let snapshot = Snapshot::load(db).await?;
    load_with(db, &snapshot, holder_id).await
}

/// [`load`] with the card types of a cached [`Snapshot`]: holder, school and class in
/// one query, then the cards with their loss reports in another.
///
/// # Errors
/// `Unauthorized` when the holder is gone; database errors.
pub async fn load_with(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    holder_id: i32,
) -> Result<HolderCards, AppError> {
    let (holder, school, class) = holders::Entity::find_by_id(holder_id)
        .find_also_related(schools::Entity)
        .find_also(holders::Entity, classes::Entity)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let (Some(school), Some(class)) = (school, class) else {
        return Err(AppError::Internal);
    };
    let types = &snapshot.card_types;
    let today = taiwan_today();
    // The cards with their loss reports in one statement (a card stopped twice, which
    // the wizard does not allow, would come twice: its first report counts).
    let mut rows = cards::Entity::find()
        .join_rev(
            JoinType::LeftJoin,
            stop_requests::Entity::belongs_to(cards::Entity)
                .from(stop_requests::Column::CardId)
                .to(cards::Column::Id)
                .into(),
        )
        .select_also(stop_requests::Entity)
        .filter(cards::Column::HolderId.eq(holder.id))
        .order_by_desc(cards::Column::IssuedOn)
        .order_by_desc(cards::Column::Id)
        .order_by_asc(stop_requests::Column::Id)
        .all(db)
        .await?;
    rows.dedup_by_key(|(card, _)| card.id);
    let cards = rows
        .into_iter()
        .map(|(card, stop)| {
            let t = types.iter().find(|t| t.code == card.card_type);
            let stop = stop.as_ref();
            let stop_choice = stop.and_then(|s| RefundChoice::parse(&s.choice));
            HolderCard {
                status: CardStatus::parse(&card.status).unwrap_or(CardStatus::Stopped),
                type_zh: t.map_or_else(|| card.card_type.clone(), |t| t.name_zh.clone()),
                type_en: t.map_or_else(|| card.card_type.clone(), |t| t.name_en.clone()),
                fee: t.map_or(0, |t| t.fee),
                stop_refund: stop.zip(stop_choice).and_then(|(s, choice)| {
                    RefundProgress::of(
                        choice,
                        s.refund_amount,
                        taiwan_time(s.stopped_at).date_naive(),
                        s.refund_paid_on,
                        today,
                    )
                }),
                stop_choice,
                card,
            }
        })
        .collect();
    Ok(HolderCards {
        holder,
        school,
        class,
        cards,
    })
}
