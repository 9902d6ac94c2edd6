//! The audit log in staff words: search and pages; who by username and role, what by
//! a readable action, and before → after.

use super::*;
use crate::school::AuditRow;
use crate::school::audit_words::{ACTIONS, action_text, actor_kind_text, detail_text, result_text};

/// Who acted: «lin.officer（學校承辦人）», «家長 #12», «系統».
fn actor_text(locale: Locale, r: &AuditRow) -> String {
    if let (Some(name), Some(role)) = (&r.actor_name, &r.actor_role) {
        return td_string!(
            locale,
            audit.by_staff,
            name = name,
            role = role_text(locale, role)
        )
        .to_string();
    }
    let who =
        actor_kind_text(locale, &r.actor_kind).map_or_else(|| r.actor_kind.clone(), str::to_owned);
    match r.actor.split_once(':') {
        Some((_, id)) => td_string!(locale, audit.numbered, who = who, id = id).to_string(),
        None => who,
    }
}

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
                <label>{tr(i18n, |l| td_string!(l, school.f_actor))}<input class="input" on:change=set(|q, v| q.actor = v)
                    placeholder=move || td_string!(i18n.get_locale(), audit.actor_hint).to_string() /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_subject))}<input class="input" on:change=set(|q, v| q.subject = v) /></label>
                <label>{tr(i18n, |l| td_string!(l, school.f_action))}<select on:change=set(|q, v| q.action = v)>
                    <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    {move || {
                        let locale = i18n.get_locale();
                        let mut labelled: Vec<(&str, &str)> = ACTIONS
                            .iter()
                            .map(|a| (action_text(locale, a).unwrap_or(a), *a))
                            .collect();
                        labelled.sort_unstable();
                        labelled.into_iter().map(|(label, code)| view! { <option value=code>{label}</option> }).collect_view()
                    }}
                </select></label>
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
                            <tbody>{p.rows.into_iter().map(|r| {
                                let action = r.action.clone();
                                let result = r.result.clone();
                                let detail = r.detail.clone().unwrap_or_default();
                                view! {
                                    <tr><td>{taiwan_date_time(r.at)}</td>
                                    <td>{ let r = r.clone(); move || actor_text(i18n.get_locale(), &r) }</td>
                                    <td>{ let a = action.clone(); move || action_text(i18n.get_locale(), &a).map_or_else(|| a.clone(), str::to_owned) }
                                        " "<span class="mono hint">{action.clone()}</span></td>
                                    <td>{r.subject.unwrap_or_default()}</td>
                                    <td>{ move || result_text(i18n.get_locale(), &result).map_or_else(|| result.clone(), str::to_owned) }</td>
                                    <td class="detail">{ move || detail_text(i18n.get_locale(), &detail) }</td></tr>
                                }
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
