//! The browser side of the stop wizard's server-kept draft: loading it back after a
//! reload, and keeping each change (debounced) while the parent goes through the steps.

use super::api::load_stop_overview;
use super::draft::{StopDraftData, keep_stop_draft, load_stop_draft};
use super::view::StopDraft;
use leptos::prelude::*;

/// Fills an empty draft from the server (the overview, then the kept choices) and
/// marks it synced; a draft already in memory is left as it is.
pub async fn restore(draft: StopDraft) {
    if draft.synced.get_untracked() {
        return;
    }
    if draft.overview.get_untracked().is_none()
        && let Ok(o) = load_stop_overview().await
    {
        draft.overview.set(Some(o));
    }
    if draft.card_ref.get_untracked().is_none()
        && let Ok(Some(kept)) = load_stop_draft().await
    {
        draft.card_ref.set(Some(kept.card_ref));
        draft.wants_refund.set(kept.wants_refund);
        draft.method.set(kept.method);
        draft.bank.update(|b| {
            b.bank_code = kept.bank_code;
            b.branch_code = kept.branch_code;
        });
        draft.cheque.update(|c| c.postal_code = kept.postal_code);
        draft.restored.set(true);
    }
    draft.synced.set(true);
}

/// What of the draft is kept on the server (nothing that identifies anyone).
fn kept_part(draft: StopDraft) -> Option<StopDraftData> {
    Some(StopDraftData {
        card_ref: draft.card_ref.get()?,
        wants_refund: draft.wants_refund.get(),
        method: draft.method.get(),
        bank_code: draft.bank.with(|b| b.bank_code.clone()),
        branch_code: draft.bank.with(|b| b.branch_code.clone()),
        postal_code: draft.cheque.with(|c| c.postal_code.clone()),
    })
}

/// Keeps every change of the draft on the server, half a second after the last one,
/// once the draft is synced (so an empty page never overwrites what was kept).
pub fn keep_changes(draft: StopDraft) {
    let generation = StoredValue::new(0u64);
    let last = StoredValue::new(None::<StopDraftData>);
    Effect::new(move |_| {
        let Some(data) = kept_part(draft) else { return };
        if !draft.synced.get() || last.with_value(|l| l.as_ref() == Some(&data)) {
            return;
        }
        // A new card is kept at once (the next step opens with it, and a reload there
        // needs it); typing waits for a pause.
        let new_card = last.with_value(|l| l.as_ref().is_none_or(|l| l.card_ref != data.card_ref));
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            #[cfg(not(feature = "csr"))]
            let _ = new_card;
            #[cfg(feature = "csr")]
            if !new_card {
                gloo_timers::future::TimeoutFuture::new(500).await;
            }
            if generation.get_value() == mine && keep_stop_draft(data.clone()).await.is_ok() {
                last.set_value(Some(data));
            }
        });
    });
}
