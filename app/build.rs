//! Generates the `i18n` module from `locales/<locale>/<namespace>.json` (leptos_i18n).
use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let config = Config::new("zh-TW")
        .and_then(|c| c.add_locales(["en", "vi", "id"]))
        .and_then(|c| {
            c.add_namespaces([
                "common", "home", "consent", "identity", "query", "stop", "apply", "school",
                "parent", "roster", "audit", "gate", "admin", "report", "notice",
            ])
        })
        .expect("valid i18n configuration")
        // lets td_string! interpolate values (step numbers, dates) into plain strings
        .parse_options(ParseOptions::new().interpolate_display(true));
    let translations = TranslationsInfos::parse(config).expect("locales parse");
    translations.rerun_if_locales_changed();
    translations.emit_diagnostics();
    translations
        .generate_i18n_module(out_dir.join("i18n"))
        .expect("i18n module generated");
}
