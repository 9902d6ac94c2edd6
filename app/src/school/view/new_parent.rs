//! A parent account made by staff for a student of their scope.

use super::*;

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
            match super::super::api::create_parent_account(input).await {
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
