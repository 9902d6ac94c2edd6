//! «停課日設定» (issue 16 item 3): the school holidays that the «未到校» job and
//! «出勤統計» skip (`school_holidays`). A card officer lists their school's holidays
//! (and those of every school) and adds or removes their school's; an operator does
//! so for one school or for every school at once. Teachers, and officers reaching
//! another school, are refused (403, audited). Only future holidays can be removed;
//! every change is audited.

use chrono::{Datelike, NaiveDate, Weekday};
use sea_orm::Condition;

use super::readers::{admin_staff, name_error};
use super::*;
use crate::domain::dates::{iso_date, parse_iso_date, taiwan_today};
use crate::school::{HolidayList, HolidayRow, NewHolidayInput};
use crate::server::entities::school_holidays;

/// The longest range added at once, in days.
const RANGE_MAX_DAYS: i64 = 31;
/// Past holidays listed.
const PAST_LISTED: u64 = 100;

/// Holidays that apply to `school` (its own and every school's), or all of them.
fn applying_to(school: Option<&schools::Model>) -> Condition {
    match school {
        Some(s) => Condition::any()
            .add(school_holidays::Column::SchoolId.eq(s.id))
            .add(school_holidays::Column::SchoolId.is_null()),
        None => Condition::all(),
    }
}

/// Whether the staff member may change this holiday: operators any, an officer their
/// own school's (not every school's).
fn may_change(staff: &Staff, h: &school_holidays::Model) -> bool {
    match staff.scope {
        Scope::All => true,
        Scope::School { school_id } => h.school_id == Some(school_id),
        Scope::Class { .. } => false,
    }
}

/// The holidays of the officer's school (with every school's), or (operators) of
/// `school_code` or all.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; an officer naming another school).
pub async fn list_holidays(
    cx: &CallContext,
    school_code: Option<String>,
) -> Result<HolidayList, AppError> {
    const ACTION: &str = "school.holidays";
    let staff = admin_staff(cx, ACTION).await?;
    let school = target_school(cx, &staff, ACTION, school_code).await?;
    let db = &cx.state.db;
    let today = taiwan_today();
    let names: HashMap<i32, String> = schools::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let to_row = |h: school_holidays::Model| HolidayRow {
        removable: h.day > today && may_change(&staff, &h),
        id: h.id,
        day: iso_date(h.day),
        school_name: h.school_id.and_then(|id| names.get(&id).cloned()),
        name: h.name,
    };
    let upcoming = school_holidays::Entity::find()
        .filter(applying_to(school.as_ref()))
        .filter(school_holidays::Column::Day.gte(today))
        .order_by_asc(school_holidays::Column::Day)
        .order_by_asc(school_holidays::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(to_row)
        .collect();
    let past = school_holidays::Entity::find()
        .filter(applying_to(school.as_ref()))
        .filter(school_holidays::Column::Day.lt(today))
        .order_by_desc(school_holidays::Column::Day)
        .limit(PAST_LISTED)
        .all(db)
        .await?
        .into_iter()
        .map(to_row)
        .collect();
    Ok(HolidayList { upcoming, past })
}

/// The weekdays from `from` to `to` (both included).
fn weekdays(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect()
}

/// The checked days of a «新增停課日» relative to `today`.
///
/// # Errors
/// `Validation` (`from`: `required` / `format` / `past` / `weekend`; `to`: `format` /
/// `before_from` / `too_long`; `name`: `required` / `too_long` / `format`).
pub fn holiday_days(input: &NewHolidayInput, today: NaiveDate) -> Result<Vec<NaiveDate>, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let from_text = input.from.trim();
    let from = parse_iso_date(from_text);
    match from {
        _ if from_text.is_empty() => {
            errors.insert("from".into(), "required".into());
        }
        None => {
            errors.insert("from".into(), "format".into());
        }
        Some(d) if d < today => {
            errors.insert("from".into(), "past".into());
        }
        Some(_) => {}
    }
    let to_text = input.to.trim();
    let to = if to_text.is_empty() {
        from
    } else {
        let to = parse_iso_date(to_text);
        match (from, to) {
            (_, None) => {
                errors.insert("to".into(), "format".into());
            }
            (Some(f), Some(t)) if t < f => {
                errors.insert("to".into(), "before_from".into());
            }
            (Some(f), Some(t)) if (t - f).num_days() >= RANGE_MAX_DAYS => {
                errors.insert("to".into(), "too_long".into());
            }
            _ => {}
        }
        to
    };
    if let Some(e) = name_error(&input.name) {
        errors.insert("name".into(), e.into());
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let days = weekdays(from, to);
    if days.is_empty() {
        return Err(AppError::field("from", "weekend"));
    }
    Ok(days)
}

/// «新增停課日»: each weekday of the range, for the officer's school, or (operators)
/// the named school or every school. Returns the number of days added.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `Validation` (see [`holiday_days`]; `from`:
/// `duplicate` when a day is already a holiday there; `school`: `unknown`).
pub async fn add_holidays(cx: &CallContext, input: NewHolidayInput) -> Result<u32, AppError> {
    const ACTION: &str = "holiday.add";
    let staff = admin_staff(cx, ACTION).await?;
    let school = target_school(cx, &staff, ACTION, input.school_code.clone()).await?;
    let days = holiday_days(&input, taiwan_today())?;
    let name = input.name.trim().to_owned();
    let txn = begin_write(&cx.state.db).await?;
    // A day already off there (for this school or for every school) is a duplicate;
    // for every school, a day any school already has off is one too.
    let taken = school_holidays::Entity::find()
        .filter(school_holidays::Column::Day.is_in(days.clone()))
        .filter(applying_to(school.as_ref()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::field("from", "duplicate"));
    }
    for day in &days {
        school_holidays::ActiveModel {
            school_id: Set(school.as_ref().map(|s| s.id)),
            day: Set(*day),
            name: Set(name.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: days.first().map(|d| iso_date(*d)),
            result: "ok",
            detail: Some(serde_json::json!({
                "school": school.as_ref().map(|s| s.code.clone()),
                "name": name,
                "days": days.iter().map(|d| iso_date(*d)).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(u32::try_from(days.len()).unwrap_or(u32::MAX))
}

/// «刪除» of a future holiday in the staff member's scope.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited: teachers, another school's or, for an
/// officer, every school's holiday), `NotFound`, `Conflict` (today or past).
pub async fn remove_holiday(cx: &CallContext, id: i32) -> Result<(), AppError> {
    const ACTION: &str = "holiday.remove";
    let staff = admin_staff(cx, ACTION).await?;
    let holiday = school_holidays::Entity::find_by_id(id)
        .one(&cx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_change(&staff, &holiday) {
        return Err(deny(cx, &staff, ACTION, Some(iso_date(holiday.day))).await);
    }
    if holiday.day <= taiwan_today() {
        return Err(AppError::Conflict("past".into()));
    }
    let txn = begin_write(&cx.state.db).await?;
    let gone = school_holidays::Entity::delete_by_id(id).exec(&txn).await?;
    if gone.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(iso_date(holiday.day)),
            result: "ok",
            detail: Some(
                serde_json::json!({ "name": holiday.name, "school_id": holiday.school_id }),
            ),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(from: &str, to: &str, name: &str) -> NewHolidayInput {
        NewHolidayInput {
            school_code: None,
            from: from.into(),
            to: to.into(),
            name: name.into(),
        }
    }

    fn code(r: Result<Vec<NaiveDate>, AppError>, field: &str) -> Option<String> {
        r.err()?.field_errors()?.get(field).cloned()
    }

    #[test]
    fn a_range_adds_each_weekday_and_bad_input_names_its_field() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        // Fri 2026-12-04 to Tue 2026-12-08: Fri, Mon, Tue.
        let days = holiday_days(&input("2026-12-04", "2026-12-08", "校慶補假"), today).expect("ok");
        assert_eq!(
            days.iter().map(|d| iso_date(*d)).collect::<Vec<_>>(),
            ["2026-12-04", "2026-12-07", "2026-12-08"]
        );
        let cases = [
            (input("", "", "x"), "from", "required"),
            (input("2026-02-30", "", "x"), "from", "format"),
            (input("2026-11-30", "", "x"), "from", "past"),
            (input("2026-12-05", "2026-12-06", "x"), "from", "weekend"),
            (input("2026-12-04", "2026-12-03", "x"), "to", "before_from"),
            (input("2026-12-04", "2027-01-04", "x"), "to", "too_long"),
            (input("2026-12-04", "12/05", "x"), "to", "format"),
            (input("2026-12-04", "", " "), "name", "required"),
            (
                input("2026-12-04", "", &"假".repeat(41)),
                "name",
                "too_long",
            ),
        ];
        for (i, field, want) in cases {
            assert_eq!(
                code(holiday_days(&i, today), field).as_deref(),
                Some(want),
                "{i:?}"
            );
        }
        assert!(holiday_days(&input("2026-12-01", "", "今天"), today).is_ok());
    }
}
