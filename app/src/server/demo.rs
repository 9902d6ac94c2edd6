//! Demo data for an empty database (`PORTAL_DEMO=1`, the default): three schools of
//! different levels, 30 fictional students with valid IDs, and cards in every state.
//! It goes through the same roster import as real data.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};

use super::audit::Actor;
use super::crypto::PiiCipher;
use super::entities::{cards, schools};
use super::roster::{self, ImportError};
use super::staff::{self, NewStaffUser, StaffRole};
use crate::domain::id_number::with_check_digit;

/// A holder worth trying in the demo, printed at start.
pub struct ShowcaseHolder {
    pub id_no: &'static str,
    pub birth_date: &'static str,
    pub shows: &'static str,
}

/// A showcase row: (school, student_no, name, id, birth, gender, class, seat,
/// card_status, outer_no, balance).
type ShowcaseRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u8,
    &'static str,
    &'static str,
    u32,
);

/// Fixed showcase rows.
#[rustfmt::skip]
const SHOWCASE: &[ShowcaseRow] = &[
    ("173601", "110001", "林雨晴", "C220483313", "2015-03-14", "F", "501", 12, "active", "0517300001", 230),
    ("173502", "120001", "陳冠宇", "A123456789", "2012-04-05", "M", "801", 5, "active", "0817300002", 85),
    ("173601", "110002", "王柏翰", "F131104093", "2015-08-21", "M", "501", 3, "stopped", "0517300003", 0),
    ("173502", "120002", "張家瑜", "B211350668", "2012-11-30", "F", "802", 18, "active", "0817300004", 12),
    ("170301", "130001", "黃思涵", "E223014581", "2009-06-02", "F", "201", 7, "none", "", 0),
    ("173601", "110003", "阮氏梅", "A800000014", "2015-01-09", "F", "502", 20, "active", "0517300006", 150),
    ("170301", "130002", "Daniel Wong", "K98765432", "2009-02-17", "M", "101", 9, "active", "1017300007", 40),
];

/// The showcase as printed by `server serve`: ID, birth date, what it shows.
#[rustfmt::skip]
pub const SHOWCASE_TABLE: &[ShowcaseHolder] = &[
    ShowcaseHolder { id_no: "C220483313", birth_date: "2015-03-14", shows: "國小, active card (開卡使用中)" },
    ShowcaseHolder { id_no: "A123456789", birth_date: "2012-04-05", shows: "國中, active card, low balance" },
    ShowcaseHolder { id_no: "F131104093", birth_date: "2015-08-21", shows: "國小, stopped card (停用): can apply for a new one (線上申辦)" },
    ShowcaseHolder { id_no: "B211350668", birth_date: "2012-11-30", shows: "國中, temporarily locked card (暫時鎖卡)" },
    ShowcaseHolder { id_no: "E223014581", birth_date: "2009-06-02", shows: "高中, no card yet: can apply (線上申辦)" },
    ShowcaseHolder { id_no: "A800000014", birth_date: "2015-01-09", shows: "resident certificate, active card" },
    ShowcaseHolder { id_no: "K98765432", birth_date: "2009-02-17", shows: "passport, active card" },
];

/// A demo back-office login: (role, username, school, class, password).
pub type StaffLogin = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

/// Demo back-office logins.
#[rustfmt::skip]
pub const STAFF: &[StaffLogin] = &[
    ("officer", "officer.renai", Some("173601"), None, "demo-officer-2026"),
    ("teacher", "teacher.501", Some("173601"), Some("501"), "demo-teacher-2026"),
    ("operator", "operator", None, None, "demo-operator-2026"),
];

/// A demo school: (code, name, district, level, card type, classes).
type DemoSchool = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const SCHOOLS: &[DemoSchool] = &[
    ("173601", "基隆市立仁愛國小", "仁愛區", "國小", "基隆市樂學卡(小學)", &["501", "502", "601"]),
    ("173502", "基隆市立中正國中", "中正區", "國中", "基隆市樂學卡(中學)", &["801", "802", "901"]),
    ("170301", "國立基隆高級中學", "信義區", "高中", "高中學生證", &["101", "201"]),
];

const SURNAMES: &[&str] = &[
    "陳", "林", "黃", "張", "李", "王", "吳", "劉", "蔡", "楊", "許", "鄭",
];
const GIVEN: &[&str] = &[
    "宇翔", "品妍", "承恩", "子晴", "柏宇", "語彤", "冠廷", "詩涵", "宥辰", "芷若", "彥廷", "欣妤",
    "家豪", "怡君", "俊傑", "雅婷", "建宏", "佩珊", "志明", "淑芬", "冠霖", "思妤", "睿恩",
];

/// The demo roster as CSV text (the same format `server import-roster` reads).
pub fn roster_csv() -> String {
    let mut out = roster::COLUMNS.join(",");
    out.push('\n');
    let school = |code: &str| SCHOOLS.iter().find(|s| s.0 == code);
    for (code, no, name, id, birth, gender, class, seat, status, outer, balance) in SHOWCASE {
        let Some((_, sname, district, level, ctype, _)) = school(code) else {
            continue;
        };
        let (ctype, issued) = if *status == "none" {
            ("", "")
        } else {
            (*ctype, "2021-09-01")
        };
        let balance = if *status == "none" {
            String::new()
        } else {
            balance.to_string()
        };
        out.push_str(&format!(
            "{code},{sname},{district},{level},{no},{name},{id},{birth},{gender},{class},{seat},{ctype},{outer},{status},{balance},{issued}\n"
        ));
    }
    // Generated students: deterministic, valid IDs, mostly active cards.
    let letters = ['A', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'M'];
    for i in 0..23u32 {
        let (code, sname, district, level, ctype, classes) = SCHOOLS[(i % 3) as usize];
        let gender = if i % 2 == 0 { "M" } else { "F" };
        let digit = if gender == "M" { '1' } else { '2' };
        let Some(id) = with_check_digit(
            letters[(i % 10) as usize],
            &format!("{digit}{:07}", 3_100_000 + i * 7919),
        ) else {
            continue;
        };
        let birth_year = match level {
            "國小" => 2014 + i % 3,
            "國中" => 2011 + i % 3,
            _ => 2008 + i % 3,
        };
        let birth = format!("{birth_year}-{:02}-{:02}", 1 + i % 12, 1 + (i * 5) % 28);
        let name = format!(
            "{}{}",
            SURNAMES[(i % 12) as usize],
            GIVEN[i as usize % GIVEN.len()]
        );
        let class = classes[(i as usize / 3) % classes.len()];
        let status = if i % 7 == 6 { "stopped" } else { "active" };
        out.push_str(&format!(
            "{code},{sname},{district},{level},{},{name},{id},{birth},{gender},{class},{},{ctype},{},{status},{},2022-09-01\n",
            200_001 + i,
            21 + i % 10,
            2_017_400_000u64 + u64::from(i),
            (i * 37) % 400,
        ));
    }
    out
}

/// Seeds the demo data if the database has no school yet. Returns whether it seeded.
///
/// # Errors
/// Import or database errors (a bug in the demo data if it ever happens).
pub async fn seed_if_empty(
    db: &DatabaseConnection,
    cipher: &PiiCipher,
) -> Result<bool, ImportError> {
    if schools::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    roster::import(db, cipher, roster_csv().as_bytes(), Actor::System).await?;
    // The roster knows no temporary lock: set the showcase's one directly.
    if let Some(card) = cards::Entity::find()
        .filter(cards::Column::OuterNo.eq("0817300004"))
        .one(db)
        .await?
    {
        let mut card: cards::ActiveModel = card.into();
        card.status = Set("locked".into());
        card.locked_at = Set(Some(Utc::now()));
        card.update(db).await?;
    }
    for (role, username, school, class, password) in STAFF {
        let Some(role) = StaffRole::parse(role) else {
            continue;
        };
        staff::add_user(
            db,
            NewStaffUser {
                role,
                username: (*username).into(),
                password: (*password).into(),
                school_code: school.map(Into::into),
                class_name: class.map(Into::into),
            },
        )
        .await
        .map_err(|e| ImportError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    }
    Ok(true)
}

/// Today's date in Taiwan, for display defaults.
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id_number::validate_any;

    #[test]
    fn demo_roster_is_valid_and_has_thirty_students_in_every_card_state() {
        let mut types = roster::CardTypeIndex::new();
        for (code, zh, level) in [
            ("KL-PRIMARY", "基隆市樂學卡(小學)", "primary"),
            ("KL-JUNIOR", "基隆市樂學卡(中學)", "junior"),
            ("SENIOR-ID", "高中學生證", "senior"),
        ] {
            types.insert(zh.into(), (code.into(), level.into()));
        }
        let parsed = roster::parse(roster_csv().as_bytes(), &types);
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.rows.len(), 30);
        let states: std::collections::HashSet<_> = parsed
            .rows
            .iter()
            .map(|r| r.card.as_ref().map_or("none", |c| c.status.as_str()))
            .collect();
        assert!(states.contains("active") && states.contains("stopped") && states.contains("none"));
        for h in SHOWCASE_TABLE {
            assert!(validate_any(h.id_no).is_ok(), "{}", h.id_no);
        }
    }
}
