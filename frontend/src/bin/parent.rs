//! The parent accounts' own Wasm entry (served for `/parent` and `/parent/*`).

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::ParentApp);
}
