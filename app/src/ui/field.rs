//! A labelled text input whose error sits next to it, with the account forms' field
//! error texts: shared by the parent's pages and the notification settings.

use crate::error::FieldErrors;
use crate::i18n::*;
use crate::ui::tr;
use leptos::prelude::*;

type I18n = leptos_i18n::I18nContext<Locale>;

/// The visible text of a field error code on the account forms.
pub fn field_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "format" => td_string!(locale, parent.err_format),
        "wrong" => td_string!(locale, parent.err_wrong),
        "expired" => td_string!(locale, parent.err_expired),
        "too_short" => td_string!(locale, parent.err_too_short),
        "too_long" => td_string!(locale, parent.err_too_long),
        "common" => td_string!(locale, parent.err_common),
        "same_as_current" => td_string!(locale, parent.err_same),
        _ => td_string!(locale, parent.err_required),
    }
}

/// A labelled input whose error sits next to it (`aria-invalid`, `aria-describedby`).
pub fn input_field(
    i18n: I18n,
    id: &'static str,
    label: fn(Locale) -> &'static str,
    value: RwSignal<String>,
    errors: RwSignal<FieldErrors>,
    field: &'static str,
    (kind, autocomplete): (&'static str, &'static str),
) -> impl IntoView {
    let error = move || errors.with(|e| e.get(field).map(|c| field_text(i18n.get_locale(), c)));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field--error=move || error().is_some()>
            <label class="field__label" for=id>{tr(i18n, label)}</label>
            <p class="field__error" id=error_id.clone()>{error}</p>
            <input id=id class="input" type=kind autocomplete=autocomplete spellcheck="false" required
                aria-describedby=error_id aria-invalid=move || error().is_some().then_some("true")
                prop:value=move || value.get()
                on:input=move |ev| { value.set(event_target_value(&ev)); errors.update(|e| { e.remove(field); }); } />
        </div>
    }
}
