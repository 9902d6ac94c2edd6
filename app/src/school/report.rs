//! «統計報表» as the back office sees them (issue 16 item 4): attendance per class and
//! day, stops and applications per school and month with their states, and (operators)
//! message delivery per channel. Each report is a table of counts, the same numbers as
//! its CSV, and a chart drawn on the server as SVG. A teacher sees their own class, an
//! officer their school, an operator every school or the one they pick.
//!
//! The columns, the chart's series and the date ranges are plain data and functions
//! here, shared by the server (counts, CSV header, chart) and the browser (table
//! header, legend, the chart's summary), so the table, the CSV and the chart cannot
//! drift apart.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::i18n::*;

/// Which report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Per class and school day: students, arrivals, departures, no arrival swipe.
    Attendance,
    /// Per school and month: stops by review state and refund progress.
    Stops,
    /// Per school and month: applications by status (which carries the payment).
    Applications,
    /// Per month and channel: messages of the outbox by delivery status (operators).
    Messages,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Attendance,
        ReportKind::Stops,
        ReportKind::Applications,
        ReportKind::Messages,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attendance => "attendance",
            Self::Stops => "stops",
            Self::Applications => "applications",
            Self::Messages => "messages",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Days (`YYYY-MM-DD`) for attendance, months (`YYYY-MM`) for the others.
    pub fn is_daily(self) -> bool {
        self == Self::Attendance
    }

    /// The columns that name a row (day or month, school, class or channel).
    pub fn label_columns(self) -> &'static [Column] {
        match self {
            Self::Attendance => &[Column::Day, Column::School, Column::Class],
            Self::Stops | Self::Applications => &[Column::Month, Column::School],
            Self::Messages => &[Column::Month, Column::Channel],
        }
    }

    /// The columns of counts, in the order of [`ReportRow::counts`].
    pub fn count_columns(self) -> &'static [Column] {
        match self {
            Self::Attendance => &[
                Column::Students,
                Column::Arrivals,
                Column::Departures,
                Column::Missing,
            ],
            Self::Stops => &[
                Column::Total,
                Column::ReviewPending,
                Column::ReviewApproved,
                Column::ReviewReturned,
                Column::RefundNone,
                Column::RefundPending,
                Column::RefundPaid,
            ],
            Self::Applications => &[
                Column::Total,
                Column::AwaitingPayment,
                Column::Paid,
                Column::Processing,
                Column::Printing,
                Column::Shipped,
                Column::Closed,
                Column::Returned,
                Column::Expired,
            ],
            Self::Messages => &[Column::Total, Column::Pending, Column::Sent, Column::Dead],
        }
    }

    /// The chart's bars: each series is its label and the count columns it adds up
    /// (over the rows of one category).
    pub fn series(self) -> &'static [(Column, &'static [Column])] {
        match self {
            Self::Attendance => &[
                (Column::Arrivals, &[Column::Arrivals]),
                (Column::Departures, &[Column::Departures]),
                (Column::Missing, &[Column::Missing]),
            ],
            Self::Stops => &[
                (Column::ReviewPending, &[Column::ReviewPending]),
                (Column::ReviewApproved, &[Column::ReviewApproved]),
                (Column::ReviewReturned, &[Column::ReviewReturned]),
            ],
            Self::Applications => &[
                (Column::Unpaid, &[Column::AwaitingPayment, Column::Expired]),
                (
                    Column::PaidIn,
                    &[
                        Column::Paid,
                        Column::Processing,
                        Column::Printing,
                        Column::Shipped,
                        Column::Closed,
                    ],
                ),
                (Column::Returned, &[Column::Returned]),
            ],
            Self::Messages => &[
                (Column::Sent, &[Column::Sent]),
                (Column::Pending, &[Column::Pending]),
                (Column::Dead, &[Column::Dead]),
            ],
        }
    }

    /// The label column whose values are the chart's categories: the day, the month,
    /// or (messages) the channel.
    pub fn category_column(self) -> Column {
        match self {
            Self::Attendance => Column::Day,
            Self::Stops | Self::Applications => Column::Month,
            Self::Messages => Column::Channel,
        }
    }

    /// The report's name («出勤統計» …), also the CSV's file name in words.
    pub fn title(self, locale: Locale) -> &'static str {
        match self {
            Self::Attendance => td_string!(locale, report.attendance_title),
            Self::Stops => td_string!(locale, report.stops_title),
            Self::Applications => td_string!(locale, report.applications_title),
            Self::Messages => td_string!(locale, report.messages_title),
        }
    }
}

/// A column of a report table (and of its CSV), or a chart series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Day,
    Month,
    School,
    Class,
    Channel,
    Students,
    Arrivals,
    Departures,
    Missing,
    Total,
    ReviewPending,
    ReviewApproved,
    ReviewReturned,
    RefundNone,
    RefundPending,
    RefundPaid,
    AwaitingPayment,
    Paid,
    Processing,
    Printing,
    Shipped,
    Closed,
    Returned,
    Expired,
    /// A chart series: «待繳費» and «逾期未繳».
    Unpaid,
    /// A chart series: paid, whatever came after the payment.
    PaidIn,
    Pending,
    Sent,
    Dead,
}

impl Column {
    /// The header of the table and of the CSV (which uses zh-TW).
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Self::Day => td_string!(locale, report.c_day),
            Self::Month => td_string!(locale, report.c_month),
            Self::School => td_string!(locale, report.c_school),
            Self::Class => td_string!(locale, report.c_class),
            Self::Channel => td_string!(locale, report.c_channel),
            Self::Students => td_string!(locale, report.c_students),
            Self::Arrivals => td_string!(locale, report.c_arrivals),
            Self::Departures => td_string!(locale, report.c_departures),
            Self::Missing => td_string!(locale, report.c_missing),
            Self::Total => td_string!(locale, report.c_total),
            Self::ReviewPending => td_string!(locale, report.c_review_pending),
            Self::ReviewApproved => td_string!(locale, report.c_review_approved),
            Self::ReviewReturned => td_string!(locale, report.c_review_returned),
            Self::RefundNone => td_string!(locale, report.c_refund_none),
            Self::RefundPending => td_string!(locale, report.c_refund_pending),
            Self::RefundPaid => td_string!(locale, report.c_refund_paid),
            Self::AwaitingPayment => td_string!(locale, report.c_awaiting_payment),
            Self::Paid => td_string!(locale, report.c_paid),
            Self::Processing => td_string!(locale, report.c_processing),
            Self::Printing => td_string!(locale, report.c_printing),
            Self::Shipped => td_string!(locale, report.c_shipped),
            Self::Closed => td_string!(locale, report.c_closed),
            Self::Returned => td_string!(locale, report.c_returned),
            Self::Expired => td_string!(locale, report.c_expired),
            Self::Unpaid => td_string!(locale, report.c_unpaid),
            Self::PaidIn => td_string!(locale, report.c_paid_in),
            Self::Pending => td_string!(locale, report.c_pending),
            Self::Sent => td_string!(locale, report.c_sent),
            Self::Dead => td_string!(locale, report.c_dead),
        }
    }
}

/// The channel's name in the messages report (the same in every language).
pub fn channel_name(channel: &str) -> &'static str {
    match channel {
        "email" => "E-mail",
        "sms" => "SMS",
        "line" => "LINE",
        _ => "?",
    }
}

/// The outbox's channels, in the report's order.
pub const CHANNELS: [&str; 3] = ["email", "sms", "line"];

/// «查詢» of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReportFilter {
    /// Operators: one school, or every school (`None`). An officer or a teacher may
    /// name only their own school.
    #[serde(default)]
    pub school_code: Option<String>,
    /// `YYYY-MM-DD` (attendance) or `YYYY-MM`; empty: the default range.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// One row: its labels (day or month, school, class or channel) and its counts, in the
/// order of [`ReportKind::label_columns`] and [`ReportKind::count_columns`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub labels: Vec<String>,
    pub counts: Vec<u32>,
}

/// A report as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub kind: ReportKind,
    /// The range counted (the default filled in): `YYYY-MM-DD` or `YYYY-MM`.
    pub from: String,
    pub to: String,
    /// The school picked by an operator, if any.
    pub school_code: Option<String>,
    pub rows: Vec<ReportRow>,
    /// The chart's categories (every day or month of the range, or the channels).
    pub categories: Vec<String>,
    /// Per series of [`ReportKind::series`], its value per category.
    pub series: Vec<Vec<u32>>,
    /// The chart, drawn on the server (numbers and dates only: the legend and the
    /// summary are the page's, in the reader's language).
    pub chart_svg: String,
}

impl Report {
    /// The totals of each series over the whole range.
    pub fn series_totals(&self) -> Vec<u32> {
        self.series.iter().map(|s| s.iter().sum()).collect()
    }

    /// The query string of its CSV download (`/api/school/report.csv?…`).
    pub fn csv_href(&self) -> String {
        let mut href = format!(
            "/api/school/report.csv?report={}&from={}&to={}",
            self.kind.as_str(),
            self.from,
            self.to
        );
        if let Some(code) = &self.school_code {
            href.push_str("&school_code=");
            href.push_str(&query_escape(code));
        }
        href
    }
}

fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The days of an attendance report at most (about a school term's quarter).
pub const MAX_DAYS: i64 = 92;
/// The months of a monthly report at most.
pub const MAX_MONTHS: i32 = 24;

/// A month as a number (year × 12 + month − 1), so ranges are plain integer ranges.
pub fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// `2026-03` of a month index.
pub fn month_text(index: i32) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// Parses `YYYY-MM` into a month index.
pub fn parse_month(value: &str) -> Option<i32> {
    let v = value.trim();
    let b = v.as_bytes();
    if !v.is_ascii() || b.len() != 7 || b[4] != b'-' || !v[..4].bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let year: i32 = v[..4].parse().ok()?;
    let month: u32 = v.get(5..7)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, 1).map(month_index)
}

/// The range of a report, resolved: days for attendance, month indexes otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportRange {
    Days(NaiveDate, NaiveDate),
    Months(i32, i32),
}

impl ReportRange {
    /// The range's ends as the filter writes them.
    pub fn texts(self) -> (String, String) {
        match self {
            Self::Days(from, to) => (
                crate::domain::dates::iso_date(from),
                crate::domain::dates::iso_date(to),
            ),
            Self::Months(from, to) => (month_text(from), month_text(to)),
        }
    }
}

/// The range of `kind` from the filter's texts on `today` (Taiwan). Empty ends take
/// the default: the last 7 days (attendance) or the last 6 months, ending today.
///
/// # Errors
/// Field codes: `from` / `to`: `format`; `to`: `before_from`, `too_long` (over
/// [`MAX_DAYS`] days or [`MAX_MONTHS`] months).
pub fn resolve_range(
    kind: ReportKind,
    from: &str,
    to: &str,
    today: NaiveDate,
) -> Result<ReportRange, crate::error::FieldErrors> {
    let mut errors = crate::error::FieldErrors::new();
    let (from, to) = (from.trim(), to.trim());
    if kind.is_daily() {
        let parse = |v: &str, field: &str, errors: &mut crate::error::FieldErrors| {
            let d = crate::domain::dates::parse_iso_date(v);
            if d.is_none() {
                errors.insert(field.into(), "format".into());
            }
            d
        };
        let to_day = if to.is_empty() {
            Some(today)
        } else {
            parse(to, "to", &mut errors)
        };
        let from_day = if from.is_empty() {
            to_day.map(|t| t - Duration::days(6))
        } else {
            parse(from, "from", &mut errors)
        };
        if let (Some(f), Some(t)) = (from_day, to_day) {
            if t < f {
                errors.insert("to".into(), "before_from".into());
            } else if (t - f).num_days() >= MAX_DAYS {
                errors.insert("to".into(), "too_long".into());
            } else if errors.is_empty() {
                return Ok(ReportRange::Days(f, t));
            }
        }
    } else {
        let parse = |v: &str, field: &str, errors: &mut crate::error::FieldErrors| {
            let m = parse_month(v);
            if m.is_none() {
                errors.insert(field.into(), "format".into());
            }
            m
        };
        let to_month = if to.is_empty() {
            Some(month_index(today))
        } else {
            parse(to, "to", &mut errors)
        };
        let from_month = if from.is_empty() {
            to_month.map(|t| t - 5)
        } else {
            parse(from, "from", &mut errors)
        };
        if let (Some(f), Some(t)) = (from_month, to_month) {
            if t < f {
                errors.insert("to".into(), "before_from".into());
            } else if t - f >= MAX_MONTHS {
                errors.insert("to".into(), "too_long".into());
            } else if errors.is_empty() {
                return Ok(ReportRange::Months(f, t));
            }
        }
    }
    Err(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::domain::dates::parse_iso_date(s).expect("date")
    }

    #[test]
    fn empty_ranges_are_the_last_seven_days_or_six_months() {
        let today = day("2026-03-04");
        assert_eq!(
            resolve_range(ReportKind::Attendance, "", "", today),
            Ok(ReportRange::Days(day("2026-02-26"), today))
        );
        let r = resolve_range(ReportKind::Stops, "", "", today).expect("range");
        assert_eq!(r.texts(), ("2025-10".to_owned(), "2026-03".to_owned()));
    }

    #[test]
    fn bad_ranges_name_their_field() {
        let today = day("2026-03-04");
        let err = |k, f, t| resolve_range(k, f, t, today).expect_err("refused");
        let e = err(ReportKind::Attendance, "2026-02-30", "");
        assert_eq!(e.get("from").map(String::as_str), Some("format"));
        let e = err(ReportKind::Attendance, "2026-03-05", "2026-03-01");
        assert_eq!(e.get("to").map(String::as_str), Some("before_from"));
        let e = err(ReportKind::Attendance, "2025-01-01", "2026-03-01");
        assert_eq!(e.get("to").map(String::as_str), Some("too_long"));
        let e = err(ReportKind::Applications, "2026-13", "");
        assert_eq!(e.get("from").map(String::as_str), Some("format"));
        let e = err(ReportKind::Messages, "2020-01", "2026-01");
        assert_eq!(e.get("to").map(String::as_str), Some("too_long"));
    }

    #[test]
    fn months_count_across_years() {
        let m = parse_month("2025-12").expect("month");
        assert_eq!(month_text(m + 1), "2026-01");
        assert_eq!(month_index(day("2026-01-31")), m + 1);
        assert_eq!(parse_month("2025-1"), None);
    }

    #[test]
    fn every_series_adds_up_count_columns_of_its_report() {
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.as_str()), Some(kind));
            assert!(kind.label_columns().contains(&kind.category_column()));
            for (_, parts) in kind.series() {
                for p in *parts {
                    assert!(kind.count_columns().contains(p), "{kind:?} {p:?}");
                }
            }
        }
    }

    #[test]
    fn the_csv_link_carries_the_range_and_the_school() {
        let r = Report {
            kind: ReportKind::Stops,
            from: "2025-10".into(),
            to: "2026-03".into(),
            school_code: Some("173601".into()),
            rows: Vec::new(),
            categories: Vec::new(),
            series: Vec::new(),
            chart_svg: String::new(),
        };
        assert_eq!(
            r.csv_href(),
            "/api/school/report.csv?report=stops&from=2025-10&to=2026-03&school_code=173601"
        );
    }
}
