use super::Wizard;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:wizard` route parameter, parsed.
pub fn use_wizard_param() -> Memo<Option<Wizard>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("wizard").and_then(|s| Wizard::from_slug(&s))))
}
