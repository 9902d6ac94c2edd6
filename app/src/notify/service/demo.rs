//! Demo data: a parent with a bound child, subscriptions and swipes.

use super::*;

// ---------------------------------------------------------------------------------
// Demo data

/// The demo parent printed by `server serve`: (account, password).
pub const DEMO_PARENT: (&str, &str) = ("parent@example.com", "demo-parent-2026");

/// Demo data for «家長專區» (after the roster demo): a parent bound to 林雨晴 with an
/// e-mail arrival subscription, a term of the SMS service, and a week of swipes
/// including a staff entry («補登») and a day without any.
///
/// # Errors
/// Database errors; `Internal` when the demo roster is missing.
pub async fn seed_demo(state: &AppState) -> Result<(), AppError> {
    use crate::server::entities::staff_users;
    let db = &state.db;
    let (account, password) = DEMO_PARENT;
    let contact = ParentContact::Email(account.into());
    let hash = parent_account::contact_hash(&state.cipher, &contact);
    let password_hash = crate::server::staff::hash_password(password.into()).await?;
    let now = Utc::now();
    let holder = holders::Entity::find()
        .filter(holders::Column::StudentNo.eq("110001"))
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    let teacher = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq("teacher.501"))
        .one(db)
        .await?
        .ok_or(AppError::Internal)?;
    let parent = parent_accounts::ActiveModel {
        contact_kind: Set(contact.kind().into()),
        contact_enc: Set(state
            .cipher
            .encrypt(contact.value(), &parent_account::contact_aad(&hash))),
        contact_hash: Set(hash),
        display_name: Set("林媽媽".into()),
        password_hash: Set(password_hash),
        password_version: Set(1),
        must_change_password: Set(false),
        created_by_staff_id: Set(None),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    binding_requests::ActiveModel {
        parent_id: Set(parent.id),
        holder_id: Set(holder.id),
        relationship: Set("mother".into()),
        status: Set(BindingStatus::Approved.as_str().into()),
        decided_by_staff_id: Set(Some(teacher.id)),
        decided_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    notification_subscriptions::ActiveModel {
        parent_id: Set(parent.id),
        holder_id: Set(holder.id),
        channel: Set(NotifyChannel::Email.as_str().into()),
        event: Set(NotifyEvent::Arrival.as_str().into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let today = taiwan_day(now);
    add_sms_subscription(
        state,
        holder.id,
        "0912345678",
        "115學年度上學期",
        (today - Duration::days(60), today + Duration::days(60)),
    )
    .await?;
    // The last school days: arrivals and departures, one 補登, one day without swipes.
    let days = recent_school_days(db, holder.school_id, today).await?;
    for (i, day) in days.iter().enumerate().skip(1) {
        if i == 3 {
            continue;
        }
        let at = |h: u32, m: u32| {
            day.and_hms_opt(h, m, 0)
                .map(|t| t.and_utc() - Duration::hours(8))
                .ok_or(AppError::Internal)
        };
        let minute = u32::try_from(i * 4).unwrap_or(0);
        let arrival = at(7, 30 + minute)?;
        let departure = at(16, 5 + minute)?;
        for (n, (dir, t)) in [("in", arrival), ("out", departure)]
            .into_iter()
            .enumerate()
        {
            if i == 2 && dir == "in" {
                super::super::swipes::enter_swipe(state, None, teacher.id, holder.id, true, t)
                    .await?;
                continue;
            }
            swipes::ActiveModel {
                reader_id: Set(None),
                event_id: Set(format!("demo:{day}:{n}")),
                card_outer_no: Set("0517300001".into()),
                holder_id: Set(Some(holder.id)),
                direction: Set(dir.into()),
                swiped_at: Set(t),
                received_at: Set(t),
                entered_by_staff_id: Set(None),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
