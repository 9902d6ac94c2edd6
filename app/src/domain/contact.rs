//! Contact details a parent or applicant types: Taiwanese mobile and phone numbers and
//! e-mail addresses.

use serde::{Deserialize, Serialize};

pub(crate) fn trimmed_len(s: &str) -> usize {
    s.trim().chars().count()
}

/// Mobile numbers: `09` + 8 digits (spaces and dashes ignored).
pub fn valid_mobile(s: &str) -> bool {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    digits.len() == 10 && digits.starts_with("09") && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Telephone numbers: 7–20 characters of digits, `-`, `(`, `)`, `#`, space, `+`, with
/// at least 7 digits.
pub fn valid_phone(s: &str) -> bool {
    let s = s.trim();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    (7..=20).contains(&s.len())
        && digits >= 7
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'(' | b')' | b'#' | b' ' | b'+'))
}

/// E-mail addresses: the `validator` crate's rules on the server; in the browser a
/// structural check (one `@`, a dotted domain), because the crate's regular
/// expressions would triple the page's download. The server has the last word.
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    if s.len() > 120 {
        return false;
    }
    #[cfg(feature = "ssr")]
    {
        validator::ValidateEmail::validate_email(&s)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let Some((local, domain)) = s.split_once('@') else {
            return false;
        };
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(char::is_whitespace)
    }
}

/// How a parent signs in: an e-mail address or a Taiwanese mobile number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ParentContact {
    /// Lower-cased and trimmed.
    Email(String),
    /// `09` + 8 digits, without blanks or dashes.
    Mobile(String),
}

impl ParentContact {
    /// Reads what the parent typed as account: an address when it holds an `@`, else
    /// a mobile number (`09xxxxxxxx`, blanks and dashes ignored).
    ///
    /// # Errors
    /// `required` or `format`.
    pub fn parse(typed: &str) -> Result<Self, &'static str> {
        let t = typed.trim();
        if t.is_empty() {
            return Err("required");
        }
        if t.contains('@') {
            return if valid_email(t) {
                Ok(Self::Email(t.to_lowercase()))
            } else {
                Err("format")
            };
        }
        if valid_mobile(t) {
            Ok(Self::Mobile(
                t.chars().filter(|c| !matches!(c, ' ' | '-')).collect(),
            ))
        } else {
            Err("format")
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Mobile(_) => "mobile",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Self::Email(v) | Self::Mobile(v) => v,
        }
    }

    /// With the one masking function of each kind.
    pub fn masked(&self) -> String {
        match self {
            Self::Email(e) => crate::domain::masking::mask_email(e),
            Self::Mobile(m) => crate::domain::masking::mask_mobile(m),
        }
    }
}
