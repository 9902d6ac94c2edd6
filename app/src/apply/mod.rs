//! «線上申辦卡片»: a replacement card application with a cropped headshot, a payment
//! slip and the status timeline (SPEC §1 3b–3d, §7, §8).

pub mod api;
#[cfg(feature = "ssr")]
pub mod line_pay;
#[cfg(feature = "ssr")]
pub mod old_cards;
pub mod payments;
pub mod photo_crop;
#[cfg(feature = "ssr")]
pub mod print_centre;
#[cfg(feature = "ssr")]
pub mod print_results_file;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::contact::trimmed_len;
pub use crate::domain::contact::{valid_email, valid_mobile, valid_phone};
use crate::error::FieldErrors;
pub use crate::holder::{
    ApplicationStatus, ApplicationSummary, TIMELINE, TimelineStep, effective_status,
};

/// «申請原因».
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationReason {
    /// Lost (after a stop).
    #[default]
    Lost,
    Damaged,
    /// Reported lost earlier (at the counter or by phone).
    ReportedLost,
    /// Name change etc., with a remark.
    Other,
}

impl ApplicationReason {
    pub const ALL: [Self; 4] = [Self::Lost, Self::Damaged, Self::ReportedLost, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lost => "lost",
            Self::Damaged => "damaged",
            Self::ReportedLost => "reported_lost",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The card is still in the holder's hand (damaged, a name change): it is reissued
    /// without a stop, and the old card is mailed back (`holder::old_card_required`).
    pub fn card_in_hand(self) -> bool {
        crate::holder::old_card_required(self.as_str())
    }
}

/// «卡片領卡資訊»: where the new card goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Registered mail to an address.
    #[default]
    Mail,
    /// To the school, which hands it over.
    School,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::School => "school",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mail" => Some(Self::Mail),
            "school" => Some(Self::School),
            _ => None,
        }
    }
}

/// A card type the holder may apply for (by the school's level), with its fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTypeOption {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub fee: i32,
}

/// Why no application can be made now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ApplyBlock {
    /// The holder still has an active (or temporarily locked) card: a lost card is
    /// stopped first; a damaged card or a name change is reissued with the card in
    /// hand (the reasons of [`ApplicationReason::card_in_hand`]), so this blocks only
    /// the other reasons.
    ActiveCard { outer_no_masked: String },
    /// An application is already in progress.
    OpenApplication { serial_no: String },
}

impl ApplyBlock {
    /// Whether this stops the application whatever its reason.
    pub fn blocks_every_reason(&self) -> bool {
        matches!(self, Self::OpenApplication { .. })
    }

    /// Whether this stops an application for `reason`.
    pub fn blocks(&self, reason: ApplicationReason) -> bool {
        self.blocks_every_reason() || !reason.card_in_hand()
    }
}

/// The applicant's data from the roster: shown read-only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterApplicant {
    /// The full name, as it will be printed on the card (the holder is verified).
    pub name: String,
    /// e.g. `A12345****`
    pub id_masked: String,
    #[serde(with = "crate::domain::wire::date")]
    pub birth_date: NaiveDate,
    /// `M` / `F`
    pub gender: String,
    /// 國小 / 國中 / 高中 (as on the roster).
    pub level: String,
    pub school_name: String,
    pub class_name: String,
}

/// What the parent fills in; kept in the server session between steps so a reload or
/// a server restart loses nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApplyDraft {
    pub card_type: String,
    pub reason: ApplicationReason,
    #[serde(default)]
    pub reason_remark: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub address: String,
    pub delivery: Delivery,
    #[serde(default)]
    pub recipient_name: String,
    #[serde(default)]
    pub recipient_address: String,
    #[serde(default)]
    pub recipient_phone: String,
    #[serde(default)]
    pub recipient_email: String,
}

/// The steps of the form, each checked before the next one opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplyStep {
    /// Card type, reason and contacts.
    Applicant,
    /// The headshot.
    Photo,
    /// «卡片領卡資訊».
    Delivery,
}

impl ApplyDraft {
    /// Field checks of one step, shared by browser and server. Codes: `required`,
    /// `format`, `too_long`.
    pub fn step_errors(&self, step: ApplyStep) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let mut put = |field: &str, code: &str| {
            errors.insert(field.to_owned(), code.to_owned());
        };
        let text = |put: &mut dyn FnMut(&str, &str), field: &str, value: &str, max: usize| {
            if trimmed_len(value) == 0 {
                put(field, "required");
            } else if trimmed_len(value) > max {
                put(field, "too_long");
            }
        };
        match step {
            ApplyStep::Applicant => {
                if self.card_type.trim().is_empty() {
                    put("card_type", "required");
                }
                if self.reason == ApplicationReason::Other {
                    text(&mut put, "reason_remark", &self.reason_remark, 100);
                } else if trimmed_len(&self.reason_remark) > 100 {
                    put("reason_remark", "too_long");
                }
                if self.mobile.trim().is_empty() {
                    put("mobile", "required");
                } else if !valid_mobile(&self.mobile) {
                    put("mobile", "format");
                }
                if !self.email.trim().is_empty() && !valid_email(&self.email) {
                    put("email", "format");
                }
                if !self.phone.trim().is_empty() && !valid_phone(&self.phone) {
                    put("phone", "format");
                }
                if trimmed_len(&self.contact_name) > 40 {
                    put("contact_name", "too_long");
                }
                if !self.contact_phone.trim().is_empty() && !valid_phone(&self.contact_phone) {
                    put("contact_phone", "format");
                }
                text(&mut put, "address", &self.address, 120);
            }
            ApplyStep::Photo => {}
            ApplyStep::Delivery => {
                text(&mut put, "recipient_name", &self.recipient_name, 40);
                if self.delivery == Delivery::Mail {
                    text(&mut put, "recipient_address", &self.recipient_address, 120);
                }
                if self.recipient_phone.trim().is_empty() {
                    put("recipient_phone", "required");
                } else if !valid_phone(&self.recipient_phone) {
                    put("recipient_phone", "format");
                }
                if !self.recipient_email.trim().is_empty() && !valid_email(&self.recipient_email) {
                    put("recipient_email", "format");
                }
            }
        }
        errors
    }

    /// Every step's checks.
    pub fn field_errors(&self) -> FieldErrors {
        let mut all = self.step_errors(ApplyStep::Applicant);
        all.extend(self.step_errors(ApplyStep::Delivery));
        all
    }
}

/// Everything the apply wizard shows after verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOverview {
    pub masked_name: String,
    pub applicant: RosterApplicant,
    pub card_types: Vec<CardTypeOption>,
    pub block: Option<ApplyBlock>,
    /// The holder has a stopped card (the reason defaults to «lost»).
    pub has_stopped_card: bool,
    /// The draft saved so far in this session.
    pub draft: Option<ApplyDraft>,
    /// A headshot was uploaded in this session (served at `/api/apply/photo`).
    pub has_photo: bool,
    pub deadline_days: i32,
}

/// «確認資料無誤送出申請». The idempotency key is made once per summary page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyInput {
    pub draft: ApplyDraft,
    pub idempotency_key: String,
}

/// The answer to a submitted application («卡片送交印卡中心»), the same for every
/// retry with the same key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationReceipt {
    /// e.g. `AP20261123000001`
    pub serial_no: String,
    pub card_type_zh: String,
    pub card_type_en: String,
    pub amount: i32,
    pub recipient_name: String,
    pub delivery: Delivery,
    /// The mailing address, or the school's name when the school hands it over.
    pub recipient_address: String,
    #[serde(with = "crate::domain::wire::date")]
    pub due_on: NaiveDate,
    pub payment_no: String,
}

/// One barcode of the convenience-store slip: its SVG and its human-readable line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlipBarcode {
    pub text: String,
    pub svg: String,
}

/// «繳費單»: everything the printable slip shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSlip {
    pub serial_no: String,
    /// e.g. 林○晴
    pub payer: String,
    pub school_name: String,
    pub item_zh: String,
    pub item_en: String,
    pub amount: i32,
    #[serde(with = "crate::domain::wire::date")]
    pub due_on: NaiveDate,
    pub payment_no: String,
    pub barcodes: Vec<SlipBarcode>,
    pub atm_account: String,
    pub atm_bank: String,
    pub qr_svg: String,
    pub payee_zh: String,
    pub payee_en: String,
    /// Already paid (a slip is then only a record).
    pub paid: bool,
    /// «LINE Pay 付款» is offered (configured, and the application unpaid).
    #[serde(default)]
    pub line_pay: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> ApplyDraft {
        ApplyDraft {
            card_type: "KL-PRIMARY".into(),
            reason: ApplicationReason::Lost,
            mobile: "0912-345-678".into(),
            address: "基隆市仁愛區愛一路1號".into(),
            delivery: Delivery::School,
            recipient_name: "林小明".into(),
            recipient_phone: "02-2422-1234".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_filled_draft_passes_and_each_rule_names_its_field() {
        assert!(filled().field_errors().is_empty());
        let mut d = filled();
        d.mobile = "0812345678".into();
        d.email = "not-an-email".into();
        d.reason = ApplicationReason::Other;
        d.delivery = Delivery::Mail;
        let e = d.field_errors();
        assert_eq!(e.get("mobile").map(String::as_str), Some("format"));
        assert_eq!(e.get("email").map(String::as_str), Some("format"));
        assert_eq!(e.get("reason_remark").map(String::as_str), Some("required"));
        assert_eq!(
            e.get("recipient_address").map(String::as_str),
            Some("required")
        );
    }

    #[test]
    fn unpaid_applications_expire_after_deadline_plus_grace() {
        let due = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let day = |d| due + chrono::Duration::days(d);
        let s = ApplicationStatus::AwaitingPayment;
        assert_eq!(effective_status(s, due, 30, day(30)), s);
        assert_eq!(
            effective_status(s, due, 30, day(31)),
            ApplicationStatus::Expired
        );
        let paid = ApplicationStatus::Paid;
        assert_eq!(effective_status(paid, due, 30, day(99)), paid);
        assert!(!ApplicationStatus::Expired.is_open());
        assert!(ApplicationStatus::Paid.is_open());
    }

    #[test]
    fn phones_and_mobiles() {
        assert!(valid_mobile("0912 345 678"));
        assert!(!valid_mobile("091234567"));
        assert!(valid_phone("(02)2422-1234#12"));
        assert!(!valid_phone("abc1234567"));
    }
}
