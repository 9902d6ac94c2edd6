//! Reads for the query wizard, authorised only by the session's verified holder.

use super::{CardSummary, HolderOverview};
use crate::domain::masking::{mask_identifier, mask_name};
use crate::error::AppError;
use crate::server::context::CallContext;
use crate::server::holder_cards::{self, HolderCard, HolderCards};
use crate::wizard::{Wizard, session};

/// # Errors
/// `Unauthorized` without a live verification; database errors.
pub async fn overview(cx: &CallContext) -> Result<HolderOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Query).await?;
    let until = session::load(&cx.session)
        .await?
        .and_then(|w| w.verified_until)
        .ok_or(AppError::Unauthorized)?;
    let HolderCards {
        holder,
        school,
        class,
        cards,
    } = holder_cards::load(&cx.state.db, holder_id).await?;
    let cards = cards
        .into_iter()
        .map(|c| card_summary(&school.name, c))
        .collect();
    Ok(HolderOverview {
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        cards,
        applications: crate::apply::service::summaries(&cx.state.db, holder_id).await?,
        verified_until: until,
    })
}

/// One of a holder's cards as the query wizard (and a bound parent) sees it.
pub fn card_summary(school_name: &str, c: HolderCard) -> CardSummary {
    CardSummary {
        card_type_zh: c.type_zh,
        card_type_en: c.type_en,
        status: c.status,
        school_name: school_name.to_owned(),
        outer_no_masked: mask_identifier(&c.card.outer_no),
        applied_on: c.card.issued_on,
        fee: c.fee,
        paid_on: None,
        stopped_at: c.card.stopped_at,
        refund_choice: c.stop_choice,
    }
}
