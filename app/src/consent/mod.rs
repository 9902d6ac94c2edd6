//! Step 1 of every card wizard: the consent notice («授權同意書») and its record.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use serde::{Deserialize, Serialize};

/// The consent notice currently in force, in both languages, one clause per entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentNotice {
    pub version: String,
    pub clauses_zh: Vec<String>,
    pub clauses_en: Vec<String>,
}
