//! «讀卡機管理» and «停課日設定» (issue 16 item 3) against the real server: every server
//! function refuses teachers and officers reaching another school (403, audited) and
//! serves an officer's own school and operators; «更換金鑰» makes the old key 401,
//! «停用» refuses the reader's swipes; holidays are checked (a real date, not past, no
//! duplicate) and are what the «未到校» job reads. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::dates::{iso_date, taiwan_today};
use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, schools};
use app::server::roster;
use app::server::staff::StaffRole;
use chrono::{Datelike, Duration, NaiveDate, SecondsFormat, Utc, Weekday};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery staple";
const CARD_A: &str = "0577000001";

/// School 173601 (A) with a student in class 501, school 173602 (B). Staff: teacher
/// t501 (A/501), officer.a (A), officer.b (B), operator.
async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let f = format!(
        "{HEADER}\n\
         173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,{CARD_A},active,230,2021-09-01\n\
         173602,基隆市立信義國小,信義區,國小,210001,王小明,{},2015-05-01,M,601,3,KL-PRIMARY,0577000002,active,230,2021-09-01\n",
        with_check_digit('A', "22345678").expect("valid ID"),
        with_check_digit('A', "12345678").expect("valid ID"),
    );
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    crate::common::staff::add_staff(
        &db.db,
        PASSWORD,
        &[
            (StaffRole::Teacher, "t501", Some("173601"), Some("501")),
            (StaffRole::Officer, "officer.a", Some("173601"), None),
            (StaffRole::Officer, "officer.b", Some("173602"), None),
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let server = TestServer::start(&db, &[]).await;
    (db, server)
}

async fn login(server: &TestServer, username: &str) -> Browser {
    let school = match username {
        "officer.b" => "173602",
        "operator" => "",
        _ => "173601",
    };
    crate::common::staff::staff_login(server, school, username, PASSWORD).await
}

async fn audits(db: &TestDb, action: &str, result: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Result.eq(result))
        .count(&db.db)
        .await
        .unwrap()
}

async fn readers(b: &Browser, school: Option<&str>) -> Reply {
    b.post_json("/api/school/readers", &json!({ "school_code": school }))
        .await
}

async fn add_reader(b: &Browser, school: Option<&str>, id: &str, name: &str) -> Reply {
    b.post_json(
        "/api/school/reader-add",
        &json!({ "input": { "school_code": school, "reader_id": id, "name": name } }),
    )
    .await
}

async fn rotate(b: &Browser, reader: i64) -> Reply {
    b.post_json("/api/school/reader-rotate", &json!({ "reader": reader }))
        .await
}

async fn revoke(b: &Browser, reader: i64) -> Reply {
    b.post_json("/api/school/reader-revoke", &json!({ "reader": reader }))
        .await
}

fn codes(r: &Reply) -> Vec<String> {
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reader_code"].as_str().unwrap().to_owned())
        .collect()
}

/// The field error of a 422.
fn field<'a>(r: &'a Reply, name: &str) -> &'a str {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    r.body["detail"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {r:?}"))
}

async fn swipe(server: &TestServer, key: &str, reader: &str, event: &str) -> Reply {
    Reply::read(
        reqwest::Client::new()
            .post(server.url("/api/v1/swipes"))
            .bearer_auth(key)
            .json(&json!({
                "event_id": event, "card_outer_no": CARD_A, "reader_id": reader, "direction": "in",
                "time": (Utc::now() - Duration::minutes(1)).to_rfc3339_opts(SecondsFormat::Secs, false),
            }))
            .send()
            .await
            .expect("POST swipe"),
    )
    .await
}

#[tokio::test]
async fn reader_functions_keep_to_the_role_and_the_school() {
    let (db, server) = setup().await;
    let officer_a = login(&server, "officer.a").await;
    let made = add_reader(&officer_a, None, "gate-a1", "正門").await;
    assert_eq!(made.status, StatusCode::OK, "{made:?}");
    assert!(made.body["api_key"].as_str().unwrap().starts_with("rdr_"));
    let a_id = readers(&officer_a, None).await.body[0]["id"]
        .as_i64()
        .unwrap();

    // Teachers: nothing, each refusal audited.
    let teacher = login(&server, "t501").await;
    assert_eq!(readers(&teacher, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        add_reader(&teacher, None, "gate-t", "教室").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rotate(&teacher, a_id).await.status, StatusCode::FORBIDDEN);
    assert_eq!(revoke(&teacher, a_id).await.status, StatusCode::FORBIDDEN);
    // The officer of another school: nothing of school A.
    let officer_b = login(&server, "officer.b").await;
    assert_eq!(
        readers(&officer_b, Some("173601")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        add_reader(&officer_b, Some("173601"), "gate-x", "後門")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rotate(&officer_b, a_id).await.status, StatusCode::FORBIDDEN);
    assert_eq!(revoke(&officer_b, a_id).await.status, StatusCode::FORBIDDEN);
    let own_b = readers(&officer_b, None).await;
    assert_eq!(own_b.status, StatusCode::OK);
    assert!(codes(&own_b).is_empty(), "{own_b:?}");
    for action in [
        "school.readers",
        "reader.add",
        "reader.rotate",
        "reader.revoke",
    ] {
        assert_eq!(audits(&db, action, "denied").await, 2, "{action}");
    }
    assert_eq!(db.count("gate_readers").await, 1);

    // The officer's own school: the checks, then the list.
    assert_eq!(
        field(&add_reader(&officer_a, None, "gate-a2", " ").await, "name"),
        "required"
    );
    assert_eq!(
        field(&add_reader(&officer_a, None, "", "側門").await, "reader_id"),
        "required"
    );
    assert_eq!(
        field(
            &add_reader(&officer_a, None, "側門", "側門").await,
            "reader_id"
        ),
        "format"
    );
    assert_eq!(
        field(
            &add_reader(&officer_a, None, "gate-a1", "側門").await,
            "reader_id"
        ),
        "taken"
    );
    assert_eq!(
        field(
            &add_reader(&officer_a, None, "gate-a2", "正門").await,
            "name"
        ),
        "taken"
    );
    assert_eq!(
        field(
            &add_reader(&officer_a, None, "gate-a2", &"門".repeat(41)).await,
            "name"
        ),
        "too_long"
    );
    assert_eq!(rotate(&officer_a, a_id).await.status, StatusCode::OK);

    // Operators: any school, named; the same name is fine at another school.
    let operator = login(&server, "operator").await;
    assert_eq!(
        field(
            &add_reader(&operator, None, "gate-b1", "正門").await,
            "school"
        ),
        "required"
    );
    assert_eq!(
        field(
            &add_reader(&operator, Some("999999"), "gate-b1", "正門").await,
            "school"
        ),
        "unknown"
    );
    let b = add_reader(&operator, Some("173602"), "gate-b1", "正門").await;
    assert_eq!(b.status, StatusCode::OK, "{b:?}");
    assert_eq!(
        codes(&readers(&operator, None).await),
        ["gate-a1", "gate-b1"]
    );
    assert_eq!(
        codes(&readers(&operator, Some("173602")).await),
        ["gate-b1"]
    );
    assert_eq!(codes(&readers(&officer_b, None).await), ["gate-b1"]);
    assert_eq!(codes(&readers(&officer_a, None).await), ["gate-a1"]);
    let b_id = readers(&officer_b, None).await.body[0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(rotate(&operator, b_id).await.status, StatusCode::OK);
    assert_eq!(revoke(&operator, b_id).await.status, StatusCode::OK);
    assert_eq!(audits(&db, "reader.add", "ok").await, 2);
    assert_eq!(audits(&db, "reader.rotate", "ok").await, 2);
    assert_eq!(audits(&db, "reader.revoke", "ok").await, 1);
}

#[tokio::test]
async fn a_replaced_key_and_a_revoked_reader_are_refused() {
    let (db, server) = setup().await;
    let officer = login(&server, "officer.a").await;
    let first = add_reader(&officer, None, "gate-a1", "正門").await;
    let key1 = first.body["api_key"].as_str().unwrap().to_owned();
    // Only the keyed hash is stored.
    let stored = app::server::entities::gate_readers::Entity::find()
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.api_key_hash, key1);
    assert!(!stored.api_key_hash.contains(&key1[4..]));
    let ok = swipe(&server, &key1, "gate-a1", "e1").await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert_eq!(ok.body["status"], "recorded");
    let list = readers(&officer, None).await;
    assert!(list.body[0]["last_seen_at"].is_i64(), "{list:?}");
    let id = list.body[0]["id"].as_i64().unwrap();

    let rotated = rotate(&officer, id).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let key2 = rotated.body["api_key"].as_str().unwrap().to_owned();
    assert_ne!(key1, key2);
    assert_eq!(
        swipe(&server, &key1, "gate-a1", "e2").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        swipe(&server, &key2, "gate-a1", "e3").await.status,
        StatusCode::OK
    );

    assert_eq!(revoke(&officer, id).await.status, StatusCode::OK);
    assert_eq!(
        swipe(&server, &key2, "gate-a1", "e4").await.status,
        StatusCode::UNAUTHORIZED
    );
    // A revoked reader gets no new key; a second «停用» changes nothing.
    assert_eq!(rotate(&officer, id).await.status, StatusCode::CONFLICT);
    assert_eq!(revoke(&officer, id).await.status, StatusCode::OK);
    assert!(readers(&officer, None).await.body[0]["revoked_at"].is_i64());
    assert_eq!(audits(&db, "reader.revoke", "ok").await, 1);
    assert_eq!(db.count("swipes").await, 2);
}

/// The `n`-th weekday after today (Taiwan).
fn weekday_ahead(n: usize) -> NaiveDate {
    let mut d = taiwan_today();
    let mut left = n;
    loop {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
            if left == 0 {
                return d;
            }
        }
    }
}

async fn holidays(b: &Browser, school: Option<&str>) -> Reply {
    b.post_json("/api/school/holidays", &json!({ "school_code": school }))
        .await
}

async fn add_holiday(b: &Browser, school: Option<&str>, from: &str, to: &str, name: &str) -> Reply {
    b.post_json(
        "/api/school/holiday-add",
        &json!({ "input": { "school_code": school, "from": from, "to": to, "name": name } }),
    )
    .await
}

async fn remove_holiday(b: &Browser, id: i64) -> Reply {
    b.post_json("/api/school/holiday-remove", &json!({ "holiday": id }))
        .await
}

fn upcoming(r: &Reply) -> Vec<(String, String, bool)> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["day"].as_str().unwrap().to_owned(),
                h["name"].as_str().unwrap().to_owned(),
                h["removable"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn holiday_id(r: &Reply, day: &str) -> i64 {
    r.body["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["day"] == day)
        .and_then(|h| h["id"].as_i64())
        .unwrap_or_else(|| panic!("{day}: {r:?}"))
}

async fn school_day(db: &TestDb, code: &str, day: NaiveDate) -> bool {
    let school = schools::Entity::find()
        .filter(schools::Column::Code.eq(code))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    app::notify::service::is_school_day(&db.db, school.id, day)
        .await
        .unwrap()
}

#[tokio::test]
async fn holidays_keep_to_the_role_and_the_school_and_check_their_dates() {
    let (db, server) = setup().await;
    let (d1, d2) = (weekday_ahead(3), weekday_ahead(4));
    let (s1, s2) = (iso_date(d1), iso_date(d2));
    let officer_a = login(&server, "officer.a").await;
    let added = add_holiday(&officer_a, None, &s1, "", "校慶補假").await;
    assert_eq!(added.status, StatusCode::OK, "{added:?}");
    assert_eq!(added.body, json!(1));
    // The «未到校» job's own rule now skips the day at school A only.
    assert!(!school_day(&db, "173601", d1).await);
    assert!(school_day(&db, "173602", d1).await);
    let a_list = holidays(&officer_a, None).await;
    assert_eq!(
        upcoming(&a_list),
        [(s1.clone(), "校慶補假".to_owned(), true)]
    );
    let a_id = holiday_id(&a_list, &s1);

    // Teachers and the other school's officer: refused, audited.
    let teacher = login(&server, "t501").await;
    assert_eq!(holidays(&teacher, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        add_holiday(&teacher, None, &s2, "", "x").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        remove_holiday(&teacher, a_id).await.status,
        StatusCode::FORBIDDEN
    );
    let officer_b = login(&server, "officer.b").await;
    assert_eq!(
        holidays(&officer_b, Some("173601")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        add_holiday(&officer_b, Some("173601"), &s2, "", "x")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        remove_holiday(&officer_b, a_id).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(upcoming(&holidays(&officer_b, None).await).is_empty());
    for action in ["school.holidays", "holiday.add", "holiday.remove"] {
        assert_eq!(audits(&db, action, "denied").await, 2, "{action}");
    }

    // The checks, each on its field.
    let past = iso_date(taiwan_today() - Duration::days(1));
    assert_eq!(
        field(
            &add_holiday(&officer_a, None, &s1, "", "重複").await,
            "from"
        ),
        "duplicate"
    );
    assert_eq!(
        field(
            &add_holiday(&officer_a, None, &past, "", "過去").await,
            "from"
        ),
        "past"
    );
    assert_eq!(
        field(
            &add_holiday(&officer_a, None, "2027-02-30", "", "x").await,
            "from"
        ),
        "format"
    );
    assert_eq!(
        field(&add_holiday(&officer_a, None, "", "", "x").await, "from"),
        "required"
    );
    assert_eq!(
        field(&add_holiday(&officer_a, None, &s2, "", "").await, "name"),
        "required"
    );
    assert_eq!(
        field(&add_holiday(&officer_a, None, &s2, &s1, "x").await, "to"),
        "before_from"
    );
    assert_eq!(db.count("school_holidays").await, 1);
    // A range: each weekday of it.
    let (r_from, r_to) = (d2 + Duration::days(7), d2 + Duration::days(13));
    let range = add_holiday(&officer_a, None, &iso_date(r_from), &iso_date(r_to), "段考").await;
    assert_eq!(range.body, json!(5), "{range:?}");

    // Operators: every school at once; an officer sees it but cannot remove it.
    let operator = login(&server, "operator").await;
    let every = add_holiday(&operator, None, &s2, "", "颱風假").await;
    assert_eq!(every.status, StatusCode::OK, "{every:?}");
    assert!(!school_day(&db, "173602", d2).await);
    let b_list = holidays(&officer_b, None).await;
    assert_eq!(
        upcoming(&b_list),
        [(s2.clone(), "颱風假".to_owned(), false)]
    );
    let every_id = holiday_id(&b_list, &s2);
    assert_eq!(
        remove_holiday(&officer_b, every_id).await.status,
        StatusCode::FORBIDDEN
    );
    // The operator adds one for school B, and removes what an officer may not.
    let b_only = add_holiday(&operator, Some("173602"), &s1, "", "校慶").await;
    assert_eq!(b_only.status, StatusCode::OK, "{b_only:?}");
    assert_eq!(upcoming(&holidays(&operator, None).await).len(), 8);
    assert_eq!(
        remove_holiday(&operator, every_id).await.status,
        StatusCode::OK
    );
    assert!(school_day(&db, "173602", d2).await);
    // The officer removes their own future holiday.
    assert_eq!(
        remove_holiday(&officer_a, a_id).await.status,
        StatusCode::OK
    );
    assert!(school_day(&db, "173601", d1).await);
    assert_eq!(
        remove_holiday(&officer_a, a_id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(audits(&db, "holiday.add", "ok").await, 4);
    assert_eq!(audits(&db, "holiday.remove", "ok").await, 2);
}
