//! «簡訊註銷審核»: requests to cancel the arrival/departure SMS service.

use super::*;

pub(super) fn cancellation_status_text(
    locale: Locale,
    s: crate::notify::CancellationStatus,
) -> &'static str {
    use crate::notify::CancellationStatus as C;
    match s {
        C::Pending => td_string!(locale, school.sms_pending),
        C::Approved => td_string!(locale, school.sms_approved),
        C::Rejected => td_string!(locale, school.sms_rejected),
        C::Withdrawn => td_string!(locale, school.sms_withdrawn),
    }
}

/// «簡訊註銷審核»: parents' requests to cancel the paid SMS service, approved
/// (effective the next day) or rejected with a reason by the homeroom teacher.
#[component]
pub fn SmsCancellationsPage() -> impl IntoView {
    use super::super::api::{load_sms_cancellations, review_sms_cancellation};
    use crate::notify::CancellationStatus;
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.sms_title).to_string());
    let status = RwSignal::new(Some(CancellationStatus::Pending));
    let rows = RwSignal::new(None::<Result<Vec<crate::notify::SmsCancellationRow>, AppError>>);
    let reason = RwSignal::new(String::new());
    let reason_error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reload = move || {
        let filter = status.get_untracked();
        spawn_local(async move { rows.set(Some(load_sms_cancellations(filter).await)) });
    };
    Effect::new(move |_| {
        status.track();
        reload();
    });
    let act = move |id: i32, approve: bool| {
        if !approve && reason.get_untracked().trim().is_empty() {
            reason_error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        reason_error.set(None);
        form_error.set(None);
        let text = reason.get_untracked();
        spawn_local(async move {
            match review_sms_cancellation(id, approve, text).await {
                Ok(row) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(match row.effective_on {
                        Some(d) => td_string!(
                            locale,
                            school.sms_done_approved,
                            name = row.child_name.clone(),
                            date = iso_date(d)
                        )
                        .to_string(),
                        None => labelled(
                            locale,
                            &row.child_name,
                            cancellation_status_text(locale, row.status),
                        ),
                    }));
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
            <h1>{tr(i18n, |l| td_string!(l, school.sms_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, school.sms_intro))}</p>
            <form class="filter-bar" role="search" on:submit=move |ev| ev.prevent_default()
                aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
                <label>{tr(i18n, |l| td_string!(l, school.f_review))}
                    <select on:change=move |ev| status.set(CancellationStatus::parse(&event_target_value(&ev)))>
                        <option value="pending">{tr(i18n, |l| td_string!(l, school.sms_pending))}</option>
                        <option value="approved">{tr(i18n, |l| td_string!(l, school.sms_approved))}</option>
                        <option value="rejected">{tr(i18n, |l| td_string!(l, school.sms_rejected))}</option>
                        <option value="withdrawn">{tr(i18n, |l| td_string!(l, school.sms_withdrawn))}</option>
                        <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    </select>
                </label>
                <label class="bulk-bar__reason" class:field--error=move || reason_error.get().is_some()>
                    <span>{tr(i18n, |l| td_string!(l, school.sms_reason))}</span>
                    <input id="sms-reason" class="input" maxlength="200" prop:value=move || reason.get()
                        aria-invalid=move || reason_error.get().is_some().then_some("true")
                        aria-describedby="sms-reason-error"
                        on:input=move |ev| { reason.set(event_target_value(&ev)); reason_error.set(None); } />
                    <span class="field__error" id="sms-reason-error">{move || reason_error.get()}</span>
                </label>
            </form>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=form_error />
            {move || match rows.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.sms_empty))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-wrap"><table class="queue-table">
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_requested))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_child))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_parent))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_sms_term))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_review))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(|r| {
                            let id = r.id;
                            let st = r.status;
                            let locale = i18n.get_locale();
                            let items = [(r.arrival, td_string!(locale, school.sms_arrival)), (r.departure, td_string!(locale, school.sms_departure))]
                                .iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>().join(" ");
                            view! {
                                <tr>
                                    <td>{taiwan_date_time(r.requested_at)}</td>
                                    <td>{r.child_name.clone()}<span class="cell-note">{r.student_no.clone()}</span></td>
                                    <td>{format!("{} {} / {}", r.school_name, r.class_name, r.seat_no)}</td>
                                    <td>{r.parent_display_name.clone()}</td>
                                    <td>{r.term_name.clone()}<span class="cell-note">{items}</span></td>
                                    <td>{move || cancellation_status_text(i18n.get_locale(), st)}
                                        {r.effective_on.map(|d| view! { <span class="cell-note">{move || td_string!(i18n.get_locale(), school.sms_effective, date = iso_date(d)).to_string()}</span> })}
                                        {r.reject_reason.clone().map(|x| view! { <span class="cell-note">{x}</span> })}</td>
                                    <td class="row-actions">
                                        {(st == CancellationStatus::Pending).then(|| view! {
                                            <button type="button" class="button button--primary button--small" on:click=move |_| act(id, true)>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                            <button type="button" class="button button--secondary button--small" on:click=move |_| act(id, false)>{tr(i18n, |l| td_string!(l, school.sms_reject))}</button>
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
