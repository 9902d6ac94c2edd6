//! The Student Card Service Portal: Leptos components and server functions shared by
//! the browser (`csr`) and the server (`ssr`).
//!
//! Each feature has its own folder: `mod.rs` (types that cross the wire), `api.rs`
//! (server functions), `view.rs` (components) and, on the server only, `service.rs`
//! (business rules that know nothing of HTTP).

#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod apply;
pub mod card_stop;
pub mod consent;
pub mod directory;
pub mod domain;
pub mod error;
pub mod holder;
pub mod home;
pub mod identity;
#[cfg(test)]
mod layering;
#[cfg(test)]
mod locale_keys;
pub mod notify;
pub mod parent;
pub mod query;
pub mod school;
pub mod strict;
pub mod ui;
#[cfg(test)]
mod visible_strings;
pub mod wizard;

#[cfg(feature = "ssr")]
pub mod server;

use i18n::I18nContextProvider;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use error::AppError;

/// The one shell of every page (`ui::AppPart`): which page it is, the language with the
/// user's choice remembered, and the router with the not-found page. Each page below
/// names only what it provides and its routes.
macro_rules! portal_app {
    ($part:expr, { $($route:tt)* }) => {{
        provide_context($part);
        view! {
            <I18nContextProvider>
                <ui::RememberLanguage />
                <Router>
                    <Routes fallback=ui::NotFoundPage>
                        $($route)*
                    </Routes>
                </Router>
            </I18nContextProvider>
        }
    }};
}

/// The home page: the three entries. Each wizard is a page of its own with its own
/// bundle, so the first page a parent opens loads fast on a slow connection.
#[component]
pub fn App() -> impl IntoView {
    portal_app!(ui::AppPart::Main, {
        <Route path=path!("/") view=home::view::HomePage />
        <Route path=path!("/dev/outbox") view=ui::dev_outbox::DevOutboxPage />
    })
}

/// The query and apply wizards («卡片查詢», «線上申辦») and the payment slip, as one
/// single-page app with its own bundle, served for `/card/query/*`, `/card/apply/*`
/// and `/card/slip/*`.
#[component]
pub fn CardsApp() -> impl IntoView {
    identity::view::IdentityDraft::provide();
    apply::view::ApplyState::provide();
    portal_app!(ui::AppPart::Cards, {
        <Route path=path!("/card/:wizard/consent") view=consent::view::ConsentStep />
        <Route path=path!("/card/:wizard/verify") view=identity::view::IdentityStep />
        <Route path=path!("/card/query/result") view=query::view::QueryResultStep />
        <Route path=path!("/card/apply/applicant") view=apply::view::ApplicantStep />
        <Route path=path!("/card/apply/photo") view=apply::view::PhotoStep />
        <Route path=path!("/card/apply/delivery") view=apply::view::DeliveryStep />
        <Route path=path!("/card/apply/confirm") view=apply::view::ConfirmStep />
        <Route path=path!("/card/apply/done") view=apply::view::DoneStep />
        <Route path=path!("/card/slip/:serial") view=apply::view::SlipPage />
    })
}

/// The stop wizard («停卡掛失») as its own single-page app with its own bundle, served
/// for `/card/stop/*`.
#[component]
pub fn StopApp() -> impl IntoView {
    identity::view::IdentityDraft::provide();
    card_stop::view::StopDraft::provide();
    portal_app!(ui::AppPart::Stop, {
        <Route path=path!("/card/:wizard/consent") view=consent::view::ConsentStep />
        <Route path=path!("/card/:wizard/verify") view=identity::view::IdentityStep />
        <Route path=path!("/card/stop/cards") view=card_stop::view::StopCardsStep />
        <Route path=path!("/card/stop/refund") view=card_stop::view::StopRefundStep />
        <Route path=path!("/card/stop/confirm") view=card_stop::view::StopConfirmStep />
        <Route path=path!("/card/stop/done") view=card_stop::view::StopDoneStep />
    })
}

/// The school back office («學校端»): its own single-page app and bundle, served for
/// `/school` and `/school/*`.
#[component]
pub fn SchoolApp() -> impl IntoView {
    school::view::StaffState::provide();
    portal_app!(ui::AppPart::School, {
        <Route path=path!("/school") view=school::view::StaffLoginPage />
        <Route path=path!("/school/queue") view=school::view::QueuePage />
        <Route path=path!("/school/form/:item") view=school::view::ProcessingFormPage />
        <Route path=path!("/school/roster") view=school::view::RosterImportPage />
        <Route path=path!("/school/payments") view=school::view::PaymentsPage />
        <Route path=path!("/school/print") view=school::view::PrintBatchesPage />
        <Route path=path!("/school/unlock") view=school::view::UnlockPage />
        <Route path=path!("/school/audit") view=school::view::AuditLogPage />
        <Route path=path!("/school/bindings") view=school::view::BindingsPage />
        <Route path=path!("/school/sms") view=school::view::SmsCancellationsPage />
        <Route path=path!("/school/parents/new") view=school::view::NewParentPage />
        <Route path=path!("/school/attendance") view=school::view::AttendanceEntryPage />
        <Route path=path!("/school/outbox") view=school::view::OutboxPage />
        <Route path=path!("/school/readers") view=school::view::ReadersPage />
        <Route path=path!("/school/holidays") view=school::view::HolidaysPage />
        <Route path=path!("/school/reports") view=school::view::ReportsPage />
        <Route path=path!("/school/notices") view=school::view::NoticesPage />
        <Route path=path!("/school/accounts") view=school::view::AccountsPage />
        <Route path=path!("/school/settings") view=school::view::SystemSettingsPage />
        <Route path=path!("/school/password") view=school::password_view::StaffPasswordPage />
    })
}

/// «家長專區»: parent accounts as their own single-page app and bundle, served for
/// `/parent` and `/parent/*`.
#[component]
pub fn ParentApp() -> impl IntoView {
    portal_app!(ui::AppPart::Parent, {
        <Route path=path!("/parent") view=parent::view::ParentLoginPage />
        <Route path=path!("/parent/register") view=parent::view::ParentRegisterPage />
        <Route path=path!("/parent/forgot") view=parent::view::ParentForgotPage />
        <Route path=path!("/parent/password") view=parent::view::ParentPasswordPage />
        <Route path=path!("/parent/home") view=parent::view::ParentHomePage />
        <Route path=path!("/parent/bind") view=parent::view::ParentBindPage />
        <Route path=path!("/parent/settings") view=notify::view::ParentSettingsPage />
        <Route path=path!("/parent/sms") view=notify::view::ParentSmsPage />
        <Route path=path!("/parent/attendance/:binding") view=notify::view::ParentAttendancePage />
    })
}
