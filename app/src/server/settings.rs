//! Configuration values stored in the `settings` table (defaults from a migration).

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use super::entities::settings;

pub const FEE_LOSS: &str = "fee.loss";
pub const FEE_REMITTANCE: &str = "fee.remittance";
pub const FEE_CHEQUE_POSTAGE: &str = "fee.cheque_postage";
pub const LOSS_LIABILITY_HOURS: &str = "loss.liability_hours";
pub const VERIFICATION_WINDOW_MINUTES: &str = "verification.window_minutes";
pub const CONSENT_CURRENT_VERSION: &str = "consent.current_version";

/// Reads a setting; `None` when it is absent.
///
/// # Errors
/// Database errors.
pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(settings::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .map(|m| m.value))
}

/// Reads an integer setting, falling back to `default` when absent or unreadable.
///
/// # Errors
/// Database errors.
pub async fn get_i64(db: &impl ConnectionTrait, key: &str, default: i64) -> Result<i64, DbErr> {
    Ok(get(db, key)
        .await?
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default))
}

async fn setting_text(conn: &impl ConnectionTrait, key: &str, default: &str) -> String {
    match get(conn, key).await {
        Ok(Some(v)) if !v.trim().is_empty() => v.trim().to_owned(),
        _ => default.to_owned(),
    }
}

async fn setting_days(conn: &impl ConnectionTrait, key: &str, default: i64) -> Result<i64, DbErr> {
    get_i64(conn, key, default).await
}

/// The payment settings (SPEC §8), configuration data in the `settings` table.
pub struct PaymentSettings {
    pub merchant_prefix: String,
    pub item_code: String,
    pub atm_company_code: String,
    pub payee_zh: String,
    pub payee_en: String,
    pub deadline_days: i64,
    pub grace_days: i64,
}

/// # Errors
/// Database errors.
pub async fn payment_settings(conn: &impl ConnectionTrait) -> Result<PaymentSettings, DbErr> {
    Ok(PaymentSettings {
        merchant_prefix: setting_text(conn, "payment.merchant_prefix", "KLSC").await,
        item_code: setting_text(conn, "payment.item_code", "K7S").await,
        atm_company_code: setting_text(conn, "payment.atm_company_code", "95123").await,
        payee_zh: setting_text(conn, "payment.payee_zh", "基隆市政府教育處").await,
        payee_en: setting_text(
            conn,
            "payment.payee_en",
            "Keelung City Education Department",
        )
        .await,
        deadline_days: setting_days(conn, "payment.deadline_days", 7).await?,
        grace_days: setting_days(conn, "payment.grace_days", 30).await?,
    })
}
