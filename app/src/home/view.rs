use crate::i18n::*;
use crate::ui::PageShell;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageShell>
            <Title text="" />
            <h1 class="home__title">{t!(i18n, common.site_title)}</h1>
            <p class="lead">{t!(i18n, home.lead)}</p>
            <nav aria-label=move || td_string!(i18n.get_locale(), home.entries_label).to_string()>
                <ul class="entries">
                    <li class="entry entry--stop">
                        <h2><A href="/card/stop/consent">{t!(i18n, common.wizard_stop)}</A></h2>
                        <p>{t!(i18n, home.stop_desc)}</p>
                    </li>
                    <li class="entry entry--apply">
                        <h2><A href="/card/apply/consent">{t!(i18n, common.wizard_apply)}</A></h2>
                        <p>{t!(i18n, home.apply_desc)}</p>
                    </li>
                    <li class="entry entry--query">
                        <h2><A href="/card/query/consent">{t!(i18n, common.wizard_query)}</A></h2>
                        <p>{t!(i18n, home.query_desc)}</p>
                    </li>
                </ul>
            </nav>
            <section class="prepare" aria-labelledby="prepare-title">
                <h2 id="prepare-title">{t!(i18n, home.prepare_title)}</h2>
                <ul>
                    <li>{t!(i18n, home.prepare_id)}</li>
                    <li>{t!(i18n, home.prepare_birth)}</li>
                    <li>{t!(i18n, home.prepare_time)}</li>
                </ul>
            </section>
        </PageShell>
    }
}
