//! Database schema of the Student Card Service Portal, as sea-orm migrations.
//!
//! The server runs [`Migrator::up`] at every start, so a new SQLite file or an empty
//! PostgreSQL database is ready without a separate step. Migrations are append-only:
//! change the schema by adding a new `mYYYYMMDD_HHMMSS_<verb>_<table>.rs`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_roster;
mod m20261123_000002_create_configuration;
mod m20261123_000003_create_security;
mod m20261123_000004_create_stop_requests;
mod m20261123_000005_create_replacement_applications;
mod m20261123_000006_create_school_review;
mod m20261123_000007_create_parent_accounts;
mod m20261123_000008_add_staff_totp;
mod m20261123_000009_outbox_delivery;
mod m20261123_000010_create_notifications;
mod m20261124_000001_create_serial_counters;
mod m20261124_000002_claims_and_write_checks;
mod m20261124_000003_add_access_limits;
mod m20261201_000001_add_stop_refunds;
mod m20261201_000002_create_print_batches;
mod m20261201_000101_consent_translations;
mod m20261201_000301_parent_language;
mod m20261201_000401_create_line_pay_payments;
mod m20261202_000101_add_reader_names_and_revocation;
mod m20261202_000201_add_old_card_received;
mod m20261203_000101_create_school_notices;
mod m20261204_000101_index_captchas;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_roster::Migration),
            Box::new(m20261123_000002_create_configuration::Migration),
            Box::new(m20261123_000003_create_security::Migration),
            Box::new(m20261123_000004_create_stop_requests::Migration),
            Box::new(m20261123_000005_create_replacement_applications::Migration),
            Box::new(m20261123_000006_create_school_review::Migration),
            Box::new(m20261123_000007_create_parent_accounts::Migration),
            Box::new(m20261123_000008_add_staff_totp::Migration),
            Box::new(m20261123_000009_outbox_delivery::Migration),
            Box::new(m20261123_000010_create_notifications::Migration),
            Box::new(m20261124_000001_create_serial_counters::Migration),
            Box::new(m20261124_000002_claims_and_write_checks::Migration),
            Box::new(m20261124_000003_add_access_limits::Migration),
            Box::new(m20261201_000001_add_stop_refunds::Migration),
            Box::new(m20261201_000002_create_print_batches::Migration),
            Box::new(m20261201_000101_consent_translations::Migration),
            Box::new(m20261201_000301_parent_language::Migration),
            Box::new(m20261201_000401_create_line_pay_payments::Migration),
            Box::new(m20261202_000101_add_reader_names_and_revocation::Migration),
            Box::new(m20261202_000201_add_old_card_received::Migration),
            Box::new(m20261203_000101_create_school_notices::Migration),
            Box::new(m20261204_000101_index_captchas::Migration),
        ]
    }
}
