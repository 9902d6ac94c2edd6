//! «系統設定» (operators): fees and deadlines, card types, and the consent notice's
//! versions. Each form first shows its changes («預覽變更»: before → after, or the
//! notice as parents will read it), then writes them with «確認儲存» / «確認發布».

use super::*;
use crate::school::system_settings::{
    CardTypeInput, CardTypeRow, ConsentInput, SettingChange, SettingEntry, SettingsInput,
    SystemSettings, load_system_settings, publish_consent, save_card_type, save_settings,
};

fn setting_label(locale: Locale, key: &str) -> &'static str {
    match key {
        "fee.loss" => td_string!(locale, admin.s_fee_loss),
        "fee.remittance" => td_string!(locale, admin.s_fee_remittance),
        "fee.cheque_postage" => td_string!(locale, admin.s_fee_cheque_postage),
        "payment.deadline_days" => td_string!(locale, admin.s_deadline_days),
        "payment.grace_days" => td_string!(locale, admin.s_grace_days),
        "loss.liability_hours" => td_string!(locale, admin.s_liability_hours),
        "verification.window_minutes" => td_string!(locale, admin.s_window_minutes),
        "code" => td_string!(locale, admin.ct_code),
        "level" => td_string!(locale, admin.ct_level),
        "name_zh" => td_string!(locale, admin.ct_name_zh),
        "name_en" => td_string!(locale, admin.ct_name_en),
        "fee" => td_string!(locale, admin.ct_fee),
        _ => td_string!(locale, admin.s_unknown),
    }
}

fn settings_error(locale: Locale, field: &str, code: &str) -> &'static str {
    let numeric = field.contains('.') || field == "fee";
    match code {
        "required" if numeric => td_string!(locale, admin.err_value_required),
        "required" => td_string!(locale, admin.err_required),
        "number" => td_string!(locale, admin.err_value_number),
        "range" => td_string!(locale, admin.err_value_range),
        "too_long" => td_string!(locale, admin.err_text_too_long),
        "format" => td_string!(locale, admin.err_text_format),
        "taken" => td_string!(locale, admin.err_taken),
        _ => td_string!(locale, admin.err_text_format),
    }
}

fn level_value_text(locale: Locale, level: &str) -> String {
    match level {
        "primary" | "junior" | "senior" => super::level_text(locale, level).to_string(),
        other => other.to_owned(),
    }
}

/// The before → after table of a preview, with «確認儲存» and «取消».
fn changes_panel(
    i18n: I18n,
    id: &'static str,
    changes: Vec<SettingChange>,
    confirm_label: fn(Locale) -> &'static str,
    on_confirm: impl Fn() + Send + Sync + 'static + Copy,
    on_cancel: impl Fn() + Send + Sync + 'static + Copy,
) -> impl IntoView {
    if changes.is_empty() {
        return view! {
            <p class="notice" role="status">{tr(i18n, |l| td_string!(l, admin.no_changes))}</p>
        }
        .into_any();
    }
    view! {
        <section class="preview-panel" aria-labelledby=id role="region">
            <h3 id=id tabindex="-1">{tr(i18n, |l| td_string!(l, admin.preview_title))}</h3>
            <table class="queue-table">
                <thead><tr>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.item))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.before))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.after))}</th>
                </tr></thead>
                <tbody>{changes.into_iter().map(|c| {
                    let key = c.key.clone();
                    let level = key == "level";
                    let (before, after) = (c.before.clone(), c.after.clone());
                    view! {
                        <tr>
                            <th scope="row">{move || setting_label(i18n.get_locale(), &key)}</th>
                            <td>{move || if before.is_empty() { "—".to_owned() } else if level { level_value_text(i18n.get_locale(), &before) } else { before.clone() }}</td>
                            <td>{move || if level { level_value_text(i18n.get_locale(), &after) } else { after.clone() }}</td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
            <div class="actions">
                <button type="button" class="button button--primary" on:click=move |_| on_confirm()>{tr(i18n, confirm_label)}</button>
                <button type="button" class="button button--secondary" on:click=move |_| on_cancel()>{tr(i18n, |l| td_string!(l, admin.cancel))}</button>
            </div>
        </section>
    }
    .into_any()
}

/// Moves focus to the preview heading once it is drawn, so it is announced.
pub(super) fn focus_later(id: &'static str) {
    #[cfg(feature = "csr")]
    {
        leptos::prelude::request_animation_frame(move || {
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        });
    }
    #[cfg(not(feature = "csr"))]
    let _ = id;
}

/// Fees and deadlines.
fn values_form(
    i18n: I18n,
    data: SystemSettings,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let fields: Vec<(String, RwSignal<String>, i64, i64)> = data
        .values
        .iter()
        .map(|v| {
            (
                v.key.clone(),
                RwSignal::new(v.value.to_string()),
                v.min,
                v.max,
            )
        })
        .collect();
    let fields = StoredValue::new(fields);
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Vec<SettingChange>>);
    let send =
        move |confirm: bool| {
            errors.set(FieldErrors::new());
            alert.set(None);
            notice.set(None);
            let values = fields.with_value(|f| {
                f.iter()
                    .map(|(k, v, ..)| SettingEntry {
                        key: k.clone(),
                        value: v.get_untracked(),
                    })
                    .collect()
            });
            spawn_local(async move {
                match save_settings(SettingsInput { values, confirm }).await {
                    Ok(changes) if confirm => {
                        preview.set(None);
                        notice.set((!changes.is_empty()).then(|| {
                            td_string!(i18n.get_locale_untracked(), admin.saved).to_string()
                        }));
                        reload();
                    }
                    Ok(changes) => {
                        preview.set(Some(changes));
                        focus_later("values-preview");
                    }
                    Err(AppError::Validation(e)) => errors.set(e),
                    Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
                }
            });
        };
    view! {
        <section aria-labelledby="values-title" class="staff-section">
            <h2 id="values-title">{tr(i18n, |l| td_string!(l, admin.values_title))}</h2>
            <FormAlert message=alert />
            <form class="staff-form settings-grid" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send(false);
            }>
                {fields.with_value(|f| f.iter().map(|(key, value, min, max)| {
                    let key = key.clone();
                    let id = format!("setting-{}", key.replace('.', "-"));
                    let error_id = format!("{id}-error");
                    let hint_id = format!("{id}-hint");
                    let value = *value;
                    let (k1, k2) = (key.clone(), key.clone());
                    let error = Signal::derive(move || {
                        errors.with(|e| e.get(&k1).map(|c| settings_error(i18n.get_locale(), &k1, c).to_string()))
                    });
                    let (min, max) = (*min, *max);
                    view! {
                        <div class="field" class:field--error=move || error.with(Option::is_some)>
                            <label class="field__label" for=id.clone()>{move || setting_label(i18n.get_locale(), &k2)}</label>
                            <p class="field__hint" id=hint_id.clone()>{move || td_string!(i18n.get_locale(), admin.range_hint, min = min, max = max).to_string()}</p>
                            <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
                            <input id=id class="input input--short" inputmode="numeric" maxlength="9"
                                aria-describedby=format!("{hint_id} {error_id}")
                                aria-invalid=move || error.with(Option::is_some).then_some("true")
                                prop:value=move || value.get()
                                on:input=move |ev| value.set(event_target_value(&ev)) />
                        </div>
                    }
                }).collect_view())}
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, admin.preview))}</button>
                </div>
            </form>
            {move || preview.get().map(|changes| changes_panel(i18n, "values-preview", changes,
                |l| td_string!(l, admin.confirm_save), move || send(true), move || preview.set(None)))}
        </section>
    }
}

/// Card types: the list with «編輯», and the add / edit form.
fn card_types_section(
    i18n: I18n,
    rows: Vec<CardTypeRow>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(None::<i32>);
    let code = RwSignal::new(String::new());
    let level = RwSignal::new("primary".to_owned());
    let name_zh = RwSignal::new(String::new());
    let name_en = RwSignal::new(String::new());
    let fee = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let preview = RwSignal::new(None::<Vec<SettingChange>>);
    let reset = move || {
        editing.set(None);
        code.set(String::new());
        level.set("primary".into());
        name_zh.set(String::new());
        name_en.set(String::new());
        fee.set(String::new());
        preview.set(None);
        errors.set(FieldErrors::new());
    };
    let send =
        move |confirm: bool| {
            errors.set(FieldErrors::new());
            alert.set(None);
            notice.set(None);
            let input = CardTypeInput {
                id: editing.get_untracked(),
                code: code.get_untracked(),
                level: level.get_untracked(),
                name_zh: name_zh.get_untracked(),
                name_en: name_en.get_untracked(),
                fee: fee.get_untracked(),
                confirm,
            };
            spawn_local(async move {
                match save_card_type(input).await {
                    Ok(changes) if confirm => {
                        reset();
                        notice.set((!changes.is_empty()).then(|| {
                            td_string!(i18n.get_locale_untracked(), admin.saved).to_string()
                        }));
                        reload();
                    }
                    Ok(changes) => {
                        preview.set(Some(changes));
                        focus_later("card-preview");
                    }
                    Err(AppError::Validation(e)) => errors.set(e),
                    Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
                }
            });
        };
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.get(field)
                    .map(|c| settings_error(i18n.get_locale(), field, c).to_string())
            })
        })
    };
    let level_error = field_error("level");
    view! {
        <section aria-labelledby="cards-title" class="staff-section">
            <h2 id="cards-title">{tr(i18n, |l| td_string!(l, admin.cards_title))}</h2>
            <FormAlert message=alert />
            <table class="queue-table">
                <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.cards_title))}</caption>
                <thead><tr>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.ct_code))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.ct_level))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.ct_name_zh))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.ct_name_en))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.ct_fee))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.actions))}</th>
                </tr></thead>
                <tbody>{rows.into_iter().map(|r| {
                    let row = r.clone();
                    let lvl = r.level.clone();
                    let c = r.code.clone();
                    view! {
                        <tr>
                            <td class="mono">{r.code.clone()}</td>
                            <td>{move || level_value_text(i18n.get_locale(), &lvl)}</td>
                            <td>{r.name_zh.clone()}</td>
                            <td>{r.name_en.clone()}</td>
                            <td>{format!("NT$ {}", r.fee)}</td>
                            <td class="row-actions">
                                <button type="button" class="button button--secondary"
                                    aria-label=move || td_string!(i18n.get_locale(), admin.edit_for, item = c.clone()).to_string()
                                    on:click=move |_| {
                                        editing.set(Some(row.id));
                                        code.set(row.code.clone());
                                        level.set(row.level.clone());
                                        name_zh.set(row.name_zh.clone());
                                        name_en.set(row.name_en.clone());
                                        fee.set(row.fee.to_string());
                                        preview.set(None);
                                        notice.set(None);
                                        focus_later("card-form-title");
                                    }>
                                    {tr(i18n, |l| td_string!(l, admin.edit))}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}</tbody>
            </table>
            <h3 id="card-form-title" tabindex="-1">{move || match editing.get() {
                Some(_) => td_string!(i18n.get_locale(), admin.card_edit_title, item = code.get()).to_string(),
                None => td_string!(i18n.get_locale(), admin.card_add_title).to_string(),
            }}</h3>
            <form class="staff-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send(false);
            }>
                {move || editing.get().is_none().then(|| view! {
                    <crate::ui::TextField id="card-code" label=|l| td_string!(l, admin.ct_code)
                        hint=|l| td_string!(l, admin.ct_code_hint)
                        value=code on_input=Callback::new(move |v| code.set(v))
                        error=field_error("code") maxlength=30 />
                })}
                <div class="field" class:field--error=move || level_error.with(Option::is_some)>
                    <label class="field__label" for="card-level">{tr(i18n, |l| td_string!(l, admin.ct_level))}</label>
                    <p class="field__error" id="card-level-error">{move || level_error.get()}</p>
                    <select id="card-level" class="input" aria-describedby="card-level-error"
                        on:change=move |ev| level.set(event_target_value(&ev))>
                        {["primary", "junior", "senior"].into_iter().map(|v| view! {
                            <option value=v selected=move || level.get() == v>{move || level_value_text(i18n.get_locale(), v)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <crate::ui::TextField id="card-name-zh" label=|l| td_string!(l, admin.ct_name_zh)
                    value=name_zh on_input=Callback::new(move |v| name_zh.set(v))
                    error=field_error("name_zh") maxlength=40 />
                <crate::ui::TextField id="card-name-en" label=|l| td_string!(l, admin.ct_name_en)
                    value=name_en on_input=Callback::new(move |v| name_en.set(v))
                    error=field_error("name_en") maxlength=40 />
                <crate::ui::TextField id="card-fee" label=|l| td_string!(l, admin.ct_fee)
                    hint=|l| td_string!(l, admin.ct_fee_hint)
                    value=fee on_input=Callback::new(move |v| fee.set(v))
                    error=field_error("fee") maxlength=6 inputmode="numeric" />
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, admin.preview))}</button>
                    {move || editing.get().is_some().then(|| view! {
                        <button type="button" class="button button--secondary" on:click=move |_| reset()>{tr(i18n, |l| td_string!(l, admin.cancel))}</button>
                    })}
                </div>
            </form>
            {move || preview.get().map(|changes| changes_panel(i18n, "card-preview", changes,
                |l| td_string!(l, admin.confirm_save), move || send(true), move || preview.set(None)))}
        </section>
    }
}

/// The consent notice: its versions and «發布新版本».
fn consent_section(
    i18n: I18n,
    data: SystemSettings,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let current = data.consent_versions.iter().find(|v| v.current).cloned();
    let version = RwSignal::new(String::new());
    let body_zh = RwSignal::new(
        current
            .as_ref()
            .map(|c| c.body_zh.clone())
            .unwrap_or_default(),
    );
    let body_en = RwSignal::new(String::new());
    let body_vi = RwSignal::new(String::new());
    let body_id = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let previewing = RwSignal::new(false);
    let send = move |confirm: bool| {
        errors.set(FieldErrors::new());
        alert.set(None);
        notice.set(None);
        let input = ConsentInput {
            version: version.get_untracked(),
            body_zh: body_zh.get_untracked(),
            body_en: body_en.get_untracked(),
            body_vi: body_vi.get_untracked(),
            body_id: body_id.get_untracked(),
            confirm,
        };
        let v = input.version.trim().to_owned();
        spawn_local(async move {
            match publish_consent(input).await {
                Ok(()) if confirm => {
                    previewing.set(false);
                    notice.set(Some(
                        td_string!(i18n.get_locale_untracked(), admin.published, version = v)
                            .to_string(),
                    ));
                    reload();
                }
                Ok(()) => {
                    previewing.set(true);
                    focus_later("consent-preview");
                }
                Err(AppError::Validation(e)) => {
                    previewing.set(false);
                    errors.set(e);
                }
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.get(field)
                    .map(|c| settings_error(i18n.get_locale(), field, c).to_string())
            })
        })
    };
    let area = move |id: &'static str,
                     label: fn(Locale) -> &'static str,
                     value: RwSignal<String>,
                     field: &'static str,
                     optional: bool| {
        let error = field_error(field);
        let error_id = format!("{id}-error");
        view! {
            <div class="field" class:field--error=move || error.with(Option::is_some)>
                <label class="field__label" for=id>{tr(i18n, label)}</label>
                <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
                <textarea id=id class="input textarea" rows="8" aria-describedby=error_id required=!optional
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:value=move || value.get()
                    on:input=move |ev| { value.set(event_target_value(&ev)); previewing.set(false); }></textarea>
            </div>
        }
    };
    let clauses = |text: String| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    view! {
        <section aria-labelledby="consent-title" class="staff-section">
            <h2 id="consent-title">{tr(i18n, |l| td_string!(l, admin.consent_title))}</h2>
            <FormAlert message=alert />
            <table class="queue-table">
                <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, admin.consent_title))}</caption>
                <thead><tr>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.consent_version))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.consent_published))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, admin.status))}</th>
                </tr></thead>
                <tbody>{data.consent_versions.iter().map(|v| view! {
                    <tr>
                        <td class="mono">{v.version.clone()}</td>
                        <td>{taiwan_date_time(v.published_at)}</td>
                        <td>{v.current.then(|| view! {
                            <crate::ui::StatusChip text=Signal::derive(move || td_string!(i18n.get_locale(), admin.consent_current).to_string()) tone="ok" />
                        })}</td>
                    </tr>
                }).collect_view()}</tbody>
            </table>
            <h3>{tr(i18n, |l| td_string!(l, admin.consent_new))}</h3>
            <p class="hint">{tr(i18n, |l| td_string!(l, admin.consent_hint))}</p>
            <form class="staff-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                send(false);
            }>
                <crate::ui::TextField id="consent-version" label=|l| td_string!(l, admin.consent_version)
                    hint=|l| td_string!(l, admin.consent_version_hint)
                    value=version on_input=Callback::new(move |v| { version.set(v); previewing.set(false); })
                    error=field_error("version") maxlength=30 />
                {area("consent-zh", |l| td_string!(l, admin.consent_zh), body_zh, "body_zh", false)}
                {area("consent-en", |l| td_string!(l, admin.consent_en), body_en, "body_en", false)}
                {area("consent-vi", |l| td_string!(l, admin.consent_vi), body_vi, "body_vi", true)}
                {area("consent-id", |l| td_string!(l, admin.consent_id), body_id, "body_id", true)}
                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, admin.consent_preview))}</button>
                </div>
            </form>
            {move || previewing.get().then(|| view! {
                <section class="preview-panel" aria-labelledby="consent-preview" role="region">
                    <h3 id="consent-preview" tabindex="-1">{move || td_string!(i18n.get_locale(), admin.consent_preview_title, version = version.get().trim().to_owned()).to_string()}</h3>
                    <div class="consent-preview">
                        <ol lang="zh-TW">{clauses(body_zh.get()).into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol>
                        <ol lang="en">{clauses(body_en.get()).into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ol>
                    </div>
                    <div class="actions">
                        <button type="button" class="button button--primary" on:click=move |_| send(true)>{tr(i18n, |l| td_string!(l, admin.consent_confirm))}</button>
                        <button type="button" class="button button--secondary" on:click=move |_| previewing.set(false)>{tr(i18n, |l| td_string!(l, admin.cancel))}</button>
                    </div>
                </section>
            })}
        </section>
    }
}

/// «系統設定» (operators; the server refuses everyone else).
#[component]
pub fn SystemSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), admin.settings_title).to_string());
    let data = RwSignal::new(None::<Result<SystemSettings, AppError>>);
    let notice = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            data.set(Some(load_system_settings().await));
        });
    };
    reload();
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, admin.settings_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, admin.settings_intro))}</p>
            <div aria-live="polite">{move || notice.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}</div>
            {move || match data.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(d)) => view! {
                    {values_form(i18n, d.clone(), reload, notice)}
                    {card_types_section(i18n, d.card_types.clone(), reload, notice)}
                    {consent_section(i18n, d, reload, notice)}
                }.into_any(),
            }}
        </StaffShell>
    }
}
