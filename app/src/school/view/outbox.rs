//! «訊息寄送狀態» (operators): the outbox's dead letters, sent again on request.

use super::*;

pub(super) fn outbox_status_text(locale: Locale, status: &str) -> &'static str {
    match status {
        "pending" => td_string!(locale, school.outbox_pending),
        "in_flight" => td_string!(locale, school.outbox_in_flight),
        "sent" => td_string!(locale, school.outbox_sent),
        _ => td_string!(locale, school.outbox_dead),
    }
}

pub(super) fn channel_text(locale: Locale, channel: &str) -> &'static str {
    match channel {
        "email" => td_string!(locale, school.channel_email),
        "sms" => td_string!(locale, school.channel_sms),
        _ => td_string!(locale, school.channel_line),
    }
}

/// «訊息寄送狀態» (the issuer's operators): messages per status and the dead ones,
/// each with «重送».
#[component]
pub fn OutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.outbox_title).to_string());
    let overview = RwSignal::new(None::<Result<super::super::OutboxOverview, AppError>>);
    let reload = move || spawn_local(async move { overview.set(Some(load_outbox().await)) });
    reload();
    let message = RwSignal::new(None::<Result<String, AppError>>);
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.outbox_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.outbox_hint))}</p>
            {move || message.get().map(|m| match m {
                Ok(m) => view! { <p class="notice notice--ok" role="status">{m}</p> }.into_any(),
                Err(e) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
            })}
            {move || match overview.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(o)) => view! {
                    <table class="queue-table outbox-counts">
                        <caption>{tr(i18n, |l| td_string!(l, school.outbox_counts))}</caption>
                        <tbody>{o.counts.into_iter().map(|(status, n)| view! {
                            <tr><th scope="row">{move || outbox_status_text(i18n.get_locale(), &status)}</th><td class="num">{n}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                    <h2>{tr(i18n, |l| td_string!(l, school.outbox_dead_title))}</h2>
                    {if o.dead.is_empty() {
                        view! { <p class="empty">{tr(i18n, |l| td_string!(l, school.outbox_none_dead))}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap"><table class="queue-table">
                                <thead><tr>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_time))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_template))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_channel))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_recipient))}</th>
                                    <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_attempts))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_last_error))}</th>
                                    <th scope="col">{tr(i18n, |l| td_string!(l, school.c_actions))}</th>
                                </tr></thead>
                                <tbody>{o.dead.into_iter().map(|d| {
                                    let id = d.id.clone();
                                    let recipient = d.recipient_masked.clone();
                                    let channel = d.channel.clone();
                                    view! {
                                        <tr>
                                            <td>{taiwan_date_time(d.failed_at)}</td>
                                            <td class="mono">{d.template.clone()}</td>
                                            <td>{move || channel_text(i18n.get_locale(), &channel)}</td>
                                            <td class="mono">{d.recipient_masked.clone()}</td>
                                            <td class="num">{d.attempts}</td>
                                            <td class="detail">{d.last_error.clone().unwrap_or_default()}</td>
                                            <td>{if d.can_resend {
                                                view! {
                                                    <button type="button" class="button button--primary button--small" on:click=move |_| {
                                                        let id = id.clone();
                                                        let recipient = recipient.clone();
                                                        spawn_local(async move {
                                                            let r = resend_message(id).await.map(|()| {
                                                                td_string!(i18n.get_locale_untracked(), school.resent, recipient = recipient).to_string()
                                                            });
                                                            message.set(Some(r));
                                                            reload();
                                                        });
                                                    }>{tr(i18n, |l| td_string!(l, school.resend))}</button>
                                                }.into_any()
                                            } else {
                                                view! { <span class="hint">{tr(i18n, |l| td_string!(l, school.resend_expired))}</span> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}</tbody>
                            </table></div>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </StaffShell>
    }
}
