//! The Student Card Service Portal: Leptos components and server functions shared by
//! the browser (`csr`) and the server (`ssr`).
//!
//! Each feature has its own folder: `mod.rs` (types that cross the wire), `api.rs`
//! (server functions), `view.rs` (components) and, on the server only, `service.rs`
//! (business rules that know nothing of HTTP).

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod consent;
pub mod domain;
pub mod error;
pub mod home;
pub mod identity;
pub mod query;
pub mod ui;
pub mod wizard;

#[cfg(feature = "ssr")]
pub mod server;

use i18n::I18nContextProvider;
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use error::AppError;

/// The whole single-page app.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    default_to_traditional_chinese();
    identity::view::IdentityDraft::provide();
    view! {
        <I18nContextProvider>
            <Title formatter=|text: String| {
                if text.is_empty() { "學生證服務".to_string() } else { format!("{text}｜學生證服務") }
            } />
            <Router>
                <Routes fallback=ui::NotFoundPage>
                    <Route path=path!("/") view=home::view::HomePage />
                    <Route path=path!("/card/:wizard/consent") view=consent::view::ConsentStep />
                    <Route path=path!("/card/:wizard/verify") view=identity::view::IdentityStep />
                    <Route path=path!("/card/query/result") view=query::view::QueryResultStep />
                    <Route path=path!("/card/:wizard/next") view=wizard::view::ComingSoonStep />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The portal speaks zh-TW unless the user picked another language (SPEC: zh-TW by
/// default), whatever the browser's own language list says. leptos_i18n reads the
/// choice from this cookie.
fn default_to_traditional_chinese() {
    #[cfg(feature = "csr")]
    {
        use wasm_bindgen::JsCast;
        let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        else {
            return;
        };
        let has_choice = doc
            .cookie()
            .is_ok_and(|c| c.split(';').any(|kv| kv.trim().starts_with("i18n_pref_locale=")));
        if !has_choice {
            let _ = doc.set_cookie("i18n_pref_locale=zh-TW; path=/; max-age=31536000; samesite=lax");
        }
    }
}
