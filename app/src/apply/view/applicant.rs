//! Step 3 «申請人資料»: the applicant, with the roster's facts.

use super::*;

/// Step 3: card type, reason and the applicant's contacts.
#[component]
pub fn ApplicantStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.applicant_title).to_string());
    let summary = summary_of(i18n, errors);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_step(
            state,
            ApplyStep::Applicant,
            errors,
            form_error,
            busy,
            "/card/apply/photo",
        );
    };
    view! {
        <PageShell>
            <StepHeader step=3 total=TOTAL title=title back_href="/card/apply/verify" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let types = o.card_types.clone();
                // A card still in use: reissued only when it is in hand (damaged, a name
                // change); a lost card is stopped first.
                let in_use = match o.block.clone() {
                    Some(ApplyBlock::ActiveCard { outer_no_masked }) => Some(outer_no_masked),
                    _ => None,
                };
                let card_in_use = in_use.is_some();
                view! {
                    <ErrorSummary items=summary />
                    <FormAlert message=form_error />
                    {in_use.map(|card| view! {
                        <div class="notice notice--warn" role="status">
                            <p>{move || td_string!(i18n.get_locale(), apply.active_card_in_hand, card = card.clone()).to_string()}</p>
                            <p><Link href="/card/stop/consent">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</Link></p>
                        </div>
                    })}
                    {roster_facts(i18n, &o)}
                    <form class="form" novalidate on:submit=submit>
                        <fieldset class="fieldset" id="card-type">
                            <legend>{tr(i18n, |l| td_string!(l, apply.card_type))}</legend>
                            <p class="field__error">{move || error_of(i18n, errors, "card_type").get()}</p>
                            {types.into_iter().map(|t| {
                                let code = t.code.clone();
                                let code2 = t.code.clone();
                                let fee = t.fee;
                                view! {
                                    <label class="radio radio--rich">
                                        <input type="radio" name="card-type"
                                            prop:checked=move || state.draft.with(|d| d.card_type == code)
                                            on:change=move |_| state.draft.update(|d| d.card_type = code2.clone()) />
                                        <span>
                                            <strong>{move || pick(i18n.get_locale(), &t.name_zh, &t.name_en)}</strong>
                                            <span class="radio__hint">{move || td_string!(i18n.get_locale(), apply.fee_hint, amount = fee).to_string()}</span>
                                        </span>
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <fieldset class="fieldset" id="reason">
                            <legend>{tr(i18n, |l| td_string!(l, apply.reason))}</legend>
                            <p class="field__error">{move || error_of(i18n, errors, "reason").get()}</p>
                            {ApplicationReason::ALL.into_iter().map(|r| view! {
                                <label class="radio">
                                    <input type="radio" name="reason"
                                        disabled=card_in_use && !r.card_in_hand()
                                        prop:checked=move || state.draft.with(|d| d.reason == r)
                                        on:change=move |_| {
                                            state.draft.update(|d| d.reason = r);
                                            errors.update(|e| { e.remove("reason"); });
                                        } />
                                    <span>{move || reason_text(i18n.get_locale(), r)}</span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        {draft_field(state, errors, "reason_remark", |l| td_string!(l, apply.reason_remark), |d| &d.reason_remark, |d, v| d.reason_remark = v, ("text", "off"))}
                        <h2>{tr(i18n, |l| td_string!(l, apply.contacts_title))}</h2>
                        {draft_field(state, errors, "mobile", |l| td_string!(l, apply.mobile), |d| &d.mobile, |d, v| d.mobile = v, ("tel", "tel"))}
                        {draft_field(state, errors, "email", |l| td_string!(l, apply.email), |d| &d.email, |d, v| d.email = v, ("email", "email"))}
                        {draft_field(state, errors, "phone", |l| td_string!(l, apply.phone), |d| &d.phone, |d, v| d.phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "contact_name", |l| td_string!(l, apply.contact_name), |d| &d.contact_name, |d, v| d.contact_name = v, ("text", "name"))}
                        {draft_field(state, errors, "contact_phone", |l| td_string!(l, apply.contact_phone), |d| &d.contact_phone, |d, v| d.contact_phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "address", |l| td_string!(l, apply.address), |d| &d.address, |d, v| d.address = v, ("text", "street-address"))}
                        <div class="actions">
                            <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>
                                {tr(i18n, |l| td_string!(l, apply.next))}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            })}
        </PageShell>
    }
}
