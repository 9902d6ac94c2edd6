//! «統計報表» (issue 16 item 4): the counts of each report in the staff member's scope
//! (a teacher's class, an officer's school, an operator's every school or the one
//! picked), the chart over them ([`super::report_chart`]) and the CSV with the very
//! same rows. Naming another school, and the messages report for anyone but an
//! operator (the outbox knows no school), is refused with 403 and an audit row.
//!
//! - Attendance: per school day (Monday to Friday, not a holiday of that school) and
//!   class, the students on the roster, those with an arrival swipe, those with a
//!   departure swipe, and those without an arrival swipe («未刷卡»: not an absence
//!   record). Days after today are not counted.
//! - Stops: per month (Taiwan time of the stop) and school, by review state and by
//!   refund progress («不退費» / «退費處理中» / «已退費»).
//! - Applications: per month (of the application) and school, by status, «逾期未繳»
//!   computed as everywhere else.
//! - Messages: per month and channel, by delivery status.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use sea_orm::{Condition, QueryTrait};

use super::*;
use crate::domain::dates::{iso_date, taiwan_time, taiwan_today};
use crate::domain::refund::{RefundChoice, RefundProgress};
use crate::i18n::Locale;
use crate::school::report::{
    CHANNELS, ReportRange, channel_name, month_index, month_text, resolve_range,
};
use crate::school::{Column, Report, ReportFilter, ReportKind, ReportRow};
use crate::server::entities::{school_holidays, swipes};

/// The audit action of a refused report (and of its CSV).
const ACTION: &str = "school.report";
/// The audit action of a CSV download.
const EXPORT_ACTION: &str = "school.report_export";

/// The counts of a report before its chart is drawn.
struct Counted {
    range: ReportRange,
    school_code: Option<String>,
    rows: Vec<ReportRow>,
    categories: Vec<String>,
}

/// The school a report is about: the named one for an operator (or every school), the
/// staff member's own for the others (naming another is refused, audited).
async fn report_school(
    cx: &CallContext,
    staff: &Staff,
    kind: ReportKind,
    school_code: Option<String>,
) -> Result<Option<schools::Model>, AppError> {
    if kind == ReportKind::Messages && staff.scope != Scope::All {
        return Err(deny(cx, staff, ACTION, Some(kind.as_str().to_owned())).await);
    }
    target_school(cx, staff, ACTION, school_code).await
}

/// One report of the staff member's scope, with its chart.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `Validation` (`school`: `unknown`; `from` /
/// `to`: `format`, `before_from`, `too_long`).
pub async fn load_report(
    cx: &CallContext,
    kind: ReportKind,
    filter: ReportFilter,
) -> Result<Report, AppError> {
    let (_, counted) = count_report(cx, kind, filter).await?;
    let series = series_of(kind, &counted.rows, &counted.categories);
    let chart_svg = super::report_chart::bar_chart(&counted.categories, &series);
    let (from, to) = counted.range.texts();
    Ok(Report {
        kind,
        from,
        to,
        school_code: counted.school_code,
        rows: counted.rows,
        categories: counted.categories,
        series,
        chart_svg,
    })
}

/// The report as CSV (UTF-8 with BOM, for Excel): the table's header (in zh-TW) and
/// rows, the same numbers as the page.
///
/// # Errors
/// As [`load_report`].
pub async fn report_csv(
    cx: &CallContext,
    kind: ReportKind,
    filter: ReportFilter,
) -> Result<String, AppError> {
    let (staff, counted) = count_report(cx, kind, filter).await?;
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = kind
        .label_columns()
        .iter()
        .chain(kind.count_columns())
        .map(|c| csv_cell(c.label(Locale::zh_TW)))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &counted.rows {
        let cells: Vec<String> = row
            .labels
            .iter()
            .map(|l| csv_cell(l))
            .chain(row.counts.iter().map(u32::to_string))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    let (from, to) = counted.range.texts();
    audit::record(
        &cx.state.db,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: EXPORT_ACTION,
            subject: Some(kind.as_str().to_owned()),
            result: "ok",
            detail: Some(serde_json::json!({
                "school": counted.school_code, "from": from, "to": to, "rows": counted.rows.len(),
            })),
        },
    )
    .await?;
    Ok(out)
}

/// The staff member, the range and the counted rows of a report.
async fn count_report(
    cx: &CallContext,
    kind: ReportKind,
    filter: ReportFilter,
) -> Result<(Staff, Counted), AppError> {
    let staff = current(cx).await?;
    let school = report_school(cx, &staff, kind, filter.school_code).await?;
    let today = taiwan_today();
    let range =
        resolve_range(kind, &filter.from, &filter.to, today).map_err(AppError::Validation)?;
    let mut holders_in = staff.scope.holders_condition();
    if let Some(s) = &school {
        holders_in = holders_in.add(holders::Column::SchoolId.eq(s.id));
    }
    let db = &cx.state.db;
    let (rows, categories) = match (kind, range) {
        (ReportKind::Attendance, ReportRange::Days(from, to)) => {
            attendance(db, holders_in, from, to.min(today)).await?
        }
        (ReportKind::Stops, ReportRange::Months(from, to)) => (
            stops(db, holders_in, from, to, today).await?,
            months(from, to),
        ),
        (ReportKind::Applications, ReportRange::Months(from, to)) => (
            applications(db, holders_in, from, to, today).await?,
            months(from, to),
        ),
        (ReportKind::Messages, ReportRange::Months(from, to)) => (
            messages(db, from, to).await?,
            CHANNELS
                .iter()
                .map(|c| channel_name(c).to_owned())
                .collect(),
        ),
        _ => return Err(AppError::Internal),
    };
    // The outbox knows no school: the messages report is every school's.
    let school_code = school
        .filter(|_| kind != ReportKind::Messages && staff.scope == Scope::All)
        .map(|s| s.code);
    Ok((
        staff,
        Counted {
            range,
            school_code,
            rows,
            categories,
        },
    ))
}

/// Per series of `kind`, its sum over the rows of each category.
fn series_of(kind: ReportKind, rows: &[ReportRow], categories: &[String]) -> Vec<Vec<u32>> {
    let at = |c: Column, in_labels: bool| {
        let cols = if in_labels {
            kind.label_columns()
        } else {
            kind.count_columns()
        };
        cols.iter().position(|x| *x == c).unwrap_or(0)
    };
    let category = at(kind.category_column(), true);
    kind.series()
        .iter()
        .map(|(_, parts)| {
            categories
                .iter()
                .map(|cat| {
                    rows.iter()
                        .filter(|r| r.labels.get(category) == Some(cat))
                        .map(|r| {
                            parts
                                .iter()
                                .map(|p| r.counts.get(at(*p, false)).copied().unwrap_or(0))
                                .sum::<u32>()
                        })
                        .sum()
                })
                .collect()
        })
        .collect()
}

/// Every month of a range, as `YYYY-MM`.
fn months(from: i32, to: i32) -> Vec<String> {
    (from..=to).map(month_text).collect()
}

/// Taiwan midnight at the start of `day`, in UTC.
fn taiwan_midnight(day: NaiveDate) -> chrono::DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8)
}

/// The first day of a month index.
fn first_day(month: i32) -> NaiveDate {
    let (y, m) = (month.div_euclid(12), month.rem_euclid(12) + 1);
    NaiveDate::from_ymd_opt(y, m as u32, 1).unwrap_or(NaiveDate::MIN)
}

/// The UTC span of the months `from..=to` in Taiwan time.
fn month_span(from: i32, to: i32) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (
        taiwan_midnight(first_day(from)),
        taiwan_midnight(first_day(to + 1)),
    )
}

/// The ids of the holders in scope, as a subquery.
fn holder_ids(cond: Condition) -> sea_orm::sea_query::SelectStatement {
    holders::Entity::find()
        .select_only()
        .column(holders::Column::Id)
        .filter(cond)
        .into_query()
}

/// Holder → (school, class) for the holders in scope.
async fn holder_places(
    db: &impl ConnectionTrait,
    cond: Condition,
) -> Result<HashMap<i32, (i32, i32)>, AppError> {
    let rows: Vec<(i32, i32, i32)> = holders::Entity::find()
        .select_only()
        .column(holders::Column::Id)
        .column(holders::Column::SchoolId)
        .column(holders::Column::ClassId)
        .filter(cond)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(h, s, c)| (h, (s, c))).collect())
}

async fn school_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, AppError> {
    Ok(schools::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Attendance rows (day, school, class) and the days they cover.
async fn attendance(
    db: &impl ConnectionTrait,
    cond: Condition,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<ReportRow>, Vec<String>), AppError> {
    let places = holder_places(db, cond.clone()).await?;
    let schools = school_names(db).await?;
    let classes: HashMap<i32, String> = classes::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let holidays = school_holidays::Entity::find()
        .filter(school_holidays::Column::Day.gte(from))
        .filter(school_holidays::Column::Day.lte(to))
        .all(db)
        .await?;
    let swiped: Vec<(i32, String, chrono::DateTime<Utc>)> = if from <= to {
        swipes::Entity::find()
            .select_only()
            .column(swipes::Column::HolderId)
            .column(swipes::Column::Direction)
            .column(swipes::Column::SwipedAt)
            .filter(swipes::Column::HolderId.in_subquery(holder_ids(cond)))
            .filter(swipes::Column::SwipedAt.gte(taiwan_midnight(from)))
            .filter(swipes::Column::SwipedAt.lt(taiwan_midnight(to + Duration::days(1))))
            .into_tuple()
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    // (day, holder) → (arrived, left)
    let mut seen: HashMap<(NaiveDate, i32), (bool, bool)> = HashMap::new();
    for (holder, direction, at) in swiped {
        let e = seen
            .entry((taiwan_time(at).date_naive(), holder))
            .or_default();
        match direction.as_str() {
            "in" => e.0 = true,
            "out" => e.1 = true,
            _ => {}
        }
    }
    // Classes by school and class name; students per class.
    let mut per_class: BTreeMap<(String, String, i32), (i32, Vec<i32>)> = BTreeMap::new();
    for (&holder, &(school, class)) in &places {
        let key = (
            schools.get(&school).cloned().unwrap_or_default(),
            classes.get(&class).cloned().unwrap_or_default(),
            class,
        );
        per_class
            .entry(key)
            .or_insert_with(|| (school, Vec::new()))
            .1
            .push(holder);
    }
    let mut rows = Vec::new();
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut any = false;
            for ((school_name, class_name, _), (school, students)) in &per_class {
                let off = holidays
                    .iter()
                    .any(|h| h.day == day && h.school_id.is_none_or(|s| s == *school));
                if off {
                    continue;
                }
                any = true;
                let of = |pick: fn(&(bool, bool)) -> bool| {
                    students
                        .iter()
                        .filter(|h| seen.get(&(day, **h)).is_some_and(pick))
                        .count() as u32
                };
                let arrivals = of(|s| s.0);
                let total = students.len() as u32;
                rows.push(ReportRow {
                    labels: vec![iso_date(day), school_name.clone(), class_name.clone()],
                    counts: vec![total, arrivals, of(|s| s.1), total - arrivals],
                });
            }
            if any {
                days.push(iso_date(day));
            }
        }
        day += Duration::days(1);
    }
    Ok((rows, days))
}

/// Adds one to the counts of `(month, school)` at `columns` (and to «合計»).
fn tally(
    into: &mut BTreeMap<(i32, String), Vec<u32>>,
    kind: ReportKind,
    key: (i32, String),
    columns: &[Column],
) {
    let cols = kind.count_columns();
    let counts = into.entry(key).or_insert_with(|| vec![0; cols.len()]);
    for c in std::iter::once(&Column::Total).chain(columns) {
        if let Some(i) = cols.iter().position(|x| x == c) {
            counts[i] += 1;
        }
    }
}

fn monthly_rows(into: BTreeMap<(i32, String), Vec<u32>>) -> Vec<ReportRow> {
    into.into_iter()
        .map(|((month, name), counts)| ReportRow {
            labels: vec![month_text(month), name],
            counts,
        })
        .collect()
}

/// Stops per month and school.
async fn stops(
    db: &impl ConnectionTrait,
    cond: Condition,
    from: i32,
    to: i32,
    today: NaiveDate,
) -> Result<Vec<ReportRow>, AppError> {
    let places = holder_places(db, cond.clone()).await?;
    let schools = school_names(db).await?;
    let (start, end) = month_span(from, to);
    let found = stop_requests::Entity::find()
        .filter(stop_requests::Column::HolderId.in_subquery(holder_ids(cond)))
        .filter(stop_requests::Column::StoppedAt.gte(start))
        .filter(stop_requests::Column::StoppedAt.lt(end))
        .all(db)
        .await?;
    let mut counts = BTreeMap::new();
    for s in found {
        let Some((school, _)) = places.get(&s.holder_id) else {
            continue;
        };
        let stopped_on = taiwan_time(s.stopped_at).date_naive();
        let review = match s.review_status.as_str() {
            "approved" => Column::ReviewApproved,
            "returned" => Column::ReviewReturned,
            _ => Column::ReviewPending,
        };
        let refund = RefundChoice::parse(&s.choice).and_then(|choice| {
            RefundProgress::of(choice, s.refund_amount, stopped_on, s.refund_paid_on, today)
        });
        let refund = match refund {
            None => Column::RefundNone,
            Some(RefundProgress::Pending { .. }) => Column::RefundPending,
            Some(RefundProgress::Paid { .. }) => Column::RefundPaid,
        };
        let name = schools.get(school).cloned().unwrap_or_default();
        tally(
            &mut counts,
            ReportKind::Stops,
            (month_index(stopped_on), name),
            &[review, refund],
        );
    }
    Ok(monthly_rows(counts))
}

/// Applications per month and school, by status.
async fn applications(
    db: &impl ConnectionTrait,
    cond: Condition,
    from: i32,
    to: i32,
    today: NaiveDate,
) -> Result<Vec<ReportRow>, AppError> {
    let places = holder_places(db, cond.clone()).await?;
    let schools = school_names(db).await?;
    let grace = crate::server::settings::payment_settings(db)
        .await?
        .grace_days;
    let (start, end) = month_span(from, to);
    let found = applications::Entity::find()
        .filter(applications::Column::HolderId.in_subquery(holder_ids(cond)))
        .filter(applications::Column::CreatedAt.gte(start))
        .filter(applications::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    let mut counts = BTreeMap::new();
    for a in found {
        let Some((school, _)) = places.get(&a.holder_id) else {
            continue;
        };
        let stored =
            ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::AwaitingPayment);
        let column = match effective_status(stored, a.due_on, grace, today) {
            ApplicationStatus::AwaitingPayment => Column::AwaitingPayment,
            ApplicationStatus::Paid => Column::Paid,
            ApplicationStatus::Processing => Column::Processing,
            ApplicationStatus::Printing => Column::Printing,
            ApplicationStatus::Shipped => Column::Shipped,
            ApplicationStatus::Closed => Column::Closed,
            ApplicationStatus::Returned => Column::Returned,
            ApplicationStatus::Expired => Column::Expired,
        };
        let name = schools.get(school).cloned().unwrap_or_default();
        let month = month_index(taiwan_time(a.created_at).date_naive());
        tally(
            &mut counts,
            ReportKind::Applications,
            (month, name),
            &[column],
        );
    }
    Ok(monthly_rows(counts))
}

/// Messages of the outbox per month and channel, by delivery status.
async fn messages(
    db: &impl ConnectionTrait,
    from: i32,
    to: i32,
) -> Result<Vec<ReportRow>, AppError> {
    let (start, end) = month_span(from, to);
    let found: Vec<(String, String, chrono::DateTime<Utc>)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Channel)
        .column(outbox::Column::Status)
        .column(outbox::Column::CreatedAt)
        .filter(outbox::Column::CreatedAt.gte(start))
        .filter(outbox::Column::CreatedAt.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let cols = ReportKind::Messages.count_columns();
    // (month, channel's place in CHANNELS) → counts
    let mut counts: BTreeMap<(i32, usize), Vec<u32>> = BTreeMap::new();
    for (channel, status, at) in found {
        let Some(place) = CHANNELS.iter().position(|c| *c == channel) else {
            continue;
        };
        let column = match status.as_str() {
            "sent" => Column::Sent,
            "dead" => Column::Dead,
            _ => Column::Pending,
        };
        let month = month_index(taiwan_time(at).date_naive());
        let c = counts
            .entry((month, place))
            .or_insert_with(|| vec![0; cols.len()]);
        for col in [Column::Total, column] {
            if let Some(i) = cols.iter().position(|x| *x == col) {
                c[i] += 1;
            }
        }
    }
    Ok(counts
        .into_iter()
        .map(|((month, place), counts)| ReportRow {
            labels: vec![month_text(month), channel_name(CHANNELS[place]).to_owned()],
            counts,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(labels: &[&str], counts: &[u32]) -> ReportRow {
        ReportRow {
            labels: labels.iter().map(|s| (*s).to_owned()).collect(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn series_add_up_the_rows_of_each_category() {
        let rows = [
            row(&["2026-03-02", "A", "501"], &[3, 2, 1, 1]),
            row(&["2026-03-02", "A", "502"], &[2, 2, 2, 0]),
            row(&["2026-03-03", "A", "501"], &[3, 3, 0, 0]),
        ];
        let cats = ["2026-03-02".to_owned(), "2026-03-03".to_owned()];
        assert_eq!(
            series_of(ReportKind::Attendance, &rows, &cats),
            [vec![4, 3], vec![3, 0], vec![1, 0]]
        );
        // Applications: unpaid = awaiting + expired; paid = paid and after.
        let rows = [row(&["2026-03", "A"], &[6, 1, 1, 0, 1, 0, 1, 1, 1])];
        assert_eq!(
            series_of(ReportKind::Applications, &rows, &["2026-03".to_owned()]),
            [vec![2], vec![3], vec![1]]
        );
    }

    #[test]
    fn month_spans_start_at_taiwan_midnight() {
        let m = crate::school::report::parse_month("2026-01").expect("month");
        let (start, end) = month_span(m, m);
        assert_eq!(start.to_rfc3339(), "2025-12-31T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-01-31T16:00:00+00:00");
    }
}
