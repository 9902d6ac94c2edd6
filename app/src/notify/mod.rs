//! Notifications for parents (SPEC §2 «帳號設定», «到離校簡訊服務», «出勤統計»; §4
//! swipes; §10 honest attendance): verified channels (e-mail by code, LINE by a link
//! code sent to the school's official account), subscriptions per bound child ×
//! channel × event, the paid SMS service with its cancellation requests, and the last
//! seven school days of swipes.
//!
//! This file holds what crosses the wire; the gate readers' swipe API and the daily
//! absence job live in `service` and `swipes` (server only).

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod swipes;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How many school days the attendance page shows.
pub const ATTENDANCE_DAYS: usize = 7;

/// A channel a parent can subscribe on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyChannel {
    Email,
    Line,
}

impl NotifyChannel {
    pub const ALL: [Self; 2] = [Self::Email, Self::Line];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Line => "line",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "line" => Some(Self::Line),
            _ => None,
        }
    }
}

/// What a message reports: «到校», «離校», «未到校».
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyEvent {
    Arrival,
    Departure,
    Absence,
}

impl NotifyEvent {
    pub const ALL: [Self; 3] = [Self::Arrival, Self::Departure, Self::Absence];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arrival => "arrival",
            Self::Departure => "departure",
            Self::Absence => "absence",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "arrival" => Some(Self::Arrival),
            "departure" => Some(Self::Departure),
            "absence" => Some(Self::Absence),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Arrival => "到校",
            Self::Departure => "離校",
            Self::Absence => "未到校",
        }
    }
}

/// One bound child's subscriptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildSubscriptions {
    pub binding_id: i32,
    /// e.g. 林○晴
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    /// The (channel, event) pairs subscribed.
    pub subscribed: Vec<(NotifyChannel, NotifyEvent)>,
}

/// «帳號設定»: the profile, the channels and the subscriptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationSettings {
    pub display_name: String,
    /// The login contact, in clear (it is the owner's own).
    pub login_contact: String,
    /// The address e-mail notifications go to, and whether it is verified.
    pub email: Option<String>,
    pub email_verified: bool,
    /// The mobile number, when the account signs in with one.
    pub mobile: Option<String>,
    pub line_linked: bool,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub line_linked_at: Option<DateTime<Utc>>,
    pub children: Vec<ChildSubscriptions>,
}

/// One checkbox of the subscription grid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionChange {
    pub binding_id: i32,
    pub channel: NotifyChannel,
    pub event: NotifyEvent,
    pub subscribed: bool,
}

/// A code the parent sends to the school's official LINE account to link it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineLinkCode {
    pub code: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub expires_at: DateTime<Utc>,
    /// The official account's LINE ID to add as a friend (e.g. `@school-card`).
    pub official_account: String,
}

/// Where an SMS subscription stands, as the parent and the teacher see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    /// «生效»
    Active,
    /// «註銷審核中»: a cancellation waits for the teacher.
    CancelPending,
    /// Cancelled by an approved request; messages stop from `cancelled_from`.
    Cancelled,
}

/// One term of «到離校簡訊服務» for one child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsSubscriptionRow {
    pub id: i32,
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    pub term_name: String,
    #[serde(with = "crate::domain::wire::date")]
    pub period_start: NaiveDate,
    #[serde(with = "crate::domain::wire::date")]
    pub period_end: NaiveDate,
    pub arrival: bool,
    pub departure: bool,
    /// The mobile number messages go to, masked.
    pub mobile_masked: String,
    pub status: SmsStatus,
    /// For a cancelled subscription: the first day without messages.
    #[serde(with = "crate::domain::wire::opt_date")]
    pub cancelled_from: Option<NaiveDate>,
    /// The last rejection's reason, if the teacher rejected a cancellation.
    pub reject_reason: Option<String>,
}

/// A time in the attendance table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwipeTime {
    #[serde(with = "crate::domain::wire::timestamp")]
    pub at: DateTime<Utc>,
    /// «補登»: entered by staff, not swiped.
    pub entered_by_staff: bool,
}

/// One school day of «出勤統計».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceDay {
    #[serde(with = "crate::domain::wire::date")]
    pub day: NaiveDate,
    /// The first arrival swipe («到校時間»), if any.
    pub arrival: Option<SwipeTime>,
    /// The last departure swipe («離校時間»), if any.
    pub departure: Option<SwipeTime>,
}

/// «出勤統計» of one bound child: the last school days, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildAttendance {
    pub binding_id: i32,
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    pub days: Vec<AttendanceDay>,
}

/// Back office: which SMS cancellation requests to list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancellationStatus {
    #[default]
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl CancellationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// Back office «簡訊註銷審核»: one cancellation request in the staff member's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsCancellationRow {
    pub id: i32,
    pub status: CancellationStatus,
    pub school_name: String,
    pub class_name: String,
    pub seat_no: i32,
    pub student_no: String,
    pub child_name: String,
    pub parent_display_name: String,
    pub term_name: String,
    pub arrival: bool,
    pub departure: bool,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub requested_at: DateTime<Utc>,
    #[serde(with = "crate::domain::wire::opt_date")]
    pub effective_on: Option<NaiveDate>,
    pub reject_reason: Option<String>,
}

/// `POST /api/v1/swipes`: one gate reader event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwipeEvent {
    /// The reader's own id of the event: a repeated post is the same swipe.
    pub event_id: String,
    /// The card's outer number (卡片外碼).
    pub card_outer_no: String,
    /// The reader's name; must be the one the API key belongs to.
    pub reader_id: String,
    /// `in` or `out`.
    pub direction: String,
    /// RFC 3339, e.g. `2026-11-23T07:41:09+08:00`.
    pub time: String,
}

/// The answer to a swipe post.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwipeReceipt {
    /// `recorded`, `duplicate` (the event id was seen before) or `unknown_card`.
    pub status: String,
    /// Messages queued for this swipe (0 for a duplicate).
    pub messages: usize,
}

/// Back office «出勤補登»: a time entered by staff for a student of their scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceEntryInput {
    /// «學號» of a student of the staff member's school.
    pub student_no: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// `HH:MM`, Taiwan time.
    pub time: String,
    /// `true` «到校», `false` «離校».
    pub arrival: bool,
}
