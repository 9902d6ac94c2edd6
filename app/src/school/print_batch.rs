//! The print batches as the back office sees them (SPEC §11, issue 17 item 1): the card
//! officer (their school) and the issuer's operators (every school) collect the paid
//! and approved applications into a batch, see each batch with its counts by state,
//! download a batch (print.csv and the headshots in one zip) and mark an application
//! handed over at school («已結案»). Teachers see none of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One print batch, counted within the staff member's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintBatchRow {
    pub id: i32,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    /// Applications of the batch in scope.
    pub count: u32,
    /// Of those: still at the print centre («等待印卡回應»), «已寄出», «已結案».
    pub printing: u32,
    pub shipped: u32,
    pub closed: u32,
}

/// The print batch page: what waits for a batch, and the batches, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintBatchOverview {
    /// Paid and approved applications («等待印卡回應») not yet in a batch.
    pub waiting: u32,
    pub batches: Vec<PrintBatchRow>,
}

/// One application of a batch (in scope).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintBatchItem {
    pub serial_no: String,
    pub applicant: String,
    pub class_name: String,
    /// `mail` or `school`.
    pub delivery: String,
    /// `printing`, `shipped` or `closed`.
    pub status: String,
    /// «掛號號碼» of a shipment.
    pub mail_no: Option<String>,
}
