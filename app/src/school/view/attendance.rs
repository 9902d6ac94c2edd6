//! «出勤補登»: a missed arrival or departure entered by staff.

use super::*;

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
            let kind = if input.arrival {
                td_string!(locale, school.att_arrival)
            } else {
                td_string!(locale, school.att_departure)
            };
            let when = format!("{} {}", input.date.trim(), input.time.trim());
            match super::super::api::enter_attendance(input).await {
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
                    <label class="radio"><input type="radio" name="att-kind" prop:checked=move || arrival.get() on:change=move |_| arrival.set(true) />" "{tr(i18n, |l| td_string!(l, school.att_arrival))}</label>
                    <label class="radio"><input type="radio" name="att-kind" prop:checked=move || !arrival.get() on:change=move |_| arrival.set(false) />" "{tr(i18n, |l| td_string!(l, school.att_departure))}</label>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, school.att_submit))}</button>
                </div>
            </form>
        </StaffShell>
    }
}
