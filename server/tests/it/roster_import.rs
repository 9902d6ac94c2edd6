//! Roster import at the service level (`app::server::roster::import`), on SQLite or on
//! PostgreSQL (`TEST_POSTGRES_ADMIN_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::crypto::holder_id_aad;
use app::server::entities::{audit_log, cards, classes, holders, schools};
use app::server::holder_transfer::{Transfer, TransferError, transfer_holder};
use app::server::roster::{self, ImportError, ImportSummary, RowError};
use common::{TestDb, cipher, id_hash};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";

fn female_id() -> String {
    with_check_digit('A', "22345678").expect("valid ID")
}

fn junior_id() -> String {
    with_check_digit('B', "12345678").expect("valid ID")
}

/// Three students in two schools: an active card with guardian contacts, a stopped
/// card named by its zh type name, and a student without a card.
fn good_file() -> String {
    format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,0512345678,active,230,2021-09-01,0912345678,mom@example.com\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110002,王小明,A123456789,2015-05-01,M,502,3,基隆市樂學卡(小學),0512345679,stopped,0,2021-09-01,,\n\
         173502,基隆市立中正國中,中正區,國中,120001,陳冠宇,{},2012-04-05,M,801,5,,,none,,,,\n",
        female_id(),
        junior_id()
    )
}

async fn import(db: &TestDb, file: &str) -> Result<ImportSummary, ImportError> {
    roster::import(&db.db, &cipher(), file.as_bytes(), Actor::Cli).await
}

fn invalid(result: Result<ImportSummary, ImportError>) -> Vec<RowError> {
    match result {
        Err(ImportError::Invalid(errors)) => errors,
        other => panic!("expected an invalid-rows error, got {other:?}"),
    }
}

async fn holder_by_id_no(db: &TestDb, id_no: &str) -> Option<holders::Model> {
    holders::Entity::find()
        .filter(holders::Column::IdNoHash.eq(id_hash(id_no)))
        .one(&db.db)
        .await
        .expect("holder query")
}

async fn card(db: &TestDb, outer_no: &str) -> Option<cards::Model> {
    cards::Entity::find()
        .filter(cards::Column::OuterNo.eq(outer_no))
        .one(&db.db)
        .await
        .expect("card query")
}

#[tokio::test]
async fn a_good_roster_creates_schools_classes_holders_and_cards() {
    let db = TestDb::new().await;
    let summary = import(&db, &good_file()).await.expect("import");
    assert_eq!(
        summary,
        ImportSummary {
            rows: 3,
            schools_created: 2,
            holders_created: 3,
            holders_updated: 0,
            cards_created: 2,
            cards_updated: 0,
        }
    );
    assert_eq!(db.count("schools").await, 2);
    assert_eq!(db.count("classes").await, 3);
    assert_eq!(db.count("holders").await, 3);
    assert_eq!(db.count("cards").await, 2);

    let school = schools::Entity::find()
        .filter(schools::Column::Code.eq("173502"))
        .one(&db.db)
        .await
        .expect("school query")
        .expect("school 173502");
    assert_eq!(school.level, "junior");
    assert_eq!(school.name, "基隆市立中正國中");

    let h = holder_by_id_no(&db, &female_id()).await.expect("holder");
    assert_eq!(h.name, "林雨晴");
    assert_eq!(h.id_kind, "national");
    assert_eq!(h.birth_date.to_string(), "2015-03-14");
    let c = card(&db, "0512345678").await.expect("card");
    assert_eq!(
        (c.holder_id, c.status.as_str(), c.balance),
        (h.id, "active", 230)
    );
    assert_eq!(c.card_type, "KL-PRIMARY");
    let stopped = card(&db, "0512345679").await.expect("stopped card");
    assert_eq!(
        stopped.card_type, "KL-PRIMARY",
        "zh type name resolved to its code"
    );
    assert!(stopped.stopped_at.is_some());
    let no_card = holder_by_id_no(&db, &junior_id())
        .await
        .expect("holder without card");
    assert!(
        cards::Entity::find()
            .filter(cards::Column::HolderId.eq(no_card.id))
            .one(&db.db)
            .await
            .expect("card query")
            .is_none()
    );

    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("roster.import"))
        .all(&db.db)
        .await
        .expect("audit query");
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].actor_kind.as_str(), audit[0].result.as_str()),
        ("cli", "ok")
    );
}

#[tokio::test]
async fn national_ids_and_guardian_contacts_are_stored_encrypted_and_bound_to_the_row() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("import");
    let id_no = female_id();
    let h = holder_by_id_no(&db, &id_no).await.expect("holder");
    assert!(!h.id_no_enc.contains(&id_no), "the plain ID is not stored");
    assert!(!h.id_no_hash.contains(&id_no));
    assert!(
        h.id_no_enc.starts_with("k1:"),
        "key id prefix: {}",
        h.id_no_enc
    );
    let c = cipher();
    assert_eq!(
        c.decrypt(&h.id_no_enc, &holder_id_aad(&h.id_no_hash))
            .ok()
            .as_deref(),
        Some(id_no.as_str())
    );
    let other = holder_by_id_no(&db, "A123456789")
        .await
        .expect("other holder");
    assert!(
        c.decrypt(&h.id_no_enc, &holder_id_aad(&other.id_no_hash))
            .is_err(),
        "the ciphertext does not decrypt as another row's"
    );
    let mobile = h.guardian_mobile_enc.as_deref().expect("guardian mobile");
    assert!(!mobile.contains("0912345678"));
    assert_eq!(
        c.decrypt(mobile, &format!("holders.guardian_mobile:{}", h.id_no_hash))
            .ok()
            .as_deref(),
        Some("0912345678")
    );
    let email = h.guardian_email_enc.as_deref().expect("guardian e-mail");
    assert!(!email.contains("mom@example.com"));
    assert_eq!(other.guardian_mobile_enc, None);

    // Nothing in the whole database holds the plain ID (the audit log included).
    let dump = format!(
        "{:?}{:?}",
        holders::Entity::find().all(&db.db).await.expect("holders"),
        audit_log::Entity::find().all(&db.db).await.expect("audit")
    );
    assert!(!dump.contains(&id_no) && !dump.contains("A123456789"));
}

/// A student row of school 173601 with its own student number, ID and card number,
/// and one column replaced.
fn row_with(n: u32, column: usize, value: &str) -> String {
    let id = with_check_digit('D', &format!("1{:07}", 2_000_000 + n)).expect("valid ID");
    let mut fields: Vec<String> = format!(
        "173601,基隆市立仁愛國小,仁愛區,國小,{},學生{n},{id},2015-06-01,M,503,{},KL-PRIMARY,{},active,50,2022-09-01,,",
        130_000 + n,
        n,
        600_000_000 + n,
    )
    .split(',')
    .map(str::to_owned)
    .collect();
    fields[column] = value.to_owned();
    fields.join(",")
}

#[tokio::test]
async fn a_roster_with_any_bad_row_writes_nothing_and_reports_every_line() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let before = db.roster_counts().await;

    // Line 2 is valid and would change an existing student; lines 3.. are each bad in
    // one way.
    let bad_rows: Vec<(String, &str)> = vec![
        (row_with(1, 0, ""), "school_code"),
        (row_with(2, 3, "大學"), "level"),
        (row_with(3, 5, ""), "name"),
        (row_with(4, 6, "A123456788"), "id_no"),
        (row_with(5, 7, "2015/06/01"), "birth_date"),
        (row_with(6, 8, "F"), "gender"),
        (row_with(7, 10, "abc"), "seat_no"),
        (row_with(8, 11, "不存在的卡"), "card_type"),
        (row_with(9, 11, "SENIOR-ID"), "card_type"),
        (row_with(10, 12, "12"), "card_outer_no"),
        (row_with(11, 13, "lost"), "card_status"),
        (row_with(12, 14, "-5"), "card_balance"),
        (row_with(13, 15, "soon"), "card_issued_on"),
        (row_with(14, 16, "12345"), "guardian_mobile"),
        (row_with(15, 17, "not-an-email"), "guardian_email"),
        (row_with(16, 6, "A123456789"), "id_no"), // repeats line 2
        ("173601,基隆市立仁愛國小,仁愛區".to_owned(), "row"),
    ];
    let mut file = format!(
        "{HEADER}\n173601,基隆市立仁愛國小,仁愛區,國小,110002,王大明,A123456789,2015-05-01,M,601,3,KL-PRIMARY,0512345679,active,999,2021-09-01,,\n"
    );
    for (row, _) in &bad_rows {
        file.push_str(row);
        file.push('\n');
    }
    let errors = invalid(import(&db, &file).await);
    for (i, (_, column)) in bad_rows.iter().enumerate() {
        let line = u64::try_from(i).expect("small") + 3;
        assert!(
            errors.iter().any(|e| e.line == line && e.column == *column),
            "line {line} should be reported at {column}; got {errors:#?}"
        );
        let shown = errors
            .iter()
            .find(|e| e.line == line)
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(shown.starts_with(&format!("line {line}, ")), "{shown}");
    }
    assert!(
        errors.iter().all(|e| e.line != 2),
        "line 2 is valid: {errors:#?}"
    );

    assert_eq!(db.roster_counts().await, before, "nothing was written");
    let unchanged = holder_by_id_no(&db, "A123456789").await.expect("holder");
    assert_eq!(unchanged.name, "王小明");
    assert_eq!(card(&db, "0512345679").await.expect("card").balance, 0);
}

#[tokio::test]
async fn a_roster_with_a_wrong_header_or_no_rows_writes_nothing() {
    let db = TestDb::new().await;
    let before = db.roster_counts().await;
    let errors = invalid(import(&db, "school,name\n1,2\n").await);
    assert_eq!((errors[0].line, errors[0].column.as_str()), (1, "header"));
    let errors = invalid(import(&db, &format!("{HEADER}\n")).await);
    assert_eq!(errors[0].column, "file");
    assert_eq!(db.roster_counts().await, before);
}

#[tokio::test]
async fn reimporting_a_changed_roster_updates_holders_and_cards_in_place() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let first = holder_by_id_no(&db, &female_id()).await.expect("holder");
    let first_card = card(&db, "0512345678").await.expect("card");

    // 林雨晴 moves to class 601 with a new name spelling and a new balance; her card
    // is stopped; 陳冠宇 gets a first card.
    let changed = good_file()
        .replace("110001,林雨晴", "110001,林雨青")
        .replace("F,501,12", "F,601,7")
        .replace("0512345678,active,230", "0512345678,stopped,45")
        .replace(
            "801,5,,,none,,,,",
            "801,5,KL-JUNIOR,0812345678,active,100,2024-09-01,,",
        );
    let summary = import(&db, &changed).await.expect("re-import");
    assert_eq!(
        summary,
        ImportSummary {
            rows: 3,
            schools_created: 0,
            holders_created: 0,
            holders_updated: 3,
            cards_created: 1,
            cards_updated: 2,
        }
    );
    assert_eq!(db.count("schools").await, 2);
    assert_eq!(db.count("holders").await, 3, "no duplicate holders");
    assert_eq!(db.count("cards").await, 3);
    assert_eq!(db.count("classes").await, 4, "class 601 was added");

    let again = holder_by_id_no(&db, &female_id()).await.expect("holder");
    assert_eq!(again.id, first.id, "same holder row");
    assert_eq!(again.name, "林雨青");
    assert_eq!(again.seat_no, 7);
    assert_eq!(again.created_at, first.created_at);
    assert_ne!(again.class_id, first.class_id);
    let class = classes::Entity::find_by_id(again.class_id)
        .one(&db.db)
        .await
        .expect("class query")
        .expect("class");
    assert_eq!(class.name, "601");
    let c = card(&db, "0512345678").await.expect("card");
    assert_eq!(c.id, first_card.id, "same card row");
    assert_eq!((c.status.as_str(), c.balance), ("stopped", 45));
    assert!(c.stopped_at.is_some());
    let new_card = card(&db, "0812345678").await.expect("new card");
    let junior = holder_by_id_no(&db, &junior_id())
        .await
        .expect("junior holder");
    assert_eq!(new_card.holder_id, junior.id);

    // The same file once more changes nothing but the update counters.
    let summary = import(&db, &changed).await.expect("third import");
    assert_eq!((summary.holders_created, summary.cards_created), (0, 0));
    assert_eq!(db.count("holders").await, 3);
    let imports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("roster.import"))
        .all(&db.db)
        .await
        .expect("audit");
    assert_eq!(imports.len(), 3, "one audit row per import");
}

#[tokio::test]
async fn a_card_number_owned_by_another_holder_is_a_conflict_and_nothing_is_written() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let before = db.roster_counts().await;

    // A new student (line 3) claims 林雨晴's card; line 2 is a valid new student.
    let file = format!(
        "{HEADER}\n{}\n{}\n",
        row_with(40, 0, "173601"),
        row_with(41, 12, "0512345678"),
    );
    let errors = invalid(import(&db, &file).await);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].column.as_str()),
        (3, "card_outer_no")
    );
    assert!(
        errors[0].problem.contains("051234****") && !errors[0].problem.contains("0512345678"),
        "the card number is masked in the message: {}",
        errors[0].problem
    );
    assert_eq!(db.roster_counts().await, before, "nothing was written");
    let new_id = with_check_digit('D', "12000040").expect("valid ID");
    assert!(holder_by_id_no(&db, &new_id).await.is_none());
    let owner = holder_by_id_no(&db, &female_id()).await.expect("owner");
    assert_eq!(
        card(&db, "0512345678").await.expect("card").holder_id,
        owner.id
    );
}

#[tokio::test]
async fn a_student_number_taken_by_another_student_is_a_conflict() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let before = db.roster_counts().await;
    // Someone else under 林雨晴's student number 110001.
    let file = format!("{HEADER}\n{}\n", row_with(50, 4, "110001"));
    let errors = invalid(import(&db, &file).await);
    assert_eq!(
        (errors[0].line, errors[0].column.as_str()),
        (2, "student_no")
    );
    assert_eq!(db.roster_counts().await, before);
}

async fn audits(db: &TestDb, action: &str) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .all(&db.db)
        .await
        .expect("audit query")
}

/// The attack of the "Trust" issue: school 173601's file names 陳冠宇 of 173502 by his
/// ID, with another birth date and the attacker's mobile.
fn takeover_file() -> String {
    format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110007,陳冠宇,{},2012-01-01,M,501,9,,,none,,,0987654321,evil@example.com\n",
        junior_id()
    )
}

#[tokio::test]
async fn an_import_never_moves_or_rewrites_a_holder_of_another_school() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let victim = holder_by_id_no(&db, &junior_id()).await.expect("holder");
    let before = db.roster_counts().await;

    let rows = roster::parse(
        takeover_file().as_bytes(),
        &roster::card_type_index(&db.db).await.expect("types"),
    )
    .rows;
    let preview = roster::other_school_rows(&db.db, &cipher(), &rows)
        .await
        .expect("check");
    let errors = invalid(import(&db, &takeover_file()).await);
    for errors in [&preview, &errors] {
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(
            (errors[0].line, errors[0].column.as_str(), errors[0].code),
            (2, "id_no", roster::OTHER_SCHOOL)
        );
    }
    assert_eq!(db.roster_counts().await, before, "nothing was written");
    assert_eq!(
        holder_by_id_no(&db, &junior_id()).await.expect("holder"),
        victim,
        "school, class, birth date and guardian contacts unchanged"
    );
    // The same student under their own school's code is an ordinary update.
    assert!(
        roster::other_school_rows(
            &db.db,
            &cipher(),
            &roster::parse(
                good_file().as_bytes(),
                &roster::card_type_index(&db.db).await.expect("types"),
            )
            .rows
        )
        .await
        .expect("check")
        .is_empty()
    );
}

#[tokio::test]
async fn a_transfer_moves_the_holder_explicitly_and_is_audited() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    let before = holder_by_id_no(&db, &junior_id()).await.expect("holder");
    let transfer = |to_school: &str, student_no: Option<&str>| Transfer {
        id_no: junior_id(),
        to_school: to_school.into(),
        class: "601".into(),
        student_no: student_no.map(Into::into),
    };
    let refused = [
        (transfer("999999", None), "UnknownSchool"),
        (transfer("173502", None), "SameSchool"),
        (transfer("173601", Some("110001")), "StudentNoTaken"),
        (
            Transfer {
                id_no: "A123456788".into(),
                ..transfer("173601", None)
            },
            "InvalidId",
        ),
        (
            Transfer {
                id_no: with_check_digit('E', "12345678").expect("valid ID"),
                ..transfer("173601", None)
            },
            "UnknownHolder",
        ),
    ];
    for (t, expected) in refused {
        let err = transfer_holder(&db.db, &cipher(), &t, Actor::Cli)
            .await
            .expect_err(expected);
        assert!(format!("{err:?}").starts_with(expected), "{err:?}");
    }
    assert!(matches!(
        transfer_holder(
            &db.db,
            &cipher(),
            &transfer("173601", Some("110001")),
            Actor::Cli
        )
        .await,
        Err(TransferError::StudentNoTaken(..))
    ));
    assert_eq!(
        holder_by_id_no(&db, &junior_id()).await.expect("holder"),
        before
    );
    assert!(audits(&db, "holder.transfer").await.is_empty());

    let done = transfer_holder(
        &db.db,
        &cipher(),
        &transfer("173601", Some("110007")),
        Actor::Cli,
    )
    .await
    .expect("transfer");
    assert_eq!(done.from, ("173502".into(), "801".into(), "120001".into()));
    assert_eq!(done.to, ("173601".into(), "601".into(), "110007".into()));
    let after = holder_by_id_no(&db, &junior_id()).await.expect("holder");
    assert_eq!(after.id, before.id);
    assert_ne!(after.school_id, before.school_id);
    assert_eq!(after.student_no, "110007");
    assert_eq!(
        (after.birth_date, &after.name, &after.guardian_mobile_enc),
        (before.birth_date, &before.name, &before.guardian_mobile_enc)
    );
    let audit = audits(&db, "holder.transfer").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_kind, "cli");
    assert_eq!(audit[0].subject.as_deref(), Some("B12345****"));
    let detail: serde_json::Value =
        serde_json::from_str(audit[0].detail.as_deref().expect("detail")).expect("json");
    assert_eq!(
        detail,
        serde_json::json!({
            "from": { "school": "173502", "class": "801", "student_no": "120001" },
            "to": { "school": "173601", "class": "601", "student_no": "110007" },
        })
    );
    // Now the new school's file updates the student in place.
    let summary = import(&db, &takeover_file())
        .await
        .expect("import after transfer");
    assert_eq!((summary.holders_created, summary.holders_updated), (0, 1));
}

#[tokio::test]
async fn each_changed_holder_is_audited_with_masked_before_and_after() {
    let db = TestDb::new().await;
    import(&db, &good_file()).await.expect("first import");
    // 林雨晴: new name, class, seat, birth date and guardian contacts; 王小明 and
    // 陳冠宇 unchanged.
    let changed = good_file()
        .replace("110001,林雨晴", "110001,王雨青")
        .replace("2015-03-14,F,501,12", "2015-03-15,F,601,7")
        .replace("0912345678,mom@example.com", "0922333444,dad@example.org");
    import(&db, &changed).await.expect("re-import");
    let rows = audits(&db, "roster.holder_changed").await;
    assert_eq!(rows.len(), 1, "only the changed holder: {rows:#?}");
    let row = &rows[0];
    assert_eq!(row.actor_kind, "cli");
    assert_eq!(row.subject.as_deref(), Some("A22345****"));
    let text = row.detail.as_deref().expect("detail");
    let detail: serde_json::Value = serde_json::from_str(text).expect("json");
    assert_eq!(
        detail["changes"],
        serde_json::json!({
            "name": { "from": "林○晴", "to": "王○青" },
            "class": { "from": "501", "to": "601" },
            "seat_no": { "from": 12, "to": 7 },
            "birth_date": "changed",
            "guardian_mobile": { "from": "0912***678", "to": "0922***444" },
            "guardian_email": { "from": "m***@example.com", "to": "d***@example.org" },
        })
    );
    assert_eq!(
        (detail["line"].as_u64(), detail["school"].as_str()),
        (Some(2), Some("173601"))
    );
    for clear in [
        female_id().as_str(),
        "林雨晴",
        "王雨青",
        "2015-03-1",
        "0912345678",
        "0922333444",
        "mom@example.com",
        "dad@example.org",
    ] {
        assert!(!text.contains(clear), "{clear} in {text}");
    }
    // Importing the same file again changes nothing and audits no holder.
    import(&db, &changed).await.expect("third import");
    assert_eq!(audits(&db, "roster.holder_changed").await.len(), 1);
    // Removing a contact is a change too.
    let removed = changed.replace("0922333444,dad@example.org", ",");
    import(&db, &removed).await.expect("fourth import");
    let rows = audits(&db, "roster.holder_changed").await;
    assert_eq!(rows.len(), 2);
    let detail: serde_json::Value =
        serde_json::from_str(rows[1].detail.as_deref().expect("detail")).expect("json");
    assert_eq!(
        detail["changes"],
        serde_json::json!({
            "guardian_mobile": { "from": "0922***444", "to": null },
            "guardian_email": { "from": "d***@example.org", "to": null },
        })
    );
}
