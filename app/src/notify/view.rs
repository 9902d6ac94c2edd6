//! «帳號設定», «到離校簡訊服務» and «出勤統計» (phone first).

use super::api::{
    change_subscription, finish_email_verification, load_attendance, load_settings,
    load_sms_subscriptions, new_line_link_code, request_sms_cancellation, start_email_verification,
    unlink_line, withdraw_notifications, withdraw_sms_cancellation,
};
use super::{
    ChildAttendance, LineLinkCode, NotificationSettings, NotifyChannel, NotifyEvent, SmsStatus,
    SmsSubscriptionRow, SubscriptionChange,
};
use crate::domain::dates::{iso_date, taiwan_date_time, taiwan_hh_mm};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::field::input_field;
use crate::ui::{
    FormAlert, Link, PageShell, StatusChip, form_error_text, set_title, tr, with_note,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

/// Sends a logged-out visitor to the login page.
fn guard<T: Clone + Send + Sync + 'static>(loaded: RwSignal<Option<Result<T, AppError>>>) {
    let navigate = use_navigate();
    Effect::new(move |_| match loaded.get() {
        Some(Err(AppError::Unauthorized)) => navigate("/parent", Default::default()),
        Some(Err(AppError::MustChangePassword)) => {
            navigate("/parent/password", Default::default());
        }
        _ => {}
    });
}

fn channel_name(channel: NotifyChannel) -> &'static str {
    match channel {
        NotifyChannel::Email => "E-mail",
        NotifyChannel::Line => "LINE",
    }
}

fn event_text(locale: Locale, event: NotifyEvent) -> &'static str {
    match event {
        NotifyEvent::Arrival => td_string!(locale, parent.event_arrival),
        NotifyEvent::Departure => td_string!(locale, parent.event_departure),
        NotifyEvent::Absence => td_string!(locale, parent.event_absence),
    }
}

fn weekday_text(locale: Locale, d: chrono::NaiveDate) -> &'static str {
    use chrono::Weekday;
    match chrono::Datelike::weekday(&d) {
        Weekday::Mon => td_string!(locale, parent.weekday_mon),
        Weekday::Tue => td_string!(locale, parent.weekday_tue),
        Weekday::Wed => td_string!(locale, parent.weekday_wed),
        Weekday::Thu => td_string!(locale, parent.weekday_thu),
        Weekday::Fri => td_string!(locale, parent.weekday_fri),
        Weekday::Sat => td_string!(locale, parent.weekday_sat),
        Weekday::Sun => td_string!(locale, parent.weekday_sun),
    }
}

/// «帳號設定»: profile, channels (e-mail by code, LINE by link code) and the
/// subscription grid per bound child.
#[component]
pub fn ParentSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.settings_title).to_string());
    let settings = RwSignal::new(None::<Result<NotificationSettings, AppError>>);
    spawn_local(async move { settings.set(Some(load_settings().await)) });
    guard(settings);
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let email = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let code_sent = RwSignal::new(None::<String>);
    let line_code = RwSignal::new(None::<LineLinkCode>);

    let apply = move |r: Result<NotificationSettings, AppError>| match r {
        Ok(s) => {
            settings.set(Some(Ok(s)));
            form_error.set(None);
        }
        Err(AppError::Validation(f)) => errors.set(f),
        Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
    };
    let send_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked();
        spawn_local(async move {
            match start_email_verification(address).await {
                Ok(sent) => {
                    code_sent.set(Some(sent.destination_masked));
                    errors.set(FieldErrors::new());
                }
                Err(AppError::Validation(f)) => errors.set(f),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let check_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entered = code.get_untracked();
        spawn_local(async move {
            let r = finish_email_verification(entered).await;
            if r.is_ok() {
                code_sent.set(None);
                code.set(String::new());
                email.set(String::new());
                message.set(Some(
                    td_string!(i18n.get_locale_untracked(), parent.email_verified_done).to_string(),
                ));
            }
            apply(r);
        });
    };
    let make_line_code = move |_| {
        spawn_local(async move {
            match new_line_link_code().await {
                Ok(c) => line_code.set(Some(c)),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let refresh = move |_| {
        spawn_local(async move {
            let r = load_settings().await;
            if matches!(&r, Ok(s) if s.line_linked) {
                line_code.set(None);
            }
            apply(r);
        });
    };
    let unlink = move |_| spawn_local(async move { apply(unlink_line().await) });
    let withdraw = move |_| {
        #[cfg(feature = "csr")]
        {
            let question = td_string!(i18n.get_locale_untracked(), parent.withdraw_confirm);
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        spawn_local(async move {
            let r = withdraw_notifications().await;
            if r.is_ok() {
                message.set(Some(
                    td_string!(i18n.get_locale_untracked(), parent.withdraw_done).to_string(),
                ));
            }
            apply(r);
        });
    };
    let toggle = move |change: SubscriptionChange| {
        spawn_local(async move {
            match change_subscription(change).await {
                Ok(s) => settings.set(Some(Ok(s))),
                Err(AppError::Validation(_)) => form_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), parent.channel_unverified).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };

    view! {
        <PageShell>
            <Link href="/parent/home" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.settings_title))}</h1>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=form_error />
            {move || match settings.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(s)) => {
                    let email_ok = s.email_verified;
                    let line_ok = s.line_linked;
                    view! {
                        <section class="settings-section" aria-labelledby="profile-title">
                            <h2 id="profile-title">{tr(i18n, |l| td_string!(l, parent.profile_title))}</h2>
                            <dl class="summary-list">
                                <div><dt>{tr(i18n, |l| td_string!(l, parent.display_name))}</dt><dd>{s.display_name.clone()}</dd></div>
                                <div><dt>{tr(i18n, |l| td_string!(l, parent.email_label))}</dt>
                                    <dd>{s.email.clone().unwrap_or_else(|| "—".into())}" "
                                        {s.email.is_some().then(|| view! {
                                            <StatusChip text=Signal::derive(move || if email_ok { td_string!(i18n.get_locale(), parent.verified) } else { td_string!(i18n.get_locale(), parent.not_verified) }.to_string())
                                                tone=if email_ok { "ok" } else { "warn" } />
                                        })}</dd></div>
                                <div><dt>{tr(i18n, |l| td_string!(l, parent.mobile_label))}</dt><dd>{s.mobile.clone().unwrap_or_else(|| "—".into())}</dd></div>
                                <div><dt>"LINE"</dt>
                                    <dd><StatusChip text=Signal::derive(move || if line_ok { td_string!(i18n.get_locale(), parent.line_linked) } else { td_string!(i18n.get_locale(), parent.line_not_linked) }.to_string())
                                        tone=if line_ok { "ok" } else { "warn" } />
                                        {s.line_linked_at.map(|t| view! { <span class="cell-note">{taiwan_date_time(t)}</span> })}</dd></div>
                            </dl>
                        </section>

                        <section class="settings-section" aria-labelledby="email-title">
                            <h2 id="email-title">{tr(i18n, |l| td_string!(l, parent.email_title))}</h2>
                            <p class="hint">{tr(i18n, |l| td_string!(l, parent.email_hint))}</p>
                            {move || match code_sent.get() {
                                None => view! {
                                    <form class="form" novalidate on:submit=send_code>
                                        {input_field(i18n, "notify-email", |l| td_string!(l, parent.email_label), email, errors, "email", ("email", "email"))}
                                        <div class="actions"><button type="submit" class="button button--secondary">{tr(i18n, |l| td_string!(l, parent.send_code))}</button></div>
                                    </form>
                                }.into_any(),
                                Some(dest) => view! {
                                    <p class="notice notice--ok" role="status">{move || td_string!(i18n.get_locale(), parent.code_sent, to = dest.clone()).to_string()}</p>
                                    <form class="form" novalidate on:submit=check_code>
                                        {input_field(i18n, "notify-code", |l| td_string!(l, parent.code), code, errors, "code", ("text", "one-time-code"))}
                                        <div class="actions"><button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, parent.verify_email))}</button></div>
                                    </form>
                                }.into_any(),
                            }}
                        </section>

                        <section class="settings-section" aria-labelledby="line-title">
                            <h2 id="line-title">{tr(i18n, |l| td_string!(l, parent.line_title))}</h2>
                            {if line_ok {
                                view! {
                                    <p>{tr(i18n, |l| td_string!(l, parent.line_linked_note))}</p>
                                    <button type="button" class="button button--secondary" on:click=unlink>{tr(i18n, |l| td_string!(l, parent.line_unlink))}</button>
                                }.into_any()
                            } else {
                                view! {
                                    <p class="hint">{tr(i18n, |l| td_string!(l, parent.line_hint))}</p>
                                    {move || line_code.get().map(|c| view! {
                                        <div class="panel" role="status">
                                            <p class="panel__label">{tr(i18n, |l| td_string!(l, parent.line_code_label))}</p>
                                            <p class="panel__value mono">{c.code.clone()}</p>
                                            <p class="hint">{move || td_string!(i18n.get_locale(), parent.line_code_steps, account = c.official_account.clone(), time = taiwan_hh_mm(c.expires_at)).to_string()}</p>
                                        </div>
                                    })}
                                    <div class="actions actions--inline">
                                        <button type="button" class="button button--secondary" on:click=make_line_code>{tr(i18n, |l| td_string!(l, parent.line_make_code))}</button>
                                        <button type="button" class="button button--secondary" on:click=refresh>{tr(i18n, |l| td_string!(l, parent.line_check))}</button>
                                    </div>
                                }.into_any()
                            }}
                        </section>

                        <section class="settings-section" aria-labelledby="subs-title">
                            <h2 id="subs-title">{tr(i18n, |l| td_string!(l, parent.subs_title))}</h2>
                            <p class="hint">{tr(i18n, |l| td_string!(l, parent.subs_hint))}</p>
                            {if s.children.is_empty() {
                                view! { <p class="empty">{tr(i18n, |l| td_string!(l, parent.no_children))}</p> }.into_any()
                            } else {
                                s.children.iter().map(|c| {
                                    let binding_id = c.binding_id;
                                    let name = c.masked_name.clone();
                                    view! {
                                        <fieldset class="sub-grid">
                                            <legend>{let (n, note) = (c.masked_name.clone(), format!("{} {}", c.school_name, c.class_name)); move || with_note(i18n.get_locale(), &n, &note)}</legend>
                                            <table>
                                                <thead><tr><th scope="col"></th>
                                                    {NotifyChannel::ALL.iter().map(|ch| view! { <th scope="col">{channel_name(*ch)}</th> }).collect_view()}
                                                </tr></thead>
                                                <tbody>{NotifyEvent::ALL.iter().map(|ev| {
                                                    let ev = *ev;
                                                    view! {
                                                        <tr><th scope="row">{move || event_text(i18n.get_locale(), ev)}</th>
                                                            {NotifyChannel::ALL.iter().map(|ch| {
                                                                let ch = *ch;
                                                                let on = c.subscribed.contains(&(ch, ev));
                                                                let verified = match ch { NotifyChannel::Email => email_ok, NotifyChannel::Line => line_ok };
                                                                let label = { let name = name.clone(); move || format!("{name} {} {}", channel_name(ch), event_text(i18n.get_locale(), ev)) };
                                                                view! {
                                                                    <td><label class="sub-grid__cell">
                                                                        <input type="checkbox" aria-label=label prop:checked=on
                                                                            disabled=!verified && !on
                                                                            on:change=move |e| toggle(SubscriptionChange {
                                                                                binding_id, channel: ch, event: ev,
                                                                                subscribed: event_target_checked(&e),
                                                                            }) />
                                                                    </label></td>
                                                                }
                                                            }).collect_view()}
                                                        </tr>
                                                    }
                                                }).collect_view()}</tbody>
                                            </table>
                                        </fieldset>
                                    }
                                }).collect_view().into_any()
                            }}
                            <p class="hint">{tr(i18n, |l| td_string!(l, parent.attendance_note))}</p>
                            <button type="button" class="button button--link" on:click=withdraw>{tr(i18n, |l| td_string!(l, parent.withdraw))}</button>
                        </section>
                    }.into_any()
                }
            }}
        </PageShell>
    }
}

fn sms_status_text(locale: Locale, row: &SmsSubscriptionRow) -> String {
    match row.status {
        SmsStatus::Active => td_string!(locale, parent.sms_active).to_string(),
        SmsStatus::CancelPending => td_string!(locale, parent.sms_pending).to_string(),
        SmsStatus::Cancelled => td_string!(
            locale,
            parent.sms_cancelled,
            date = row.cancelled_from.map(iso_date).unwrap_or_default()
        )
        .to_string(),
    }
}

/// «到離校簡訊服務»: each term with «生效», «註銷» (asks the teacher) and «取消註銷».
#[component]
pub fn ParentSmsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.sms_title).to_string());
    let rows = RwSignal::new(None::<Result<Vec<SmsSubscriptionRow>, AppError>>);
    spawn_local(async move { rows.set(Some(load_sms_subscriptions().await)) });
    guard(rows);
    let message = RwSignal::new(None::<String>);
    let form_error = RwSignal::new(None::<String>);
    let cancel = move |id: i32| {
        #[cfg(feature = "csr")]
        {
            let question = td_string!(i18n.get_locale_untracked(), parent.sms_cancel_confirm);
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        spawn_local(async move {
            match request_sms_cancellation(id).await {
                Ok(r) => {
                    message.set(Some(
                        td_string!(i18n.get_locale_untracked(), parent.sms_cancel_sent).to_string(),
                    ));
                    rows.set(Some(Ok(r)));
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let withdraw = move |id: i32| {
        spawn_local(async move {
            match withdraw_sms_cancellation(id).await {
                Ok(r) => {
                    message.set(Some(
                        td_string!(i18n.get_locale_untracked(), parent.sms_withdrawn).to_string(),
                    ));
                    rows.set(Some(Ok(r)));
                }
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <PageShell>
            <Link href="/parent/home" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.sms_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, parent.sms_intro))}</p>
            {move || message.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=form_error />
            {move || match rows.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, parent.sms_none))}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="card-list sms-list">{list.into_iter().map(|r| {
                        let id = r.id;
                        let status = r.status;
                        let tone = match status { SmsStatus::Active => "ok", SmsStatus::CancelPending => "warn", SmsStatus::Cancelled => "stop" };
                        let row = r.clone();
                        let locale = i18n.get_locale();
                        let items = [(r.arrival, td_string!(locale, parent.sms_arrival)), (r.departure, td_string!(locale, parent.sms_departure))]
                            .iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>().join(td_string!(locale, parent.list_separator));
                        view! {
                            <li class="card-item">
                                <div class="card-item__head">
                                    <h2 class="card-item__title">{format!("{} {}", r.masked_name, r.term_name)}</h2>
                                    <StatusChip text=Signal::derive(move || sms_status_text(i18n.get_locale(), &row)) tone=tone />
                                </div>
                                <p class="cell-note">{format!("{} {} ・ {} ~ {} ・ {} ・ {}", r.school_name, r.class_name, iso_date(r.period_start), iso_date(r.period_end), items, r.mobile_masked)}</p>
                                {r.reject_reason.clone().map(|x| view! { <p class="card-item__note">{tr(i18n, |l| td_string!(l, parent.sms_rejected))}{tr(i18n, |l| td_string!(l, common.colon))}{x}</p> })}
                                <div class="actions actions--inline">
                                    {(status == SmsStatus::Active).then(|| view! {
                                        <button type="button" class="button button--secondary" on:click=move |_| cancel(id)>{tr(i18n, |l| td_string!(l, parent.sms_cancel))}</button>
                                    })}
                                    {(status == SmsStatus::CancelPending).then(|| view! {
                                        <button type="button" class="button button--secondary" on:click=move |_| withdraw(id)>{tr(i18n, |l| td_string!(l, parent.sms_cancel_withdraw))}</button>
                                    })}
                                </div>
                            </li>
                        }
                    }).collect_view()}</ul>
                }.into_any(),
            }}
        </PageShell>
    }
}

/// «出勤統計» of one bound child: the last seven school days.
#[component]
pub fn ParentAttendancePage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), parent.attendance_title).to_string());
    let params = use_params_map();
    let data = RwSignal::new(None::<Result<ChildAttendance, AppError>>);
    let binding = params
        .get_untracked()
        .get("binding")
        .and_then(|v| v.parse::<i32>().ok());
    match binding {
        Some(id) => spawn_local(async move { data.set(Some(load_attendance(id).await)) }),
        None => data.set(Some(Err(AppError::NotFound))),
    }
    guard(data);
    let cell = move |locale: Locale, t: Option<super::SwipeTime>| match t {
        Some(t) if t.entered_by_staff => {
            td_string!(locale, parent.att_by_staff, time = taiwan_hh_mm(t.at)).to_string()
        }
        Some(t) => taiwan_hh_mm(t.at),
        None => td_string!(locale, parent.att_no_swipe).to_owned(),
    };
    view! {
        <PageShell>
            <Link href="/parent/home" class="back-link">{tr(i18n, |l| td_string!(l, common.back))}</Link>
            <h1>{tr(i18n, |l| td_string!(l, parent.attendance_title))}</h1>
            {move || match data.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(a)) => {
                    let locale = i18n.get_locale();
                    let range = match (a.days.last(), a.days.first()) {
                        (Some(from), Some(to)) => format!("{}~{}", iso_date(from.day), iso_date(to.day)),
                        _ => String::new(),
                    };
                    view! {
                        <p class="lead">{with_note(locale, &a.masked_name, &format!("{} {}", a.school_name, a.class_name))}</p>
                        <table class="attendance-table">
                            <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, parent.attendance_title))}</caption>
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, parent.att_day))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, parent.att_arrival))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, parent.att_departure))}</th>
                            </tr></thead>
                            <tbody>{a.days.into_iter().map(|d| {
                                let missing_in = d.arrival.is_none();
                                let missing_out = d.departure.is_none();
                                view! {
                                    <tr>
                                        <th scope="row">{format!("{} {}", weekday_text(locale, d.day), d.day.format("%m-%d"))}</th>
                                        <td class:missing=missing_in>{cell(locale, d.arrival)}</td>
                                        <td class:missing=missing_out>{cell(locale, d.departure)}</td>
                                    </tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                        <p class="hint">{move || td_string!(i18n.get_locale(), parent.att_range, range = range.clone()).to_string()}</p>
                        <p class="note" role="note">{tr(i18n, |l| td_string!(l, parent.attendance_note))}</p>
                    }.into_any()
                }
            }}
        </PageShell>
    }
}
