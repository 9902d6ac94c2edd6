//! «家長專區» pages (phone first): login, registration and password reset by code,
//! the forced password change, the parent's home with each bound child's cards and
//! applications, «親子綁定» with siblings in one go, and «我的資料».

use super::api::{
    change_parent_password, finish_password_reset, finish_registration, load_binding_requests,
    load_children, load_parent_profile, login_parent, logout_parent, new_login_captcha,
    request_binding, start_password_reset, start_registration, unbind_child,
};
use super::{
    BindChildInput, BindInput, BindOutcome, BindingStatus, ChangePasswordInput, CodeRequestInput,
    LoginInput, ParentProfile, RegisterFinishInput, Relationship, ResetPasswordInput,
};
use crate::domain::dates::iso_date;
use crate::error::{AppError, FieldErrors};
use crate::holder::view::ApplicationList;
use crate::i18n::*;
use crate::ui::field::{field_text, input_field};
use crate::ui::{
    FormAlert, Link, PageShell, StatusChip, form_error_text, load_once, set_title, tr,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

fn go_home_if(profile: &ParentProfile) -> &'static str {
    if profile.must_change_password {
        "/parent/password"
    } else {
        "/parent/home"
    }
}

/// «家長登入».
#[component]
pub fn ParentLoginPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.login_title).to_string());
    let account = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let captcha = RwSignal::new(String::new());
    let captcha_image = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let refresh = move || {
        spawn_local(async move {
            if let Ok(c) = new_login_captcha().await {
                captcha_image.set(Some(c.image));
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        form_error.set(None);
        let input = LoginInput {
            account: account.get_untracked(),
            password: password.get_untracked(),
            captcha: captcha_image
                .get_untracked()
                .map(|_| captcha.get_untracked()),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            match login_parent(input).await {
                Ok(p) => navigate(go_home_if(&p), Default::default()),
                Err(AppError::Validation(f)) => {
                    if f.contains_key("captcha") {
                        captcha.set(String::new());
                        refresh();
                    }
                    if f.contains_key("credentials") {
                        form_error.set(Some(
                            td_string!(i18n.get_locale_untracked(), parent.login_failed)
                                .to_string(),
                        ));
                        password.set(String::new());
                    }
                    errors.set(
                        f.into_iter()
                            .filter(|(k, v)| {
                                k != "credentials" && !(k == "captcha" && v == "required")
                            })
                            .collect(),
                    );
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <PageShell>
            <h1>{tr(i18n, |l| td_string!(l, parent.login_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, parent.login_lead))}</p>
            <FormAlert message=form_error />
            <form class="form" novalidate on:submit=submit>
                {input_field(i18n, "account", |l| td_string!(l, parent.account), account, errors, "account", ("text", "username"))}
                {input_field(i18n, "password", |l| td_string!(l, parent.password), password, errors, "password", ("password", "current-password"))}
                {move || captcha_image.get().map(|src| view! {
                    <div class="captcha">
                        <img class="captcha__image" src=src alt=move || td_string!(i18n.get_locale(), identity.captcha_image).to_string() />
                        <button type="button" class="button button--secondary" on:click=move |_| refresh()>{tr(i18n, |l| td_string!(l, parent.captcha_refresh))}</button>
                    </div>
                    {input_field(i18n, "captcha", |l| td_string!(l, identity.captcha), captcha, errors, "captcha", ("text", "off"))}
                })}
                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, parent.login))}</button>
                </div>
            </form>
            <ul class="link-list">
                <li><Link href="/parent/register">{tr(i18n, |l| td_string!(l, parent.register_link))}</Link></li>
                <li><Link href="/parent/forgot">{tr(i18n, |l| td_string!(l, parent.forgot_title))}</Link></li>
            </ul>
        </PageShell>
    }
}

/// Registration («註冊») or password reset («忘記密碼»): a code to the e-mail address
/// or mobile number, then the code with the new password.
#[component]
fn CodeFlow(register: bool) -> impl IntoView {
    let i18n = use_i18n();
    let account = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        form_error.set(None);
        let input = CodeRequestInput {
            account: account.get_untracked(),
        };
        spawn_local(async move {
            let r = if register {
                start_registration(input).await
            } else {
                start_password_reset(input).await
            };
            match r {
                Ok(s) => sent.set(Some(s.destination_masked)),
                Err(AppError::Validation(f)) => errors.set(f),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let finish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        form_error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            let r = if register {
                finish_registration(RegisterFinishInput {
                    account: account.get_untracked(),
                    code: code.get_untracked(),
                    display_name: name.get_untracked(),
                    password: password.get_untracked(),
                })
                .await
                .map(|_| ())
            } else {
                finish_password_reset(ResetPasswordInput {
                    account: account.get_untracked(),
                    code: code.get_untracked(),
                    new_password: password.get_untracked(),
                })
                .await
            };
            match r {
                Ok(()) if register => navigate("/parent/home", Default::default()),
                Ok(()) => done.set(true),
                Err(AppError::Validation(mut f)) => {
                    if let Some(v) = f.remove("new_password") {
                        f.insert("password".into(), v);
                    }
                    errors.set(f);
                }
                Err(AppError::Conflict(_)) => form_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), parent.account_exists).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <FormAlert message=form_error />
        {move || if done.get() {
            view! {
                <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, parent.reset_done))}</p>
                <Link href="/parent" class="button button--primary">{tr(i18n, |l| td_string!(l, parent.login))}</Link>
            }.into_any()
        } else if let Some(dest) = sent.get() {
            view! {
                <p class="notice notice--ok" role="status">{move || td_string!(i18n.get_locale(), parent.code_sent, to = dest.clone()).to_string()}</p>
                <crate::ui::dev_outbox::DevOutboxLink />
                <form class="form" novalidate on:submit=finish.clone()>
                    {input_field(i18n, "code", |l| td_string!(l, parent.code), code, errors, "code", ("text", "one-time-code"))}
                    {register.then(|| input_field(i18n, "display-name", |l| td_string!(l, parent.display_name), name, errors, "display_name", ("text", "name")))}
                    {input_field(i18n, "new-password", |l| td_string!(l, parent.new_password), password, errors, "password", ("password", "new-password"))}
                    <p class="hint">{tr(i18n, |l| td_string!(l, parent.password_rules))}</p>
                    <div class="actions">
                        <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>
                            {move || if register { td_string!(i18n.get_locale(), parent.register_finish) } else { td_string!(i18n.get_locale(), parent.reset_finish) }}
                        </button>
                    </div>
                </form>
            }.into_any()
        } else {
            view! {
                <form class="form" novalidate on:submit=send>
                    {input_field(i18n, "account", |l| td_string!(l, parent.account), account, errors, "account", ("text", "username"))}
                    <p class="hint">{tr(i18n, |l| td_string!(l, parent.account_hint))}</p>
                    <div class="actions">
                        <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, parent.send_code))}</button>
                    </div>
                </form>
            }.into_any()
        }}
    }
}

/// «註冊».
#[component]
pub fn ParentRegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.register_title).to_string());
    view! {
        <PageShell>
            <Link href="/parent" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.register_title))}</h1>
            <CodeFlow register=true />
        </PageShell>
    }
}

/// «忘記密碼».
#[component]
pub fn ParentForgotPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.forgot_title).to_string());
    view! {
        <PageShell>
            <Link href="/parent" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.forgot_title))}</h1>
            <CodeFlow register=false />
        </PageShell>
    }
}

/// «變更密碼» (also the forced change at first login).
#[component]
pub fn ParentPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.password_title).to_string());
    let profile = load_once(load_parent_profile);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        let input = ChangePasswordInput {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            match change_parent_password(input).await {
                Ok(_) => navigate("/parent/home", Default::default()),
                Err(AppError::Validation(f)) => errors.set(f),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <PageShell>
            <h1>{tr(i18n, |l| td_string!(l, parent.password_title))}</h1>
            {move || profile.get().and_then(Result::ok).filter(|p| p.must_change_password).map(|_| view! {
                <p class="notice notice--warn" role="status">{tr(i18n, |l| td_string!(l, parent.must_change))}</p>
            })}
            <FormAlert message=form_error />
            <form class="form" novalidate on:submit=submit>
                {input_field(i18n, "current-password", |l| td_string!(l, parent.current_password), current, errors, "current_password", ("password", "current-password"))}
                {input_field(i18n, "new-password", |l| td_string!(l, parent.new_password), new, errors, "new_password", ("password", "new-password"))}
                <p class="hint">{tr(i18n, |l| td_string!(l, parent.password_rules))}</p>
                <div class="actions"><button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, parent.save))}</button></div>
            </form>
        </PageShell>
    }
}

pub(crate) fn relationship_text(locale: Locale, r: Relationship) -> &'static str {
    match r {
        Relationship::Father => td_string!(locale, parent.rel_father),
        Relationship::Mother => td_string!(locale, parent.rel_mother),
        Relationship::Grandparent => td_string!(locale, parent.rel_grandparent),
        Relationship::OtherGuardian => td_string!(locale, parent.rel_other),
    }
}

pub(crate) fn status_text(locale: Locale, s: BindingStatus) -> &'static str {
    match s {
        BindingStatus::Pending => td_string!(locale, parent.status_pending),
        BindingStatus::Approved => td_string!(locale, parent.status_approved),
        BindingStatus::Returned => td_string!(locale, parent.status_returned),
        BindingStatus::Unbound => td_string!(locale, parent.status_unbound),
        BindingStatus::Removed => td_string!(locale, parent.status_removed),
    }
}

/// The parent's home: each approved child with cards and applications, the binding
/// requests and their outcomes, and the account's links.
#[component]
pub fn ParentHomePage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.home_title).to_string());
    let profile = load_once(load_parent_profile);
    let children = RwSignal::new(None::<Result<Vec<super::ChildOverview>, AppError>>);
    let requests = RwSignal::new(None::<Result<Vec<super::BindingRequestRow>, AppError>>);
    let reload = move || {
        spawn_local(async move {
            children.set(Some(load_children().await));
            requests.set(Some(load_binding_requests().await));
        });
    };
    reload();
    let navigate = use_navigate();
    let nav2 = navigate.clone();
    Effect::new(move |_| match profile.get() {
        Some(Err(AppError::Unauthorized)) => nav2("/parent", Default::default()),
        Some(Ok(p)) if p.must_change_password => nav2("/parent/password", Default::default()),
        _ => {}
    });
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = logout_parent().await;
            navigate("/parent", Default::default());
        });
    };
    view! {
        <PageShell>
            <h1>{tr(i18n, |l| td_string!(l, parent.home_title))}</h1>
            {move || profile.get().and_then(Result::ok).map(|p| view! {
                <p class="lead">{move || td_string!(i18n.get_locale(), parent.hello, name = p.display_name.clone()).to_string()}</p>
            })}
            <div class="actions actions--inline">
                <Link href="/parent/bind" class="button button--primary">{tr(i18n, |l| td_string!(l, parent.bind_title))}</Link>
                <Link href="/parent/settings" class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.settings_link))}</Link>
                <Link href="/parent/sms" class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.sms_link))}</Link>
                <Link href="/parent/password" class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.password_title))}</Link>
                <a href="/api/parent/my-data" download="my-data.json" class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.my_data))}</a>
                <button type="button" class="button button--secondary" on:click=logout>{tr(i18n, |l| td_string!(l, parent.logout))}</button>
            </div>
            <super::notices::SchoolNotices />
            <super::receipts::ConsentReceipts />
            <h2>{tr(i18n, |l| td_string!(l, parent.children_title))}</h2>
            {move || match children.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, parent.no_children))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="card-list">{list.into_iter().map(|c| {
                        let id = c.binding_id;
                        #[cfg(feature = "csr")]
                        let name = c.full_name.clone();
                        view! {
                            <li class="card-item child">
                                <div class="card-item__head">
                                    <h3 class="card-item__title">{c.full_name.clone()}</h3>
                                    <span class="cell-note">{format!("{} {}", c.school_name, c.class_name)}</span>
                                </div>
                                <ul class="child__cards">{c.cards.iter().map(|card| {
                                    let status = card.status;
                                    view! {
                                        <li>{card.card_type_zh.clone()}" "<span class="mono">{card.outer_no_masked.clone()}</span>" "
                                            <StatusChip text=Signal::derive(move || crate::holder::view::card_status_text(i18n.get_locale(), status).to_string()) tone=crate::holder::view::card_status_tone(status) /></li>
                                    }
                                }).collect_view()}</ul>
                                {(!c.applications.is_empty()).then(|| view! { <ApplicationList applications=c.applications.clone() /> })}
                                // The card wizards for this child: consent, then straight to
                                // the cards (no identity check, no step-up code).
                                <div class="actions actions--inline child__actions">
                                    {c.actions.stop.then(|| view! {
                                        <Link href=format!("/card/stop/consent?for={id}") class="button button--secondary">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</Link>
                                    })}
                                    {c.actions.apply.then(|| view! {
                                        <Link href=format!("/card/apply/consent?for={id}") class="button button--secondary">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</Link>
                                    })}
                                    <Link href=format!("/parent/attendance/{id}") class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.attendance_link))}</Link>
                                </div>
                                <button type="button" class="button button--link" on:click=move |_| {
                                    // Unbinding takes effect at once: ask first.
                                    #[cfg(feature = "csr")]
                                    {
                                        let question = td_string!(i18n.get_locale_untracked(), parent.unbind_confirm, name = name.clone()).to_string();
                                        let sure = web_sys::window()
                                            .and_then(|w| w.confirm_with_message(&question).ok())
                                            .unwrap_or(false);
                                        if !sure {
                                            return;
                                        }
                                    }
                                    spawn_local(async move {
                                        if unbind_child(id).await.is_ok() {
                                            reload();
                                        }
                                    });
                                }>{tr(i18n, |l| td_string!(l, parent.unbind))}</button>
                            </li>
                        }
                    }).collect_view()}</ul>
                }.into_any(),
            }}
            <h2>{tr(i18n, |l| td_string!(l, parent.requests_title))}</h2>
            {move || requests.get().and_then(Result::ok).map(|list| view! {
                <ul class="card-list requests">{list.into_iter().map(|r| {
                    let st = r.status;
                    let tone = match st { BindingStatus::Approved => "ok", BindingStatus::Pending => "warn", _ => "stop" };
                    view! {
                        <li class="card-item">
                            <div class="card-item__head">
                                <h3 class="card-item__title">{r.masked_name.clone()}</h3>
                                <StatusChip text=Signal::derive(move || status_text(i18n.get_locale(), st).to_string()) tone=tone />
                            </div>
                            <p class="cell-note">{format!("{} {} ・ ", r.school_name, r.class_name)}{move || relationship_text(i18n.get_locale(), r.relationship)}{format!(" ・ {}", iso_date(r.requested_on))}</p>
                            {r.return_reason.clone().map(|x| view! { <p class="card-item__note">{tr(i18n, |l| td_string!(l, parent.return_reason))}{tr(i18n, |l| td_string!(l, common.colon))}{x}</p> })}
                        </li>
                    }
                }).collect_view()}</ul>
            })}
        </PageShell>
    }
}

/// One child of the binding form.
#[derive(Clone, Copy)]
struct ChildForm {
    school: RwSignal<String>,
    name: RwSignal<String>,
    student_no: RwSignal<String>,
    birth: RwSignal<String>,
    id_no: RwSignal<String>,
    relationship: RwSignal<Relationship>,
}

impl ChildForm {
    fn new() -> Self {
        Self {
            school: RwSignal::new(String::new()),
            name: RwSignal::new(String::new()),
            student_no: RwSignal::new(String::new()),
            birth: RwSignal::new(String::new()),
            id_no: RwSignal::new(String::new()),
            relationship: RwSignal::new(Relationship::Mother),
        }
    }

    fn input(&self) -> BindChildInput {
        BindChildInput {
            school_code: self.school.get_untracked(),
            name: self.name.get_untracked(),
            student_no: self.student_no.get_untracked(),
            birth_date: self.birth.get_untracked(),
            id_no: self.id_no.get_untracked(),
            relationship: self.relationship.get_untracked(),
        }
    }
}

/// «親子綁定»: one or more children (siblings in other schools too) in one request.
#[component]
pub fn ParentBindPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.bind_title).to_string());
    let schools = load_once(crate::directory::load_schools);
    let forms = RwSignal::new(vec![ChildForm::new()]);
    let outcomes = RwSignal::new(None::<Vec<BindOutcome>>);
    let form_error = RwSignal::new(None::<String>);
    let errors = RwSignal::new(FieldErrors::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        form_error.set(None);
        errors.set(FieldErrors::new());
        let input = BindInput {
            children: forms.get_untracked().iter().map(ChildForm::input).collect(),
        };
        spawn_local(async move {
            match request_binding(input).await {
                Ok(o) => {
                    // One message for the form whatever did not match (no field named).
                    if o.iter().any(|x| matches!(x, BindOutcome::Mismatch)) {
                        form_error.set(Some(
                            td_string!(i18n.get_locale_untracked(), parent.bind_mismatch)
                                .to_string(),
                        ));
                    }
                    outcomes.set(Some(o));
                }
                Err(AppError::Validation(f)) => {
                    errors.set(f);
                    form_error.set(Some(
                        td_string!(i18n.get_locale_untracked(), parent.check_fields).to_string(),
                    ));
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let field = move |i: usize, key: &'static str| format!("children.{i}.{key}");
    view! {
        <PageShell>
            <Link href="/parent/home" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.bind_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, parent.bind_lead))}</p>
            <FormAlert message=form_error />
            {move || outcomes.get().map(|list| view! {
                <section class="outcomes" aria-labelledby="outcomes-title">
                    <h2 id="outcomes-title">{tr(i18n, |l| td_string!(l, parent.bind_result))}</h2>
                    <ol>{list.into_iter().map(|o| match o {
                        BindOutcome::Requested { request } | BindOutcome::AlreadyPending { request } => view! {
                            <li><strong>{request.masked_name}</strong>{tr(i18n, |l| td_string!(l, common.colon))}{move || status_text(i18n.get_locale(), BindingStatus::Pending)}</li>
                        }.into_any(),
                        BindOutcome::AlreadyBound { request } => view! {
                            <li><strong>{request.masked_name}</strong>{tr(i18n, |l| td_string!(l, common.colon))}{move || status_text(i18n.get_locale(), BindingStatus::Approved)}</li>
                        }.into_any(),
                        BindOutcome::Mismatch => view! {
                            <li class="outcome--bad">{tr(i18n, |l| td_string!(l, parent.bind_mismatch))}</li>
                        }.into_any(),
                        BindOutcome::RateLimited { .. } => view! {
                            <li class="outcome--bad">{tr(i18n, |l| td_string!(l, common.rate_limited))}</li>
                        }.into_any(),
                    }).collect_view()}</ol>
                    <div class="actions actions--inline">
                        <Link href="/parent/home" class="button button--primary">{tr(i18n, |l| td_string!(l, parent.home_title))}</Link>
                        <button type="button" class="button button--secondary no-print" on:click=move |_| {
                            #[cfg(feature = "csr")]
                            if let Some(w) = web_sys::window() { let _ = w.print(); }
                        }>{tr(i18n, |l| td_string!(l, parent.print))}</button>
                    </div>
                </section>
            })}
            <form class="form" novalidate on:submit=submit>
                {move || forms.get().into_iter().enumerate().map(|(i, f)| {
                    let err = move |key: &'static str| {
                        let name = field(i, key);
                        move || errors.with(|e| e.get(&name).map(|c| field_text(i18n.get_locale(), c)))
                    };
                    let id = |key: &str| format!("child{i}-{key}");
                    view! {
                        <fieldset class="fieldset child-form">
                            <legend>{move || td_string!(i18n.get_locale(), parent.child_n, n = i + 1).to_string()}</legend>
                            <crate::ui::SchoolPicker schools=Signal::derive(move || schools.get().and_then(Result::ok).unwrap_or_default())
                                prefix=format!("child{i}-") school=f.school
                                error=Signal::derive({ let e = err("school_code"); move || e().map(str::to_owned) }) />
                            {{
                                #[allow(clippy::type_complexity)]
                                let rows: [(&'static str, fn(Locale) -> &'static str, RwSignal<String>, &'static str); 4] = [
                                    ("name", |l| td_string!(l, parent.child_name), f.name, "text"),
                                    ("student_no", |l| td_string!(l, parent.student_no), f.student_no, "text"),
                                    ("birth_date", |l| td_string!(l, parent.birth_date), f.birth, "date"),
                                    ("id_no", |l| td_string!(l, parent.id_no), f.id_no, "text"),
                                ];
                                rows
                            }.into_iter().map(|(key, label, sig, kind)| view! {
                                    <div class="field">
                                        <label class="field__label" for=id(key)>{tr(i18n, label)}</label>
                                        <p class="field__error" id=id(&format!("{key}-error"))>{err(key)}</p>
                                        <input id=id(key) class="input" type=kind autocomplete="off" spellcheck="false" required
                                            aria-describedby=id(&format!("{key}-error"))
                                            prop:value=move || sig.get() on:input=move |ev| sig.set(event_target_value(&ev)) />
                                    </div>
                                }).collect_view()}
                            <fieldset class="fieldset">
                                <legend>{tr(i18n, |l| td_string!(l, parent.relationship))}</legend>
                                {[Relationship::Father, Relationship::Mother, Relationship::Grandparent, Relationship::OtherGuardian].into_iter().map(|r| view! {
                                    <label class="radio">
                                        <input type="radio" name=format!("rel{i}") prop:checked=move || f.relationship.get() == r
                                            on:change=move |_| f.relationship.set(r) />
                                        <span>{move || relationship_text(i18n.get_locale(), r)}</span>
                                    </label>
                                }).collect_view()}
                            </fieldset>
                        </fieldset>
                    }
                }).collect_view()}
                <button type="button" class="button button--secondary" on:click=move |_| forms.update(|v| if v.len() < 10 { v.push(ChildForm::new()) })>
                    {tr(i18n, |l| td_string!(l, parent.add_child))}
                </button>
                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>{tr(i18n, |l| td_string!(l, parent.bind_submit))}</button>
                </div>
            </form>
        </PageShell>
    }
}
