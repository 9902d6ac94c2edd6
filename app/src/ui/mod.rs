//! Small UI primitives of our own, styled by `style/main.css`.

pub mod dev_outbox;
pub mod field;
pub mod school_picker;
pub use school_picker::SchoolPicker;

use crate::i18n::*;
use leptos::prelude::*;

/// Which single-page app this bundle is. The stop wizard has a bundle of its own (so
/// the first load stays small); links between the two are plain page loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppPart {
    /// The home page.
    Main,
    /// «停卡掛失».
    Stop,
    /// «卡片查詢», «線上申辦» and the payment slip.
    Cards,
    /// «學校端», the back office.
    School,
    /// «家長專區».
    Parent,
}

impl AppPart {
    /// Every page, in the order the build script builds them. The one table of pages:
    /// the server's fallback, the build script and the frontend's entries follow it
    /// (the server's tests check the build script and the html files against it).
    pub const ALL: [Self; 5] = [
        Self::Main,
        Self::Stop,
        Self::Cards,
        Self::School,
        Self::Parent,
    ];

    /// The page's folder under `dist/` and its html file under `frontend/` (`None`:
    /// the home page, `dist/index.html` from `frontend/index.html`).
    pub fn bundle(self) -> Option<&'static str> {
        match self {
            Self::Main => None,
            Self::Stop => Some("stop"),
            Self::Cards => Some("cards"),
            Self::School => Some("school"),
            Self::Parent => Some("parent"),
        }
    }

    /// The app that serves `href`.
    pub fn of(href: &str) -> Self {
        if href == "/school" || href.starts_with("/school/") {
            AppPart::School
        } else if href == "/parent" || href.starts_with("/parent/") {
            AppPart::Parent
        } else if href.starts_with("/card/stop/") {
            AppPart::Stop
        } else if href.starts_with("/card/") {
            AppPart::Cards
        } else {
            AppPart::Main
        }
    }
}

/// Navigation from code: routed inside this app, or a page load into another one
/// (each wizard is a page of its own). Call in a component's setup.
pub fn use_go() -> impl Fn(&str) + Clone + 'static {
    let here = use_context::<AppPart>().unwrap_or(AppPart::Main);
    let navigate = leptos_router::hooks::use_navigate();
    move |href: &str| {
        if AppPart::of(href) == here {
            navigate(href, Default::default());
        } else {
            #[cfg(feature = "csr")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(href);
            }
        }
    }
}

/// A link: routed inside this app, or a plain page load into the other one.
#[component]
pub fn Link(
    #[prop(into)] href: String,
    #[prop(optional)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let here = use_context::<AppPart>().unwrap_or(AppPart::Main);
    if AppPart::of(&href) == here && use_context::<NoRouter>().is_none() {
        view! { <leptos_router::components::A href=href attr:class=class>{children()}</leptos_router::components::A> }
            .into_any()
    } else {
        view! { <a href=href class=class rel="external">{children()}</a> }.into_any()
    }
}

/// A translated text that follows the language switch.
///
/// Every text goes through this one function, so the browser bundle carries one
/// reactive-text renderer instead of one per text (`t!` makes a new closure type for
/// each use).
pub fn tr(
    i18n: leptos_i18n::I18nContext<Locale>,
    text: fn(Locale) -> &'static str,
) -> impl IntoView + use<> {
    move || text(i18n.get_locale())
}

/// Header (site name + language), main landmark, footer. Every parent page uses it.
#[component]
pub fn PageShell(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    // «家長專區» in the header of every page a parent sees (not the back office's).
    let here = use_context::<AppPart>().unwrap_or(AppPart::Main);
    view! {
        <SkipLink target="main" />
        <header class="site-header">
            <div class="site-header__inner">
                <Link href="/" class="site-header__brand">
                    <svg class="site-header__logo" aria-hidden="true" viewBox="0 0 24 24" width="28" height="28">
                        <rect x="2" y="5" width="20" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="2" />
                        <circle cx="8" cy="11" r="2.2" fill="currentColor" />
                        <path d="M4.8 16.2c.7-1.7 1.9-2.5 3.2-2.5s2.5.8 3.2 2.5" fill="none" stroke="currentColor" stroke-width="1.6" />
                        <path d="M13.5 10h5M13.5 13.5h4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
                    </svg>
                    <span>{tr(i18n, |l| td_string!(l, common.site_title))}</span>
                </Link>
                <div class="site-header__tools">
                    {(here != AppPart::School).then(|| view! {
                        <Link href="/parent/home" class="site-header__link">{tr(i18n, |l| td_string!(l, common.parent_area))}</Link>
                    })}
                    <LanguageSwitch />
                </div>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <p>{tr(i18n, |l| td_string!(l, common.footer_help))}</p>
            <p>{tr(i18n, |l| td_string!(l, common.footer_privacy))}</p>
        </footer>
    }
}

/// The cookie that keeps the chosen language (read by the pages, and by the server
/// for the home page it renders).
pub const LANGUAGE_COOKIE: &str = "portal_lang";

/// Provided where a page is rendered on the server without a router (the home page):
/// every [`Link`] is then a plain link.
#[derive(Clone, Copy, Debug)]
pub struct NoRouter;

/// Starts in the language chosen earlier (a cookie), else Vietnamese or Indonesian
/// when the browser's language list asks for one of them before any Chinese, else
/// zh-TW (SPEC: zh-TW by default) — and remembers every later choice. An English
/// browser still opens in Chinese: many Taiwanese phones run in English, while a
/// Vietnamese or Indonesian one says who the family is (SPEC §10: languages for
/// new-immigrant families). leptos_i18n sets `<html lang>`. (leptos_i18n's own cookie
/// support pulls in a date-time library the browser bundle does not otherwise need.)
#[component]
pub fn RememberLanguage() -> impl IntoView {
    let i18n = use_i18n();
    let chosen = read_cookie(LANGUAGE_COOKIE)
        .and_then(|v| Locale::get_all().iter().copied().find(|l| l.as_str() == v))
        .or_else(|| hinted_locale(&browser_languages()))
        .unwrap_or_default();
    // leptos_i18n first applies the browser's language list in an effect of its own;
    // this one runs after it.
    Effect::new(move |done: Option<()>| {
        if done.is_none() {
            i18n.set_locale(chosen);
        }
    });
    Effect::new(move |_| {
        let locale = i18n.get_locale();
        write_cookie(LANGUAGE_COOKIE, locale.as_str());
    });
}

/// The first of the browser's languages that picks a locale: Vietnamese or
/// Indonesian, unless a Chinese comes first; English and the rest are passed over.
pub fn hinted_locale(languages: &[String]) -> Option<Locale> {
    for tag in languages {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => return None,
            "vi" => return Some(Locale::vi),
            // `in` is the old code some Android versions still send for Indonesian.
            "id" | "in" => return Some(Locale::id),
            _ => {}
        }
    }
    None
}

fn browser_languages() -> Vec<String> {
    #[cfg(feature = "csr")]
    {
        web_sys::window()
            .map(|w| {
                w.navigator()
                    .languages()
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "csr"))]
    Vec::new()
}

#[cfg(feature = "csr")]
fn html_document() -> Option<web_sys::HtmlDocument> {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
}

fn read_cookie(name: &str) -> Option<String> {
    #[cfg(feature = "csr")]
    {
        let cookies = html_document()?.cookie().ok()?;
        cookies.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }
    #[cfg(not(feature = "csr"))]
    {
        let _ = name;
        None
    }
}

fn write_cookie(name: &str, value: &str) {
    #[cfg(feature = "csr")]
    if let Some(doc) = html_document() {
        let _ = doc.set_cookie(&format!(
            "{name}={value}; path=/; max-age=31536000; samesite=lax"
        ));
    }
    #[cfg(not(feature = "csr"))]
    let _ = (name, value);
}

/// «跳到主要內容»: moves focus to the element with the id `target` (which needs
/// `tabindex="-1"`). A plain fragment link is taken by the router as a navigation and
/// leaves focus where it was.
#[component]
pub fn SkipLink(target: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        #[cfg(feature = "csr")]
        {
            use wasm_bindgen::JsCast;
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(target))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    };
    view! {
        <a class="skip-link" href=format!("#{target}") on:click=on_click>
            {tr(i18n, |l| td_string!(l, common.skip_to_content))}
        </a>
    }
}

/// A select that switches the UI language.
///
/// Chosen with the mouse or a touch, it switches at once. Browsed with the arrow keys
/// (which change a closed select's value in Chromium), it waits for Enter or for focus
/// to leave, so a keyboard user passing by does not switch the whole page.
///
/// The parent pages offer the four languages of SPEC §10; the back office (`staff`)
/// zh-TW and English.
#[component]
pub fn LanguageSwitch(#[prop(optional)] staff: bool) -> impl IntoView {
    let i18n = use_i18n();
    let browsing = StoredValue::new(false);
    let switch_to = move |value: String| {
        if let Some(locale) = Locale::get_all().iter().find(|l| l.as_str() == value) {
            i18n.set_locale(*locale);
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        if !browsing.get_value() {
            switch_to(event_target_value(&ev));
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowUp" | "ArrowDown" | "Home" | "End" | "PageUp" | "PageDown" if !ev.alt_key() => {
            browsing.set_value(true);
        }
        "Enter" if browsing.get_value() => {
            browsing.set_value(false);
            switch_to(event_target_value(&ev));
        }
        _ => {}
    };
    let on_blur = move |ev: leptos::ev::FocusEvent| {
        if browsing.get_value() {
            browsing.set_value(false);
            switch_to(event_target_value(&ev));
        }
    };
    view! {
        <label class="lang-switch">
            <span class="lang-switch__label">{tr(i18n, |l| td_string!(l, common.language))}</span>
            <select on:change=on_change on:keydown=on_keydown on:blur=on_blur
                prop:value=move || i18n.get_locale().as_str().to_string()>
                // Each language's name in that language (from its own locale file).
                <option value="zh-TW" lang="zh-TW" selected=move || i18n.get_locale() == Locale::zh_TW>{td_string!(Locale::zh_TW, common.language_name)}</option>
                <option value="en" lang="en" selected=move || i18n.get_locale() == Locale::en>{td_string!(Locale::en, common.language_name)}</option>
                {(!staff).then(|| view! {
                    <option value="vi" lang="vi" selected=move || i18n.get_locale() == Locale::vi>{td_string!(Locale::vi, common.language_name)}</option>
                    <option value="id" lang="id" selected=move || i18n.get_locale() == Locale::id>{td_string!(Locale::id, common.language_name)}</option>
                })}
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
        td_string!(
            i18n.get_locale(),
            common.step_of,
            current = step,
            total = total
        )
        .to_string()
    };
    set_title(move || with_note(i18n.get_locale(), &title.get(), &step_text()));
    view! {
        {back_href.map(|href| view! {
            <Link href=href class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
        })}
        <p class="step-indicator">{step_text}</p>
        <h1 node_ref=heading tabindex="-1">{move || title.get()}</h1>
    }
}

/// Loads once when the component is created: `None` while loading. (Lighter in the
/// browser bundle than `LocalResource` + `Suspense`.)
pub fn load_once<T, F>(fetch: impl FnOnce() -> F + 'static) -> RwSignal<Option<T>>
where
    T: Send + Sync + 'static,
    F: std::future::Future<Output = T> + 'static,
{
    let value = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let v = fetch().await;
        value.set(Some(v));
    });
    value
}

/// Sets the document title (page name｜site), following the language.
pub fn set_title(text: impl Fn() -> String + Send + Sync + 'static) {
    Effect::new(move |_| {
        let t = text();
        #[cfg(feature = "csr")]
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let locale = use_i18n().get_locale_untracked();
            let site = td_string!(locale, common.site_short);
            doc.set_title(&if t.is_empty() {
                site.to_string()
            } else {
                td_string!(locale, common.page_title, page = t, site = site).to_string()
            });
        }
        #[cfg(not(feature = "csr"))]
        let _ = t;
    });
}

/// «label：value» in Chinese, "label: value" in English.
pub fn labelled(locale: Locale, label: &str, value: &str) -> String {
    format!("{label}{}{value}", td_string!(locale, common.colon))
}

/// «text（note）» in Chinese, "text (note)" in English.
pub fn with_note(locale: Locale, text: &str, note: &str) -> String {
    td_string!(locale, common.with_note, text = text, note = note).to_string()
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
        if !items.get().is_empty()
            && let Some(el) = node.get()
        {
            let _ = el.focus();
        }
    });
    view! {
        <Show when=move || !items.get().is_empty()>
            <div class="error-summary" role="alert" tabindex="-1" node_ref=node>
                <h2 class="error-summary__title">{tr(i18n, |l| td_string!(l, common.error_summary_title))}</h2>
                <ul>
                    {move || in_page_order(items.get()).into_iter().map(|item| view! {
                        <li><a href=format!("#{}", item.field_id)>{item.message}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// The summary's items in the order their fields stand on the page (the forms build
/// them from a map, in the order of the field names); items whose field is not on the
/// page keep their order, after the others.
fn in_page_order(items: Vec<SummaryItem>) -> Vec<SummaryItem> {
    #[cfg(feature = "csr")]
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        use std::cmp::Ordering;
        let nodes: Vec<Option<web_sys::Element>> = items
            .iter()
            .map(|i| doc.get_element_by_id(i.field_id))
            .collect();
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|&a, &b| match (&nodes[a], &nodes[b]) {
            (Some(x), Some(y)) => {
                let pos = x.compare_document_position(y);
                if pos & web_sys::Node::DOCUMENT_POSITION_FOLLOWING != 0 {
                    Ordering::Less
                } else if pos & web_sys::Node::DOCUMENT_POSITION_PRECEDING != 0 {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        let mut slots: Vec<Option<SummaryItem>> = items.into_iter().map(Some).collect();
        return order.into_iter().filter_map(|i| slots[i].take()).collect();
    }
    items
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
        E::Unavailable { .. } => td_string!(locale, common.error_busy).to_string(),
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
    set_title(move || td_string!(i18n.get_locale(), common.not_found_title).to_string());
    view! {
        <PageShell>
            <h1>{tr(i18n, |l| td_string!(l, common.not_found_title))}</h1>
            <p>{tr(i18n, |l| td_string!(l, common.not_found_body))}</p>
            <Link href="/" class="button button--primary">{tr(i18n, |l| td_string!(l, common.back_home))}</Link>
        </PageShell>
    }
}

/// A labelled text input with its hint and its error next to it (`aria-invalid`,
/// `aria-describedby`). One component for every text field keeps the browser bundle
/// small: its props are type-erased.
#[component]
pub fn TextField(
    id: &'static str,
    label: fn(Locale) -> &'static str,
    #[prop(optional)] hint: Option<fn(Locale) -> &'static str>,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = 100)] maxlength: u32,
    #[prop(default = "input")] class: &'static str,
    /// Not required: the label gets no «（必填）» mark and the input no `required`.
    #[prop(optional)]
    optional: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut d = Vec::new();
            if hint.is_some() {
                d.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                d.push(error_id.clone());
            }
            d.join(" ")
        }
    };
    view! {
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(i18n, label)}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{tr(i18n, h)}</p> })}
            <p class="field__error" id=error_id>{move || error.get()}</p>
            <input id=id class=class type=input_type inputmode=inputmode autocomplete=autocomplete
                maxlength=maxlength spellcheck="false" required=!optional
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| on_input.run(event_target_value(&ev)) />
        </div>
    }
}

/// One option of a radio group, with a bold label and a hint under it.
#[component]
pub fn RadioCard(
    name: &'static str,
    #[prop(into)] checked: Signal<bool>,
    on_select: Callback<()>,
    label: fn(Locale) -> &'static str,
    #[prop(optional)] hint: Option<fn(Locale) -> &'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="radio radio--rich">
            <input type="radio" name=name prop:checked=move || checked.get()
                on:change=move |_| on_select.run(()) />
            <span>
                <strong>{tr(i18n, label)}</strong>
                {hint.map(|h| view! { <span class="radio__hint">{tr(i18n, h)}</span> })}
            </span>
        </label>
    }
}

pub fn choice_text(locale: Locale, choice: crate::domain::refund::RefundChoice) -> &'static str {
    match choice {
        crate::domain::refund::RefundChoice::NoRefund => td_string!(locale, stop.refund_none),
        crate::domain::refund::RefundChoice::BankTransfer => td_string!(locale, stop.refund_bank),
        crate::domain::refund::RefundChoice::Cheque => td_string!(locale, stop.refund_cheque),
        crate::domain::refund::RefundChoice::TransferToNewCard => {
            td_string!(locale, stop.refund_transfer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(tags: &[&str]) -> Option<Locale> {
        hinted_locale(&tags.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn a_vietnamese_or_indonesian_browser_picks_its_language_an_english_one_does_not() {
        assert_eq!(hint(&["vi-VN", "vi", "en-US"]), Some(Locale::vi));
        assert_eq!(hint(&["id-ID"]), Some(Locale::id));
        assert_eq!(hint(&["in-ID"]), Some(Locale::id));
        assert_eq!(hint(&["en-US", "vi"]), Some(Locale::vi));
        assert_eq!(hint(&["en-US", "en"]), None);
        assert_eq!(hint(&["zh-TW", "vi-VN"]), None);
        assert_eq!(hint(&[]), None);
    }
}
