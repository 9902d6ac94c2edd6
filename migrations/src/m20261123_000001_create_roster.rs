//! Schools, classes, card holders and their cards: what the school roster provides.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Schools {
    Table,
    Id,
    Code,
    Name,
    District,
    Level,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Classes {
    Table,
    Id,
    SchoolId,
    Name,
}

#[derive(DeriveIden)]
pub enum Holders {
    Table,
    Id,
    SchoolId,
    ClassId,
    StudentNo,
    Name,
    IdKind,
    IdNoEnc,
    IdNoHash,
    BirthDate,
    Gender,
    SeatNo,
    GuardianMobileEnc,
    GuardianEmailEnc,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Cards {
    Table,
    Id,
    HolderId,
    CardType,
    OuterNo,
    Status,
    Balance,
    IssuedOn,
    LockedAt,
    StoppedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Schools::Table)
                    .if_not_exists()
                    .col(pk_auto(Schools::Id))
                    .col(string_uniq(Schools::Code))
                    .col(string(Schools::Name))
                    .col(string(Schools::District))
                    .col(string(Schools::Level))
                    .col(timestamp_with_time_zone(Schools::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Classes::Table)
                    .if_not_exists()
                    .col(pk_auto(Classes::Id))
                    .col(integer(Classes::SchoolId))
                    .col(string(Classes::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Classes::Table, Classes::SchoolId)
                            .to(Schools::Table, Schools::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_classes_school_name")
                    .table(Classes::Table)
                    .col(Classes::SchoolId)
                    .col(Classes::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Holders::Table)
                    .if_not_exists()
                    .col(pk_auto(Holders::Id))
                    .col(integer(Holders::SchoolId))
                    .col(integer(Holders::ClassId))
                    .col(string(Holders::StudentNo))
                    .col(string(Holders::Name))
                    .col(string(Holders::IdKind))
                    .col(text(Holders::IdNoEnc))
                    .col(string_uniq(Holders::IdNoHash))
                    .col(date(Holders::BirthDate))
                    .col(string(Holders::Gender))
                    .col(integer(Holders::SeatNo))
                    .col(text_null(Holders::GuardianMobileEnc))
                    .col(text_null(Holders::GuardianEmailEnc))
                    .col(timestamp_with_time_zone(Holders::CreatedAt))
                    .col(timestamp_with_time_zone(Holders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Holders::Table, Holders::SchoolId)
                            .to(Schools::Table, Schools::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Holders::Table, Holders::ClassId)
                            .to(Classes::Table, Classes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_holders_school_student_no")
                    .table(Holders::Table)
                    .col(Holders::SchoolId)
                    .col(Holders::StudentNo)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Cards::Table)
                    .if_not_exists()
                    .col(pk_auto(Cards::Id))
                    .col(integer(Cards::HolderId))
                    .col(string(Cards::CardType))
                    .col(string_uniq(Cards::OuterNo))
                    .col(string(Cards::Status))
                    .col(integer(Cards::Balance))
                    .col(date(Cards::IssuedOn))
                    .col(timestamp_with_time_zone_null(Cards::LockedAt))
                    .col(timestamp_with_time_zone_null(Cards::StoppedAt))
                    .col(timestamp_with_time_zone(Cards::CreatedAt))
                    .col(timestamp_with_time_zone(Cards::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cards::Table, Cards::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_cards_holder")
                    .table(Cards::Table)
                    .col(Cards::HolderId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Cards::Table.into_iden(),
            Holders::Table.into_iden(),
            Classes::Table.into_iden(),
            Schools::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
