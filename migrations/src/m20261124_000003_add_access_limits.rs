//! Limits that hold under concurrency and several instances (SPEC §7):
//!
//! - `throttle_keys`: one row per limited key (`identity.verify:<ip>`,
//!   `bind.child:<hash>`, …), upserted at the start of a write transaction so that
//!   transactions on the same key queue behind its row lock (PostgreSQL; SQLite's
//!   `BEGIN IMMEDIATE` already runs one writer at a time);
//! - `throttle_hits`: the admitted attempts per key (a sliding minute per client IP);
//! - `staff_login_attempts`: back-office logins per keyed hash of the username, so an
//!   unknown username is counted (captcha, lock) exactly like a real one;
//! - `staff_users.password_version` and `disabled_at`: a staff session ends when the
//!   password changes or the account is disabled;
//! - `binding_attempts.child_hash`: failed bindings counted per child ID across all
//!   parent accounts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ThrottleKeys {
    Table,
    Key,
    TouchedAt,
}

#[derive(DeriveIden)]
enum ThrottleHits {
    Table,
    Id,
    Key,
    At,
}

#[derive(DeriveIden)]
enum StaffLoginAttempts {
    Table,
    Id,
    UsernameHash,
    ClientIp,
    Succeeded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    PasswordVersion,
    DisabledAt,
}

#[derive(DeriveIden)]
enum BindingAttempts {
    Table,
    ChildHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ThrottleKeys::Table)
                    .if_not_exists()
                    .col(string(ThrottleKeys::Key).primary_key())
                    .col(timestamp_with_time_zone(ThrottleKeys::TouchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThrottleHits::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ThrottleHits::Id))
                    .col(string(ThrottleHits::Key))
                    .col(timestamp_with_time_zone(ThrottleHits::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_throttle_hits_key_at")
                    .table(ThrottleHits::Table)
                    .col(ThrottleHits::Key)
                    .col(ThrottleHits::At)
                    .to_owned(),
            )
            .await?;

        use StaffLoginAttempts as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .if_not_exists()
                    .col(big_pk_auto(L::Id))
                    .col(string(L::UsernameHash))
                    .col(string(L::ClientIp))
                    .col(boolean(L::Succeeded))
                    .col(timestamp_with_time_zone(L::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_staff_login_attempts_username")
                    .table(L::Table)
                    .col(L::UsernameHash)
                    .col(L::CreatedAt)
                    .to_owned(),
            )
            .await?;

        // One column per statement: SQLite alters one thing at a time.
        for column in [
            integer(StaffUsers::PasswordVersion).default(1).to_owned(),
            timestamp_with_time_zone_null(StaffUsers::DisabledAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StaffUsers::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(BindingAttempts::Table)
                    .add_column(string_null(BindingAttempts::ChildHash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_binding_attempts_child")
                    .table(BindingAttempts::Table)
                    .col(BindingAttempts::ChildHash)
                    .col(BindingAttempts::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_binding_attempts_child")
                    .table(BindingAttempts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(BindingAttempts::Table)
                    .drop_column(BindingAttempts::ChildHash)
                    .to_owned(),
            )
            .await?;
        for column in [StaffUsers::DisabledAt, StaffUsers::PasswordVersion] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StaffUsers::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            StaffLoginAttempts::Table.into_iden(),
            ThrottleHits::Table.into_iden(),
            ThrottleKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
