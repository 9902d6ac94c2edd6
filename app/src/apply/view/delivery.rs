//! Step 5 «領取方式»: pick-up at school or delivery by post.

use super::*;

/// Step 5 «卡片領卡資訊».
#[component]
pub fn DeliveryStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    require_applicant(state);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.delivery_title).to_string());
    let summary = summary_of(i18n, errors);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_step(
            state,
            ApplyStep::Delivery,
            errors,
            form_error,
            busy,
            "/card/apply/confirm",
        );
    };
    let same_as_applicant = move |_| {
        state.draft.update(|d| {
            if d.recipient_address.trim().is_empty() {
                d.recipient_address = d.address.clone();
            }
            if d.recipient_phone.trim().is_empty() {
                d.recipient_phone = d.mobile.clone();
            }
            if d.recipient_email.trim().is_empty() {
                d.recipient_email = d.email.clone();
            }
        });
    };
    view! {
        <PageShell>
            <StepHeader step=5 total=TOTAL title=title back_href="/card/apply/photo" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let school = o.applicant.school_name.clone();
                view! {
                    <ErrorSummary items=summary />
                    <FormAlert message=form_error />
                    <form class="form" novalidate on:submit=submit>
                        <fieldset class="fieldset">
                            <legend>{tr(i18n, |l| td_string!(l, apply.delivery_question))}</legend>
                            <label class="radio radio--rich">
                                <input type="radio" name="delivery"
                                    prop:checked=move || state.draft.with(|d| d.delivery == Delivery::Mail)
                                    on:change=move |_| state.draft.update(|d| d.delivery = Delivery::Mail) />
                                <span><strong>{tr(i18n, |l| td_string!(l, apply.delivery_mail))}</strong>
                                    <span class="radio__hint">{tr(i18n, |l| td_string!(l, apply.delivery_mail_hint))}</span></span>
                            </label>
                            <label class="radio radio--rich">
                                <input type="radio" name="delivery"
                                    prop:checked=move || state.draft.with(|d| d.delivery == Delivery::School)
                                    on:change=move |_| state.draft.update(|d| d.delivery = Delivery::School) />
                                <span><strong>{tr(i18n, |l| td_string!(l, apply.delivery_school))}</strong>
                                    <span class="radio__hint">{move || td_string!(i18n.get_locale(), apply.delivery_school_hint, school = school.clone()).to_string()}</span></span>
                            </label>
                        </fieldset>
                        <button type="button" class="button button--link" on:click=same_as_applicant>
                            {tr(i18n, |l| td_string!(l, apply.same_as_applicant))}
                        </button>
                        {draft_field(state, errors, "recipient_name", |l| td_string!(l, apply.recipient_name), |d| &d.recipient_name, |d, v| d.recipient_name = v, ("text", "name"))}
                        <Show when=move || state.draft.with(|d| d.delivery == Delivery::Mail)>
                            {draft_field(state, errors, "recipient_address", |l| td_string!(l, apply.recipient_address), |d| &d.recipient_address, |d, v| d.recipient_address = v, ("text", "street-address"))}
                        </Show>
                        {draft_field(state, errors, "recipient_phone", |l| td_string!(l, apply.recipient_phone), |d| &d.recipient_phone, |d, v| d.recipient_phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "recipient_email", |l| td_string!(l, apply.recipient_email), |d| &d.recipient_email, |d, v| d.recipient_email = v, ("email", "email"))}
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
