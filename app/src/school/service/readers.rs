//! «讀卡機管理» (issue 16 item 3): a school's gate readers — list with «最後連線»,
//! «新增讀卡機» (the API key shown once), «更換金鑰» (the old key refused from then
//! on) and «停用» (the reader's swipes refused). Card officers act on their own school,
//! operators on any; teachers, and officers reaching another school, are refused (403,
//! audited). Keys are stored only as their keyed hash (`server::model::gate_reader`).

use super::*;
use crate::school::{NewReaderInput, ReaderKey, ReaderRow};
use crate::server::entities::gate_readers;
use crate::server::model::gate_reader;

/// The longest reader name or holiday name, in characters.
pub(super) const NAME_MAX: usize = 40;

/// The staff member, unless a teacher (refused with an audit row).
pub(super) async fn admin_staff(cx: &CallContext, action: &str) -> Result<Staff, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, action, None).await);
    }
    Ok(staff)
}

/// A name's error code: `required`, `too_long` or `format` (control characters).
pub(super) fn name_error(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.is_empty() {
        Some("required")
    } else if name.chars().count() > NAME_MAX {
        Some("too_long")
    } else if name.chars().any(char::is_control) {
        Some("format")
    } else {
        None
    }
}

fn row(r: gate_readers::Model, school_names: &HashMap<i32, String>) -> ReaderRow {
    ReaderRow {
        id: r.id,
        school_name: school_names.get(&r.school_id).cloned().unwrap_or_default(),
        reader_code: r.reader_code,
        name: r.name,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        revoked_at: r.revoked_at,
    }
}

/// The readers of the staff member's school, or (operators) of `school_code` or every
/// school; active ones first, by school and id.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (teachers; an officer naming another school).
pub async fn list_readers(
    cx: &CallContext,
    school_code: Option<String>,
) -> Result<Vec<ReaderRow>, AppError> {
    const ACTION: &str = "school.readers";
    let staff = admin_staff(cx, ACTION).await?;
    let school = target_school(cx, &staff, ACTION, school_code).await?;
    let db = &cx.state.db;
    let mut q = gate_readers::Entity::find();
    if let Some(s) = &school {
        q = q.filter(gate_readers::Column::SchoolId.eq(s.id));
    }
    let readers = q
        .order_by_asc(gate_readers::Column::SchoolId)
        .order_by_asc(gate_readers::Column::ReaderCode)
        .all(db)
        .await?;
    let names: HashMap<i32, String> = schools::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut rows: Vec<ReaderRow> = readers.into_iter().map(|r| row(r, &names)).collect();
    rows.sort_by_key(|r| r.revoked_at.is_some());
    Ok(rows)
}

/// «新增讀卡機»: the reader and its API key (shown once; only the keyed hash is kept).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `Validation` (`school`: `required` /
/// `unknown`; `reader_id`: `required` / `format` / `taken`; `name`: `required` /
/// `too_long` / `format` / `taken`).
pub async fn add_school_reader(
    cx: &CallContext,
    input: NewReaderInput,
) -> Result<ReaderKey, AppError> {
    const ACTION: &str = "reader.add";
    let staff = admin_staff(cx, ACTION).await?;
    let school = target_school(cx, &staff, ACTION, input.school_code.clone()).await?;
    let code = input.reader_id.trim();
    let name = input.name.trim();
    let mut errors = crate::error::FieldErrors::new();
    if code.is_empty() {
        errors.insert("reader_id".into(), "required".into());
    } else if !gate_reader::reader_code_ok(code) {
        errors.insert("reader_id".into(), "format".into());
    }
    if let Some(e) = name_error(name) {
        errors.insert("name".into(), e.into());
    }
    let Some(school) = school else {
        errors.insert("school".into(), "required".into());
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let key = gate_reader::new_api_key();
    let txn = begin_write(&cx.state.db).await?;
    if gate_readers::Entity::find()
        .filter(gate_readers::Column::ReaderCode.eq(code))
        .one(&txn)
        .await?
        .is_some()
    {
        errors.insert("reader_id".into(), "taken".into());
    }
    if gate_readers::Entity::find()
        .filter(gate_readers::Column::SchoolId.eq(school.id))
        .filter(gate_readers::Column::Name.eq(name))
        .one(&txn)
        .await?
        .is_some()
    {
        errors.insert("name".into(), "taken".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let inserted = gate_readers::ActiveModel {
        reader_code: Set(code.to_owned()),
        school_id: Set(school.id),
        api_key_hash: Set(gate_reader::api_key_hash(&cx.state.cipher, &key)),
        created_at: Set(Utc::now()),
        last_seen_at: Set(None),
        name: Set(Some(name.to_owned())),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    // Another instance took the id or the name between the check and the insert.
    inserted.map_err(|e| crate::server::db::taken_if_unique(e, "reader_id"))?;
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(code.to_owned()),
            result: "ok",
            detail: Some(serde_json::json!({ "school": school.code, "name": name })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ReaderKey {
        reader_code: code.to_owned(),
        api_key: key,
    })
}

/// The reader `id` if in the staff member's scope (else 403, audited).
async fn reader_in_scope(
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    id: i32,
) -> Result<gate_readers::Model, AppError> {
    let reader = gate_readers::Entity::find_by_id(id)
        .one(&cx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    match staff.scope {
        Scope::All => Ok(reader),
        Scope::School { school_id } if school_id == reader.school_id => Ok(reader),
        _ => Err(deny(cx, staff, action, Some(reader.reader_code)).await),
    }
}

/// «更換金鑰»: a new key for an active reader; the old one is refused from now on.
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `NotFound`, `Conflict` (revoked).
pub async fn rotate_reader_key(cx: &CallContext, id: i32) -> Result<ReaderKey, AppError> {
    const ACTION: &str = "reader.rotate";
    let staff = admin_staff(cx, ACTION).await?;
    let reader = reader_in_scope(cx, &staff, ACTION, id).await?;
    let key = gate_reader::new_api_key();
    let txn = begin_write(&cx.state.db).await?;
    let changed = gate_readers::Entity::update_many()
        .col_expr(
            gate_readers::Column::ApiKeyHash,
            Expr::value(gate_reader::api_key_hash(&cx.state.cipher, &key)),
        )
        .filter(gate_readers::Column::Id.eq(id))
        .filter(gate_readers::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(AppError::Conflict("revoked".into()));
    }
    audit::record(
        &txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action: ACTION,
            subject: Some(reader.reader_code.clone()),
            result: "ok",
            detail: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(ReaderKey {
        reader_code: reader.reader_code,
        api_key: key,
    })
}

/// «停用»: the reader's key is refused from now on (a second «停用» changes nothing).
///
/// # Errors
/// `Unauthorized`, `Forbidden` (audited), `NotFound`.
pub async fn revoke_reader(cx: &CallContext, id: i32) -> Result<(), AppError> {
    const ACTION: &str = "reader.revoke";
    let staff = admin_staff(cx, ACTION).await?;
    let reader = reader_in_scope(cx, &staff, ACTION, id).await?;
    let txn = begin_write(&cx.state.db).await?;
    let changed = gate_readers::Entity::update_many()
        .col_expr(gate_readers::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(gate_readers::Column::Id.eq(id))
        .filter(gate_readers::Column::RevokedAt.is_null())
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
            subject: Some(reader.reader_code),
            result: "ok",
            detail: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
