//! Reads for the query wizard, authorised only by the session's verified holder.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{CardStatus, CardSummary, HolderOverview};
use crate::domain::masking::{mask_identifier, mask_name};
use crate::error::AppError;
use crate::server::context::{CallContext, internal};
use crate::server::entities::{card_types, cards, classes, holders, schools};
use crate::wizard::{Wizard, session};

/// # Errors
/// `Unauthorized` without a live verification; database errors.
pub async fn overview(cx: &CallContext) -> Result<HolderOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Query).await?;
    let until = session::load(&cx.session)
        .await?
        .and_then(|w| w.verified_until)
        .ok_or(AppError::Unauthorized)?;
    let db = &cx.state.db;
    let holder = holders::Entity::find_by_id(holder_id)
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Unauthorized)?;
    let school = schools::Entity::find_by_id(holder.school_id)
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let class = classes::Entity::find_by_id(holder.class_id)
        .one(db)
        .await
        .map_err(internal)?
        .ok_or(AppError::Internal)?;
    let types = card_types::Entity::find().all(db).await.map_err(internal)?;
    let holder_cards = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(holder.id))
        .order_by_desc(cards::Column::IssuedOn)
        .order_by_desc(cards::Column::Id)
        .all(db)
        .await
        .map_err(internal)?;
    let cards = holder_cards
        .into_iter()
        .map(|c| {
            let t = types.iter().find(|t| t.code == c.card_type);
            CardSummary {
                card_type_zh: t.map_or_else(|| c.card_type.clone(), |t| t.name_zh.clone()),
                card_type_en: t.map_or_else(|| c.card_type.clone(), |t| t.name_en.clone()),
                status: CardStatus::parse(&c.status).unwrap_or(CardStatus::Stopped),
                school_name: school.name.clone(),
                outer_no_masked: mask_identifier(&c.outer_no),
                applied_on: c.issued_on,
                fee: t.map_or(0, |t| t.fee),
                paid_on: None,
                stopped_at: c.stopped_at,
            }
        })
        .collect();
    Ok(HolderOverview {
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        cards,
        verified_until: until,
    })
}
