use crate::i18n::*;
use crate::ui::tr;
use crate::ui::{FormAlert, PageShell, StepHeader, form_error_text};
use crate::wizard::Wizard;
use crate::wizard::view::use_wizard_param;
use crate::wizard::view::wizard_name;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::api::{accept_consent, load_consent_notice};

/// Step 1 «授權同意書».
#[component]
pub fn ConsentStep() -> impl IntoView {
    let wizard = use_wizard_param();
    view! {
        {move || match wizard.get() {
            Some(w) => view! { <ConsentForm wizard=w /> }.into_any(),
            None => view! { <crate::ui::NotFoundPage /> }.into_any(),
        }}
    }
}

#[component]
fn ConsentForm(wizard: Wizard) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let notice = crate::ui::load_once(load_consent_notice);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // `?for=<binding>`: a logged-in parent starting this wizard for a bound child from
    // «家長專區» skips the identity step.
    let for_child = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("for")
        .and_then(|v| v.parse::<i32>().ok());

    let agree = move |_| {
        let Some(Ok(n)) = notice.get() else { return };
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let started = match accept_consent(wizard, n.version.clone()).await {
                Ok(_) => match for_child {
                    Some(binding_id) => {
                        crate::wizard::api::start_wizard_for_child(wizard, binding_id)
                            .await
                            .map(|_| wizard.after_verification_path())
                    }
                    None => Ok(format!("/card/{}/verify", wizard.slug())),
                },
                Err(e) => Err(e),
            };
            match started {
                Ok(next) => navigate(&next, Default::default()),
                Err(e) => error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            pending.set(false);
        });
    };
    let decline_nav = crate::ui::use_go();
    let draft = crate::wizard::view::IdentityDraft::use_draft();
    let decline = move |_| {
        draft.clear();
        decline_nav("/");
    };
    let title = Signal::derive(move || td_string!(i18n.get_locale(), consent.title).to_string());

    view! {
        <PageShell>
            <StepHeader step=1 total=wizard.total_steps() title=title back_href="/" />
            <p class="wizard-name">{move || wizard_name(i18n.get_locale(), wizard)}</p>
            <p>{tr(i18n, |l| td_string!(l, consent.intro))}</p>
            <FormAlert message=error />
            // The notice's box has its final size while it loads, so nothing below it
            // moves when the text arrives (CLS on a slow phone).
            <div class="consent-notice">
            {move || match notice.get() {
                None => view! { <div class="consent-text consent-text--loading"><p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p></div> }.into_any(),
                Some(r) => match r {
                    Ok(n) => {
                        let clauses = n.clauses(i18n.get_locale()).to_vec();
                        view! {
                            <ol class="consent-text" tabindex="0">
                                {clauses.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                            </ol>
                            <p class="hint">{t!(i18n, consent.version, version = move || n.version.clone())}</p>
                            <p class="hint">{tr(i18n, |l| td_string!(l, consent.receipt_note))}</p>
                        }.into_any()
                    }
                    Err(e) => view! {
                        <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
                    }.into_any(),
                },
            }}
            </div>
            <div class="actions">
                <button type="button" class="button button--primary" on:click=agree
                    prop:disabled=move || pending.get() || !matches!(notice.get(), Some(Ok(_)))>
                    {tr(i18n, |l| td_string!(l, consent.agree))}
                </button>
                <button type="button" class="button button--secondary" on:click=decline>
                    {tr(i18n, |l| td_string!(l, consent.decline))}
                </button>
            </div>
        </PageShell>
    }
}
