//! Print batches from the back office and the CLI (issue 17 item 1): teachers are
//! refused, a card officer collects, lists, downloads and closes only their own
//! school's applications, operators every school's; the download is one zip with
//! print.csv and photos/<serial>.jpg; `server print-batch …` and
//! `server import-print-results` with line errors. Every action audited. On SQLite, or
//! on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, holders, outbox, replacement_applications as applications};
use app::server::roster;
use app::server::staff::StaffRole;
use chrono::{Duration, Utc};
use common::{Browser, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";
const PASSWORD: &str = "correct horse battery staple";
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0 not really a jpeg \xFF\xD9";

fn id(n: u8) -> String {
    with_check_digit('F', &format!("1234567{n}")).expect("valid ID")
}

fn serial(n: u8) -> String {
    format!("AP20261120{:06}", u32::from(n) + 1)
}

/// School 173601: holders 0 (registered mail) and 1 (to the school), paid and approved
/// («等待印卡回應»), and 3, unpaid; school 173602: holder 2, paid and approved. Staff:
/// teacher t502 (173601/502), officer.a (173601), officer.b (173602), operator.
async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let mut f = format!("{HEADER}\n");
    for n in 0..4u8 {
        let (code, name) = if n == 2 {
            ("173602", "基隆市立信義國小")
        } else {
            ("173601", "基隆市立仁愛國小")
        };
        f.push_str(&format!(
            "{code},{name},仁愛區,國小,15000{n},陳大文{n},{},{BIRTH},M,502,4{n},KL-PRIMARY,09123456{n}0,stopped,0,2021-09-01\n",
            id(n)
        ));
    }
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    crate::common::staff::add_staff(
        &db.db,
        PASSWORD,
        &[
            (StaffRole::Teacher, "t502", Some("173601"), Some("502")),
            (StaffRole::Officer, "officer.a", Some("173601"), None),
            (StaffRole::Officer, "officer.b", Some("173602"), None),
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let photos = db.path().join("data").join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let now = Utc::now();
    for (n, delivery, status) in [
        (0u8, "mail", "printing"),
        (1, "school", "printing"),
        (2, "mail", "printing"),
        (3, "mail", "awaiting_payment"),
    ] {
        let holder = holders::Entity::find()
            .filter(holders::Column::IdNoHash.eq(common::id_hash(&id(n))))
            .one(&db.db)
            .await
            .unwrap()
            .expect("holder");
        let serial = serial(n);
        let enc = |col: &str, v: &str| {
            cipher().encrypt(v, &format!("replacement_applications.{col}:{serial}"))
        };
        let photo = format!("00000000-0000-4000-8000-00000000000{n}.jpg");
        std::fs::write(photos.join(&photo), PHOTO).unwrap();
        applications::ActiveModel {
            serial_no: Set(serial.clone()),
            holder_id: Set(holder.id),
            card_type: Set("KL-PRIMARY".into()),
            reason: Set("lost".into()),
            email_enc: Set(Some(enc("email", &format!("family{n}@example.com")))),
            delivery: Set(delivery.into()),
            recipient_name_enc: Set(enc("recipient_name", "陳媽媽")),
            recipient_phone_enc: Set(enc("recipient_phone", "0912345678")),
            recipient_address_enc: Set(
                (delivery == "mail").then(|| enc("recipient_address", "基隆市仁愛區愛二路2號"))
            ),
            photo_file: Set(photo),
            photo_sha256: Set("x".into()),
            fee: Set(100),
            amount_due: Set(100),
            payment_serial: Set(800 + i64::from(n)),
            payment_no: Set(format!("BATCH-TEST-{n}")),
            due_on: Set(app::domain::dates::taiwan_today() + Duration::days(3)),
            status: Set(status.into()),
            review_status: Set("approved".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .unwrap();
    }
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

async fn create(b: &Browser, school: Option<&str>) -> common::Reply {
    b.post_json(
        "/api/school/print-batch-create",
        &json!({ "school_code": school }),
    )
    .await
}

async fn overview(b: &Browser) -> Value {
    let r = b.get("/api/school/print-batches").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

async fn download(b: &Browser, batch: i64) -> (StatusCode, Vec<u8>) {
    let res = b
        .http
        .get(b.url(&format!("/api/school/print-batches/{batch}/export.zip")))
        .send()
        .await
        .unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

async fn audits(db: &TestDb, action: &str, result: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Result.eq(result))
        .count(&db.db)
        .await
        .unwrap()
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().into_owned(), out)
        })
        .collect()
}

#[tokio::test]
async fn print_batches_keep_to_the_role_and_the_school() {
    let (db, server) = setup().await;
    let teacher = login(&server, "t502").await;
    assert_eq!(
        teacher.get("/api/school/print-batches").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(create(&teacher, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(download(&teacher, 1).await.0, StatusCode::FORBIDDEN);
    assert_eq!(audits(&db, "school.print_batches", "denied").await, 1);
    assert_eq!(audits(&db, "school.print_batch", "denied").await, 1);

    // An officer may not collect another school's applications.
    let officer_b = login(&server, "officer.b").await;
    let r = create(&officer_b, Some("173601")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");

    let officer_a = login(&server, "officer.a").await;
    assert_eq!(overview(&officer_a).await["waiting"], 2);
    let r = create(&officer_a, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["count"], 2, "{r:?}");
    let batch_a = r.body["id"].as_i64().unwrap();
    assert_eq!(
        app_row(&db, 2).await.print_batch_id,
        None,
        "school B's waits"
    );
    let seen = overview(&officer_a).await;
    assert_eq!(seen["waiting"], 0, "{seen}");
    assert_eq!(seen["batches"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["batches"][0]["count"], 2);
    assert_eq!(seen["batches"][0]["printing"], 2);
    // Nothing more to collect: no empty batch.
    let r = create(&officer_a, None).await;
    assert_eq!(r.body, Value::Null, "{r:?}");

    // Officer B sees neither the batch nor its applications.
    let seen = overview(&officer_b).await;
    assert_eq!(seen["waiting"], 1, "{seen}");
    assert_eq!(seen["batches"], json!([]), "{seen}");
    let r = officer_b
        .get(&format!("/api/school/print-batch?id={batch_a}"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(download(&officer_b, batch_a).await.0, StatusCode::FORBIDDEN);
    assert_eq!(download(&officer_b, 999).await.0, StatusCode::NOT_FOUND);
    assert_eq!(audits(&db, "school.print_batch_export", "denied").await, 2);

    // The operator sees every school and collects the rest.
    let operator = login(&server, "operator").await;
    assert_eq!(overview(&operator).await["waiting"], 1);
    let r = create(&operator, None).await;
    assert_eq!(r.body["count"], 1, "{r:?}");
    let seen = overview(&operator).await;
    assert_eq!(seen["batches"].as_array().unwrap().len(), 2, "{seen}");
    let seen = overview(&officer_b).await;
    assert_eq!(seen["batches"].as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen["batches"][0]["count"], 1, "{seen}");
    let batches = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("print.batch"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(batches.len(), 2);
    assert!(
        batches.iter().all(|a| a.actor_kind == "staff"),
        "{batches:?}"
    );
}

async fn app_row(db: &TestDb, n: u8) -> applications::Model {
    applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial(n)))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_batch_downloads_as_one_zip_of_print_csv_and_headshots() {
    let (db, server) = setup().await;
    let officer = login(&server, "officer.a").await;
    let batch = create(&officer, None).await.body["id"].as_i64().unwrap();
    let res = officer
        .http
        .get(officer.url(&format!("/api/school/print-batches/{batch}/export.zip")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("print-batch-{batch}.zip"))
    );
    let files = unzip(&res.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let photo0 = format!("photos/{}.jpg", serial(0));
    let photo1 = format!("photos/{}.jpg", serial(1));
    assert_eq!(names, ["print.csv", photo0.as_str(), photo1.as_str()]);
    assert_eq!(files[1].1, PHOTO);
    let csv = String::from_utf8(files[0].1.clone()).unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[0].starts_with("serial,name,school,card_type"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with(&format!(
            "{},陳大文0,基隆市立仁愛國小,KL-PRIMARY",
            serial(0)
        )),
        "{csv}"
    );
    assert!(
        lines[1].contains(&photo0) && lines[1].contains("基隆市仁愛區愛二路2號"),
        "{csv}"
    );
    assert!(lines[2].contains(",school,"), "{csv}");
    assert_eq!(audits(&db, "school.print_batch_export", "ok").await, 1);
}

#[tokio::test]
async fn the_officer_closes_a_card_handed_over_at_school_once() {
    let (db, server) = setup().await;
    let officer = login(&server, "officer.a").await;
    let closing = |serial: String| json!({ "serial_no": serial });
    // Not yet with the print centre: refused.
    let r = officer
        .post_json("/api/school/print-close", &closing(serial(1)))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
    let batch = create(&officer, None).await.body["id"].as_i64().unwrap();
    let before = outbox::Entity::find().count(&db.db).await.unwrap();
    let r = officer
        .post_json("/api/school/print-close", &closing(serial(1)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, json!(true));
    assert_eq!(app_row(&db, 1).await.status, "closed");
    assert_eq!(
        outbox::Entity::find().count(&db.db).await.unwrap(),
        before + 1
    );
    // Twice: nothing changes.
    let r = officer
        .post_json("/api/school/print-close", &closing(serial(1)))
        .await;
    assert_eq!(r.body, json!(false), "{r:?}");
    assert_eq!(
        outbox::Entity::find().count(&db.db).await.unwrap(),
        before + 1
    );
    assert_eq!(audits(&db, "school.close", "ok").await, 1);
    let items = officer
        .get(&format!("/api/school/print-batch?id={batch}"))
        .await;
    assert_eq!(items.body[1]["status"], "closed", "{items:?}");
    assert_eq!(items.body[1]["applicant"], "陳大文1", "{items:?}");
    let seen = overview(&officer).await;
    assert_eq!(seen["batches"][0]["closed"], 1, "{seen}");
    // Another school's officer and a teacher may not.
    let officer_b = login(&server, "officer.b").await;
    let r = officer_b
        .post_json("/api/school/print-close", &closing(serial(0)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let teacher = login(&server, "t502").await;
    let r = teacher
        .post_json("/api/school/print-close", &closing(serial(0)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(app_row(&db, 0).await.status, "printing");
    assert_eq!(audits(&db, "school.close", "denied").await, 2);

    // The holder's query shows «已結案» with its time.
    let browser = server.client();
    browser.verified_in("query", &id(1), BIRTH).await;
    let overview = browser.get("/api/query/overview").await;
    let app = &overview.body["applications"][0];
    assert_eq!(app["status"], "closed", "{app}");
    let closed = app["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "closed")
        .unwrap()
        .clone();
    assert!(!closed["at"].is_null(), "{app}");
}

#[tokio::test]
async fn the_cli_makes_and_exports_batches_and_imports_results_with_line_errors() {
    let (db, server) = setup().await;
    drop(server);
    let out = db.cli(&["print-batch", "create", "--school", "173602"], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("created with 1 application"), "{stdout}");
    let zip_path = db.path().join("batch.zip");
    let out = db.cli(
        &[
            "print-batch",
            "export",
            "1",
            "--out",
            zip_path.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let files = unzip(&std::fs::read(&zip_path).unwrap());
    assert_eq!(files.len(), 2);
    assert!(String::from_utf8_lossy(&files[0].1).contains(&serial(2)));
    let out = db.cli(&["print-batch", "export", "7", "--out", "/dev/null"], None);
    assert!(!out.status.success(), "{out:?}");

    let bad = db.write_file(
        "bad.csv",
        &format!(
            "serial,status,mail_no,at\n{},shipped,RR123456789TW,\n{},lost,,\n",
            serial(2),
            serial(0)
        ),
    );
    let out = db.cli(&["import-print-results", bad.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        stderr.contains("line 3:") && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(app_row(&db, 2).await.status, "printing");

    let good = db.write_file(
        "good.csv",
        &format!(
            "serial,status,mail_no,at\n{},shipped,RR123456789TW,2026-12-01T10:00:00+08:00\n{},printed,,\n",
            serial(2),
            serial(0)
        ),
    );
    let out = db.cli(&["import-print-results", good.to_str().unwrap()], None);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout.contains(&format!("line 2: {} shipped", serial(2))),
        "{stdout}"
    );
    assert!(
        stderr.contains("line 3:") && stderr.contains("not with the print centre"),
        "{stderr}"
    );
    let row = app_row(&db, 2).await;
    assert_eq!(row.status, "shipped");
    assert_eq!(row.mail_no.as_deref(), Some("RR123456789TW"));
    // The same file again changes nothing.
    let out = db.cli(&["import-print-results", good.to_str().unwrap()], None);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already recorded"),
        "{out:?}"
    );
    assert_eq!(audits(&db, "print.batch_export", "ok").await, 1);
}
