//! The operator's commands of SPEC §9, run as the real binary: `server import-roster`,
//! `server transfer-holder` and `server add-user`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::entities::{audit_log, staff_users};
use common::TestDb;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::process::Output;

const ROSTER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on
173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,C220483313,2015-03-14,F,501,12,KL-PRIMARY,0517300001,active,230,2021-09-01
173601,基隆市立仁愛國小,仁愛區,國小,110002,陳冠宇,A123456789,2015-04-05,M,502,5,KL-PRIMARY,0517300002,active,85,2021-09-01
";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn imported(db: &TestDb) {
    let file = db.write_file("roster.csv", ROSTER);
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test]
async fn import_roster_with_a_good_file_exits_0_prints_counts_and_audits() {
    let db = TestDb::new().await;
    let file = db.write_file("roster.csv", ROSTER);
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("2 rows")
            && printed.contains("1 new schools")
            && printed.contains("2 new holders")
            && printed.contains("2 new cards"),
        "{printed}"
    );
    assert!(!printed.contains("C220483313") && !stderr(&out).contains("C220483313"));
    assert_eq!(db.count("holders").await, 2);
    assert_eq!(db.count("cards").await, 2);
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("roster.import"))
        .one(&db.db)
        .await
        .expect("audit query")
        .expect("an audit row for the import");
    assert_eq!(
        (audit.actor_kind.as_str(), audit.result.as_str()),
        ("cli", "ok")
    );
}

#[tokio::test]
async fn import_roster_with_a_bad_row_exits_1_names_the_line_and_writes_nothing() {
    let db = TestDb::new().await;
    let before = db.roster_counts().await;
    // Line 3 has a wrong check digit, line 4 an impossible date.
    let bad = ROSTER.replace("A123456789", "A123456788")
        + "173601,基隆市立仁愛國小,仁愛區,國小,110003,王小明,F131104093,2015-13-01,M,501,3,KL-PRIMARY,0517300003,active,0,2021-09-01\n";
    let file = db.write_file("bad.csv", &bad);
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert_eq!(out.status.code(), Some(1), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("line 3, id_no: "), "{err}");
    assert!(err.contains("line 4, birth_date: "), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("line 2,"), "line 2 is valid: {err}");
    assert_eq!(db.roster_counts().await, before, "nothing was written");
}

#[tokio::test]
async fn import_roster_of_a_missing_file_fails() {
    let db = TestDb::new().await;
    let missing = db.path().join("nope.csv");
    let out = db.cli(&["import-roster", &missing.display().to_string()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope.csv"), "{}", stderr(&out));
}

#[tokio::test]
async fn add_user_reads_the_password_from_stdin_and_creates_an_officer() {
    let db = TestDb::new().await;
    imported(&db).await;
    let out = db.cli(
        &[
            "add-user",
            "--role",
            "officer",
            "--username",
            "officer.renai",
            "--school",
            "173601",
        ],
        Some("a long enough passphrase\n"),
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).contains("created officer officer.renai"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("passphrase") && !stderr(&out).contains("passphrase"));
    let user = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq("officer.renai"))
        .one(&db.db)
        .await
        .expect("query")
        .expect("the officer");
    assert_eq!(user.role, "officer");
    assert!(user.school_id.is_some() && user.class_id.is_none());
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "{}",
        user.password_hash
    );
    assert!(
        app::server::staff::verify_password(
            "a long enough passphrase".into(),
            user.password_hash.clone()
        )
        .await,
        "the trailing newline is not part of the password"
    );
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("staff.create"))
        .one(&db.db)
        .await
        .expect("query");
    assert!(audit.is_some());

    // The same username again is refused.
    let again = db.cli(
        &[
            "add-user",
            "--role",
            "officer",
            "--username",
            "officer.renai",
            "--school",
            "173601",
        ],
        Some("another long passphrase\n"),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("taken"), "{}", stderr(&again));
}

#[tokio::test]
async fn add_user_refuses_short_and_common_passwords() {
    let db = TestDb::new().await;
    imported(&db).await;
    for (password, expected) in [("short\n", "at least 8"), ("password1\n", "too common")] {
        let out = db.cli(
            &["add-user", "--role", "operator", "--username", "op.one"],
            Some(password),
        );
        assert_eq!(out.status.code(), Some(1), "{password:?}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(expected),
            "{password:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(db.count("staff_users").await, 0);
}

#[tokio::test]
async fn add_user_refuses_a_teacher_without_a_class_or_with_an_unknown_one() {
    let db = TestDb::new().await;
    imported(&db).await;
    let out = db.cli(
        &[
            "add-user",
            "--role",
            "teacher",
            "--username",
            "teacher.501",
            "--school",
            "173601",
        ],
        Some("a long enough passphrase\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--class"), "{}", stderr(&out));
    let out = db.cli(
        &[
            "add-user",
            "--role",
            "teacher",
            "--username",
            "teacher.501",
            "--school",
            "173601",
            "--class",
            "999",
        ],
        Some("a long enough passphrase\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("999"), "{}", stderr(&out));
    assert_eq!(db.count("staff_users").await, 0);

    let out = db.cli(
        &[
            "add-user",
            "--role",
            "teacher",
            "--username",
            "teacher.501",
            "--school",
            "173601",
            "--class",
            "501",
        ],
        Some("a long enough passphrase"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(db.count("staff_users").await, 1);
}

#[tokio::test]
async fn import_roster_refuses_a_student_of_another_school_and_transfer_holder_moves_them() {
    let db = TestDb::new().await;
    // 王小明 of school 173602, with his guardian's mobile.
    let other = format!(
        "{}\n173602,基隆市立信義國小,信義區,國小,210001,王小明,F131104093,2015-08-21,M,601,4,KL-PRIMARY,0517300009,active,10,2021-09-01\n",
        ROSTER.trim_end()
    );
    let file = db.write_file("roster.csv", &other);
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let holder = || async {
        app::server::entities::holders::Entity::find()
            .filter(
                app::server::entities::holders::Column::IdNoHash.eq(common::id_hash("F131104093")),
            )
            .one(&db.db)
            .await
            .expect("holder query")
            .expect("holder")
    };
    let before = holder().await;
    let counts = db.roster_counts().await;

    // School 173601's file names him with another birth date.
    let takeover = ROSTER.to_owned()
        + "173601,基隆市立仁愛國小,仁愛區,國小,110003,王小明,F131104093,2015-01-01,M,501,3,KL-PRIMARY,0517300009,active,0,2021-09-01\n";
    let file = db.write_file("takeover.csv", &takeover);
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert_eq!(out.status.code(), Some(1), "stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("line 4, id_no: belongs to a student of another school"),
        "{err}"
    );
    assert!(!err.contains("F131104093"), "{err}");
    assert_eq!(db.roster_counts().await, counts, "nothing was written");
    assert_eq!(holder().await, before);

    // The explicit transfer.
    let transfer = |school: &str| {
        db.cli(
            &[
                "transfer-holder",
                "--id-no",
                "F131104093",
                "--to-school",
                school,
                "--class",
                "501",
                "--student-no",
                "110003",
            ],
            None,
        )
    };
    let refused = transfer("999999");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("no school with code 999999"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(holder().await, before);
    let out = transfer("173601");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("F13110****: 173602 601 (210001) -> 173601 501 (110003)"),
        "{printed}"
    );
    assert!(!printed.contains("F131104093"));
    let after = holder().await;
    assert_ne!(after.school_id, before.school_id);
    assert_eq!(
        (after.student_no.as_str(), after.birth_date),
        ("110003", before.birth_date)
    );
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("holder.transfer"))
        .one(&db.db)
        .await
        .expect("audit query")
        .expect("an audit row for the transfer");
    assert_eq!(audit.actor_kind, "cli");
    let detail: serde_json::Value =
        serde_json::from_str(&audit.detail.unwrap_or_default()).expect("json");
    assert_eq!(
        detail["from"],
        serde_json::json!({ "school": "173602", "class": "601", "student_no": "210001" })
    );
    assert_eq!(detail["to"]["school"], "173601");
    // Now 173601's file is an ordinary update of its own student.
    let out = db.cli(&["import-roster", &file.display().to_string()], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(holder().await.birth_date.to_string(), "2015-01-01");
}
