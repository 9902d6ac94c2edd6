//! Reads for the query wizard, authorised only by the session's verified holder.

use super::HolderOverview;
use crate::domain::masking::mask_name;
use crate::error::AppError;
use crate::holder::cards::{self as holder_cards, HolderCards};
pub use crate::holder::service::card_summary;
use crate::server::context::CallContext;
use crate::wizard::{Wizard, session};

/// # Errors
/// `Unauthorized` without a live verification; database errors.
pub async fn overview(cx: &CallContext) -> Result<HolderOverview, AppError> {
    let holder_id = session::verified_holder(&cx.session, Wizard::Query).await?;
    let until = session::load(&cx.session)
        .await?
        .and_then(|w| w.verified_until)
        .ok_or(AppError::Unauthorized)?;
    let snapshot = cx.state.settings.current(&cx.state.db).await?;
    let HolderCards {
        holder,
        school,
        class,
        cards,
    } = holder_cards::load_with(&cx.state.db, &snapshot, holder_id).await?;
    let cards: Vec<_> = cards
        .into_iter()
        .map(|c| card_summary(&school.name, c))
        .collect();
    let mut applications =
        crate::holder::service::summaries_with(&cx.state.db, &snapshot, holder_id).await?;
    // The query's slip link opens the slip with «LINE Pay 付款» on it.
    if cx.state.line_pay.is_some() {
        for a in &mut applications {
            a.line_pay = a.status == crate::holder::ApplicationStatus::AwaitingPayment;
        }
    }
    Ok(HolderOverview {
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        actions: crate::holder::HolderActions::of(&cards, &applications),
        cards,
        applications,
        verified_until: until,
    })
}
