//! The holder's cards and replacement applications as the browser sees them: their
//! states, summaries and timelines. Shared below the features: the query wizard, the
//! parent's overview, the stop wizard and the back office all show them, so none of
//! them owns them.

#[cfg(feature = "ssr")]
pub mod cards;
#[cfg(feature = "ssr")]
pub mod notices;
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

    /// Active or temporarily locked: «停卡掛失» applies to it, and while it lives no
    /// replacement may be applied for.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Locked)
    }
}

/// Which card wizards fit the holder now, decided on the server by the rule the
/// wizards themselves enforce, so a page never offers what would be refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderActions {
    /// «停卡掛失»: a card is active or locked.
    pub stop: bool,
    /// «線上申辦»: no live card and no application in progress (the apply wizard's
    /// duplicate guard, `apply::service::block`).
    pub apply: bool,
}

impl HolderActions {
    /// From the cards and the applications' effective states.
    pub fn of(cards: &[CardSummary], applications: &[ApplicationSummary]) -> Self {
        let live = cards.iter().any(|c| c.status.is_live());
        let open = applications.iter().any(|a| a.status.is_open());
        Self {
            stop: live,
            apply: !live && !open,
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
    /// «退費處理中» / «已退費» of that report's refund, when one is due.
    #[serde(default)]
    pub refund: Option<crate::domain::refund::RefundProgress>,
}

/// Application states, shown exactly as «待繳費», «已繳費», «處理中», «等待印卡回應»,
/// «已寄出», «已結案», «退件», «逾期未繳».
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    AwaitingPayment,
    Paid,
    /// «處理中»: paid and approved, waiting for the old card (mailed back with the
    /// «處理作業單» for a damaged card or a name change) to reach the issuer.
    Processing,
    Printing,
    Shipped,
    Closed,
    Returned,
    /// Unpaid past the deadline plus the grace period (computed, never stored).
    Expired,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Processing => "processing",
            Self::Printing => "printing",
            Self::Shipped => "shipped",
            Self::Closed => "closed",
            Self::Returned => "returned",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AwaitingPayment,
            Self::Paid,
            Self::Processing,
            Self::Printing,
            Self::Shipped,
            Self::Closed,
            Self::Returned,
            Self::Expired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Still in progress: a new application must wait for it.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::AwaitingPayment | Self::Paid | Self::Processing | Self::Printing | Self::Shipped
        )
    }

    /// The visible status text.
    pub fn label(self, english: bool) -> &'static str {
        match (self, english) {
            (Self::AwaitingPayment, false) => "待繳費",
            (Self::Paid, false) => "已繳費",
            (Self::Processing, false) => "處理中",
            (Self::Printing, false) => "等待印卡回應",
            (Self::Shipped, false) => "已寄出",
            (Self::Closed, false) => "已結案",
            (Self::Returned, false) => "退件",
            (Self::Expired, false) => "逾期未繳",
            (Self::AwaitingPayment, true) => "Awaiting payment",
            (Self::Paid, true) => "Paid",
            (Self::Processing, true) => "Waiting for the old card",
            (Self::Printing, true) => "Sent to the print centre",
            (Self::Shipped, true) => "Shipped",
            (Self::Closed, true) => "Closed",
            (Self::Returned, true) => "Returned",
            (Self::Expired, true) => "Expired unpaid",
        }
    }
}

/// Whether an application with this stored status and due date counts as «逾期未繳»
/// on `today` (Taiwan date): unpaid after the deadline plus `grace_days`.
pub fn effective_status(
    stored: ApplicationStatus,
    due_on: NaiveDate,
    grace_days: i64,
    today: NaiveDate,
) -> ApplicationStatus {
    if stored == ApplicationStatus::AwaitingPayment
        && today > due_on + chrono::Duration::days(grace_days)
    {
        ApplicationStatus::Expired
    } else {
        stored
    }
}

/// One step of an application's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    pub status: ApplicationStatus,
    /// When it was reached; `None` for steps still ahead.
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// An application as the query wizard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationSummary {
    pub serial_no: String,
    pub card_type_zh: String,
    pub card_type_en: String,
    pub status: ApplicationStatus,
    pub amount: i32,
    #[serde(with = "crate::domain::wire::date")]
    pub applied_on: NaiveDate,
    #[serde(with = "crate::domain::wire::date")]
    pub due_on: NaiveDate,
    #[serde(with = "crate::domain::wire::opt_date")]
    pub paid_on: Option<NaiveDate>,
    pub return_reason: Option<String>,
    pub timeline: Vec<TimelineStep>,
    /// The steps between the states (SPEC §1 3d): approved by the school, put in a print
    /// batch, printed; `None` while ahead.
    #[serde(default, with = "crate::domain::wire::opt_timestamp")]
    pub approved_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::domain::wire::opt_timestamp")]
    pub batched_at: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::domain::wire::opt_timestamp")]
    pub printed_at: Option<DateTime<Utc>>,
    /// «掛號號碼» of the shipment by registered mail.
    #[serde(default)]
    pub mail_no: Option<String>,
    /// The old card's balance moved onto this card (a stop «掛失並將餘額轉入新卡»).
    #[serde(default)]
    pub carried_balance: Option<i32>,
    /// «LINE Pay 付款» is offered beside «下載繳費單» (configured, and unpaid).
    #[serde(default)]
    pub line_pay: bool,
}

/// Whether an application's old card must be mailed back to the issuer before the new
/// one is printed: the holder still has it (a damaged card, a name change: the iPASS
/// "card still here: reissue"), unlike a lost one.
pub fn old_card_required(reason: &str) -> bool {
    matches!(reason, "damaged" | "other")
}

/// Where a paid and approved application goes next: «處理中» while its old card is
/// still to reach the issuer, else to the print centre («等待印卡回應»).
pub fn ready_status(reason: &str, old_card_received: bool) -> ApplicationStatus {
    if old_card_required(reason) && !old_card_received {
        ApplicationStatus::Processing
    } else {
        ApplicationStatus::Printing
    }
}

/// The road an application takes: each state in order (returned and expired end it).
pub const TIMELINE: [ApplicationStatus; 5] = [
    ApplicationStatus::AwaitingPayment,
    ApplicationStatus::Paid,
    ApplicationStatus::Printing,
    ApplicationStatus::Shipped,
    ApplicationStatus::Closed,
];
