//! «帳號管理»: one's own account (password, authenticator app) for everyone; the
//! accounts of the school (officers) or of every school (operators), «新增帳號» with a
//! temporary password shown once, and «停用帳號».

use super::readers::{confirmed, is_operator, school_select};
use super::*;
use crate::school::accounts::{
    NewStaffAccount, NewStaffAccountInput, StaffAccountRow, StaffAccounts, TotpEnrolment,
    begin_totp_enrolment, confirm_totp_enrolment, create_staff_account, disable_staff_account,
    load_staff_accounts,
};

fn account_error(locale: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("school", "unknown") => td_string!(locale, admin.err_school_unknown),
        ("school", _) => td_string!(locale, admin.err_school_required),
        ("username", "required") => td_string!(locale, admin.err_username_required),
        ("username", "taken") => td_string!(locale, admin.err_username_taken),
        ("username", _) => td_string!(locale, admin.err_username_format),
        ("class", "required") => td_string!(locale, admin.err_class_required),
        ("class", _) => td_string!(locale, admin.err_class_unknown),
        ("code", "required") => td_string!(locale, admin.err_code_required),
        ("code", "expired") => td_string!(locale, admin.err_code_expired),
        ("code", _) => td_string!(locale, admin.err_code_wrong),
        _ => td_string!(locale, admin.err_role),
    }
}

/// The authenticator enrolment of one's own account.
fn totp_section(
    i18n: I18n,
    enabled: bool,
    // The page's: the section is drawn again by the reload after enrolment.
    done: RwSignal<bool>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let begin = move |_| {
        alert.set(None);
        done.set(false);
        errors.set(FieldErrors::new());
        spawn_local(async move {
            match begin_totp_enrolment().await {
                Ok(e) => enrolment.set(Some(e)),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        let c = code.get_untracked();
        spawn_local(async move {
            match confirm_totp_enrolment(c).await {
                Ok(()) => {
                    enrolment.set(None);
                    code.set(String::new());
                    done.set(true);
                    reload();
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let code_error = Signal::derive(move || {
        let locale = i18n.get_locale();
        errors.with(|e| {
            e.get("code")
                .map(|c| account_error(locale, "code", c).to_string())
        })
    });
    view! {
        <section aria-labelledby="totp-title" class="staff-section">
            <h2 id="totp-title">{tr(i18n, |l| td_string!(l, admin.totp_title))}</h2>
            <p>{move || if enabled {
                td_string!(i18n.get_locale(), admin.totp_on).to_string()
            } else {
                td_string!(i18n.get_locale(), admin.totp_off).to_string()
            }}</p>
            {move || done.get().then(|| view! {
                <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, admin.totp_done))}</p>
            })}
            <FormAlert message=alert />
            {move || match enrolment.get() {
                None => view! {
                    <button type="button" class="button button--secondary" on:click=begin>
                        {move || if enabled {
                            td_string!(i18n.get_locale(), admin.totp_replace).to_string()
                        } else {
                            td_string!(i18n.get_locale(), admin.totp_begin).to_string()
                        }}
                    </button>
                }.into_any(),
                Some(e) => view! {
                    <div class="totp-enrol">
                        <figure class="totp-enrol__qr">
                            <div role="img" aria-label=move || td_string!(i18n.get_locale(), admin.totp_qr_label).to_string()
                                inner_html=e.qr_svg.clone()></div>
                            <figcaption>{tr(i18n, |l| td_string!(l, admin.totp_scan))}</figcaption>
                        </figure>
                        <div>
                            <p>{tr(i18n, |l| td_string!(l, admin.totp_key_label))}</p>
                            <p class="mono totp-enrol__key">{e.key.clone()}</p>
                            <form class="staff-form" on:submit=confirm novalidate>
                                <crate::ui::TextField id="totp-code" label=|l| td_string!(l, admin.totp_code)
                                    hint=|l| td_string!(l, admin.totp_code_hint)
                                    value=code on_input=Callback::new(move |v| code.set(v))
                                    error=code_error maxlength=6 inputmode="numeric"
                                    autocomplete="one-time-code" />
                                <div class="actions">
                                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, admin.totp_confirm))}</button>
                                </div>
                            </form>
                        </div>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

fn role_name(locale: Locale, role: &str) -> &'static str {
    super::role_text(locale, role)
}

/// The table of managed accounts.
fn accounts_table(
    i18n: I18n,
    me: StaffAccountRow,
    rows: Vec<StaffAccountRow>,
    disable: impl Fn(i32, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let my_role = me.role.clone();
    view! {
        <table class="queue-table">
            <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.accounts_caption))}</caption>
            <thead><tr>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.username))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.role))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.school))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.class))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.totp_column))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.status))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, admin.actions))}</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|r| {
                let can_disable = r.disabled_at.is_none()
                    && r.id != me.id
                    && (my_role == "operator" || r.role == "teacher");
                let (id, name, name2) = (r.id, r.username.clone(), r.username.clone());
                let role = r.role.clone();
                let (status, tone): (fn(Locale) -> &'static str, &'static str) = if r.disabled_at.is_some() {
                    (|l| td_string!(l, admin.status_disabled), "stop")
                } else if r.must_change_password {
                    (|l| td_string!(l, admin.status_temporary), "wait")
                } else {
                    (|l| td_string!(l, admin.status_active), "ok")
                };
                view! {
                    <tr>
                        <td class="mono">{r.username.clone()}</td>
                        <td>{move || role_name(i18n.get_locale(), &role)}</td>
                        <td>{r.school_name.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{r.class_name.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{move || if r.totp {
                            td_string!(i18n.get_locale(), admin.yes).to_string()
                        } else {
                            td_string!(i18n.get_locale(), admin.no).to_string()
                        }}</td>
                        <td><crate::ui::StatusChip text=Signal::derive(move || status(i18n.get_locale()).to_string()) tone=tone /></td>
                        <td class="row-actions">{can_disable.then(|| view! {
                            <button type="button" class="button button--danger"
                                aria-label=move || td_string!(i18n.get_locale(), admin.disable_for, account = name2.clone()).to_string()
                                on:click=move |_| disable(id, name.clone())>
                                {tr(i18n, |l| td_string!(l, admin.disable))}
                            </button>
                        })}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}

/// The temporary password of a new account, shown once.
fn temporary_panel(i18n: I18n, new: NewStaffAccount) -> impl IntoView {
    let username = new.username.clone();
    view! {
        <section class="key-panel" aria-labelledby="temp-title" role="status">
            <h2 id="temp-title">{move || td_string!(i18n.get_locale(), admin.created_title, account = username.clone()).to_string()}</h2>
            <label class="field__label" for="temp-password">{tr(i18n, |l| td_string!(l, admin.temporary_password))}</label>
            <input id="temp-password" class="input mono" readonly value=new.temporary_password />
            <p class="hint">{tr(i18n, |l| td_string!(l, admin.temporary_hint))}</p>
        </section>
    }
}

/// «帳號管理».
#[component]
pub fn AccountsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), admin.accounts_title).to_string());
    let operator = is_operator();
    let school = RwSignal::new(String::new());
    let data = RwSignal::new(None::<Result<StaffAccounts, AppError>>);
    let reload = move || {
        let code = school.get_untracked();
        spawn_local(async move {
            let code = (!code.is_empty()).then_some(code);
            data.set(Some(load_staff_accounts(code).await));
        });
    };
    reload();
    Effect::new(move |prev: Option<()>| {
        school.track();
        if prev.is_some() {
            reload();
        }
    });
    let role = RwSignal::new("teacher".to_owned());
    let username = RwSignal::new(String::new());
    let class_name = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<NewStaffAccount>);
    let totp_done = RwSignal::new(false);
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field)
                    .map(|c| account_error(locale, field, c).to_string())
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        done.set(None);
        created.set(None);
        let code = school.get_untracked();
        let input = NewStaffAccountInput {
            school_code: (!code.is_empty()).then_some(code),
            role: role.get_untracked(),
            username: username.get_untracked(),
            class_name: if role.get_untracked() == "teacher" {
                class_name.get_untracked()
            } else {
                String::new()
            },
        };
        spawn_local(async move {
            match create_staff_account(input).await {
                Ok(new) => {
                    username.set(String::new());
                    created.set(Some(new));
                    reload();
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let disable = move |id: i32, name: String| {
        let locale = i18n.get_locale_untracked();
        if !confirmed(
            &td_string!(locale, admin.disable_confirm, account = name.clone()).to_string(),
        ) {
            return;
        }
        created.set(None);
        spawn_local(async move {
            match disable_staff_account(id).await {
                Ok(()) => done.set(Some(
                    td_string!(locale, admin.disabled_done, account = name).to_string(),
                )),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            reload();
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, admin.accounts_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, admin.accounts_intro))}</p>
            {move || operator.get().then(|| school_select(i18n, "account-school",
                |l| td_string!(l, admin.school), |l| td_string!(l, admin.all_schools), school,
                field_error("school")))}
            {move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=alert />
            {move || created.get().map(|n| temporary_panel(i18n, n))}
            {move || match data.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(d)) => {
                    let me = d.me.clone();
                    let admin = me.role != "teacher";
                    let classes = d.classes.clone();
                    let rows = d.accounts.clone();
                    view! {
                        <section aria-labelledby="me-title" class="staff-section">
                            <h2 id="me-title">{tr(i18n, |l| td_string!(l, admin.me_title))}</h2>
                            <dl class="facts">
                                <dt>{tr(i18n, |l| td_string!(l, admin.username))}</dt><dd class="mono">{me.username.clone()}</dd>
                                <dt>{tr(i18n, |l| td_string!(l, admin.role))}</dt><dd>{let r = me.role.clone(); move || role_name(i18n.get_locale(), &r)}</dd>
                            </dl>
                            <p><A href="/school/password">{tr(i18n, |l| td_string!(l, school.nav_password))}</A></p>
                        </section>
                        {totp_section(i18n, me.totp, totp_done, reload)}
                        {admin.then(|| view! {
                            <section aria-labelledby="accounts-title" class="staff-section">
                                <h2 id="accounts-title">{tr(i18n, |l| td_string!(l, admin.accounts_caption))}</h2>
                                {accounts_table(i18n, me.clone(), rows.clone(), disable)}
                            </section>
                            <section aria-labelledby="account-add-title" class="staff-section">
                                <h2 id="account-add-title">{tr(i18n, |l| td_string!(l, admin.add_title))}</h2>
                                <form class="staff-form" on:submit=submit novalidate>
                                    {move || operator.get().then(|| view! {
                                        <div class="field">
                                            <label class="field__label" for="account-role">{tr(i18n, |l| td_string!(l, admin.role))}</label>
                                            <select id="account-role" class="input" on:change=move |ev| role.set(event_target_value(&ev))>
                                                <option value="teacher" selected=move || role.get() == "teacher">{tr(i18n, |l| td_string!(l, school.role_teacher))}</option>
                                                <option value="officer" selected=move || role.get() == "officer">{tr(i18n, |l| td_string!(l, school.role_officer))}</option>
                                            </select>
                                        </div>
                                    })}
                                    <crate::ui::TextField id="account-username" label=|l| td_string!(l, admin.username)
                                        hint=|l| td_string!(l, admin.username_hint)
                                        value=username on_input=Callback::new(move |v| username.set(v))
                                        error=field_error("username") maxlength=40 autocomplete="off" />
                                    {move || (role.get() == "teacher").then(|| {
                                        let classes = classes.clone();
                                        let error = field_error("class");
                                        view! {
                                            <div class="field" class:field--error=move || error.with(Option::is_some)>
                                                <label class="field__label" for="account-class">{tr(i18n, |l| td_string!(l, admin.class))}</label>
                                                <p class="field__error" id="account-class-error">{move || error.get()}</p>
                                                <select id="account-class" class="input" aria-describedby="account-class-error"
                                                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                                                    on:change=move |ev| class_name.set(event_target_value(&ev))>
                                                    <option value="" selected=move || class_name.with(String::is_empty)>{tr(i18n, |l| td_string!(l, admin.choose_class))}</option>
                                                    {classes.into_iter().map(|c| {
                                                        let c2 = c.clone();
                                                        view! { <option value=c.clone() selected=move || class_name.with(|v| *v == c2)>{c.clone()}</option> }
                                                    }).collect_view()}
                                                </select>
                                            </div>
                                        }
                                    })}
                                    <div class="actions">
                                        <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, admin.add_submit))}</button>
                                    </div>
                                </form>
                            </section>
                        })}
                    }.into_any()
                }
            }}
        </StaffShell>
    }
}
