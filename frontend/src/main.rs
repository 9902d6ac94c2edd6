//! The browser entry point: Trunk builds this into the Wasm bundle that mounts the app.

fn main() {
    // Readable panic messages in development builds; the release bundle stays smaller.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
