//! Messages to parents in the parent's language (issue 15 item 3), over HTTP against
//! the real server: a code asked for in the browser comes in the page's language (the
//! `portal_lang` cookie); a teacher's decision comes in the language the parent last
//! used the portal in (stored on the account at registration, login and each
//! logged-in call); each with the Chinese/English text below a separator. On SQLite,
//! or on PostgreSQL with `TEST_POSTGRES_ADMIN_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::card_stop::{WITH_CONTACT_BIRTH, holder, only_card_ref, with_contact_id};
use crate::common::{Browser, OutboxMail, TestDb};
use crate::parent_accounts::{PRIMARY, Setup, bind_ok, child, lin, request_id, start};
use app::parent::service as parent;
use app::server::entities::parent_accounts;
use app::server::outbox::locales::SEPARATOR;
use app::server::staff::StaffRole;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::json;

const PASSWORD: &str = "a long enough passphrase";

fn set_page_language(browser: &Browser, lang: &str) {
    let url = reqwest::Url::parse(&browser.base).expect("base URL");
    browser
        .jar
        .add_cookie_str(&format!("portal_lang={lang}; Path=/"), &url);
}

fn last_mail_to(db: &TestDb, to: &str) -> OutboxMail {
    db.outbox_mails()
        .into_iter()
        .rfind(|m| m.to == to)
        .unwrap_or_else(|| panic!("no mail to {to}"))
}

/// The message's own-language part and the Chinese/English part after the separator.
fn parts(mail: &OutboxMail) -> (String, String) {
    let body = mail
        .text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.replace("\r\n", "\n"))
        .unwrap_or_default();
    let (own, rest) = body
        .split_once(SEPARATOR)
        .unwrap_or_else(|| panic!("no separator in {body}"));
    (own.to_owned(), rest.to_owned())
}

async fn stored_language(s: &Setup) -> Vec<String> {
    parent_accounts::Entity::find()
        .all(&s.db.db)
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.language)
        .collect()
}

#[tokio::test]
async fn a_parent_hears_in_the_language_they_use_the_portal_in() {
    let s = Setup::new().await;
    let teacher = s
        .staff("teacher501", StaffRole::Teacher, Some(PRIMARY), Some("501"))
        .await;
    let t502 = s
        .staff("teacher502", StaffRole::Teacher, Some(PRIMARY), Some("502"))
        .await;
    let state = s.state();

    // Registering on the Vietnamese page: the code comes in Vietnamese first.
    let browser = s.server.client();
    set_page_language(&browser, "vi");
    let reply = start(&browser, "register", "lan@example.com").await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let mail = last_mail_to(&s.db, "lan@example.com");
    assert_eq!(mail.subject, "Mã xác minh đăng ký tài khoản phụ huynh");
    let (own, rest) = parts(&mail);
    let code = mail.code().expect("the code, on the Chinese line too");
    assert!(own.starts_with("Xin chào"), "{own}");
    assert!(own.contains(&format!("\nMã xác minh: {code}\n")), "{own}");
    assert!(
        rest.contains("家長專區註冊驗證碼") || rest.contains("驗證碼："),
        "{rest}"
    );
    let reply = browser
        .post_json(
            "/api/parent/register-finish",
            &json!({ "input": {
                "account": "lan@example.com", "code": code, "display_name": "Lan",
                "password": PASSWORD,
            }}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(stored_language(&s).await, ["vi"]);

    // Logging in on the Indonesian page: the teacher's approval comes in Indonesian.
    let phone = s.server.client();
    set_page_language(&phone, "id");
    let reply = phone
        .post_json(
            "/api/parent/login",
            &json!({ "input": { "account": "lan@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(stored_language(&s).await, ["id"]);
    let outcomes = bind_ok(&phone, &[lin()]).await;
    parent::approve_binding(&state, None, teacher, request_id(&outcomes[0]))
        .await
        .expect("approve");
    let mail = last_mail_to(&s.db, "lan@example.com");
    assert_eq!(mail.subject, "Penautan orang tua dan anak disetujui");
    let (own, rest) = parts(&mail);
    assert!(own.starts_with("Halo") && own.contains("林○晴"), "{own}");
    assert!(rest.contains("親子綁定已經核可"), "{rest}");

    // Switching the page to English while logged in: the next call stores it, and
    // the teacher's return comes in English first, then Chinese.
    set_page_language(&phone, "en");
    assert_eq!(phone.get("/api/parent/me").await.status, StatusCode::OK);
    assert_eq!(stored_language(&s).await, ["en"]);
    let wang = child(
        PRIMARY,
        "王小明",
        "110002",
        "2015-05-01",
        "A123456789",
        "father",
    );
    let outcomes = bind_ok(&phone, &[wang]).await;
    parent::return_binding(&state, None, t502, request_id(&outcomes[0]), "請補件")
        .await
        .expect("return");
    let mail = last_mail_to(&s.db, "lan@example.com");
    assert_eq!(mail.subject, "Parent-child binding returned");
    let (own, rest) = parts(&mail);
    assert!(
        own.starts_with("Hello") && own.contains("Reason: 請補件"),
        "{own}"
    );
    assert!(rest.contains("退回原因：請補件"), "{rest}");

    // A request without the cookie (a machine, an old page) leaves it as it was.
    let bare = s.server.client();
    let reply = bare
        .post_json(
            "/api/parent/login",
            &json!({ "input": { "account": "lan@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(stored_language(&s).await, ["en"]);
}

#[tokio::test]
async fn the_stop_code_comes_in_the_page_language_and_chinese_without_one() {
    let (db, server) = crate::card_stop::setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    set_page_language(&browser, "en");
    let card_ref = only_card_ref(&browser).await;
    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    let mails = db.outbox_mails();
    assert_eq!(mails.len(), 2, "{mails:?}");
    for mail in &mails {
        assert_eq!(mail.subject, "Student card stop: verification code");
        let (own, rest) = parts(mail);
        let code = mail.code().expect("a code");
        assert!(own.starts_with("Hello"), "{own}");
        assert!(
            own.contains(&format!("Verification code: {code}\n")),
            "{own}"
        );
        assert!(rest.contains("學生證"), "{rest}");
    }

    // The same step on a page without a language: Chinese with English, as always.
    let (db, server) = crate::card_stop::setup().await;
    let browser = holder(&server, &with_contact_id(), WITH_CONTACT_BIRTH).await;
    let card_ref = only_card_ref(&browser).await;
    let opened = browser
        .post_form("/api/stop/open-code", &[("card_ref", &card_ref)])
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{opened:?}");
    for mail in db.outbox_mails() {
        assert!(
            mail.subject.starts_with("學生證停卡驗證碼"),
            "{}",
            mail.subject
        );
        assert!(!mail.text.contains(SEPARATOR), "{}", mail.text);
    }
}
