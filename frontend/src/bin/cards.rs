//! The query and apply wizards' own Wasm entry (served for `/card/query/*`, `/card/apply/*` and `/card/slip/*`), so the home page's
//! bundle stays small.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::CardsApp);
}
