//! The one masking function for identifiers, and the one for names (SPEC §7), and
//! the two for guardian contacts.
//!
//! Government guidance hides the last four characters of an identifier; names keep
//! their first and last character; a mobile number keeps its first four and last
//! three digits, an e-mail address its first character and its domain, so a parent
//! recognises where a code went. Everything that leaves the server masked goes
//! through these functions.

/// Hides the last four characters: `A123456789` → `A12345****`.
/// Inputs of four characters or fewer are hidden completely.
pub fn mask_identifier(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().saturating_sub(4);
    chars[..keep].iter().collect::<String>() + &"*".repeat(chars.len() - keep)
}

/// Keeps the first and last character of a name: 林雨晴 → 林○晴, 馬原 → 馬○,
/// 歐陽娜娜 → 歐○○娜.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}○", chars[0]),
        n => format!("{}{}{}", chars[0], "○".repeat(n - 2), chars[n - 1]),
    }
}

/// `0912345678` → `0912***678`. Short values are hidden completely.
pub fn mask_mobile(mobile: &str) -> String {
    let chars: Vec<char> = mobile.trim().chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    format!(
        "{}{}{}",
        chars[..4].iter().collect::<String>(),
        "*".repeat(n - 7),
        chars[n - 3..].iter().collect::<String>()
    )
}

/// `mom@example.com` → `m***@example.com`. Without an `@`, everything but the first
/// character is hidden.
pub fn mask_email(email: &str) -> String {
    let e = email.trim();
    let (local, domain) = e.rsplit_once('@').unwrap_or((e, ""));
    let first: String = local.chars().take(1).collect();
    if domain.is_empty() {
        format!("{first}***")
    } else {
        format!("{first}***@{domain}")
    }
}

/// A LINE user id (`U` and 32 hex digits) keeps its first five characters:
/// `U1a2b3c…` → `U1a2b***`. Short values are hidden completely.
pub fn mask_line_user_id(user_id: &str) -> String {
    let chars: Vec<char> = user_id.trim().chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    format!("{}***", chars[..5].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_hide_the_last_four_characters() {
        assert_eq!(mask_identifier("A123456789"), "A12345****");
        assert_eq!(mask_identifier("0512345678"), "051234****");
        assert_eq!(mask_identifier("X12345"), "X1****");
        assert_eq!(mask_identifier("1234"), "****");
        assert_eq!(mask_identifier(""), "");
    }

    #[test]
    fn contacts_keep_enough_to_be_recognised() {
        assert_eq!(mask_mobile("0912345678"), "0912***678");
        assert_eq!(mask_mobile("1234567"), "*******");
        assert_eq!(mask_email("mom@example.com"), "m***@example.com");
        assert_eq!(mask_email("x@school.edu.tw"), "x***@school.edu.tw");
        assert_eq!(mask_email("broken"), "b***");
        assert_eq!(
            mask_line_user_id("U4af4980629a1b2c3d4e5f60718293a4b"),
            "U4af4***"
        );
        assert_eq!(mask_line_user_id("U123"), "****");
    }

    #[test]
    fn names_keep_first_and_last_character() {
        assert_eq!(mask_name("林雨晴"), "林○晴");
        assert_eq!(mask_name("馬原"), "馬○");
        assert_eq!(mask_name("歐陽娜娜"), "歐○○娜");
        assert_eq!(mask_name("林"), "林");
        assert_eq!(mask_name(""), "");
    }
}
