//! Taiwanese identity numbers (SPEC §8): national ID (身分證字號), resident certificate
//! (居留證, new and old formats) and passport numbers.
//!
//! The same functions run in the browser (instant field errors) and on the server
//! (the check that counts).

use serde::{Deserialize, Serialize};

/// Which kind of number the holder identifies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    National,
    Resident,
    Passport,
}

impl IdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::National => "national",
            IdKind::Resident => "resident",
            IdKind::Passport => "passport",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "national" => Some(IdKind::National),
            "resident" => Some(IdKind::Resident),
            "passport" => Some(IdKind::Passport),
            _ => None,
        }
    }
}

/// How the user chose to identify on the verification step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IdMethod {
    /// 身分證號
    #[default]
    National,
    /// 居留證號/護照號碼
    Foreign,
}

/// Why a number was rejected. The UI turns each into a message next to the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdError {
    Required,
    /// Not one letter followed by nine digits.
    Format,
    /// The second character of a national ID must be 1 or 2.
    Gender,
    /// Well-formed but the check digit does not match.
    Checksum,
    /// Neither a resident certificate nor a 6–20 character passport number.
    ForeignFormat,
}

impl IdError {
    pub fn code(self) -> &'static str {
        match self {
            IdError::Required => "required",
            IdError::Format => "format",
            IdError::Gender => "gender",
            IdError::Checksum => "checksum",
            IdError::ForeignFormat => "foreign_format",
        }
    }
}

/// Upper-cases and removes blanks, as people type IDs with spaces or in lower case.
pub fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The two-digit value of an area letter (A10 … Z33).
fn letter_value(c: char) -> Option<u32> {
    Some(match c {
        'A' => 10,
        'B' => 11,
        'C' => 12,
        'D' => 13,
        'E' => 14,
        'F' => 15,
        'G' => 16,
        'H' => 17,
        'I' => 34,
        'J' => 18,
        'K' => 19,
        'L' => 20,
        'M' => 21,
        'N' => 22,
        'O' => 35,
        'P' => 23,
        'Q' => 24,
        'R' => 25,
        'S' => 26,
        'T' => 27,
        'U' => 28,
        'V' => 29,
        'W' => 32,
        'X' => 30,
        'Y' => 31,
        'Z' => 33,
        _ => return None,
    })
}

/// The §8 checksum over the letter value and nine digits: true if divisible by 10.
fn checksum_ok(letter: char, digits: &[u32; 9]) -> bool {
    let Some(v) = letter_value(letter) else {
        return false;
    };
    let weights = [8, 7, 6, 5, 4, 3, 2, 1, 1];
    let sum = (v / 10) + (v % 10) * 9 + digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>();
    sum % 10 == 0
}

/// Splits "A123456789"-shaped input: letter, second character, eight trailing digits.
fn shape(id: &str) -> Option<(char, char, [u32; 8])> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 10 || !chars[0].is_ascii_uppercase() {
        return None;
    }
    let mut tail = [0u32; 8];
    for (slot, c) in tail.iter_mut().zip(&chars[2..]) {
        *slot = c.to_digit(10)?;
    }
    Some((chars[0], chars[1], tail))
}

/// Validates a national ID (身分證字號), already normalised.
///
/// # Errors
/// The first rule the number breaks.
pub fn validate_national_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Required);
    }
    let (letter, second, tail) = shape(id).ok_or(IdError::Format)?;
    letter_value(letter).ok_or(IdError::Format)?;
    let d1 = second.to_digit(10).ok_or(IdError::Format)?;
    if d1 != 1 && d1 != 2 {
        return Err(IdError::Gender);
    }
    if checksum_ok(letter, &nine(d1, tail)) {
        Ok(())
    } else {
        Err(IdError::Checksum)
    }
}

fn nine(d1: u32, tail: [u32; 8]) -> [u32; 9] {
    let mut d = [0u32; 9];
    d[0] = d1;
    d[1..].copy_from_slice(&tail);
    d
}

/// Validates a resident certificate number (new format: second character 8 or 9; old
/// format: second character A–D whose letter value's last digit stands for d1).
///
/// # Errors
/// `Format` when it is not shaped like a resident certificate, `Checksum` otherwise.
pub fn validate_resident_certificate(id: &str) -> Result<(), IdError> {
    let (letter, second, tail) = shape(id).ok_or(IdError::Format)?;
    letter_value(letter).ok_or(IdError::Format)?;
    let d1 = match second {
        '8' | '9' => second.to_digit(10).ok_or(IdError::Format)?,
        'A'..='D' => letter_value(second).ok_or(IdError::Format)? % 10,
        _ => return Err(IdError::Format),
    };
    if checksum_ok(letter, &nine(d1, tail)) {
        Ok(())
    } else {
        Err(IdError::Checksum)
    }
}

/// True if the number is shaped like a resident certificate (so its checksum must hold).
fn looks_like_resident_certificate(id: &str) -> bool {
    shape(id)
        .is_some_and(|(l, s, _)| letter_value(l).is_some() && matches!(s, '8' | '9' | 'A'..='D'))
}

/// Validates what was typed under «居留證號/護照號碼»: a resident certificate when it
/// has that shape (checksum enforced), otherwise a passport number of 6–20 letters
/// and digits.
///
/// # Errors
/// `Required`, `Checksum` for a mistyped certificate, `ForeignFormat` otherwise.
pub fn validate_foreign_id(id: &str) -> Result<IdKind, IdError> {
    if id.is_empty() {
        return Err(IdError::Required);
    }
    if looks_like_resident_certificate(id) {
        return validate_resident_certificate(id).map(|()| IdKind::Resident);
    }
    let len = id.chars().count();
    if (6..=20).contains(&len) && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(IdKind::Passport)
    } else {
        Err(IdError::ForeignFormat)
    }
}

/// Validates input for the chosen method and tells which kind of number it is.
///
/// # Errors
/// See [`validate_national_id`] and [`validate_foreign_id`].
pub fn validate_for_method(method: IdMethod, normalized: &str) -> Result<IdKind, IdError> {
    match method {
        IdMethod::National => validate_national_id(normalized).map(|()| IdKind::National),
        IdMethod::Foreign => validate_foreign_id(normalized),
    }
}

/// Any valid kind (used by the roster import, where the column holds all three).
///
/// # Errors
/// The error of the most likely kind.
pub fn validate_any(normalized: &str) -> Result<IdKind, IdError> {
    if normalized.is_empty() {
        return Err(IdError::Required);
    }
    match shape(normalized) {
        Some((_, '1' | '2', _)) => validate_national_id(normalized).map(|()| IdKind::National),
        _ => validate_foreign_id(normalized),
    }
}

/// Completes a national ID or new-format resident certificate with its check digit:
/// given a letter and eight digits (second character included), returns the 10
/// characters. Used by the demo data and tests to make valid numbers.
pub fn with_check_digit(letter: char, first_eight: &str) -> Option<String> {
    let digits: Vec<u32> = first_eight
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 8 {
        return None;
    }
    let v = letter_value(letter)?;
    let weights = [8, 7, 6, 5, 4, 3, 2, 1];
    let partial =
        (v / 10) + (v % 10) * 9 + digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>();
    let check = (10 - partial % 10) % 10;
    Some(format!("{letter}{first_eight}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn national_ids_are_checked_as_a_table() {
        let cases: &[(&str, Result<(), IdError>)] = &[
            ("A123456789", Ok(())),
            ("F131104093", Ok(())),
            ("A223456781", Ok(())),
            ("", Err(IdError::Required)),
            ("A12345678", Err(IdError::Format)),
            ("A1234567890", Err(IdError::Format)),
            ("1123456789", Err(IdError::Format)),
            ("A12345678X", Err(IdError::Format)),
            ("A323456789", Err(IdError::Gender)),
            ("A823456789", Err(IdError::Gender)),
            ("A123456788", Err(IdError::Checksum)),
            ("B123456789", Err(IdError::Checksum)),
        ];
        for (id, want) in cases {
            assert_eq!(validate_national_id(id), *want, "{id}");
        }
    }

    #[test]
    fn resident_certificates_new_and_old_formats() {
        let new = with_check_digit('A', "80000001").expect("valid");
        assert_eq!(validate_resident_certificate(&new), Ok(()));
        assert_eq!(validate_foreign_id(&new), Ok(IdKind::Resident));
        // Old format: AC + 8 digits, C counts as 2 in the d1 position.
        let mut old = None;
        for check in 0..10 {
            let candidate = format!("AC0000001{check}");
            if validate_resident_certificate(&candidate).is_ok() {
                old = Some(candidate);
            }
        }
        let old = old.expect("one check digit fits");
        assert_eq!(validate_foreign_id(&old), Ok(IdKind::Resident));
        let mut broken = old.clone();
        let last = broken.pop().and_then(|c| c.to_digit(10)).expect("digit");
        broken.push(char::from_digit((last + 1) % 10, 10).expect("digit"));
        assert_eq!(validate_foreign_id(&broken), Err(IdError::Checksum));
    }

    #[test]
    fn passports_are_six_to_twenty_alphanumerics() {
        assert_eq!(validate_foreign_id("X1234567"), Ok(IdKind::Passport));
        assert_eq!(validate_foreign_id("AB12CD"), Ok(IdKind::Passport));
        assert_eq!(validate_foreign_id("AB12C"), Err(IdError::ForeignFormat));
        assert_eq!(
            validate_foreign_id("A1234567890123456789X"),
            Err(IdError::ForeignFormat)
        );
        assert_eq!(validate_foreign_id("AB-12345"), Err(IdError::ForeignFormat));
        assert_eq!(validate_foreign_id(""), Err(IdError::Required));
    }

    #[test]
    fn national_method_rejects_a_passport() {
        assert_eq!(
            validate_for_method(IdMethod::National, "X1234567"),
            Err(IdError::Format)
        );
        assert_eq!(validate_any("A123456789"), Ok(IdKind::National));
        assert_eq!(validate_any("X1234567"), Ok(IdKind::Passport));
    }

    #[test]
    fn normalisation_strips_blanks_and_upper_cases() {
        assert_eq!(normalize(" a12345 6789 "), "A123456789");
    }

    #[test]
    fn check_digit_helper_makes_valid_ids() {
        assert_eq!(
            with_check_digit('A', "12345678").as_deref(),
            Some("A123456789")
        );
    }

    fn valid_national_id() -> impl Strategy<Value = String> {
        (0usize..26, 1u32..=2, 0u32..10_000_000).prop_filter_map("valid", |(l, g, n)| {
            let letter = char::from(b'A' + u8::try_from(l).ok()?);
            with_check_digit(letter, &format!("{g}{n:07}"))
        })
    }

    /// The §8 weight of each position after the letter.
    const WEIGHTS: [u32; 9] = [8, 7, 6, 5, 4, 3, 2, 1, 1];

    fn letter_term(c: char) -> Option<u32> {
        letter_value(c).map(|v| (v / 10 + (v % 10) * 9) % 10)
    }

    proptest! {
        /// Every single-character change of a valid ID is rejected, except the changes
        /// the §8 checksum cannot see by construction: those that move the weighted sum
        /// by a multiple of 10 (e.g. a weight-5 digit changed by 2, or an area letter
        /// swapped for one with the same term). Those few are asserted to pass, so the
        /// test documents the blind spot instead of hiding it.
        #[test]
        fn every_single_character_change_of_a_valid_id_is_rejected(
            id in valid_national_id(),
            pos in 0usize..10,
            replacement in prop::sample::select(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".chars().collect::<Vec<_>>()),
        ) {
            prop_assert_eq!(validate_national_id(&id), Ok(()));
            let mut chars: Vec<char> = id.chars().collect();
            prop_assume!(chars[pos] != replacement);
            let invisible = if pos == 0 {
                letter_term(replacement).is_some()
                    && letter_term(replacement) == letter_term(chars[0])
            } else {
                match (chars[pos].to_digit(10), replacement.to_digit(10)) {
                    (Some(old), Some(new)) => {
                        let w = WEIGHTS[pos - 1];
                        let gender_ok = pos != 1 || new == 1 || new == 2;
                        gender_ok && (w * old) % 10 == (w * new) % 10
                    }
                    _ => false,
                }
            };
            chars[pos] = replacement;
            let changed: String = chars.into_iter().collect();
            if invisible {
                prop_assert_eq!(validate_national_id(&changed), Ok(()));
            } else {
                prop_assert!(validate_national_id(&changed).is_err(), "{} accepted", changed);
            }
        }
    }
}
