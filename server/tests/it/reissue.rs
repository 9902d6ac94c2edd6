//! The issuer's reissue option «掛失並將餘額轉入新卡» (iPASS «餘額轉置新卡», issue 17
//! item 3): a stop with no bank details whose balance, less the loss fee, is carried
//! to the next application; nothing is paid out (no «退費處理中», the issuer's refund
//! record is refused per item) and the query shows the carried balance on the new
//! application. On SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::stop_requests;
use app::server::roster;
use common::{TestDb, TestServer, cipher};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const BIRTH: &str = "2015-05-01";
const REFUND_KEY: &str = "refund-test-key-0123456789";

fn id(n: u8) -> String {
    with_check_digit('E', &format!("1234567{n}")).expect("valid ID")
}

fn headshot() -> Vec<u8> {
    let img = ImageBuffer::from_fn(230, 288, |x, y| {
        Rgb([
            u8::try_from(x % 200).unwrap(),
            u8::try_from(y % 200).unwrap(),
            90,
        ])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

#[tokio::test]
async fn a_balance_moved_to_the_new_card_needs_no_bank_and_shows_on_the_next_application() {
    let db = TestDb::new().await;
    let roster_file = format!(
        "{HEADER}\n173601,基隆市立仁愛國小,仁愛區,國小,140000,周小安,{},{BIRTH},M,502,1,KL-PRIMARY,0812345600,active,230,2021-09-01\n",
        id(0)
    );
    roster::import(&db.db, &cipher(), roster_file.as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, &[("PORTAL_REFUND_API_KEY", REFUND_KEY)]).await;

    // The stop: «掛失並將餘額轉入新卡», no bank or address asked.
    let browser = server.client();
    browser.verified_in("stop", &id(0), BIRTH).await;
    let overview = browser.get("/api/stop/overview").await;
    let card_ref = overview.body["cards"][0]["card_ref"].as_str().unwrap();
    let reply = browser
        .post_json(
            "/api/stop/submit",
            &json!({ "input": { "card_ref": card_ref, "choice": "transfer_to_new_card",
                                "idempotency_key": "reissue-stop-0-0001" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(reply.body["choice"], "transfer_to_new_card");
    // NT$230 less the loss fee (20); no remittance fee.
    assert_eq!(reply.body["estimate"]["refund"], 210, "{reply:?}");
    let serial = reply.body["serial_no"].as_str().unwrap().to_owned();
    let row = stop_requests::Entity::find()
        .filter(stop_requests::Column::SerialNo.eq(serial.clone()))
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.choice, "transfer_to_new_card");
    assert_eq!(row.refund_amount, 210);
    assert_eq!(row.bank_code, None);
    assert_eq!(row.address_enc, None);

    // Nothing is paid out: no «退費處理中», and the issuer's refund record is refused.
    let query = server.client();
    query.verified_in("query", &id(0), BIRTH).await;
    let card = query.get("/api/query/overview").await.body["cards"][0].clone();
    assert_eq!(card["refund_choice"], "transfer_to_new_card", "{card}");
    assert_eq!(card["refund"], Value::Null, "{card}");
    let today = app::domain::dates::taiwan_today().to_string();
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/refunds"))
        .bearer_auth(REFUND_KEY)
        .json(&json!({ "refunds": [{ "serial": serial, "amount": 210, "paid_on": today, "method": "bank_transfer" }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        report["results"][0]["outcome"], "no_refund_requested",
        "{report}"
    );

    // The replacement application carries the balance.
    let applying = server.client();
    applying.verified_in("apply", &id(0), BIRTH).await;
    let res = applying
        .http
        .post(applying.url("/api/apply/photo"))
        .header("content-type", "image/jpeg")
        .body(headshot())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let draft = json!({
        "card_type": "KL-PRIMARY", "reason": "lost", "mobile": "0912345678",
        "address": "基隆市仁愛區愛一路1號", "delivery": "school",
        "recipient_name": "周媽媽", "recipient_phone": "02-2422-1234",
    });
    let r = applying
        .post_json(
            "/api/apply/submit",
            &json!({ "input": { "draft": draft, "idempotency_key": "reissue-apply-0-0001" } }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let query = server.client();
    query.verified_in("query", &id(0), BIRTH).await;
    let overview = query.get("/api/query/overview").await;
    let app = &overview.body["applications"][0];
    assert_eq!(app["carried_balance"], 210, "{app}");
}
