//! Dates as Taiwanese forms show them: Gregorian in inputs, ROC year alongside.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike, Utc};

/// The ROC (民國) year of a date: 2015 → 104. `None` before 1912.
pub fn roc_year(date: NaiveDate) -> Option<i32> {
    let y = date.year() - 1911;
    (y > 0).then_some(y)
}

/// Parses the `YYYY-MM-DD` value of a date input.
///
/// Written by hand (as are the formatters below) so the browser bundle does without
/// chrono's general format-string machinery.
pub fn parse_iso_date(value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        v.get(r)
            .filter(|s| s.bytes().all(|c| c.is_ascii_digit()))?
            .parse()
            .ok()
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// `2015-03-14`
pub fn iso_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Taiwan time (UTC+8), the way parents read clocks.
pub fn taiwan_time(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"))
}

/// `13:05` in Taiwan time.
pub fn taiwan_hh_mm(t: DateTime<Utc>) -> String {
    let t = taiwan_time(t);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// `2026-11-23 13:05` in Taiwan time.
pub fn taiwan_date_time(t: DateTime<Utc>) -> String {
    let local = taiwan_time(t);
    format!("{} {}", iso_date(local.date_naive()), taiwan_hh_mm(t))
}

/// `13:05` when `t` falls on the same Taiwan day as `now`, else `2026-11-24 00:05`:
/// a time without its date would be read as today's.
pub fn taiwan_hh_mm_dated(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if taiwan_time(t).date_naive() == taiwan_time(now).date_naive() {
        taiwan_hh_mm(t)
    } else {
        taiwan_date_time(t)
    }
}

/// The Taiwan date today.
pub fn taiwan_today() -> NaiveDate {
    taiwan_time(Utc::now()).date_naive()
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
        assert_eq!(
            parse_iso_date("2015-03-14"),
            NaiveDate::from_ymd_opt(2015, 3, 14)
        );
        assert_eq!(parse_iso_date("2015/03/14"), None);
        assert_eq!(parse_iso_date("2015-02-30"), None);
        assert_eq!(parse_iso_date("+015-02-03"), None);
        assert_eq!(iso_date(d), "1911-12-31");
        let t = DateTime::parse_from_rfc3339("2026-11-23T16:05:00Z")
            .expect("time")
            .to_utc();
        assert_eq!(taiwan_date_time(t), "2026-11-24 00:05");
    }

    #[test]
    fn a_time_carries_its_date_unless_it_is_today_in_taiwan() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&Utc)
        };
        // 22:30 Taiwan time, protected from 01:30 the next day.
        let now = at("2026-11-23T14:30:00Z");
        assert_eq!(
            taiwan_hh_mm_dated(at("2026-11-23T17:30:00Z"), now),
            "2026-11-24 01:30"
        );
        // 09:00 Taiwan time, protected from 12:00 the same day.
        let morning = at("2026-11-23T01:00:00Z");
        assert_eq!(
            taiwan_hh_mm_dated(at("2026-11-23T04:00:00Z"), morning),
            "12:00"
        );
    }
}
