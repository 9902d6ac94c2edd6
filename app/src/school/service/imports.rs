//! Roster and payment uploads: the same code paths as the CLI.

use super::*;

/// Roster import from the back office: the same checks as `server import-roster`;
/// `confirm` false only previews. An officer may import rows of their own school
/// only; operators any. Teachers may not import.
///
/// # Errors
/// `Unauthorized`, `Forbidden`.
pub async fn roster_import(
    cx: &CallContext,
    csv: &str,
    confirm: bool,
) -> Result<RosterPreview, AppError> {
    let staff = current(cx).await?;
    if staff.is("teacher") {
        return Err(deny(cx, &staff, "school.roster_import", None).await);
    }
    let db = &cx.state.db;
    let types = roster::card_type_index(db).await?;
    let parsed = roster::parse(csv.as_bytes(), &types);
    let line_error = |e: roster::RowError| RosterLineError {
        line: u32::try_from(e.line).unwrap_or(0),
        column: e.column,
        problem: e.problem,
        code: e.code.to_owned(),
        arg: e.arg,
    };
    let mut errors: Vec<RosterLineError> = parsed.errors.iter().cloned().map(line_error).collect();
    if let Scope::School { school_id } = staff.scope {
        let own = schools::Entity::find_by_id(school_id)
            .one(db)
            .await?
            .map(|s| s.code)
            .unwrap_or_default();
        for r in &parsed.rows {
            if r.school_code != own {
                errors.push(RosterLineError {
                    line: u32::try_from(r.line).unwrap_or(0),
                    column: "school_code".into(),
                    problem: format!("is not your school ({own})"),
                    code: "not_your_school".into(),
                    arg: Some(own.clone()),
                });
            }
        }
    }
    // A student of another school is never taken over by an import (a transfer is).
    errors.extend(
        roster::other_school_rows(db, &cx.state.cipher, &parsed.rows)
            .await?
            .into_iter()
            .map(line_error),
    );
    errors.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
    let schools: std::collections::HashSet<&str> =
        parsed.rows.iter().map(|r| r.school_code.as_str()).collect();
    let classes: std::collections::HashSet<(&str, &str)> = parsed
        .rows
        .iter()
        .map(|r| (r.school_code.as_str(), r.class.as_str()))
        .collect();
    let mut preview = RosterPreview {
        rows: u32::try_from(parsed.rows.len()).unwrap_or(0),
        schools: u32::try_from(schools.len()).unwrap_or(0),
        classes: u32::try_from(classes.len()).unwrap_or(0),
        first_rows: parsed
            .rows
            .iter()
            .take(5)
            .map(|r| {
                (
                    r.student_no.clone(),
                    mask_name(&r.name),
                    r.class.clone(),
                    r.card
                        .as_ref()
                        .map_or_else(|| "none".into(), |c| c.status.clone()),
                )
            })
            .collect(),
        errors,
        imported: None,
    };
    if confirm && preview.errors.is_empty() {
        match roster::import(db, &cx.state.cipher, csv.as_bytes(), staff.actor()).await {
            Ok(summary) => preview.imported = Some(summary.to_string()),
            Err(roster::ImportError::Invalid(errs)) => {
                preview.errors = errs.into_iter().map(line_error).collect();
            }
            Err(e) => return Err(internal(e)),
        }
    }
    Ok(preview)
}

/// Payment reconciliation from the back office (operators only): the same code path
/// as `server import-payments`; `confirm` false only previews.
///
/// # Errors
/// `Unauthorized`, `Forbidden`, `Validation` on `file` with every bad line.
pub async fn payment_import(
    cx: &CallContext,
    csv: &str,
    confirm: bool,
) -> Result<ReconciliationReport, AppError> {
    let staff = current(cx).await?;
    if !staff.is("operator") {
        return Err(deny(cx, &staff, "school.payment_import", None).await);
    }
    let records = payments::parse_csv(csv.as_bytes()).map_err(|errors| {
        let mut f = crate::error::FieldErrors::new();
        f.insert(
            "file".into(),
            errors
                .iter()
                .map(|e| format!("line {}: {}", e.line, e.problem))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        AppError::Validation(f)
    })?;
    payments::reconcile(
        &cx.state,
        &records,
        staff.actor(),
        Some(&cx.client),
        !confirm,
    )
    .await
    .map_err(internal)
}
