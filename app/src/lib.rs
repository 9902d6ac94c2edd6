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

/// The main single-page app: home, and the query and apply wizards.
#[component]
pub fn App() -> impl IntoView {
    provide_context(ui::AppPart::Main);
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
                    <Route path=path!("/card/:wizard/next") view=wizard::view::ComingSoonStep />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}

/// The stop wizard («停卡掛失») as its own single-page app with its own bundle, served
/// for `/card/stop/*`.
#[component]
pub fn StopApp() -> impl IntoView {
    provide_context(ui::AppPart::Stop);
    identity::view::IdentityDraft::provide();
    card_stop::view::StopDraft::provide();
    view! {
        <I18nContextProvider>
            <ui::RememberLanguage />
            <Router>
                <Routes fallback=ui::NotFoundPage>
                    <Route path=path!("/card/:wizard/consent") view=consent::view::ConsentStep />
                    <Route path=path!("/card/:wizard/verify") view=identity::view::IdentityStep />
                    <Route path=path!("/card/stop/cards") view=card_stop::view::StopCardsStep />
                    <Route path=path!("/card/stop/refund") view=card_stop::view::StopRefundStep />
                    <Route path=path!("/card/stop/confirm") view=card_stop::view::StopConfirmStep />
                    <Route path=path!("/card/stop/done") view=card_stop::view::StopDoneStep />
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
