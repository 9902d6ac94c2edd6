//! LINE Pay (issue 17 item 4): `line_pay_payments` keeps every attempt to pay an
//! application online (request → the parent approves at LINE → confirm), and
//! `duplicate_payments` («重複繳費») every payment that arrived for an application
//! already paid (a store payment after LINE Pay, two guardians paying), to be refunded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LinePayPayments {
    Table,
    Id,
    ApplicationId,
    OrderId,
    TransactionId,
    Amount,
    State,
    ReturnCode,
    CreatedAt,
    UpdatedAt,
    ConfirmedAt,
}

#[derive(DeriveIden)]
enum DuplicatePayments {
    Table,
    Id,
    ApplicationId,
    PaymentNo,
    Amount,
    PaidOn,
    Channel,
    Reference,
    DetectedAt,
    RefundedAt,
}

#[derive(DeriveIden)]
enum ReplacementApplications {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LinePayPayments::Table)
                    .if_not_exists()
                    .col(pk_auto(LinePayPayments::Id))
                    .col(integer(LinePayPayments::ApplicationId))
                    .col(string_uniq(LinePayPayments::OrderId))
                    .col(string_null(LinePayPayments::TransactionId))
                    .col(integer(LinePayPayments::Amount))
                    // `requested` → `confirming` → `confirmed`, or `cancelled` /
                    // `failed` (with LINE's `returnCode`, or `already_paid`).
                    .col(string(LinePayPayments::State))
                    .col(string_null(LinePayPayments::ReturnCode))
                    .col(timestamp_with_time_zone(LinePayPayments::CreatedAt))
                    .col(timestamp_with_time_zone(LinePayPayments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(LinePayPayments::ConfirmedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_line_pay_payments_application")
                            .from(LinePayPayments::Table, LinePayPayments::ApplicationId)
                            .to(ReplacementApplications::Table, ReplacementApplications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_line_pay_payments_application")
                    .table(LinePayPayments::Table)
                    .col(LinePayPayments::ApplicationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DuplicatePayments::Table)
                    .if_not_exists()
                    .col(pk_auto(DuplicatePayments::Id))
                    .col(integer(DuplicatePayments::ApplicationId))
                    .col(string(DuplicatePayments::PaymentNo))
                    .col(integer(DuplicatePayments::Amount))
                    .col(date(DuplicatePayments::PaidOn))
                    .col(string(DuplicatePayments::Channel))
                    // LINE Pay's transactionId, or the store payment's date and
                    // channel: one record per payment however often it is reported.
                    .col(string_uniq(DuplicatePayments::Reference))
                    .col(timestamp_with_time_zone(DuplicatePayments::DetectedAt))
                    .col(timestamp_with_time_zone_null(DuplicatePayments::RefundedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_duplicate_payments_application")
                            .from(DuplicatePayments::Table, DuplicatePayments::ApplicationId)
                            .to(ReplacementApplications::Table, ReplacementApplications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DuplicatePayments::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_line_pay_payments_application")
                    .table(LinePayPayments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(LinePayPayments::Table).to_owned())
            .await
    }
}
