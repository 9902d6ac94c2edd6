//! «出勤統計»: school days and each day's arrival and departure.

use super::*;

// ---------------------------------------------------------------------------------
// «出勤統計»

/// Whether `day` is a school day for `school_id`: Monday to Friday and not a holiday
/// (for every school or this one).
///
/// # Errors
/// Database errors.
pub async fn is_school_day(
    conn: &impl ConnectionTrait,
    school_id: i32,
    day: NaiveDate,
) -> Result<bool, AppError> {
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return Ok(false);
    }
    let holidays = school_holidays::Entity::find()
        .filter(school_holidays::Column::Day.eq(day))
        .all(conn)
        .await?;
    Ok(!holidays
        .iter()
        .any(|h| h.school_id.is_none() || h.school_id == Some(school_id)))
}

/// The last [`super::super::ATTENDANCE_DAYS`] school days up to `today`, newest first.
///
/// # Errors
/// Database errors.
pub async fn recent_school_days(
    conn: &impl ConnectionTrait,
    school_id: i32,
    today: NaiveDate,
) -> Result<Vec<NaiveDate>, AppError> {
    let mut days = Vec::new();
    let mut d = today;
    // Bounded: a month back is more than enough for 7 school days.
    for _ in 0..31 {
        if days.len() == super::super::ATTENDANCE_DAYS {
            break;
        }
        if is_school_day(conn, school_id, d).await? {
            days.push(d);
        }
        d -= Duration::days(1);
    }
    Ok(days)
}

/// The attendance table of one holder for `days` (Taiwan dates).
///
/// # Errors
/// Database errors.
pub async fn attendance_days(
    conn: &impl ConnectionTrait,
    holder_id: i32,
    days: &[NaiveDate],
) -> Result<Vec<AttendanceDay>, AppError> {
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else {
        return Ok(Vec::new());
    };
    // Taiwan midnight of the first day to that of the day after the last.
    let from = first
        .and_hms_opt(0, 0, 0)
        .ok_or(AppError::Internal)?
        .and_utc()
        - Duration::hours(8);
    let to = last
        .and_hms_opt(0, 0, 0)
        .ok_or(AppError::Internal)?
        .and_utc()
        + Duration::hours(16);
    let rows = swipes::Entity::find()
        .filter(swipes::Column::HolderId.eq(holder_id))
        .filter(swipes::Column::SwipedAt.gte(from))
        .filter(swipes::Column::SwipedAt.lt(to))
        .order_by_asc(swipes::Column::SwipedAt)
        .all(conn)
        .await?;
    Ok(days
        .iter()
        .map(|&day| {
            let mut of_day = rows.iter().filter(|s| taiwan_day(s.swiped_at) == day);
            let time = |s: &swipes::Model| SwipeTime {
                at: s.swiped_at,
                entered_by_staff: s.entered_by_staff_id.is_some(),
            };
            AttendanceDay {
                day,
                arrival: of_day.clone().find(|s| s.direction == "in").map(time),
                departure: of_day.rfind(|s| s.direction == "out").map(time),
            }
        })
        .collect())
}

/// «出勤統計» of one bound child.
///
/// # Errors
/// `Unauthorized`, `MustChangePassword`, `Forbidden` (not an approved binding of this
/// parent — audited).
pub async fn attendance(cx: &CallContext, binding_id: i32) -> Result<ChildAttendance, AppError> {
    let account = current(cx, false).await?;
    let db = &cx.state.db;
    let txn = begin_write(db).await?;
    let (txn, binding) = binding_request::own_request_or_deny(
        cx,
        txn,
        account.id,
        binding_id,
        &[BindingStatus::Approved],
        "notify.attendance",
    )
    .await?;
    txn.commit().await?;
    let (holder, school, class) = holder_school_class(db, binding.holder_id).await?;
    let days = recent_school_days(db, school.id, taiwan_day(Utc::now())).await?;
    Ok(ChildAttendance {
        binding_id,
        masked_name: mask_name(&holder.name),
        school_name: school.name,
        class_name: class.name,
        days: attendance_days(db, holder.id, &days).await?,
    })
}
