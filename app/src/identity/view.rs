use crate::domain::dates::{parse_iso_date, roc_year};
use crate::domain::id_number::IdMethod;
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::tr;
use crate::ui::{ErrorSummary, FormAlert, PageShell, StepHeader, SummaryItem, form_error_text};
use crate::wizard::Wizard;
use crate::wizard::api::load_wizard_progress;
use crate::wizard::view::use_wizard_param;
use chrono::Datelike;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

use super::VerifyIdentityInput;
use super::api::{new_captcha, verify_identity};
pub use crate::wizard::view::IdentityDraft;

/// Step 2 «個人基本資料驗證».
#[component]
pub fn IdentityStep() -> impl IntoView {
    let wizard = use_wizard_param();
    view! {
        {move || match wizard.get() {
            Some(w) => view! { <IdentityForm wizard=w /> }.into_any(),
            None => view! { <crate::ui::NotFoundPage /> }.into_any(),
        }}
    }
}

fn id_error_text(locale: Locale, method: IdMethod, code: &str) -> &'static str {
    match (code, method) {
        ("required", IdMethod::National) => td_string!(locale, identity.err_id_required),
        ("required", IdMethod::Foreign) => td_string!(locale, identity.err_foreign_required),
        ("gender", _) => td_string!(locale, identity.err_id_gender),
        ("checksum", _) => td_string!(locale, identity.err_id_checksum),
        ("foreign_format", _) => td_string!(locale, identity.err_foreign_format),
        _ => td_string!(locale, identity.err_id_format),
    }
}

fn field_error_text(locale: Locale, method: IdMethod, field: &str, code: &str) -> &'static str {
    match (field, code) {
        ("id_no", c) => id_error_text(locale, method, c),
        ("birth_date", "required") => td_string!(locale, identity.err_birth_required),
        ("birth_date", _) => td_string!(locale, identity.err_birth_invalid),
        ("captcha", "required") => td_string!(locale, identity.err_captcha_required),
        _ => td_string!(locale, identity.err_captcha_wrong),
    }
}

#[component]
fn IdentityForm(wizard: Wizard) -> impl IntoView {
    let i18n = use_i18n();
    let draft = IdentityDraft::use_draft();
    let captcha_answer = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let captcha = RwSignal::new(None::<super::CaptchaChallenge>);
    let captcha_loading = RwSignal::new(false);

    // Resume: without consent for this wizard, go back to step 1.
    let navigate = use_navigate();
    spawn_local({
        let navigate = navigate.clone();
        async move {
            if let Ok(p) = load_wizard_progress(wizard).await
                && !p.consented
            {
                navigate(
                    &format!("/card/{}/consent", wizard.slug()),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
        }
    });

    let refresh_captcha = move || {
        captcha_loading.set(true);
        captcha_answer.set(String::new());
        spawn_local(async move {
            match new_captcha().await {
                Ok(c) => captcha.set(Some(c)),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            captcha_loading.set(false);
        });
    };
    refresh_captcha();

    let play_audio = move |_| {
        #[cfg(feature = "csr")]
        if let Some(c) = captcha.get_untracked()
            && let Ok(audio) = web_sys::HtmlAudioElement::new_with_src(&c.audio)
        {
            let _ = audio.play();
        }
    };

    let input = move || VerifyIdentityInput {
        wizard,
        method: draft.method.get_untracked(),
        id_no: draft.id_no.get_untracked(),
        birth_date: draft.birth_date.get_untracked(),
        captcha: captcha_answer.get_untracked(),
    };

    let check_id = move |_| {
        let e = input().field_errors();
        errors.update(|errs| match e.get("id_no") {
            Some(code) => {
                errs.insert("id_no".into(), code.clone());
            }
            None => {
                errs.remove("id_no");
            }
        });
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        form_error.set(None);
        let data = input();
        let local = data.field_errors();
        errors.set(local.clone());
        if !local.is_empty() {
            return;
        }
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match verify_identity(data).await {
                Ok(_) => {
                    captcha_answer.set(String::new());
                    navigate(&wizard.after_verification_path(), Default::default());
                }
                Err(AppError::Validation(f)) if !f.is_empty() => {
                    errors.set(f);
                    refresh_captcha();
                }
                Err(AppError::Unauthorized) => {
                    navigate(
                        &format!("/card/{}/consent", wizard.slug()),
                        Default::default(),
                    );
                }
                Err(e) => {
                    form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e)));
                    refresh_captcha();
                }
            }
            pending.set(false);
        });
    };

    let summary = Signal::derive(move || {
        let locale = i18n.get_locale();
        let method = draft.method.get();
        errors.with(|e| {
            ["id_no", "birth_date", "captcha"]
                .into_iter()
                .filter_map(|f| {
                    e.get(f).map(|code| SummaryItem {
                        field_id: match f {
                            "id_no" => "id-no",
                            "birth_date" => "birth-date",
                            _ => "captcha",
                        },
                        message: field_error_text(locale, method, f, code).to_string(),
                    })
                })
                .collect()
        })
    });
    let error_of = move |field: &'static str| {
        move || {
            errors.with(|e| {
                e.get(field).map(|code| {
                    field_error_text(i18n.get_locale(), draft.method.get(), field, code).to_string()
                })
            })
        }
    };
    let invalid =
        move |field: &'static str| move || errors.with(|e| e.contains_key(field)).then_some("true");
    let described = move |field: &'static str, hint: &'static str| {
        move || {
            if errors.with(|e| e.contains_key(field)) {
                format!("{hint} {field}-error")
            } else {
                hint.to_string()
            }
        }
    };

    let roc_text = move || {
        parse_iso_date(&draft.birth_date.get()).and_then(|d| {
            roc_year(d).map(|y| {
                td_string!(
                    i18n.get_locale(),
                    identity.roc_year,
                    year = y,
                    month = d.month(),
                    day = d.day()
                )
                .to_string()
            })
        })
    };
    let title = Signal::derive(move || td_string!(i18n.get_locale(), identity.title).to_string());
    let today = crate::domain::dates::iso_date(
        crate::domain::dates::taiwan_time(chrono::Utc::now()).date_naive(),
    );

    view! {
        <PageShell>
            <StepHeader step=2 total=wizard.total_steps() title=title back_href=format!("/card/{}/consent", wizard.slug()) />
            <p class="wizard-name">{move || crate::wizard::view::wizard_name(i18n.get_locale(), wizard)}</p>
            <p>{tr(i18n, |l| td_string!(l, identity.intro))}</p>
            <ErrorSummary items=summary />
            <FormAlert message=form_error />
            <form class="form" on:submit=submit novalidate=true>
                <fieldset class="field">
                    <legend class="field__label">{tr(i18n, |l| td_string!(l, identity.method))}</legend>
                    <div class="radios">
                        <label class="radio">
                            <input type="radio" name="method" value="national"
                                prop:checked=move || draft.method.get() == IdMethod::National
                                on:change=move |_| { draft.method.set(IdMethod::National); errors.update(|e| { e.remove("id_no"); }); } />
                            <span>{tr(i18n, |l| td_string!(l, identity.method_national))}</span>
                        </label>
                        <label class="radio">
                            <input type="radio" name="method" value="foreign"
                                prop:checked=move || draft.method.get() == IdMethod::Foreign
                                on:change=move |_| { draft.method.set(IdMethod::Foreign); errors.update(|e| { e.remove("id_no"); }); } />
                            <span>{tr(i18n, |l| td_string!(l, identity.method_foreign))}</span>
                        </label>
                    </div>
                </fieldset>

                <div class="field" class:field--error=move || errors.with(|e| e.contains_key("id_no"))>
                    <label class="field__label" for="id-no">
                        {move || if draft.method.get() == IdMethod::National {
                            td_string!(i18n.get_locale(), identity.id_national)
                        } else {
                            td_string!(i18n.get_locale(), identity.id_foreign)
                        }}
                    </label>
                    <p class="field__hint" id="id-no-hint">
                        {move || if draft.method.get() == IdMethod::National {
                            td_string!(i18n.get_locale(), identity.id_hint_national)
                        } else {
                            td_string!(i18n.get_locale(), identity.id_hint_foreign)
                        }}
                    </p>
                    <p class="field__error" id="id_no-error" aria-live="polite">{error_of("id_no")}</p>
                    <input id="id-no" name="id_no" type="text" class="input input--id" required
                        autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="20"
                        aria-invalid=invalid("id_no") aria-describedby=described("id_no", "id-no-hint")
                        prop:value=move || draft.id_no.get()
                        on:input=move |ev| draft.id_no.set(event_target_value(&ev))
                        on:blur=check_id />
                </div>

                <div class="field" class:field--error=move || errors.with(|e| e.contains_key("birth_date"))>
                    <label class="field__label" for="birth-date">{tr(i18n, |l| td_string!(l, identity.birth))}</label>
                    <p class="field__error" id="birth_date-error" aria-live="polite">{error_of("birth_date")}</p>
                    <input id="birth-date" name="birth_date" type="date" class="input input--date" required
                        min="1900-01-01" max=today
                        aria-invalid=invalid("birth_date") aria-describedby=described("birth_date", "birth-date-roc")
                        prop:value=move || draft.birth_date.get()
                        on:input=move |ev| draft.birth_date.set(event_target_value(&ev))
                        on:change=move |ev| draft.birth_date.set(event_target_value(&ev)) />
                    <p class="field__hint" id="birth-date-roc">{roc_text}</p>
                </div>

                <div class="field" class:field--error=move || errors.with(|e| e.contains_key("captcha"))>
                    <label class="field__label" for="captcha">{tr(i18n, |l| td_string!(l, identity.captcha))}</label>
                    <p class="field__hint" id="captcha-hint">{tr(i18n, |l| td_string!(l, identity.captcha_hint))}</p>
                    <div class="captcha">
                        <div class="captcha__image" aria-busy=move || captcha_loading.get().to_string()>
                            {move || captcha.get().map(|c| view! {
                                <img src=c.image width="220" height="80"
                                    alt=move || td_string!(i18n.get_locale(), identity.captcha_image).to_string() />
                            })}
                        </div>
                        <div class="captcha__tools">
                            <button type="button" class="button button--icon" on:click=move |_| refresh_captcha()
                                aria-label=move || td_string!(i18n.get_locale(), identity.captcha_refresh).to_string()>
                                <svg aria-hidden="true" viewBox="0 0 24 24" width="24" height="24"><path d="M20 12a8 8 0 1 1-2.34-5.66M20 4v5h-5" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" /></svg>
                            </button>
                            <button type="button" class="button button--icon" on:click=play_audio
                                aria-label=move || td_string!(i18n.get_locale(), identity.captcha_audio).to_string()>
                                <svg aria-hidden="true" viewBox="0 0 24 24" width="24" height="24"><path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" /><path d="M16 9a4 4 0 0 1 0 6M18.5 6.5a7.5 7.5 0 0 1 0 11" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" /></svg>
                            </button>
                        </div>
                    </div>
                    <p class="field__error" id="captcha-error" aria-live="polite">{error_of("captcha")}</p>
                    <input id="captcha" name="captcha" type="text" class="input input--captcha" required
                        autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="5"
                        aria-invalid=invalid("captcha") aria-describedby=described("captcha", "captcha-hint")
                        prop:value=move || captcha_answer.get()
                        on:input=move |ev| captcha_answer.set(event_target_value(&ev)) />
                </div>

                <div class="actions">
                    <button type="submit" class="button button--primary" prop:disabled=move || pending.get()>
                        <Show when=move || pending.get()>
                            <span class="spinner" aria-hidden="true"></span>
                        </Show>
                        {tr(i18n, |l| td_string!(l, identity.submit))}
                    </button>
                </div>
            </form>
        </PageShell>
    }
}
