//! «學校端» login: school, account, password, captcha after failures, the second factor.

use super::*;

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
        // The skip link passes the language switch and lands on the form's heading.
        <crate::ui::SkipLink target="login-title" />
        <main id="main" class="staff-login">
            <div class="staff-login__lang"><LanguageSwitch staff=true /></div>
            <h1 id="login-title" tabindex="-1">{tr(i18n, |l| td_string!(l, school.login_title))}</h1>
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
