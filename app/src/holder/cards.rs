//! A verified holder with school, class and cards (newest first): what the query and
//! stop wizards both show.

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

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

/// [`load`] with the card types of a cached [`Snapshot`]: the holder, school, class,
/// cards and their loss reports in one statement (a holder without cards comes as
/// one row without a card).
///
/// # Errors
/// `Unauthorized` when the holder is gone; database errors.
pub async fn load_with(
    db: &impl ConnectionTrait,
    snapshot: &Snapshot,
    holder_id: i32,
) -> Result<HolderCards, AppError> {
    let mut rows = holders::Entity::find_by_id(holder_id)
        .find_also_related(schools::Entity)
        .find_also(holders::Entity, classes::Entity)
        .find_also(holders::Entity, cards::Entity)
        .find_also(cards::Entity, stop_requests::Entity)
        .order_by_desc(cards::Column::IssuedOn)
        .order_by_desc(cards::Column::Id)
        .order_by_asc(stop_requests::Column::Id)
        .all(db)
        .await?;
    let Some((holder, school, class)) = rows
        .first()
        .map(|(h, s, c, _, _)| (h.clone(), s.clone(), c.clone()))
    else {
        return Err(AppError::Unauthorized);
    };
    let (Some(school), Some(class)) = (school, class) else {
        return Err(AppError::Internal);
    };
    let types = &snapshot.card_types;
    let today = taiwan_today();
    // A card stopped twice, which the wizard does not allow, would come twice: its
    // first report counts.
    rows.dedup_by_key(|row| row.3.as_ref().map(|c| c.id));
    let rows: Vec<(cards::Model, Option<stop_requests::Model>)> = rows
        .into_iter()
        .filter_map(|(_, _, _, card, stop)| Some((card?, stop)))
        .collect();
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
