//! «訊息發送服務» (issue 16 item 5): a notice a teacher sends to the parents of their
//! class, an officer to their school (or one class, or one grade), an operator to any
//! school. `school_notices` holds the notice and its idempotency token (unique: a
//! replayed «確認發送» finds the first notice and sends nothing); each parent it went
//! to has one `school_notice_deliveries` row per verified channel, naming the outbox
//! message whose status is the delivery status (a parent without a verified channel
//! has one row without a channel: they read it in «家長專區»).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::{Classes, Schools};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SchoolNotices {
    Table,
    Id,
    SchoolId,
    ClassId,
    Level,
    Title,
    Body,
    SentBy,
    CreatedAt,
    Token,
}

#[derive(DeriveIden)]
enum SchoolNoticeDeliveries {
    Table,
    Id,
    NoticeId,
    ParentId,
    Channel,
    OutboxId,
}

#[derive(DeriveIden)]
enum ParentAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use SchoolNoticeDeliveries as D;
        use SchoolNotices as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .if_not_exists()
                    .col(pk_auto(N::Id))
                    .col(integer(N::SchoolId))
                    .col(integer_null(N::ClassId))
                    .col(string_null(N::Level))
                    .col(string(N::Title))
                    .col(text(N::Body))
                    .col(integer(N::SentBy))
                    .col(timestamp_with_time_zone(N::CreatedAt))
                    .col(string(N::Token))
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::SchoolId)
                            .to(Schools::Table, Schools::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::ClassId)
                            .to(Classes::Table, Classes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::SentBy)
                            .to(StaffUsers::Table, StaffUsers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_school_notices_token")
                    .table(N::Table)
                    .col(N::Token)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_school_notices_school")
                    .table(N::Table)
                    .col(N::SchoolId)
                    .col(N::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .if_not_exists()
                    .col(pk_auto(D::Id))
                    .col(integer(D::NoticeId))
                    .col(integer(D::ParentId))
                    .col(string_null(D::Channel))
                    .col(string_null(D::OutboxId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::NoticeId)
                            .to(N::Table, N::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(D::Table, D::ParentId)
                            .to(ParentAccounts::Table, ParentAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_school_notice_deliveries_notice")
                    .table(D::Table)
                    .col(D::NoticeId)
                    .col(D::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_school_notice_deliveries_parent")
                    .table(D::Table)
                    .col(D::ParentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_school_notice_deliveries_outbox")
                    .table(D::Table)
                    .col(D::OutboxId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(SchoolNoticeDeliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SchoolNotices::Table).to_owned())
            .await
    }
}
