use super::Wizard;
use crate::i18n::*;
use crate::ui::Link;
use crate::ui::tr;
use crate::ui::{PageShell, StepHeader};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:wizard` route parameter, parsed.
pub fn use_wizard_param() -> Memo<Option<Wizard>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("wizard").and_then(|s| Wizard::from_slug(&s))))
}

/// After verification in the stop and apply wizards, until those steps are built.
#[component]
pub fn ComingSoonStep() -> impl IntoView {
    let i18n = use_i18n();
    let wizard = use_wizard_param();
    let what = move || {
        wizard
            .get()
            .map(|w| crate::consent::view::wizard_name(i18n.get_locale(), w))
            .unwrap_or_default()
    };
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), common.coming_title).to_string());
    view! {
        <PageShell>
            <StepHeader step=3 total=3 title=title back_href="/" />
            <p>{t!(i18n, common.coming_body, what = what)}</p>
            <div class="actions">
                <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link>
                <Link href="/" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.back_home))}</Link>
            </div>
        </PageShell>
    }
}
