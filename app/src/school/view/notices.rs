//! «訊息發送服務»: a notice to the parents of a class (teachers: their own), a grade or
//! the whole school. «預覽» shows it as parents will see it with «將發送給 N 位家長，共 M
//! 個管道»; «確認發送» sends it once (the preview's token); then the delivery status per
//! parent and channel. Officers send within their school; operators pick one.

use super::readers::{is_operator, school_select};
use super::system_settings::focus_later;
use super::*;
use crate::school::notice::{
    DeliveryState, NoticeAudience, NoticeDraft, NoticePreview, NoticeRow, NoticeStatus,
    NoticeTargets,
};
use crate::school::notice_api::{
    load_notice_status, load_notice_targets, load_notices, preview_notice, send_notice,
};

fn notice_error(locale: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("school", "unknown") => td_string!(locale, notice.err_school_unknown),
        ("school", _) => td_string!(locale, notice.err_school_required),
        ("class_name", "unknown") => td_string!(locale, notice.err_class_unknown),
        ("class_name", _) => td_string!(locale, notice.err_class_required),
        ("level", "unknown") => td_string!(locale, notice.err_level_unknown),
        ("level", _) => td_string!(locale, notice.err_level_required),
        ("title", "required") => td_string!(locale, notice.err_title_required),
        ("title", "too_long") => td_string!(locale, notice.err_title_too_long),
        ("title", _) => td_string!(locale, notice.err_title_format),
        ("body", "required") => td_string!(locale, notice.err_body_required),
        ("body", "too_long") => td_string!(locale, notice.err_body_too_long),
        _ => td_string!(locale, notice.err_body_format),
    }
}

/// «501 班», «5 年級» or «全校».
fn audience_text(locale: Locale, class_name: Option<&str>, level: Option<&str>) -> String {
    match (class_name, level) {
        (Some(c), _) => td_string!(locale, notice.audience_class_of, class = c).to_string(),
        (None, Some(l)) => td_string!(locale, notice.audience_level_of, level = l).to_string(),
        (None, None) => td_string!(locale, notice.audience_school).to_string(),
    }
}

fn state_chip(i18n: I18n, state: DeliveryState) -> impl IntoView {
    let tone = match state {
        DeliveryState::Queued => "warn",
        DeliveryState::Sent => "ok",
        DeliveryState::Failed => "stop",
    };
    let text = Signal::derive(move || {
        let l = i18n.get_locale();
        match state {
            DeliveryState::Queued => td_string!(l, notice.state_queued),
            DeliveryState::Sent => td_string!(l, notice.state_sent),
            DeliveryState::Failed => td_string!(l, notice.state_failed),
        }
        .to_string()
    });
    view! { <crate::ui::StatusChip text=text tone=tone /> }
}

/// A select of the school's classes or grades, with its error next to it.
fn target_select(
    i18n: I18n,
    id: &'static str,
    label: fn(Locale) -> &'static str,
    placeholder: fn(Locale) -> &'static str,
    options: Signal<Vec<(String, String)>>,
    chosen: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(i18n, label)}</label>
            <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
            <select id=id class="input input--short" aria-describedby=error_id
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="" selected=move || chosen.with(String::is_empty)>{tr(i18n, placeholder)}</option>
                {move || options.get().into_iter().map(|(value, text)| {
                    let v = value.clone();
                    view! { <option value=value selected=move || chosen.with(|c| *c == v)>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// The preview: the notice as parents see it, the count, «確認發送» and «修改».
fn preview_panel(
    i18n: I18n,
    p: NoticePreview,
    sending: RwSignal<bool>,
    confirm: impl Fn() + Copy + 'static,
    edit: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let (school, class_name, level) =
        (p.school_name.clone(), p.class_name.clone(), p.level.clone());
    let to = move || {
        let l = i18n.get_locale();
        let audience = audience_text(l, class_name.as_deref(), level.as_deref());
        td_string!(
            l,
            notice.preview_audience,
            school = school.clone(),
            audience = audience
        )
        .to_string()
    };
    let (parents, channels) = (p.parents, p.channels);
    let count = move || {
        td_string!(
            i18n.get_locale(),
            notice.preview_count,
            parents = parents,
            channels = channels
        )
        .to_string()
    };
    view! {
        <section class="preview-panel" role="region" aria-labelledby="notice-preview">
            <h3 id="notice-preview" tabindex="-1">{tr(i18n, |l| td_string!(l, notice.preview_title))}</h3>
            <p>{to}</p>
            <div class="notice-preview">
                <h4>{p.title.clone()}</h4>
                <p class="notice-preview__body">{p.body.clone()}</p>
            </div>
            <p class="notice-count" role="status">{count}</p>
            <div class="actions">
                <button type="button" class="button button--primary" disabled=move || sending.get()
                    on:click=move |_| confirm()>{tr(i18n, |l| td_string!(l, notice.confirm))}</button>
                <button type="button" class="button button--secondary" on:click=move |_| edit()>
                    {tr(i18n, |l| td_string!(l, notice.edit))}</button>
            </div>
        </section>
    }
}

/// The notices sent, with «發送狀態» per row.
fn notice_table(
    i18n: I18n,
    rows: Vec<NoticeRow>,
    operator: Signal<bool>,
    show: impl Fn(i32) + Copy + 'static,
) -> impl IntoView {
    view! {
        <table class="queue-table">
            <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, notice.list_title))}</caption>
            <thead><tr>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_date))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_title))}</th>
                {move || operator.get().then(|| view! { <th scope="col">{tr(i18n, |l| td_string!(l, notice.school))}</th> })}
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_audience))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_sender))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_parents))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_delivery))}</th>
                <th scope="col">{tr(i18n, |l| td_string!(l, notice.actions))}</th>
            </tr></thead>
            <tbody>{rows.into_iter().map(|r| {
                let (id, title) = (r.id, r.title.clone());
                let (class_name, level) = (r.class_name.clone(), r.level.clone());
                let school_name = r.school_name.clone();
                let (sent, queued, failed) = (r.sent, r.queued, r.failed);
                view! {
                    <tr>
                        <td>{taiwan_date_time(r.created_at)}</td>
                        <td>{r.title.clone()}</td>
                        {move || operator.get().then(|| view! { <td>{school_name.clone()}</td> })}
                        <td>{move || audience_text(i18n.get_locale(), class_name.as_deref(), level.as_deref())}</td>
                        <td>{r.sent_by.clone()}</td>
                        <td>{r.parents}</td>
                        <td>{move || td_string!(i18n.get_locale(), notice.delivery_summary, sent = sent, queued = queued, failed = failed).to_string()}</td>
                        <td class="row-actions">
                            <button type="button" class="button button--secondary"
                                aria-label=move || td_string!(i18n.get_locale(), notice.status_for, title = title.clone()).to_string()
                                on:click=move |_| show(id)>
                                {tr(i18n, |l| td_string!(l, notice.status_button))}
                            </button>
                        </td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}

/// One notice's delivery status: per parent, a cell per channel.
fn status_panel(
    i18n: I18n,
    s: NoticeStatus,
    refresh: impl Fn(i32) + Copy + 'static,
) -> impl IntoView {
    let id = s.notice.id;
    let title = s.notice.title.clone();
    let heading = move || {
        td_string!(
            i18n.get_locale(),
            notice.status_title,
            title = title.clone()
        )
        .to_string()
    };
    let caption = heading.clone();
    let (class_name, level) = (s.notice.class_name.clone(), s.notice.level.clone());
    let school = s.notice.school_name.clone();
    let at = taiwan_date_time(s.notice.created_at);
    let about = move || {
        let l = i18n.get_locale();
        let audience = audience_text(l, class_name.as_deref(), level.as_deref());
        format!(
            "{} {at}",
            td_string!(
                l,
                notice.preview_audience,
                school = school.clone(),
                audience = audience
            )
        )
    };
    let cell =
        move |channels: &[crate::school::notice::ChannelDelivery], channel: &str| match channels
            .iter()
            .find(|c| c.channel == channel)
        {
            Some(c) => state_chip(i18n, c.state).into_any(),
            None => "\u{2014}".into_any(),
        };
    view! {
        <section class="staff-section" aria-labelledby="notice-status-title">
            <h2 id="notice-status-title" tabindex="-1">{heading}</h2>
            <p class="hint">{about}</p>
            <div class="notice-preview"><p class="notice-preview__body">{s.body.clone()}</p></div>
            <div class="actions actions--inline">
                <button type="button" class="button button--secondary" on:click=move |_| refresh(id)>
                    {tr(i18n, |l| td_string!(l, notice.refresh))}</button>
            </div>
            {if s.parents.is_empty() {
                view! { <p class="empty">{tr(i18n, |l| td_string!(l, notice.no_parents))}</p> }.into_any()
            } else {
                view! {
                    <table class="queue-table">
                        <caption class="visually-hidden">{caption}</caption>
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_parent))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, notice.col_children))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, notice.ch_email))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, notice.ch_sms))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, notice.ch_line))}</th>
                        </tr></thead>
                        <tbody>{s.parents.into_iter().map(|p| view! {
                            <tr>
                                <th scope="row">{p.parent_name.clone()}
                                    {p.channels.is_empty().then(|| view! {
                                        <span class="cell-note">{tr(i18n, |l| td_string!(l, notice.no_channel))}</span>
                                    })}
                                </th>
                                <td>{p.children.join(", ")}</td>
                                <td>{cell(&p.channels, "email")}</td>
                                <td>{cell(&p.channels, "sms")}</td>
                                <td>{cell(&p.channels, "line")}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// «訊息發送服務» (teachers, officers and operators; the server keeps each to their scope).
#[component]
pub fn NoticesPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), notice.title).to_string());
    let operator = is_operator();
    let school = RwSignal::new(String::new());
    let targets = RwSignal::new(None::<Result<NoticeTargets, AppError>>);
    let notices = RwSignal::new(None::<Result<Vec<NoticeRow>, AppError>>);
    let status = RwSignal::new(None::<Result<NoticeStatus, AppError>>);
    let audience = RwSignal::new(NoticeAudience::Class);
    let class_name = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<NoticePreview>);
    let sending = RwSignal::new(false);

    let load_targets = move || {
        let code = school.get_untracked();
        spawn_local(async move {
            let code = (!code.is_empty()).then_some(code);
            targets.set(Some(load_notice_targets(code).await));
        });
    };
    let reload_list = move || spawn_local(async move { notices.set(Some(load_notices().await)) });
    load_targets();
    reload_list();
    Effect::new(move |prev: Option<()>| {
        school.track();
        if prev.is_some() {
            class_name.set(String::new());
            level.set(String::new());
            preview.set(None);
            load_targets();
        }
    });
    let show_status = move |id: i32| {
        spawn_local(async move {
            status.set(Some(load_notice_status(id).await));
            focus_later("notice-status-title");
        });
    };
    let refresh_status = move |id: i32| {
        spawn_local(async move {
            status.set(Some(load_notice_status(id).await));
            reload_list();
        });
    };
    let own_class = Signal::derive(move || {
        targets.with(|t| {
            t.as_ref()
                .and_then(|t| t.as_ref().ok())
                .and_then(|t| t.own_class.clone())
        })
    });
    let options = move |levels: bool| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            targets.with(|t| match t {
                Some(Ok(t)) if levels => t
                    .levels
                    .iter()
                    .map(|l| (l.clone(), audience_text(locale, None, Some(l))))
                    .collect(),
                Some(Ok(t)) => t.classes.iter().map(|c| (c.clone(), c.clone())).collect(),
                _ => Vec::new(),
            })
        })
    };
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field)
                    .map(|c| notice_error(locale, field, c).to_string())
            })
        })
    };
    let draft = move || {
        let code = school.get_untracked();
        NoticeDraft {
            school_code: (!code.is_empty()).then_some(code),
            audience: audience.get_untracked(),
            class_name: class_name.get_untracked(),
            level: level.get_untracked(),
            title: title.get_untracked(),
            body: body.get_untracked(),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        done.set(None);
        preview.set(None);
        let d = draft();
        spawn_local(async move {
            match preview_notice(d).await {
                Ok(p) => {
                    preview.set(Some(p));
                    focus_later("notice-preview");
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let confirm = move || {
        let Some(p) = preview.get_untracked() else {
            return;
        };
        if sending.get_untracked() {
            return;
        }
        sending.set(true);
        let (d, sent_title) = (draft(), p.title.clone());
        spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            match send_notice(d, p.token).await {
                Ok(sent) => {
                    preview.set(None);
                    title.set(String::new());
                    body.set(String::new());
                    done.set(Some(
                        td_string!(
                            locale,
                            notice.sent_done,
                            title = sent_title,
                            parents = sent.parents,
                            channels = sent.channels
                        )
                        .to_string(),
                    ));
                    reload_list();
                    show_status(sent.notice_id);
                }
                Err(AppError::Validation(e)) if e.contains_key("token") => {
                    preview.set(None);
                    alert.set(Some(td_string!(locale, notice.err_token).to_string()));
                }
                Err(AppError::Validation(e)) => {
                    preview.set(None);
                    errors.set(e);
                }
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            sending.set(false);
        });
    };
    let edit = move || {
        preview.set(None);
        focus_later("notice-title");
    };
    let changed = move || preview.set(None);
    let body_error = field_error("body");
    let radio = move |value: NoticeAudience, label: fn(Locale) -> &'static str| {
        view! {
            <label class="radio"><input type="radio" name="notice-audience"
                prop:checked=move || audience.get() == value
                on:change=move |_| { audience.set(value); changed(); } />" "{tr(i18n, label)}</label>
        }
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, notice.title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, notice.intro))}</p>
            <div aria-live="polite">{move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}</div>
            <FormAlert message=alert />
            <form class="staff-form" on:submit=submit novalidate>
                {move || operator.get().then(|| school_select(i18n, "notice-school",
                    |l| td_string!(l, notice.school), |l| td_string!(l, notice.choose_school), school,
                    field_error("school")))}
                {move || match own_class.get() {
                    Some(c) => view! {
                        <p class="field"><span class="field__label">{tr(i18n, |l| td_string!(l, notice.audience))}</span>" "
                            {move || td_string!(i18n.get_locale(), notice.audience_own, class = c.clone()).to_string()}</p>
                    }.into_any(),
                    None => view! {
                        <fieldset class="field">
                            <legend class="field__label">{tr(i18n, |l| td_string!(l, notice.audience))}</legend>
                            <div class="notice-audience">
                                {radio(NoticeAudience::School, |l| td_string!(l, notice.audience_school))}
                                {radio(NoticeAudience::Level, |l| td_string!(l, notice.audience_level))}
                                {radio(NoticeAudience::Class, |l| td_string!(l, notice.audience_class))}
                            </div>
                        </fieldset>
                        {move || (audience.get() == NoticeAudience::Level).then(|| target_select(i18n, "notice-level",
                            |l| td_string!(l, notice.audience_level), |l| td_string!(l, notice.choose_level),
                            options(true), level, field_error("level")))}
                        {move || (audience.get() == NoticeAudience::Class).then(|| target_select(i18n, "notice-class",
                            |l| td_string!(l, notice.audience_class), |l| td_string!(l, notice.choose_class),
                            options(false), class_name, field_error("class_name")))}
                    }.into_any(),
                }}
                <crate::ui::TextField id="notice-title" label=|l| td_string!(l, notice.field_title)
                    hint=|l| td_string!(l, notice.title_hint)
                    value=title on_input=Callback::new(move |v| { title.set(v); changed(); })
                    error=field_error("title") maxlength=60 />
                <div class="field" class:field--error=move || body_error.with(Option::is_some)>
                    <label class="field__label" for="notice-body">{tr(i18n, |l| td_string!(l, notice.field_body))}</label>
                    <p class="field__hint" id="notice-body-hint">{tr(i18n, |l| td_string!(l, notice.body_hint))}</p>
                    <p class="field__error" id="notice-body-error">{move || body_error.get()}</p>
                    <textarea id="notice-body" class="input textarea" rows="8" maxlength="1000" required
                        aria-describedby="notice-body-hint notice-body-error"
                        aria-invalid=move || body_error.with(Option::is_some).then_some("true")
                        prop:value=move || body.get()
                        on:input=move |ev| { body.set(event_target_value(&ev)); changed(); }></textarea>
                </div>
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, notice.preview))}</button>
                </div>
            </form>
            {move || preview.get().map(|p| preview_panel(i18n, p, sending, confirm, edit))}
            {move || match status.get() {
                Some(Ok(s)) => status_panel(i18n, s, refresh_status).into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                None => ().into_any(),
            }}
            <section class="staff-section" aria-labelledby="notice-list-title">
                <h2 id="notice-list-title">{tr(i18n, |l| td_string!(l, notice.list_title))}</h2>
                {move || match notices.get() {
                    None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                    Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                    Some(Ok(rows)) if rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, notice.none))}</p> }.into_any(),
                    Some(Ok(rows)) => notice_table(i18n, rows, operator, show_status).into_any(),
                }}
            </section>
        </StaffShell>
    }
}
