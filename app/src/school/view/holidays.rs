//! «停課日設定»: the school holidays the «未到校» job and «出勤統計» skip. Add one day
//! or each weekday of a range with its «名稱»; remove a future one. Officers act on
//! their school; operators on one school or on every school.

use super::readers::{confirmed, is_operator, school_select};
use super::*;
use crate::school::gate_api::{add_holidays, load_holidays, remove_holiday};
use crate::school::{HolidayList, HolidayRow, NewHolidayInput};

fn holiday_error(locale: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("school", "unknown") => td_string!(locale, gate.err_school_unknown),
        ("school", _) => td_string!(locale, gate.err_school_required),
        ("from", "required") => td_string!(locale, gate.h_err_from_required),
        ("from", "past") => td_string!(locale, gate.h_err_from_past),
        ("from", "weekend") => td_string!(locale, gate.h_err_from_weekend),
        ("from", "duplicate") => td_string!(locale, gate.h_err_from_duplicate),
        ("from", _) => td_string!(locale, gate.h_err_from_format),
        ("to", "before_from") => td_string!(locale, gate.h_err_to_before),
        ("to", "too_long") => td_string!(locale, gate.h_err_to_too_long),
        ("to", _) => td_string!(locale, gate.h_err_to_format),
        ("name", "required") => td_string!(locale, gate.err_name_required),
        ("name", "too_long") => td_string!(locale, gate.err_name_too_long),
        _ => td_string!(locale, gate.err_name_format),
    }
}

/// A table of holidays; `remove` is offered on the removable ones.
fn holiday_table(
    i18n: I18n,
    rows: Vec<HolidayRow>,
    caption: fn(Locale) -> &'static str,
    remove: impl Fn(i32, String) + Copy + 'static,
) -> impl IntoView {
    view! {
        <table class="queue-table">
            <caption class="visually-hidden">{tr(i18n, caption)}</caption>
            <thead><tr>
                <th scope="col">{tr(i18n, |l| td_string!(l, gate.h_day))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, gate.h_name))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, gate.h_applies))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, gate.actions))}</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|h| {
                let (id, day, label_day) = (h.id, h.day.clone(), h.day.clone());
                view! {
                    <tr>
                        <td class="mono">{h.day.clone()}</td>
                        <td>{h.name.clone()}</td>
                        <td>{match h.school_name.clone() {
                            Some(s) => s.into_any(),
                            None => tr(i18n, |l| td_string!(l, gate.all_schools)).into_any(),
                        }}</td>
                        <td>{h.removable.then(|| view! {
                            <button type="button" class="button button--secondary"
                                aria-label=move || td_string!(i18n.get_locale(), gate.h_remove_for, day = label_day.clone()).to_string()
                                on:click=move |_| remove(id, day.clone())>
                                {tr(i18n, |l| td_string!(l, gate.h_remove))}
                            </button>
                        })}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}

/// «停課日設定» (officers and operators; the server refuses teachers).
#[component]
pub fn HolidaysPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), gate.h_title).to_string());
    let operator = is_operator();
    let school = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Result<HolidayList, AppError>>);
    let reload = move || {
        let code = school.get_untracked();
        spawn_local(async move {
            let code = (!code.is_empty()).then_some(code);
            list.set(Some(load_holidays(code).await));
        });
    };
    reload();
    Effect::new(move |prev: Option<()>| {
        school.track();
        if prev.is_some() {
            reload();
        }
    });
    let name = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field)
                    .map(|c| holiday_error(locale, field, c).to_string())
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        done.set(None);
        let code = school.get_untracked();
        let input = NewHolidayInput {
            school_code: (!code.is_empty()).then_some(code),
            from: from.get_untracked(),
            to: to.get_untracked(),
            name: name.get_untracked(),
        };
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            let what = input.name.trim().to_owned();
            match add_holidays(input).await {
                Ok(count) => {
                    done.set(Some(
                        td_string!(locale, gate.h_added, name = what, count = count).to_string(),
                    ));
                    name.set(String::new());
                    from.set(String::new());
                    to.set(String::new());
                    reload();
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
        });
    };
    let remove = move |id: i32, day: String| {
        let locale = i18n.get_locale_untracked();
        if !confirmed(&td_string!(locale, gate.h_remove_confirm, day = day.clone()).to_string()) {
            return;
        }
        done.set(None);
        alert.set(None);
        spawn_local(async move {
            match remove_holiday(id).await {
                Ok(()) => done.set(Some(
                    td_string!(locale, gate.h_removed, day = day).to_string(),
                )),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            reload();
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, gate.h_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, gate.h_intro))}</p>
            {move || operator.get().then(|| school_select(i18n, "holiday-school",
                |l| td_string!(l, gate.h_school), |l| td_string!(l, gate.all_schools), school,
                field_error("school")))}
            {move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=alert />
            <section aria-labelledby="holiday-add-title">
                <h2 id="holiday-add-title">{tr(i18n, |l| td_string!(l, gate.h_add))}</h2>
                <form class="staff-form" on:submit=submit novalidate>
                    <crate::ui::TextField id="holiday-name" label=|l| td_string!(l, gate.h_name)
                        hint=|l| td_string!(l, gate.h_name_hint)
                        value=name on_input=Callback::new(move |v| name.set(v))
                        error=field_error("name") maxlength=40 />
                    <crate::ui::TextField id="holiday-from" label=|l| td_string!(l, gate.h_from)
                        value=from on_input=Callback::new(move |v| from.set(v))
                        error=field_error("from") input_type="date" class="input input--short" />
                    <crate::ui::TextField id="holiday-to" label=|l| td_string!(l, gate.h_to)
                        hint=|l| td_string!(l, gate.h_to_hint)
                        value=to on_input=Callback::new(move |v| to.set(v))
                        error=field_error("to") input_type="date" class="input input--short" optional=true />
                    <div class="actions">
                        <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, gate.h_add))}</button>
                    </div>
                </form>
            </section>
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(l)) => {
                    let past_count = l.past.len();
                    view! {
                        <section aria-labelledby="holiday-upcoming-title">
                            <h2 id="holiday-upcoming-title">{tr(i18n, |l| td_string!(l, gate.h_upcoming))}</h2>
                            {if l.upcoming.is_empty() {
                                view! { <p class="empty">{tr(i18n, |l| td_string!(l, gate.h_none))}</p> }.into_any()
                            } else {
                                holiday_table(i18n, l.upcoming, |l| td_string!(l, gate.h_upcoming), remove).into_any()
                            }}
                        </section>
                        {(past_count > 0).then(|| view! {
                            <details class="past-holidays">
                                <summary>{move || td_string!(i18n.get_locale(), gate.h_past, count = past_count).to_string()}</summary>
                                {holiday_table(i18n, l.past, |l| td_string!(l, gate.h_past_caption), remove)}
                            </details>
                        })}
                    }.into_any()
                }
            }}
        </StaffShell>
    }
}
