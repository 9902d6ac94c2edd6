//! Contact details a parent or applicant types: Taiwanese mobile and phone numbers and
//! e-mail addresses.

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
