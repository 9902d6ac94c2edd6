//! «系統設定» (issue 16 item 3, SPEC §8) against the real server: operators only
//! (teachers and officers 403, audited); a preview writes nothing; a confirmed change
//! is written with an audit row of before → after and is what the portal uses next
//! (the stop fee, a new card type's fee, the consent notice parents are shown). On
//! SQLite, or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::server::audit::Actor;
use app::server::entities::{audit_log, card_types};
use app::server::roster;
use app::server::staff::StaffRole;
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const PASSWORD: &str = "correct horse battery staple";

async fn setup() -> (TestDb, TestServer) {
    let db = TestDb::new().await;
    let f = format!(
        "{HEADER}\n173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,{},2015-03-14,F,501,12,KL-PRIMARY,0577000001,active,230,2021-09-01\n",
        app::domain::id_number::with_check_digit('A', "22345678").expect("valid ID"),
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
            (StaffRole::Operator, "operator", None, None),
        ],
    )
    .await;
    let server = TestServer::start(&db, &[]).await;
    (db, server)
}

async fn login(server: &TestServer, username: &str) -> Browser {
    let school = if username == "operator" { "" } else { "173601" };
    crate::common::staff::staff_login(server, school, username, PASSWORD).await
}

async fn load(b: &Browser) -> Reply {
    b.post_json("/api/school/settings", &json!({})).await
}

async fn save(b: &Browser, values: &[(&str, &str)], confirm: bool) -> Reply {
    let values: Vec<Value> = values
        .iter()
        .map(|(k, v)| json!({ "key": k, "value": v }))
        .collect();
    b.post_json(
        "/api/school/settings-save",
        &json!({ "input": { "values": values, "confirm": confirm } }),
    )
    .await
}

async fn card_type(b: &Browser, input: Value) -> Reply {
    b.post_json("/api/school/card-type-save", &json!({ "input": input }))
        .await
}

async fn consent(b: &Browser, input: Value) -> Reply {
    b.post_json("/api/school/consent-publish", &json!({ "input": input }))
        .await
}

fn field<'a>(r: &'a Reply, name: &str) -> &'a str {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    r.body["detail"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {r:?}"))
}

fn value_of(r: &Reply, key: &str) -> i64 {
    r.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["key"] == key)
        .unwrap()["value"]
        .as_i64()
        .unwrap()
}

async fn audits(db: &TestDb, action: &str, result: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::Result.eq(result))
        .count(&db.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn only_operators_change_settings_and_a_preview_writes_nothing() {
    let (db, server) = setup().await;
    for who in ["t501", "officer.a"] {
        let b = login(&server, who).await;
        assert_eq!(load(&b).await.status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(
            save(&b, &[("fee.loss", "30")], true).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            card_type(&b, json!({ "code": "KL-X", "level": "primary", "name_zh": "甲", "name_en": "X", "fee": "100", "confirm": true })).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            consent(
                &b,
                json!({ "version": "v9", "body_zh": "一", "body_en": "one", "confirm": true })
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
    for action in [
        "school.settings",
        "settings.update",
        "settings.card_type",
        "settings.consent",
    ] {
        assert_eq!(audits(&db, action, "denied").await, 2, "{action}");
    }

    let operator = login(&server, "operator").await;
    let before = load(&operator).await;
    assert_eq!(before.status, StatusCode::OK, "{before:?}");
    assert_eq!(value_of(&before, "fee.loss"), 20);
    assert_eq!(value_of(&before, "payment.grace_days"), 30);

    // Checked field by field.
    let bad = save(
        &operator,
        &[
            ("fee.loss", "-5"),
            ("payment.deadline_days", "0"),
            ("payment.grace_days", ""),
        ],
        false,
    )
    .await;
    assert_eq!(field(&bad, "fee.loss"), "number");
    assert_eq!(field(&bad, "payment.deadline_days"), "range");
    assert_eq!(field(&bad, "payment.grace_days"), "required");
    assert_eq!(
        field(
            &save(&operator, &[("admin.password", "1")], false).await,
            "admin.password"
        ),
        "unknown"
    );

    // The preview lists before → after and writes nothing.
    let preview = save(
        &operator,
        &[("fee.loss", "３０"), ("payment.grace_days", "30")],
        false,
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    assert_eq!(
        preview.body,
        json!([{ "key": "fee.loss", "before": "20", "after": "30" }])
    );
    assert_eq!(value_of(&load(&operator).await, "fee.loss"), 20);
    assert_eq!(audits(&db, "settings.update", "ok").await, 0);

    let saved = save(&operator, &[("fee.loss", "30")], true).await;
    assert_eq!(saved.status, StatusCode::OK, "{saved:?}");
    assert_eq!(value_of(&load(&operator).await, "fee.loss"), 30);
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("settings.update"))
        .filter(audit_log::Column::Result.eq("ok"))
        .one(&db.db)
        .await
        .unwrap()
        .expect("audited");
    let detail: Value = serde_json::from_str(row.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["fee.loss"], json!({ "from": "20", "to": "30" }));
    // The portal uses it: the stop fees the wizard reads.
    let fees = app::card_stop::service::fees(&db.db).await.unwrap();
    assert_eq!(fees.loss, 30);
    // Saving the same again changes nothing and records nothing.
    let same = save(&operator, &[("fee.loss", "30")], true).await;
    assert_eq!(same.body, json!([]));
    assert_eq!(audits(&db, "settings.update", "ok").await, 1);
}

#[tokio::test]
async fn card_types_and_consent_versions_are_previewed_then_published() {
    let (db, server) = setup().await;
    let operator = login(&server, "operator").await;
    let bad = card_type(
        &operator,
        json!({ "code": "kl x", "level": "college", "name_zh": " ", "name_en": "X", "fee": "9999" }),
    )
    .await;
    assert_eq!(field(&bad, "code"), "format");
    assert_eq!(field(&bad, "level"), "format");
    assert_eq!(field(&bad, "name_zh"), "required");
    assert_eq!(field(&bad, "fee"), "range");
    assert_eq!(
        field(&card_type(&operator, json!({ "code": "KL-PRIMARY", "level": "primary", "name_zh": "重複", "name_en": "Dup", "fee": "100" })).await, "code"),
        "taken"
    );
    let new = json!({ "code": "KL-SENIOR-NEW", "level": "senior", "name_zh": "高中新式學生證", "name_en": "Senior card (new)", "fee": "150" });
    let preview = card_type(&operator, new.clone()).await;
    assert_eq!(preview.status, StatusCode::OK, "{preview:?}");
    assert_eq!(preview.body.as_array().unwrap().len(), 5, "{preview:?}");
    let count = card_types::Entity::find().count(&db.db).await.unwrap();
    let mut confirmed = new.clone();
    confirmed["confirm"] = json!(true);
    assert_eq!(card_type(&operator, confirmed).await.status, StatusCode::OK);
    assert_eq!(
        card_types::Entity::find().count(&db.db).await.unwrap(),
        count + 1
    );
    let made = card_types::Entity::find()
        .filter(card_types::Column::Code.eq("KL-SENIOR-NEW"))
        .one(&db.db)
        .await
        .unwrap()
        .expect("card type");
    assert_eq!((made.fee, made.level.as_str()), (150, "senior"));
    // An edit keeps the code and lists only what changed.
    let edit = card_type(
        &operator,
        json!({ "id": made.id, "code": "IGNORED", "level": "senior", "name_zh": "高中新式學生證", "name_en": "Senior card (new)", "fee": "180", "confirm": true }),
    )
    .await;
    assert_eq!(
        edit.body,
        json!([{ "key": "fee", "before": "150", "after": "180" }])
    );
    let edited = card_types::Entity::find_by_id(made.id)
        .one(&db.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((edited.fee, edited.code.as_str()), (180, "KL-SENIOR-NEW"));
    assert_eq!(audits(&db, "settings.card_type", "ok").await, 2);

    // The consent notice: checked, previewed (nothing written), published.
    let bad = consent(
        &operator,
        json!({ "version": "v 2", "body_zh": "", "body_en": "x\u{0}" }),
    )
    .await;
    assert_eq!(field(&bad, "version"), "format");
    assert_eq!(field(&bad, "body_zh"), "required");
    assert_eq!(field(&bad, "body_en"), "format");
    let text = json!({ "version": "2026-12-v2", "body_zh": "第一條：新的條文\n第二條：再一條", "body_en": "1. New clause\n2. Another" });
    assert_eq!(
        consent(&operator, text.clone()).await.status,
        StatusCode::OK
    );
    let shown = server.client().get("/api/consent/notice").await;
    assert_ne!(
        shown.body["version"], "2026-12-v2",
        "a preview publishes nothing: {shown:?}"
    );
    let mut publish = text.clone();
    publish["confirm"] = json!(true);
    assert_eq!(
        consent(&operator, publish.clone()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        field(&consent(&operator, publish).await, "version"),
        "taken"
    );
    let notice = app::consent::service::current_notice(&db.db).await.unwrap();
    assert_eq!(notice.version, "2026-12-v2");
    assert_eq!(notice.clauses_zh, ["第一條：新的條文", "第二條：再一條"]);
    let versions = load(&operator).await;
    assert_eq!(
        versions.body["consent_versions"][0]["version"],
        "2026-12-v2"
    );
    assert_eq!(versions.body["consent_versions"][0]["current"], true);
    assert_eq!(versions.body["consent_versions"][1]["current"], false);
    assert_eq!(audits(&db, "settings.consent", "ok").await, 1);
}
