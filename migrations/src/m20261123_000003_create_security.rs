//! Consent records, identity-verification attempts and locks, captchas, sessions,
//! back-office accounts and the append-only audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::{Classes, Schools};
use crate::m20261123_000002_create_configuration::ConsentTexts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsentRecords {
    Table,
    Id,
    ConsentTextId,
    Wizard,
    ClientIp,
    UserAgent,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VerificationAttempts {
    Table,
    Id,
    IdHash,
    ClientIp,
    Succeeded,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VerificationLocks {
    Table,
    IdHash,
    Failures,
    LockedUntil,
    LockedPermanently,
    CountingSince,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Captchas {
    Table,
    Id,
    SessionKey,
    AnswerHash,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    SchoolId,
    ClassId,
    MustChangePassword,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    RequestId,
    ActorKind,
    ActorId,
    Action,
    Subject,
    Result,
    Detail,
    ClientIp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsentRecords::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ConsentRecords::Id))
                    .col(integer(ConsentRecords::ConsentTextId))
                    .col(string(ConsentRecords::Wizard))
                    .col(string(ConsentRecords::ClientIp))
                    .col(text(ConsentRecords::UserAgent))
                    .col(timestamp_with_time_zone(ConsentRecords::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRecords::Table, ConsentRecords::ConsentTextId)
                            .to(ConsentTexts::Table, ConsentTexts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VerificationAttempts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(VerificationAttempts::Id))
                    .col(string(VerificationAttempts::IdHash))
                    .col(string(VerificationAttempts::ClientIp))
                    .col(boolean(VerificationAttempts::Succeeded))
                    .col(timestamp_with_time_zone(VerificationAttempts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "ix_verification_attempts_id_hash",
                VerificationAttempts::IdHash,
            ),
            (
                "ix_verification_attempts_ip",
                VerificationAttempts::ClientIp,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(VerificationAttempts::Table)
                        .col(col)
                        .col(VerificationAttempts::CreatedAt)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(VerificationLocks::Table)
                    .if_not_exists()
                    .col(string(VerificationLocks::IdHash).primary_key())
                    .col(integer(VerificationLocks::Failures))
                    .col(timestamp_with_time_zone_null(
                        VerificationLocks::LockedUntil,
                    ))
                    .col(boolean(VerificationLocks::LockedPermanently))
                    .col(timestamp_with_time_zone(VerificationLocks::CountingSince))
                    .col(timestamp_with_time_zone(VerificationLocks::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Captchas::Table)
                    .if_not_exists()
                    .col(string(Captchas::Id).primary_key())
                    .col(string(Captchas::SessionKey))
                    .col(string(Captchas::AnswerHash))
                    .col(timestamp_with_time_zone(Captchas::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(string(Sessions::Id).primary_key())
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffUsers::Table)
                    .if_not_exists()
                    .col(pk_auto(StaffUsers::Id))
                    .col(string_uniq(StaffUsers::Username))
                    .col(string(StaffUsers::PasswordHash))
                    .col(string(StaffUsers::Role))
                    .col(integer_null(StaffUsers::SchoolId))
                    .col(integer_null(StaffUsers::ClassId))
                    .col(boolean(StaffUsers::MustChangePassword))
                    .col(timestamp_with_time_zone(StaffUsers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::SchoolId)
                            .to(Schools::Table, Schools::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::ClassId)
                            .to(Classes::Table, Classes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(string(AuditLog::RequestId))
                    .col(string(AuditLog::ActorKind))
                    .col(string_null(AuditLog::ActorId))
                    .col(string(AuditLog::Action))
                    .col(string_null(AuditLog::Subject))
                    .col(string(AuditLog::Result))
                    .col(text_null(AuditLog::Detail))
                    .col(string_null(AuditLog::ClientIp))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            StaffUsers::Table.into_iden(),
            Sessions::Table.into_iden(),
            Captchas::Table.into_iden(),
            VerificationLocks::Table.into_iden(),
            VerificationAttempts::Table.into_iden(),
            ConsentRecords::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
