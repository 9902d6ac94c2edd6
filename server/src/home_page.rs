//! `GET /`: the home page as HTML rendered on the server in the visitor's language
//! (`app::home::render`), in the shell Trunk built for it (`dist/home/index.html`: the
//! stylesheet and the language select's small script, no framework). Rendered once
//! per language at start.

use app::home::render::{HomeDocument, home_document, locales, request_locale};
use app::i18n::Locale;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::path::Path;

/// The home page in each language, in `Locale::get_all()`'s order.
pub(crate) struct HomePages {
    /// Each language, its `lang` tag and its page.
    pages: Vec<(Locale, &'static str, String)>,
}

impl HomePages {
    /// From the built shell; `None` when the site was built without it (then `/` is
    /// the Wasm home page as before).
    pub(crate) fn load(site_dir: &Path) -> Option<Self> {
        let shell = std::fs::read_to_string(site_dir.join("home").join("index.html")).ok()?;
        let pages = locales()
            .iter()
            .map(|&locale| {
                let doc = home_document(locale);
                Some((locale, doc.lang, fill(&shell, &doc)?))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self { pages })
    }

    /// The shell, for the Content-Security-Policy's hashes of its inline script.
    pub(crate) fn any_page(&self) -> &str {
        self.pages.first().map_or("", |(_, _, html)| html.as_str())
    }

    /// The page for a request's `Cookie` and `Accept-Language`.
    pub(crate) fn respond(&self, headers: &HeaderMap) -> Response {
        let header_text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let locale = request_locale(
            header_text(header::COOKIE),
            header_text(header::ACCEPT_LANGUAGE),
        );
        let (lang, html) = self
            .pages
            .iter()
            .find(|(l, _, _)| *l == locale)
            .or(self.pages.first())
            .map(|(_, lang, html)| (*lang, html.clone()))
            .unwrap_or_default();
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
                // A shared cache keeps one copy per language choice.
                (header::VARY, "cookie, accept-language"),
                (header::CONTENT_LANGUAGE, lang),
            ],
            html,
        )
            .into_response()
    }
}

/// The shell with `<html lang>`, the title, the description and the rendered body in
/// place of its `<noscript>`.
fn fill(shell: &str, doc: &HomeDocument) -> Option<String> {
    // The shell's own (zh-TW) description goes; the language's follows the title.
    let shell = &without_description(shell);
    let noscript_start = shell.find("<noscript>")?;
    let noscript_end =
        shell[noscript_start..].find("</noscript>")? + noscript_start + "</noscript>".len();
    let title_start = shell.find("<title>")? + "<title>".len();
    let title_end = shell[title_start..].find("</title>")? + title_start;
    // Trunk's minified shell writes the attribute unquoted.
    let (lang_attr, lang_len) = ["lang=\"zh-TW\"", "lang=zh-TW"]
        .iter()
        .find_map(|a| shell.find(a).map(|at| (at, a.len())))?;
    if lang_attr > title_start {
        return None;
    }
    let mut html = String::with_capacity(shell.len() + doc.body.len());
    html.push_str(&shell[..lang_attr]);
    html.push_str(&format!("lang=\"{}\"", doc.lang));
    html.push_str(&shell[lang_attr + lang_len..title_start]);
    html.push_str(&escape(&doc.title));
    html.push_str("</title><meta name=\"description\" content=\"");
    html.push_str(&escape(&doc.description));
    html.push_str("\">");
    html.push_str(&shell[title_end + "</title>".len()..noscript_start]);
    html.push_str(&doc.body);
    html.push_str(&shell[noscript_end..]);
    Some(html)
}

/// `shell` less its `<meta name="description" …>` tag (quoted or, minified, not).
fn without_description(shell: &str) -> String {
    let Some(at) = shell
        .find("name=\"description\"")
        .or_else(|| shell.find("name=description"))
    else {
        return shell.to_owned();
    };
    let (Some(start), Some(end)) = (shell[..at].rfind("<meta"), shell[at..].find('>')) else {
        return shell.to_owned();
    };
    format!("{}{}", &shell[..start], &shell[at + end + 1..])
}

/// Text as HTML, in element content or a quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELL: &str = "<!doctype html><html lang=\"zh-TW\"><head><title>x</title>\
        <meta name=\"description\" content=\"學生證停卡掛失\" />\
        <script type=\"module\">init()</script></head><body><noscript>needs JS</noscript></body></html>";

    #[tokio::test]
    async fn the_shell_gets_language_title_and_body() {
        let html = fill(SHELL, &home_document(Locale::vi)).expect("filled");
        assert!(
            html.starts_with("<!doctype html><html lang=\"vi\">"),
            "{html}"
        );
        assert!(html.contains("<title>Thẻ học sinh</title>"), "{html}");
        assert!(!html.contains("needs JS"));
        assert!(html.contains("Cổng dịch vụ thẻ học sinh"), "{html}");
        assert!(
            html.contains("<meta name=\"description\" content=\"Báo mất thẻ học sinh"),
            "{html}"
        );
        assert_eq!(html.matches("name=\"description\"").count(), 1, "{html}");
        assert!(html.contains("<script type=\"module\">init()</script>"));
        assert_eq!(
            fill("<html><body></body></html>", &home_document(Locale::en)),
            None
        );
        // Trunk's minified shell
        let minified = SHELL.replace("lang=\"zh-TW\"", "lang=zh-TW").replace(
            "name=\"description\" content=\"學生證停卡掛失\" /",
            "name=description content=學生證停卡掛失",
        );
        let html = fill(&minified, &home_document(Locale::en)).expect("filled");
        assert!(
            html.starts_with("<!doctype html><html lang=\"en\">"),
            "{html}"
        );
        assert!(!html.contains("學生證停卡掛失"), "{html}");
        assert_eq!(html.matches("name=\"description\"").count(), 1, "{html}");
    }
}
