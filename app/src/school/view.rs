//! Back-office pages («學校端», desktop, keyboard-first): login, the applications and
//! stops queue, the processing form, roster import, payment reconciliation, unlocking
//! and the audit log.

use super::api::{
    import_payments, import_roster, load_locked_holders, load_outbox, load_processing_form,
    load_queue, load_schools, load_staff_me, resend_message, review_items, search_audit,
    staff_login, staff_logout, unlock_holder,
};
use super::{
    AuditFilter, AuditPage, QueueFilter, QueueKind, QueuePage, ReviewInput, SchoolOption,
    StaffLoginInput, StaffMe,
};
use crate::apply::payments::{PaymentOutcome, ReconciliationReport};
use crate::domain::dates::{iso_date, parse_iso_date, taiwan_date_time};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::{FormAlert, LanguageSwitch, form_error_text, load_once, set_title, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

type I18n = leptos_i18n::I18nContext<Locale>;

fn role_text(locale: Locale, role: &str) -> &'static str {
    match role {
        "teacher" => td_string!(locale, school.role_teacher),
        "officer" => td_string!(locale, school.role_officer),
        _ => td_string!(locale, school.role_operator),
    }
}

fn level_text(locale: Locale, level: &str) -> &'static str {
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
    Effect::new(move |_| {
        if let Some(Err(AppError::Unauthorized)) = state.me.get() {
            nav_navigate("/school", Default::default());
        }
    });
    let children = StoredValue::new(children);
    view! {
        <a class="skip-link" href="#main">{tr(i18n, |l| td_string!(l, common.skip_to_content))}</a>
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
                        {move || state.me.get().and_then(Result::ok).map(|me| {
                            let admin = me.role != "teacher";
                            let operator = me.role == "operator";
                            view! {
                                {admin.then(|| view! {
                                    <li><A href="/school/roster">{tr(i18n, |l| td_string!(l, school.nav_roster))}</A></li>
                                    <li><A href="/school/unlock">{tr(i18n, |l| td_string!(l, school.nav_unlock))}</A></li>
                                    <li><A href="/school/audit">{tr(i18n, |l| td_string!(l, school.nav_audit))}</A></li>
                                })}
                                {operator.then(|| view! {
                                    <li><A href="/school/payments">{tr(i18n, |l| td_string!(l, school.nav_payments))}</A></li>
                                    <li><A href="/school/outbox">{tr(i18n, |l| td_string!(l, school.nav_outbox))}</A></li>
                                })}
                            }
                        })}
                    </ul>
                </nav>
                <div class="staff-header__me">
                    {move || state.me.get().and_then(Result::ok).map(|me| view! {
                        <span class="staff-header__who">
                            {me.username.clone()}"（"{move || role_text(i18n.get_locale(), &me.role)}
                            {me.school_name.clone().map(|s| format!("・{s}"))}
                            {me.class_name.clone().map(|c| format!(" {c}"))}"）"
                        </span>
                        <A href="/school/password">{tr(i18n, |l| td_string!(l, school.nav_password))}</A>
                    })}
                    <LanguageSwitch />
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

/// «學校端登入»: district → level → school, account, password, and a captcha after
/// failed attempts.
#[component]
pub fn StaffLoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = StaffState::use_state();
    set_title(move || td_string!(i18n.get_locale(), school.login_title).to_string());
    let schools = load_once(load_schools);
    let district = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let school = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let captcha = RwSignal::new(String::new());
    let needs_captcha = RwSignal::new(false);
    let otp = RwSignal::new(String::new());
    let needs_otp = RwSignal::new(false);
    let captcha_image = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();

    let all =
        move || -> Vec<SchoolOption> { schools.get().and_then(Result::ok).unwrap_or_default() };
    let districts = move || {
        let mut d: Vec<String> = all().into_iter().map(|s| s.district).collect();
        d.sort();
        d.dedup();
        d
    };
    let levels = move || {
        let mut l: Vec<String> = all()
            .into_iter()
            .filter(|s| s.district == district.get())
            .map(|s| s.level)
            .collect();
        l.sort();
        l.dedup();
        l
    };
    let school_options = move || {
        all()
            .into_iter()
            .filter(|s| s.district == district.get() && s.level == level.get())
            .collect::<Vec<_>>()
    };
    let refresh_captcha = move || {
        spawn_local(async move {
            if let Ok(c) = crate::identity::api::new_captcha().await {
                captcha_image.set(Some(c.image));
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut local = FieldErrors::new();
        if username.get_untracked().trim().is_empty() {
            local.insert("username".into(), "required".into());
        }
        if password.get_untracked().is_empty() {
            local.insert("password".into(), "required".into());
        }
        errors.set(local.clone());
        form_error.set(None);
        if !local.is_empty() {
            return;
        }
        busy.set(true);
        let input = StaffLoginInput {
            school_code: school.get_untracked(),
            username: username.get_untracked(),
            password: password.get_untracked(),
            captcha: captcha.get_untracked(),
            otp: otp.get_untracked(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match staff_login(input).await {
                Ok(me) => {
                    state.me.set(Some(Ok(me)));
                    navigate("/school/queue", Default::default());
                }
                Err(AppError::Validation(f)) if f.contains_key("captcha") => {
                    let code = f.get("captcha").cloned().unwrap_or_default();
                    needs_captcha.set(true);
                    captcha.set(String::new());
                    refresh_captcha();
                    if code == "required_next" {
                        form_error.set(Some(
                            td_string!(i18n.get_locale_untracked(), school.login_failed)
                                .to_string(),
                        ));
                    } else {
                        errors.set(f);
                    }
                }
                Err(AppError::Validation(f)) if f.contains_key("otp") => {
                    needs_otp.set(true);
                    otp.set(String::new());
                    if f.get("otp").is_some_and(|c| c == "wrong") {
                        errors.set(f);
                    }
                }
                Err(AppError::Conflict(c)) if c == "mfa_setup_required" => {
                    form_error.set(Some(
                        td_string!(i18n.get_locale_untracked(), school.mfa_setup_required)
                            .to_string(),
                    ));
                }
                Err(AppError::NoMatch) => {
                    form_error.set(Some(
                        td_string!(i18n.get_locale_untracked(), school.login_failed).to_string(),
                    ));
                    if needs_captcha.get_untracked() {
                        refresh_captcha();
                    }
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            if !needs_otp.get_untracked() {
                password.set(String::new());
            }
            busy.set(false);
        });
    };
    let field_error = move |field: &'static str| {
        move || {
            errors.with(|e| {
                e.get(field).map(|c| match c.as_str() {
                    "wrong" if field == "otp" => {
                        td_string!(i18n.get_locale(), school.err_otp_wrong)
                    }
                    "wrong" => td_string!(i18n.get_locale(), school.err_captcha_wrong),
                    _ => td_string!(i18n.get_locale(), school.err_required),
                })
            })
        }
    };
    view! {
        <main id="main" class="staff-login">
            <div class="staff-login__lang"><LanguageSwitch /></div>
            <h1>{tr(i18n, |l| td_string!(l, school.login_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.login_hint))}</p>
            <FormAlert message=form_error />
            <form class="form staff-form" novalidate on:submit=submit>
                <div class="field">
                    <label class="field__label" for="district">{tr(i18n, |l| td_string!(l, school.district))}</label>
                    <select id="district" class="input" on:change=move |ev| { district.set(event_target_value(&ev)); level.set(String::new()); school.set(String::new()); }>
                        <option value="">{tr(i18n, |l| td_string!(l, school.choose))}</option>
                        {move || districts().into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label class="field__label" for="level">{tr(i18n, |l| td_string!(l, school.level))}</label>
                    <select id="level" class="input" prop:value=move || level.get() on:change=move |ev| { level.set(event_target_value(&ev)); school.set(String::new()); }>
                        <option value="">{tr(i18n, |l| td_string!(l, school.choose))}</option>
                        {move || levels().into_iter().map(|l| { let value = l.clone(); view! { <option value=value>{move || level_text(i18n.get_locale(), &l)}</option> } }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label class="field__label" for="school">{tr(i18n, |l| td_string!(l, school.school))}</label>
                    <p class="field__hint" id="school-hint">{tr(i18n, |l| td_string!(l, school.school_hint))}</p>
                    <select id="school" class="input" aria-describedby="school-hint" prop:value=move || school.get() on:change=move |ev| school.set(event_target_value(&ev))>
                        <option value="">{tr(i18n, |l| td_string!(l, school.no_school))}</option>
                        {move || school_options().into_iter().map(|s| view! { <option value=s.code.clone()>{s.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field" class:field--error=move || field_error("username")().is_some()>
                    <label class="field__label" for="username">{tr(i18n, |l| td_string!(l, school.username))}</label>
                    <p class="field__error" id="username-error">{field_error("username")}</p>
                    <input id="username" class="input" autocomplete="username" spellcheck="false"
                        aria-describedby="username-error"
                        aria-invalid=move || field_error("username")().is_some().then_some("true")
                        prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev)) />
                </div>
                <div class="field" class:field--error=move || field_error("password")().is_some()>
                    <label class="field__label" for="password">{tr(i18n, |l| td_string!(l, school.password))}</label>
                    <p class="field__error" id="password-error">{field_error("password")}</p>
                    <input id="password" class="input" type="password" autocomplete="current-password"
                        aria-describedby="password-error"
                        aria-invalid=move || field_error("password")().is_some().then_some("true")
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                </div>
                <Show when=move || needs_otp.get()>
                    <div class="field" class:field--error=move || field_error("otp")().is_some()>
                        <label class="field__label" for="otp">{tr(i18n, |l| td_string!(l, school.otp))}</label>
                        <p class="field__hint" id="otp-hint">{tr(i18n, |l| td_string!(l, school.otp_hint))}</p>
                        <p class="field__error" id="otp-error">{field_error("otp")}</p>
                        <input id="otp" class="input input--short" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                            aria-describedby="otp-hint otp-error"
                            aria-invalid=move || field_error("otp")().is_some().then_some("true")
                            prop:value=move || otp.get() on:input=move |ev| otp.set(event_target_value(&ev)) />
                    </div>
                </Show>
                <Show when=move || needs_captcha.get()>
                    <div class="field" class:field--error=move || field_error("captcha")().is_some()>
                        <label class="field__label" for="captcha">{tr(i18n, |l| td_string!(l, identity.captcha))}</label>
                        <div class="captcha">
                            {move || captcha_image.get().map(|src| view! {
                                <img class="captcha__image" src=src alt=move || td_string!(i18n.get_locale(), identity.captcha_image).to_string() />
                            })}
                            <button type="button" class="button button--secondary button--small" on:click=move |_| refresh_captcha()>
                                {tr(i18n, |l| td_string!(l, school.captcha_refresh))}
                            </button>
                        </div>
                        <p class="field__error" id="captcha-error">{field_error("captcha")}</p>
                        <input id="captcha" class="input input--short" autocomplete="off" maxlength="5"
                            aria-describedby="captcha-error"
                            aria-invalid=move || field_error("captcha")().is_some().then_some("true")
                            prop:value=move || captcha.get() on:input=move |ev| captcha.set(event_target_value(&ev)) />
                    </div>
                </Show>
                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>
                        {tr(i18n, |l| td_string!(l, school.login))}
                    </button>
                </div>
            </form>
        </main>
    }
}

fn csv_href(f: &QueueFilter) -> String {
    let kind = match f.kind {
        QueueKind::All => "all",
        QueueKind::Applications => "applications",
        QueueKind::Stops => "stops",
    };
    let mut q = format!("/api/school/export.csv?kind={kind}&sort={}", f.sort);
    if !f.review.is_empty() {
        q.push_str(&format!("&review={}", f.review));
    }
    if !f.card_type.is_empty() {
        q.push_str(&format!("&card_type={}", f.card_type));
    }
    if let Some(d) = f.from {
        q.push_str(&format!("&from={}", iso_date(d)));
    }
    if let Some(d) = f.to {
        q.push_str(&format!("&to={}", iso_date(d)));
    }
    q
}

/// The applications and stops queue with its sticky filter bar, bulk actions and
/// CSV export.
#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.queue_title).to_string());
    view! { <StaffShell><QueueView /></StaffShell> }
}

#[component]
fn QueueView() -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(QueueFilter {
        review: "pending".into(),
        page: 1,
        ..Default::default()
    });
    let page = RwSignal::new(None::<Result<QueuePage, AppError>>);
    let selected = RwSignal::new(Vec::<String>::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reason_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let reload = move || {
        let f = filter.get_untracked();
        spawn_local(async move {
            let r = load_queue(f).await;
            page.set(Some(r));
        });
    };
    Effect::new(move |_| {
        filter.track();
        selected.set(Vec::new());
        reload();
    });
    let set_filter = move |f: fn(&mut QueueFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|q| {
                f(q, v);
                q.page = 1;
            });
        }
    };
    let act = move |approve: bool, refs: Vec<String>| {
        if busy.get_untracked() || refs.is_empty() {
            return;
        }
        if !approve && reason.get_untracked().trim().is_empty() {
            reason_error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        busy.set(true);
        form_error.set(None);
        reason_error.set(None);
        let input = ReviewInput {
            item_refs: refs,
            approve,
            reason: if approve {
                String::new()
            } else {
                reason.get_untracked()
            },
        };
        spawn_local(async move {
            match review_items(input).await {
                Ok(o) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(if approve {
                        td_string!(locale, school.approved_n, n = o.changed).to_string()
                    } else {
                        td_string!(locale, school.returned_n, n = o.changed).to_string()
                    }));
                    reason.set(String::new());
                    reload();
                    selected.set(Vec::new());
                }
                Err(AppError::Validation(_)) => {
                    reason_error.set(Some(
                        td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
                    ));
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let toggle = move |r: String| {
        selected.update(|s| {
            if let Some(i) = s.iter().position(|x| *x == r) {
                s.remove(i);
            } else {
                s.push(r);
            }
        });
    };
    view! {
        <h1>{tr(i18n, |l| td_string!(l, school.queue_title))}</h1>
        <form class="filter-bar" role="search" on:submit=move |ev| { ev.prevent_default(); reload(); }
            aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
            <label>{tr(i18n, |l| td_string!(l, school.f_kind))}
                <select on:change=set_filter(|q, v| q.kind = match v.as_str() { "applications" => QueueKind::Applications, "stops" => QueueKind::Stops, _ => QueueKind::All })>
                    <option value="all">{tr(i18n, |l| td_string!(l, school.kind_all))}</option>
                    <option value="applications">{tr(i18n, |l| td_string!(l, school.kind_applications))}</option>
                    <option value="stops">{tr(i18n, |l| td_string!(l, school.kind_stops))}</option>
                </select>
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_review))}
                <select on:change=set_filter(|q, v| q.review = v)>
                    <option value="pending">{tr(i18n, |l| td_string!(l, school.review_pending))}</option>
                    <option value="approved">{tr(i18n, |l| td_string!(l, school.review_approved))}</option>
                    <option value="returned">{tr(i18n, |l| td_string!(l, school.review_returned))}</option>
                    <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                </select>
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_type))}
                <select on:change=set_filter(|q, v| q.card_type = v)>
                    <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    {move || page.get().and_then(Result::ok).map(|p| p.card_types.into_iter().map(|(code, name)| view! {
                        <option value=code.clone() selected=move || filter.with(|f| f.card_type == code)>{name}</option>
                    }).collect_view())}
                </select>
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_from))}
                <input type="date" on:change=set_filter(|q, v| q.from = parse_iso_date(&v)) />
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_to))}
                <input type="date" on:change=set_filter(|q, v| q.to = parse_iso_date(&v)) />
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_sort))}
                <select on:change=set_filter(|q, v| q.sort = v)>
                    <option value="newest">{tr(i18n, |l| td_string!(l, school.sort_newest))}</option>
                    <option value="oldest">{tr(i18n, |l| td_string!(l, school.sort_oldest))}</option>
                    <option value="class">{tr(i18n, |l| td_string!(l, school.sort_class))}</option>
                </select>
            </label>
            <a class="button button--secondary button--small" href=move || filter.with(csv_href) download="card-queue.csv">
                {tr(i18n, |l| td_string!(l, school.export_csv))}
            </a>
        </form>
        {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
        <FormAlert message=form_error />
        <div class="bulk-bar" role="group" aria-label=move || td_string!(i18n.get_locale(), school.bulk_label).to_string()>
            <span>{move || td_string!(i18n.get_locale(), school.selected_n, n = selected.with(Vec::len)).to_string()}</span>
            <button type="button" class="button button--primary button--small"
                prop:disabled=move || busy.get() || selected.with(Vec::is_empty)
                on:click=move |_| act(true, selected.get_untracked())>
                {tr(i18n, |l| td_string!(l, school.approve_selected))}
            </button>
            <label class="bulk-bar__reason" class:field--error=move || reason_error.get().is_some()>
                <span>{tr(i18n, |l| td_string!(l, school.return_reason))}</span>
                <input id="return-reason" class="input" maxlength="200" prop:value=move || reason.get()
                    aria-invalid=move || reason_error.get().is_some().then_some("true")
                    aria-describedby="return-reason-error"
                    on:input=move |ev| { reason.set(event_target_value(&ev)); reason_error.set(None); } />
                <span class="field__error" id="return-reason-error">{move || reason_error.get()}</span>
            </label>
            <button type="button" class="button button--danger button--small"
                prop:disabled=move || busy.get() || selected.with(Vec::is_empty)
                on:click=move |_| act(false, selected.get_untracked())>
                {tr(i18n, |l| td_string!(l, school.return_selected))}
            </button>
        </div>
        {move || match page.get() {
            None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
            Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
            Some(Ok(p)) if p.rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.queue_empty))}</p> }.into_any(),
            Some(Ok(p)) => {
                let pages = p.total.div_ceil(p.page_size).max(1);
                let all_refs: Vec<String> = p.rows.iter().map(|r| r.item_ref.clone()).collect();
                view! {
                    <div class="table-wrap">
                    <table class="queue-table">
                        <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, school.queue_title))}</caption>
                        <thead><tr>
                            <th scope="col"><input type="checkbox"
                                aria-label=move || td_string!(i18n.get_locale(), school.select_all).to_string()
                                prop:checked={ let all_refs = all_refs.clone(); move || selected.with(|s| !all_refs.is_empty() && all_refs.iter().all(|r| s.contains(r))) }
                                on:change={ let all_refs = all_refs.clone(); move |_| {
                                    let all_on = selected.with_untracked(|s| all_refs.iter().all(|r| s.contains(r)));
                                    selected.set(if all_on { Vec::new() } else { all_refs.clone() });
                                } } /></th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_serial))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_applicant))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_id_match))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_photo))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_type))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_reason))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_loss_fee))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_reissue_fee))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_total))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_payment))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_review))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>
                            {p.rows.into_iter().map(|r| {
                                let item = r.item_ref.clone();
                                let item_toggle = r.item_ref.clone();
                                let item_approve = r.item_ref.clone();
                                let item_return = r.item_ref.clone();
                                let pending = r.review == "pending";
                                let review = r.review.clone();
                                let label = format!("{} {}", r.serial_no, r.applicant);
                                view! {
                                    <tr class:row--flag=r.no_contact>
                                        <td><input type="checkbox" aria-label=label
                                            prop:checked={ let item = item.clone(); move || selected.with(|s| s.contains(&item)) }
                                            on:change=move |_| toggle(item_toggle.clone()) /></td>
                                        <td class="mono">{r.serial_no.clone()}<span class="cell-note">{taiwan_date_time(r.submitted_at)}</span></td>
                                        <td>{r.applicant.clone()}</td>
                                        <td>{r.class_name.clone()}" "<span class="cell-note">{format!("{}號", r.seat_no)}</span></td>
                                        <td>{r.id_match.clone()}</td>
                                        <td>{if r.has_photo {
                                            view! { <img class="thumb" src=format!("/api/school/photo/{}", r.item_ref) width="46" height="58" alt=move || td_string!(i18n.get_locale(), school.photo_alt).to_string() loading="lazy" /> }.into_any()
                                        } else { view! { <span>"—"</span> }.into_any() }}</td>
                                        <td class="nowrap">{r.card_type_zh.clone()}</td>
                                        <td>{r.reason.clone()}
                                            {r.no_contact.then(|| view! { <span class="flag">{tr(i18n, |l| td_string!(l, school.no_contact))}</span> })}</td>
                                        <td class="num">{r.loss_fee}</td>
                                        <td class="num">{r.reissue_fee}</td>
                                        <td class="num">{r.total_due}</td>
                                        <td>{r.payment.clone()}</td>
                                        <td>{move || review_text(i18n.get_locale(), &review)}
                                            {r.review_reason.clone().map(|x| view! { <span class="cell-note">{x}</span> })}</td>
                                        <td class="row-actions">
                                            {pending.then(|| view! {
                                                <button type="button" class="button button--primary button--small"
                                                    on:click=move |_| act(true, vec![item_approve.clone()])>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                                <button type="button" class="button button--secondary button--small"
                                                    on:click=move |_| act(false, vec![item_return.clone()])>{tr(i18n, |l| td_string!(l, school.return_one))}</button>
                                            })}
                                            {r.needs_form.then(|| view! {
                                                <A href=format!("/school/form/{item}") attr:class="button button--link">{tr(i18n, |l| td_string!(l, school.form))}</A>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <nav class="pager" aria-label=move || td_string!(i18n.get_locale(), school.pager).to_string()>
                        <button type="button" class="button button--secondary button--small" prop:disabled={p.page <= 1}
                            on:click=move |_| filter.update(|f| f.page = f.page.saturating_sub(1).max(1))>{tr(i18n, |l| td_string!(l, school.prev))}</button>
                        <span>{move || td_string!(i18n.get_locale(), school.page_of, page = p.page, pages = pages, total = p.total).to_string()}</span>
                        <button type="button" class="button button--secondary button--small" prop:disabled={p.page >= pages}
                            on:click=move |_| filter.update(|f| f.page += 1)>{tr(i18n, |l| td_string!(l, school.next))}</button>
                    </nav>
                }.into_any()
            }
        }}
    }
}

/// «處理作業單»: printed and mailed with the old card.
#[component]
pub fn ProcessingFormPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || "處理作業單".to_string());
    let params = use_params_map();
    let item = params.with_untracked(|p| p.get("item").unwrap_or_default());
    let form = load_once(move || load_processing_form(item));
    view! {
        <StaffShell>
            {move || match form.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(f)) => view! {
                    <article class="processing-form">
                        <h1>"處理作業單"</h1>
                        <dl class="slip__facts">
                            <div><dt>"申請編號"</dt><dd>{f.serial_no.clone()}</dd></div>
                            <div><dt>"學校"</dt><dd>{f.school_name.clone()}</dd></div>
                            <div><dt>"年班／座號"</dt><dd>{format!("{} / {}", f.class_name, f.seat_no)}</dd></div>
                            <div><dt>"學號"</dt><dd>{f.student_no.clone()}</dd></div>
                            <div><dt>"申請人"</dt><dd>{f.applicant.clone()}</dd></div>
                            <div><dt>"卡別"</dt><dd>{f.card_type_zh.clone()}</dd></div>
                            <div><dt>"舊卡外碼"</dt><dd>{f.old_card_masked.clone()}</dd></div>
                            <div><dt>"補卡原因"</dt><dd>{f.reason.clone()}</dd></div>
                            <div><dt>"應收金額"</dt><dd>{format!("{} 元", f.total_due)}</dd></div>
                            <div><dt>"繳費狀態"</dt><dd>{f.payment.clone()}</dd></div>
                            <div><dt>"列印日期"</dt><dd>{iso_date(f.printed_on)}</dd></div>
                        </dl>
                        <p>"請將本作業單併同舊卡寄回發卡公司。"</p>
                        <p class="signature">"承辦人簽章：＿＿＿＿＿＿＿＿"</p>
                        <button type="button" class="button button--primary no-print" on:click=move |_| {
                            #[cfg(feature = "csr")]
                            if let Some(w) = web_sys::window() { let _ = w.print(); }
                        }>{tr(i18n, |l| td_string!(l, school.print))}</button>
                    </article>
                }.into_any(),
            }}
        </StaffShell>
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

/// Roster import: upload → preview (counts, first rows, every bad line) → confirm.
#[component]
pub fn RosterImportPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.roster_title).to_string());
    let csv = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Result<super::RosterPreview, AppError>>);
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(text) = csv.get() {
            busy.set(true);
            spawn_local(async move {
                preview.set(Some(import_roster(text, false).await));
                busy.set(false);
            });
        }
    });
    let confirm = move |_| {
        let Some(text) = csv.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            preview.set(Some(import_roster(text, true).await));
            busy.set(false);
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.roster_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.roster_hint))}</p>
            {csv_picker(i18n, "roster-file", csv)}
            {move || busy.get().then(|| view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> })}
            {move || match preview.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(p)) => {
                    let ok = p.errors.is_empty();
                    let n_errors = p.errors.len();
                    view! {
                        <section class="preview" aria-labelledby="preview-title">
                            <h2 id="preview-title">{tr(i18n, |l| td_string!(l, school.preview))}</h2>
                            <p>{move || td_string!(i18n.get_locale(), school.roster_counts, rows = p.rows, schools = p.schools, classes = p.classes).to_string()}</p>
                            {(!p.first_rows.is_empty()).then(|| view! {
                                <table class="queue-table">
                                    <thead><tr>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_student_no))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_applicant))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_card_status))}</th>
                                    </tr></thead>
                                    <tbody>{p.first_rows.iter().map(|(no, name, class, status)| view! {
                                        <tr><td>{no.clone()}</td><td>{name.clone()}</td><td>{class.clone()}</td><td>{status.clone()}</td></tr>
                                    }).collect_view()}</tbody>
                                </table>
                            })}
                            {(!ok).then(|| view! {
                                <div class="form-alert" role="alert">
                                    <p>{move || td_string!(i18n.get_locale(), school.roster_invalid, n = n_errors).to_string()}</p>
                                    <ul class="line-errors">{p.errors.clone().into_iter().map(|e| {
                                        let line = e.line;
                                        if e.code.as_deref() == Some("other_school") {
                                            view! { <li>{move || td_string!(i18n.get_locale(), school.roster_other_school, line = line).to_string()}</li> }.into_any()
                                        } else {
                                            view! { <li>{move || td_string!(i18n.get_locale(), school.line_error, line = line).to_string()}" "<code>{e.column}</code>" "{e.problem}</li> }.into_any()
                                        }
                                    }).collect_view()}</ul>
                                </div>
                            })}
                            {p.imported.clone().map(|s| view! { <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, school.imported))}" "{s}</p> })}
                            {(ok && p.imported.is_none()).then(|| view! {
                                <button type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=confirm>
                                    {tr(i18n, |l| td_string!(l, school.confirm_import))}
                                </button>
                            })}
                        </section>
                    }.into_any()
                }
            }}
        </StaffShell>
    }
}

fn outcome_text(locale: Locale, o: &PaymentOutcome) -> String {
    match o {
        PaymentOutcome::Matched { serial_no } => {
            format!("{} ({serial_no})", td_string!(locale, school.p_matched))
        }
        PaymentOutcome::AlreadyRecorded { serial_no } => {
            format!("{} ({serial_no})", td_string!(locale, school.p_already))
        }
        PaymentOutcome::WrongAmount {
            serial_no,
            expected,
        } => {
            format!(
                "{} ({serial_no}, {expected})",
                td_string!(locale, school.p_wrong_amount)
            )
        }
        PaymentOutcome::Unknown => td_string!(locale, school.p_unknown).to_string(),
    }
}

/// Payment reconciliation for the issuer's operators: upload → preview → confirm.
#[component]
pub fn PaymentsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.payments_title).to_string());
    let csv = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<(bool, Result<ReconciliationReport, AppError>)>);
    let busy = RwSignal::new(false);
    let run = move |confirm: bool| {
        let Some(text) = csv.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            report.set(Some((confirm, import_payments(text, confirm).await)));
            busy.set(false);
        });
    };
    Effect::new(move |_| {
        if csv.get().is_some() {
            run(false);
        }
    });
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.payments_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.payments_hint))}</p>
            {csv_picker(i18n, "payments-file", csv)}
            {move || match report.get() {
                None => ().into_any(),
                Some((_, Err(AppError::Validation(f)))) => view! {
                    <div class="form-alert" role="alert"><pre class="line-errors">{f.get("file").cloned().unwrap_or_default()}</pre></div>
                }.into_any(),
                Some((_, Err(e))) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some((confirmed, Ok(r))) => view! {
                    <section aria-labelledby="report-title">
                        <h2 id="report-title">{move || if confirmed { td_string!(i18n.get_locale(), school.p_done) } else { td_string!(i18n.get_locale(), school.preview) }}</h2>
                        <p>{move || td_string!(i18n.get_locale(), school.p_counts, matched = r.matched, already = r.already_recorded, wrong = r.wrong_amount, unknown = r.unknown).to_string()}</p>
                        <table class="queue-table">
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_line))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_payment_no))}</th>
                                <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_amount))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_outcome))}</th>
                            </tr></thead>
                            <tbody>{r.results.iter().map(|x| {
                                let o = x.outcome.clone();
                                view! {
                                    <tr><td>{x.line}</td><td class="mono">{x.payment_no.clone()}</td><td class="num">{x.amount}</td>
                                    <td>{move || outcome_text(i18n.get_locale(), &o)}</td></tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                        {(!confirmed && r.matched > 0).then(|| view! {
                            <button type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=move |_| run(true)>
                                {tr(i18n, |l| td_string!(l, school.confirm_payments))}
                            </button>
                        })}
                    </section>
                }.into_any(),
            }}
        </StaffShell>
    }
}

/// Holders locked by failed verifications, with «解除鎖定».
#[component]
pub fn UnlockPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.unlock_title).to_string());
    let list = RwSignal::new(None::<Result<Vec<super::LockedHolder>, AppError>>);
    let reload = move || spawn_local(async move { list.set(Some(load_locked_holders().await)) });
    reload();
    let message = RwSignal::new(None::<String>);
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.unlock_title))}</h1>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.none_locked))}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="queue-table">
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_applicant))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_id))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_failures))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_locked_until))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>{rows.into_iter().map(|h| {
                            let r = h.holder_ref.clone();
                            let name = h.applicant.clone();
                            view! {
                                <tr>
                                    <td>{h.applicant.clone()}</td><td class="mono">{h.id_masked.clone()}</td>
                                    <td>{format!("{} {}", h.school_name, h.class_name)}</td><td class="num">{h.failures}</td>
                                    <td>{if h.permanent { "—".to_string() } else { h.locked_until.map(taiwan_date_time).unwrap_or_default() }}
                                        {h.permanent.then(|| view! { <span class="flag">{tr(i18n, |l| td_string!(l, school.until_unlocked))}</span> })}</td>
                                    <td><button type="button" class="button button--primary button--small" on:click=move |_| {
                                        let r = r.clone();
                                        let name = name.clone();
                                        spawn_local(async move {
                                            if unlock_holder(r).await.is_ok() {
                                                message.set(Some(td_string!(i18n.get_locale_untracked(), school.unlocked, name = name).to_string()));
                                                reload();
                                            }
                                        });
                                    }>{tr(i18n, |l| td_string!(l, school.unlock))}</button></td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
        </StaffShell>
    }
}

/// The audit log with its search.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.audit_title).to_string());
    let filter = RwSignal::new(AuditFilter {
        page: 1,
        ..Default::default()
    });
    let page = RwSignal::new(None::<Result<AuditPage, AppError>>);
    Effect::new(move |_| {
        let f = filter.get();
        spawn_local(async move { page.set(Some(search_audit(f).await)) });
    });
    let set = move |f: fn(&mut AuditFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|q| {
                f(q, v);
                q.page = 1;
            });
        }
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.audit_title))}</h1>
            <form class="filter-bar" role="search" on:submit=move |ev| ev.prevent_default()
                aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
                <label>{tr(i18n, |l| td_string!(l, school.f_from))}<input type="date" on:change=set(|q, v| q.from = parse_iso_date(&v)) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_to))}<input type="date" on:change=set(|q, v| q.to = parse_iso_date(&v)) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_actor))}<input class="input" on:change=set(|q, v| q.actor = v) placeholder="staff:3" /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_subject))}<input class="input" on:change=set(|q, v| q.subject = v) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_action))}<input class="input" on:change=set(|q, v| q.action = v) placeholder="school." /></label>
            </form>
            {move || match page.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(p)) => {
                    let pages = p.total.div_ceil(p.page_size).max(1);
                    view! {
                        <div class="table-wrap"><table class="queue-table audit-table">
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_time))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_actor))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_action))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_subject))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_result))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_detail))}</th>
                            </tr></thead>
                            <tbody>{p.rows.into_iter().map(|r| view! {
                                <tr><td>{taiwan_date_time(r.at)}</td><td class="mono">{r.actor}</td><td class="mono">{r.action}</td>
                                <td>{r.subject.unwrap_or_default()}</td><td>{r.result}</td><td class="detail">{r.detail.unwrap_or_default()}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                        <nav class="pager" aria-label=move || td_string!(i18n.get_locale(), school.pager).to_string()>
                            <button type="button" class="button button--secondary button--small" prop:disabled={p.page <= 1}
                                on:click=move |_| filter.update(|f| f.page = f.page.saturating_sub(1).max(1))>{tr(i18n, |l| td_string!(l, school.prev))}</button>
                            <span>{move || td_string!(i18n.get_locale(), school.page_of, page = p.page, pages = pages, total = p.total).to_string()}</span>
                            <button type="button" class="button button--secondary button--small" prop:disabled={p.page >= pages}
                                on:click=move |_| filter.update(|f| f.page += 1)>{tr(i18n, |l| td_string!(l, school.next))}</button>
                        </nav>
                    }.into_any()
                }
            }}
        </StaffShell>
    }
}

fn relationship_text(locale: Locale, r: crate::parent::Relationship) -> &'static str {
    use crate::parent::Relationship as R;
    match r {
        R::Father => td_string!(locale, school.rel_father),
        R::Mother => td_string!(locale, school.rel_mother),
        R::Grandparent => td_string!(locale, school.rel_grandparent),
        R::OtherGuardian => td_string!(locale, school.rel_other),
    }
}

fn binding_status_text(locale: Locale, s: crate::parent::BindingStatus) -> &'static str {
    use crate::parent::BindingStatus as S;
    match s {
        S::Pending => td_string!(locale, school.b_pending),
        S::Approved => td_string!(locale, school.b_approved),
        S::Returned => td_string!(locale, school.b_returned),
        S::Unbound => td_string!(locale, school.b_unbound),
        S::Removed => td_string!(locale, school.b_removed),
    }
}

/// «親子綁定審核»: the homeroom teacher approves or returns (with a reason) the
/// binding requests of their class; staff can also remove a binding (protection
/// cases).
#[component]
pub fn BindingsPage() -> impl IntoView {
    use super::api::{load_binding_requests, review_binding};
    use crate::parent::{BindingFilter, BindingStatus};
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.bindings_title).to_string());
    let status = RwSignal::new(Some(BindingStatus::Pending));
    let rows = RwSignal::new(None::<Result<Vec<crate::parent::StaffBindingRow>, AppError>>);
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reload = move || {
        let filter = BindingFilter {
            status: status.get_untracked(),
        };
        spawn_local(async move { rows.set(Some(load_binding_requests(filter).await)) });
    };
    Effect::new(move |_| {
        status.track();
        reload();
    });
    let act = move |id: i32, action: &'static str| {
        if action != "approve" && reason.get_untracked().trim().is_empty() {
            reason_error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        reason_error.set(None);
        form_error.set(None);
        let text = reason.get_untracked();
        spawn_local(async move {
            match review_binding(id, action.to_owned(), text).await {
                Ok(row) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(format!(
                        "{}：{}",
                        row.child_name,
                        binding_status_text(locale, row.status)
                    )));
                    reason.set(String::new());
                    reload();
                }
                Err(AppError::Validation(_)) => reason_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.bindings_title))}</h1>
            <form class="filter-bar" role="search" on:submit=move |ev| ev.prevent_default()
                aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
                <label>{tr(i18n, |l| td_string!(l, school.f_review))}
                    <select on:change=move |ev| status.set(match event_target_value(&ev).as_str() {
                        "pending" => Some(BindingStatus::Pending),
                        "approved" => Some(BindingStatus::Approved),
                        "returned" => Some(BindingStatus::Returned),
                        _ => None,
                    })>
                        <option value="pending">{tr(i18n, |l| td_string!(l, school.b_pending))}</option>
                        <option value="approved">{tr(i18n, |l| td_string!(l, school.b_approved))}</option>
                        <option value="returned">{tr(i18n, |l| td_string!(l, school.b_returned))}</option>
                        <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    </select>
                </label>
                <a class="button button--secondary button--small" download="binding-requests.csv"
                    href=move || match status.get() {
                        Some(s) => format!("/api/school/bindings.csv?status={}", s.as_str()),
                        None => "/api/school/bindings.csv".to_string(),
                    }>
                    {tr(i18n, |l| td_string!(l, school.export_csv))}
                </a>
                <label class="bulk-bar__reason" class:field--error=move || reason_error.get().is_some()>
                    <span>{tr(i18n, |l| td_string!(l, school.binding_reason))}</span>
                    <input id="binding-reason" class="input" maxlength="200" prop:value=move || reason.get()
                        aria-invalid=move || reason_error.get().is_some().then_some("true")
                        aria-describedby="binding-reason-error"
                        on:input=move |ev| { reason.set(event_target_value(&ev)); reason_error.set(None); } />
                    <span class="field__error" id="binding-reason-error">{move || reason_error.get()}</span>
                </label>
            </form>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=form_error />
            {move || match rows.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.bindings_empty))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-wrap"><table class="queue-table">
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_requested))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_child))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_parent))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_relationship))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_review))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(|r| {
                            let id = r.id;
                            let st = r.status;
                            let rel = r.relationship;
                            view! {
                                <tr>
                                    <td>{iso_date(r.requested_on)}</td>
                                    <td>{r.child_name.clone()}<span class="cell-note">{r.student_no.clone()}</span></td>
                                    <td>{format!("{} {} / {}", r.school_name, r.class_name, r.seat_no)}</td>
                                    <td>{r.parent_display_name.clone()}<span class="cell-note">{r.parent_contact_masked.clone()}</span></td>
                                    <td>{move || relationship_text(i18n.get_locale(), rel)}</td>
                                    <td>{move || binding_status_text(i18n.get_locale(), st)}
                                        {r.return_reason.clone().map(|x| view! { <span class="cell-note">{x}</span> })}</td>
                                    <td class="row-actions">
                                        {(st == BindingStatus::Pending).then(|| view! {
                                            <button type="button" class="button button--primary button--small" on:click=move |_| act(id, "approve")>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                            <button type="button" class="button button--secondary button--small" on:click=move |_| act(id, "return")>{tr(i18n, |l| td_string!(l, school.return_binding))}</button>
                                        })}
                                        {(st == BindingStatus::Approved).then(|| view! {
                                            <button type="button" class="button button--danger button--small" on:click=move |_| act(id, "remove")>{tr(i18n, |l| td_string!(l, school.remove_binding))}</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any(),
            }}
        </StaffShell>
    }
}

fn cancellation_status_text(locale: Locale, s: crate::notify::CancellationStatus) -> &'static str {
    use crate::notify::CancellationStatus as C;
    match s {
        C::Pending => td_string!(locale, school.sms_pending),
        C::Approved => td_string!(locale, school.sms_approved),
        C::Rejected => td_string!(locale, school.sms_rejected),
        C::Withdrawn => td_string!(locale, school.sms_withdrawn),
    }
}

/// «簡訊註銷審核»: parents' requests to cancel the paid SMS service, approved
/// (effective the next day) or rejected with a reason by the homeroom teacher.
#[component]
pub fn SmsCancellationsPage() -> impl IntoView {
    use super::api::{load_sms_cancellations, review_sms_cancellation};
    use crate::notify::CancellationStatus;
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.sms_title).to_string());
    let status = RwSignal::new(Some(CancellationStatus::Pending));
    let rows = RwSignal::new(None::<Result<Vec<crate::notify::SmsCancellationRow>, AppError>>);
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reload = move || {
        let filter = status.get_untracked();
        spawn_local(async move { rows.set(Some(load_sms_cancellations(filter).await)) });
    };
    Effect::new(move |_| {
        status.track();
        reload();
    });
    let act = move |id: i32, approve: bool| {
        if !approve && reason.get_untracked().trim().is_empty() {
            reason_error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        reason_error.set(None);
        form_error.set(None);
        let text = reason.get_untracked();
        spawn_local(async move {
            match review_sms_cancellation(id, approve, text).await {
                Ok(row) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(match row.effective_on {
                        Some(d) => td_string!(
                            locale,
                            school.sms_done_approved,
                            name = row.child_name.clone(),
                            date = iso_date(d)
                        )
                        .to_string(),
                        None => format!(
                            "{}：{}",
                            row.child_name,
                            cancellation_status_text(locale, row.status)
                        ),
                    }));
                    reason.set(String::new());
                    reload();
                }
                Err(AppError::Validation(_)) => reason_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.sms_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, school.sms_intro))}</p>
            <form class="filter-bar" role="search" on:submit=move |ev| ev.prevent_default()
                aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
                <label>{tr(i18n, |l| td_string!(l, school.f_review))}
                    <select on:change=move |ev| status.set(CancellationStatus::parse(&event_target_value(&ev)))>
                        <option value="pending">{tr(i18n, |l| td_string!(l, school.sms_pending))}</option>
                        <option value="approved">{tr(i18n, |l| td_string!(l, school.sms_approved))}</option>
                        <option value="rejected">{tr(i18n, |l| td_string!(l, school.sms_rejected))}</option>
                        <option value="withdrawn">{tr(i18n, |l| td_string!(l, school.sms_withdrawn))}</option>
                        <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    </select>
                </label>
                <label class="bulk-bar__reason" class:field--error=move || reason_error.get().is_some()>
                    <span>{tr(i18n, |l| td_string!(l, school.sms_reason))}</span>
                    <input id="sms-reason" class="input" maxlength="200" prop:value=move || reason.get()
                        aria-invalid=move || reason_error.get().is_some().then_some("true")
                        aria-describedby="sms-reason-error"
                        on:input=move |ev| { reason.set(event_target_value(&ev)); reason_error.set(None); } />
                    <span class="field__error" id="sms-reason-error">{move || reason_error.get()}</span>
                </label>
            </form>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=form_error />
            {move || match rows.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.sms_empty))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-wrap"><table class="queue-table">
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_requested))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_child))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_parent))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_sms_term))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_review))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(|r| {
                            let id = r.id;
                            let st = r.status;
                            let items = [(r.arrival, "到校SMS"), (r.departure, "離校SMS")]
                                .iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>().join(" ");
                            view! {
                                <tr>
                                    <td>{taiwan_date_time(r.requested_at)}</td>
                                    <td>{r.child_name.clone()}<span class="cell-note">{r.student_no.clone()}</span></td>
                                    <td>{format!("{} {} / {}", r.school_name, r.class_name, r.seat_no)}</td>
                                    <td>{r.parent_display_name.clone()}</td>
                                    <td>{r.term_name.clone()}<span class="cell-note">{items}</span></td>
                                    <td>{move || cancellation_status_text(i18n.get_locale(), st)}
                                        {r.effective_on.map(|d| view! { <span class="cell-note">{move || td_string!(i18n.get_locale(), school.sms_effective, date = iso_date(d)).to_string()}</span> })}
                                        {r.reject_reason.clone().map(|x| view! { <span class="cell-note">{x}</span> })}</td>
                                    <td class="row-actions">
                                        {(st == CancellationStatus::Pending).then(|| view! {
                                            <button type="button" class="button button--primary button--small" on:click=move |_| act(id, true)>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                            <button type="button" class="button button--secondary button--small" on:click=move |_| act(id, false)>{tr(i18n, |l| td_string!(l, school.sms_reject))}</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any(),
            }}
        </StaffShell>
    }
}

/// «新增家長帳號»: staff create an account for a parent (temporary password, changed at
/// first login), optionally binding a student of their school at once.
#[component]
pub fn NewParentPage() -> impl IntoView {
    use crate::parent::{Relationship, StaffNewParentInput};
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.np_title).to_string());
    let account = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let student_no = RwSignal::new(String::new());
    let relationship = RwSignal::new(None::<Relationship>);
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field).map(|code| {
                    match (field, code.as_str()) {
                        ("account", _) => td_string!(locale, school.np_err_account),
                        ("display_name", _) => td_string!(locale, school.np_err_name),
                        ("student_no", "no_school") => td_string!(locale, school.np_err_no_school),
                        ("student_no", _) => td_string!(locale, school.np_err_student),
                        _ => td_string!(locale, school.np_err_relationship),
                    }
                    .to_string()
                })
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        alert.set(None);
        done.set(None);
        errors.set(FieldErrors::new());
        let input = StaffNewParentInput {
            account: account.get_untracked(),
            display_name: display_name.get_untracked(),
            student_no: student_no.get_untracked(),
            relationship: relationship.get_untracked(),
        };
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            match super::api::create_parent_account(input).await {
                Ok(d) => {
                    done.set(Some(match d.child_masked_name {
                        Some(child) => td_string!(
                            locale,
                            school.np_done_child,
                            contact = d.contact_masked,
                            child = child
                        )
                        .to_string(),
                        None => td_string!(locale, school.np_done, contact = d.contact_masked)
                            .to_string(),
                    }));
                    account.set(String::new());
                    display_name.set(String::new());
                    student_no.set(String::new());
                    relationship.set(None);
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(AppError::Conflict(_)) => {
                    alert.set(Some(td_string!(locale, school.np_err_exists).to_string()))
                }
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            pending.set(false);
        });
    };
    let rel_options = [
        (Relationship::Father, "father"),
        (Relationship::Mother, "mother"),
        (Relationship::Grandparent, "grandparent"),
        (Relationship::OtherGuardian, "other_guardian"),
    ];
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.np_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, school.np_intro))}</p>
            {move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=alert />
            <form class="staff-form" on:submit=submit novalidate>
                <crate::ui::TextField id="np-account" label=|l| td_string!(l, school.np_account)
                    value=account on_input=Callback::new(move |v| account.set(v))
                    error=field_error("account") autocomplete="off" maxlength=100 />
                <crate::ui::TextField id="np-name" label=|l| td_string!(l, school.np_display_name)
                    value=display_name on_input=Callback::new(move |v| display_name.set(v))
                    error=field_error("display_name") maxlength=40 />
                <crate::ui::TextField id="np-student" label=|l| td_string!(l, school.np_student_no)
                    hint=|l| td_string!(l, school.np_student_hint)
                    value=student_no on_input=Callback::new(move |v| student_no.set(v))
                    error=field_error("student_no") maxlength=20 class="input input--short" />
                <div class="field" class:field--error=move || errors.with(|e| e.contains_key("relationship"))>
                    <label class="field__label" for="np-relationship">{tr(i18n, |l| td_string!(l, school.np_relationship))}</label>
                    <p class="field__error" id="np-relationship-error">{move || field_error("relationship").get()}</p>
                    <select id="np-relationship" class="input input--short"
                        aria-invalid=move || errors.with(|e| e.contains_key("relationship")).then_some("true")
                        aria-describedby="np-relationship-error"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            relationship.set(Relationship::parse(&v));
                        }
                        prop:value=move || relationship.get().map(|r| r.as_str()).unwrap_or("")>
                        <option value="">{tr(i18n, |l| td_string!(l, school.np_choose))}</option>
                        {rel_options.into_iter().map(|(r, v)| view! {
                            <option value=v>{move || relationship_text(i18n.get_locale(), r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || pending.get()>
                        {tr(i18n, |l| td_string!(l, school.np_submit))}
                    </button>
                </div>
            </form>
        </StaffShell>
    }
}

fn outbox_status_text(locale: Locale, status: &str) -> &'static str {
    match status {
        "pending" => td_string!(locale, school.outbox_pending),
        "in_flight" => td_string!(locale, school.outbox_in_flight),
        "sent" => td_string!(locale, school.outbox_sent),
        _ => td_string!(locale, school.outbox_dead),
    }
}

fn channel_text(locale: Locale, channel: &str) -> &'static str {
    match channel {
        "email" => td_string!(locale, school.channel_email),
        "sms" => td_string!(locale, school.channel_sms),
        _ => td_string!(locale, school.channel_line),
    }
}

/// «訊息寄送狀態» (the issuer's operators): messages per status and the dead ones,
/// each with «重送».
#[component]
pub fn OutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.outbox_title).to_string());
    let overview = RwSignal::new(None::<Result<super::OutboxOverview, AppError>>);
    let reload = move || spawn_local(async move { overview.set(Some(load_outbox().await)) });
    reload();
    let message = RwSignal::new(None::<Result<String, AppError>>);
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.outbox_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.outbox_hint))}</p>
            {move || message.get().map(|m| match m {
                Ok(m) => view! { <p class="notice notice--ok" role="status">{m}</p> }.into_any(),
                Err(e) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
            })}
            {move || match overview.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(o)) => view! {
                    <table class="queue-table outbox-counts">
                        <caption>{tr(i18n, |l| td_string!(l, school.outbox_counts))}</caption>
                        <tbody>{o.counts.into_iter().map(|(status, n)| view! {
                            <tr><th scope="row">{move || outbox_status_text(i18n.get_locale(), &status)}</th><td class="num">{n}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                    <h2>{tr(i18n, |l| td_string!(l, school.outbox_dead_title))}</h2>
                    {if o.dead.is_empty() {
                        view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.outbox_none_dead))}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap"><table class="queue-table">
                                <thead><tr>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_time))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_template))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_channel))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_recipient))}</th>
                                    <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_attempts))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_last_error))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                                </tr></thead>
                                <tbody>{o.dead.into_iter().map(|d| {
                                    let id = d.id.clone();
                                    let recipient = d.recipient_masked.clone();
                                    let channel = d.channel.clone();
                                    view! {
                                        <tr>
                                            <td>{taiwan_date_time(d.failed_at)}</td>
                                            <td class="mono">{d.template.clone()}</td>
                                            <td>{move || channel_text(i18n.get_locale(), &channel)}</td>
                                            <td class="mono">{d.recipient_masked.clone()}</td>
                                            <td class="num">{d.attempts}</td>
                                            <td class="detail">{d.last_error.clone().unwrap_or_default()}</td>
                                            <td>{if d.can_resend {
                                                view! {
                                                    <button type="button" class="button button--primary button--small" on:click=move |_| {
                                                        let id = id.clone();
                                                        let recipient = recipient.clone();
                                                        spawn_local(async move {
                                                            let r = resend_message(id).await.map(|()| {
                                                                td_string!(i18n.get_locale_untracked(), school.resent, recipient = recipient).to_string()
                                                            });
                                                            message.set(Some(r));
                                                            reload();
                                                        });
                                                    }>{tr(i18n, |l| td_string!(l, school.resend))}</button>
                                                }.into_any()
                                            } else {
                                                view! { <span class="hint">{tr(i18n, |l| td_string!(l, school.resend_expired))}</span> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table></div>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </StaffShell>
    }
}

/// «出勤補登»: staff enter an arrival or departure time a student did not swipe; the
/// parent's «出勤統計» shows it marked «補登».
#[component]
pub fn AttendanceEntryPage() -> impl IntoView {
    use crate::notify::AttendanceEntryInput;
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.att_title).to_string());
    let student_no = RwSignal::new(String::new());
    let date = RwSignal::new(crate::domain::dates::iso_date(
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive(),
    ));
    let time = RwSignal::new(String::new());
    let arrival = RwSignal::new(true);
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field).map(|code| {
                    match (field, code.as_str()) {
                        ("student_no", "no_school") => td_string!(locale, school.np_err_no_school),
                        ("student_no", "not_found") => td_string!(locale, school.np_err_student),
                        ("student_no", _) => td_string!(locale, school.att_err_student),
                        ("time", "future") => td_string!(locale, school.att_err_future),
                        ("time", _) => td_string!(locale, school.att_err_time),
                        _ => td_string!(locale, school.att_err_date),
                    }
                    .to_string()
                })
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        done.set(None);
        let input = AttendanceEntryInput {
            student_no: student_no.get_untracked(),
            date: date.get_untracked(),
            time: time.get_untracked(),
            arrival: arrival.get_untracked(),
        };
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            let kind = if input.arrival { "到校" } else { "離校" };
            let when = format!("{} {}", input.date.trim(), input.time.trim());
            match super::api::enter_attendance(input).await {
                Ok(name) => {
                    done.set(Some(
                        td_string!(
                            locale,
                            school.att_done,
                            name = name,
                            kind = kind,
                            when = when
                        )
                        .to_string(),
                    ));
                    time.set(String::new());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.att_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, school.att_intro))}</p>
            {move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=alert />
            <form class="staff-form" on:submit=submit novalidate>
                <crate::ui::TextField id="att-student" label=|l| td_string!(l, school.np_student_no_plain)
                    value=student_no on_input=Callback::new(move |v| student_no.set(v))
                    error=field_error("student_no") maxlength=20 class="input input--short" />
                <crate::ui::TextField id="att-date" label=|l| td_string!(l, school.att_date)
                    value=date on_input=Callback::new(move |v| date.set(v))
                    error=field_error("date") input_type="date" class="input input--short" />
                <crate::ui::TextField id="att-time" label=|l| td_string!(l, school.att_time)
                    value=time on_input=Callback::new(move |v| time.set(v))
                    error=field_error("time") input_type="time" class="input input--short" />
                <fieldset class="field">
                    <legend class="field__label">{tr(i18n, |l| td_string!(l, school.att_kind))}</legend>
                    <label class="radio"><input type="radio" name="att-kind" prop:checked=move || arrival.get() on:change=move |_| arrival.set(true) />" 到校"</label>
                    <label class="radio"><input type="radio" name="att-kind" prop:checked=move || !arrival.get() on:change=move |_| arrival.set(false) />" 離校"</label>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, school.att_submit))}</button>
                </div>
            </form>
        </StaffShell>
    }
}
