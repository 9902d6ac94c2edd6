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
