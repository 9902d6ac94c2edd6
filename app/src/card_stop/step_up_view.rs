//! The stop's step-up code on the confirmation step (SPEC §7, §11): asked for when
//! the step opens (the server sends it to every guardian contact unless a code sent
//! earlier still works), the masked destinations, the field «驗證碼», «重新寄送驗證碼»
//! once the server allows it (60 s), and what to do when nothing arrives.

use super::api::{open_stop_code, send_stop_code};
use super::view::StopDraft;
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::{TextField, form_error_text, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The step-up section of «送出停卡申請»'s page, or the note that no code is needed.
#[component]
pub fn StepUpCode(draft: StopDraft, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let i18n = use_i18n();
    let sent_to = RwSignal::new(Vec::<String>::new());
    let code_note = RwSignal::new(None::<String>);
    // Seconds until «重新寄送驗證碼» is allowed (the server enforces it too).
    let resend_in = RwSignal::new(0u64);
    let asking = RwSignal::new(false);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if resend_in.get_untracked() > 0 {
                resend_in.update(|s| *s -= 1);
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }

    // On opening the step (`resend == false`) the server sends a code unless one sent
    // earlier still works; «重新寄送驗證碼» asks for a new one.
    let ask_code = move |resend: bool| {
        let Some(card_ref) = draft.card_ref.get_untracked() else {
            return;
        };
        if asking.get_untracked() {
            return;
        }
        asking.set(true);
        code_note.set(None);
        spawn_local(async move {
            let reply = if resend {
                send_stop_code(card_ref).await
            } else {
                open_stop_code(card_ref).await
            };
            let locale = i18n.get_locale_untracked();
            match reply {
                Ok(sent) => {
                    code_note.set(Some(
                        if sent.sent_now {
                            td_string!(locale, stop.code_sent)
                        } else {
                            td_string!(locale, stop.code_sent_earlier)
                        }
                        .to_string(),
                    ));
                    sent_to.set(sent.destinations);
                    resend_in.set(sent.resend_after_secs);
                }
                Err(AppError::RateLimited { retry_after_secs }) => {
                    resend_in.set(retry_after_secs);
                    code_note.set(Some(
                        td_string!(locale, stop.code_wait, seconds = retry_after_secs).to_string(),
                    ));
                }
                Err(e) => code_note.set(Some(form_error_text(locale, &e))),
            }
            asking.set(false);
        });
    };
    let opened = StoredValue::new(false);
    Effect::new(move |_| {
        let wants_code = draft
            .overview
            .with(|o| o.as_ref().is_some_and(|o| !o.step_up_contacts.is_empty()))
            && draft.card_ref.with(Option::is_some);
        if wants_code && !opened.get_value() {
            opened.set_value(true);
            ask_code(false);
        }
    });

    move || {
        let o = draft.overview.get()?;
        Some(if !o.step_up_contacts.is_empty() {
            view! {
                <section class="step-up" aria-labelledby="code-title">
                    <h2 id="code-title">{tr(i18n, |l| td_string!(l, stop.code_title))}</h2>
                    <p>{tr(i18n, |l| td_string!(l, stop.code_intro))}</p>
                    <Show when=move || sent_to.with(|d| !d.is_empty())>
                        <p class="step-up__sent">{tr(i18n, |l| td_string!(l, stop.code_sent_to))}</p>
                        <ul class="step-up__destinations">
                            {move || sent_to.get().into_iter().map(|d| view! { <li class="mono">{d}</li> }).collect_view()}
                        </ul>
                    </Show>
                    <p class="hint" role="status">{move || code_note.get()}</p>
                    <crate::ui::dev_outbox::DevOutboxLink />
                    <TextField id="step-up-code" label=|l| td_string!(l, stop.code_label)
                        hint=|l| td_string!(l, stop.code_hint)
                        value=draft.code on_input=Callback::new(move |v| draft.code.set(v))
                        error=Signal::derive(move || errors.with(|e| e.get("step_up_code").map(|c| match c.as_str() {
                            "wrong" => td_string!(i18n.get_locale(), stop.err_code_wrong),
                            "expired" => td_string!(i18n.get_locale(), stop.err_code_expired),
                            _ => td_string!(i18n.get_locale(), stop.err_code_required),
                        }.to_string())))
                        inputmode="numeric" autocomplete="one-time-code" maxlength=6 class="input input--short" />
                    <button type="button" class="button button--secondary" on:click=move |_| ask_code(true)
                        prop:disabled=move || resend_in.get() > 0 || asking.get()>
                        {tr(i18n, |l| td_string!(l, stop.code_resend))}
                    </button>
                    <p class="hint">{move || (resend_in.get() > 0).then(|| {
                        td_string!(i18n.get_locale(), stop.code_resend_in, seconds = resend_in.get()).to_string()
                    })}</p>
                    <div class="step-up__help">
                        <h3>{tr(i18n, |l| td_string!(l, stop.code_help_title))}</h3>
                        <p>{tr(i18n, |l| td_string!(l, stop.code_help))}</p>
                    </div>
                </section>
            }
            .into_any()
        } else if o.started_by_parent {
            view! { <p class="hint">{tr(i18n, |l| td_string!(l, stop.parent_no_code_note))}</p> }
                .into_any()
        } else {
            view! { <p class="hint">{tr(i18n, |l| td_string!(l, stop.no_contact_note))}</p> }
                .into_any()
        })
    }
}
