//! «讀卡機管理» and «停課日設定» as the back office sees them (issue 16 item 3): a
//! school's gate readers (add, «更換金鑰», «停用», last seen) and the school holidays
//! the «未到校» job and attendance skip. Card officers act on their own school,
//! operators on any school (holidays also on every school at once); teachers see none
//! of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One gate reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderRow {
    pub id: i32,
    /// The reader's id in its swipes (`reader_id`).
    pub reader_code: String,
    /// The school's name for it; `None` for readers added by the CLI.
    pub name: Option<String>,
    pub school_name: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    /// «最後連線»: the last swipe it posted.
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// «已停用» since.
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// «新增讀卡機».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewReaderInput {
    /// Operators name the school; an officer's readers are their own school's.
    #[serde(default)]
    pub school_code: Option<String>,
    /// `reader_id`: `required` / `format` / `taken`.
    pub reader_id: String,
    /// `name`: `required` / `too_long` / `format` / `taken` (within the school).
    pub name: String,
}

/// A reader's API key, shown once (after «新增讀卡機» or «更換金鑰»).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderKey {
    pub reader_code: String,
    pub api_key: String,
}

/// One school holiday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayRow {
    pub id: i32,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub name: String,
    /// `None`: every school.
    pub school_name: Option<String>,
    /// In the future and in the staff member's scope: «刪除» is offered.
    pub removable: bool,
}

/// «停課日設定»: upcoming holidays (from today, soonest first) and past ones (newest
/// first, the last 100).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct HolidayList {
    pub upcoming: Vec<HolidayRow>,
    pub past: Vec<HolidayRow>,
}

/// «新增停課日»: one day, or each weekday from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewHolidayInput {
    /// An officer's own school; an operator's named school, or every school (`None`).
    #[serde(default)]
    pub school_code: Option<String>,
    /// `from`: `required` / `format` / `past` / `weekend` / `duplicate`.
    pub from: String,
    /// Optional last day: `format` / `before_from` / `too_long` (over 31 days).
    #[serde(default)]
    pub to: String,
    /// «名稱»: `required` / `too_long` / `format`.
    pub name: String,
}
