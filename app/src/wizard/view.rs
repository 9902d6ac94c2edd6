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

/// What the holder typed, kept in memory (never in browser storage) so that the back
/// button and a return to this step keep it.
#[derive(Clone, Copy)]
pub struct IdentityDraft {
    pub method: RwSignal<crate::domain::id_number::IdMethod>,
    pub id_no: RwSignal<String>,
    pub birth_date: RwSignal<String>,
}

impl IdentityDraft {
    /// Provided once by `App`, above the router, so it outlives each step's page.
    pub fn provide() {
        provide_context(IdentityDraft {
            method: RwSignal::new(crate::domain::id_number::IdMethod::National),
            id_no: RwSignal::new(String::new()),
            birth_date: RwSignal::new(String::new()),
        });
    }

    pub fn use_draft() -> Self {
        use_context::<IdentityDraft>().unwrap_or_else(|| {
            Self::provide();
            expect_context::<IdentityDraft>()
        })
    }

    /// Forgets what was typed (end of a wizard, or leaving it).
    pub fn clear(&self) {
        self.method
            .set(crate::domain::id_number::IdMethod::National);
        self.id_no.set(String::new());
        self.birth_date.set(String::new());
    }
}

/// «下載同意紀錄»: the plain-text receipt of this session's consent (or, with `record`,
/// one of the logged-in parent's own), in the page's language.
#[component]
pub fn ConsentReceiptLink(#[prop(optional)] record: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let href = move || super::consent_receipt_href(i18n.get_locale().as_str(), record);
    view! {
        <a class="button button--secondary consent-receipt" href=href download="">
            {move || td_string!(i18n.get_locale(), consent.receipt_download)}
        </a>
    }
}
