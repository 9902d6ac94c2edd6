//! «親子綁定審核»: the homeroom teacher's binding reviews.

use super::*;

pub(super) fn relationship_text(locale: Locale, r: crate::parent::Relationship) -> &'static str {
    use crate::parent::Relationship as R;
    match r {
        R::Father => td_string!(locale, school.rel_father),
        R::Mother => td_string!(locale, school.rel_mother),
        R::Grandparent => td_string!(locale, school.rel_grandparent),
        R::OtherGuardian => td_string!(locale, school.rel_other),
    }
}

pub(super) fn binding_status_text(locale: Locale, s: crate::parent::BindingStatus) -> &'static str {
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
    use super::super::api::{load_binding_requests, review_binding};
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
    let act = move |id: i32, action: BindingReviewAction| {
        if action != BindingReviewAction::Approve && reason.get_untracked().trim().is_empty() {
            reason_error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        reason_error.set(None);
        form_error.set(None);
        let text = reason.get_untracked();
        spawn_local(async move {
            match review_binding(id, action, text).await {
                Ok(row) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(labelled(
                        locale,
                        &row.child_name,
                        binding_status_text(locale, row.status),
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
                                            <button type="button" class="button button--primary button--small" on:click=move |_| act(id, BindingReviewAction::Approve)>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                            <button type="button" class="button button--secondary button--small" on:click=move |_| act(id, BindingReviewAction::Return)>{tr(i18n, |l| td_string!(l, school.return_binding))}</button>
                                        })}
                                        {(st == BindingStatus::Approved).then(|| view! {
                                            <button type="button" class="button button--danger button--small" on:click=move |_| act(id, BindingReviewAction::Remove)>{tr(i18n, |l| td_string!(l, school.remove_binding))}</button>
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
