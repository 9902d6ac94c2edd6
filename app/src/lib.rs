//! The Student Card Service Portal: Leptos components and server functions shared by
//! the browser (`csr`) and the server (`ssr`).
//!
//! Each feature has its own folder: `mod.rs` (types that cross the wire), `api.rs`
//! (server functions), `view.rs` (components) and, on the server only, `service.rs`
//! (business rules that know nothing of HTTP).

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod card_stop;
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
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use error::AppError;

/// The whole single-page app.
#[component]
pub fn App() -> impl IntoView {
    identity::view::IdentityDraft::provide();
    view! {
        <I18nContextProvider>
            <ui::RememberLanguage />
            <Router>
                <Routes fallback=ui::NotFoundPage>
                    <Route path=path!("/") view=home::view::HomePage />
                    <Route path=path!("/card/:wizard/consent") view=consent::view::ConsentStep />
                    <Route path=path!("/card/:wizard/verify") view=identity::view::IdentityStep />
                    <Route path=path!("/card/query/result") view=query::view::QueryResultStep />
                    // The stop wizard's steps (card_stop::view) are routed here once the
                    // bundle is split per wizard: wired in now they would push the
                    // first-load bundle over its 250 KB budget (issue 3).
                    <Route path=path!("/card/:wizard/next") view=wizard::view::ComingSoonStep />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
