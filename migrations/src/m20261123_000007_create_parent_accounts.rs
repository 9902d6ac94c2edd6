//! Parent accounts («家長專區», SPEC §2): the accounts with their login attempts, and
//! the parent–child binding requests («親子綁定») with the attempts that limit probing
//! of the roster.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::Holders;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParentAccounts {
    Table,
    Id,
    ContactKind,
    ContactEnc,
    ContactHash,
    DisplayName,
    PasswordHash,
    PasswordVersion,
    MustChangePassword,
    CreatedByStaffId,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ParentLoginAttempts {
    Table,
    Id,
    AccountHash,
    ClientIp,
    Succeeded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BindingRequests {
    Table,
    Id,
    ParentId,
    HolderId,
    Relationship,
    Status,
    ReturnReason,
    DecidedByStaffId,
    DecidedAt,
    EndReason,
    EndedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BindingAttempts {
    Table,
    Id,
    ParentId,
    Matched,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ParentAccounts as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .if_not_exists()
                    .col(pk_auto(P::Id))
                    .col(string(P::ContactKind))
                    .col(text(P::ContactEnc))
                    .col(string_uniq(P::ContactHash))
                    .col(string(P::DisplayName))
                    .col(string(P::PasswordHash))
                    .col(integer(P::PasswordVersion))
                    .col(boolean(P::MustChangePassword))
                    .col(integer_null(P::CreatedByStaffId))
                    .col(timestamp_with_time_zone(P::PasswordChangedAt))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        use ParentLoginAttempts as L;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .if_not_exists()
                    .col(big_pk_auto(L::Id))
                    .col(string(L::AccountHash))
                    .col(string(L::ClientIp))
                    .col(boolean(L::Succeeded))
                    .col(timestamp_with_time_zone(L::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_parent_login_attempts_account")
                    .table(L::Table)
                    .col(L::AccountHash)
                    .col(L::CreatedAt)
                    .to_owned(),
            )
            .await?;

        use BindingRequests as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .if_not_exists()
                    .col(pk_auto(B::Id))
                    .col(integer(B::ParentId))
                    .col(integer(B::HolderId))
                    .col(string(B::Relationship))
                    .col(string(B::Status))
                    .col(text_null(B::ReturnReason))
                    .col(integer_null(B::DecidedByStaffId))
                    .col(timestamp_with_time_zone_null(B::DecidedAt))
                    .col(text_null(B::EndReason))
                    .col(timestamp_with_time_zone_null(B::EndedAt))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .col(timestamp_with_time_zone(B::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::ParentId)
                            .to(P::Table, P::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(B::Table, B::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_binding_requests_parent")
                    .table(B::Table)
                    .col(B::ParentId)
                    .col(B::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_binding_requests_holder")
                    .table(B::Table)
                    .col(B::HolderId)
                    .col(B::Status)
                    .to_owned(),
            )
            .await?;

        use BindingAttempts as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(big_pk_auto(A::Id))
                    .col(integer(A::ParentId))
                    .col(boolean(A::Matched))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::ParentId)
                            .to(P::Table, P::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_binding_attempts_parent")
                    .table(A::Table)
                    .col(A::ParentId)
                    .col(A::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BindingAttempts::Table.into_iden(),
            BindingRequests::Table.into_iden(),
            ParentLoginAttempts::Table.into_iden(),
            ParentAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
