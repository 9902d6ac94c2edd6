//! The print centre (issue 17 item 1): `print_batches` collects paid and approved
//! applications for printing; an application remembers its batch and, once shipped,
//! the registered-mail number («掛號號碼»).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PrintBatches {
    Table,
    Id,
    CreatedAt,
    CreatedBy,
    Count,
}

#[derive(DeriveIden)]
enum ReplacementApplications {
    Table,
    PrintBatchId,
    MailNo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PrintBatches::Table)
                    .if_not_exists()
                    .col(pk_auto(PrintBatches::Id))
                    .col(timestamp_with_time_zone(PrintBatches::CreatedAt))
                    .col(string(PrintBatches::CreatedBy))
                    .col(integer(PrintBatches::Count))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer_null(ReplacementApplications::PrintBatchId),
            string_null(ReplacementApplications::MailNo),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReplacementApplications::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_replacement_applications_print_batch")
                    .table(ReplacementApplications::Table)
                    .col(ReplacementApplications::PrintBatchId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_replacement_applications_print_batch")
                    .table(ReplacementApplications::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            ReplacementApplications::MailNo,
            ReplacementApplications::PrintBatchId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ReplacementApplications::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(PrintBatches::Table).to_owned())
            .await
    }
}
