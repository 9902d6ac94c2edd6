//! Step 2 of every card wizard: identity verification («個人基本資料驗證»).
//!
//! ID + birth date + captcha identify a holder; they do not authenticate one (SPEC
//! §7), so attempts are limited per ID and per client IP in the database.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use crate::domain::dates::parse_iso_date;
use crate::domain::id_number::{self, IdMethod};
use crate::error::FieldErrors;
use crate::wizard::Wizard;
use serde::{Deserialize, Serialize};

pub use crate::domain::captcha::CaptchaChallenge;

/// What the verification form sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyIdentityInput {
    pub wizard: Wizard,
    pub method: IdMethod,
    pub id_no: String,
    /// `YYYY-MM-DD` from the date input.
    pub birth_date: String,
    pub captcha: String,
}

impl VerifyIdentityInput {
    /// Field checks shared by the browser (instant) and the server (authoritative).
    /// Codes: `id_no` → `required|format|gender|checksum|foreign_format`,
    /// `birth_date` → `required|invalid`, `captcha` → `required`.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let id = id_number::normalize(&self.id_no);
        if let Err(e) = id_number::validate_for_method(self.method, &id) {
            errors.insert("id_no".into(), e.code().into());
        }
        if self.birth_date.trim().is_empty() {
            errors.insert("birth_date".into(), "required".into());
        } else {
            match parse_iso_date(&self.birth_date) {
                Some(d)
                    if d <= chrono::Utc::now().date_naive()
                        && chrono::Datelike::year(&d) >= 1900 => {}
                _ => {
                    errors.insert("birth_date".into(), "invalid".into());
                }
            }
        }
        if self.captcha.trim().is_empty() {
            errors.insert("captcha".into(), "required".into());
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, birth: &str, captcha: &str) -> VerifyIdentityInput {
        VerifyIdentityInput {
            wizard: Wizard::Query,
            method: IdMethod::National,
            id_no: id.into(),
            birth_date: birth.into(),
            captcha: captcha.into(),
        }
    }

    #[test]
    fn field_errors_name_each_bad_field() {
        assert!(
            input("a123456789", "2015-03-14", "ABCDE")
                .field_errors()
                .is_empty()
        );
        let e = input("A123456788", "", "").field_errors();
        assert_eq!(e.get("id_no").map(String::as_str), Some("checksum"));
        assert_eq!(e.get("birth_date").map(String::as_str), Some("required"));
        assert_eq!(e.get("captcha").map(String::as_str), Some("required"));
        let e = input("A123456789", "2999-01-01", "x").field_errors();
        assert_eq!(e.get("birth_date").map(String::as_str), Some("invalid"));
    }
}
