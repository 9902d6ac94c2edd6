//! «系統設定» (issue 16 item 3, SPEC §8): fees, deadlines, card types and the consent
//! notice, for operators only. A request without `confirm` checks and returns the
//! changes (before → after) and writes nothing; with `confirm` the same changes are
//! written in one transaction with an audit row naming each before → after, and this
//! process's settings snapshot is renewed (other instances within its TTL).

use crate::server::db::taken_if_unique;

use super::*;
use crate::school::system_settings::{
    CardTypeInput, CardTypeRow, ConsentInput, ConsentVersionRow, SettingChange, SettingValue,
    SettingsInput, SystemSettings,
};
use crate::server::entities::consent_texts;
use crate::server::settings as config;

/// The numeric settings operators may change: key, default (as in the migration) and
/// the allowed range.
pub const EDITABLE: &[(&str, i64, i64, i64)] = &[
    (config::FEE_LOSS, 20, 0, 2000),
    (config::FEE_REMITTANCE, 10, 0, 500),
    (config::FEE_CHEQUE_POSTAGE, 25, 0, 500),
    ("payment.deadline_days", 7, 1, 60),
    ("payment.grace_days", 30, 0, 365),
    (config::LOSS_LIABILITY_HOURS, 3, 0, 72),
    (config::VERIFICATION_WINDOW_MINUTES, 20, 5, 120),
];

/// The highest card fee (NT$).
const FEE_MAX: i64 = 2000;
/// The longest card type name, in characters.
const CARD_NAME_MAX: usize = 40;
/// The longest consent notice (one language), in characters.
const CONSENT_MAX: usize = 20_000;

/// The operator, or 403 (audited) for anyone else.
async fn operator(cx: &CallContext, action: &str) -> Result<Staff, AppError> {
    let staff = current(cx).await?;
    if !matches!(staff.scope, Scope::All) {
        return Err(deny(cx, &staff, action, None).await);
    }
    Ok(staff)
}

async fn values(conn: &impl ConnectionTrait) -> Result<Vec<SettingValue>, AppError> {
    let mut out = Vec::new();
    for (key, default, min, max) in EDITABLE {
        out.push(SettingValue {
            key: (*key).to_owned(),
            value: config::get_i64(conn, key, *default).await?,
            min: *min,
            max: *max,
        });
    }
    Ok(out)
}

fn card_row(t: card_types::Model) -> CardTypeRow {
    CardTypeRow {
        id: t.id,
        code: t.code,
        level: t.level,
        name_zh: t.name_zh,
        name_en: t.name_en,
        fee: t.fee,
    }
}

/// The settings, card types and consent versions.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (not an operator; audited).
pub async fn system_settings(cx: &CallContext) -> Result<SystemSettings, AppError> {
    operator(cx, "school.settings").await?;
    let db = &cx.state.db;
    let current = config::get(db, config::CONSENT_CURRENT_VERSION).await?;
    let card_types = card_types::Entity::find()
        .order_by_asc(card_types::Column::SortOrder)
        .order_by_asc(card_types::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(card_row)
        .collect();
    let consent_versions = consent_texts::Entity::find()
        .order_by_desc(consent_texts::Column::PublishedAt)
        .order_by_desc(consent_texts::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| ConsentVersionRow {
            current: current.as_deref() == Some(t.version.as_str()),
            version: t.version,
            published_at: t.published_at,
            body_zh: t.body_zh,
        })
        .collect();
    Ok(SystemSettings {
        values: values(db).await?,
        card_types,
        consent_versions,
    })
}

/// A whole number as typed (ASCII or full-width digits, no sign or separators).
fn whole_number(s: &str) -> Option<i64> {
    let digits: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

async fn record_change(
    txn: &DatabaseTransaction,
    cx: &CallContext,
    staff: &Staff,
    action: &str,
    subject: Option<String>,
    changes: &[SettingChange],
) -> Result<(), AppError> {
    let detail = changes
        .iter()
        .map(|c| {
            (
                c.key.clone(),
                serde_json::json!({ "from": c.before, "to": c.after }),
            )
        })
        .collect::<serde_json::Map<_, _>>();
    audit::record(
        txn,
        Some(&cx.client),
        AuditEvent {
            actor: staff.actor(),
            action,
            subject,
            result: "ok",
            detail: Some(serde_json::Value::Object(detail)),
        },
    )
    .await?;
    Ok(())
}

/// Fees and deadlines: each value a whole number in its range (`Validation` keyed by
/// the setting: `required` / `number` / `range`; an unknown key: `unknown`). Returns
/// the changes; writes them only with `confirm`.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (audited); `Validation`.
pub async fn save_settings(
    cx: &CallContext,
    input: SettingsInput,
) -> Result<Vec<SettingChange>, AppError> {
    const ACTION: &str = "settings.update";
    let staff = operator(cx, ACTION).await?;
    let mut errors = crate::error::FieldErrors::new();
    let mut wanted = Vec::new();
    for entry in &input.values {
        let Some((key, _, min, max)) = EDITABLE.iter().find(|(k, ..)| *k == entry.key) else {
            errors.insert(entry.key.chars().take(60).collect(), "unknown".into());
            continue;
        };
        match whole_number(&entry.value) {
            _ if entry.value.trim().is_empty() => {
                errors.insert((*key).into(), "required".into());
            }
            None => {
                errors.insert((*key).into(), "number".into());
            }
            Some(v) if v < *min || v > *max => {
                errors.insert((*key).into(), "range".into());
            }
            Some(v) => wanted.push((*key, v)),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = begin_write(&cx.state.db).await?;
    let now = values(&txn).await?;
    let changes: Vec<SettingChange> = wanted
        .into_iter()
        .filter_map(|(key, v)| {
            let before = now.iter().find(|s| s.key == key)?.value;
            (before != v).then(|| SettingChange {
                key: key.to_owned(),
                before: before.to_string(),
                after: v.to_string(),
            })
        })
        .collect();
    if !input.confirm || changes.is_empty() {
        return Ok(changes);
    }
    for c in &changes {
        config::put(&txn, &c.key, &c.after).await?;
    }
    record_change(&txn, cx, &staff, ACTION, None, &changes).await?;
    txn.commit().await?;
    cx.state.settings.invalidate();
    Ok(changes)
}

fn card_code_ok(code: &str) -> bool {
    (2..=30).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
}

fn text_error(s: &str, max: usize) -> Option<&'static str> {
    if s.trim().is_empty() {
        Some("required")
    } else if s.trim().chars().count() > max {
        Some("too_long")
    } else if s.chars().any(char::is_control) {
        Some("format")
    } else {
        None
    }
}

/// A card type added or changed (`Validation`: `code` `required` / `format` /
/// `taken`; `level` `format`; `name_zh`, `name_en` `required` / `too_long` /
/// `format`; `fee` `required` / `number` / `range`). Returns the changes (a new card
/// type: every field from empty); writes them only with `confirm`. Applications
/// already made keep the fee they were made with.
///
/// # Errors
/// `Unauthorized`; `Forbidden` (audited); `NotFound` (unknown `id`); `Validation`.
pub async fn save_card_type(
    cx: &CallContext,
    input: CardTypeInput,
) -> Result<Vec<SettingChange>, AppError> {
    const ACTION: &str = "settings.card_type";
    let staff = operator(cx, ACTION).await?;
    let mut errors = crate::error::FieldErrors::new();
    let level = input.level.trim();
    if !matches!(level, "primary" | "junior" | "senior") {
        errors.insert("level".into(), "format".into());
    }
    for (field, value) in [("name_zh", &input.name_zh), ("name_en", &input.name_en)] {
        if let Some(e) = text_error(value, CARD_NAME_MAX) {
            errors.insert(field.into(), e.into());
        }
    }
    let fee = match whole_number(&input.fee) {
        _ if input.fee.trim().is_empty() => {
            errors.insert("fee".into(), "required".into());
            0
        }
        None => {
            errors.insert("fee".into(), "number".into());
            0
        }
        Some(v) if v > FEE_MAX => {
            errors.insert("fee".into(), "range".into());
            0
        }
        Some(v) => i32::try_from(v).unwrap_or(0),
    };
    let code = input.code.trim().to_uppercase();
    if input.id.is_none() {
        if code.is_empty() {
            errors.insert("code".into(), "required".into());
        } else if !card_code_ok(&code) {
            errors.insert("code".into(), "format".into());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = begin_write(&cx.state.db).await?;
    let before = match input.id {
        Some(id) => Some(
            card_types::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => {
            if card_types::Entity::find()
                .filter(card_types::Column::Code.eq(code.as_str()))
                .one(&txn)
                .await?
                .is_some()
            {
                return Err(AppError::field("code", "taken"));
            }
            None
        }
    };
    let after = CardTypeRow {
        id: before.as_ref().map_or(0, |b| b.id),
        code: before.as_ref().map_or(code, |b| b.code.clone()),
        level: level.to_owned(),
        name_zh: input.name_zh.trim().to_owned(),
        name_en: input.name_en.trim().to_owned(),
        fee,
    };
    let old = before.clone().map(card_row);
    let field = |key: &str, b: Option<String>, a: String| {
        (b.as_deref() != Some(a.as_str())).then(|| SettingChange {
            key: key.to_owned(),
            before: b.unwrap_or_default(),
            after: a,
        })
    };
    let changes: Vec<SettingChange> = [
        field(
            "code",
            old.as_ref().map(|o| o.code.clone()),
            after.code.clone(),
        ),
        field(
            "level",
            old.as_ref().map(|o| o.level.clone()),
            after.level.clone(),
        ),
        field(
            "name_zh",
            old.as_ref().map(|o| o.name_zh.clone()),
            after.name_zh.clone(),
        ),
        field(
            "name_en",
            old.as_ref().map(|o| o.name_en.clone()),
            after.name_en.clone(),
        ),
        field(
            "fee",
            old.as_ref().map(|o| o.fee.to_string()),
            after.fee.to_string(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !input.confirm || changes.is_empty() {
        return Ok(changes);
    }
    match before {
        Some(b) => {
            let mut row: card_types::ActiveModel = b.into();
            row.level = Set(after.level.clone());
            row.name_zh = Set(after.name_zh.clone());
            row.name_en = Set(after.name_en.clone());
            row.fee = Set(after.fee);
            row.update(&txn).await?;
        }
        None => {
            let last = card_types::Entity::find()
                .order_by_desc(card_types::Column::SortOrder)
                .one(&txn)
                .await?
                .map_or(0, |t| t.sort_order);
            let inserted = card_types::ActiveModel {
                code: Set(after.code.clone()),
                level: Set(after.level.clone()),
                name_zh: Set(after.name_zh.clone()),
                name_en: Set(after.name_en.clone()),
                fee: Set(after.fee),
                sort_order: Set(last + 1),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            inserted.map_err(|e| taken_if_unique(e, "code"))?;
        }
    }
    record_change(&txn, cx, &staff, ACTION, Some(after.code.clone()), &changes).await?;
    txn.commit().await?;
    cx.state.settings.invalidate();
    Ok(changes)
}

fn version_ok(v: &str) -> bool {
    (1..=30).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// The notice's text: required (Chinese and English) or optional (Vietnamese,
/// Indonesian), at most [`CONSENT_MAX`] characters, line breaks allowed.
fn notice_error(s: &str, required: bool) -> Option<&'static str> {
    if s.trim().is_empty() {
        return required.then_some("required");
    }
    if s.chars().count() > CONSENT_MAX {
        Some("too_long")
    } else if s
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        Some("format")
    } else {
        None
    }
}

/// «發布新版本»: checks the notice (`Validation`: `version` `required` / `format` /
/// `taken`; `body_zh`, `body_en` `required` / `too_long` / `format`; `body_vi`,
/// `body_id` `too_long` / `format`); with `confirm` publishes it and makes it the one
/// in force: every consent from now on records it (a wizard that showed the old one
/// is asked to read the new one).
///
/// # Errors
/// `Unauthorized`; `Forbidden` (audited); `Validation`.
pub async fn publish_consent(cx: &CallContext, input: ConsentInput) -> Result<(), AppError> {
    const ACTION: &str = "settings.consent";
    let staff = operator(cx, ACTION).await?;
    let version = input.version.trim().to_owned();
    let mut errors = crate::error::FieldErrors::new();
    if version.is_empty() {
        errors.insert("version".into(), "required".into());
    } else if !version_ok(&version) {
        errors.insert("version".into(), "format".into());
    }
    for (field, text, required) in [
        ("body_zh", &input.body_zh, true),
        ("body_en", &input.body_en, true),
        ("body_vi", &input.body_vi, false),
        ("body_id", &input.body_id, false),
    ] {
        if let Some(e) = notice_error(text, required) {
            errors.insert(field.into(), e.into());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = begin_write(&cx.state.db).await?;
    if consent_texts::Entity::find()
        .filter(consent_texts::Column::Version.eq(version.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::field("version", "taken"));
    }
    if !input.confirm {
        return Ok(());
    }
    let before = config::get(&txn, config::CONSENT_CURRENT_VERSION)
        .await?
        .unwrap_or_default();
    let inserted = consent_texts::ActiveModel {
        version: Set(version.clone()),
        body_zh: Set(input.body_zh.trim().replace("\r\n", "\n")),
        body_en: Set(input.body_en.trim().replace("\r\n", "\n")),
        body_vi: Set(input.body_vi.trim().replace("\r\n", "\n")),
        body_id: Set(input.body_id.trim().replace("\r\n", "\n")),
        published_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    inserted.map_err(|e| taken_if_unique(e, "version"))?;
    config::put(&txn, config::CONSENT_CURRENT_VERSION, &version).await?;
    let change = [SettingChange {
        key: config::CONSENT_CURRENT_VERSION.to_owned(),
        before,
        after: version.clone(),
    }];
    record_change(&txn, cx, &staff, ACTION, Some(version), &change).await?;
    txn.commit().await?;
    cx.state.settings.invalidate();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_typed() {
        assert_eq!(whole_number(" 25 "), Some(25));
        assert_eq!(whole_number("２５"), Some(25));
        for bad in ["", "-1", "2.5", "1e3", "25元", "9999999999"] {
            assert_eq!(whole_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_and_versions() {
        assert!(card_code_ok("KL-PRIMARY"));
        assert!(!card_code_ok("kl primary"));
        assert!(!card_code_ok("K"));
        assert!(version_ok("2026-12-v2"));
        assert!(!version_ok("v 2"));
        assert!(!version_ok("版本二"));
    }

    #[test]
    fn notice_texts() {
        assert_eq!(notice_error("第一條\n第二條", true), None);
        assert_eq!(notice_error("  ", true), Some("required"));
        assert_eq!(notice_error("", false), None);
        assert_eq!(notice_error("a\u{0}b", true), Some("format"));
    }
}
