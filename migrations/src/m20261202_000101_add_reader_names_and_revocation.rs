//! «讀卡機管理» (issue 16 item 3): a gate reader gets a name the school gives it (unique
//! within the school; readers added by the CLI have none) and a revocation time
//! («停用»): a revoked reader's key is refused from then on.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GateReaders {
    Table,
    SchoolId,
    Name,
    RevokedAt,
}

const NAME_INDEX: &str = "ux_gate_readers_school_name";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(GateReaders::Table)
                    .add_column(string_null(GateReaders::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(GateReaders::Table)
                    .add_column(timestamp_with_time_zone_null(GateReaders::RevokedAt))
                    .to_owned(),
            )
            .await?;
        // NULL names (the CLI's readers) never collide, on SQLite and PostgreSQL alike.
        manager
            .create_index(
                Index::create()
                    .name(NAME_INDEX)
                    .table(GateReaders::Table)
                    .col(GateReaders::SchoolId)
                    .col(GateReaders::Name)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME_INDEX)
                    .table(GateReaders::Table)
                    .to_owned(),
            )
            .await?;
        for column in [GateReaders::RevokedAt, GateReaders::Name] {
            manager
                .alter_table(
                    Table::alter()
                        .table(GateReaders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
