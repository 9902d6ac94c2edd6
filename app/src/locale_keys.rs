//! The two locales have the same texts: every key of `app/locales/zh-TW/<ns>.json` is in
//! `app/locales/en/<ns>.json` and the other way round. leptos_i18n only warns at build
//! time (a key missing in `en` falls back to the Chinese text; a key only in `en` is
//! ignored), so this test makes it an error.

use std::collections::BTreeSet;
use std::path::Path;

const LOCALES: [&str; 2] = ["zh-TW", "en"];

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
fn both_locales_have_the_same_files_and_keys() {
    let [zh, en] = LOCALES;
    let files = namespaces(zh);
    assert!(files.contains("common"), "no locale files found");
    assert_eq!(
        files,
        namespaces(en),
        "the locale folders hold different files"
    );
    let mut problems = Vec::new();
    for ns in &files {
        let (zh_keys, en_keys) = (file_keys(zh, ns), file_keys(en, ns));
        for k in zh_keys.difference(&en_keys) {
            problems.push(format!("{ns}.{k}: only in {zh}"));
        }
        for k in en_keys.difference(&zh_keys) {
            problems.push(format!("{ns}.{k}: only in {en}"));
        }
    }
    assert!(
        problems.is_empty(),
        "keys missing in a locale:\n{}",
        problems.join("\n")
    );
}
