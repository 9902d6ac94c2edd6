//! «申請與停卡»: the applications and stops queue, filters, bulk review, CSV export.

use super::*;

pub(super) fn csv_href(f: &QueueFilter) -> String {
    let kind = match f.kind {
        QueueKind::All => "all",
        QueueKind::Applications => "applications",
        QueueKind::Stops => "stops",
    };
    let mut q = format!("/api/school/export.csv?kind={kind}&sort={}", f.sort);
    if !f.review.is_empty() {
        q.push_str(&format!("&review={}", f.review));
    }
    if !f.card_type.is_empty() {
        q.push_str(&format!("&card_type={}", f.card_type));
    }
    if let Some(d) = f.from {
        q.push_str(&format!("&from={}", iso_date(d)));
    }
    if let Some(d) = f.to {
        q.push_str(&format!("&to={}", iso_date(d)));
    }
    q
}

/// The applications and stops queue with its sticky filter bar, bulk actions and
/// CSV export.
#[component]
pub fn QueuePage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.queue_title).to_string());
    view! { <StaffShell><QueueView /></StaffShell> }
}

#[component]
pub(super) fn QueueView() -> impl IntoView {
    let i18n = use_i18n();
    let filter = RwSignal::new(QueueFilter {
        review: "pending".into(),
        page: 1,
        ..Default::default()
    });
    let page = RwSignal::new(None::<Result<QueuePage, AppError>>);
    let selected = RwSignal::new(Vec::<String>::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let reason_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The row being returned on its own (its reason box open), and the row whose
    // action just finished: the focus goes to the row that takes its place.
    let returning = RwSignal::new(None::<String>);
    let row_reason = RwSignal::new(String::new());
    let row_reason_error = RwSignal::new(None::<String>);
    let focus_row = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        let rows = page.with(|p| match p {
            Some(Ok(p)) => Some(p.rows.len()),
            _ => None,
        });
        if let (Some(rows), Some(at)) = (rows, focus_row.get_untracked()) {
            focus_row.set(None);
            focus_after_action(at, rows);
        }
    });
    let reload = move || {
        let f = filter.get_untracked();
        spawn_local(async move {
            let r = load_queue(f).await;
            page.set(Some(r));
        });
    };
    Effect::new(move |_| {
        filter.track();
        selected.set(Vec::new());
        reload();
    });
    let set_filter = move |f: fn(&mut QueueFilter, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            filter.update(|q| {
                f(q, v);
                q.page = 1;
            });
        }
    };
    // `row`: the index of the one row acted on (for the focus), `None` for the bulk bar.
    let act = move |approve: bool, refs: Vec<String>, row: Option<usize>| {
        if busy.get_untracked() || refs.is_empty() {
            return;
        }
        let (text, error) = if row.is_some() {
            (row_reason, row_reason_error)
        } else {
            (reason, reason_error)
        };
        if !approve && text.get_untracked().trim().is_empty() {
            error.set(Some(
                td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
            ));
            return;
        }
        busy.set(true);
        form_error.set(None);
        error.set(None);
        let input = ReviewInput {
            item_refs: refs,
            approve,
            reason: if approve {
                String::new()
            } else {
                text.get_untracked()
            },
        };
        spawn_local(async move {
            match review_items(input).await {
                Ok(o) => {
                    let locale = i18n.get_locale_untracked();
                    message.set(Some(if approve {
                        td_string!(locale, school.approved_n, n = o.changed).to_string()
                    } else {
                        td_string!(locale, school.returned_n, n = o.changed).to_string()
                    }));
                    text.set(String::new());
                    returning.set(None);
                    focus_row.set(row);
                    reload();
                    selected.set(Vec::new());
                }
                Err(AppError::Validation(_)) => {
                    error.set(Some(
                        td_string!(i18n.get_locale_untracked(), school.err_reason).to_string(),
                    ));
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let toggle = move |r: String| {
        selected.update(|s| {
            if let Some(i) = s.iter().position(|x| *x == r) {
                s.remove(i);
            } else {
                s.push(r);
            }
        });
    };
    view! {
        <h1 id="queue-title" tabindex="-1">{tr(i18n, |l| td_string!(l, school.queue_title))}</h1>
        <form class="filter-bar" role="search" on:submit=move |ev| { ev.prevent_default(); reload(); }
            aria-label=move || td_string!(i18n.get_locale(), school.filters).to_string()>
            <label>{tr(i18n, |l| td_string!(l, school.f_kind))}
                <select on:change=set_filter(|q, v| q.kind = match v.as_str() { "applications" => QueueKind::Applications, "stops" => QueueKind::Stops, _ => QueueKind::All })>
                    <option value="all">{tr(i18n, |l| td_string!(l, school.kind_all))}</option>
                    <option value="applications">{tr(i18n, |l| td_string!(l, school.kind_applications))}</option>
                    <option value="stops">{tr(i18n, |l| td_string!(l, school.kind_stops))}</option>
                </select>
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_review))}
                <select on:change=set_filter(|q, v| q.review = v)>
                    <option value="pending">{tr(i18n, |l| td_string!(l, school.review_pending))}</option>
                    <option value="approved">{tr(i18n, |l| td_string!(l, school.review_approved))}</option>
                    <option value="returned">{tr(i18n, |l| td_string!(l, school.review_returned))}</option>
                    <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                </select>
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_type))}
                <select on:change=set_filter(|q, v| q.card_type = v)>
                    <option value="">{tr(i18n, |l| td_string!(l, school.all))}</option>
                    {move || page.get().and_then(Result::ok).map(|p| p.card_types.into_iter().map(|(code, name)| view! {
                        <option value=code.clone() selected=move || filter.with(|f| f.card_type == code)>{name}</option>
                    }).collect_view())}
                </select>
            </label>
            // Dates as one text box each (a date input is four tab stops in Chromium).
            <label>{tr(i18n, |l| td_string!(l, school.f_from))}
                <DateBox on_date=Callback::new(move |d| filter.update(|q| { q.from = d; q.page = 1; })) />
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_to))}
                <DateBox on_date=Callback::new(move |d| filter.update(|q| { q.to = d; q.page = 1; })) />
            </label>
            <label>{tr(i18n, |l| td_string!(l, school.f_sort))}
                <select on:change=set_filter(|q, v| q.sort = v)>
                    <option value="newest">{tr(i18n, |l| td_string!(l, school.sort_newest))}</option>
                    <option value="oldest">{tr(i18n, |l| td_string!(l, school.sort_oldest))}</option>
                    <option value="class">{tr(i18n, |l| td_string!(l, school.sort_class))}</option>
                </select>
            </label>
            <a class="button button--secondary button--small" href=move || filter.with(csv_href) download="card-queue.csv">
                {tr(i18n, |l| td_string!(l, school.export_csv))}
            </a>
        </form>
        {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
        <FormAlert message=form_error />
        <div class="bulk-bar" role="group" aria-label=move || td_string!(i18n.get_locale(), school.bulk_label).to_string()>
            <span>{move || td_string!(i18n.get_locale(), school.selected_n, n = selected.with(Vec::len)).to_string()}</span>
            <button type="button" class="button button--primary button--small"
                prop:disabled=move || busy.get() || selected.with(Vec::is_empty)
                on:click=move |_| act(true, selected.get_untracked(), None)>
                {tr(i18n, |l| td_string!(l, school.approve_selected))}
            </button>
            <label class="bulk-bar__reason" class:field--error=move || reason_error.get().is_some()>
                <span>{tr(i18n, |l| td_string!(l, school.return_reason))}</span>
                <input id="return-reason" class="input" maxlength="200" prop:value=move || reason.get()
                    aria-invalid=move || reason_error.get().is_some().then_some("true")
                    aria-describedby="return-reason-error"
                    on:input=move |ev| { reason.set(event_target_value(&ev)); reason_error.set(None); } />
                <span class="field__error" id="return-reason-error">{move || reason_error.get()}</span>
            </label>
            <button type="button" class="button button--danger button--small"
                prop:disabled=move || busy.get() || selected.with(Vec::is_empty)
                on:click=move |_| act(false, selected.get_untracked(), None)>
                {tr(i18n, |l| td_string!(l, school.return_selected))}
            </button>
        </div>
        {move || match page.get() {
            None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
            Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
            Some(Ok(p)) if p.rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.queue_empty))}</p> }.into_any(),
            Some(Ok(p)) => {
                let pages = p.total.div_ceil(p.page_size).max(1);
                let all_refs: Vec<String> = p.rows.iter().map(|r| r.item_ref.clone()).collect();
                view! {
                    <div class="table-wrap">
                    <table class="queue-table">
                        <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, school.queue_title))}</caption>
                        <thead><tr>
                            <th scope="col"><input type="checkbox"
                                aria-label=move || td_string!(i18n.get_locale(), school.select_all).to_string()
                                prop:checked={ let all_refs = all_refs.clone(); move || selected.with(|s| !all_refs.is_empty() && all_refs.iter().all(|r| s.contains(r))) }
                                on:change={ let all_refs = all_refs.clone(); move |_| {
                                    let all_on = selected.with_untracked(|s| all_refs.iter().all(|r| s.contains(r)));
                                    selected.set(if all_on { Vec::new() } else { all_refs.clone() });
                                } } /></th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_serial))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_applicant))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_id_match))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_photo))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_type))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_reason))}</th>
                            <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_total))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_payment))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_review))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                        </tr></thead>
                        <tbody>
                            {p.rows.into_iter().enumerate().map(|(index, r)| {
                                let item = r.item_ref.clone();
                                let item_toggle = r.item_ref.clone();
                                let item_approve = r.item_ref.clone();
                                let item_return = r.item_ref.clone();
                                let item_open = r.item_ref.clone();
                                let item_is_open = r.item_ref.clone();
                                let pending = r.review == "pending";
                                let review = r.review.clone();
                                let label = format!("{} {}", r.serial_no, r.applicant);
                                view! {
                                    <tr class:row--flag=r.no_contact>
                                        <td><input type="checkbox" aria-label=label
                                            prop:checked={ let item = item.clone(); move || selected.with(|s| s.contains(&item)) }
                                            on:change=move |_| toggle(item_toggle.clone()) /></td>
                                        <td class="mono">{r.serial_no.clone()}<span class="cell-note">{taiwan_date_time(r.submitted_at)}</span></td>
                                        <td>{r.applicant.clone()}</td>
                                        <td>{r.class_name.clone()}" "<span class="cell-note">{let seat = r.seat_no; move || td_string!(i18n.get_locale(), school.seat_no, seat = seat).to_string()}</span></td>
                                        <td>{r.id_match.clone()}</td>
                                        <td>{if r.has_photo {
                                            view! { <img class="thumb" src=format!("/api/school/photo/{}", r.item_ref) width="46" height="58" alt=move || td_string!(i18n.get_locale(), school.photo_alt).to_string() loading="lazy" /> }.into_any()
                                        } else { view! { <span>"—"</span> }.into_any() }}</td>
                                        <td class="nowrap">{r.card_type_zh.clone()}</td>
                                        <td>{r.reason.clone()}
                                            {r.no_contact.then(|| view! { <span class="flag">{tr(i18n, |l| td_string!(l, school.no_contact))}</span> })}</td>
                                        <td class="num">{r.total_due}
                                            <span class="cell-note">{let (loss, reissue) = (r.loss_fee, r.reissue_fee); move || {
                                                let l = i18n.get_locale();
                                                format!("{} {loss} + {} {reissue}", td_string!(l, school.c_loss_fee), td_string!(l, school.c_reissue_fee))
                                            }}</span></td>
                                        <td>{r.payment.clone()}</td>
                                        <td>{move || review_text(i18n.get_locale(), &review)}
                                            {r.review_reason.clone().map(|x| view! { <span class="cell-note">{x}</span> })}</td>
                                        <td class="row-actions">
                                            {pending.then(|| view! {
                                                <Show when={ let item = item_is_open.clone(); move || returning.with(|r| r.as_deref() == Some(item.as_str())) }
                                                    fallback={ let item_open = item_open.clone(); move || { let item_open = item_open.clone(); let item_approve = item_approve.clone(); view! {
                                                        <button type="button" class="button button--primary button--small row-approve"
                                                            on:click=move |_| act(true, vec![item_approve.clone()], Some(index))>{tr(i18n, |l| td_string!(l, school.approve))}</button>
                                                        <button type="button" class="button button--secondary button--small row-return"
                                                            on:click=move |_| { row_reason.set(String::new()); row_reason_error.set(None); returning.set(Some(item_open.clone())); }>
                                                            {tr(i18n, |l| td_string!(l, school.return_one))}</button>
                                                    } } }>
                                                    <RowReturn reason=row_reason error=row_reason_error
                                                        confirm={ let item = item_return.clone(); Callback::new(move |()| act(false, vec![item.clone()], Some(index))) }
                                                        cancel=Callback::new(move |()| { returning.set(None); focus_in_row(index, "row-return"); }) />
                                                </Show>
                                            })}
                                            {r.needs_form.then(|| view! {
                                                <A href=format!("/school/form/{item}") attr:class="button button--link">{tr(i18n, |l| td_string!(l, school.form))}</A>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
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
    }
}

/// The focus after a row's action: the «核可» of the row that took its place (or the
/// new last row), or the heading when the queue is empty — never the page's body.
fn focus_after_action(at: usize, rows: usize) {
    if rows == 0 {
        focus_selector("#queue-title");
    } else {
        focus_in_row(at.min(rows - 1), "row-approve");
    }
}

/// Focuses the button with class `class` in the `index`th row of the queue, once the
/// rows are drawn.
fn focus_in_row(index: usize, class: &'static str) {
    focus_selector_later(format!(
        ".queue-table tbody tr:nth-child({}) .{class}",
        index + 1
    ));
}

fn focus_selector(selector: &'static str) {
    focus_selector_later(selector.to_owned());
}

fn focus_selector_later(selector: String) {
    request_animation_frame(move || {
        #[cfg(feature = "csr")]
        {
            use wasm_bindgen::JsCast;
            let el = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector(&selector).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(el) = el {
                let _ = el.focus();
            }
        }
        #[cfg(not(feature = "csr"))]
        let _ = selector;
    });
}

/// A row's own «退件»: the reason box opens in the row with the focus in it; Enter
/// confirms, Escape cancels.
#[component]
fn RowReturn(
    reason: RwSignal<String>,
    error: RwSignal<Option<String>>,
    confirm: Callback<()>,
    cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(i) = input.get() {
            let _ = i.focus();
        }
    });
    view! {
        <form class="row-return" novalidate
            on:submit=move |ev| { ev.prevent_default(); confirm.run(()); }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { cancel.run(()); }>
            <input class="input" maxlength="200" node_ref=input required
                aria-label=move || td_string!(i18n.get_locale(), school.return_reason).to_string()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby="row-return-error"
                prop:value=move || reason.get()
                on:input=move |ev| { reason.set(event_target_value(&ev)); error.set(None); } />
            <span class="field__error" id="row-return-error" role="alert">{move || error.get()}</span>
            <button type="submit" class="button button--danger button--small">{tr(i18n, |l| td_string!(l, school.return_confirm))}</button>
            <button type="button" class="button button--secondary button--small" on:click=move |_| cancel.run(())>
                {tr(i18n, |l| td_string!(l, school.return_cancel))}
            </button>
        </form>
    }
}

/// A date typed as YYYY-MM-DD in one text box (one tab stop); a box that does not
/// hold a date is marked invalid and filters nothing.
#[component]
fn DateBox(on_date: Callback<Option<chrono::NaiveDate>>) -> impl IntoView {
    let invalid = RwSignal::new(false);
    view! {
        <input type="text" inputmode="numeric" placeholder="YYYY-MM-DD" maxlength="10" autocomplete="off"
            aria-invalid=move || invalid.get().then_some("true")
            on:change=move |ev| {
                let v = event_target_value(&ev);
                let d = parse_iso_date(v.trim());
                invalid.set(d.is_none() && !v.trim().is_empty());
                on_date.run(d);
            } />
    }
}
