//! «系統設定» (issue 16 item 3, SPEC §8): the configuration data operators change in
//! the browser instead of the database — fees and deadlines, card types per school
//! level, and the consent notice as a new version. Every change is first previewed
//! (before → after, or the text as parents will read it), then confirmed; each
//! confirmed change is one transaction with its audit row. Operators only: teachers
//! and officers are refused (403, audited).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One numeric setting: its key, value and allowed range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingValue {
    pub key: String,
    pub value: i64,
    pub min: i64,
    pub max: i64,
}

/// One card type (SPEC §8: card types per school level, with the replacement fee).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTypeRow {
    pub id: i32,
    pub code: String,
    /// `primary`, `junior` or `senior`.
    pub level: String,
    pub name_zh: String,
    pub name_en: String,
    pub fee: i32,
}

/// One published version of the consent notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentVersionRow {
    pub version: String,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub published_at: DateTime<Utc>,
    pub current: bool,
    pub body_zh: String,
}

/// What «系統設定» shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSettings {
    pub values: Vec<SettingValue>,
    pub card_types: Vec<CardTypeRow>,
    /// Newest first.
    pub consent_versions: Vec<ConsentVersionRow>,
}

/// A setting to change (the value as typed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingEntry {
    pub key: String,
    pub value: String,
}

/// «預覽變更» (`confirm: false`: nothing is written) or «確認儲存».
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub values: Vec<SettingEntry>,
    #[serde(default)]
    pub confirm: bool,
}

/// One change: before → after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingChange {
    pub key: String,
    pub before: String,
    pub after: String,
}

/// A card type to add (`id: None`) or change; `code` is fixed once created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CardTypeInput {
    #[serde(default)]
    pub id: Option<i32>,
    #[serde(default)]
    pub code: String,
    pub level: String,
    pub name_zh: String,
    pub name_en: String,
    /// NT$, as typed.
    pub fee: String,
    #[serde(default)]
    pub confirm: bool,
}

/// A new version of the consent notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub version: String,
    pub body_zh: String,
    pub body_en: String,
    /// Empty: Vietnamese-speaking parents read the Chinese.
    #[serde(default)]
    pub body_vi: String,
    #[serde(default)]
    pub body_id: String,
    #[serde(default)]
    pub confirm: bool,
}

/// The settings, card types and consent versions.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/settings", input = server_fn::codec::Json)]
pub async fn load_system_settings() -> Result<SystemSettings, AppError> {
    crate::server::context::serve(async |cx| super::service::system_settings(&cx).await).await
}

/// Fees and deadlines: the changes (previewed, or written with `confirm`).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/settings-save", input = server_fn::codec::Json)]
pub async fn save_settings(input: SettingsInput) -> Result<Vec<SettingChange>, AppError> {
    crate::server::context::serve(async |cx| super::service::save_settings(&cx, input).await).await
}

/// A card type: the changes (previewed, or written with `confirm`).
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/card-type-save", input = server_fn::codec::Json)]
pub async fn save_card_type(input: CardTypeInput) -> Result<Vec<SettingChange>, AppError> {
    crate::server::context::serve(async |cx| super::service::save_card_type(&cx, input).await).await
}

/// «發布新版本» of the consent notice (checked only, or published with `confirm`):
/// from then on every consent records the new version.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/consent-publish", input = server_fn::codec::Json)]
pub async fn publish_consent(input: ConsentInput) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::publish_consent(&cx, input).await)
        .await
}
