//! Roster import (SPEC §3, §9): one CSV of students with their current card.
//!
//! Every row is checked before anything is written; if any row is invalid, nothing is
//! written and every problem is reported with its line number. A re-import updates
//! schools, classes, holders (matched by the keyed hash of their ID) and cards
//! (matched by outer number) in place, with a `roster.holder_changed` audit row (masked
//! before → after) per changed holder. A row whose ID belongs to a holder of another
//! school is an error for every importer: moving a student between schools is
//! `server transfer-holder` (`holder_transfer`). The CLI and the back office share
//! this code.

use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use std::collections::{HashMap, HashSet};
use std::fmt;

use super::audit::{self, Actor, AuditEvent};
use super::crypto::{PiiCipher, holder_id_aad};
use super::db::begin_write;
use super::entities::{card_types, cards, classes, holders, schools};
use super::roster_changes::holder_changes;
use crate::domain::id_number::{self, IdKind};
use crate::domain::masking::mask_identifier;

/// The required columns, in order.
pub const COLUMNS: [&str; 16] = [
    "school_code",
    "school_name",
    "district",
    "level",
    "student_no",
    "name",
    "id_no",
    "birth_date",
    "gender",
    "class",
    "seat_no",
    "card_type",
    "card_outer_no",
    "card_status",
    "card_balance",
    "card_issued_on",
];
/// Optional trailing columns.
pub const OPTIONAL_COLUMNS: [&str; 2] = ["guardian_mobile", "guardian_email"];

/// One problem in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub column: String,
    /// In English, for the command line.
    pub problem: String,
    /// A stable code the back office shows in the user's language
    /// (`roster::problem_text`): `required`, `id_checksum`, `repeats`, [`OTHER_SCHOOL`], …
    pub code: &'static str,
    /// The value the code's text names: a line number (`repeats`), a length
    /// (`required`), the expected columns (`header`), …
    pub arg: Option<String>,
}

/// The code of a row whose ID belongs to a holder of another school: an import never
/// moves a student between schools (`server transfer-holder` does, audited).
pub const OTHER_SCHOOL: &str = "other_school";

impl RowError {
    fn other_school(line: u64) -> Self {
        Self {
            line,
            column: "id_no".into(),
            problem: "belongs to a student of another school; use `server transfer-holder`".into(),
            code: OTHER_SCHOOL,
            arg: None,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.column, self.problem)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRow {
    pub card_type: String,
    pub outer_no: String,
    pub status: String,
    pub balance: i32,
    pub issued_on: NaiveDate,
}

/// A row that passed every check, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRow {
    pub line: u64,
    pub school_code: String,
    pub school_name: String,
    pub district: String,
    /// `primary`, `junior` or `senior`.
    pub level: String,
    pub student_no: String,
    pub name: String,
    pub id_no: String,
    pub id_kind: IdKind,
    pub birth_date: NaiveDate,
    pub gender: String,
    pub class: String,
    pub seat_no: i32,
    pub card: Option<CardRow>,
    pub guardian_mobile: Option<String>,
    pub guardian_email: Option<String>,
}

/// The result of reading a file: valid rows and every error found.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<RosterRow>,
    pub errors: Vec<RowError>,
}

/// Counts printed by the CLI and shown by the back office.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub schools_created: usize,
    pub holders_created: usize,
    pub holders_updated: usize,
    pub cards_created: usize,
    pub cards_updated: usize,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows: {} new schools, {} new holders, {} holders updated, {} new cards, {} cards updated",
            self.rows,
            self.schools_created,
            self.holders_created,
            self.holders_updated,
            self.cards_created,
            self.cards_updated
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} invalid row(s); nothing was written", .0.len())]
    Invalid(Vec<RowError>),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// School level words in the roster → stored level codes.
pub fn level_code(word: &str) -> Option<&'static str> {
    match word.trim() {
        "國小" => Some("primary"),
        "國中" => Some("junior"),
        "高中" => Some("senior"),
        _ => None,
    }
}

/// Card types known to the database: code and zh name → (code, level).
pub type CardTypeIndex = HashMap<String, (String, String)>;

/// Loads the card types so rows may name a type by code or by its zh name.
///
/// # Errors
/// Database errors.
pub async fn card_type_index(db: &impl ConnectionTrait) -> Result<CardTypeIndex, DbErr> {
    let mut index = CardTypeIndex::new();
    for t in card_types::Entity::find().all(db).await? {
        index.insert(t.code.clone(), (t.code.clone(), t.level.clone()));
        index.insert(t.name_zh.clone(), (t.code.clone(), t.level.clone()));
    }
    Ok(index)
}

/// The problem code of an invalid ID (`id_number`'s error code, prefixed).
fn id_problem(code: &str) -> &'static str {
    match code {
        "required" => "id_required",
        "gender" => "id_gender",
        "checksum" => "id_checksum",
        "foreign_format" => "id_foreign_format",
        _ => "id_format",
    }
}

pub(crate) fn is_code(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.chars().count() <= max
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks every row of a roster file. Pure: no database access, so it is unit-tested
/// row by row; cross-checks against stored data happen in [`import`].
pub fn parse(bytes: &[u8], card_types: &CardTypeIndex) -> Parsed {
    let mut parsed = Parsed::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            parsed.errors.push(RowError {
                line: 1,
                column: "header".into(),
                problem: format!("unreadable: {e}"),
                code: "unreadable",
                arg: None,
            });
            return parsed;
        }
    };
    let expected_ok = header.len() >= COLUMNS.len()
        && header.iter().zip(COLUMNS).all(|(h, c)| h == c)
        && header[COLUMNS.len()..]
            .iter()
            .zip(OPTIONAL_COLUMNS)
            .all(|(h, c)| h == c)
        && header.len() <= COLUMNS.len() + OPTIONAL_COLUMNS.len();
    if !expected_ok {
        parsed.errors.push(RowError {
            line: 1,
            column: "header".into(),
            problem: format!(
                "expected columns {} (optionally followed by {})",
                COLUMNS.join(","),
                OPTIONAL_COLUMNS.join(",")
            ),
            code: "header",
            arg: Some(format!(
                "{} ({})",
                COLUMNS.join(","),
                OPTIONAL_COLUMNS.join(",")
            )),
        });
        return parsed;
    }
    let mut seen_students: HashMap<(String, String), u64> = HashMap::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut seen_cards: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                parsed.errors.push(RowError {
                    line,
                    column: "row".into(),
                    problem: format!("unreadable: {e}"),
                    code: "unreadable",
                    arg: None,
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != header.len() {
            parsed.errors.push(RowError {
                line,
                column: "row".into(),
                problem: format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    header.len()
                ),
                code: "field_count",
                arg: Some(record.len().to_string()),
            });
            continue;
        }
        let get = |i: usize| record.get(i).unwrap_or("").to_owned();
        let mut errs = Vec::new();
        let mut err = |column: &str, code: &'static str, arg: Option<String>, problem: &str| {
            errs.push(RowError {
                line,
                column: column.into(),
                problem: problem.into(),
                code,
                arg,
            });
        };

        let school_code = get(0);
        if !is_code(&school_code, 20) {
            err(
                "school_code",
                "code_format",
                None,
                "must be 1–20 letters or digits",
            );
        }
        let school_name = get(1);
        if school_name.is_empty() || school_name.chars().count() > 60 {
            err(
                "school_name",
                "required",
                Some("60".into()),
                "is required (at most 60 characters)",
            );
        }
        let district = get(2);
        if district.is_empty() || district.chars().count() > 20 {
            err(
                "district",
                "required",
                Some("20".into()),
                "is required (at most 20 characters)",
            );
        }
        let level = level_code(&get(3));
        if level.is_none() {
            err("level", "level", None, "must be 國小, 國中 or 高中");
        }
        let student_no = get(4);
        if !is_code(&student_no, 20) {
            err(
                "student_no",
                "code_format",
                None,
                "must be 1–20 letters or digits",
            );
        }
        let name = get(5);
        if name.is_empty() || name.chars().count() > 40 {
            err(
                "name",
                "required",
                Some("40".into()),
                "is required (at most 40 characters)",
            );
        }
        let id_no = id_number::normalize(&get(6));
        let id_kind = match id_number::validate_any(&id_no) {
            Ok(k) => Some(k),
            Err(e) => {
                err(
                    "id_no",
                    id_problem(e.code()),
                    None,
                    &format!("is not a valid ID ({})", e.code()),
                );
                None
            }
        };
        let birth_date = NaiveDate::parse_from_str(&get(7), "%Y-%m-%d").ok();
        match birth_date {
            None => err("birth_date", "date", None, "must be a date YYYY-MM-DD"),
            Some(d) if d > Utc::now().date_naive() || d.year() < 1950 => {
                err(
                    "birth_date",
                    "birth_implausible",
                    None,
                    "is not a plausible birth date",
                );
            }
            Some(_) => {}
        }
        let gender = get(8);
        if gender != "M" && gender != "F" {
            err("gender", "gender", None, "must be M or F");
        } else if id_kind == Some(IdKind::National) {
            let expected = if id_no.as_bytes().get(1) == Some(&b'1') {
                "M"
            } else {
                "F"
            };
            if gender != expected {
                err(
                    "gender",
                    "gender_mismatch",
                    None,
                    "does not match the ID's second digit",
                );
            }
        }
        let class = get(9);
        if class.is_empty() || class.chars().count() > 20 {
            err(
                "class",
                "required",
                Some("20".into()),
                "is required (at most 20 characters)",
            );
        }
        let seat_no = get(10).parse::<i32>().ok().filter(|n| (1..=99).contains(n));
        if seat_no.is_none() {
            err("seat_no", "seat_no", None, "must be a number from 1 to 99");
        }
        let status = get(13);
        let card = match status.as_str() {
            "none" => None,
            "active" | "stopped" => {
                let card_type = card_types.get(&get(11));
                match (card_type, level) {
                    (None, _) => err(
                        "card_type",
                        "card_type_unknown",
                        None,
                        "is not a configured card type",
                    ),
                    (Some((_, t_level)), Some(level)) if t_level != level => {
                        err(
                            "card_type",
                            "card_type_level",
                            None,
                            "does not belong to this school level",
                        );
                    }
                    _ => {}
                }
                let outer_no = get(12);
                if !(6..=20).contains(&outer_no.len())
                    || !outer_no.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    err(
                        "card_outer_no",
                        "outer_no",
                        None,
                        "must be 6–20 letters or digits",
                    );
                }
                let balance = get(14).parse::<i32>().ok().filter(|b| *b >= 0);
                if balance.is_none() {
                    err(
                        "card_balance",
                        "balance",
                        None,
                        "must be a whole number of NT$ (0 or more)",
                    );
                }
                let issued_on = NaiveDate::parse_from_str(&get(15), "%Y-%m-%d").ok();
                if issued_on.is_none() {
                    err("card_issued_on", "date", None, "must be a date YYYY-MM-DD");
                }
                match (card_type, balance, issued_on) {
                    (Some((code, _)), Some(balance), Some(issued_on)) => Some(CardRow {
                        card_type: code.clone(),
                        outer_no,
                        status: status.clone(),
                        balance,
                        issued_on,
                    }),
                    _ => None,
                }
            }
            _ => {
                err(
                    "card_status",
                    "card_status",
                    None,
                    "must be active, stopped or none",
                );
                None
            }
        };
        let optional = |i: usize| record.get(i).map(str::to_owned).filter(|v| !v.is_empty());
        let guardian_mobile = optional(16);
        if let Some(m) = &guardian_mobile
            && !(m.len() == 10 && m.starts_with("09") && m.chars().all(|c| c.is_ascii_digit()))
        {
            err(
                "guardian_mobile",
                "mobile",
                None,
                "must be a mobile number 09xxxxxxxx",
            );
        }
        let guardian_email = optional(17);
        if let Some(e) = &guardian_email
            && !validator::ValidateEmail::validate_email(e)
        {
            err("guardian_email", "email", None, "is not an e-mail address");
        }
        if let Some(&first) = seen_students.get(&(school_code.clone(), student_no.clone())) {
            err(
                "student_no",
                "repeats",
                Some(first.to_string()),
                &format!("repeats line {first}"),
            );
        }
        if let Some(&first) = seen_ids.get(&id_no) {
            err(
                "id_no",
                "repeats",
                Some(first.to_string()),
                &format!("repeats line {first}"),
            );
        }
        if let Some(c) = &card
            && let Some(&first) = seen_cards.get(&c.outer_no)
        {
            err(
                "card_outer_no",
                "repeats",
                Some(first.to_string()),
                &format!("repeats line {first}"),
            );
        }
        seen_students
            .entry((school_code.clone(), student_no.clone()))
            .or_insert(line);
        seen_ids.entry(id_no.clone()).or_insert(line);
        if let Some(c) = &card {
            seen_cards.entry(c.outer_no.clone()).or_insert(line);
        }

        if errs.is_empty() {
            if let (Some(level), Some(id_kind), Some(birth_date), Some(seat_no)) =
                (level, id_kind, birth_date, seat_no)
            {
                parsed.rows.push(RosterRow {
                    line,
                    school_code,
                    school_name,
                    district,
                    level: level.into(),
                    student_no,
                    name,
                    id_no,
                    id_kind,
                    birth_date,
                    gender,
                    class,
                    seat_no,
                    card,
                    guardian_mobile,
                    guardian_email,
                });
            }
        } else {
            parsed.errors.extend(errs);
        }
    }
    if parsed.rows.is_empty() && parsed.errors.is_empty() {
        parsed.errors.push(RowError {
            line: 1,
            column: "file".into(),
            problem: "has no student rows".into(),
            code: "no_rows",
            arg: None,
        });
    }
    parsed
}

/// The rows whose ID belongs to a holder of another school than the row's: the
/// back office's preview lists them before anything is confirmed; [`import`] refuses
/// the same rows.
///
/// # Errors
/// Database errors.
pub async fn other_school_rows(
    db: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rows: &[RosterRow],
) -> Result<Vec<RowError>, DbErr> {
    let hashes: Vec<String> = rows
        .iter()
        .map(|r| cipher.keyed_hash("holder.id_no", &r.id_no))
        .collect();
    let mut school_of: HashMap<String, i32> = HashMap::new();
    for chunk in hashes.chunks(500) {
        for h in holders::Entity::find()
            .filter(holders::Column::IdNoHash.is_in(chunk.iter().cloned()))
            .all(db)
            .await?
        {
            school_of.insert(h.id_no_hash, h.school_id);
        }
    }
    if school_of.is_empty() {
        return Ok(Vec::new());
    }
    let codes: HashMap<i32, String> = schools::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    Ok(rows
        .iter()
        .zip(&hashes)
        .filter(|(row, hash)| {
            school_of
                .get(*hash)
                .is_some_and(|id| codes.get(id) != Some(&row.school_code))
        })
        .map(|(row, _)| RowError::other_school(row.line))
        .collect())
}

/// Reads, checks and applies a roster file in one transaction: all rows or none.
///
/// # Errors
/// `Invalid` with every row error (nothing written), or a database error.
pub async fn import(
    db: &DatabaseConnection,
    cipher: &PiiCipher,
    bytes: &[u8],
    actor: Actor,
) -> Result<ImportSummary, ImportError> {
    let types = card_type_index(db).await?;
    let parsed = parse(bytes, &types);
    if !parsed.errors.is_empty() {
        return Err(ImportError::Invalid(parsed.errors));
    }
    let txn = begin_write(db).await?;
    let mut conflicts = Vec::new();
    let mut summary = ImportSummary {
        rows: parsed.rows.len(),
        ..Default::default()
    };
    let mut school_ids: HashMap<String, i32> = HashMap::new();
    let mut class_ids: HashMap<(i32, String), i32> = HashMap::new();
    let mut touched_students: HashSet<(i32, String)> = HashSet::new();
    let now = Utc::now();
    for row in &parsed.rows {
        // School: by code, updated in place.
        let school_id = if let Some(id) = school_ids.get(&row.school_code) {
            *id
        } else {
            let existing = schools::Entity::find()
                .filter(schools::Column::Code.eq(row.school_code.clone()))
                .one(&txn)
                .await?;
            let id = match existing {
                Some(s) => {
                    let mut s: schools::ActiveModel = s.into();
                    s.name = Set(row.school_name.clone());
                    s.district = Set(row.district.clone());
                    s.level = Set(row.level.clone());
                    s.update(&txn).await?.id
                }
                None => {
                    summary.schools_created += 1;
                    schools::ActiveModel {
                        code: Set(row.school_code.clone()),
                        name: Set(row.school_name.clone()),
                        district: Set(row.district.clone()),
                        level: Set(row.level.clone()),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                    .id
                }
            };
            school_ids.insert(row.school_code.clone(), id);
            id
        };
        let class_key = (school_id, row.class.clone());
        let class_id = if let Some(id) = class_ids.get(&class_key) {
            *id
        } else {
            let id = match classes::Entity::find()
                .filter(classes::Column::SchoolId.eq(school_id))
                .filter(classes::Column::Name.eq(row.class.clone()))
                .one(&txn)
                .await?
            {
                Some(c) => c.id,
                None => {
                    classes::ActiveModel {
                        school_id: Set(school_id),
                        name: Set(row.class.clone()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                    .id
                }
            };
            class_ids.insert(class_key, id);
            id
        };
        touched_students.insert((school_id, row.student_no.clone()));

        // Holder: by the keyed hash of the ID, and only within the row's school: a
        // holder of another school is never moved or rewritten by an import.
        let id_hash = cipher.keyed_hash("holder.id_no", &row.id_no);
        let existing = holders::Entity::find()
            .filter(holders::Column::IdNoHash.eq(id_hash.clone()))
            .one(&txn)
            .await?;
        if existing.as_ref().is_some_and(|h| h.school_id != school_id) {
            conflicts.push(RowError::other_school(row.line));
            continue;
        }
        let same_student = holders::Entity::find()
            .filter(holders::Column::SchoolId.eq(school_id))
            .filter(holders::Column::StudentNo.eq(row.student_no.clone()))
            .one(&txn)
            .await?;
        if let Some(other) = &same_student
            && other.id_no_hash != id_hash
        {
            conflicts.push(RowError {
                line: row.line,
                column: "student_no".into(),
                problem: "belongs to another student of this school already".into(),
                code: "student_no_taken",
                arg: None,
            });
            continue;
        }
        let aad = holder_id_aad(&id_hash);
        let mobile = row
            .guardian_mobile
            .as_ref()
            .map(|m| cipher.encrypt(m, &format!("holders.guardian_mobile:{id_hash}")));
        let email = row
            .guardian_email
            .as_ref()
            .map(|m| cipher.encrypt(m, &format!("holders.guardian_email:{id_hash}")));
        let holder_id = match existing {
            Some(before) => {
                summary.holders_updated += 1;
                let classes = if before.class_id == class_id {
                    (row.class.clone(), row.class.clone())
                } else {
                    let old = classes::Entity::find_by_id(before.class_id)
                        .one(&txn)
                        .await?
                        .map(|c| c.name)
                        .unwrap_or_default();
                    (old, row.class.clone())
                };
                if let Some(changes) =
                    holder_changes(cipher, &before, (&classes.0, &classes.1), row)
                {
                    audit::record(
                        &txn,
                        None,
                        AuditEvent {
                            actor: actor.clone(),
                            action: "roster.holder_changed",
                            subject: Some(mask_identifier(&row.id_no)),
                            result: "ok",
                            detail: Some(serde_json::json!({
                                "line": row.line,
                                "school": row.school_code,
                                "changes": changes,
                            })),
                        },
                    )
                    .await?;
                }
                let mut h: holders::ActiveModel = before.into();
                h.class_id = Set(class_id);
                h.student_no = Set(row.student_no.clone());
                h.name = Set(row.name.clone());
                h.id_kind = Set(row.id_kind.as_str().into());
                h.birth_date = Set(row.birth_date);
                h.gender = Set(row.gender.clone());
                h.seat_no = Set(row.seat_no);
                h.guardian_mobile_enc = Set(mobile);
                h.guardian_email_enc = Set(email);
                h.updated_at = Set(now);
                h.update(&txn).await?.id
            }
            None => {
                summary.holders_created += 1;
                holders::ActiveModel {
                    school_id: Set(school_id),
                    class_id: Set(class_id),
                    student_no: Set(row.student_no.clone()),
                    name: Set(row.name.clone()),
                    id_kind: Set(row.id_kind.as_str().into()),
                    id_no_enc: Set(cipher.encrypt(&row.id_no, &aad)),
                    id_no_hash: Set(id_hash.clone()),
                    birth_date: Set(row.birth_date),
                    gender: Set(row.gender.clone()),
                    seat_no: Set(row.seat_no),
                    guardian_mobile_enc: Set(mobile),
                    guardian_email_enc: Set(email),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id
            }
        };

        // Card: by outer number, updated in place.
        if let Some(card) = &row.card {
            let existing = cards::Entity::find()
                .filter(cards::Column::OuterNo.eq(card.outer_no.clone()))
                .one(&txn)
                .await?;
            match existing {
                Some(c) if c.holder_id != holder_id => conflicts.push(RowError {
                    line: row.line,
                    column: "card_outer_no".into(),
                    problem: format!(
                        "card {} belongs to another holder",
                        mask_identifier(&card.outer_no)
                    ),
                    code: "card_taken",
                    arg: Some(mask_identifier(&card.outer_no)),
                }),
                Some(c) => {
                    summary.cards_updated += 1;
                    let was_stopped = c.stopped_at.is_some();
                    let mut c: cards::ActiveModel = c.into();
                    c.card_type = Set(card.card_type.clone());
                    c.status = Set(card.status.clone());
                    c.balance = Set(card.balance);
                    c.issued_on = Set(card.issued_on);
                    if card.status == "stopped" && !was_stopped {
                        c.stopped_at = Set(Some(now));
                    }
                    c.updated_at = Set(now);
                    c.update(&txn).await?;
                }
                None => {
                    summary.cards_created += 1;
                    cards::ActiveModel {
                        holder_id: Set(holder_id),
                        card_type: Set(card.card_type.clone()),
                        outer_no: Set(card.outer_no.clone()),
                        status: Set(card.status.clone()),
                        balance: Set(card.balance),
                        issued_on: Set(card.issued_on),
                        locked_at: Set(None),
                        stopped_at: Set((card.status == "stopped").then_some(now)),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
            }
        }
    }
    if !conflicts.is_empty() {
        txn.rollback().await?;
        return Err(ImportError::Invalid(conflicts));
    }
    audit::record(
        &txn,
        None,
        AuditEvent {
            actor,
            action: "roster.import",
            subject: None,
            result: "ok",
            detail: Some(serde_json::json!({
                "rows": summary.rows,
                "holders_created": summary.holders_created,
                "holders_updated": summary.holders_updated,
                "cards_created": summary.cards_created,
                "cards_updated": summary.cards_updated,
            })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types() -> CardTypeIndex {
        let mut t = CardTypeIndex::new();
        for (code, zh, level) in [
            ("KL-PRIMARY", "基隆市樂學卡(小學)", "primary"),
            ("KL-JUNIOR", "基隆市樂學卡(中學)", "junior"),
        ] {
            t.insert(code.into(), (code.into(), level.into()));
            t.insert(zh.into(), (code.into(), level.into()));
        }
        t
    }

    const HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on";
    const GOOD: &str = "173601,基隆市立仁愛國小,仁愛區,國小,110001,林雨晴,A223456781,2015-03-14,F,501,12,基隆市樂學卡(小學),0512345678,active,230,2021-09-01";

    #[test]
    fn a_good_file_parses_with_a_bom_and_optional_columns() {
        let file = format!(
            "\u{feff}{HEADER},guardian_mobile,guardian_email\n{GOOD},0912345678,mom@example.com\n"
        );
        let p = parse(file.as_bytes(), &types());
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.rows.len(), 1);
        let r = &p.rows[0];
        assert_eq!(r.level, "primary");
        assert_eq!(
            r.card.as_ref().map(|c| c.card_type.as_str()),
            Some("KL-PRIMARY")
        );
        assert_eq!(r.guardian_mobile.as_deref(), Some("0912345678"));
    }

    fn errors_for(row: &str) -> Vec<(u64, String)> {
        let file = format!("{HEADER}\n{GOOD}\n{row}\n");
        parse(file.as_bytes(), &types())
            .errors
            .into_iter()
            .map(|e| (e.line, e.column))
            .collect()
    }

    #[test]
    fn each_kind_of_bad_row_is_reported_with_its_line_and_column() {
        let replace = |col: usize, value: &str| {
            let mut f: Vec<&str> = GOOD.split(',').collect();
            f[col] = value;
            // a different student, ID and card so only the tested column is wrong
            if col != 4 {
                f[4] = "110002";
            }
            if col != 6 {
                f[6] = "A123456789";
                f[8] = if col == 8 { value } else { "M" };
            }
            if col != 12 {
                f[12] = "0512345679";
            }
            f.join(",")
        };
        let cases: &[(usize, &str, &str)] = &[
            (0, "", "school_code"),
            (3, "大學", "level"),
            (4, "110001", "student_no"),
            (5, "", "name"),
            (6, "A123456788", "id_no"),
            (7, "2015/03/14", "birth_date"),
            (7, "2099-01-01", "birth_date"),
            (8, "X", "gender"),
            (9, "", "class"),
            (10, "abc", "seat_no"),
            (11, "不存在的卡", "card_type"),
            (11, "KL-JUNIOR", "card_type"),
            (12, "12", "card_outer_no"),
            (12, "0512345678", "card_outer_no"),
            (13, "lost", "card_status"),
            (14, "-5", "card_balance"),
            (15, "soon", "card_issued_on"),
        ];
        for (col, value, column) in cases {
            let errs = errors_for(&replace(*col, value));
            assert!(
                errs.contains(&(3, (*column).to_string())),
                "column {col} = {value:?}: got {errs:?}"
            );
        }
        // the same ID twice
        let errs = errors_for(
            &GOOD
                .replace("110001", "110009")
                .replace("0512345678", "0599999999"),
        );
        assert!(errs.contains(&(3, "id_no".into())), "{errs:?}");
        // the gender must match a national ID
        let errs = errors_for(&replace(8, "F"));
        assert!(errs.contains(&(3, "gender".into())), "{errs:?}");
    }

    #[test]
    fn wrong_header_and_short_rows_are_errors() {
        let p = parse(b"a,b,c\n1,2,3\n", &types());
        assert_eq!(p.errors[0].line, 1);
        let file = format!("{HEADER}\n173601,x\n");
        let p = parse(file.as_bytes(), &types());
        assert_eq!(p.errors[0].line, 2);
        assert_eq!(p.errors[0].column, "row");
        let p = parse(format!("{HEADER}\n").as_bytes(), &types());
        assert_eq!(p.errors[0].column, "file");
    }

    #[test]
    fn a_student_without_a_card_needs_no_card_fields() {
        let file = format!(
            "{HEADER}\n173601,基隆市立仁愛國小,仁愛區,國小,110003,陳小明,A123456789,2015-05-01,M,501,3,,,none,,\n"
        );
        let p = parse(file.as_bytes(), &types());
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.rows[0].card, None);
    }
}
