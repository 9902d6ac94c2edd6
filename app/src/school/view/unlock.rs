//! Locked holders of the staff member's scope, and unlocking them.

use super::*;

/// Holders locked by failed verifications, with «解除鎖定».
#[component]
pub fn UnlockPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.unlock_title).to_string());
    let list = RwSignal::new(None::<Result<Vec<super::super::LockedHolder>, AppError>>);
    let reload = move || spawn_local(async move { list.set(Some(load_locked_holders().await)) });
    reload();
    let message = RwSignal::new(None::<String>);
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.unlock_title))}</h1>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.none_locked))}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="queue-table">
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_student))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_id))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_failures))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_locked_until))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>{rows.into_iter().map(|h| {
                            let r = h.holder_ref.clone();
                            let name = h.applicant.clone();
                            view! {
                                <tr>
                                    <td>{h.applicant.clone()}</td><td class="mono">{h.id_masked.clone()}</td>
                                    <td>{format!("{} {}", h.school_name, h.class_name)}</td><td class="num">{h.failures}</td>
                                    <td>{if h.permanent { "—".to_string() } else { h.locked_until.map(taiwan_date_time).unwrap_or_default() }}
                                        {h.permanent.then(|| view! { <span class="flag">{tr(i18n, |l| td_string!(l, school.until_unlocked))}</span> })}</td>
                                    <td><button type="button" class="button button--primary button--small" on:click=move |_| {
                                        let r = r.clone();
                                        let name = name.clone();
                                        spawn_local(async move {
                                            if unlock_holder(r).await.is_ok() {
                                                message.set(Some(td_string!(i18n.get_locale_untracked(), school.unlocked, name = name).to_string()));
                                                reload();
                                            }
                                        });
                                    }>{tr(i18n, |l| td_string!(l, school.unlock))}</button></td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
        </StaffShell>
    }
}
