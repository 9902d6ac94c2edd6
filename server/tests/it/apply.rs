//! The apply wizard over HTTP against the real server (SPEC §1 3b–3d, §3, §4, §7,
//! §8): the headshot upload's checks, exactly-once submission, the payment slip and
//! its ownership, payment reconciliation by file and by API, and expiry. On SQLite,
//! or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::server::audit::Actor;
use app::server::entities::{audit_log, replacement_applications as applications};
use app::server::roster;
use chrono::{Duration, Utc};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::io::Cursor;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
pub(super) const BIRTH: &str = "2015-05-01";
const ISSUER_KEY: &str = "issuer-test-key-0123456789";

/// Holders: 0 and 1 have a stopped card, 2 has none yet (a transfer student), 3 has
/// an active card.
pub(super) fn id(n: u8) -> String {
    with_check_digit('C', &format!("1234567{n}")).expect("valid ID")
}

pub(super) fn roster_file() -> String {
    let mut f = format!("{HEADER}\n");
    for (n, status) in [(0, "stopped"), (1, "stopped"), (2, "none"), (3, "active")] {
        f.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,11000{n},王小明{n},{},{BIRTH},M,502,1{n},KL-PRIMARY,05123456{n}0,{status},0,2021-09-01\n",
            id(n)
        ));
    }
    f
}

pub(super) async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    roster::import(&db.db, &cipher(), roster_file().as_bytes(), Actor::Cli)
        .await
        .expect("roster import");
    let server = TestServer::start(&db, &[("PORTAL_ISSUER_API_KEY", ISSUER_KEY)]).await;
    (db, server)
}

pub(super) async fn applicant(server: &TestServer, n: u8) -> Browser {
    let browser = server.client();
    browser.verified_in("apply", &id(n), BIRTH).await;
    browser
}

/// A 230×288 picture encoded as `format`.
fn headshot(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .expect("encode");
    out.into_inner()
}

/// A JPEG headshot carrying an EXIF segment with GPS tags right after SOI.
fn headshot_with_gps() -> Vec<u8> {
    let jpeg = headshot(ImageFormat::Jpeg, 230, 288);
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 with one entry: the GPS IFD pointer (tag 0x8825) → offset 26.
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD: GPSLatitudeRef = "N".
    tiff.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).expect("short segment");
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

async fn upload(browser: &Browser, bytes: Vec<u8>) -> Reply {
    let res = browser
        .http
        .post(browser.url("/api/apply/photo"))
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    Reply {
        status,
        headers: reqwest::header::HeaderMap::new(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

pub(super) fn draft(delivery: &str) -> Value {
    json!({
        "card_type": "KL-PRIMARY",
        "reason": "lost",
        "mobile": "0912345678",
        "email": "parent@example.com",
        "address": "基隆市仁愛區愛一路1號",
        "delivery": delivery,
        "recipient_name": "王大明",
        "recipient_address": if delivery == "mail" { "基隆市仁愛區愛二路2號" } else { "" },
        "recipient_phone": "02-2422-1234",
    })
}

async fn submit(browser: &Browser, draft: &Value, key: &str) -> Reply {
    browser
        .post_json(
            "/api/apply/submit",
            &json!({ "input": { "draft": draft, "idempotency_key": key } }),
        )
        .await
}

/// Upload a headshot and submit; the receipt.
pub(super) async fn apply(browser: &Browser, key: &str) -> Value {
    let up = upload(browser, headshot(ImageFormat::Png, 230, 288)).await;
    assert_eq!(up.status, StatusCode::NO_CONTENT, "{up:?}");
    let reply = submit(browser, &draft("school"), key).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    reply.body
}

async fn applications_of(db: &TestDb) -> Vec<applications::Model> {
    applications::Entity::find()
        .all(&db.db)
        .await
        .expect("applications")
}

#[tokio::test]
async fn an_application_is_made_exactly_once_with_a_clean_photo() {
    let (db, server) = setup().await;
    let browser = applicant(&server, 0).await;
    let overview = browser.get("/api/apply/overview").await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    assert_eq!(overview.body["block"], Value::Null);
    assert_eq!(overview.body["has_stopped_card"], true);
    assert_eq!(overview.body["applicant"]["name"], "王小明0");
    assert_eq!(
        overview.body["applicant"]["id_masked"],
        format!("{}****", &id(0)[..6])
    );
    assert_eq!(overview.body["card_types"][0]["fee"], 100);

    // Each step is checked on the server too.
    let bad = browser
        .post_json(
            "/api/apply/draft",
            &json!({ "step": "applicant", "draft": { "card_type": "SENIOR-ID", "reason": "lost", "mobile": "0912345678", "address": "x", "delivery": "mail" } }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert_eq!(bad.body["detail"]["card_type"], "unknown");
    let no_photo = browser
        .post_json(
            "/api/apply/draft",
            &json!({ "step": "photo", "draft": draft("mail") }),
        )
        .await;
    assert_eq!(no_photo.body["detail"]["photo"], "required", "{no_photo:?}");

    let up = upload(&browser, headshot_with_gps()).await;
    assert_eq!(up.status, StatusCode::NO_CONTENT, "{up:?}");
    let back = browser
        .http
        .get(browser.url("/api/apply/photo"))
        .send()
        .await
        .expect("photo");
    assert_eq!(back.headers()["content-type"], "image/jpeg");
    let stored = back.bytes().await.expect("bytes");
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF kept");
    let decoded = image::load_from_memory(&stored).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (230, 288));

    // Ten concurrent submissions with the same key: one application, one answer.
    let key = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let http = browser.http.clone();
        let url = browser.url("/api/apply/submit");
        let body = json!({ "input": { "draft": draft("mail"), "idempotency_key": key } });
        tasks.spawn(async move {
            let res = http.post(url).json(&body).send().await.expect("submit");
            (res.status(), res.json::<Value>().await.expect("json"))
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (status, body) = r.expect("task");
        assert_eq!(status, StatusCode::OK, "{body}");
        answers.push(body);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    let receipt = &answers[0];
    assert!(receipt["serial_no"].as_str().unwrap().starts_with("AP"));
    assert_eq!(receipt["amount"], 100);
    assert_eq!(receipt["recipient_address"], "基隆市仁愛區愛二路2號");
    let due = (Utc::now() + Duration::hours(8)).date_naive() + Duration::days(7);
    assert_eq!(receipt["due_on"], due.format("%Y-%m-%d").to_string());

    let apps = applications_of(&db).await;
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].status, "awaiting_payment");
    assert_eq!(apps[0].payment_no, receipt["payment_no"].as_str().unwrap());
    // Contacts are stored encrypted, never in clear.
    assert!(
        !apps[0]
            .recipient_address_enc
            .clone()
            .unwrap()
            .contains("愛二路")
    );
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("apply.submit"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(audits.len(), 1);

    // The photo moved into place after the commit; nothing waits in tmp/.
    let photos = db.path().join("data").join("photos");
    let file = photos.join(&apps[0].photo_file);
    let bytes = std::fs::read(&file).expect("committed photo");
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    let waiting = std::fs::read_dir(photos.join("tmp")).map_or(0, |d| d.count());
    assert_eq!(waiting, 0);

    // The same key with another body is refused; the receipt survives a reload.
    let reused = submit(&browser, &draft("school"), key).await;
    assert_eq!(
        reused.body["detail"]["idempotency_key"], "reused",
        "{reused:?}"
    );
    let again = browser.get("/api/apply/receipt").await;
    assert_eq!(&again.body, receipt);
    // A second application while this one is open is refused.
    let overview = browser.get("/api/apply/overview").await;
    assert_eq!(overview.body["block"]["kind"], "open_application");
}

#[tokio::test]
async fn uploads_are_checked_by_content_size_and_dimensions() {
    let (_db, server) = setup().await;
    let stranger = server.client();
    let denied = upload(&stranger, headshot(ImageFormat::Jpeg, 230, 288)).await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);

    let browser = applicant(&server, 1).await;
    let html = upload(
        &browser,
        b"<!doctype html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(html.body["detail"]["photo"], "photo_type", "{html:?}");
    let gif = upload(&browser, b"GIF89a\x01\0\x01\0\0\0\0;".to_vec()).await;
    assert_eq!(gif.body["detail"]["photo"], "photo_type");
    let big_picture = upload(&browser, headshot(ImageFormat::Jpeg, 400, 500)).await;
    assert_eq!(
        big_picture.body["detail"]["photo"], "photo_dimensions",
        "{big_picture:?}"
    );
    let truncated = headshot(ImageFormat::Jpeg, 230, 288);
    let half = upload(&browser, truncated[..truncated.len() / 2].to_vec()).await;
    assert_eq!(half.body["detail"]["photo"], "photo_unreadable");

    let oversize = upload(&browser, vec![0xFF; 300 * 1024]).await;
    assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE);

    // A huge declared length is refused before the body is read: the server answers
    // while the client is still "sending" a body that never comes.
    let stream = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let res = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        browser
            .http
            .post(browser.url("/api/apply/photo"))
            .header("content-type", "image/jpeg")
            .header("content-length", (10 * 1024 * 1024).to_string())
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    )
    .await
    .expect("answered without reading the body");
    // The server answers 413 and closes; under load the client may see the closed
    // connection (broken pipe) before it reads the answer. Either way: refused unread.
    if let Ok(res) = res {
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn a_card_in_use_is_stopped_first_unless_it_is_in_hand() {
    let (db, server) = setup().await;
    let browser = applicant(&server, 3).await;
    let overview = browser.get("/api/apply/overview").await;
    assert_eq!(
        overview.body["block"]["kind"], "active_card",
        "{overview:?}"
    );
    let up = upload(&browser, headshot(ImageFormat::Jpeg, 230, 288)).await;
    assert_eq!(up.status, StatusCode::NO_CONTENT);
    // A lost card is stopped first: step 3 names the reason, the submission is refused.
    let step = browser
        .post_json(
            "/api/apply/draft",
            &json!({ "step": "applicant", "draft": draft("school") }),
        )
        .await;
    assert_eq!(step.status, StatusCode::UNPROCESSABLE_ENTITY, "{step:?}");
    assert_eq!(step.body["detail"]["reason"], "card_in_use", "{step:?}");
    let reply = submit(&browser, &draft("school"), "k-active-card-1").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    assert!(applications_of(&db).await.is_empty());
    // A damaged card is reissued with the card in hand (it is mailed back later).
    let mut damaged = draft("school");
    damaged["reason"] = json!("damaged");
    let step = browser
        .post_json(
            "/api/apply/draft",
            &json!({ "step": "applicant", "draft": damaged }),
        )
        .await;
    assert_eq!(step.status, StatusCode::OK, "{step:?}");
    let reply = submit(&browser, &damaged, "k-active-card-2").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(applications_of(&db).await.len(), 1);
    // ... and only once: a second one is refused while the first is open.
    let overview = browser.get("/api/apply/overview").await;
    assert_eq!(
        overview.body["block"]["kind"], "open_application",
        "{overview:?}"
    );
    let reply = submit(&browser, &damaged, "k-active-card-3").await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{reply:?}");
    // A transfer student without any card may apply.
    let newcomer = applicant(&server, 2).await;
    let receipt = apply(&newcomer, "k-newcomer-0001").await;
    assert_eq!(receipt["recipient_address"], "基隆市立仁愛國小");
}

#[tokio::test]
async fn the_slip_has_three_barcodes_and_only_its_holder_may_read_it() {
    let (db, server) = setup().await;
    let owner = applicant(&server, 0).await;
    let receipt = apply(&owner, "k-slip-owner-01").await;
    let serial = receipt["serial_no"].as_str().unwrap();
    let slip = owner
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(slip.status, StatusCode::OK, "{slip:?}");
    let barcodes = slip.body["barcodes"].as_array().unwrap();
    assert_eq!(barcodes.len(), 3);
    assert_eq!(barcodes[1]["text"], receipt["payment_no"]);
    assert!(barcodes[2]["text"].as_str().unwrap().ends_with("000000100"));
    for b in barcodes {
        let svg = b["svg"].as_str().unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("<script"));
    }
    assert_eq!(slip.body["atm_account"].as_str().unwrap().len(), 14);
    assert!(slip.body["qr_svg"].as_str().unwrap().starts_with("<svg"));
    assert_eq!(slip.body["payer"], "王○○0");

    // The query wizard's holder may print it too; another holder may not.
    let querying = server.client();
    querying.verified_in("query", &id(0), BIRTH).await;
    let q = querying
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(q.status, StatusCode::OK);
    let other = applicant(&server, 1).await;
    let stolen = other
        .get(&format!("/api/apply/slip?serial_no={serial}"))
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN, "{stolen:?}");
    let denied = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("apply.slip"))
        .filter(audit_log::Column::Result.eq("denied"))
        .all(&db.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 1);
}

#[tokio::test]
async fn payments_are_reconciled_by_file_and_by_api_exactly_once() {
    let (db, server) = setup().await;
    let a = apply(&applicant(&server, 0).await, "k-pay-a-000001").await;
    let b = apply(&applicant(&server, 1).await, "k-pay-b-000001").await;
    let c = apply(&applicant(&server, 2).await, "k-pay-c-000001").await;
    let (pa, pb, pc) = (
        a["payment_no"].as_str().unwrap(),
        b["payment_no"].as_str().unwrap(),
        c["payment_no"].as_str().unwrap(),
    );
    assert!(
        pa != pb && pb != pc && pa != pc,
        "payment numbers are unique"
    );
    let unknown = app::domain::payment_codes::PaymentNumber::new("KLSC", 99_999)
        .unwrap()
        .as_str()
        .to_owned();
    let file = db.write_file(
        "payments.csv",
        &format!(
            "payment_no,amount,paid_on,channel\n{pa},100,2026-11-24,7-11\n{pb},90,2026-11-24,family\n{unknown},100,2026-11-24,atm\n"
        ),
    );
    let out = db.cli(&["import-payments", file.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("1 matched, 0 already recorded, 1 wrong amount, 1 unknown"),
        "{stdout}"
    );
    assert!(stderr.contains("wrong amount 90 (due 100"), "{stderr}");
    assert!(stderr.contains("unknown payment number"), "{stderr}");
    let again = db.cli(&["import-payments", file.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 matched, 1 already recorded"));

    let apps = applications_of(&db).await;
    let by_no = |no: &str| apps.iter().find(|x| x.payment_no == no).unwrap().clone();
    assert_eq!(by_no(pa).status, "paid");
    assert_eq!(by_no(pa).paid_channel.as_deref(), Some("7-11"));
    assert_eq!(by_no(pb).status, "awaiting_payment");

    // A bad file writes nothing and names its lines.
    let bad = db.write_file(
        "bad.csv",
        &format!("payment_no,amount,paid_on,channel\n{pc},100,yesterday,atm\n"),
    );
    let out = db.cli(&["import-payments", bad.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));

    // The API: an API key is required; the same rules apply.
    let http = reqwest::Client::new();
    let body = json!({ "payments": [{ "payment_no": pc, "amount": 100, "paid_on": "2026-11-25", "channel": "atm" }] });
    let no_key = http
        .post(server.url("/api/v1/payments"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    let wrong_key = http
        .post(server.url("/api/v1/payments"))
        .bearer_auth("nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_key.status(), StatusCode::UNAUTHORIZED);
    let extra = http
        .post(server.url("/api/v1/payments"))
        .bearer_auth(ISSUER_KEY)
        .json(&json!({ "payments": [], "status": "paid" }))
        .send()
        .await
        .unwrap();
    assert_eq!(extra.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for expected in [(1, 0), (0, 1)] {
        let res = http
            .post(server.url("/api/v1/payments"))
            .bearer_auth(ISSUER_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let report: Value = res.json().await.unwrap();
        assert_eq!(
            (
                report["matched"].as_u64().unwrap(),
                report["already_recorded"].as_u64().unwrap()
            ),
            expected,
            "{report}"
        );
    }

    // The query shows the paid application with its timeline.
    let querying = server.client();
    querying.verified_in("query", &id(2), BIRTH).await;
    let overview = querying.get("/api/query/overview").await;
    let app = &overview.body["applications"][0];
    assert_eq!(app["status"], "paid", "{overview:?}");
    assert_eq!(app["paid_on"], "2026-11-25");
    let steps: Vec<&str> = app["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        ["awaiting_payment", "paid", "printing", "shipped", "closed"]
    );
    assert!(!app["timeline"][1]["at"].is_null());
    assert!(app["timeline"][2]["at"].is_null());

    // Each step went to the applicant's e-mail through the outbox: three slips issued,
    // two payments confirmed.
    let statuses: Vec<String> = app::server::entities::outbox::Entity::find()
        .filter(app::server::entities::outbox::Column::Template.eq("application_status"))
        .all(&db.db)
        .await
        .unwrap()
        .iter()
        .map(|m| {
            let p: Value = serde_json::from_str(&m.payload).unwrap();
            p["status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| *s == "awaiting_payment").count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "paid").count(),
        2,
        "{statuses:?}"
    );

    // The payment-deadline reminder: two days before the deadline, for the unpaid one,
    // once.
    let state = app::server::AppState::new(
        db.db.clone(),
        std::sync::Arc::new(cipher()),
        app::server::PortalConfig {
            data_dir: db.path().join("data"),
            ..app::server::PortalConfig::default()
        },
    )
    .unwrap();
    let unpaid = applications_of(&db).await;
    let b_row = unpaid.iter().find(|x| x.payment_no == pb).unwrap();
    let day = b_row.due_on - Duration::days(2);
    let reminders = app::holder::notices::run_payment_reminders(&state, day, Utc::now())
        .await
        .unwrap();
    assert_eq!(reminders.len(), 1);
    let again = app::holder::notices::run_payment_reminders(&state, day, Utc::now())
        .await
        .unwrap();
    assert!(again.is_empty());
    let mail = db
        .outbox_mails()
        .into_iter()
        .find(|m| m.subject.contains("繳費期限提醒"));
    // Sent by the server's worker within a few seconds.
    let mail = match mail {
        Some(m) => m,
        None => {
            let mut found = None;
            for _ in 0..50 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                found = db
                    .outbox_mails()
                    .into_iter()
                    .find(|m| m.subject.contains("繳費期限提醒"));
                if found.is_some() {
                    break;
                }
            }
            found.expect("reminder mail")
        }
    };
    assert!(mail.text.contains(pb), "{}", mail.text);
}

#[tokio::test]
async fn unpaid_applications_expire_and_then_a_new_one_is_allowed() {
    let (db, server) = setup().await;
    let browser = applicant(&server, 0).await;
    apply(&browser, "k-expire-00001").await;
    let app = applications_of(&db).await.remove(0);
    let mut row: applications::ActiveModel = app.clone().into();
    row.due_on = Set(app.due_on - Duration::days(40));
    row.update(&db.db).await.unwrap();

    let querying = server.client();
    querying.verified_in("query", &id(0), BIRTH).await;
    let overview = querying.get("/api/query/overview").await;
    assert_eq!(
        overview.body["applications"][0]["status"], "expired",
        "{overview:?}"
    );

    let again = applicant(&server, 0).await;
    let o = again.get("/api/apply/overview").await;
    assert_eq!(o.body["block"], Value::Null, "{o:?}");
    let second = apply(&again, "k-expire-00002").await;
    assert_ne!(second["payment_no"].as_str().unwrap(), app.payment_no);
    assert_eq!(applications_of(&db).await.len(), 2);
}

/// SPEC §7: every card action notifies the bound parents. An application made with the
/// child's ID and birth date reaches the parent with an approved binding.
#[tokio::test]
async fn an_application_by_id_and_birth_date_notifies_the_bound_parent() {
    use app::server::staff::{self, NewStaffUser, StaffRole};
    let (db, server) = setup().await;
    let teacher = staff::add_user(
        &db.db,
        NewStaffUser {
            role: StaffRole::Teacher,
            username: "t502".into(),
            password: "staff passphrase 1".into(),
            school_code: Some("173601".into()),
            class_name: Some("502".into()),
        },
    )
    .await
    .expect("teacher");
    let parent = server.client();
    let reply = parent
        .post_json(
            "/api/parent/register-start",
            &json!({ "input": { "account": "father@example.com" } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let code = db
        .outbox_mails()
        .into_iter()
        .filter(|m| m.to == "father@example.com")
        .find_map(|m| m.code())
        .expect("registration code");
    let reply = parent
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": "father@example.com", "code": code, "display_name": "王爸爸",
                "password": "a long enough passphrase",
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let reply = parent
        .post_json(
            "/api/parent/bind",
            &json!({ "input": { "children": [{
                "school_code": "173601", "name": "王小明0", "student_no": "110000",
                "birth_date": BIRTH, "id_no": id(0), "relationship": "father",
            }]}}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let binding = i32::try_from(reply.body[0]["request"]["id"].as_i64().expect("id")).expect("id");
    let state = app::server::AppState::new(
        db.db.clone(),
        std::sync::Arc::new(cipher()),
        app::server::PortalConfig {
            data_dir: db.path().join("data"),
            ..app::server::PortalConfig::default()
        },
    )
    .expect("state");
    app::parent::service::approve_binding(&state, None, teacher, binding)
        .await
        .expect("approve");

    let browser = applicant(&server, 0).await;
    let receipt = apply(&browser, "notice-apply-000001").await;
    let serial = receipt["serial_no"].as_str().expect("serial").to_owned();
    let mut notices = Vec::new();
    for _ in 0..100 {
        notices = db
            .outbox_mails()
            .into_iter()
            .filter(|m| m.to == "father@example.com" && m.subject.contains("學生證異動通知"))
            .collect();
        if !notices.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].text.contains("申請補發") && notices[0].text.contains(&serial));
}
