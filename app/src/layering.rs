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

/// The modules at the top of `app/src` (folders and files), for the no-cycle rule.
fn top_level_modules(src: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(src)
        .expect("source folder")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let name = name.strip_suffix(".rs").map_or(name.clone(), str::to_owned);
            (name != "lib" && name != "layering").then_some(name)
        })
        .collect();
    names.sort();
    names
}

/// The names each `prefix` in a source text is followed by: the one name of
/// `prefix name`, or every name of a `prefix{…}` group.
fn names_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let word = |c: char| !(c.is_alphanumeric() || c == '_');
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            names.extend(group[..end].split(word));
        } else {
            names.push(after.split(word).next().unwrap_or(""));
        }
        rest = after;
    }
    names
}

/// The top-level modules a source text names: `crate::m` and `m` inside `crate::{…}`.
fn names_modules(text: &str, modules: &[String]) -> BTreeSet<String> {
    names_after(text, "crate::")
        .into_iter()
        .filter(|w| modules.iter().any(|m| m == w))
        .map(str::to_owned)
        .collect()
}

/// A cycle in the graph, as the path that closes it, if there is one.
fn find_cycle(graph: &std::collections::BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

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
    "school → apply::service",
    "school → card_stop::service",
    "school → identity::api",
    "school → notify::service",
    "school → parent::service",
];

/// Every `.rs` file under `dir` (also used by `visible_strings`).
pub(crate) fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
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
        let named = names_after(text, &format!("crate::{feature}::"));
        for part in PRIVATE_PARTS {
            if named.contains(part) {
                found.insert(format!("{own} → {feature}::{part}"));
            }
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

/// The Architecture issue's first rule: `crate::` references among app's top-level
/// modules form no cycle, so each layer can be read (and changed) knowing only those
/// below it.
#[test]
fn top_level_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = top_level_modules(&src);
    let mut graph = std::collections::BTreeMap::new();
    for module in &modules {
        let mut files = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{module}.rs")));
        }
        let mut uses = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source file");
            uses.extend(names_modules(&text, &modules));
        }
        uses.remove(module);
        graph.insert(module.clone(), uses);
    }
    assert!(graph.len() > 10, "too few modules found: {graph:?}");
    assert!(
        graph["school"].contains("server"),
        "the scanner misses references: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "app's top-level modules form a cycle: {}; move what both need below them",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = std::collections::BTreeMap::<String, BTreeSet<String>>::new();
        for (a, b) in edges {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
            g.entry((*b).to_owned()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec![
            "a".to_owned(),
            "b".to_owned(),
            "c".to_owned(),
            "a".to_owned()
        ])
    );
    let modules = vec!["school".to_owned(), "server".to_owned()];
    let found = names_modules(
        "use crate::{server::db, school};\ncrate::school::x();",
        &modules,
    );
    assert_eq!(found.len(), 2);
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
