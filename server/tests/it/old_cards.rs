//! The issuer's "card still here: reissue" (issue 17 item 3): an application for a
//! damaged card or a name change, paid and approved, waits in «處理中» (not in a print
//! batch) until the issuer confirms over `POST /api/v1/old-cards` that the old card
//! arrived; then it goes to the print centre with its timeline step and a message.
//! Repeated lists change nothing; unknown serials and lost cards are reported per item.
//! On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{
    application_events, audit_log, cards, holders, outbox, replacement_applications as applications,
};
use app::server::roster;
use app::server::staff::{NewStaffUser, StaffRole, add_user};
use chrono::{Duration, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery staple";
const ISSUER_KEY: &str = "issuer-test-key-0123456789";

fn id(n: u8) -> String {
    with_check_digit('G', &format!("1234567{n}")).expect("valid ID")
}

fn serial(n: u8) -> String {
    format!("AP20261201{:06}", u32::from(n) + 1)
}

/// Holder 0: a damaged card (old card to come back), paid, not yet reviewed; holder 1:
/// a lost card, paid, not yet reviewed; holder 2: a name change, unpaid but approved.
async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let mut f = format!("{HEADER}\n");
    for n in 0..3u8 {
        f.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,16000{n},林小{n},{},2015-05-01,M,502,4{n},KL-PRIMARY,09223456{n}0,active,0,2021-09-01\n",
            id(n)
        ));
    }
    roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
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
    let now = Utc::now();
    for (n, reason, status, review) in [
        (0u8, "damaged", "paid", "pending"),
        (1, "lost", "paid", "pending"),
        (2, "other", "awaiting_payment", "approved"),
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
        applications::ActiveModel {
            serial_no: Set(serial.clone()),
            holder_id: Set(holder.id),
            card_type: Set("KL-PRIMARY".into()),
            reason: Set(reason.into()),
            email_enc: Set(Some(enc("email", &format!("family{n}@example.com")))),
            delivery: Set("mail".into()),
            recipient_name_enc: Set(enc("recipient_name", "林媽媽")),
            recipient_phone_enc: Set(enc("recipient_phone", "0912345678")),
            recipient_address_enc: Set(Some(enc("recipient_address", "基隆市仁愛區愛二路2號"))),
            photo_file: Set(format!("00000000-0000-4000-8000-00000000010{n}.jpg")),
            photo_sha256: Set("x".into()),
            fee: Set(100),
            amount_due: Set(100),
            payment_serial: Set(900 + i64::from(n)),
            payment_no: Set(format!("OLD-CARD-TEST-{n}")),
            due_on: Set(app::domain::dates::taiwan_today() + Duration::days(3)),
            status: Set(status.into()),
            review_status: Set(review.into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&db.db)
        .await
        .unwrap();
    }
    let server = TestServer::start(&db, &[("PORTAL_REFUND_API_KEY", ISSUER_KEY)]).await;
    (db, server)
}

async fn login(server: &TestServer, username: &str) -> Browser {
    let school = if username == "operator" { "" } else { "173601" };
    crate::common::staff::staff_login(server, school, username, PASSWORD).await
}

async fn app_row(db: &TestDb, n: u8) -> applications::Model {
    applications::Entity::find()
        .filter(applications::Column::SerialNo.eq(serial(n)))
        .one(&db.db)
        .await
        .unwrap()
        .expect("application")
}

async fn old_cards(server: &TestServer, key: &str, body: &Value) -> Reply {
    Reply::read(
        reqwest::Client::new()
            .post(server.url("/api/v1/old-cards"))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("POST old-cards"),
    )
    .await
}

fn outcomes(r: &Reply) -> Vec<(String, String)> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["serial"].as_str().unwrap().to_owned(),
                x["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn events(db: &TestDb, a: &applications::Model) -> Vec<String> {
    application_events::Entity::find()
        .filter(application_events::Column::ApplicationId.eq(a.id))
        .all(&db.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.status)
        .collect()
}

#[tokio::test]
async fn a_reissue_waits_in_processing_until_the_issuer_has_the_old_card() {
    let (db, server) = setup().await;
    let officer = login(&server, "officer.a").await;
    let approve = officer
        .post_json(
            "/api/school/review",
            &json!({ "input": { "item_refs": [
                format!("ap-{}", app_row(&db, 0).await.id),
                format!("ap-{}", app_row(&db, 1).await.id),
            ], "approve": true } }),
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{approve:?}");
    // The damaged card waits for its old card; the lost one goes to the print centre.
    let damaged = app_row(&db, 0).await;
    assert_eq!(damaged.status, "processing");
    assert_eq!(events(&db, &damaged).await, ["processing"]);
    assert_eq!(app_row(&db, 1).await.status, "printing");
    let told = outbox::Entity::find()
        .filter(outbox::Column::Template.eq("application_status"))
        .all(&db.db)
        .await
        .unwrap();
    assert!(
        told.iter().any(|m| m.payload.contains("\"processing\"")),
        "the applicant is told to mail the old card back"
    );

    // A print batch collects only what is ready.
    let operator = login(&server, "operator").await;
    let batch = operator
        .post_json(
            "/api/school/print-batch-create",
            &json!({ "school_code": null }),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{batch:?}");
    assert!(app_row(&db, 0).await.print_batch_id.is_none());
    assert!(app_row(&db, 1).await.print_batch_id.is_some());

    // The issuer's key only.
    let refused = old_cards(
        &server,
        "wrong-key",
        &json!({ "cards": [{ "serial": serial(0) }] }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let malformed = old_cards(
        &server,
        ISSUER_KEY,
        &json!({ "cards": [{ "serial": serial(0), "extra": 1 }] }),
    )
    .await;
    assert_eq!(
        malformed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{malformed:?}"
    );
    assert_eq!(app_row(&db, 0).await.status, "processing");

    let body = json!({ "cards": [
        { "serial": serial(0) },
        { "serial": serial(1) },
        { "serial": "AP20990101999999" },
        { "serial": serial(2), "at": "2026-12-01T02:00:00Z" },
    ] });
    let first = old_cards(&server, ISSUER_KEY, &body).await;
    assert_eq!(
        outcomes(&first),
        [
            (serial(0), "received".to_owned()),
            (serial(1), "not_required".to_owned()),
            ("AP20990101999999".to_owned(), "unknown".to_owned()),
            (serial(2), "received".to_owned()),
        ]
    );
    let moved = app_row(&db, 0).await;
    assert_eq!(moved.status, "printing");
    assert!(moved.old_card_received_at.is_some());
    assert_eq!(events(&db, &moved).await, ["processing", "printing"]);
    // Not yet paid: still awaiting payment, but ready to go straight to print.
    assert_eq!(app_row(&db, 2).await.status, "awaiting_payment");
    // The old cards are with the issuer: no longer in use; the lost one is untouched.
    let card_status = |n: u8| {
        let db = &db;
        async move {
            cards::Entity::find()
                .filter(cards::Column::OuterNo.eq(format!("09223456{n}0")))
                .one(&db.db)
                .await
                .unwrap()
                .expect("card")
                .status
        }
    };
    assert_eq!(card_status(0).await, "stopped");
    assert_eq!(card_status(2).await, "stopped");
    assert_eq!(card_status(1).await, "active");

    // Repeated: nothing changes.
    let again = old_cards(&server, ISSUER_KEY, &body).await;
    assert_eq!(again.body["received"], 0);
    assert_eq!(again.body["unchanged"], 2);
    assert_eq!(events(&db, &app_row(&db, 0).await).await.len(), 2);
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("application.old_card"))
        .count(&db.db)
        .await
        .unwrap();
    assert_eq!(audited, 2);
}

#[test]
fn only_a_card_still_in_hand_waits_for_its_old_card() {
    use app::holder::{ApplicationStatus, ready_status};
    assert_eq!(
        ready_status("damaged", false),
        ApplicationStatus::Processing
    );
    assert_eq!(ready_status("other", false), ApplicationStatus::Processing);
    assert_eq!(ready_status("damaged", true), ApplicationStatus::Printing);
    assert_eq!(ready_status("lost", false), ApplicationStatus::Printing);
    assert_eq!(
        ready_status("reported_lost", false),
        ApplicationStatus::Printing
    );
}
