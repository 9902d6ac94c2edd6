//! Configuration values stored in the `settings` table (defaults from a migration).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use super::entities::{card_types, settings};

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

/// Reads several settings in one statement; absent ones are missing from the map.
///
/// # Errors
/// Database errors.
pub async fn get_many(
    db: &impl ConnectionTrait,
    keys: &[&str],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(settings::Entity::find()
        .filter(settings::Column::Key.is_in(keys.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.key, m.value))
        .collect())
}

/// Writes a setting, adding or replacing its row (in the caller's transaction).
///
/// # Errors
/// Database errors.
pub async fn put(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), DbErr> {
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
    })
    .on_conflict(
        OnConflict::column(settings::Column::Key)
            .update_column(settings::Column::Value)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
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

/// The settings table and the card types as read at one moment. A [`SnapshotCache`]
/// keeps one per process for [`SNAPSHOT_TTL`], so a page needs no statement for them
/// (Performance issue item 3: the query overview read the same settings row seven
/// times); a change made elsewhere (another instance, the CLI) shows within the TTL.
pub struct Snapshot {
    values: std::collections::HashMap<String, String>,
    pub card_types: Vec<card_types::Model>,
}

/// How long a process serves a [`Snapshot`] before reading a new one.
pub const SNAPSHOT_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl Snapshot {
    /// Reads the settings and the card types now (two statements).
    ///
    /// # Errors
    /// Database errors.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let values = settings::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.key, m.value))
            .collect();
        let card_types = card_types::Entity::find().all(db).await?;
        Ok(Self { values, card_types })
    }

    pub fn text(&self, key: &str, default: &str) -> String {
        match self.values.get(key) {
            Some(v) if !v.trim().is_empty() => v.trim().to_owned(),
            _ => default.to_owned(),
        }
    }

    pub fn number(&self, key: &str, default: i64) -> i64 {
        self.values
            .get(key)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    }

    /// The same values as [`payment_settings`].
    pub fn payment(&self) -> PaymentSettings {
        PaymentSettings {
            merchant_prefix: self.text("payment.merchant_prefix", "KLSC"),
            item_code: self.text("payment.item_code", "K7S"),
            atm_company_code: self.text("payment.atm_company_code", "95123"),
            payee_zh: self.text("payment.payee_zh", "基隆市政府教育處"),
            payee_en: self.text("payment.payee_en", "Keelung City Education Department"),
            deadline_days: self.number("payment.deadline_days", 7),
            grace_days: self.number("payment.grace_days", 30),
        }
    }
}

/// One process's [`Snapshot`], renewed when older than [`SNAPSHOT_TTL`].
#[derive(Default)]
pub struct SnapshotCache {
    current: std::sync::RwLock<Option<(std::time::Instant, std::sync::Arc<Snapshot>)>>,
}

impl SnapshotCache {
    /// The cached snapshot, or a fresh one when it is missing or stale.
    ///
    /// # Errors
    /// Database errors while renewing.
    pub async fn current(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<std::sync::Arc<Snapshot>, DbErr> {
        if let Some((at, snap)) = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            && at.elapsed() < SNAPSHOT_TTL
        {
            return Ok(snap.clone());
        }
        let snap = std::sync::Arc::new(Snapshot::load(db).await?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((std::time::Instant::now(), snap.clone()));
        Ok(snap)
    }

    /// Drops the cached snapshot (after this process changed a setting or a card type).
    pub fn invalidate(&self) {
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}
