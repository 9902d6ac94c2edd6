//! «訊息發送服務» (issue 16 item 5) against the real server: a teacher's class notice
//! reaches exactly the approved-bound parents of that class, one outbox message per
//! parent and verified channel (e-mail, SMS to a mobile login, LINE), and no one
//! else; an officer sends by grade and to the whole school; a replayed or doubled
//! «確認發送» sends nothing twice; each role keeps to its class or school (403 with an
//! audit row); the delivery status per parent follows the outbox; parents read the
//! notices of their children's classes, grades and schools in «家長專區». On SQLite,
//! or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use app::domain::id_number::with_check_digit;
use app::notify::service as notify;
use app::parent::service as parent;
use app::server::audit::Actor;
use app::server::entities::{audit_log, outbox};
use app::server::staff::{NewStaffUser, StaffRole, add_user};
use app::server::{AppState, PortalConfig, roster};
use common::{Browser, Reply, TestDb, TestServer, cipher};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
const STAFF_PASSWORD: &str = "correct horse battery staple";
const PARENT_PASSWORD: &str = "a long enough passphrase";
const A: &str = "173601";
const B: &str = "173602";

/// (school, student number, name, ID digits, birth date, class).
const CHILDREN: [(&str, &str, &str, &str, &str, &str); 5] = [
    (A, "110001", "林雨晴", "22345671", "2015-03-14", "501"),
    (A, "110002", "陳小華", "22345672", "2015-04-01", "501"),
    (A, "110003", "王小明", "12345673", "2015-05-01", "502"),
    (A, "110004", "李大同", "12345674", "2014-06-01", "601"),
    (B, "210001", "張三豐", "12345675", "2015-07-01", "501"),
];

fn child_id(digits: &str) -> String {
    with_check_digit('A', digits).expect("valid ID")
}

struct Setup {
    db: TestDb,
    server: TestServer,
    officer_a: i32,
    officer_b: i32,
}

impl Setup {
    /// School A (173601: classes 501, 502, 601) and B (173602: 501); teachers t501 and
    /// t502, officer.a, officer.b, operator.
    async fn new() -> Self {
        let db = TestDb::new().await;
        let mut f = format!("{HEADER}\n");
        for (i, (school, no, name, digits, birth, class)) in CHILDREN.iter().enumerate() {
            let school_name = if *school == A {
                "基隆市立仁愛國小"
            } else {
                "基隆市立信義國小"
            };
            f.push_str(&format!(
                "{school},{school_name},仁愛區,國小,{no},{name},{},{birth},{},{class},{},KL-PRIMARY,05770000{i:02},active,230,2021-09-01\n",
                child_id(digits),
                if digits.starts_with('1') { "M" } else { "F" },
                i + 1,
            ));
        }
        roster::import(&db.db, &cipher(), f.as_bytes(), Actor::Cli)
            .await
            .expect("roster import");
        let mut ids = Vec::new();
        for (role, username, school, class) in [
            (StaffRole::Teacher, "t501", Some(A), Some("501")),
            (StaffRole::Teacher, "t502", Some(A), Some("502")),
            (StaffRole::Officer, "officer.a", Some(A), None),
            (StaffRole::Officer, "officer.b", Some(B), None),
            (StaffRole::Operator, "operator", None, None),
        ] {
            ids.push(
                add_user(
                    &db.db,
                    NewStaffUser {
                        role,
                        username: username.into(),
                        password: STAFF_PASSWORD.into(),
                        school_code: school.map(Into::into),
                        class_name: class.map(Into::into),
                    },
                )
                .await
                .expect("staff user"),
            );
        }
        let server = TestServer::start(
            &db,
            &[("PORTAL_LINE_CHANNEL_SECRET", "test-line-channel-secret")],
        )
        .await;
        Self {
            db,
            server,
            officer_a: ids[2],
            officer_b: ids[3],
        }
    }

    fn state(&self) -> AppState {
        AppState::new(
            self.db.db.clone(),
            Arc::new(cipher()),
            PortalConfig {
                data_dir: self.db.path().join("data"),
                ..PortalConfig::default()
            },
        )
        .expect("state")
    }

    async fn staff(&self, username: &str) -> Browser {
        let school = match username {
            "officer.b" => B,
            "operator" => "",
            _ => A,
        };
        let b = self.server.client();
        let r = b
            .post_json(
                "/api/school/login",
                &json!({ "input": { "school_code": school, "username": username, "password": STAFF_PASSWORD } }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{username}: {r:?}");
        b
    }

    fn last_code_to(&self, to: &str) -> String {
        self.db
            .outbox_mails()
            .into_iter()
            .filter(|m| m.to == to)
            .filter_map(|m| m.code())
            .next_back()
            .unwrap_or_else(|| panic!("no code to {to}"))
    }

    /// A parent registered with `account` (e-mail or mobile), asking to bind child
    /// `child` of [`CHILDREN`]; approved by the school's officer unless `approve` is
    /// false.
    async fn parent(&self, account: &str, name: &str, child: usize, approve: bool) -> Browser {
        let browser = self.server.client();
        let r = browser
            .post_json(
                "/api/parent/register-start",
                &json!({ "input": { "account": account } }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let mut code = String::new();
        for _ in 0..50 {
            if let Some(c) = self
                .db
                .outbox_mails()
                .into_iter()
                .filter(|m| m.to == account)
                .find_map(|m| m.code())
            {
                code = c;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(!code.is_empty(), "no code to {account}");
        assert_eq!(code, self.last_code_to(account));
        let r = browser
            .post_json(
                "/api/parent/register-finish",
                &json!({ "input": {
                    "account": account, "code": code, "display_name": name,
                    "password": PARENT_PASSWORD,
                }}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let (school, no, child_name, digits, birth, _) = CHILDREN[child];
        let r = browser
            .post_json(
                "/api/parent/bind",
                &json!({ "input": { "children": [{
                    "school_code": school, "name": child_name, "student_no": no,
                    "birth_date": birth, "id_no": child_id(digits), "relationship": "mother",
                }]}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        if approve {
            let id = r.body[0]["request"]["id"].as_i64().expect("id") as i32;
            let officer = if school == A {
                self.officer_a
            } else {
                self.officer_b
            };
            parent::approve_binding(&self.state(), None, officer, id)
                .await
                .expect("approve");
        }
        browser
    }

    /// The notice messages in the outbox: (channel, recipient) of each.
    async fn notice_messages(&self) -> BTreeSet<(String, String)> {
        let state = self.state();
        outbox::Entity::find()
            .filter(outbox::Column::Template.eq("school_notice"))
            .all(&self.db.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| {
                let to = state
                    .cipher
                    .decrypt(&m.recipient_enc, &app::server::outbox::recipient_aad(&m.id))
                    .expect("recipient");
                (m.channel, to)
            })
            .collect()
    }

    async fn audits(&self, action: &str, result: &str) -> u64 {
        audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq(action))
            .filter(audit_log::Column::Result.eq(result))
            .count(&self.db.db)
            .await
            .unwrap()
    }
}

fn draft(audience: &str, target: &str, title: &str) -> Value {
    json!({
        "audience": audience,
        "class_name": if audience == "class" { target } else { "" },
        "level": if audience == "level" { target } else { "" },
        "title": title,
        "body": "明天（週五）因颱風停課一天。\n請家長留意孩子安全。",
    })
}

fn with_school(mut d: Value, school: &str) -> Value {
    d["school_code"] = school.into();
    d
}

async fn preview(b: &Browser, d: &Value) -> Reply {
    b.post_json("/api/school/notice-preview", &json!({ "draft": d }))
        .await
}

async fn send(b: &Browser, d: &Value, token: &str) -> Reply {
    b.post_json(
        "/api/school/notice-send",
        &json!({ "draft": d, "token": token }),
    )
    .await
}

/// Preview, then «確認發送» with the preview's token: the send's answer.
async fn preview_and_send(b: &Browser, d: &Value) -> Reply {
    let p = preview(b, d).await;
    assert_eq!(p.status, StatusCode::OK, "{p:?}");
    let sent = send(b, d, p.body["token"].as_str().unwrap()).await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    sent
}

async fn status(b: &Browser, notice: i64) -> Reply {
    b.get(&format!("/api/school/notice-status?notice={notice}"))
        .await
}

async fn parent_titles(b: &Browser) -> Vec<String> {
    let r = b.get("/api/parent/notices").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

fn field<'a>(r: &'a Reply, name: &str) -> &'a str {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    r.body["detail"][name]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {r:?}"))
}

#[tokio::test]
async fn notices_of_a_class_reach_exactly_its_bound_parents_over_their_verified_channels() {
    let s = Setup::new().await;
    // Class 501: a mother by e-mail with LINE linked, a father by mobile number, and a
    // stranger whose binding was never approved. Class 502 and school B: one each.
    let mom = s.parent("mom501@example.com", "林媽媽", 0, true).await;
    let code = mom.post_form("/api/parent/line-code", &[]).await;
    assert_eq!(code.status, StatusCode::OK, "{code:?}");
    let linked = notify::link_line_user(&s.state(), "Umom501", code.body["code"].as_str().unwrap())
        .await
        .expect("link");
    assert!(linked);
    let _dad = s.parent("0912000001", "陳爸爸", 1, true).await;
    let _stranger = s.parent("stranger@example.com", "X", 0, false).await;
    let other = s.parent("p502@example.com", "王媽媽", 2, true).await;
    let school_b = s.parent("pb@example.com", "張媽媽", 4, true).await;

    let teacher = s.staff("t501").await;
    let targets = teacher
        .post_json(
            "/api/school/notice-targets",
            &json!({ "school_code": null }),
        )
        .await;
    assert_eq!(targets.status, StatusCode::OK, "{targets:?}");
    assert_eq!(targets.body["own_class"], "501");
    assert_eq!(targets.body["classes"], json!(["501"]));

    let d = draft("class", "", "颱風停課通知");
    let p = preview(&teacher, &d).await;
    assert_eq!(p.status, StatusCode::OK, "{p:?}");
    assert_eq!(p.body["parents"], 2, "{p:?}");
    assert_eq!(p.body["channels"], 3, "{p:?}");
    assert_eq!(p.body["class_name"], "501");
    assert_eq!(p.body["title"], "颱風停課通知");
    // The preview stores and sends nothing.
    assert_eq!(s.db.count("school_notices").await, 0);
    assert!(s.notice_messages().await.is_empty());

    let sent = send(&teacher, &d, p.body["token"].as_str().unwrap()).await;
    assert_eq!(sent.status, StatusCode::OK, "{sent:?}");
    assert_eq!(sent.body["parents"], 2);
    assert_eq!(sent.body["channels"], 3);
    let expected: BTreeSet<(String, String)> = [
        ("email", "mom501@example.com"),
        ("line", "Umom501"),
        ("sms", "0912000001"),
    ]
    .into_iter()
    .map(|(c, t)| (c.to_owned(), t.to_owned()))
    .collect();
    assert_eq!(s.notice_messages().await, expected);
    assert_eq!(s.db.count("school_notice_deliveries").await, 3);
    assert_eq!(s.audits("notice.send", "ok").await, 1);

    // The worker sends them; the status per parent follows the outbox.
    let id = sent.body["notice_id"].as_i64().unwrap();
    let mut tries = 0;
    let last = loop {
        let r = status(&teacher, id).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let states: Vec<&str> = r.body["parents"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["channels"].as_array().unwrap())
            .map(|c| c["state"].as_str().unwrap())
            .collect();
        if (states.len() == 3 && states.iter().all(|st| *st == "sent")) || tries == 100 {
            break r;
        }
        tries += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let parents = last.body["parents"].as_array().unwrap();
    assert_eq!(parents.len(), 2, "{last:?}");
    let mom_row = parents
        .iter()
        .find(|p| p["parent_name"] == "林媽媽")
        .unwrap();
    assert_eq!(mom_row["children"], json!(["林○晴 501"]));
    let channels: BTreeSet<&str> = mom_row["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, BTreeSet::from(["email", "line"]));
    assert!(
        parents
            .iter()
            .flat_map(|p| p["channels"].as_array().unwrap())
            .all(|c| c["state"] == "sent"),
        "{last:?}"
    );
    let list = teacher.get("/api/school/notices").await;
    assert_eq!(list.body[0]["sent"], 3, "{list:?}");
    assert_eq!(list.body[0]["parents"], 2);
    // The message as the parent receives it: the title and the body as written.
    let mail =
        s.db.outbox_mails()
            .into_iter()
            .find(|m| m.to == "mom501@example.com" && m.subject.contains("颱風停課通知"))
            .expect("the e-mail");
    assert!(mail.text.contains("請家長留意孩子安全。"), "{}", mail.text);

    // «家長專區»: the class's parents see it; another class and another school do not.
    assert_eq!(parent_titles(&mom).await, vec!["颱風停課通知"]);
    assert!(parent_titles(&other).await.is_empty());
    assert!(parent_titles(&school_b).await.is_empty());
}

#[tokio::test]
async fn an_officer_sends_by_grade_and_to_the_school_and_a_replay_sends_nothing_twice() {
    let s = Setup::new().await;
    let mom = s.parent("mom501@example.com", "林媽媽", 0, true).await;
    let _dad = s.parent("0912000001", "陳爸爸", 1, true).await;
    let p502 = s.parent("p502@example.com", "王媽媽", 2, true).await;
    let p601 = s.parent("p601@example.com", "李媽媽", 3, true).await;
    let school_b = s.parent("pb@example.com", "張媽媽", 4, true).await;
    let officer = s.staff("officer.a").await;

    let targets = officer
        .post_json(
            "/api/school/notice-targets",
            &json!({ "school_code": null }),
        )
        .await;
    assert_eq!(targets.body["levels"], json!(["5", "6"]), "{targets:?}");
    assert_eq!(targets.body["classes"], json!(["501", "502", "601"]));

    // Grade 5: classes 501 and 502.
    let d = draft("level", "5", "五年級戶外教學");
    let p = preview(&officer, &d).await;
    assert_eq!(
        (p.body["parents"].clone(), p.body["channels"].clone()),
        (json!(3), json!(3)),
        "{p:?}"
    );
    let token = p.body["token"].as_str().unwrap().to_owned();
    let first = send(&officer, &d, &token).await;
    assert_eq!(first.status, StatusCode::OK, "{first:?}");
    assert_eq!(s.notice_messages().await.len(), 3);

    // The same confirmation again (a double click, a replayed request): the first
    // answer, nothing new.
    let again = send(&officer, &d, &token).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.body, first.body);
    assert_eq!(s.db.count("school_notices").await, 1);
    assert_eq!(
        s.db.count("outbox WHERE template = 'school_notice'").await,
        3
    );
    // The token of that notice with another notice is refused.
    let other = send(&officer, &draft("level", "5", "另一則"), &token).await;
    assert_eq!(field(&other, "token"), "reused");
    // Two confirmations at once: one notice.
    let d2 = draft("level", "5", "五年級健康檢查");
    let p2 = preview(&officer, &d2).await;
    let t2 = p2.body["token"].as_str().unwrap().to_owned();
    let (x, y) = tokio::join!(send(&officer, &d2, &t2), send(&officer, &d2, &t2));
    assert_eq!(
        (x.status, y.status),
        (StatusCode::OK, StatusCode::OK),
        "{x:?} {y:?}"
    );
    assert_eq!(x.body["notice_id"], y.body["notice_id"]);
    assert_eq!(s.db.count("school_notices").await, 2);
    assert_eq!(
        s.db.count("outbox WHERE template = 'school_notice'").await,
        6
    );
    assert_eq!(s.audits("notice.send", "ok").await, 2);

    // One class of the school, then the whole school (not school B).
    preview_and_send(&officer, &draft("class", "601", "六年級畢業典禮")).await;
    preview_and_send(&officer, &draft("school", "", "全校運動會")).await;
    assert_eq!(
        parent_titles(&mom).await,
        vec!["全校運動會", "五年級健康檢查", "五年級戶外教學"]
    );
    assert_eq!(
        parent_titles(&p502).await,
        vec!["全校運動會", "五年級健康檢查", "五年級戶外教學"]
    );
    assert_eq!(
        parent_titles(&p601).await,
        vec!["全校運動會", "六年級畢業典禮"]
    );
    assert!(parent_titles(&school_b).await.is_empty());
    let recipients: BTreeSet<String> = s.notice_messages().await.into_iter().map(|m| m.1).collect();
    assert!(!recipients.contains("pb@example.com"));

    // The operator names the school; without one there is nothing to send to.
    let operator = s.staff("operator").await;
    assert_eq!(
        field(
            &preview(&operator, &draft("school", "", "x")).await,
            "school"
        ),
        "required"
    );
    let sent = preview_and_send(&operator, &with_school(draft("school", "", "乙校通知"), B)).await;
    assert_eq!(sent.body["parents"], 1);
    assert_eq!(parent_titles(&school_b).await, vec!["乙校通知"]);
    assert_eq!(
        operator
            .get("/api/school/notices")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[tokio::test]
async fn each_role_keeps_to_its_class_and_school() {
    let s = Setup::new().await;
    let _mom = s.parent("mom501@example.com", "林媽媽", 0, true).await;
    let t501 = s.staff("t501").await;
    let t502 = s.staff("t502").await;
    let officer_a = s.staff("officer.a").await;
    let officer_b = s.staff("officer.b").await;
    let own = preview_and_send(&t501, &draft("class", "501", "本班通知")).await;
    let own_id = own.body["notice_id"].as_i64().unwrap();
    let school_wide = preview_and_send(&officer_a, &draft("school", "", "全校通知")).await;
    let school_id = school_wide.body["notice_id"].as_i64().unwrap();
    let before = (
        s.db.count("school_notices").await,
        s.db.count("outbox").await,
    );

    // role × target: 403 with an audit row for the preview and for the send.
    let refused: [(&Browser, Value); 6] = [
        (&t501, draft("class", "502", "別班")),
        (&t501, draft("level", "5", "年級")),
        (&t501, draft("school", "", "全校")),
        (&t501, with_school(draft("class", "501", "他校"), B)),
        (&officer_b, with_school(draft("school", "", "他校"), A)),
        (&officer_b, with_school(draft("class", "501", "他校"), A)),
    ];
    for (who, d) in &refused {
        assert_eq!(preview(who, d).await.status, StatusCode::FORBIDDEN, "{d}");
        assert_eq!(
            send(who, d, "0123456789abcdef0123456789abcdef")
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{d}"
        );
    }
    assert_eq!(s.audits("notice.preview", "denied").await, 6);
    assert_eq!(s.audits("notice.send", "denied").await, 6);
    // Statuses: a teacher sees their class's notices only, an officer their school's.
    assert_eq!(status(&t501, own_id).await.status, StatusCode::OK);
    assert_eq!(status(&t502, own_id).await.status, StatusCode::FORBIDDEN);
    assert_eq!(status(&t501, school_id).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        status(&officer_b, own_id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(&officer_a, own_id).await.status, StatusCode::OK);
    assert_eq!(
        status(&officer_a, 999_999).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.audits("notice.status", "denied").await, 3);
    let listed = |r: Reply| r.body.as_array().unwrap().len();
    assert_eq!(listed(t501.get("/api/school/notices").await), 1);
    assert_eq!(listed(t502.get("/api/school/notices").await), 0);
    assert_eq!(listed(officer_a.get("/api/school/notices").await), 2);
    assert_eq!(listed(officer_b.get("/api/school/notices").await), 0);
    let targets = officer_b
        .post_json("/api/school/notice-targets", &json!({ "school_code": A }))
        .await;
    assert_eq!(targets.status, StatusCode::FORBIDDEN);
    // Nothing was written by any refusal.
    assert_eq!(
        (
            s.db.count("school_notices").await,
            s.db.count("outbox").await
        ),
        before
    );

    // Field-level checks.
    let r = preview(
        &officer_a,
        &json!({ "audience": "class", "title": " ", "body": "" }),
    )
    .await;
    assert_eq!(field(&r, "title"), "required");
    assert_eq!(field(&r, "body"), "required");
    assert_eq!(field(&r, "class_name"), "required");
    let mut long = draft("class", "999", &"題".repeat(61));
    long["body"] = "字".repeat(1001).into();
    let r = preview(&officer_a, &long).await;
    assert_eq!(field(&r, "title"), "too_long");
    assert_eq!(field(&r, "body"), "too_long");
    assert_eq!(field(&r, "class_name"), "unknown");
    assert_eq!(
        field(
            &preview(&officer_a, &draft("level", "9", "x")).await,
            "level"
        ),
        "unknown"
    );
    assert_eq!(
        field(
            &send(&officer_a, &draft("school", "", "x"), "short").await,
            "token"
        ),
        "format"
    );
    // Unknown fields are refused (no mass assignment).
    let mut extra = draft("school", "", "x");
    extra["sent_by"] = 1.into();
    assert_eq!(
        preview(&officer_a, &extra).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Without a staff login: 401.
    let nobody = s.server.client();
    assert_eq!(
        preview(&nobody, &draft("school", "", "x")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        nobody.get("/api/parent/notices").await.status,
        StatusCode::UNAUTHORIZED
    );
}
