//! Roster import: upload → preview → confirm.

use super::*;

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
