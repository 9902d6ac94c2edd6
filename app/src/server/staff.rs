//! Back-office accounts: creation (`server add-user`) and password hashing.
//!
//! Argon2id with the OWASP parameters (19 MiB, 2 passes, 1 lane), run on the blocking
//! pool behind a small semaphore so a burst of logins cannot starve the runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

use super::audit::{self, Actor, AuditEvent};
use super::entities::{classes, schools, staff_users};

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(2));

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Passwords a person might choose first; rejected outright (SPEC §7).
const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "password",
    "password1",
    "qwertyui",
    "11111111",
    "00000000",
    "abcd1234",
    "1qaz2wsx",
    "iloveyou",
    "88888888",
    "a1234567",
    "qwer1234",
    "aa123456",
    "admin123",
    "p@ssw0rd",
    "passw0rd",
    "asdf1234",
    "zxcvbnm1",
    "12341234",
    "abc12345",
    "1q2w3e4r",
    "qwertyuiop",
    "asdfghjkl",
    "55555555",
    "66666666",
    "12344321",
];

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("the password must be at least 8 characters")]
    TooShort,
    #[error("the password must be at most 128 characters")]
    TooLong,
    #[error("the password is too common")]
    Common,
}

/// Length 8–128, not on the common list; no composition rules (SPEC §7).
///
/// # Errors
/// The rule the password breaks.
pub fn check_password_rules(password: &str) -> Result<(), PasswordRuleError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(PasswordRuleError::TooShort);
    }
    if n > 128 {
        return Err(PasswordRuleError::TooLong);
    }
    if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        return Err(PasswordRuleError::Common);
    }
    Ok(())
}

/// Hashes a password off the async runtime.
///
/// # Errors
/// Only if the blocking pool is gone.
pub async fn hash_password(password: String) -> Result<String, DbErr> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| DbErr::Custom(e.to_string()))
    })
    .await
    .map_err(|e| DbErr::Custom(e.to_string()))?
}

/// An Argon2id hash, made once per process, to verify against when the account does
/// not exist: an unknown parent or staff account costs the same time as a wrong
/// password.
pub async fn timing_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async {
        hash_password("no account has this password".into())
            .await
            .unwrap_or_default()
    })
    .await
    .clone()
}

/// Verifies a password against a stored hash, off the async runtime.
pub async fn verify_password(password: String, stored: String) -> bool {
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    /// Homeroom teacher: one class.
    Teacher,
    /// School card officer: the whole school.
    Officer,
    /// Card issuer operator: all schools.
    Operator,
}

impl StaffRole {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "teacher" => Some(Self::Teacher),
            "officer" => Some(Self::Officer),
            "operator" => Some(Self::Operator),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Teacher => "teacher",
            Self::Officer => "officer",
            Self::Operator => "operator",
        }
    }
}

pub struct NewStaffUser {
    pub role: StaffRole,
    pub username: String,
    pub password: String,
    pub school_code: Option<String>,
    pub class_name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("{0}")]
    Password(#[from] PasswordRuleError),
    #[error("the username must be 3–40 letters, digits, '.', '_' or '-'")]
    Username,
    #[error("a {0} needs --school")]
    SchoolRequired(&'static str),
    #[error("a teacher needs --class")]
    ClassRequired,
    #[error("an operator belongs to no school; leave out --school and --class")]
    OperatorScoped,
    #[error("no school with code {0}")]
    UnknownSchool(String),
    #[error("no class {0} in that school")]
    UnknownClass(String),
    #[error("the username {0} is taken")]
    Taken(String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Creates a back-office account (used by `server add-user`).
///
/// # Errors
/// See [`AddUserError`].
pub async fn add_user(db: &impl ConnectionTrait, new: NewStaffUser) -> Result<i32, AddUserError> {
    add_user_by(db, new, Actor::Cli, None, false).await
}

/// Creates a back-office account on behalf of `actor` (the CLI, or a staff member in
/// «帳號管理»); `temporary`: the password is a temporary one the user must change at
/// their first login. Audited as `staff.create` with the role, school and class.
///
/// # Errors
/// See [`AddUserError`]; a racing create of the same name is `Taken`.
pub async fn add_user_by(
    db: &impl ConnectionTrait,
    new: NewStaffUser,
    actor: Actor,
    client: Option<&super::context::ClientContext>,
    temporary: bool,
) -> Result<i32, AddUserError> {
    let username = new.username.trim().to_owned();
    let ok_name = (3..=40).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok_name {
        return Err(AddUserError::Username);
    }
    check_password_rules(&new.password)?;
    let (school_id, class_id) = match new.role {
        StaffRole::Operator => {
            if new.school_code.is_some() || new.class_name.is_some() {
                return Err(AddUserError::OperatorScoped);
            }
            (None, None)
        }
        role => {
            let code = new
                .school_code
                .ok_or(AddUserError::SchoolRequired(role.as_str()))?;
            let school = schools::Entity::find()
                .filter(schools::Column::Code.eq(code.clone()))
                .one(db)
                .await?
                .ok_or(AddUserError::UnknownSchool(code))?;
            let class_id = match (role, new.class_name) {
                (StaffRole::Teacher, None) => return Err(AddUserError::ClassRequired),
                (_, Some(name)) => Some(
                    classes::Entity::find()
                        .filter(classes::Column::SchoolId.eq(school.id))
                        .filter(classes::Column::Name.eq(name.clone()))
                        .one(db)
                        .await?
                        .ok_or(AddUserError::UnknownClass(name))?
                        .id,
                ),
                (_, None) => None,
            };
            (Some(school.id), class_id)
        }
    };
    if staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq(username.clone()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AddUserError::Taken(username));
    }
    let hash = hash_password(new.password).await?;
    let user = staff_users::ActiveModel {
        username: Set(username.clone()),
        password_hash: Set(hash),
        role: Set(new.role.as_str().into()),
        school_id: Set(school_id),
        class_id: Set(class_id),
        must_change_password: Set(temporary),
        password_version: Set(1),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AddUserError::Taken(username.clone())
        }
        _ => AddUserError::Db(e),
    })?;
    audit::record(
        db,
        client,
        AuditEvent {
            actor,
            action: "staff.create",
            subject: Some(username),
            result: "ok",
            detail: Some(serde_json::json!({
                "role": new.role.as_str(),
                "school_id": school_id,
                "class_id": class_id,
            })),
        },
    )
    .await?;
    Ok(user.id)
}

/// Stores a new password hash for account `id` if it is still at `version`, and
/// raises the version: every session of the old version has ended. Returns the
/// updated account, or `None` when the version moved meanwhile (a conditional update:
/// of two racing changes one wins).
///
/// # Errors
/// Database errors.
pub async fn store_password(
    conn: &impl ConnectionTrait,
    id: i32,
    version: i32,
    password_hash: String,
) -> Result<Option<staff_users::Model>, DbErr> {
    use sea_orm::sea_query::Expr;
    let updated = staff_users::Entity::update_many()
        .col_expr(
            staff_users::Column::PasswordHash,
            Expr::value(password_hash),
        )
        .col_expr(
            staff_users::Column::PasswordVersion,
            Expr::value(version + 1),
        )
        .col_expr(staff_users::Column::MustChangePassword, Expr::value(false))
        .filter(staff_users::Column::Id.eq(id))
        .filter(staff_users::Column::PasswordVersion.eq(version))
        .exec(conn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    staff_users::Entity::find_by_id(id).one(conn).await
}

/// The TOTP of a secret, for `account` (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step).
///
/// # Errors
/// A secret too short for TOTP.
pub fn totp_for(secret: Vec<u8>, account: &str) -> Result<totp_rs::TOTP, String> {
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        secret,
        Some("StudentCardPortal".into()),
        account.to_owned(),
    )
    .map_err(|e| e.to_string())
}

fn totp_aad(username: &str) -> String {
    format!("staff_users.totp_secret:{username}")
}

/// Gives an account a new TOTP second factor; returns the `otpauth://` URL for an
/// authenticator app (shown once by `server add-user --totp`).
///
/// # Errors
/// Unknown account, database errors.
pub async fn enable_totp(
    db: &impl ConnectionTrait,
    cipher: &super::crypto::PiiCipher,
    username: &str,
) -> Result<String, String> {
    let user = staff_users::Entity::find()
        .filter(staff_users::Column::Username.eq(username))
        .one(db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account {username}"))?;
    let secret = new_totp_secret();
    let url = totp_for(secret.clone(), username)?.get_url();
    store_totp_secret(db, cipher, user, &secret)
        .await
        .map_err(|e| e.to_string())?;
    audit::record(
        db,
        None,
        AuditEvent {
            actor: Actor::Cli,
            action: "staff.totp_enabled",
            subject: Some(username.to_owned()),
            result: "ok",
            detail: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(url)
}

/// 20 random bytes: a new TOTP secret (RFC 4226's recommended 160 bits).
pub fn new_totp_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// Stores `secret` as the account's second factor, encrypted (replacing any other).
///
/// # Errors
/// Database errors.
pub async fn store_totp_secret(
    db: &impl ConnectionTrait,
    cipher: &super::crypto::PiiCipher,
    user: staff_users::Model,
    secret: &[u8],
) -> Result<(), DbErr> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(secret);
    let aad = totp_aad(&user.username);
    let mut row: staff_users::ActiveModel = user.into();
    row.totp_secret_enc = Set(Some(cipher.encrypt(&encoded, &aad)));
    row.update(db).await?;
    Ok(())
}

/// Whether `code` is the account's current TOTP code (`None`: no second factor).
pub fn check_totp(
    cipher: &super::crypto::PiiCipher,
    user: &staff_users::Model,
    code: &str,
) -> Option<bool> {
    use base64::Engine;
    let enc = user.totp_secret_enc.as_ref()?;
    let ok = cipher
        .decrypt(enc, &totp_aad(&user.username))
        .ok()
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .and_then(|secret| totp_for(secret, &user.username).ok())
        .and_then(|t| t.check_current(code.trim()).ok())
        .unwrap_or(false);
    Some(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert_eq!(
            check_password_rules("short"),
            Err(PasswordRuleError::TooShort)
        );
        assert_eq!(
            check_password_rules("Password1"),
            Err(PasswordRuleError::Common)
        );
        assert_eq!(
            check_password_rules(&"x".repeat(129)),
            Err(PasswordRuleError::TooLong)
        );
        assert_eq!(check_password_rules("correct horse battery"), Ok(()));
        assert_eq!(check_password_rules(&"長".repeat(64)), Ok(()));
    }

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("correct horse".into()).await.expect("hash");
        let b = hash_password("correct horse".into()).await.expect("hash");
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), a.clone()).await);
        assert!(!verify_password("wrong horse".into(), a).await);
    }
}
