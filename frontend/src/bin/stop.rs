//! The stop wizard's own Wasm entry (served for `/card/stop/*`), so the home page's
//! bundle stays small.

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::StopApp);
}
