//! «統計報表» (issue 16 item 4) against the real server: a week of swipes for two
//! classes of school A and one of school B (a holiday at A on the Wednesday), stops,
//! applications and outbox messages; each role sees exactly its scope's counts (a
//! teacher their class, an officer their school, an operator every school or the one
//! picked), naming another school and the messages report outside the operators are
//! refused (403, audited), and the CSV has the very rows of the page. On SQLite, or on
//! PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::dates::{taiwan_time, taiwan_today};
use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{
    audit_log, cards, holders, outbox, replacement_applications, school_holidays, schools,
    stop_requests, swipes,
};
use app::server::roster;
use app::server::staff::StaffRole;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery staple";
const A: &str = "基隆市立仁愛國小";
const B: &str = "基隆市立信義國小";

/// School 173601 (A): s1, s2, s3 in class 501, s4, s5 in 502; school 173602 (B): s6
/// in 601. Staff: teacher t501 (A/501), officer.a (A), officer.b (B), operator.
async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let mut f = format!("{HEADER}\n");
    for (n, (code, name, class)) in [
        ("173601", A, "501"),
        ("173601", A, "501"),
        ("173601", A, "501"),
        ("173601", A, "502"),
        ("173601", A, "502"),
        ("173602", B, "601"),
    ]
    .into_iter()
    .enumerate()
    {
        let n = n + 1;
        let district = if code == "173601" {
            "仁愛區"
        } else {
            "信義區"
        };
        f.push_str(&format!(
            "{code},{name},{district},國小,11000{n},學生{n},{},2015-03-14,F,{class},{n},KL-PRIMARY,05770000{n:02},active,230,2021-09-01\n",
            with_check_digit('A', &format!("2234567{n}")).expect("valid ID"),
        ));
    }
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

/// The holder of student `n` (1 to 6) and their card.
async fn student(db: &TestDb, n: u32) -> (i32, cards::Model) {
    let h = holders::Entity::find()
        .filter(holders::Column::StudentNo.eq(format!("11000{n}")))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    let card = cards::Entity::find()
        .filter(cards::Column::HolderId.eq(h.id))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    (h.id, card)
}

/// `hh:mm` on `day` in Taiwan, in UTC.
fn tw(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    day.and_hms_opt(h, m, 0).unwrap().and_utc() - Duration::hours(8)
}

/// Monday to Friday of last week (Taiwan).
fn last_week() -> [NaiveDate; 5] {
    let today = taiwan_today();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 7);
    std::array::from_fn(|i| monday + Duration::days(i as i64))
}

fn iso(d: NaiveDate) -> String {
    app::domain::dates::iso_date(d)
}

/// `YYYY-MM` of a time, in Taiwan.
fn month_of(t: DateTime<Utc>) -> String {
    let d = taiwan_time(t).date_naive();
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn swipe(db: &TestDb, n: &mut u32, holder: Option<i32>, direction: &str, at: DateTime<Utc>) {
    *n += 1;
    swipes::ActiveModel {
        reader_id: Set(None),
        event_id: Set(format!("report-{n}")),
        card_outer_no: Set(format!("swipe-{n}")),
        holder_id: Set(holder),
        direction: Set(direction.into()),
        swiped_at: Set(at),
        received_at: Set(at),
        entered_by_staff_id: Set(None),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
}

/// The week's swipes: s1 in and out every day, s2 in and out on Monday and in on
/// Tuesday, s3 never (but the Friday before), s4 in and out, s5 in (twice on Monday),
/// s6 (school B) in on Monday, and an unknown card. School A has Wednesday off.
async fn seed_week(db: &TestDb) {
    let week = last_week();
    let mut n = 0;
    let s: Vec<i32> = {
        let mut ids = Vec::new();
        for i in 1..=6 {
            ids.push(student(db, i).await.0);
        }
        ids
    };
    for (i, day) in week.iter().copied().enumerate() {
        // 07:30 in Taiwan is the evening before in UTC.
        swipe(db, &mut n, Some(s[0]), "in", tw(day, 7, 30)).await;
        swipe(db, &mut n, Some(s[0]), "out", tw(day, 16, 0)).await;
        if i <= 1 {
            swipe(db, &mut n, Some(s[1]), "in", tw(day, 7, 40)).await;
        }
        if i == 0 {
            swipe(db, &mut n, Some(s[1]), "out", tw(day, 16, 5)).await;
            swipe(db, &mut n, Some(s[4]), "in", tw(day, 7, 35)).await;
            swipe(db, &mut n, Some(s[5]), "in", tw(day, 7, 20)).await;
            swipe(db, &mut n, None, "in", tw(day, 7, 21)).await;
        }
        swipe(db, &mut n, Some(s[3]), "in", tw(day, 7, 50)).await;
        swipe(db, &mut n, Some(s[3]), "out", tw(day, 16, 30)).await;
        swipe(db, &mut n, Some(s[4]), "in", tw(day, 7, 55)).await;
    }
    swipe(
        db,
        &mut n,
        Some(s[2]),
        "in",
        tw(week[0] - Duration::days(3), 7, 30),
    )
    .await;
    let school_a = schools::Entity::find()
        .filter(schools::Column::Code.eq("173601"))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    school_holidays::ActiveModel {
        school_id: Set(Some(school_a.id)),
        day: Set(week[2]),
        name: Set("校慶補假".into()),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
}

async fn stop(
    db: &TestDb,
    n: u32,
    choice: &str,
    refund: i32,
    review: &str,
    paid: bool,
    at: DateTime<Utc>,
) {
    let (holder, card) = student(db, n).await;
    stop_requests::ActiveModel {
        serial_no: Set(format!("ST2026000000{n:02}")),
        card_id: Set(card.id),
        holder_id: Set(holder),
        choice: Set(choice.into()),
        balance_at_stop: Set(230),
        fees: Set(30),
        refund_amount: Set(refund),
        no_contact_flag: Set(true),
        stopped_at: Set(at),
        protected_from: Set(at + Duration::hours(3)),
        review_status: Set(review.into()),
        created_at: Set(at),
        refund_paid_on: Set(paid.then(|| taiwan_time(at).date_naive())),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
}

async fn application(db: &TestDb, n: u32, status: &str, due_on: NaiveDate, at: DateTime<Utc>) {
    let (holder, _) = student(db, n).await;
    replacement_applications::ActiveModel {
        serial_no: Set(format!("AP2026000000{n:02}")),
        holder_id: Set(holder),
        card_type: Set("KL-PRIMARY".into()),
        reason: Set("lost".into()),
        delivery: Set("school".into()),
        recipient_name_enc: Set("x".into()),
        recipient_phone_enc: Set("x".into()),
        photo_file: Set(String::new()),
        photo_sha256: Set(String::new()),
        fee: Set(100),
        amount_due: Set(100),
        payment_serial: Set(i64::from(n)),
        payment_no: Set(format!("PAY{n:013}")),
        due_on: Set(due_on),
        status: Set(status.into()),
        paid_on: Set((status != "awaiting_payment").then_some(due_on)),
        review_status: Set("pending".into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&db.db)
    .await
    .unwrap();
}

async fn message(db: &TestDb, n: u32, channel: &str, status: &str) {
    let now = Utc::now();
    outbox::ActiveModel {
        id: Set(format!("{n:032x}")),
        channel: Set(channel.into()),
        recipient_enc: Set("not-a-recipient".into()),
        template: Set("report_test".into()),
        payload: Set("{}".into()),
        status: Set(status.into()),
        attempts: Set(1),
        created_at: Set(now),
        sent_at: Set((status == "sent").then_some(now)),
        // Not due: the worker leaves it alone.
        next_attempt_at: Set(Some(now + Duration::days(1))),
        in_flight_since: Set((status == "in_flight").then_some(now)),
        claimed_by: Set((status == "in_flight").then(|| "elsewhere".to_owned())),
        last_attempt_at: Set(None),
        last_error: Set(None),
        secrets_removed: Set(true),
    }
    .insert(&db.db)
    .await
    .unwrap();
}

/// Stops, applications (now and 40 days ago) and outbox messages.
async fn seed_cards_and_messages(db: &TestDb) -> (DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    let before = now - Duration::days(40);
    let today = taiwan_today();
    stop(db, 1, "no_refund", 0, "pending", false, now).await;
    stop(db, 4, "bank_transfer", 200, "approved", false, now).await;
    stop(db, 2, "cheque", 100, "returned", true, before).await;
    stop(db, 6, "no_refund", 0, "pending", false, now).await;
    application(db, 1, "awaiting_payment", today + Duration::days(7), now).await;
    application(db, 4, "paid", today, now).await;
    application(
        db,
        2,
        "awaiting_payment",
        today - Duration::days(33),
        before,
    )
    .await;
    application(db, 6, "shipped", today, now).await;
    for (n, (channel, status)) in [
        ("email", "sent"),
        ("email", "sent"),
        ("email", "dead"),
        ("sms", "pending"),
        ("line", "in_flight"),
    ]
    .into_iter()
    .enumerate()
    {
        message(db, n as u32 + 1, channel, status).await;
    }
    (now, before)
}

async fn report(b: &Browser, kind: &str, school: Option<&str>, from: &str, to: &str) -> Reply {
    b.post_json(
        "/api/school/report",
        &json!({ "kind": kind, "filter": { "school_code": school, "from": from, "to": to } }),
    )
    .await
}

type Rows = Vec<(Vec<String>, Vec<u64>)>;

fn rows(r: &Reply) -> Rows {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_owned())
                    .collect(),
                row["counts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_u64().unwrap())
                    .collect(),
            )
        })
        .collect()
}

fn row(labels: &[&str], counts: &[u64]) -> (Vec<String>, Vec<u64>) {
    (
        labels.iter().map(|s| (*s).to_owned()).collect(),
        counts.to_vec(),
    )
}

/// The CSV download of a report: status and text.
async fn csv(
    b: &Browser,
    kind: &str,
    school: Option<&str>,
    from: &str,
    to: &str,
) -> (StatusCode, String) {
    let mut url = format!("/api/school/report.csv?report={kind}&from={from}&to={to}");
    if let Some(s) = school {
        url.push_str(&format!("&school_code={s}"));
    }
    let res = b.http.get(b.url(&url)).send().await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

/// A CSV's header and rows, as the page's rows.
fn csv_rows(text: &str, labels: usize) -> (String, Rows) {
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header = lines.next().unwrap().to_owned();
    let rows = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                cells[..labels].iter().map(|s| (*s).to_owned()).collect(),
                cells[labels..].iter().map(|c| c.parse().unwrap()).collect(),
            )
        })
        .collect();
    (header, rows)
}

async fn denied(db: &TestDb) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("school.report"))
        .filter(audit_log::Column::Result.eq("denied"))
        .count(&db.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn attendance_counts_each_roles_scope_and_the_csv_has_the_same_rows() {
    let (db, server) = setup().await;
    seed_week(&db).await;
    let w = last_week();
    let (from, to) = (iso(w[0]), iso(w[4]));
    let d: Vec<String> = w.iter().map(|d| iso(*d)).collect();
    // School A: no Wednesday (its holiday); 501 has 3 students, 502 has 2.
    let mut a501 = Vec::new();
    let mut a502 = Vec::new();
    let mut b601 = Vec::new();
    for (i, day) in d.iter().enumerate() {
        let day = day.as_str();
        let (arrivals, departures) = match i {
            0 => (2, 2),
            1 => (2, 1),
            _ => (1, 1),
        };
        if i != 2 {
            a501.push(row(
                &[day, A, "501"],
                &[3, arrivals, departures, 3 - arrivals],
            ));
            a502.push(row(&[day, A, "502"], &[2, 2, 1, 0]));
        }
        let b_in = u64::from(i == 0);
        b601.push(row(&[day, B, "601"], &[1, b_in, 0, 1 - b_in]));
    }
    let interleave = |parts: &[&Rows]| -> Rows {
        let mut all: Rows = parts.iter().flat_map(|p| p.iter().cloned()).collect();
        // By day, then school and class (the page's order).
        all.sort_by(|x, y| x.0.cmp(&y.0));
        all
    };
    let officer_a_rows = interleave(&[&a501, &a502]);
    let operator_rows = interleave(&[&a501, &a502, &b601]);

    // The role × scope table: (user, school named, rows or refusal).
    let cases: Vec<(&str, Option<&str>, Result<Rows, StatusCode>)> = vec![
        ("officer.a", None, Ok(officer_a_rows.clone())),
        ("officer.a", Some("173601"), Ok(officer_a_rows.clone())),
        ("t501", None, Ok(a501.clone())),
        ("officer.b", None, Ok(b601.clone())),
        ("operator", None, Ok(operator_rows)),
        ("operator", Some("173602"), Ok(b601.clone())),
        ("operator", Some("173601"), Ok(officer_a_rows)),
        ("t501", Some("173602"), Err(StatusCode::FORBIDDEN)),
        ("officer.b", Some("173601"), Err(StatusCode::FORBIDDEN)),
        (
            "officer.a",
            Some("999999"),
            Err(StatusCode::UNPROCESSABLE_ENTITY),
        ),
    ];
    for (user, school, expected) in cases {
        let b = login(&server, user).await;
        let r = report(&b, "attendance", school, &from, &to).await;
        let (status, text) = csv(&b, "attendance", school, &from, &to).await;
        match expected {
            Ok(expected) => {
                let got = rows(&r);
                assert_eq!(got, expected, "{user} {school:?}");
                assert_eq!(
                    (r.body["from"].as_str(), r.body["to"].as_str()),
                    (Some(from.as_str()), Some(to.as_str()))
                );
                assert!(
                    r.body["chart_svg"].as_str().unwrap().starts_with("<svg"),
                    "{user}"
                );
                assert_eq!(status, StatusCode::OK, "{user} {school:?}: {text}");
                let (header, csv) = csv_rows(&text, 3);
                assert_eq!(header, "日期,學校,班級,學生數,到校刷卡,離校刷卡,未刷卡");
                assert_eq!(csv, got, "{user} {school:?}: the CSV is the table");
            }
            Err(code) => {
                assert_eq!(r.status, code, "{user} {school:?}: {r:?}");
                assert_eq!(status, code, "{user} {school:?}: {text}");
            }
        }
    }
    // Each refusal audited (the page's call and the CSV's).
    assert_eq!(denied(&db).await, 4);
    // The chart adds up each day: Monday at A has 4 arrivals, 3 departures, 1 missing;
    // Wednesday, A's holiday, is no category.
    let officer = login(&server, "officer.a").await;
    let r = report(&officer, "attendance", None, &from, &to).await;
    assert_eq!(r.body["categories"], json!([d[0], d[1], d[3], d[4]]));
    assert_eq!(
        r.body["series"],
        json!([[4, 4, 3, 3], [3, 2, 2, 2], [1, 1, 2, 2]])
    );

    // Checked ranges, and the default (the last 7 days, ending today).
    let bad = report(&officer, "attendance", None, "2026-02-30", "").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["detail"]["from"], "format");
    let bad = report(&officer, "attendance", None, &to, &from).await;
    assert_eq!(bad.body["detail"]["to"], "before_from");
    let default = report(&officer, "attendance", None, "", "").await;
    assert_eq!(default.body["to"], iso(taiwan_today()));
    assert_eq!(
        default.body["from"],
        iso(taiwan_today() - Duration::days(6))
    );

    // Without a login: nothing.
    let stranger = server.client();
    assert_eq!(
        report(&stranger, "attendance", None, "", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        csv(&stranger, "attendance", None, "", "").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        csv(&officer, "nonsense", None, "", "").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn stops_applications_and_messages_count_by_state_within_the_scope() {
    let (db, server) = setup().await;
    let (now, before) = seed_cards_and_messages(&db).await;
    let (m0, m40) = (month_of(now), month_of(before));
    let (m0, m40) = (m0.as_str(), m40.as_str());
    // Stops: total, 申請中, 已核可, 退件, 不退費, 退費處理中, 已退費.
    let stops_a = vec![
        row(&[m40, A], &[1, 0, 0, 1, 0, 0, 1]),
        row(&[m0, A], &[2, 1, 1, 0, 1, 1, 0]),
    ];
    let stops_t501 = vec![
        row(&[m40, A], &[1, 0, 0, 1, 0, 0, 1]),
        row(&[m0, A], &[1, 1, 0, 0, 1, 0, 0]),
    ];
    let stops_b = vec![row(&[m0, B], &[1, 1, 0, 0, 1, 0, 0])];
    // Applications: total, 待繳費, 已繳費, 處理中, 等待印卡回應, 已寄出, 已結案, 退件, 逾期未繳.
    let apps_a = vec![
        row(&[m40, A], &[1, 0, 0, 0, 0, 0, 0, 0, 1]),
        row(&[m0, A], &[2, 1, 1, 0, 0, 0, 0, 0, 0]),
    ];
    let apps_t501 = vec![
        row(&[m40, A], &[1, 0, 0, 0, 0, 0, 0, 0, 1]),
        row(&[m0, A], &[1, 1, 0, 0, 0, 0, 0, 0, 0]),
    ];
    let apps_b = vec![row(&[m0, B], &[1, 0, 0, 0, 0, 1, 0, 0, 0])];
    let all = |a: &Rows, b: &Rows| -> Rows {
        let mut v: Rows = a.iter().chain(b).cloned().collect();
        v.sort_by(|x, y| x.0.cmp(&y.0));
        v
    };
    let cases: Vec<(&str, Option<&str>, Rows, Rows)> = vec![
        ("officer.a", None, stops_a.clone(), apps_a.clone()),
        ("t501", None, stops_t501, apps_t501),
        ("officer.b", None, stops_b.clone(), apps_b.clone()),
        (
            "operator",
            None,
            all(&stops_a, &stops_b),
            all(&apps_a, &apps_b),
        ),
        ("operator", Some("173602"), stops_b, apps_b),
    ];
    for (user, school, stops, apps) in cases {
        let b = login(&server, user).await;
        for (kind, expected, header) in [
            (
                "stops",
                stops.clone(),
                "月份,學校,合計,申請中,已核可,退件,不退費,退費處理中,已退費",
            ),
            (
                "applications",
                apps.clone(),
                "月份,學校,合計,待繳費,已繳費,處理中,等待印卡回應,已寄出,已結案,退件,逾期未繳",
            ),
        ] {
            let r = report(&b, kind, school, "", "").await;
            let got = rows(&r);
            assert_eq!(got, expected, "{user} {school:?} {kind}");
            // The default range: the last six months, ending this month.
            assert_eq!(r.body["to"], m0, "{kind}");
            assert_eq!(r.body["categories"].as_array().unwrap().len(), 6);
            let (status, text) = csv(&b, kind, school, "", "").await;
            assert_eq!(status, StatusCode::OK, "{text}");
            let (h, csv) = csv_rows(&text, 2);
            assert_eq!(h, header);
            assert_eq!(csv, got, "{user} {school:?} {kind}: the CSV is the table");
        }
        // Messages: operators only (the outbox knows no school).
        let m = report(&b, "messages", None, "", "").await;
        if user == "operator" {
            let expected = vec![
                row(&[m0, "E-mail"], &[3, 0, 2, 1]),
                row(&[m0, "SMS"], &[1, 1, 0, 0]),
                row(&[m0, "LINE"], &[1, 1, 0, 0]),
            ];
            assert_eq!(rows(&m), expected);
            assert_eq!(m.body["categories"], json!(["E-mail", "SMS", "LINE"]));
            // Sent, waiting, failed per channel.
            assert_eq!(m.body["series"], json!([[2, 0, 0], [0, 1, 1], [1, 0, 0]]));
            let (status, text) = csv(&b, "messages", None, "", "").await;
            assert_eq!(status, StatusCode::OK);
            let (h, csv) = csv_rows(&text, 2);
            assert_eq!(h, "月份,管道,合計,待發送,已送達,發送失敗");
            assert_eq!(csv, expected);
        } else {
            assert_eq!(m.status, StatusCode::FORBIDDEN, "{user}: {m:?}");
            assert_eq!(
                csv(&b, "messages", None, "", "").await.0,
                StatusCode::FORBIDDEN
            );
        }
    }
    // Teacher, officer A, officer B: the page's call and the CSV, each audited.
    assert_eq!(denied(&db).await, 6);
    // The chart of applications: unpaid, paid (and after), returned per month.
    let officer = login(&server, "officer.a").await;
    let r = report(&officer, "applications", None, "", "").await;
    let cats: Vec<Value> = r.body["categories"].as_array().unwrap().clone();
    let at = |m: &str| cats.iter().position(|c| c == m).unwrap();
    let unpaid = &r.body["series"][0];
    assert_eq!(unpaid[at(m0)], 1);
    assert_eq!(unpaid[at(m40)], 1);
    assert_eq!(r.body["series"][1][at(m0)], 1);
    // A month range is checked like a day range.
    let bad = report(&officer, "stops", None, "2026-13", "").await;
    assert_eq!(bad.body["detail"]["from"], "format");
    let bad = report(&officer, "stops", None, "2020-01", "2026-01").await;
    assert_eq!(bad.body["detail"]["to"], "too_long");
    // The CSV download itself is audited.
    let exports = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("school.report_export"))
        .filter(audit_log::Column::Result.eq("ok"))
        .count(&db.db)
        .await
        .unwrap();
    // Five users × stops and applications, and the two operator cases' messages.
    assert_eq!(exports, 12);
}
