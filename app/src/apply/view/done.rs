//! Step 7: the result with the serial number and the way to pay.

use super::*;

/// Step 7 «卡片送交印卡中心»: the amount, recipient, deadline and the slip.
#[component]
pub fn DoneStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    let loaded = RwSignal::new(state.receipt.get_untracked().is_some());
    if !loaded.get_untracked() {
        spawn_local(async move {
            if let Ok(Some(r)) = load_last_application_receipt().await {
                state.receipt.set(Some(r));
            }
            loaded.set(true);
        });
    }
    let title = Signal::derive(move || td_string!(i18n.get_locale(), apply.done_title).to_string());
    view! {
        <PageShell>
            <StepHeader step=7 total=TOTAL title=title />
            {move || match (loaded.get(), state.receipt.get()) {
                (false, _) => loading_view(i18n),
                (true, None) => view! {
                    <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
                    <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link>
                }.into_any(),
                (true, Some(r)) => {
                    let locale = i18n.get_locale();
                    let slip_href = format!("/card/slip/{}", r.serial_no);
                    view! {
                        <div class="notice notice--ok" role="status">
                            <p>{td_string!(locale, apply.done_lead, serial = r.serial_no.clone()).to_string()}</p>
                        </div>
                        <dl class="facts facts--large">
                            {fact(td_string!(locale, apply.serial_no).into(), r.serial_no.clone())}
                            {fact(td_string!(locale, apply.card_type).into(), pick(locale, &r.card_type_zh, &r.card_type_en))}
                            {fact(td_string!(locale, apply.fee_total).into(), money(locale, r.amount))}
                            {fact(td_string!(locale, apply.recipient_name).into(), r.recipient_name.clone())}
                            {fact(td_string!(locale, apply.recipient_address).into(), r.recipient_address.clone())}
                            {fact(td_string!(locale, apply.deadline).into(), iso_date(r.due_on))}
                            {fact(td_string!(locale, apply.payment_no).into(), r.payment_no.clone())}
                        </dl>
                        <p>{td_string!(locale, apply.done_next)}</p>
                        <div class="actions">
                            <Link href=slip_href class="button button--primary">{td_string!(locale, apply.download_slip)}</Link>
                            <Link href="/" class="button button--secondary">{td_string!(locale, common.back_home)}</Link>
                            <crate::wizard::view::ConsentReceiptLink />
                        </div>
                    }
                    .into_any()
                }
            }}
        </PageShell>
    }
}
