//! Step 3 of «卡片查詢»: the verified holder's cards (SPEC §1 3d).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::holder::{CardStatus, CardSummary, HolderActions};

/// The verified holder's overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderOverview {
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    pub cards: Vec<CardSummary>,
    /// Replacement applications, newest first, each with its timeline.
    #[serde(default)]
    pub applications: Vec<crate::holder::ApplicationSummary>,
    /// The card wizards that fit now (only those are offered).
    #[serde(default)]
    pub actions: HolderActions,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub verified_until: DateTime<Utc>,
}
