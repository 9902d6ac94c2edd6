//! «停卡掛失»: the verified holder's cards, the reversible temporary lock, and the
//! irreversible, exactly-once loss report with an optional refund (SPEC §1 3a, §7, §10).

pub mod api;
pub mod draft;
mod draft_sync;
#[cfg(feature = "ssr")]
pub mod refunds;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod step_up;
pub mod step_up_view;
pub mod view;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::domain::refund::{RefundChoice, RefundEstimate, StopFees};
use crate::holder::CardStatus;

/// One of the holder's cards on the stop page. `card_ref` is an opaque reference valid
/// only for this session's verified holder; the outer number is masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopCardRow {
    pub card_ref: String,
    pub card_type_zh: String,
    pub card_type_en: String,
    pub status: CardStatus,
    pub school_name: String,
    pub outer_no_masked: String,
    #[serde(with = "crate::domain::wire::date")]
    pub applied_on: NaiveDate,
    pub fee: i32,
    pub balance: i32,
    #[serde(with = "crate::domain::wire::opt_timestamp")]
    pub stopped_at: Option<DateTime<Utc>>,
}

/// Everything the stop wizard shows after verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopOverview {
    pub masked_name: String,
    pub school_name: String,
    pub class_name: String,
    pub cards: Vec<StopCardRow>,
    pub fees: StopFees,
    /// Where a step-up code would be sent (masked), if the roster has a contact: the
    /// first of `step_up_contacts`.
    pub step_up_contact: Option<String>,
    /// Every guardian contact a step-up code goes to (masked): mobile, then e-mail.
    #[serde(default)]
    pub step_up_contacts: Vec<String>,
    /// A logged-in parent started the wizard for a bound child («家長專區»): no step-up
    /// code is asked for.
    #[serde(default)]
    pub started_by_parent: bool,
    /// Hours the holder bears misuse after the report (setting `loss.liability_hours`).
    pub liability_hours: i32,
}

/// Bank-transfer refund details (account holder = card holder).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BankDetails {
    pub bank_code: String,
    pub branch_code: String,
    pub account_no: String,
}

/// Cheque refund details: where the registered letter goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ChequeDetails {
    pub postal_code: String,
    pub address: String,
}

/// «送出停卡申請». The idempotency key is made once per confirmation page in the
/// browser: a retry or a double click sends the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRequestInput {
    pub card_ref: String,
    pub choice: RefundChoice,
    #[serde(default)]
    pub bank: Option<BankDetails>,
    #[serde(default)]
    pub cheque: Option<ChequeDetails>,
    /// The 6-digit code sent to the guardian contact, when there is one.
    #[serde(default)]
    pub step_up_code: Option<String>,
    pub idempotency_key: String,
}

impl StopRequestInput {
    /// Field checks shared by browser and server. Fields: `bank_code`, `branch_code`,
    /// `account_no`, `postal_code`, `address` with the codes of
    /// [`crate::domain::refund::RefundFieldError`].
    pub fn field_errors(&self) -> crate::error::FieldErrors {
        use crate::domain::refund::*;
        let mut errors = crate::error::FieldErrors::new();
        let mut check = |field: &str, r: Result<(), RefundFieldError>| {
            if let Err(e) = r {
                errors.insert(field.into(), e.code().into());
            }
        };
        match self.choice {
            RefundChoice::NoRefund | RefundChoice::TransferToNewCard => {}
            RefundChoice::BankTransfer => {
                let b = self.bank.clone().unwrap_or_default();
                check("bank_code", validate_bank_code(&b.bank_code));
                check("branch_code", validate_branch_code(&b.branch_code));
                check(
                    "account_no",
                    validate_account_no(&b.bank_code, &b.account_no),
                );
            }
            RefundChoice::Cheque => {
                let c = self.cheque.clone().unwrap_or_default();
                check("postal_code", validate_postal_code(&c.postal_code));
                check("address", validate_address(&c.address));
            }
        }
        errors
    }
}

/// The answer to a stop: the same for every retry with the same idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopReceipt {
    /// e.g. `ST20261123000042`
    pub serial_no: String,
    pub outer_no_masked: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub stopped_at: DateTime<Utc>,
    /// From this time on the holder no longer bears misuse (stop + liability hours).
    #[serde(with = "crate::domain::wire::timestamp")]
    pub protected_from: DateTime<Utc>,
    pub choice: RefundChoice,
    pub estimate: RefundEstimate,
}

/// Where the step-up code went (masked: every guardian contact), and in how many
/// seconds «重新寄送驗證碼» is allowed (0: now).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUpSent {
    pub destinations: Vec<String>,
    pub resend_after_secs: u64,
    /// `false` when opening the step found a code sent earlier that still works.
    pub sent_now: bool,
}
