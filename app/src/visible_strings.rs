//! "Visible strings come from the locale files" (ARCHITECTURE.md) as a test, in the
//! manner of [`crate::layering`]: view code (`view.rs`, files in a `view/` folder,
//! `*_view.rs`, and `ui/`) holds no string or char literal with a CJK ideograph
//! (U+4E00–U+9FFF) or a full-width form (U+FF00–U+FFEF, such as «：», «（», «｜»).
//! Comments and `#[cfg(test)]` items are not looked at. Such a text goes into
//! `app/locales/zh-TW/*.json` and `app/locales/en/*.json` and the view reads it with
//! `td_string!`.
//!
//! The files that still hold such a literal are listed in [`KNOWN`]; the test also
//! fails when a listed file no longer has one, so the list only shrinks.

use crate::layering::rust_files;
use std::path::Path;

/// View files (relative to `app/src`) that still hold a literal, to be moved into the
/// locale files. This list only shrinks: remove a file once its literals are gone.
const KNOWN: &[&str] = &[];

/// Whether a file (its path relative to `app/src`, with `/`) is view code.
fn is_view_code(relative: &str) -> bool {
    let parts: Vec<&str> = relative.split('/').collect();
    let file = parts.last().copied().unwrap_or("");
    relative.starts_with("ui/")
        || parts[..parts.len().saturating_sub(1)].contains(&"view")
        || file == "view.rs"
        || file.ends_with("_view.rs")
}

fn is_flagged(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// At `r"`, `r#"`, `br"`…: the number of `#` and the index of the opening quote.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = match (chars.get(i), chars.get(i + 1)) {
        (Some('r'), _) => i + 1,
        (Some('b'), Some('r')) => i + 2,
        _ => return None,
    };
    let hashes_from = j;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some((j - hashes_from, j))
}

/// The string and char literals of a Rust source, outside comments and outside items
/// marked `#[cfg(test)]`, each with its line number.
fn literals(text: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Nesting depth of braces, and the depth at which a skipped test item began.
    let mut depth = 0usize;
    let mut skip_from: Option<usize> = None;
    let mut pending_test_item = false;
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    while i < chars.len() {
        let c = chars[i];
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '\n' {
            line += 1;
            i += 1;
        } else if at(i, "//") {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if at(i, "/*") {
            let mut nest = 0;
            while i < chars.len() {
                if at(i, "/*") {
                    nest += 1;
                    i += 2;
                } else if at(i, "*/") {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if at(i, "#[cfg(test)]") {
            pending_test_item = true;
            i += "#[cfg(test)]".len();
        } else if let Some((hashes, quote)) = raw_string_start(&chars, i).filter(|_| !prev_ident) {
            // A raw string: r"…", r#"…"#, br"…".
            let start_line = line;
            let mut body = String::new();
            let mut j = quote + 1;
            let close: String = std::iter::once('"')
                .chain("#".repeat(hashes).chars())
                .collect();
            while j < chars.len() && !at(j, &close) {
                if chars[j] == '\n' {
                    line += 1;
                }
                body.push(chars[j]);
                j += 1;
            }
            if skip_from.is_none() {
                found.push((start_line, body));
            }
            i = j + close.chars().count();
        } else if c == '"' {
            let start_line = line;
            let mut body = String::new();
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                if chars[j] == '\\' {
                    body.push(chars[j]);
                    j += 1;
                }
                if chars.get(j) == Some(&'\n') {
                    line += 1;
                }
                if let Some(&ch) = chars.get(j) {
                    body.push(ch);
                }
                j += 1;
            }
            if skip_from.is_none() {
                found.push((start_line, body));
            }
            i = j + 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{…}'), or else a lifetime or label.
            let end = if chars.get(i + 1) == Some(&'\\') {
                (i + 2..chars.len()).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    if skip_from.is_none() {
                        found.push((line, chars[i + 1..end].iter().collect()));
                    }
                    i = end + 1;
                }
                None => i += 1,
            }
        } else {
            match c {
                '{' => {
                    if pending_test_item && skip_from.is_none() {
                        skip_from = Some(depth);
                    }
                    pending_test_item = false;
                    depth += 1;
                }
                '}' => {
                    depth = depth.saturating_sub(1);
                    if skip_from == Some(depth) {
                        skip_from = None;
                    }
                }
                // `#[cfg(test)] use …;` or `#[cfg(test)] mod tests;`: the item ends here.
                ';' if pending_test_item && skip_from.is_none() => pending_test_item = false,
                _ => {}
            }
            i += 1;
        }
    }
    found
}

/// The view files' flagged literals, as «path:line: "text"», by file.
fn flagged_by_file() -> Vec<(String, Vec<String>)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        if !is_view_code(&relative) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source file");
        let hits: Vec<String> = literals(&text)
            .into_iter()
            .filter(|(_, s)| s.chars().any(is_flagged))
            .map(|(line, s)| format!("{relative}:{line}: \"{s}\""))
            .collect();
        out.push((relative, hits));
    }
    out
}

#[test]
fn view_code_takes_its_visible_strings_from_the_locale_files() {
    let files = flagged_by_file();
    assert!(
        files.iter().any(|(f, _)| f == "ui/mod.rs") && files.len() > 10,
        "the view files were not found: {:?}",
        files.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    let new: Vec<&String> = files
        .iter()
        .filter(|(f, _)| !KNOWN.contains(&f.as_str()))
        .flat_map(|(_, hits)| hits)
        .collect();
    assert!(
        new.is_empty(),
        "view code holds Chinese or full-width text; put it in app/locales/zh-TW/*.json and \
         app/locales/en/*.json and read it with td_string!:\n{}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let gone: Vec<&str> = KNOWN
        .iter()
        .copied()
        .filter(|k| files.iter().all(|(f, hits)| f != k || hits.is_empty()))
        .collect();
    assert!(
        gone.is_empty(),
        "these files no longer hold such a literal (or are gone): remove them from \
         visible_strings::KNOWN: {gone:?}"
    );
}

#[test]
fn the_scanner_skips_comments_and_tests() {
    let text = r####"
        // "註解" in a comment
        /* "區塊" /* nested "巢狀" */ */
        let a = "看得到"; let b = 'x'; let c = '：'; let d = "a\"「";
        fn f<'a>(x: &'a str) -> &'a str { x }
        let e = r#"原始"#;
        #[cfg(test)]
        mod tests { fn t() { let _ = "測試"; let _ = { "內層" }; } }
        let g = "之後";
        "####;
    let found: Vec<String> = literals(text).into_iter().map(|(_, s)| s).collect();
    assert_eq!(found, vec!["看得到", "x", "：", "a\\\"「", "原始", "之後"]);
    let flagged: Vec<bool> = ["看得到", "x", "：", "（", "｜", "、", "・", "—"]
        .iter()
        .map(|s| s.chars().any(is_flagged))
        .collect();
    assert_eq!(
        flagged,
        vec![true, false, true, true, true, false, false, false]
    );
}

#[test]
fn view_code_is_the_view_files_and_ui() {
    assert!(is_view_code("parent/view.rs"));
    assert!(is_view_code("school/view/queue.rs"));
    assert!(is_view_code("school/password_view.rs"));
    assert!(is_view_code("ui/mod.rs"));
    assert!(!is_view_code("parent/service/binding.rs"));
    assert!(!is_view_code("school/service/review.rs"));
    assert!(!is_view_code("notify/templates.rs"));
}
