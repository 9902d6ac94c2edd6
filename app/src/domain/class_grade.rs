//! The grade (年級) of a class, for notices sent to one grade of a school («訊息發送服務»)
//! and for the parents who read them.

/// The grade of a class named in the usual 年班 way («501» → «5», «1203» → «12»);
/// `None` for any other name.
pub fn grade_of(class_name: &str) -> Option<String> {
    let name = class_name.trim();
    if !(3..=4).contains(&name.len()) || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let grade = name[..name.len() - 2].trim_start_matches('0');
    (!grade.is_empty()).then(|| grade.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grade_is_the_class_number_without_its_last_two_digits() {
        assert_eq!(grade_of("501").as_deref(), Some("5"));
        assert_eq!(grade_of("1203").as_deref(), Some("12"));
        assert_eq!(grade_of(" 701 ").as_deref(), Some("7"));
        assert_eq!(grade_of("甲班"), None);
        assert_eq!(grade_of("01"), None);
        assert_eq!(grade_of("012"), None);
        assert_eq!(grade_of("50a"), None);
    }
}
