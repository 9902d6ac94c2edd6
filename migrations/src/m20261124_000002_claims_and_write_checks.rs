//! Integrity after failures: an outbox claim names the server instance that made it
//! (`claimed_by`), so an instance that restarts after a crash sends its own
//! interrupted messages again at once instead of after the in-flight timeout; and
//! `write_checks`, one row per instance that its health check rewrites to prove that
//! writes reach the disk.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ClaimedBy,
}

#[derive(DeriveIden)]
enum WriteChecks {
    Table,
    Instance,
    CheckedAt,
    Filler,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(string_null(Outbox::ClaimedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WriteChecks::Table)
                    .if_not_exists()
                    .col(string(WriteChecks::Instance).primary_key())
                    .col(timestamp_with_time_zone(WriteChecks::CheckedAt))
                    .col(text(WriteChecks::Filler))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WriteChecks::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::ClaimedBy)
                    .to_owned(),
            )
            .await
    }
}
