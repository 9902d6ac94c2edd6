//! «逾期未繳» as an event (issue 17 item 5) against the real binary: unpaid
//! applications past deadline + grace are moved by the daily job or
//! `server expire-applications`, each exactly once with one message, even with two
//! runs or two server instances at once. On SQLite, or on PostgreSQL with
//! `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::domain::payment_codes::PaymentNumber;
use app::server::audit::Actor;
use app::server::entities::{
    application_events, audit_log, holders, outbox, replacement_applications as applications,
};
use app::server::roster;
use chrono::{Duration, Utc};
use common::{TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::time::Instant;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";

fn id(n: u8) -> String {
    with_check_digit('E', &format!("1234567{n}")).expect("valid ID")
}

fn payment_no(n: u8) -> String {
    PaymentNumber::new("KLSC", 500 + u64::from(n))
        .unwrap()
        .as_str()
        .to_owned()
}

/// Holders 0–3 with stopped cards, and one application each: 0 and 3 are unpaid 40
/// days after their deadline (0 with an e-mail, 3 without any contact), 1 is unpaid 10
/// days after (within the 30 days' grace), 2 is paid.
async fn setup() -> TestDb {
    let db = TestDb::new().await;
    let mut f = format!("{HEADER}\n");
    for n in 0..4 {
        f.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,14000{n},張小美{n},{},{BIRTH},M,502,3{n},KL-PRIMARY,08123456{n}0,stopped,0,2021-09-01\n",
            id(n)
        ));
    }
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let today = app::domain::dates::taiwan_today();
    let now = Utc::now();
    for (n, days_late, status, email) in [
        (0u8, 40, "awaiting_payment", true),
        (1, 10, "awaiting_payment", true),
        (2, 40, "paid", true),
        (3, 40, "awaiting_payment", false),
    ] {
        let holder = holders::Entity::find()
            .filter(holders::Column::IdNoHash.eq(common::id_hash(&id(n))))
            .one(&db.db)
            .await
            .unwrap()
            .expect("holder");
        let serial = format!("AP20261001{:06}", u32::from(n) + 1);
        let enc = |col: &str, v: &str| {
            cipher().encrypt(v, &format!("replacement_applications.{col}:{serial}"))
        };
        applications::ActiveModel {
            serial_no: Set(serial.clone()),
            holder_id: Set(holder.id),
            card_type: Set("KL-PRIMARY".into()),
            reason: Set("lost".into()),
            email_enc: Set(email.then(|| enc("email", &format!("applicant{n}@example.com")))),
            delivery: Set("school".into()),
            recipient_name_enc: Set(enc("recipient_name", "張媽媽")),
            recipient_phone_enc: Set(enc("recipient_phone", "0912345678")),
            photo_file: Set("x.jpg".into()),
            photo_sha256: Set("x".into()),
            fee: Set(100),
            amount_due: Set(100),
            payment_serial: Set(500 + i64::from(n)),
            payment_no: Set(payment_no(n)),
            due_on: Set(today - Duration::days(days_late)),
            status: Set(status.into()),
            review_status: Set("pending".into()),
            created_at: Set(now - Duration::days(days_late + 7)),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .unwrap();
    }
    db
}

async fn statuses(db: &TestDb) -> Vec<String> {
    let mut apps = applications::Entity::find().all(&db.db).await.unwrap();
    apps.sort_by(|a, b| a.serial_no.cmp(&b.serial_no));
    apps.into_iter().map(|a| a.status).collect()
}

async fn expiry_messages(db: &TestDb) -> usize {
    outbox::Entity::find()
        .filter(outbox::Column::Template.eq("application_status"))
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.payload.contains("\"expired\""))
        .count()
}

async fn expired_events(db: &TestDb) -> usize {
    application_events::Entity::find()
        .filter(application_events::Column::Status.eq("expired"))
        .all(&db.db)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn two_expiry_runs_at_once_move_each_application_once_with_one_message() {
    let db = setup().await;
    let db = std::sync::Arc::new(db);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || db.cli(&["expire-applications"], None))
        })
        .collect();
    for run in runs {
        let out = run.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        statuses(&db).await,
        ["expired", "awaiting_payment", "paid", "expired"]
    );
    assert_eq!(expired_events(&db).await, 2);
    // Applicant 3 left no contact: one message, to applicant 0.
    assert_eq!(expiry_messages(&db).await, 1);
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("application.expire"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(audits.len(), 2);
    let mail = db
        .outbox_mails()
        .into_iter()
        .find(|m| m.to.contains("applicant0@example.com"))
        .expect("the expiry message was delivered");
    assert!(mail.text.contains("逾期未繳"), "{}", mail.text);

    // Again: nothing more.
    let out = db.cli(&["expire-applications"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 messages queued"));
    assert_eq!(expired_events(&db).await, 2);
    assert_eq!(expiry_messages(&db).await, 1);

    // A late payment of an expired application is still taken, as before expiry was
    // stored (it was reported as «already recorded» once the status was stored).
    let file = db.write_file(
        "late.csv",
        &format!(
            "payment_no,amount,paid_on,channel\n{},100,{},atm\n",
            payment_no(0),
            app::domain::dates::taiwan_today()
        ),
    );
    let out = db.cli(&["import-payments", file.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 matched"), "{stdout}");
    assert_eq!(statuses(&db).await[0], "paid");
}

#[tokio::test]
async fn two_server_instances_run_the_daily_expiry_once() {
    let db = setup().await;
    // The daily jobs run from 00:00, so at each instance's first tick.
    let env = [("PORTAL_ABSENCE_CHECK_AT", "00:00")];
    let (a, b) = tokio::join!(TestServer::start(&db, &env), TestServer::start(&db, &env));
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while statuses(&db).await != ["expired", "awaiting_payment", "paid", "expired"] {
        assert!(Instant::now() < deadline, "{:?}", statuses(&db).await);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(expired_events(&db).await, 2);
    assert_eq!(expiry_messages(&db).await, 1);

    // The query page shows «逾期未繳» at the time the job moved it.
    let browser = a.client();
    browser.verified_in("query", &id(0), BIRTH).await;
    let overview = browser.get("/api/query/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    let app = &overview.body["applications"][0];
    assert_eq!(app["status"], "expired", "{app}");
    let last = app["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "expired");
    let first = applications::Entity::find()
        .filter(applications::Column::SerialNo.eq("AP20261001000001"))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    let event = application_events::Entity::find()
        .filter(application_events::Column::Status.eq("expired"))
        .filter(application_events::Column::ApplicationId.eq(first.id))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last["at"], event.at.timestamp(), "{app}");
    drop(b);
}
