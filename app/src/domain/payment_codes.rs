//! Payment codes printed on the replacement-fee slip (SPEC §8): the payment number
//! («繳款編號»), the three convenience-store Code 39 barcodes, the ATM virtual account
//! («轉帳帳號»), the mobile-banking QR payload and, on the server only, their SVG renderings.
//!
//! Pure rules, no I/O: the merchant prefix, the collection item code and the ATM company
//! code are configuration that the caller passes in.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Largest amount (NT$) the 9-digit amount field of barcode 3 can carry.
pub const MAX_AMOUNT: i64 = 999_999_999;

/// Why a payment code could not be built, parsed or rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentCodeError {
    #[error("merchant prefix must be 1–8 uppercase ASCII letters or digits, got {0:?}")]
    InvalidPrefix(String),
    #[error("serial {serial} does not fit in {digits} digits")]
    SerialTooLarge { serial: u64, digits: usize },
    #[error("payment number must be 16 characters, got {0}")]
    InvalidLength(usize),
    #[error("payment number may only hold uppercase ASCII letters and digits, got {0:?}")]
    InvalidCharacter(char),
    #[error("payment number check digit is {found}, expected {expected}")]
    CheckDigitMismatch { expected: char, found: char },
    #[error("collection item code must be 3 uppercase ASCII letters or digits, got {0:?}")]
    InvalidItemCode(String),
    #[error("due date {0} is outside 2000–2099 (the barcodes carry a 2-digit year)")]
    DueDateOutOfRange(NaiveDate),
    #[error("amount {0} is outside NT$1–999,999,999")]
    AmountOutOfRange(i64),
    #[error("ATM company code must be exactly 5 digits, got {0:?}")]
    InvalidCompanyCode(String),
    #[error("characters 8–15 of payment number {0} are not all digits: no ATM account")]
    NonNumericAccountPart(String),
    #[error("Code 39 cannot encode {0:?}")]
    Code39Character(char),
    #[error("a barcode needs at least one character")]
    EmptyBarcode,
    #[error("barcode encoder: {0}")]
    Encoder(String),
}

use PaymentCodeError as E;

/// A character's value in the collection agency's check rules: digits are themselves,
/// A–I = 1–9, J–R = 1–9, S–Z = 2–9, `+`=1, `%`=2, `-`=6, `.`=7, space=8, `$`=9, `/`=0.
/// Callers validate their input first; anything else counts 0.
fn char_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='I' => c as u32 - 'A' as u32 + 1,
        'J'..='R' => c as u32 - 'J' as u32 + 1,
        'S'..='Z' => c as u32 - 'S' as u32 + 2,
        '+' => 1,
        '%' => 2,
        '-' => 6,
        '.' => 7,
        ' ' => 8,
        '$' => 9,
        _ => 0, // '/' and never-reached others
    }
}

fn digit_char(d: u32) -> char {
    char::from(b'0' + (d % 10) as u8)
}

fn is_upper_alnum(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

fn check_amount(amount: i64) -> Result<(), PaymentCodeError> {
    let in_range = (1..=MAX_AMOUNT).contains(&amount);
    in_range.then_some(()).ok_or(E::AmountOutOfRange(amount))
}

/// A payment number («繳款編號»): 16 characters, unique per slip. The configured merchant
/// prefix, the serial zero-padded to fill positions up to 15, and a check digit.
///
/// Check digit: the first 15 characters take their collection-agency values (digits as
/// themselves, letters by the A–I/J–R/S–Z table), weighted 1, 3, 1, 3, … from the left;
/// check = (10 − sum mod 10) mod 10. Any single mistyped digit is caught.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PaymentNumber(String);

impl PaymentNumber {
    pub const LEN: usize = 16;

    /// Builds the number for `serial` under `prefix` (1–8 uppercase ASCII letters or
    /// digits, e.g. "KLC5"); the serial must fit in 15 − prefix length digits.
    pub fn new(prefix: &str, serial: u64) -> Result<Self, PaymentCodeError> {
        if prefix.is_empty() || prefix.len() > 8 || !prefix.chars().all(is_upper_alnum) {
            return Err(E::InvalidPrefix(prefix.to_owned()));
        }
        let digits = Self::LEN - 1 - prefix.len();
        let body = format!("{prefix}{serial:0digits$}");
        if body.len() != Self::LEN - 1 {
            return Err(E::SerialTooLarge { serial, digits });
        }
        let check = Self::check_digit(&body);
        Ok(Self(format!("{body}{check}")))
    }

    /// Reads a number typed or scanned back: length, character set and check digit.
    pub fn parse(s: &str) -> Result<Self, PaymentCodeError> {
        let len = s.chars().count();
        if len != Self::LEN {
            return Err(E::InvalidLength(len));
        }
        if let Some(c) = s.chars().find(|c| !is_upper_alnum(*c)) {
            return Err(E::InvalidCharacter(c));
        }
        // All ASCII from here on, so byte offsets are character offsets.
        let (body, last) = s.split_at(Self::LEN - 1);
        let expected = Self::check_digit(body);
        let found = char::from(last.as_bytes()[0]);
        if found != expected {
            return Err(E::CheckDigitMismatch { expected, found });
        }
        Ok(Self(s.to_owned()))
    }

    fn check_digit(body: &str) -> char {
        let sum: u32 = body
            .chars()
            .zip([1, 3].into_iter().cycle())
            .map(|(c, w)| char_value(c) * w)
            .sum();
        digit_char(10 - sum % 10)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaymentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PaymentNumber {
    type Error = PaymentCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PaymentNumber> for String {
    fn from(n: PaymentNumber) -> Self {
        n.0
    }
}

/// The three Code 39 barcodes a convenience-store counter scans («超商代收三段條碼»):
/// 1. due date YYMMDD + the 3-character collection item code («代收項目代碼»), 9 characters;
/// 2. the payment number, 16 characters;
/// 3. due date MMDD + 2 check characters + the amount as 9 zero-padded digits, 15 characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvenienceStoreBarcodes {
    first: String,
    second: String,
    third: String,
}

impl ConvenienceStoreBarcodes {
    /// Builds the barcodes for a slip due on `due` (2000–2099) for `amount` NT$
    /// (1–999,999,999); `item_code` is exactly 3 uppercase ASCII letters or digits.
    pub fn new(
        due: NaiveDate,
        item_code: &str,
        payment_no: &PaymentNumber,
        amount: i64,
    ) -> Result<Self, PaymentCodeError> {
        if item_code.len() != 3 || !item_code.chars().all(is_upper_alnum) {
            return Err(E::InvalidItemCode(item_code.to_owned()));
        }
        if !(2000..=2099).contains(&due.year()) {
            return Err(E::DueDateOutOfRange(due));
        }
        check_amount(amount)?;
        let mmdd = format!("{:02}{:02}", due.month(), due.day());
        let first = format!("{:02}{mmdd}{item_code}", due.year() % 100);
        let second = payment_no.as_str().to_owned();
        let amount9 = format!("{amount:09}");
        let [odd, even] = store_check_chars(&first, &second, &format!("{mmdd}{amount9}"));
        let third = format!("{mmdd}{odd}{even}{amount9}");
        Ok(Self {
            first,
            second,
            third,
        })
    }

    pub fn first(&self) -> &str {
        &self.first
    }

    pub fn second(&self) -> &str {
        &self.second
    }

    pub fn third(&self) -> &str {
        &self.third
    }
}

/// Barcode 3's check characters. Positions count from 1 within each barcode, barcode 3
/// without its check positions (MMDD + amount, 13 characters). The sum of the values at odd
/// positions over all three, mod 11, gives the first (0 → `A`, 10 → `B`, else the digit);
/// the even-position sum the second (0 → `X`, 10 → `Y`, else the digit).
fn store_check_chars(first: &str, second: &str, third_without_checks: &str) -> [char; 2] {
    // skip(0) visits positions 1, 3, 5, …; skip(1) positions 2, 4, 6, ….
    let sum = |skip| -> u32 {
        let codes = [first, second, third_without_checks];
        codes
            .iter()
            .flat_map(|code| code.chars().skip(skip).step_by(2))
            .map(char_value)
            .sum()
    };
    let pick = |sum: u32, zero, ten| match sum % 11 {
        0 => zero,
        10 => ten,
        d => digit_char(d),
    };
    [pick(sum(0), 'A', 'B'), pick(sum(1), 'X', 'Y')]
}

/// An ATM virtual account («轉帳帳號»), 14 digits: the configured 5-digit company code,
/// characters 8–15 of the payment number (the last 8 serial digits whenever the prefix has
/// at most 7 characters, so accounts stay unique while serials stay below 10^8), and a
/// check digit that also covers the amount.
///
/// Check digit: weights 3, 7, 1 repeating over the 13 account digits and on over the amount
/// written as 9 zero-padded digits (22 digits in all); check = (10 − sum mod 10) mod 10.
/// The bank recomputes it with the amount actually transferred, so a transfer of the wrong
/// amount is refused: any single wrong digit always, other wrong amounts 9 times in 10.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AtmAccount(String);

impl AtmAccount {
    pub const LEN: usize = 14;

    pub fn new(
        company_code: &str,
        payment_no: &PaymentNumber,
        amount: i64,
    ) -> Result<Self, PaymentCodeError> {
        if company_code.len() != 5 || !company_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::InvalidCompanyCode(company_code.to_owned()));
        }
        check_amount(amount)?;
        let part = &payment_no.as_str()[7..15];
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::NonNumericAccountPart(payment_no.to_string()));
        }
        let base = format!("{company_code}{part}");
        let check = Self::check_digit(&base, amount);
        Ok(Self(format!("{base}{check}")))
    }

    /// Whether a transfer of `amount` to this account passes the check digit.
    pub fn accepts(&self, amount: i64) -> bool {
        check_amount(amount).is_ok()
            && self.0.len() == Self::LEN
            && Self::check_digit(&self.0[..Self::LEN - 1], amount)
                == char::from(self.0.as_bytes()[Self::LEN - 1])
    }

    fn check_digit(base: &str, amount: i64) -> char {
        let digits = format!("{base}{amount:09}");
        let sum: u32 = digits
            .bytes()
            .zip([3, 7, 1].into_iter().cycle())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        digit_char(10 - sum % 10)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AtmAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The text in the slip's QR code for mobile-banking apps, plain ASCII:
/// `ATM:<account>;AMT:<amount in NT$, unpadded>;REF:<payment number>`.
pub fn mobile_banking_qr_payload(
    atm: &AtmAccount,
    amount: i64,
    payment_no: &PaymentNumber,
) -> String {
    format!("ATM:{atm};AMT:{amount};REF:{payment_no}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn klc5(serial: u64) -> PaymentNumber {
        PaymentNumber::new("KLC5", serial).expect("payment number")
    }

    #[test]
    fn payment_number_check_digit_by_hand() {
        // K L C 5 0 0 0 1 2 3 4 5 6 7 8 → values 2 3 3 5 0 0 0 1 2 3 4 5 6 7 8
        // weights 1 3 1 3 …: 2+9+3+15 + 0+0+0+3+2+9+4+15+6+21+8 = 97 → (10 − 7) mod 10 = 3
        let n = klc5(12_345_678);
        assert_eq!(n.as_str(), "KLC5000123456783");
        assert_eq!(n.to_string(), "KLC5000123456783");
        // 2+9+3+15 + 1 = 30 → 0
        assert_eq!(klc5(1).as_str(), "KLC5000000000010");
        assert_eq!(PaymentNumber::parse("KLC5000123456783"), Ok(n));
    }

    #[test]
    fn payment_number_rejects_bad_input() {
        for p in ["", "klc5", "KLC-", "ABCDEFGHI", "台北"] {
            assert_eq!(PaymentNumber::new(p, 1), Err(E::InvalidPrefix(p.into())));
        }
        let message = |r: Result<PaymentNumber, E>| r.expect_err("rejected").to_string();
        assert!(PaymentNumber::new("KLC5", 99_999_999_999).is_ok());
        let too_large = message(PaymentNumber::new("KLC5", 100_000_000_000));
        assert_eq!(too_large, "serial 100000000000 does not fit in 11 digits");
        assert!(PaymentNumber::new("ABCDEFGH", u64::MAX).is_err());
        let parse = PaymentNumber::parse;
        assert_eq!(parse("KLC500012345678"), Err(E::InvalidLength(15)));
        assert_eq!(parse("klc5000123456783"), Err(E::InvalidCharacter('k')));
        let typo = message(parse("KLC5000123456784"));
        assert_eq!(typo, "payment number check digit is 4, expected 3");
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        let good = klc5(12_345_678).to_string();
        for (i, orig) in good.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
            for d in ('0'..='9').filter(|d| *d != orig) {
                let mut typo = good.clone();
                typo.replace_range(i..=i, &d.to_string());
                assert!(PaymentNumber::parse(&typo).is_err(), "{typo} accepted");
            }
        }
    }

    #[test]
    fn payment_number_serde_is_a_plain_checked_string() {
        let n = klc5(12_345_678);
        let json = serde_json::to_string(&n).expect("serialize");
        assert_eq!(json, "\"KLC5000123456783\"");
        let from_json = serde_json::from_str::<PaymentNumber>;
        assert_eq!(from_json(&json).expect("deserialize"), n);
        assert!(from_json("\"KLC5000123456784\"").is_err());
    }

    #[test]
    fn character_values_follow_the_agency_table() {
        let values = [0, 9, 1, 9, 1, 9, 2, 9, 1, 2, 6, 7, 8, 9, 0];
        for (c, v) in "09AIJRSZ+%-. $/".chars().zip(values) {
            assert_eq!(char_value(c), v, "{c:?}");
        }
    }

    #[test]
    fn spec_test_vector() {
        // Odd positions: 1+0+1+A1+C3 = 6; 0+0+0+2+4+6+8+0 = 20; 0+1+0+0+0+1+0 = 2 → 28 mod 11 = 6.
        // Even: 4+8+5+B2 = 19; 0+0+1+3+5+7+9+1 = 26; 8+5+0+0+0+0 = 13 → 58 mod 11 = 3.
        assert_eq!(
            store_check_chars("140815ABC", "0000012345678901", "0815000000100"),
            ['6', '3']
        );
        // The same through the public API, with a payment number that yields barcode 2
        // "0000012345678901" (its check digit is this module's own rule, so built unchecked).
        let pn = PaymentNumber("0000012345678901".into());
        let codes =
            ConvenienceStoreBarcodes::new(date(2014, 8, 15), "ABC", &pn, 100).expect("barcodes");
        assert_eq!(codes.first(), "140815ABC");
        assert_eq!(codes.second(), "0000012345678901");
        assert_eq!(codes.third(), "081563000000100");
    }

    #[test]
    fn barcodes_by_hand() {
        // 250331K5X: odd 2+0+3+K2+X7 = 14, even 5+3+1+5 = 14.
        // KLC5000123456783: odd 2+3+0+0+2+4+6+8 = 25, even 3+5+0+1+3+5+7+3 = 27.
        // 0331 000000250: odd 0+3+0+0+0+2+0 = 5, even 3+1+0+0+0+5 = 9.
        // Odd 44 mod 11 = 0 → 'A'; even 50 mod 11 = 6 → '6'.
        let codes = ConvenienceStoreBarcodes::new(date(2025, 3, 31), "K5X", &klc5(12_345_678), 250)
            .expect("barcodes");
        assert_eq!(
            (codes.first(), codes.second(), codes.third()),
            ("250331K5X", "KLC5000123456783", "0331A6000000250")
        );
        let max = ConvenienceStoreBarcodes::new(date(2099, 12, 31), "001", &klc5(1), MAX_AMOUNT)
            .expect("largest amount");
        assert!(max.third().ends_with("999999999"));
        assert_eq!(
            [max.first(), max.second(), max.third()].map(str::len),
            [9, 16, 15]
        );
    }

    #[test]
    fn check_characters_for_sums_0_and_10() {
        let zeros = ("000000000", "0000000000000000", "0000000000000");
        assert_eq!(store_check_chars(zeros.0, zeros.1, zeros.2), ['A', 'X']);
        // 9 at position 1, 1 at position 9: odd sum 10 → 'B'; even 0 → 'X'.
        assert_eq!(store_check_chars("900000001", zeros.1, zeros.2), ['B', 'X']);
        // 9 at position 2, 1 at position 8: even sum 10 → 'Y'; odd 0 → 'A'.
        assert_eq!(store_check_chars("090000010", zeros.1, zeros.2), ['A', 'Y']);
        // Odd 9+9+B2+Z9 = 29 → 7; even 9+9+1 = 19 → 8.
        assert_eq!(store_check_chars("99", "99", "0000000000B1Z"), ['7', '8']);
    }

    #[test]
    fn amounts_out_of_range_and_bad_configuration_are_rejected() {
        let pn = klc5(7);
        for amount in [i64::MIN, -1, 0, MAX_AMOUNT + 1, i64::MAX] {
            let err = E::AmountOutOfRange(amount);
            let codes = ConvenienceStoreBarcodes::new(date(2025, 1, 2), "ABC", &pn, amount);
            assert_eq!(codes, Err(err.clone()));
            assert_eq!(AtmAccount::new("12345", &pn, amount), Err(err));
        }
        for code in ["AB", "ABCD", "ab1", "A-1"] {
            let r = ConvenienceStoreBarcodes::new(date(2025, 1, 2), code, &pn, 10);
            assert_eq!(r, Err(E::InvalidItemCode(code.into())));
        }
        let old = date(1999, 12, 31);
        let r = ConvenienceStoreBarcodes::new(old, "ABC", &pn, 10);
        assert_eq!(r, Err(E::DueDateOutOfRange(old)));
        for code in ["", "1234", "123456", "12a45", "12 45", "１２３４５"] {
            let r = AtmAccount::new(code, &pn, 100);
            assert_eq!(r, Err(E::InvalidCompanyCode(code.into())));
        }
    }

    #[test]
    fn atm_check_digit_by_hand() {
        // 12345 + 12345678 (characters 8–15 of KLC5000123456783), amount 000000250:
        // 1·3+2·7+3·1+4·3+5·7+1·1+2·3+3·7+4·1+5·3+6·7+7·1+8·3 = 187
        // amount weights 7 1 3 7 1 3 7 1 3: 2·7 + 5·1 = 19 → 206 → (10 − 6) mod 10 = 4
        let pn = klc5(12_345_678);
        let atm = AtmAccount::new("12345", &pn, 250).expect("account");
        assert_eq!(atm.as_str(), "12345123456784");
        assert_eq!(atm.to_string().len(), AtmAccount::LEN);
        assert!(atm.accepts(250));
        let wrong = [0, -250, 25, 2_500, 251, 249, 520, 350, 1_250, i64::MAX];
        for wrong in wrong {
            assert!(!atm.accepts(wrong), "{wrong} accepted");
        }
        // Known blind spot of any odd weights mod 10: swapping a 0 and a 5 (5·1 ≡ 5·3).
        assert!(atm.accepts(205));
        // Exactly one amount in each run of ten passes: 9 wrong amounts in 10 are refused.
        assert_eq!((1_000..=9_999).filter(|a| atm.accepts(*a)).count(), 900);
        let qr = mobile_banking_qr_payload(&atm, 250, &pn);
        assert_eq!(qr, "ATM:12345123456784;AMT:250;REF:KLC5000123456783");
    }

    #[test]
    fn atm_accounts_follow_the_serial() {
        let a = |serial| AtmAccount::new("00123", &klc5(serial), 100).expect("account");
        assert_eq!(&a(1).as_str()[..13], "0012300000001");
        assert_eq!(&a(99_999_999).as_str()[..13], "0012399999999");
        assert_ne!(a(1), a(2));
        let eight = PaymentNumber::new("ABCDEFGH", 1).expect("payment number");
        let err = E::NonNumericAccountPart(eight.to_string());
        assert_eq!(AtmAccount::new("12345", &eight, 100), Err(err));
        let seven_and_digit = PaymentNumber::new("ABCDEFG1", 1).expect("payment number");
        assert!(AtmAccount::new("12345", &seven_and_digit, 100).is_ok());
    }
}

/// Server-side SVG renderings for the printable A4 slip: black on white, no scripts, one
/// `<path>` of bars or modules. Each has a natural size in CSS px and a `viewBox`, so CSS
/// may rescale it (`width: 100%; height: auto`).
#[cfg(feature = "ssr")]
pub mod svg {
    use std::fmt::Write;

    use super::PaymentCodeError;

    /// Width of a wide Code 39 element in narrow widths (the symbology allows 2:1 to 3:1;
    /// 3:1 tolerates ink spread best). A narrow element is 1 CSS px, about 0.26 mm.
    const CODE39_WIDE: u32 = 3;
    /// Blank margin on each side of a Code 39 symbol, in narrow widths (the minimum).
    const CODE39_QUIET: u32 = 10;
    /// Blank margin around a QR code, in modules (the standard's 4).
    const QR_QUIET: u32 = 4;
    /// CSS px per QR module at natural size (about 1 mm).
    const QR_MODULE_PX: u32 = 4;

    /// The characters Code 39 encodes (besides the `*` start/stop it adds itself).
    fn is_code39(c: char) -> bool {
        c.is_ascii_uppercase() || c.is_ascii_digit() || "-. $/+%".contains(c)
    }

    /// The SVG around `path`: a `w`×`h` unit canvas, drawn `px_per_unit` CSS px per unit.
    fn document(w: u32, h: u32, px_per_unit: u32, label: &str, path: &str) -> String {
        let (width, height) = (w * px_per_unit, h * px_per_unit);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width}\" \
             height=\"{height}\" viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\" \
             role=\"img\" aria-label=\"{label}\"><rect width=\"{w}\" height=\"{h}\" \
             fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// A Code 39 barcode of `data` (no check character of its own: the slip's barcodes
    /// carry theirs), with quiet zones, `height_px` tall (0 counts as 1).
    pub fn code39_svg(data: &str, height_px: u32) -> Result<String, PaymentCodeError> {
        if data.is_empty() {
            return Err(PaymentCodeError::EmptyBarcode);
        }
        if let Some(c) = data.chars().find(|c| !is_code39(*c)) {
            return Err(PaymentCodeError::Code39Character(c));
        }
        let modules = barcoders::sym::code39::Code39::new(data)
            .map_err(|e| PaymentCodeError::Encoder(e.to_string()))?
            .encode();
        let h = height_px.max(1);
        let mut path = String::new();
        let mut x = CODE39_QUIET;
        // The encoder draws a narrow element as 1 module and a wide one as 2.
        for run in modules.chunk_by(|a, b| a == b) {
            let w = if run.len() == 1 { 1 } else { CODE39_WIDE };
            if run[0] == 1 {
                let _ = write!(path, "M{x} 0h{w}v{h}h-{w}z");
            }
            x += w;
        }
        let label = format!("Code 39 {data}");
        Ok(document(x + CODE39_QUIET, h, 1, &label, &path))
    }

    /// A QR code of `text`, medium error correction («M», 15 %), with a 4-module quiet zone.
    pub fn qr_svg(text: &str) -> Result<String, PaymentCodeError> {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
            .map_err(|e| PaymentCodeError::Encoder(e.to_string()))?;
        let n = code.width();
        let colors = code.to_colors();
        let mut path = String::new();
        for (y, row) in colors.chunks(n).enumerate() {
            let mut x = 0;
            for run in row.chunk_by(|a, b| a == b) {
                if run[0] == qrcode::Color::Dark {
                    let (left, top, w) = (x + QR_QUIET as usize, y + QR_QUIET as usize, run.len());
                    let _ = write!(path, "M{left} {top}h{w}v1h-{w}z");
                }
                x += run.len();
            }
        }
        let side = n as u32 + 2 * QR_QUIET;
        Ok(document(side, side, QR_MODULE_PX, "QR code", &path))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn assert_safe_svg(svg: &str) {
            assert!(svg.starts_with("<svg"), "{svg}");
            assert!(svg.contains("viewBox=\"0 0 "));
            assert!(!svg.to_ascii_lowercase().contains("<script"));
            assert!(svg.contains("fill=\"#000\"") && svg.contains("fill=\"#fff\""));
        }

        #[test]
        fn code39_has_bars_quiet_zones_and_a_viewbox() {
            let svg = code39_svg("AB", 50).expect("svg");
            assert_safe_svg(&svg);
            // 4 symbols (*AB*) of 6 narrow + 3 wide elements = 15 units, 3 gaps, 2×10 quiet.
            assert!(svg.contains("viewBox=\"0 0 83 50\""), "{svg}");
            assert_eq!(svg.matches('M').count(), 4 * 5, "5 bars per symbol");
            assert!(
                svg.contains("d=\"M10 0h1v50h-1z"),
                "start guard after the quiet zone"
            );
            let slip = code39_svg("KLC5000123456783", 40).expect("svg");
            assert!(slip.contains("viewBox=\"0 0 307 40\""));
        }

        #[test]
        fn code39_refuses_what_it_cannot_encode() {
            for (data, c) in [("abc", 'a'), ("A*B", '*'), ("繳款", '繳'), ("A_B", '_')] {
                assert_eq!(
                    code39_svg(data, 40),
                    Err(PaymentCodeError::Code39Character(c))
                );
            }
            assert_eq!(code39_svg("", 40), Err(PaymentCodeError::EmptyBarcode));
        }

        #[test]
        fn qr_has_finder_patterns_and_quiet_zone() {
            let text = "ATM:12345123456784;AMT:250;REF:KLC5000123456783";
            let svg = qr_svg(text).expect("svg");
            assert_safe_svg(&svg);
            let n = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
                .expect("qr")
                .width() as u32;
            let side = n + 8;
            assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
            assert!(svg.contains(&format!("width=\"{}\"", side * 4)));
            // Top row of the top-left finder pattern, right after the quiet zone.
            assert!(svg.contains("d=\"M4 4h7v1h-7z"), "{svg}");
            assert!(!svg.contains(text), "the payload is not leaked as text");
        }
    }
}
