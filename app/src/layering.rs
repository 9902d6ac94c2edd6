//! The layering rule as a test (ARCHITECTURE.md, "who may call whom"; the manner of
//! rust-analyzer's tested invariants): a feature area uses `domain`, `ui`, `wizard`,
//! `server` (the model and shared modules) and its own files, never another feature's
//! `service`, `view` or `api`.
//!
//! The edges that break the rule today are listed in [`KNOWN`], to be taken apart by
//! the Architecture issue; the test fails on any edge that is not listed (a new
//! reach across), and on a listed edge that is gone (remove it from the list, so the
//! knot only shrinks).

use std::collections::BTreeSet;
use std::path::Path;

/// The feature areas: folders under `app/src` that hold a user-facing feature.
const FEATURES: &[&str] = &[
    "apply",
    "card_stop",
    "consent",
    "home",
    "identity",
    "notify",
    "parent",
    "query",
    "school",
];

/// The parts of a feature that other features must not use.
const PRIVATE_PARTS: &[&str] = &["service", "view", "api"];

/// Edges (from feature → other feature's part) that exist today and are to go.
const KNOWN: &[&str] = &[
    "apply → parent::service",
    "card_stop → parent::service",
    "card_stop → query::view",
    "consent → identity::view",
    "consent → parent::api",
    "notify → parent::service",
    "notify → parent::view",
    "parent → apply::service",
    "parent → apply::view",
    "parent → identity::service",
    "parent → school::api",
    "parent → query::service",
    "parent → query::view",
    "query → apply::service",
    "query → apply::view",
    "query → identity::view",
    "school → apply::service",
    "school → card_stop::service",
    "school → identity::api",
    "school → identity::service",
    "school → notify::service",
    "school → parent::service",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The other-feature parts a source text names: `crate::f::part`, and `part` inside
/// a `use crate::f::{…}` group.
fn reaches(text: &str, own: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for feature in FEATURES.iter().filter(|f| **f != own) {
        let prefix = format!("crate::{feature}::");
        let mut rest = text;
        while let Some(at) = rest.find(&prefix) {
            let after = &rest[at + prefix.len()..];
            let named: Vec<&str> = if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .collect()
            } else {
                vec![
                    after
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or(""),
                ]
            };
            for part in PRIVATE_PARTS {
                if named.contains(part) {
                    found.insert(format!("{own} → {feature}::{part}"));
                }
            }
            rest = after;
        }
    }
    found
}

#[test]
fn features_reach_no_other_features_service_view_or_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges = BTreeSet::new();
    for feature in FEATURES {
        let mut files = Vec::new();
        rust_files(&src.join(feature), &mut files);
        assert!(!files.is_empty(), "no sources for feature {feature}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source file");
            edges.extend(reaches(&text, feature));
        }
    }
    let known: BTreeSet<String> = KNOWN.iter().map(|s| (*s).to_owned()).collect();
    let new: Vec<&String> = edges.difference(&known).collect();
    let gone: Vec<&String> = known.difference(&edges).collect();
    assert!(
        new.is_empty(),
        "a feature reaches into another feature's service/view/api: {new:?}; move what both \
         need into server/, domain/, ui/ or wizard/"
    );
    assert!(
        gone.is_empty(),
        "these edges are gone: remove them from layering::KNOWN: {gone:?}"
    );
}

#[test]
fn the_scanner_sees_paths_and_groups() {
    let text = "use crate::apply::service::summaries;\n\
                use crate::query::{view::CardList, CardStatus};\n\
                use crate::parent::{self, api};\n\
                crate::domain::csv::csv_cell(x);\n\
                use crate::school::service; // own";
    let found: Vec<String> = reaches(text, "school").into_iter().collect();
    assert_eq!(
        found,
        vec![
            "school → apply::service",
            "school → parent::api",
            "school → query::view"
        ]
    );
}
