//! Dates as Taiwanese forms show them: Gregorian in inputs, ROC year alongside.

use chrono::{Datelike, NaiveDate};

/// The ROC (民國) year of a date: 2015 → 104. `None` before 1912.
pub fn roc_year(date: NaiveDate) -> Option<i32> {
    let y = date.year() - 1911;
    (y > 0).then_some(y)
}

/// Parses the `YYYY-MM-DD` value of a date input.
pub fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roc_years() {
        let d = NaiveDate::from_ymd_opt(2015, 3, 14).expect("date");
        assert_eq!(roc_year(d), Some(104));
        let d = NaiveDate::from_ymd_opt(1911, 12, 31).expect("date");
        assert_eq!(roc_year(d), None);
        assert_eq!(parse_iso_date("2015-03-14"), NaiveDate::from_ymd_opt(2015, 3, 14));
        assert_eq!(parse_iso_date("2015/03/14"), None);
    }
}
