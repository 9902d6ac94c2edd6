use super::Wizard;
use crate::i18n::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:wizard` route parameter, parsed.
pub fn use_wizard_param() -> Memo<Option<Wizard>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("wizard").and_then(|s| Wizard::from_slug(&s))))
}

/// A fresh idempotency key for a confirmation page (the stop and the apply wizards).
pub fn new_idempotency_key() -> String {
    #[cfg(feature = "csr")]
    if let Some(uuid) = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
    {
        return uuid;
    }
    format!("k{}", chrono::Utc::now().timestamp_millis())
}

/// The wizard's name in the current language.
pub fn wizard_name(locale: Locale, wizard: Wizard) -> &'static str {
    match wizard {
        Wizard::Stop => td_string!(locale, common.wizard_stop),
        Wizard::Apply => td_string!(locale, common.wizard_apply),
        Wizard::Query => td_string!(locale, common.wizard_query),
    }
}
