//! «讀卡機管理»: a school's gate readers with «最後連線», «新增讀卡機» (the API key
//! shown once), «更換金鑰» and «停用». Officers see their school; operators pick one.

use super::*;
use crate::school::gate_api::{add_reader, load_readers, revoke_reader, rotate_reader_key};
use crate::school::{NewReaderInput, ReaderKey, ReaderRow};

/// Whether the logged-in staff member is an operator (they pick the school).
pub(super) fn is_operator() -> Signal<bool> {
    let state = StaffState::use_state();
    Signal::derive(move || {
        state
            .me
            .with(|m| matches!(m, Some(Ok(me)) if me.role == "operator"))
    })
}

/// The operators' school select: `""` is «全部學校», else a school code.
pub(super) fn school_select(
    i18n: I18n,
    id: &'static str,
    label: fn(Locale) -> &'static str,
    all: fn(Locale) -> &'static str,
    chosen: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let schools = RwSignal::new(Vec::<SchoolOption>::new());
    spawn_local(async move {
        if let Ok(list) = load_schools().await {
            schools.set(list);
        }
    });
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=move || error.with(Option::is_some)>
            <label class="field__label" for=id>{tr(i18n, label)}</label>
            <p class="field__error" id=error_id.clone()>{move || error.get()}</p>
            <select id=id class="input" aria-describedby=error_id
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="" selected=move || chosen.with(String::is_empty)>{tr(i18n, all)}</option>
                {move || schools.get().into_iter().map(|s| {
                    let code = s.code.clone();
                    let (name, note) = (s.name.clone(), s.code.clone());
                    let text = move || with_note(i18n.get_locale(), &name, &note);
                    view! { <option value=s.code.clone() selected=move || chosen.with(|c| *c == code)>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// Asks the browser's confirmation dialog; `true` on the server.
pub(super) fn confirmed(question: &str) -> bool {
    #[cfg(feature = "csr")]
    {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false)
    }
    #[cfg(not(feature = "csr"))]
    {
        let _ = question;
        true
    }
}

fn reader_error(locale: Locale, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("school", "unknown") => td_string!(locale, gate.err_school_unknown),
        ("school", _) => td_string!(locale, gate.err_school_required),
        ("reader_id", "required") => td_string!(locale, gate.r_err_id_required),
        ("reader_id", "taken") => td_string!(locale, gate.r_err_id_taken),
        ("reader_id", _) => td_string!(locale, gate.r_err_id_format),
        ("name", "required") => td_string!(locale, gate.err_name_required),
        ("name", "too_long") => td_string!(locale, gate.err_name_too_long),
        ("name", "taken") => td_string!(locale, gate.r_err_name_taken),
        _ => td_string!(locale, gate.err_name_format),
    }
}

/// The one-time key panel: the key in a read-only field to copy, and what to do now.
fn key_panel(i18n: I18n, key: ReaderKey) -> impl IntoView {
    let title = move || {
        td_string!(
            i18n.get_locale(),
            gate.r_key_title,
            reader = key.reader_code.clone()
        )
        .to_string()
    };
    view! {
        <section class="key-panel" aria-labelledby="key-title" role="status">
            <h2 id="key-title">{title}</h2>
            <label class="field__label" for="reader-key">{tr(i18n, |l| td_string!(l, gate.r_key_label))}</label>
            <input id="reader-key" class="input mono" readonly value=key.api_key
                on:focus=move |ev| {
                    #[cfg(feature = "csr")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "csr"))]
                    let _ = ev;
                } />
            <p class="hint">{tr(i18n, |l| td_string!(l, gate.r_key_hint))}</p>
        </section>
    }
}

/// «讀卡機管理» (officers and operators; the server refuses teachers).
#[component]
pub fn ReadersPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), gate.r_title).to_string());
    let operator = is_operator();
    let school = RwSignal::new(String::new());
    let readers = RwSignal::new(None::<Result<Vec<ReaderRow>, AppError>>);
    let reload = move || {
        let code = school.get_untracked();
        spawn_local(async move {
            let code = (!code.is_empty()).then_some(code);
            readers.set(Some(load_readers(code).await));
        });
    };
    reload();
    Effect::new(move |prev: Option<()>| {
        school.track();
        if prev.is_some() {
            reload();
        }
    });
    let name = RwSignal::new(String::new());
    let reader_id = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let alert = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let shown_key = RwSignal::new(None::<ReaderKey>);
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            let locale = i18n.get_locale();
            errors.with(|e| {
                e.get(field)
                    .map(|c| reader_error(locale, field, c).to_string())
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(FieldErrors::new());
        alert.set(None);
        done.set(None);
        shown_key.set(None);
        let code = school.get_untracked();
        let input = NewReaderInput {
            school_code: (!code.is_empty()).then_some(code),
            reader_id: reader_id.get_untracked(),
            name: name.get_untracked(),
        };
        spawn_local(async move {
            match add_reader(input).await {
                Ok(key) => {
                    name.set(String::new());
                    reader_id.set(String::new());
                    shown_key.set(Some(key));
                    reload();
                }
                Err(AppError::Validation(e)) => errors.set(e),
                Err(e) => alert.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let rotate = move |id: i32, code: String| {
        let locale = i18n.get_locale_untracked();
        if !confirmed(&td_string!(locale, gate.r_rotate_confirm, reader = code).to_string()) {
            return;
        }
        done.set(None);
        shown_key.set(None);
        spawn_local(async move {
            match rotate_reader_key(id).await {
                Ok(key) => shown_key.set(Some(key)),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            reload();
        });
    };
    let revoke = move |id: i32, code: String| {
        let locale = i18n.get_locale_untracked();
        if !confirmed(&td_string!(locale, gate.r_revoke_confirm, reader = code.clone()).to_string())
        {
            return;
        }
        done.set(None);
        shown_key.set(None);
        spawn_local(async move {
            match revoke_reader(id).await {
                Ok(()) => done.set(Some(
                    td_string!(locale, gate.r_revoked_done, reader = code).to_string(),
                )),
                Err(e) => alert.set(Some(form_error_text(locale, &e))),
            }
            reload();
        });
    };
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, gate.r_title))}</h1>
            <p class="lead">{tr(i18n, |l| td_string!(l, gate.r_intro))}</p>
            {move || operator.get().then(|| school_select(i18n, "reader-school",
                |l| td_string!(l, gate.school), |l| td_string!(l, gate.all_schools), school,
                field_error("school")))}
            {move || done.get().map(|m| view! { <p class="notice notice--ok" role="status">{m}</p> })}
            <FormAlert message=alert />
            {move || shown_key.get().map(|k| key_panel(i18n, k))}
            {move || match readers.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(rows)) if rows.is_empty() => view! { <p class="empty">{tr(i18n, |l| td_string!(l, gate.r_none))}</p> }.into_any(),
                Some(Ok(rows)) => view! {
                    <table class="queue-table">
                        <caption class="visually-hidden">{tr(i18n, |l| td_string!(l, gate.r_title))}</caption>
                        <thead><tr>
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.r_name))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.r_id))}</th>
                            {move || operator.get().then(|| view! { <th scope="col">{tr(i18n, |l| td_string!(l, gate.school))}</th> })}
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.r_created))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.r_last_seen))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.r_status))}</th>
                            <th scope="col">{tr(i18n, |l| td_string!(l, gate.actions))}</th>
                        </tr></thead>
                        <tbody>{rows.into_iter().map(|r| {
                            let active = r.revoked_at.is_none();
                            let (id, code, code2) = (r.id, r.reader_code.clone(), r.reader_code.clone());
                            let seen = r.last_seen_at.map(taiwan_date_time);
                            let school_name = r.school_name.clone();
                            view! {
                                <tr>
                                    <td>{r.name.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td class="mono">{r.reader_code.clone()}</td>
                                    {move || operator.get().then(|| view! { <td>{school_name.clone()}</td> })}
                                    <td>{taiwan_date_time(r.created_at)}</td>
                                    <td>{match seen.clone() {
                                        Some(s) => s.into_any(),
                                        None => tr(i18n, |l| td_string!(l, gate.r_never_seen)).into_any(),
                                    }}</td>
                                    <td>{if active {
                                        view! { <crate::ui::StatusChip text=Signal::derive(move || td_string!(i18n.get_locale(), gate.r_active).to_string()) tone="ok" /> }.into_any()
                                    } else {
                                        view! { <crate::ui::StatusChip text=Signal::derive(move || td_string!(i18n.get_locale(), gate.r_revoked).to_string()) tone="stop" /> }.into_any()
                                    }}</td>
                                    <td class="row-actions">{active.then(|| {
                                        let (c1, c2) = (code.clone(), code2.clone());
                                        view! {
                                            <button type="button" class="button button--secondary"
                                                aria-label=move || td_string!(i18n.get_locale(), gate.r_rotate_for, reader = c1.clone()).to_string()
                                                on:click=move |_| rotate(id, code.clone())>
                                                {tr(i18n, |l| td_string!(l, gate.r_rotate))}
                                            </button>
                                            <button type="button" class="button button--danger"
                                                aria-label=move || td_string!(i18n.get_locale(), gate.r_revoke_for, reader = c2.clone()).to_string()
                                                on:click=move |_| revoke(id, code2.clone())>
                                                {tr(i18n, |l| td_string!(l, gate.r_revoke))}
                                            </button>
                                        }
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}</tbody>
                    </table>
                }.into_any(),
            }}
            <section aria-labelledby="reader-add-title">
                <h2 id="reader-add-title">{tr(i18n, |l| td_string!(l, gate.r_add))}</h2>
                <form class="staff-form" on:submit=submit novalidate>
                    <crate::ui::TextField id="reader-name" label=|l| td_string!(l, gate.r_name)
                        hint=|l| td_string!(l, gate.r_name_hint)
                        value=name on_input=Callback::new(move |v| name.set(v))
                        error=field_error("name") maxlength=40 />
                    <crate::ui::TextField id="reader-id" label=|l| td_string!(l, gate.r_id)
                        hint=|l| td_string!(l, gate.r_id_hint)
                        value=reader_id on_input=Callback::new(move |v| reader_id.set(v))
                        error=field_error("reader_id") maxlength=60 />
                    <div class="actions">
                        <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, gate.r_add))}</button>
                    </div>
                </form>
            </section>
        </StaffShell>
    }
}
