//! «帳號管理» (issue 16 item 3): who may see and make which staff accounts, and the
//! authenticator enrolment of one's own account.
//!
//! - Everyone sees their own account and enrols TOTP for it (a secret kept in the
//!   session until a code from the app confirms it).
//! - A card officer lists their school's accounts, creates teachers of their school's
//!   classes and disables teachers of their school.
//! - An operator lists every school's accounts (or one school's), creates teachers
//!   and officers, and disables any account but their own.
//!
//! Anything else is 403 with an audit row. A new account gets a random temporary
//! password, shown once, that must be changed before anything else
//! ([`super::auth::current`] refuses with `password_change_required`).

use base64::Engine;

use super::*;
use crate::school::accounts::{
    NewStaffAccount, NewStaffAccountInput, StaffAccountRow, StaffAccounts, TotpEnrolment,
};
use crate::server::staff::{self, AddUserError, NewStaffUser, StaffRole};

/// Session key of an enrolment waiting for its first code.
const TOTP_PENDING_KEY: &str = "staff_totp_pending";
/// How long an enrolment may wait for its first code.
const TOTP_PENDING_MINUTES: i64 = 15;
/// Length of a temporary password (alphabet of 55 unambiguous characters: ~69 bits).
const TEMPORARY_PASSWORD_LEN: usize = 12;

#[derive(serde::Serialize, serde::Deserialize)]
struct PendingTotp {
    staff_id: i32,
    /// Base64 of the secret.
    secret: String,
    since: chrono::DateTime<Utc>,
}

fn temporary_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..TEMPORARY_PASSWORD_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

async fn names(
    conn: &impl ConnectionTrait,
) -> Result<(HashMap<i32, String>, HashMap<i32, String>), AppError> {
    let schools = schools::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let classes = classes::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok((schools, classes))
}

fn account_row(
    u: &staff_users::Model,
    schools: &HashMap<i32, String>,
    classes: &HashMap<i32, String>,
) -> StaffAccountRow {
    StaffAccountRow {
        id: u.id,
        username: u.username.clone(),
        role: u.role.clone(),
        school_name: u.school_id.and_then(|id| schools.get(&id).cloned()),
        class_name: u.class_id.and_then(|id| classes.get(&id).cloned()),
        totp: u.totp_secret_enc.is_some(),
        must_change_password: u.must_change_password,
        disabled_at: u.disabled_at,
        created_at: u.created_at,
    }
}

/// The caller's account, and the accounts they manage: an officer their school's, an
/// operator `school_code`'s or every school's; a teacher none.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (an officer naming another school, audited);
/// `Validation` (`school`: `unknown`).
pub async fn list_staff_accounts(
    cx: &CallContext,
    school_code: Option<String>,
) -> Result<StaffAccounts, AppError> {
    const ACTION: &str = "school.accounts";
    let staff = current(cx).await?;
    let db = &cx.state.db;
    let (school_names, class_names) = names(db).await?;
    let me = account_row(&staff.user, &school_names, &class_names);
    if staff.is("teacher") {
        if school_code.as_deref().is_some_and(|c| !c.trim().is_empty()) {
            return Err(deny(cx, &staff, ACTION, school_code).await);
        }
        return Ok(StaffAccounts {
            me,
            accounts: Vec::new(),
            classes: Vec::new(),
        });
    }
    let school = target_school(cx, &staff, ACTION, school_code).await?;
    let mut q = staff_users::Entity::find();
    if let Some(s) = &school {
        q = q.filter(staff_users::Column::SchoolId.eq(s.id));
    }
    let accounts = q
        .order_by_asc(staff_users::Column::SchoolId)
        .order_by_asc(staff_users::Column::Role)
        .order_by_asc(staff_users::Column::Username)
        .all(db)
        .await?
        .iter()
        .map(|u| account_row(u, &school_names, &class_names))
        .collect();
    let classes = match &school {
        Some(s) => classes::Entity::find()
            .filter(classes::Column::SchoolId.eq(s.id))
            .order_by_asc(classes::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        None => Vec::new(),
    };
    Ok(StaffAccounts {
        me,
        accounts,
        classes,
    })
}

/// «新增帳號»: an officer creates a teacher of a class of their school; an operator a
/// teacher or an officer of any school. The temporary password is shown once.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (teachers, an officer creating an officer or naming
/// another school; audited); `Validation` (`school`: `required` / `unknown`; `role`:
/// `format`; `username`: `required` / `format` / `taken`; `class`: `required` /
/// `unknown`).
pub async fn create_staff_account(
    cx: &CallContext,
    input: NewStaffAccountInput,
) -> Result<NewStaffAccount, AppError> {
    const ACTION: &str = "staff.create";
    let staff = current(cx).await?;
    let username = input.username.trim().to_owned();
    if staff.is("teacher") {
        return Err(deny(cx, &staff, ACTION, Some(username)).await);
    }
    let role = match StaffRole::parse(input.role.trim()) {
        Some(r @ (StaffRole::Teacher | StaffRole::Officer)) => r,
        _ => return Err(AppError::field("role", "format")),
    };
    if role == StaffRole::Officer && !matches!(staff.scope, Scope::All) {
        return Err(deny(cx, &staff, ACTION, Some(username)).await);
    }
    let school = target_school(cx, &staff, ACTION, input.school_code.clone()).await?;
    let class_name = input.class_name.trim().to_owned();
    let mut errors = crate::error::FieldErrors::new();
    if username.is_empty() {
        errors.insert("username".into(), "required".into());
    }
    if role == StaffRole::Teacher && class_name.is_empty() {
        errors.insert("class".into(), "required".into());
    }
    let Some(school) = school else {
        errors.insert("school".into(), "required".into());
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let password = temporary_password();
    let new = NewStaffUser {
        role,
        username: username.clone(),
        password: password.clone(),
        school_code: Some(school.code.clone()),
        class_name: (role == StaffRole::Teacher).then_some(class_name),
    };
    let txn = begin_write(&cx.state.db).await?;
    match staff::add_user_by(&txn, new, staff.actor(), Some(&cx.client), true).await {
        Ok(_) => {}
        Err(AddUserError::Username) => return Err(AppError::field("username", "format")),
        Err(AddUserError::Taken(_)) => return Err(AppError::field("username", "taken")),
        Err(AddUserError::UnknownClass(_) | AddUserError::ClassRequired) => {
            return Err(AppError::field("class", "unknown"));
        }
        Err(AddUserError::UnknownSchool(_) | AddUserError::SchoolRequired(_)) => {
            return Err(AppError::field("school", "unknown"));
        }
        Err(AddUserError::Db(e)) => return Err(internal(e)),
        Err(e @ (AddUserError::Password(_) | AddUserError::OperatorScoped)) => {
            return Err(internal(e));
        }
    }
    txn.commit().await?;
    Ok(NewStaffAccount {
        username,
        temporary_password: password,
    })
}

/// «停用帳號»: an officer disables a teacher of their school, an operator any account;
/// no one their own. The account's sessions end at their next request. Disabling a
/// disabled account changes nothing.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (audited); `NotFound`; `Conflict("own_account")`.
pub async fn disable_staff_account(cx: &CallContext, id: i32) -> Result<(), AppError> {
    const ACTION: &str = "staff.disable";
    let staff = current(cx).await?;
    let target = staff_users::Entity::find_by_id(id)
        .one(&cx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match staff.scope {
        Scope::All => true,
        Scope::School { school_id } => {
            target.school_id == Some(school_id) && target.role == "teacher"
        }
        Scope::Class { .. } => false,
    };
    if !allowed {
        return Err(deny(cx, &staff, ACTION, Some(target.username)).await);
    }
    if target.id == staff.user.id {
        return Err(AppError::Conflict("own_account".into()));
    }
    let txn = begin_write(&cx.state.db).await?;
    let changed = staff_users::Entity::update_many()
        .col_expr(staff_users::Column::DisabledAt, Expr::value(Utc::now()))
        .filter(staff_users::Column::Id.eq(id))
        .filter(staff_users::Column::DisabledAt.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(());
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(target.username),
            result: "ok",
            detail: Some(serde_json::json!({ "role": target.role })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The key as an authenticator app's manual entry shows it: base32, by four.
fn grouped_base32(encoded: &str) -> String {
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// «設定驗證器»: a new secret for the caller's own account, kept in the session (not
/// stored on the account) until [`confirm_totp`] gets a code from it.
///
/// # Errors
/// `Unauthorized`.
pub async fn begin_totp(cx: &CallContext) -> Result<TotpEnrolment, AppError> {
    let staff = current(cx).await?;
    let secret = staff::new_totp_secret();
    let totp = staff::totp_for(secret.clone(), &staff.user.username).map_err(internal)?;
    let otpauth_url = totp.get_url();
    let qr_svg = crate::domain::payment_codes::svg::qr_svg(&otpauth_url).map_err(internal)?;
    cx.session
        .insert(
            TOTP_PENDING_KEY,
            PendingTotp {
                staff_id: staff.user.id,
                secret: base64::engine::general_purpose::STANDARD.encode(&secret),
                since: Utc::now(),
            },
        )
        .await
        .map_err(internal)?;
    Ok(TotpEnrolment {
        key: grouped_base32(&totp.get_secret_base32()),
        otpauth_url,
        qr_svg,
    })
}

/// «確認啟用»: when `code` is the pending secret's current code, the secret becomes
/// the account's second factor (replacing an earlier one) and the login asks for it.
///
/// # Errors
/// `Unauthorized`; `Validation` (`code`: `required` / `wrong` / `expired` — no
/// enrolment pending in this session, or older than 15 minutes).
pub async fn confirm_totp(cx: &CallContext, code: String) -> Result<(), AppError> {
    const ACTION: &str = "staff.totp_enabled";
    let staff = current(cx).await?;
    let code = code.trim().to_owned();
    if code.is_empty() {
        return Err(AppError::field("code", "required"));
    }
    let pending = cx
        .session
        .get::<PendingTotp>(TOTP_PENDING_KEY)
        .await
        .ok()
        .flatten()
        .filter(|p| {
            p.staff_id == staff.user.id
                && p.since + Duration::minutes(TOTP_PENDING_MINUTES) > Utc::now()
        })
        .and_then(|p| {
            base64::engine::general_purpose::STANDARD
                .decode(p.secret)
                .ok()
        });
    let Some(secret) = pending else {
        return Err(AppError::field("code", "expired"));
    };
    let ok = code.len() == 6
        && code.bytes().all(|b| b.is_ascii_digit())
        && staff::totp_for(secret.clone(), &staff.user.username)
            .map_err(internal)?
            .check_current(&code)
            .unwrap_or(false);
    if !ok {
        audit::record(
            &cx.state.db,
            Some(&cx.client),
            AuditEvent {
                actor: staff.actor(),
                action: ACTION,
                subject: Some(staff.user.username.clone()),
                result: "failed",
                detail: None,
            },
        )
        .await?;
        return Err(AppError::field("code", "wrong"));
    }
    let username = staff.user.username.clone();
    let actor = staff.actor();
    let replaced = staff.user.totp_secret_enc.is_some();
    let txn = begin_write(&cx.state.db).await?;
    staff::store_totp_secret(&txn, &cx.state.cipher, staff.user, &secret).await?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor,
            action: ACTION,
            subject: Some(username),
            result: "ok",
            detail: Some(serde_json::json!({ "replaced": replaced })),
        },
    )
    .await?;
    txn.commit().await?;
    cx.session
        .remove::<PendingTotp>(TOTP_PENDING_KEY)
        .await
        .map_err(internal)?;
    Ok(())
}
