//! The school back office's own Wasm entry (served for `/school` and `/school/*`).

fn main() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::SchoolApp);
}
