//! The back office's roster upload over HTTP as the page sends it
//! (`POST /api/school/roster` with `{csv, confirm}`), against the real server: an
//! officer's file touches their own school only and never takes over a student of
//! another school, whoever uploads it. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, holders};
use app::server::roster;
use app::server::staff::{NewStaffUser, StaffRole, add_user};
use common::{Browser, Reply, TestDb, TestServer, cipher, id_hash};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";
const PASSWORD: &str = "correct horse battery";

fn id(n: u8) -> String {
    with_check_digit('D', &format!("1234567{n}")).expect("valid ID")
}

/// A row of school A (173601) or B (173602).
fn row(school: &str, n: u8, birth: &str, class: &str, mobile: &str) -> String {
    let name = if school == "173601" {
        "仁愛國小"
    } else {
        "信義國小"
    };
    format!(
        "{school},基隆市立{name},仁愛區,國小,30000{n},林小{n},{},{birth},M,{class},1{n},KL-PRIMARY,07123456{n}0,active,100,2021-09-01,{mobile},",
        id(n)
    )
}

struct World {
    db: TestDb,
    server: TestServer,
}

/// Holder 0 at school A, holder 1 at school B (with a guardian mobile); officers of
/// A and B and an operator.
async fn world() -> World {
    let db = TestDb::new().await;
    let file = format!(
        "{HEADER}\n{}\n{}\n",
        row("173601", 0, "2015-05-01", "501", ""),
        row("173602", 1, "2015-06-01", "601", "0911000111"),
    );
    roster::import(&db.db, &cipher(), file.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    for (role, username, school) in [
        (StaffRole::Officer, "officer.a", Some("173601")),
        (StaffRole::Operator, "operator", None),
    ] {
        add_user(
            &db.db,
            NewStaffUser {
                role,
                username: username.into(),
                password: PASSWORD.into(),
                school_code: school.map(Into::into),
                class_name: None,
            },
        )
        .await
        .expect("staff user");
    }
    let server = TestServer::start(&db, &[]).await;
    World { db, server }
}

async fn login(w: &World, username: &str, school: &str) -> Browser {
    let b = w.server.client();
    let r = b
        .post_json(
            "/api/school/login",
            &json!({ "input": { "school_code": school, "username": username, "password": PASSWORD } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{username}: {r:?}");
    b
}

async fn upload(b: &Browser, csv: &str, confirm: bool) -> Reply {
    let r = b
        .post_json(
            "/api/school/roster",
            &json!({ "csv": csv, "confirm": confirm }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r
}

fn errors(r: &Reply) -> Vec<(u64, String, Option<String>)> {
    r.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{r:?}"))
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["code"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

async fn holder(w: &World, n: u8) -> holders::Model {
    holders::Entity::find()
        .filter(holders::Column::IdNoHash.eq(id_hash(&id(n))))
        .one(&w.db.db)
        .await
        .unwrap()
        .expect("holder")
}

#[tokio::test]
async fn an_upload_never_takes_over_a_student_of_another_school() {
    let w = world().await;
    let victim = holder(&w, 1).await;
    // Officer A names B's student under A's code, with a birth date and a mobile of
    // their choosing: the step to verify as that student and stop the card.
    let takeover = format!(
        "{HEADER}\n{}\n",
        row("173601", 1, "2014-01-01", "501", "0987654321")
    );
    let officer = login(&w, "officer.a", "173601").await;
    let operator = login(&w, "operator", "").await;
    let counts = w.db.roster_counts().await;
    for (who, b) in [("officer", &officer), ("operator", &operator)] {
        for confirm in [false, true] {
            let r = upload(b, &takeover, confirm).await;
            assert_eq!(
                errors(&r),
                vec![(2, "id_no".to_owned(), Some("other_school".to_owned()))],
                "{who} confirm={confirm}: {r:?}"
            );
            assert_eq!(r.body["imported"], Value::Null, "{who}");
        }
    }
    assert_eq!(w.db.roster_counts().await, counts, "nothing was written");
    assert_eq!(
        holder(&w, 1).await,
        victim,
        "school, class, birth date and guardian contact unchanged"
    );
    // The attacker's birth date does not verify as the student.
    let b = w.server.client();
    assert_eq!(b.consent("stop").await.status, StatusCode::OK);
    let attempt = b.attempt_in("stop", &id(1), "2014-01-01").await;
    assert_ne!(attempt.status, StatusCode::OK, "{attempt:?}");
    w.server
        .client()
        .verified_in("stop", &id(1), "2015-06-01")
        .await;
}

#[tokio::test]
async fn an_officers_upload_touches_rows_of_their_own_school_only() {
    let w = world().await;
    let officer = login(&w, "officer.a", "173601").await;
    let theirs = holder(&w, 1).await;
    let counts = w.db.roster_counts().await;
    // B's own student under B's code (a changed class and mobile) and a new student
    // of B: both refused for an officer of A, even on confirm.
    let other_school = format!(
        "{HEADER}\n{}\n{}\n",
        row("173602", 1, "2015-06-01", "602", "0987654321"),
        row("173602", 2, "2015-07-01", "601", ""),
    );
    for confirm in [false, true] {
        let r = upload(&officer, &other_school, confirm).await;
        assert_eq!(
            errors(&r),
            vec![
                (
                    2,
                    "school_code".to_owned(),
                    Some("not_your_school".to_owned())
                ),
                (
                    3,
                    "school_code".to_owned(),
                    Some("not_your_school".to_owned())
                )
            ],
            "{r:?}"
        );
        assert_eq!(r.body["imported"], Value::Null);
    }
    assert_eq!(w.db.roster_counts().await, counts, "nothing was written");
    assert_eq!(holder(&w, 1).await, theirs);

    // Their own student's change is written, with a masked before → after.
    let own = format!(
        "{HEADER}\n{}\n",
        row("173601", 0, "2015-05-01", "502", "0922333444")
    );
    let r = upload(&officer, &own, true).await;
    assert!(r.body["imported"].is_string(), "{r:?}");
    let changed = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("roster.holder_changed"))
        .all(&w.db.db)
        .await
        .unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].actor_kind, "staff");
    let detail = changed[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains("0922***444") && !detail.contains("0922333444"),
        "{detail}"
    );
    assert!(!detail.contains(&id(0)), "{detail}");
}

#[tokio::test]
async fn every_problem_has_a_code_the_page_words_in_the_users_language() {
    let w = world().await;
    let officer = login(&w, "officer.a", "173601").await;
    // Line 2 fine; line 3 a wrong check digit; line 4 repeats line 2's student number
    // and has no seat number.
    let mut bad_id = row("173601", 3, "2015-05-03", "501", "");
    let good = id(3);
    let last = good.chars().last().unwrap().to_digit(10).unwrap();
    bad_id = bad_id.replace(&good, &format!("{}{}", &good[..9], (last + 1) % 10));
    let repeat = row("173601", 0, "2015-05-04", "501", "")
        .replace(&id(0), &id(4))
        .replace(",10,KL", ",,KL")
        .replace("0712345600", "0712345640");
    let file = format!(
        "{HEADER}\n{}\n{bad_id}\n{repeat}\n",
        row("173601", 0, "2015-05-01", "501", "")
    );
    let r = upload(&officer, &file, false).await;
    assert_eq!(
        errors(&r),
        vec![
            (3, "id_no".to_owned(), Some("id_checksum".to_owned())),
            (4, "seat_no".to_owned(), Some("seat_no".to_owned())),
            (4, "student_no".to_owned(), Some("repeats".to_owned())),
        ],
        "{r:?}"
    );
    assert_eq!(r.body["errors"][2]["arg"], "2", "the line it repeats");
}
