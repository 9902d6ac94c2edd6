//! Small UI primitives of our own, styled by `style/main.css`.

use crate::i18n::*;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Header (site name + language), main landmark, footer. Every parent page uses it.
#[component]
pub fn PageShell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, common.skip_to_content)}</a>
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="site-header__brand">
                    <svg class="site-header__logo" aria-hidden="true" viewBox="0 0 24 24" width="28" height="28">
                        <rect x="2" y="5" width="20" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="2" />
                        <circle cx="8" cy="11" r="2.2" fill="currentColor" />
                        <path d="M4.8 16.2c.7-1.7 1.9-2.5 3.2-2.5s2.5.8 3.2 2.5" fill="none" stroke="currentColor" stroke-width="1.6" />
                        <path d="M13.5 10h5M13.5 13.5h4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
                    </svg>
                    <span>{t!(i18n, common.site_title)}</span>
                </A>
                <LanguageSwitch />
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <p>{t!(i18n, common.footer_help)}</p>
            <p>{t!(i18n, common.footer_privacy)}</p>
        </footer>
    }
}

/// A select that switches the UI language; leptos_i18n keeps the choice in a cookie
/// and sets `<html lang>`.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(locale) = Locale::get_all().iter().find(|l| l.as_str() == value) {
            i18n.set_locale(*locale);
        }
    };
    view! {
        <label class="lang-switch">
            <span class="lang-switch__label">{t!(i18n, common.language)}</span>
            <select on:change=on_change prop:value=move || i18n.get_locale().as_str().to_string()>
                <option value="zh-TW" lang="zh-TW">"中文"</option>
                <option value="en" lang="en">"English"</option>
            </select>
        </label>
    }
}

/// Back link, step indicator and page heading of a wizard step.
///
/// The heading takes focus when the step opens, so screen readers announce the new
/// step; the indicator's text is part of the document title too.
#[component]
pub fn StepHeader(
    step: u8,
    total: u8,
    #[prop(into)] title: Signal<String>,
    #[prop(into, optional)] back_href: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let heading = NodeRef::<leptos::html::H1>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let step_text = move || {
        td_string!(i18n.get_locale(), common.step_of, current = step, total = total).to_string()
    };
    view! {
        <Title text=move || format!("{}（{}）", title.get(), step_text()) />
        {back_href.map(|href| view! {
            <A href=href attr:class="back-link">{t!(i18n, common.back)}</A>
        })}
        <p class="step-indicator">{step_text}</p>
        <h1 node_ref=heading tabindex="-1">{move || title.get()}</h1>
    }
}

/// One problem listed in the error summary: the field's element id and the message.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryItem {
    pub field_id: &'static str,
    pub message: String,
}

/// GOV.UK-style error summary: a focused alert at the top, each error a link to its
/// field.
#[component]
pub fn ErrorSummary(#[prop(into)] items: Signal<Vec<SummaryItem>>) -> impl IntoView {
    let i18n = use_i18n();
    let node = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if !items.get().is_empty() {
            if let Some(el) = node.get() {
                let _ = el.focus();
            }
        }
    });
    view! {
        <Show when=move || !items.get().is_empty()>
            <div class="error-summary" role="alert" tabindex="-1" node_ref=node>
                <h2 class="error-summary__title">{t!(i18n, common.error_summary_title)}</h2>
                <ul>
                    <For each=move || items.get() key=|i| (i.field_id, i.message.clone()) let:item>
                        <li><a href=format!("#{}", item.field_id)>{item.message.clone()}</a></li>
                    </For>
                </ul>
            </div>
        </Show>
    }
}

/// A form-level message (network failure, rate limit, generic no-match).
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="form-alert" role="alert">{move || message.get()}</div>
        </Show>
    }
}

/// The visible text for an error that is not tied to one field.
pub fn form_error_text(locale: Locale, err: &crate::AppError) -> String {
    use crate::AppError as E;
    match err {
        E::RateLimited { retry_after_secs } => {
            let minutes = retry_after_secs.div_ceil(60).max(1);
            format!(
                "{}。{}",
                td_string!(locale, common.rate_limited),
                td_string!(locale, common.retry_after, minutes = minutes)
            )
        }
        E::NoMatch => td_string!(locale, identity.no_match).to_string(),
        E::Unauthorized => td_string!(locale, common.session_expired).to_string(),
        E::Forbidden => td_string!(locale, common.error_forbidden).to_string(),
        E::Transport(_) => td_string!(locale, common.error_network).to_string(),
        _ => td_string!(locale, common.error_internal).to_string(),
    }
}

/// A status with text and colour (never colour alone).
#[component]
pub fn StatusChip(#[prop(into)] text: Signal<String>, tone: &'static str) -> impl IntoView {
    view! { <span class=format!("chip chip--{tone}")>{move || text.get()}</span> }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageShell>
            <Title text=move || td_string!(i18n.get_locale(), common.not_found_title).to_string() />
            <h1>{t!(i18n, common.not_found_title)}</h1>
            <p>{t!(i18n, common.not_found_body)}</p>
            <A href="/" attr:class="button button--primary">{t!(i18n, common.back_home)}</A>
        </PageShell>
    }
}
