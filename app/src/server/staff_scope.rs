//! The one rule of what a staff member may touch (SPEC §3, §7): a homeroom teacher
//! their own class, a card officer their school, an issuer operator every school.
//!
//! Every back-office function (queues, reviews, bindings, SMS cancellations, attendance
//! entries, parent accounts made by staff) asks [`Scope::covers`]; there is no second
//! copy of the rule.

use sea_orm::{ColumnTrait, Condition};

use super::entities::{holders, staff_users};
use super::staff::StaffRole;

/// What a staff member may see and act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Class { school_id: i32, class_id: i32 },
    School { school_id: i32 },
    All,
}

impl Scope {
    /// The scope of an account; `None` for an account whose role lacks its school or
    /// class (it may touch nothing).
    pub fn of(user: &staff_users::Model) -> Option<Self> {
        match (StaffRole::parse(&user.role)?, user.school_id, user.class_id) {
            (StaffRole::Operator, _, _) => Some(Scope::All),
            (StaffRole::Officer, Some(school_id), _) => Some(Scope::School { school_id }),
            (StaffRole::Teacher, Some(school_id), Some(class_id)) => Some(Scope::Class {
                school_id,
                class_id,
            }),
            _ => None,
        }
    }

    pub fn covers(self, holder: &holders::Model) -> bool {
        match self {
            Scope::All => true,
            Scope::School { school_id } => holder.school_id == school_id,
            Scope::Class {
                school_id,
                class_id,
            } => holder.school_id == school_id && holder.class_id == class_id,
        }
    }

    /// [`Scope::covers`] as a condition on `holders`, for queries.
    pub fn holders_condition(self) -> Condition {
        match self {
            Scope::All => Condition::all(),
            Scope::School { school_id } => {
                Condition::all().add(holders::Column::SchoolId.eq(school_id))
            }
            Scope::Class {
                school_id,
                class_id,
            } => Condition::all()
                .add(holders::Column::SchoolId.eq(school_id))
                .add(holders::Column::ClassId.eq(class_id)),
        }
    }
}

/// Whether `user` may act on `holder`: [`Scope::of`] then [`Scope::covers`].
pub fn covers(user: &staff_users::Model, holder: &holders::Model) -> bool {
    Scope::of(user).is_some_and(|scope| scope.covers(holder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: &str, school_id: Option<i32>, class_id: Option<i32>) -> staff_users::Model {
        staff_users::Model {
            id: 1,
            username: "someone".into(),
            password_hash: String::new(),
            role: role.into(),
            school_id,
            class_id,
            must_change_password: false,
            failed_logins: 0,
            last_failed_at: None,
            locked_until: None,
            totp_secret_enc: None,
            password_version: 1,
            disabled_at: None,
            created_at: chrono::Utc::now(),
        }
    }

    fn holder(school_id: i32, class_id: i32) -> holders::Model {
        holders::Model {
            id: 1,
            school_id,
            class_id,
            student_no: "110001".into(),
            name: "x".into(),
            id_kind: "national".into(),
            id_no_enc: String::new(),
            id_no_hash: String::new(),
            birth_date: chrono::NaiveDate::from_ymd_opt(2015, 1, 1).expect("date"),
            gender: "M".into(),
            seat_no: 1,
            guardian_mobile_enc: None,
            guardian_email_enc: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn each_role_covers_its_class_school_or_everything() {
        let own = holder(1, 10);
        let same_school = holder(1, 11);
        let other_school = holder(2, 10);
        let teacher = staff("teacher", Some(1), Some(10));
        let officer = staff("officer", Some(1), None);
        let operator = staff("operator", None, None);
        assert!(covers(&teacher, &own));
        assert!(!covers(&teacher, &same_school));
        assert!(!covers(&teacher, &other_school));
        assert!(covers(&officer, &own) && covers(&officer, &same_school));
        assert!(!covers(&officer, &other_school));
        assert!(covers(&operator, &other_school));
    }

    #[test]
    fn an_account_without_its_school_or_class_covers_nothing() {
        let own = holder(1, 10);
        for user in [
            staff("teacher", Some(1), None),
            staff("teacher", None, Some(10)),
            staff("officer", None, None),
            staff("principal", Some(1), Some(10)),
        ] {
            assert_eq!(Scope::of(&user), None, "{}", user.role);
            assert!(!covers(&user, &own), "{}", user.role);
        }
    }
}
