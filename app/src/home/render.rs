//! The home page rendered on the server (Performance issue item 5): plain HTML in the
//! visitor's language, so a parent sees the three entries before anything else has
//! loaded, and a phone that goes straight on into a wizard downloads the framework
//! once, with the wizard, instead of once for the home page and again for the wizard.
//! The same [`HomePage`](super::view::HomePage) component renders it; the page's
//! only script is its language select (`frontend/src/bin/home.rs`).

use leptos::prelude::*;

use crate::i18n::{Locale, td_string};
use crate::ui::{AppPart, NoRouter};
use leptos_i18n::Locale as _;

/// What the server puts into the home page's shell for one language.
pub struct HomeDocument {
    /// `<html lang>`.
    pub lang: &'static str,
    pub title: String,
    /// `<meta name="description">`: the page's lead sentence.
    pub description: String,
    /// The rendered `<body>` content.
    pub body: String,
}

/// Every language of the parent pages.
pub fn locales() -> &'static [Locale] {
    Locale::get_all()
}

/// The home page in `locale`. Call it inside the tokio runtime: the i18n context
/// spawns a task of its own (on the server, where nothing waits for it).
pub fn home_document(locale: Locale) -> HomeDocument {
    // Leptos spawns through this executor (the server functions set the same one).
    let _ = any_spawner::Executor::init_tokio();
    let owner = Owner::new();
    let body = owner.with(|| {
        provide_context(AppPart::Main);
        provide_context(NoRouter);
        let i18n = leptos_i18n::context::init_i18n_context::<Locale>();
        provide_context(i18n);
        i18n.set_locale(locale);
        view! { <super::view::HomePage /> }.to_html()
    });
    HomeDocument {
        lang: locale.as_str(),
        title: td_string!(locale, common.site_short).to_string(),
        description: td_string!(locale, home.lead).to_string(),
        body,
    }
}

/// The language of a request for the home page: the `portal_lang` cookie a page
/// stored, else Vietnamese or Indonesian when `Accept-Language` asks for one of them
/// before any Chinese, else zh-TW — the rule the Wasm pages follow
/// ([`crate::ui::RememberLanguage`]).
pub fn request_locale(cookie_header: Option<&str>, accept_language: Option<&str>) -> Locale {
    let chosen = cookie_header.and_then(|cookies| {
        cookies.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == crate::ui::LANGUAGE_COOKIE)
                .then(|| Locale::get_all().iter().copied().find(|l| l.as_str() == v))
                .flatten()
        })
    });
    chosen
        .or_else(|| {
            let languages: Vec<String> = accept_language
                .unwrap_or_default()
                .split(',')
                .filter_map(|part| part.split(';').next())
                .map(|tag| tag.trim().to_owned())
                .filter(|tag| !tag.is_empty())
                .collect();
            crate::ui::hinted_locale(&languages)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_cookie_then_the_browser_then_zh_tw() {
        assert_eq!(request_locale(None, None), Locale::zh_TW);
        assert_eq!(request_locale(None, Some("en-US,en;q=0.9")), Locale::zh_TW);
        assert_eq!(
            request_locale(None, Some("vi-VN,vi;q=0.9,en;q=0.8")),
            Locale::vi
        );
        assert_eq!(request_locale(None, Some("zh-TW,id;q=0.5")), Locale::zh_TW);
        assert_eq!(request_locale(None, Some("in-ID")), Locale::id);
        assert_eq!(
            request_locale(Some("a=1; portal_lang=en; b=2"), Some("vi-VN")),
            Locale::en
        );
        assert_eq!(
            request_locale(Some("portal_lang=xx"), Some("vi")),
            Locale::vi
        );
    }

    #[tokio::test]
    async fn the_home_page_is_rendered_in_each_language_with_plain_links() {
        let zh = home_document(Locale::zh_TW);
        assert_eq!(zh.lang, "zh-TW");
        assert!(zh.body.contains("學生證停卡/申辦/查詢系統"), "{}", zh.body);
        assert!(
            zh.body.contains("href=\"/card/stop/consent\""),
            "{}",
            zh.body
        );
        assert!(zh.body.contains("href=\"/parent/home\""), "{}", zh.body);
        let vi = home_document(Locale::vi);
        assert_eq!(vi.lang, "vi");
        assert!(vi.body.contains("Cổng dịch vụ thẻ học sinh"), "{}", vi.body);
        // the select shows the language in force
        assert!(
            vi.body.contains("value=\"vi\" lang=\"vi\" selected")
                || vi.body.contains("selected value=\"vi\"")
                || vi.body.contains("value=\"vi\" selected"),
            "{}",
            vi.body
        );
    }
}
