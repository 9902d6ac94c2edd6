//! Back-office accounts for the tests: made directly in the database (as the CLI's
//! `add-user` does), then logged in over HTTP like a browser.

use app::server::staff::{NewStaffUser, StaffRole, add_user};
use sea_orm::DatabaseConnection;

/// One account: role, username, school code (none for operators), class (teachers).
pub type StaffAccount<'a> = (StaffRole, &'a str, Option<&'a str>, Option<&'a str>);

/// Adds `accounts`, each with `password`.
pub async fn add_staff(db: &DatabaseConnection, password: &str, accounts: &[StaffAccount<'_>]) {
    for &(role, username, school, class) in accounts {
        add_user(
            db,
            NewStaffUser {
                role,
                username: username.into(),
                password: password.into(),
                school_code: school.map(Into::into),
                class_name: class.map(Into::into),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("staff user {username}: {e}"));
    }
}

/// Logs `username` of `school` (empty for operators) in, as the login page does; panics
/// unless it succeeds.
pub async fn staff_login(
    server: &super::TestServer,
    school: &str,
    username: &str,
    password: &str,
) -> super::Browser {
    let b = server.client();
    let r = b
        .post_json(
            "/api/school/login",
            &serde_json::json!({ "input": { "school_code": school, "username": username, "password": password } }),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{username}: {r:?}");
    b
}
