//! Back-office pages («學校端», desktop, keyboard-first): login, the applications and
//! stops queue, the processing form, roster import, payment reconciliation, unlocking
//! and the audit log.

use super::api::{
    import_payments, import_roster, load_locked_holders, load_outbox, load_processing_form,
    load_queue, load_schools, load_staff_me, resend_message, review_items, search_audit,
    staff_login, staff_logout, unlock_holder,
};
use super::{
    AuditFilter, AuditPage, BindingReviewAction, QueueFilter, QueueKind, QueuePage, ReviewInput,
    SchoolOption, StaffLoginInput, StaffMe,
};
use crate::apply::payments::{PaymentOutcome, ReconciliationReport};
use crate::domain::dates::{iso_date, parse_iso_date, taiwan_date_time};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::{
    FormAlert, LanguageSwitch, form_error_text, labelled, load_once, set_title, tr, with_note,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

type I18n = leptos_i18n::I18nContext<Locale>;

pub(super) fn role_text(locale: Locale, role: &str) -> &'static str {
    match role {
        "teacher" => td_string!(locale, school.role_teacher),
        "officer" => td_string!(locale, school.role_officer),
        _ => td_string!(locale, school.role_operator),
    }
}

pub(super) fn level_text(locale: Locale, level: &str) -> &'static str {
    match level {
        "primary" => td_string!(locale, school.level_primary),
        "junior" => td_string!(locale, school.level_junior),
        _ => td_string!(locale, school.level_senior),
    }
}

fn review_text(locale: Locale, review: &str) -> &'static str {
    match review {
        "approved" => td_string!(locale, school.review_approved),
        "returned" => td_string!(locale, school.review_returned),
        _ => td_string!(locale, school.review_pending),
    }
}

/// The staff member of this session, loaded once per page.
#[derive(Clone, Copy)]
pub struct StaffState {
    pub me: RwSignal<Option<Result<StaffMe, AppError>>>,
}

impl StaffState {
    pub fn provide() {
        provide_context(StaffState {
            me: RwSignal::new(None),
        });
    }

    fn use_state() -> Self {
        use_context::<StaffState>().unwrap_or_else(|| {
            Self::provide();
            expect_context::<StaffState>()
        })
    }

    fn ensure_loaded(self) {
        if self.me.get_untracked().is_some() {
            return;
        }
        spawn_local(async move {
            let r = load_staff_me().await;
            self.me.set(Some(r));
        });
    }
}

/// Header with the back office's navigation, the staff member and «登出».
#[component]
pub(super) fn StaffShell(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let state = StaffState::use_state();
    state.ensure_loaded();
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = staff_logout().await;
            state.me.set(Some(Err(AppError::Unauthorized)));
            navigate("/school", Default::default());
        });
    };
    let nav_navigate = use_navigate();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| match state.me.get() {
        Some(Err(AppError::Unauthorized)) => nav_navigate("/school", Default::default()),
        // A temporary password: nothing but «變更密碼» until it is changed.
        Some(Ok(me))
            if me.must_change_password && location.pathname.get() != "/school/password" =>
        {
            nav_navigate("/school/password", Default::default());
        }
        _ => {}
    });
    let children = StoredValue::new(children);
    view! {
        <crate::ui::SkipLink target="main" />
        <header class="staff-header">
            <div class="staff-header__inner">
                <span class="staff-header__brand">{tr(i18n, |l| td_string!(l, school.title))}</span>
                <nav aria-label=move || td_string!(i18n.get_locale(), school.nav_label).to_string()>
                    <ul class="staff-nav">
                        <li><A href="/school/queue">{tr(i18n, |l| td_string!(l, school.nav_queue))}</A></li>
                        <li><A href="/school/bindings">{tr(i18n, |l| td_string!(l, school.nav_bindings))}</A></li>
                        <li><A href="/school/sms">{tr(i18n, |l| td_string!(l, school.nav_sms))}</A></li>
                        <li><A href="/school/parents/new">{tr(i18n, |l| td_string!(l, school.nav_new_parent))}</A></li>
                        <li><A href="/school/attendance">{tr(i18n, |l| td_string!(l, school.nav_attendance))}</A></li>
                        <li><A href="/school/reports">{tr(i18n, |l| td_string!(l, report.nav_reports))}</A></li>
                        <li><A href="/school/notices">{tr(i18n, |l| td_string!(l, notice.nav))}</A></li>
                        <li><A href="/school/accounts">{tr(i18n, |l| td_string!(l, admin.nav_accounts))}</A></li>
                        {move || state.me.get().and_then(Result::ok).map(|me| {
                            let admin = me.role != "teacher";
                            let operator = me.role == "operator";
                            view! {
                                {admin.then(|| view! {
                                    <li><A href="/school/print">{tr(i18n, |l| td_string!(l, school.nav_print))}</A></li>
                                    <li><A href="/school/roster">{tr(i18n, |l| td_string!(l, school.nav_roster))}</A></li>
                                    <li><A href="/school/unlock">{tr(i18n, |l| td_string!(l, school.nav_unlock))}</A></li>
                                    <li><A href="/school/audit">{tr(i18n, |l| td_string!(l, school.nav_audit))}</A></li>
                                    <li><A href="/school/readers">{tr(i18n, |l| td_string!(l, gate.nav_readers))}</A></li>
                                    <li><A href="/school/holidays">{tr(i18n, |l| td_string!(l, gate.nav_holidays))}</A></li>
                                })}
                                {operator.then(|| view! {
                                    <li><A href="/school/payments">{tr(i18n, |l| td_string!(l, school.nav_payments))}</A></li>
                                    <li><A href="/school/outbox">{tr(i18n, |l| td_string!(l, school.nav_outbox))}</A></li>
                                    <li><A href="/school/settings">{tr(i18n, |l| td_string!(l, admin.nav_settings))}</A></li>
                                })}
                            }
                        })}
                    </ul>
                </nav>
                <div class="staff-header__me">
                    {move || state.me.get().and_then(Result::ok).map(|me| view! {
                        <span class="staff-header__who">
                            {move || {
                                let locale = i18n.get_locale();
                                let mut note = role_text(locale, &me.role).to_string();
                                if let Some(s) = &me.school_name {
                                    note.push_str(&format!("・{s}"));
                                }
                                if let Some(c) = &me.class_name {
                                    note.push_str(&format!(" {c}"));
                                }
                                with_note(locale, &me.username, &note)
                            }}
                        </span>
                        <A href="/school/password">{tr(i18n, |l| td_string!(l, school.nav_password))}</A>
                    })}
                    <LanguageSwitch staff=true />
                    <button type="button" class="button button--secondary button--small" on:click=logout>
                        {tr(i18n, |l| td_string!(l, school.logout))}
                    </button>
                </div>
            </div>
        </header>
        <main id="main" class="staff-main" tabindex="-1">
            {move || match state.me.get() {
                Some(Ok(_)) => children.with_value(|c| c()).into_any(),
                Some(Err(AppError::Unauthorized)) | None => view! {
                    <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p>
                }.into_any(),
                Some(Err(e)) => view! {
                    <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
                }.into_any(),
            }}
        </main>
    }
}

/// Reads the chosen file's text (UTF-8).
#[cfg(feature = "csr")]
async fn read_file(ev: &leptos::ev::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    let file = ev
        .target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?;
    text.as_string()
}

/// A file input that reads the chosen CSV into `into`.
fn csv_picker(i18n: I18n, id: &'static str, into: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <div class="field">
            <label class="field__label" for=id>{tr(i18n, |l| td_string!(l, school.csv_file))}</label>
            <input id=id type="file" accept=".csv,text/csv" class="input" on:change=move |ev| {
                #[cfg(feature = "csr")]
                spawn_local(async move { into.set(read_file(&ev).await); });
                #[cfg(not(feature = "csr"))]
                let _ = (ev, into);
            } />
        </div>
    }
}

mod accounts;
mod attendance;
mod audit;
mod bindings;
mod holidays;
mod login;
mod new_parent;
mod notices;
mod outbox;
mod payments;
mod print_batches;
mod processing;
mod queue;
mod readers;
mod reports;
mod roster;
mod sms;
mod system_settings;
mod unlock;

pub use accounts::*;
pub use attendance::*;
pub use audit::*;
pub use bindings::*;
pub use holidays::*;
pub use login::*;
pub use new_parent::*;
pub use notices::*;
pub use outbox::*;
pub use payments::*;
pub use print_batches::*;
pub use processing::*;
pub use queue::*;
pub use readers::*;
pub use reports::*;
pub use roster::*;
pub use sms::*;
pub use system_settings::*;
pub use unlock::*;
