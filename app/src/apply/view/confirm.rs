//! Step 6 «確認送出»: everything once more, then the exactly-once submission.

use super::*;

/// Step 6: everything once more, the fee, the warning and «確認資料無誤送出申請».
#[component]
pub fn ConfirmStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    require_applicant(state);
    if state.idempotency_key.get_untracked().is_none() {
        state.idempotency_key.set(Some(new_idempotency_key()));
    }
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.confirm_title).to_string());
    let summary = summary_of(i18n, errors);
    let navigate = use_navigate();
    let submit = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        form_error.set(None);
        let input = ApplyInput {
            draft: state.draft.get_untracked(),
            idempotency_key: state.idempotency_key.get_untracked().unwrap_or_default(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            // A lost answer is sent again with the same key: the server answers with
            // the first application, never a second one.
            let mut result = submit_application(input.clone()).await;
            if matches!(result, Err(AppError::Transport(_))) {
                result = submit_application(input).await;
            }
            match result {
                Ok(receipt) => {
                    state.receipt.set(Some(receipt));
                    state.idempotency_key.set(None);
                    navigate("/card/apply/done", Default::default());
                }
                Err(AppError::Validation(f)) => errors.set(f),
                Err(AppError::Conflict(_)) => form_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), apply.err_conflict).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <PageShell>
            <StepHeader step=6 total=TOTAL title=title back_href="/card/apply/delivery" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let locale = i18n.get_locale();
                let d = state.draft.get();
                let t = o.card_types.iter().find(|t| t.code == d.card_type).cloned();
                let fee = t.as_ref().map_or(0, |t| t.fee);
                let type_name = t.as_ref().map(|t| pick(locale, &t.name_zh, &t.name_en)).unwrap_or_default();
                let opt = |s: &str| if s.trim().is_empty() { "—".to_string() } else { s.trim().to_string() };
                let delivery_address = match d.delivery {
                    Delivery::Mail => d.recipient_address.trim().to_string(),
                    Delivery::School => o.applicant.school_name.clone(),
                };
                view! {
                    <ErrorSummary items=summary />
                    <div class="warning-box" role="note">
                        // The warning in Chinese whatever the language, and in English too
                        // on the English page.
                        <p><strong>{td_string!(Locale::zh_TW, apply.warning)}</strong></p>
                        {(locale == Locale::en).then(|| view! { <p lang="en">{td_string!(locale, apply.warning)}</p> })}
                    </div>
                    <CardPreview name=o.applicant.name.clone() school=o.applicant.school_name.clone() card_type=chosen_type_name(state) />
                    <section aria-labelledby="check-applicant">
                        <h2 id="check-applicant">{td_string!(locale, apply.applicant_title)}</h2>
                        <dl class="facts">
                            {fact(td_string!(locale, apply.card_type).into(), type_name)}
                            {fact(td_string!(locale, apply.reason).into(), reason_text(locale, d.reason).into())}
                            {(!d.reason_remark.trim().is_empty()).then(|| fact(td_string!(locale, apply.reason_remark).into(), d.reason_remark.trim().into()))}
                            {fact(td_string!(locale, apply.name).into(), o.applicant.name.clone())}
                            {fact(td_string!(locale, apply.id_no).into(), o.applicant.id_masked.clone())}
                            {fact(td_string!(locale, apply.mobile).into(), opt(&d.mobile))}
                            {fact(td_string!(locale, apply.email).into(), opt(&d.email))}
                            {fact(td_string!(locale, apply.phone).into(), opt(&d.phone))}
                            {fact(td_string!(locale, apply.contact_name).into(), opt(&d.contact_name))}
                            {fact(td_string!(locale, apply.contact_phone).into(), opt(&d.contact_phone))}
                            {fact(td_string!(locale, apply.address).into(), opt(&d.address))}
                        </dl>
                        <Link href="/card/apply/applicant" class="button button--link">{td_string!(locale, apply.change)}</Link>
                    </section>
                    <section aria-labelledby="check-delivery">
                        <h2 id="check-delivery">{td_string!(locale, apply.delivery_title)}</h2>
                        <dl class="facts">
                            {fact(td_string!(locale, apply.delivery_question).into(), match d.delivery {
                                Delivery::Mail => td_string!(locale, apply.delivery_mail),
                                Delivery::School => td_string!(locale, apply.delivery_school),
                            }.into())}
                            {fact(td_string!(locale, apply.recipient_name).into(), opt(&d.recipient_name))}
                            {fact(td_string!(locale, apply.recipient_address).into(), delivery_address)}
                            {fact(td_string!(locale, apply.recipient_phone).into(), opt(&d.recipient_phone))}
                            {fact(td_string!(locale, apply.recipient_email).into(), opt(&d.recipient_email))}
                        </dl>
                        <Link href="/card/apply/delivery" class="button button--link">{td_string!(locale, apply.change)}</Link>
                    </section>
                    <section class="fees" aria-labelledby="check-fee">
                        <h2 id="check-fee">{td_string!(locale, apply.fee_title)}</h2>
                        <dl class="fees__list">
                            <div class="fees__total"><dt>{td_string!(locale, apply.fee_total)}</dt><dd>{money(locale, fee)}</dd></div>
                        </dl>
                        <p class="hint">{td_string!(locale, apply.fee_deadline, days = o.deadline_days).to_string()}</p>
                    </section>
                    <FormAlert message=form_error />
                    <div class="actions">
                        <button id="submit" type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=submit.clone()>
                            {td_string!(locale, apply.confirm_submit)}
                        </button>
                    </div>
                    {move || busy.get().then(|| view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, apply.sending))}</p> })}
                }
                .into_any()
            })}
        </PageShell>
    }
}
