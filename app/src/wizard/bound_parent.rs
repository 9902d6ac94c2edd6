//! A logged-in parent's wizard for a bound child: started without identity
//! verification from «家長專區», and recognised by the stop and apply wizards (no
//! step-up code while the binding is in force).

use chrono::{Duration, Utc};
use sea_orm::EntityTrait;

use super::{Wizard, session};
use crate::domain::binding::BindingStatus;
use crate::domain::masking::mask_name;
use crate::error::AppError;
use crate::server::audit::Actor;
use crate::server::context::CallContext;
use crate::server::db::begin_write;
use crate::server::entities::holders;
use crate::server::model::audit_trail::record;
use crate::server::model::binding_request::{approved_binding, own_request_or_deny};
use crate::server::model::parent_account::{current, logged_in_parent};

/// Whether this session's wizard was started by the logged-in parent for `holder_id`
/// and that parent's binding is still approved: then the stop needs no step-up code.
pub async fn bound_parent_wizard(cx: &CallContext, holder_id: i32) -> bool {
    let Ok(Some(w)) = session::load(&cx.session).await else {
        return false;
    };
    let (Some(via), Some(parent)) = (w.via_parent, logged_in_parent(cx).await) else {
        return false;
    };
    via == parent
        && w.verified_holder_id == Some(holder_id)
        && approved_binding(&cx.state.db, parent, holder_id).await
}

/// «停卡掛失» / «線上申辦» for a bound child from the parent's home: after consent (the
/// wizard session must hold it), the session counts as verified for the child without
/// the identity step, and the stop wizard asks for no step-up code (SPEC §2).
///
/// # Errors
/// `Unauthorized` (not logged in, or no consent for `wizard` in this session),
/// `MustChangePassword`, `Forbidden` (no approved binding of this parent — audited),
/// `Validation` for the query wizard (the home already shows the child's cards).
pub async fn start_wizard_for_child(
    cx: &CallContext,
    wizard: Wizard,
    binding_id: i32,
) -> Result<super::VerifiedHolder, AppError> {
    let account = current(cx, false).await?;
    if wizard == Wizard::Query {
        return Err(AppError::field("wizard", "unsupported"));
    }
    let mut wizard_session = session::load(&cx.session)
        .await?
        .filter(|w| w.wizard == wizard)
        .ok_or(AppError::Unauthorized)?;
    let txn = begin_write(&cx.state.db).await?;
    let (txn, request) = own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "parent.wizard_start",
    )
    .await?;
    let holder = holders::Entity::find_by_id(request.holder_id)
        .one(&txn)
        .await?
        .ok_or(AppError::Internal)?;
    let masked_name = mask_name(&holder.name);
    record(
        &txn,
        Some(&cx.client),
        Actor::Parent(account.id),
        "parent.wizard_start",
        Some(masked_name.clone()),
        "ok",
        // "record" links the parent to this consent: «我的資料» lists its receipt.
        serde_json::json!({ "binding_id": binding_id, "wizard": wizard.slug(), "record": wizard_session.consent_record_id }),
    )
    .await?;
    txn.commit().await?;
    let window = crate::server::settings::get_i64(
        &cx.state.db,
        crate::server::settings::VERIFICATION_WINDOW_MINUTES,
        20,
    )
    .await?;
    let until = Utc::now() + Duration::minutes(window);
    wizard_session.verified_holder_id = Some(holder.id);
    wizard_session.verified_masked_name = Some(masked_name.clone());
    wizard_session.verified_until = Some(until);
    wizard_session.via_parent = Some(account.id);
    session::save(&cx.session, &wizard_session).await?;
    Ok(super::VerifiedHolder { masked_name, until })
}
