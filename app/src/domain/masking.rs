//! The one masking function for identifiers, and the one for names (SPEC §7).
//!
//! Government guidance hides the last four characters of an identifier; names keep
//! their first and last character. Everything that leaves the server masked goes
//! through these two functions.

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
    fn names_keep_first_and_last_character() {
        assert_eq!(mask_name("林雨晴"), "林○晴");
        assert_eq!(mask_name("馬原"), "馬○");
        assert_eq!(mask_name("歐陽娜娜"), "歐○○娜");
        assert_eq!(mask_name("林"), "林");
        assert_eq!(mask_name(""), "");
    }
}
