//! «變更密碼» of the logged-in staff member: every other session of the account ends.

use super::StaffPasswordInput;
use super::api::change_staff_password;
use super::view::StaffShell;
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::{FormAlert, form_error_text, set_title, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn error_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "wrong" => td_string!(locale, school.pw_err_wrong),
        "too_short" => td_string!(locale, school.pw_err_too_short),
        "too_long" => td_string!(locale, school.pw_err_too_long),
        "common" => td_string!(locale, school.pw_err_common),
        "same_as_current" => td_string!(locale, school.pw_err_same),
        _ => td_string!(locale, school.pw_err_required),
    }
}

#[component]
pub fn StaffPasswordPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.pw_title).to_string());
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let staff_state = use_context::<super::view::StaffState>();
    let temporary = move || {
        staff_state.is_some_and(|s| {
            s.me.with(|m| matches!(m, Some(Ok(me)) if me.must_change_password))
        })
    };
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.get(field)
                    .map(|code| error_text(i18n.get_locale(), code).to_string())
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
        done.set(false);
        errors.set(FieldErrors::new());
        let input = StaffPasswordInput {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        spawn_local(async move {
            match change_staff_password(input).await {
                Ok(me) => {
                    // The header (and a lifted temporary-password redirect) follow.
                    if let Some(state) = staff_state {
                        state.me.set(Some(Ok(me)));
                    }
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            pending.set(false);
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.pw_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, school.pw_intro))}</p>
            {move || temporary().then(|| view! {
                <p class="notice" role="status">{tr(i18n, |l| td_string!(l, admin.pw_temporary))}</p>
            })}
            {move || done.get().then(|| view! {
                <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, school.pw_done))}</p>
            })}
            <FormAlert message=alert />
            <form class="staff-form" on:submit=submit novalidate>
                <crate::ui::TextField id="pw-current" label=|l| td_string!(l, school.pw_current)
                    value=current on_input=Callback::new(move |v| current.set(v))
                    error=field_error("current_password") input_type="password"
                    autocomplete="current-password" maxlength=128 />
                <crate::ui::TextField id="pw-new" label=|l| td_string!(l, school.pw_new)
                    hint=|l| td_string!(l, school.pw_rules)
                    value=new on_input=Callback::new(move |v| new.set(v))
                    error=field_error("new_password") input_type="password"
                    autocomplete="new-password" maxlength=128 />
                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || pending.get()>
                        {tr(i18n, |l| td_string!(l, school.pw_submit))}
                    </button>
                </div>
            </form>
        </StaffShell>
    }
}
