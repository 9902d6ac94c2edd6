//! «印卡批次»: the card officer's (and operator's) print batches: collect the waiting
//! applications, the batches with their counts by state, the download (print.csv and
//! the headshots in one zip), a batch's applications and «已結案» at school.

use super::*;
use crate::holder::ApplicationStatus;
use crate::holder::view::application_status_text;
use crate::school::api::{
    close_application, create_print_batch, load_print_batch, load_print_batches,
};
use crate::school::{PrintBatchItem, PrintBatchOverview};

fn delivery_text(locale: Locale, delivery: &str) -> &'static str {
    if delivery == "school" {
        td_string!(locale, school.delivery_school)
    } else {
        td_string!(locale, school.delivery_mail)
    }
}

/// The print batch page (officers and operators; the server refuses teachers).
#[component]
pub fn PrintBatchesPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.print_title).to_string());
    let overview = RwSignal::new(None::<Result<PrintBatchOverview, AppError>>);
    let reload = move || spawn_local(async move { overview.set(Some(load_print_batches().await)) });
    reload();
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let open = RwSignal::new(None::<(i32, Result<Vec<PrintBatchItem>, AppError>)>);
    let show = move |id: i32| {
        spawn_local(async move { open.set(Some((id, load_print_batch(id).await))) });
    };
    let create = move |_| {
        busy.set(true);
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            let text = match create_print_batch(None).await {
                Ok(Some(b)) => {
                    td_string!(locale, school.print_created, id = b.id, count = b.count).to_string()
                }
                Ok(None) => td_string!(locale, school.print_none_waiting).to_string(),
                Err(e) => form_error_text(locale, &e),
            };
            message.set(Some(text));
            busy.set(false);
            reload();
        });
    };
    let close = move |id: i32, serial: String| {
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            match close_application(serial.clone()).await {
                Ok(_) => message.set(Some(
                    td_string!(locale, school.closed_done, serial = serial).to_string(),
                )),
                Err(e) => message.set(Some(form_error_text(locale, &e))),
            }
            reload();
            show(id);
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.print_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.print_hint))}</p>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            {move || match overview.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(o)) => {
                    let waiting = o.waiting;
                    view! {
                        <div class="actions actions--inline">
                            <p>{move || td_string!(i18n.get_locale(), school.print_waiting, count = waiting).to_string()}</p>
                            <button type="button" class="button button--primary" prop:disabled=move || busy.get() || waiting == 0 on:click=create>
                                {tr(i18n, |l| td_string!(l, school.print_create))}
                            </button>
                        </div>
                        {if o.batches.is_empty() {
                            view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.print_no_batches))}</p> }.into_any()
                        } else {
                            view! {
                                <table class="queue-table">
                                    <thead><tr>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_batch))}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_created))}</th>
                                        <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_count))}</th>
                                        <th scope="col" class="num">{move || application_status_text(i18n.get_locale(), ApplicationStatus::Printing)}</th>
                                        <th scope="col" class="num">{move || application_status_text(i18n.get_locale(), ApplicationStatus::Shipped)}</th>
                                        <th scope="col" class="num">{move || application_status_text(i18n.get_locale(), ApplicationStatus::Closed)}</th>
                                        <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                                    </tr></thead>
                                    <tbody>{o.batches.into_iter().map(|b| {
                                        let id = b.id;
                                        let href = format!("/api/school/print-batches/{id}/export.zip");
                                        view! {
                                            <tr>
                                                <td class="mono">{id}</td>
                                                <td>{taiwan_date_time(b.created_at)}</td>
                                                <td class="num">{b.count}</td>
                                                <td class="num">{b.printing}</td>
                                                <td class="num">{b.shipped}</td>
                                                <td class="num">{b.closed}</td>
                                                <td class="row-actions">
                                                    <a class="button button--secondary button--small" href=href download=format!("print-batch-{id}.zip")
                                                        rel="external">
                                                        {move || td_string!(i18n.get_locale(), school.print_download, id = id).to_string()}
                                                    </a>
                                                    <button type="button" class="button button--secondary button--small" on:click=move |_| show(id)>
                                                        {move || td_string!(i18n.get_locale(), school.print_items, id = id).to_string()}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}</tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
            {move || open.get().map(|(id, items)| match items {
                Err(e) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Ok(items) => view! {
                    <section aria-labelledby="batch-items-title">
                        <h2 id="batch-items-title">{move || td_string!(i18n.get_locale(), school.print_items_title, id = id).to_string()}</h2>
                        <table class="queue-table">
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_serial))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_applicant))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_class))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_delivery))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_status))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_mail_no))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                            </tr></thead>
                            <tbody>{items.into_iter().map(|item| {
                                let status = ApplicationStatus::parse(&item.status).unwrap_or(ApplicationStatus::Printing);
                                let closable = status != ApplicationStatus::Closed;
                                let serial = item.serial_no.clone();
                                let delivery = item.delivery.clone();
                                view! {
                                    <tr>
                                        <td class="mono">{item.serial_no.clone()}</td>
                                        <td>{item.applicant.clone()}</td>
                                        <td>{item.class_name.clone()}</td>
                                        <td>{move || delivery_text(i18n.get_locale(), &delivery)}</td>
                                        <td>{move || application_status_text(i18n.get_locale(), status)}</td>
                                        <td class="mono">{item.mail_no.clone().unwrap_or_default()}</td>
                                        <td>{closable.then(|| view! {
                                            <button type="button" class="button button--primary button--small" on:click=move |_| close(id, serial.clone())>
                                                {tr(i18n, |l| td_string!(l, school.close_handed))}
                                            </button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                    </section>
                }.into_any(),
            })}
        </StaffShell>
    }
}
