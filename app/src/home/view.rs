use crate::i18n::*;
use crate::ui::Link;
use crate::ui::PageShell;
use crate::ui::tr;
use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    crate::ui::set_title(String::new);
    view! {
        <PageShell>
            <h1 class="home__title">{tr(i18n, |l| td_string!(l, common.site_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, home.lead))}</p>
            <nav aria-label=move || td_string!(i18n.get_locale(), home.entries_label).to_string()>
                <ul class="entries">
                    <li class="entry entry--stop">
                        <h2><Link href="/card/stop/consent">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</Link></h2>
                        <p>{tr(i18n, |l| td_string!(l, home.stop_desc))}</p>
                    </li>
                    <li class="entry entry--apply">
                        <h2><Link href="/card/apply/consent">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</Link></h2>
                        <p>{tr(i18n, |l| td_string!(l, home.apply_desc))}</p>
                    </li>
                    <li class="entry entry--query">
                        <h2><Link href="/card/query/consent">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link></h2>
                        <p>{tr(i18n, |l| td_string!(l, home.query_desc))}</p>
                    </li>
                    <li class="entry entry--parent">
                        <h2><Link href="/parent/home">{tr(i18n, |l| td_string!(l, common.parent_area))}</Link></h2>
                        <p>{tr(i18n, |l| td_string!(l, home.parent_desc))}</p>
                    </li>
                </ul>
            </nav>
            <section class="prepare" aria-labelledby="prepare-title">
                <h2 id="prepare-title">{tr(i18n, |l| td_string!(l, home.prepare_title))}</h2>
                <ul>
                    <li>{tr(i18n, |l| td_string!(l, home.prepare_id))}</li>
                    <li>{tr(i18n, |l| td_string!(l, home.prepare_birth))}</li>
                    <li>{tr(i18n, |l| td_string!(l, home.prepare_time))}</li>
                </ul>
            </section>
        </PageShell>
    }
}
