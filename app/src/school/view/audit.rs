//! The audit log: search and pages.

use super::*;

/// The audit log with its search.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.audit_title).to_string());
    let filter = RwSignal::new(AuditFilter {
        page: 1,
        ..Default::default()
    });
    let page = RwSignal::new(None::<Result<AuditPage, AppError>>);
    Effect::new(move |_| {
        let f = filter.get();
        spawn_local(async move { page.set(Some(search_audit(f).await)) });
    });
    let set = move |f: fn(&mut AuditFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|q| {
                f(q, v);
                q.page = 1;
            });
        }
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.audit_title))}</h1>
            <form class="filter-bar" role="search" on:submit=move |ev| ev.prevent_default()
                aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
                <label>{tr(i18n, |l| td_string!(l, school.f_from))}<input type="date" on:change=set(|q, v| q.from = parse_iso_date(&v)) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_to))}<input type="date" on:change=set(|q, v| q.to = parse_iso_date(&v)) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_actor))}<input class="input" on:change=set(|q, v| q.actor = v) placeholder="staff:3" /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_subject))}<input class="input" on:change=set(|q, v| q.subject = v) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_action))}<input class="input" on:change=set(|q, v| q.action = v) placeholder="school." /></label>
            </form>
            {move || match page.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(p)) => {
                    let pages = p.total.div_ceil(p.page_size).max(1);
                    view! {
                        <div class="table-wrap"><table class="queue-table audit-table">
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_time))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_actor))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_action))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.f_subject))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_result))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_detail))}</th>
                            </tr></thead>
                            <tbody>{p.rows.into_iter().map(|r| view! {
                                <tr><td>{taiwan_date_time(r.at)}</td><td class="mono">{r.actor}</td><td class="mono">{r.action}</td>
                                <td>{r.subject.unwrap_or_default()}</td><td>{r.result}</td><td class="detail">{r.detail.unwrap_or_default()}</td></tr>
                            }).collect_view()}</tbody>
                        </table></div>
                        <nav class="pager" aria-label=move || td_string!(i18n.get_locale(), school.pager).to_string()>
                            <button type="button" class="button button--secondary button--small" prop:disabled={p.page <= 1}
                                on:click=move |_| filter.update(|f| f.page = f.page.saturating_sub(1).max(1))>{tr(i18n, |l| td_string!(l, school.prev))}</button>
                            <span>{move || td_string!(i18n.get_locale(), school.page_of, page = p.page, pages = pages, total = p.total).to_string()}</span>
                            <button type="button" class="button button--secondary button--small" prop:disabled={p.page >= pages}
                                on:click=move |_| filter.update(|f| f.page += 1)>{tr(i18n, |l| td_string!(l, school.next))}</button>
                        </nav>
                    }.into_any()
                }
            }}
        </StaffShell>
    }
}
