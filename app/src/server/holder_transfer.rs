//! `server transfer-holder`: the one way a card holder moves to another school.
//!
//! A roster import never moves a holder between schools (a school's file could
//! otherwise take over another school's student and their guardian contact); a
//! transfer is an explicit command of the operator, audited as `holder.transfer` with
//! the school, class and student number before and after.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use super::audit::{self, Actor, AuditEvent};
use super::crypto::PiiCipher;
use super::db::begin_write;
use super::entities::{classes, holders, schools};
use super::roster::is_code;
use crate::domain::id_number;
use crate::domain::masking::mask_identifier;

/// What to move where.
#[derive(Clone, Debug)]
pub struct Transfer {
    /// The holder's national or resident ID.
    pub id_no: String,
    /// The code of the school the holder moves to.
    pub to_school: String,
    /// The class there (created when the school has none of that name yet).
    pub class: String,
    /// The student number there; the current one when `None`.
    pub student_no: Option<String>,
}

/// Where the holder was and is now: (school code, class, student number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transferred {
    pub masked_id: String,
    pub from: (String, String, String),
    pub to: (String, String, String),
}

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("--id-no is not a valid ID")]
    InvalidId,
    #[error("--class must be 1–20 characters; --student-no 1–20 letters or digits")]
    InvalidField,
    #[error("no holder has this ID")]
    UnknownHolder,
    #[error("no school with code {0}")]
    UnknownSchool(String),
    #[error("the holder is already at school {0}; a roster import changes the class")]
    SameSchool(String),
    #[error("student number {0} is taken at school {1}")]
    StudentNoTaken(String, String),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// Moves the holder with `t.id_no` to another school, class and student number in one
/// transaction with its audit row. Cards, bindings and contacts stay with the holder.
///
/// # Errors
/// `InvalidId`, `InvalidField`, `UnknownHolder`, `UnknownSchool`, `SameSchool`,
/// `StudentNoTaken`, or a database error; nothing is written then.
pub async fn transfer_holder(
    db: &DatabaseConnection,
    cipher: &PiiCipher,
    t: &Transfer,
    actor: Actor,
) -> Result<Transferred, TransferError> {
    let id_no = id_number::normalize(&t.id_no);
    if id_number::validate_any(&id_no).is_err() {
        return Err(TransferError::InvalidId);
    }
    let class = t.class.trim();
    let student_no = t.student_no.as_deref().map(str::trim);
    if class.is_empty() || class.chars().count() > 20 || student_no.is_some_and(|n| !is_code(n, 20))
    {
        return Err(TransferError::InvalidField);
    }
    let txn = begin_write(db).await?;
    let holder = holders::Entity::find()
        .filter(holders::Column::IdNoHash.eq(cipher.keyed_hash("holder.id_no", &id_no)))
        .one(&txn)
        .await?
        .ok_or(TransferError::UnknownHolder)?;
    let to_school = schools::Entity::find()
        .filter(schools::Column::Code.eq(t.to_school.trim()))
        .one(&txn)
        .await?
        .ok_or_else(|| TransferError::UnknownSchool(t.to_school.trim().to_owned()))?;
    let from_school = schools::Entity::find_by_id(holder.school_id)
        .one(&txn)
        .await?
        .map(|s| s.code)
        .unwrap_or_default();
    if to_school.id == holder.school_id {
        return Err(TransferError::SameSchool(from_school));
    }
    let from_class = classes::Entity::find_by_id(holder.class_id)
        .one(&txn)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let student_no = student_no.unwrap_or(&holder.student_no).to_owned();
    if holders::Entity::find()
        .filter(holders::Column::SchoolId.eq(to_school.id))
        .filter(holders::Column::StudentNo.eq(student_no.clone()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(TransferError::StudentNoTaken(student_no, to_school.code));
    }
    let class_id = match classes::Entity::find()
        .filter(classes::Column::SchoolId.eq(to_school.id))
        .filter(classes::Column::Name.eq(class))
        .one(&txn)
        .await?
    {
        Some(c) => c.id,
        None => {
            classes::ActiveModel {
                school_id: Set(to_school.id),
                name: Set(class.to_owned()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    let from = (from_school, from_class, holder.student_no.clone());
    let to = (to_school.code.clone(), class.to_owned(), student_no.clone());
    let mut row: holders::ActiveModel = holder.into();
    row.school_id = Set(to_school.id);
    row.class_id = Set(class_id);
    row.student_no = Set(student_no);
    row.updated_at = Set(Utc::now());
    row.update(&txn).await?;
    let masked_id = mask_identifier(&id_no);
    let place = |(school, class, student_no): &(String, String, String)| serde_json::json!({ "school": school, "class": class, "student_no": student_no });
    audit::record(
        &txn,
        None,
        AuditEvent {
            actor,
            action: "holder.transfer",
            subject: Some(masked_id.clone()),
            result: "ok",
            detail: Some(serde_json::json!({ "from": place(&from), "to": place(&to) })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Transferred {
        masked_id,
        from,
        to,
    })
}
