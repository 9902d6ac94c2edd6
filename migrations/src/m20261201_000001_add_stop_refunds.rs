//! The issuer's refund confirmation of a stop («退費處理中» → «已退費»): when it was
//! paid, how much, by which method and when the portal heard of it. A stop with a
//! refund and no `refund_paid_on` is still in progress.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StopRequests {
    Table,
    RefundPaidOn,
    RefundPaidAmount,
    RefundMethod,
    RefundConfirmedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            date_null(StopRequests::RefundPaidOn),
            integer_null(StopRequests::RefundPaidAmount),
            string_null(StopRequests::RefundMethod),
            timestamp_with_time_zone_null(StopRequests::RefundConfirmedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StopRequests::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            StopRequests::RefundConfirmedAt,
            StopRequests::RefundMethod,
            StopRequests::RefundPaidAmount,
            StopRequests::RefundPaidOn,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StopRequests::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
