//! Every locale has every text: each key of `app/locales/zh-TW/<ns>.json` is in the
//! same file of `en`, `vi` and `id` and the other way round, with the same `{{ … }}`
//! placeholders and a non-empty value. leptos_i18n only warns at build time (a missing
//! key falls back to the Chinese text; an extra one is ignored), so this test makes it
//! an error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The default first; `app/build.rs` registers the same list.
const LOCALES: [&str; 4] = ["zh-TW", "en", "vi", "id"];

/// The key paths of a locale file (`a.b` for nested keys).
fn keys(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if v.is_object() {
                keys(v, &path, out);
            } else {
                out.insert(path);
            }
        }
    }
}

fn namespaces(locale: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(locale);
    std::fs::read_dir(&dir)
        .expect("locale folder")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect()
}

fn file_values(locale: &str, namespace: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(locale)
        .join(format!("{namespace}.json"));
    let text = std::fs::read_to_string(&path).expect("locale file");
    let value: serde_json::Value = serde_json::from_str(&text).expect("locale file is JSON");
    let mut out = BTreeMap::new();
    values(&value, "", &mut out);
    out
}

fn values(value: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                serde_json::Value::Object(_) => values(v, &path, out),
                serde_json::Value::String(s) => {
                    out.insert(path, s.clone());
                }
                other => {
                    out.insert(path, other.to_string());
                }
            }
        }
    }
}

/// The `{{ name }}` placeholders of a text, sorted.
fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split("{{")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("}}")
                .map(|(name, _)| name.trim().to_owned())
        })
        .collect();
    found.sort();
    found
}

fn file_keys(locale: &str, namespace: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(locale)
        .join(format!("{namespace}.json"));
    let text = std::fs::read_to_string(&path).expect("locale file");
    let value: serde_json::Value = serde_json::from_str(&text).expect("locale file is JSON");
    let mut out = BTreeSet::new();
    keys(&value, "", &mut out);
    out
}

#[test]
fn every_locale_has_the_same_files_and_keys() {
    let zh = LOCALES[0];
    let files = namespaces(zh);
    assert!(files.contains("common"), "no locale files found");
    let mut problems = Vec::new();
    for other in &LOCALES[1..] {
        assert_eq!(
            files,
            namespaces(other),
            "the locale folders {zh} and {other} hold different files"
        );
        for ns in &files {
            let (zh_keys, other_keys) = (file_keys(zh, ns), file_keys(other, ns));
            for k in zh_keys.difference(&other_keys) {
                problems.push(format!("{ns}.{k}: missing in {other}"));
            }
            for k in other_keys.difference(&zh_keys) {
                problems.push(format!("{ns}.{k}: only in {other}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "keys missing in a locale:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_text_is_filled_in_with_the_placeholders_of_the_chinese() {
    let mut problems = Vec::new();
    for ns in &namespaces(LOCALES[0]) {
        let zh = file_values(LOCALES[0], ns);
        for locale in LOCALES {
            for (key, text) in file_values(locale, ns) {
                if text.trim().is_empty() {
                    problems.push(format!("{locale} {ns}.{key}: empty"));
                }
                if let Some(original) = zh.get(&key)
                    && placeholders(original) != placeholders(&text)
                {
                    problems.push(format!(
                        "{locale} {ns}.{key}: placeholders {:?}, the Chinese has {:?}",
                        placeholders(&text),
                        placeholders(original)
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_locale_list_is_the_locale_folders_and_the_build_registers_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut folders: Vec<String> = std::fs::read_dir(&dir)
        .expect("locales folder")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut listed: Vec<String> = LOCALES.iter().map(|l| (*l).to_owned()).collect();
    listed.sort();
    assert_eq!(folders, listed);
    let build = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"))
        .expect("build.rs");
    for locale in &LOCALES[1..] {
        assert!(
            build.contains(&format!("\"{locale}\"")),
            "build.rs does not add {locale}"
        );
    }
}
