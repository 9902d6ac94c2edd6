//! Step 3 of «卡片查詢»: the verified holder's cards (SPEC §1 3d).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Card states, shown exactly as «開卡使用中», «暫時鎖卡», «停用».
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    Active,
    Locked,
    Stopped,
}

impl CardStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "locked" => Some(Self::Locked),
            "stopped" => Some(Self::Stopped),
            _ => None,
        }
    }
}

/// One card row as the browser sees it: the outer number is masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub card_type_zh: String,
    pub card_type_en: String,
    pub status: CardStatus,
    pub school_name: String,
    /// e.g. `051730****`
    pub outer_no_masked: String,
    #[serde(with = "crate::domain::wire::date")]
    pub applied_on: NaiveDate,
    pub fee: i32,
    #[serde(with = "crate::domain::wire::opt_date")]
    pub paid_on: Option<NaiveDate>,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub stopped_at: Option<DateTime<Utc>>,
    /// «退費與否» of the card's online loss report.
    #[serde(default)]
    pub refund_choice: Option<crate::domain::refund::RefundChoice>,
}

/// The verified holder's overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderOverview {
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    pub cards: Vec<CardSummary>,
    /// Replacement applications, newest first, each with its timeline.
    #[serde(default)]
    pub applications: Vec<crate::apply::ApplicationSummary>,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub verified_until: DateTime<Utc>,
}
