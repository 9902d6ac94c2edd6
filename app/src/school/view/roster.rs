//! Roster import: upload → preview → confirm, every problem in the user's language
//! («第 40 行：身分證號檢查碼錯誤»).

use super::*;
use crate::holder::CardStatus;
use crate::holder::view::card_status_text;

/// A roster column's name in the user's language.
fn column_text(locale: Locale, column: &str) -> &'static str {
    match column {
        "school_code" => td_string!(locale, roster.col_school_code),
        "school_name" => td_string!(locale, roster.col_school_name),
        "district" => td_string!(locale, roster.col_district),
        "level" => td_string!(locale, roster.col_level),
        "student_no" => td_string!(locale, roster.col_student_no),
        "name" => td_string!(locale, roster.col_name),
        "id_no" => td_string!(locale, roster.col_id_no),
        "birth_date" => td_string!(locale, roster.col_birth_date),
        "gender" => td_string!(locale, roster.col_gender),
        "class" => td_string!(locale, roster.col_class),
        "seat_no" => td_string!(locale, roster.col_seat_no),
        "card_type" => td_string!(locale, roster.col_card_type),
        "card_outer_no" => td_string!(locale, roster.col_card_outer_no),
        "card_status" => td_string!(locale, roster.col_card_status),
        "card_balance" => td_string!(locale, roster.col_card_balance),
        "card_issued_on" => td_string!(locale, roster.col_card_issued_on),
        "guardian_mobile" => td_string!(locale, roster.col_guardian_mobile),
        "guardian_email" => td_string!(locale, roster.col_guardian_email),
        "header" => td_string!(locale, roster.col_header),
        "file" => td_string!(locale, roster.col_file),
        _ => td_string!(locale, roster.col_row),
    }
}

/// What is wrong, said after the column's name.
fn problem_text(locale: Locale, code: &str, arg: &str) -> String {
    let fixed = match code {
        "unreadable" => td_string!(locale, roster.p_unreadable),
        "code_format" => td_string!(locale, roster.p_code_format),
        "level" => td_string!(locale, roster.p_level),
        "id_required" => td_string!(locale, roster.p_id_required),
        "id_format" => td_string!(locale, roster.p_id_format),
        "id_gender" => td_string!(locale, roster.p_id_gender),
        "id_checksum" => td_string!(locale, roster.p_id_checksum),
        "id_foreign_format" => td_string!(locale, roster.p_id_foreign_format),
        "date" => td_string!(locale, roster.p_date),
        "birth_implausible" => td_string!(locale, roster.p_birth_implausible),
        "gender" => td_string!(locale, roster.p_gender),
        "gender_mismatch" => td_string!(locale, roster.p_gender_mismatch),
        "seat_no" => td_string!(locale, roster.p_seat_no),
        "card_type_unknown" => td_string!(locale, roster.p_card_type_unknown),
        "card_type_level" => td_string!(locale, roster.p_card_type_level),
        "outer_no" => td_string!(locale, roster.p_outer_no),
        "balance" => td_string!(locale, roster.p_balance),
        "card_status" => td_string!(locale, roster.p_card_status),
        "mobile" => td_string!(locale, roster.p_mobile),
        "email" => td_string!(locale, roster.p_email),
        "no_rows" => td_string!(locale, roster.p_no_rows),
        "student_no_taken" => td_string!(locale, roster.p_student_no_taken),
        "header" => return td_string!(locale, roster.p_header, arg = arg).to_string(),
        "field_count" => return td_string!(locale, roster.p_field_count, arg = arg).to_string(),
        "required" => return td_string!(locale, roster.p_required, arg = arg).to_string(),
        "repeats" => return td_string!(locale, roster.p_repeats, arg = arg).to_string(),
        "card_taken" => return td_string!(locale, roster.p_card_taken, arg = arg).to_string(),
        "not_your_school" => {
            return td_string!(locale, roster.p_not_your_school, arg = arg).to_string();
        }
        _ => td_string!(locale, roster.p_other),
    };
    fixed.to_string()
}

/// One problem of the file as a sentence: «第 40 行：身分證號檢查碼錯誤».
pub(super) fn line_problem_text(locale: Locale, e: &super::super::RosterLineError) -> String {
    if e.code == "other_school" {
        return td_string!(locale, school.roster_other_school, line = e.line).to_string();
    }
    let problem = problem_text(locale, &e.code, e.arg.as_deref().unwrap_or_default());
    td_string!(
        locale,
        roster.line_problem,
        line = e.line,
        column = column_text(locale, &e.column),
        problem = problem
    )
    .to_string()
}

/// A roster row's card state by its SPEC name («開卡使用中», «停用»), or «無卡».
fn roster_card_text(locale: Locale, status: &str) -> &'static str {
    CardStatus::parse(status).map_or_else(
        || td_string!(locale, roster.card_none),
        |s| card_status_text(locale, s),
    )
}

/// Roster import: upload → preview (counts, first rows, every bad line) → confirm.
#[component]
pub fn RosterImportPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.roster_title).to_string());
    let csv = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Result<super::super::RosterPreview, AppError>>);
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
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_student))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_card_status))}</th>
                                    </tr></thead>
                                    <tbody>{p.first_rows.iter().map(|(no, name, class, status)| view! {
                                        <tr><td>{no.clone()}</td><td>{name.clone()}</td><td>{class.clone()}</td><td>{
                                            let status = status.clone();
                                            move || roster_card_text(i18n.get_locale(), &status)
                                        }</td></tr>
                                    }).collect_view()}</tbody>
                                </table>
                            })}
                            {(!ok).then(|| view! {
                                <div class="form-alert" role="alert">
                                    <p>{move || td_string!(i18n.get_locale(), school.roster_invalid, n = n_errors).to_string()}</p>
                                    <ul class="line-errors">{p.errors.clone().into_iter().map(|e| view! {
                                        <li>{move || line_problem_text(i18n.get_locale(), &e)}</li>
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
