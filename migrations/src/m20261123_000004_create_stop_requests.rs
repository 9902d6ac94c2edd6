//! Loss reports («停卡掛失») with their refund details, the idempotency keys that make
//! a submission exactly once, one-time codes (step-up and later registration and
//! password reset) and the notification outbox.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::{Cards, Holders};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StopRequests {
    Table,
    Id,
    SerialNo,
    CardId,
    HolderId,
    Choice,
    BalanceAtStop,
    Fees,
    RefundAmount,
    BankCode,
    BranchCode,
    AccountNoEnc,
    PostalCode,
    AddressEnc,
    NoContactFlag,
    StoppedAt,
    ProtectedFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Scope,
    Key,
    RequestHash,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OneTimeCodes {
    Table,
    Id,
    Purpose,
    Subject,
    CodeHash,
    ExpiresAt,
    Attempts,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Channel,
    RecipientEnc,
    Template,
    Payload,
    Status,
    Attempts,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StopRequests::Table)
                    .if_not_exists()
                    .col(pk_auto(StopRequests::Id))
                    .col(string_uniq(StopRequests::SerialNo))
                    .col(integer(StopRequests::CardId))
                    .col(integer(StopRequests::HolderId))
                    .col(string(StopRequests::Choice))
                    .col(integer(StopRequests::BalanceAtStop))
                    .col(integer(StopRequests::Fees))
                    .col(integer(StopRequests::RefundAmount))
                    .col(string_null(StopRequests::BankCode))
                    .col(string_null(StopRequests::BranchCode))
                    .col(text_null(StopRequests::AccountNoEnc))
                    .col(string_null(StopRequests::PostalCode))
                    .col(text_null(StopRequests::AddressEnc))
                    .col(boolean(StopRequests::NoContactFlag))
                    .col(timestamp_with_time_zone(StopRequests::StoppedAt))
                    .col(timestamp_with_time_zone(StopRequests::ProtectedFrom))
                    .col(timestamp_with_time_zone(StopRequests::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StopRequests::Table, StopRequests::CardId)
                            .to(Cards::Table, Cards::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StopRequests::Table, StopRequests::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_stop_requests_card_id", StopRequests::CardId),
            ("ix_stop_requests_holder_id", StopRequests::HolderId),
            ("ix_stop_requests_stopped_at", StopRequests::StoppedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(StopRequests::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IdempotencyKeys::Id))
                    .col(string(IdempotencyKeys::Scope))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(text(IdempotencyKeys::Response))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // Concurrent duplicates on PostgreSQL meet here: the second insert of a key
        // waits for the first transaction and then fails.
        manager
            .create_index(
                Index::create()
                    .name("ux_idempotency_keys_scope_key")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::Scope)
                    .col(IdempotencyKeys::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneTimeCodes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OneTimeCodes::Id))
                    .col(string(OneTimeCodes::Purpose))
                    .col(string(OneTimeCodes::Subject))
                    .col(string(OneTimeCodes::CodeHash))
                    .col(timestamp_with_time_zone(OneTimeCodes::ExpiresAt))
                    .col(integer(OneTimeCodes::Attempts))
                    .col(timestamp_with_time_zone_null(OneTimeCodes::UsedAt))
                    .col(timestamp_with_time_zone(OneTimeCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_one_time_codes_subject")
                    .table(OneTimeCodes::Table)
                    .col(OneTimeCodes::Purpose)
                    .col(OneTimeCodes::Subject)
                    .col(OneTimeCodes::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(string(Outbox::Id).primary_key())
                    .col(string(Outbox::Channel))
                    .col(text(Outbox::RecipientEnc))
                    .col(string(Outbox::Template))
                    .col(text(Outbox::Payload))
                    .col(string(Outbox::Status))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_status")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            OneTimeCodes::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            StopRequests::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
