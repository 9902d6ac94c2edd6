//! The home page's one script (served for `/`, whose HTML the server renders: see
//! `app::home::render`). It brings no framework: only the language select, which
//! stores the choice in the `portal_lang` cookie every page reads and reloads the
//! page in that language. As on the Wasm pages, a choice made with the mouse or a
//! touch counts at once; browsing with the arrow keys waits for Enter or for focus
//! to leave.

use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

fn main() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(select) = document
        .query_selector(".lang-switch select")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
    else {
        return;
    };
    let browsing = Rc::new(Cell::new(false));
    let listen = |event: &str, handler: Box<dyn FnMut(web_sys::Event)>| {
        let closure = Closure::wrap(handler);
        let _ = select.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        // The page lives as long as its select: the listeners are never removed.
        closure.forget();
    };
    {
        let (browsing, select) = (browsing.clone(), select.clone());
        listen(
            "change",
            Box::new(move |_| {
                if !browsing.get() {
                    switch_to(&select.value());
                }
            }),
        );
    }
    {
        let (browsing, select) = (browsing.clone(), select.clone());
        listen(
            "keydown",
            Box::new(move |ev| {
                let Some(key) = ev.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                match key.key().as_str() {
                    "ArrowUp" | "ArrowDown" | "Home" | "End" | "PageUp" | "PageDown"
                        if !key.alt_key() =>
                    {
                        browsing.set(true);
                    }
                    "Enter" if browsing.get() => {
                        browsing.set(false);
                        switch_to(&select.value());
                    }
                    _ => {}
                }
            }),
        );
    }
    {
        let select2 = select.clone();
        listen(
            "blur",
            Box::new(move |_| {
                if browsing.get() {
                    browsing.set(false);
                    switch_to(&select2.value());
                }
            }),
        );
    }
}

/// Remembers `lang` and shows the page in it (the server renders each language).
fn switch_to(lang: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let current = document
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .unwrap_or_default();
    if current == lang {
        return;
    }
    if let Ok(html_document) = document.dyn_into::<web_sys::HtmlDocument>() {
        let _ = html_document.set_cookie(&format!(
            "portal_lang={lang}; path=/; max-age=31536000; samesite=lax"
        ));
    }
    let _ = window.location().reload();
}
