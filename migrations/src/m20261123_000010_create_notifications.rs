//! Notifications (SPEC §2 account settings, SMS service, attendance; §4 swipes): the
//! parent's verified channels, subscriptions per child × channel × event, gate
//! readers and their swipes, school holidays for the absence job, the paid SMS
//! service with its cancellation requests, and the once-a-day job marker.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::{Holders, Schools};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParentAccounts {
    Table,
    Id,
    NotifyEmailEnc,
    NotifyEmailVerifiedAt,
    LineUserEnc,
    LineUserHash,
    LineLinkedAt,
    LineLinkCodeHash,
    LineLinkCodeExpiresAt,
}

#[derive(DeriveIden)]
enum NotificationSubscriptions {
    Table,
    Id,
    ParentId,
    HolderId,
    Channel,
    Event,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GateReaders {
    Table,
    Id,
    ReaderCode,
    SchoolId,
    ApiKeyHash,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Swipes {
    Table,
    Id,
    ReaderId,
    EventId,
    CardOuterNo,
    HolderId,
    Direction,
    SwipedAt,
    ReceivedAt,
    EnteredByStaffId,
}

#[derive(DeriveIden)]
enum SchoolHolidays {
    Table,
    Id,
    SchoolId,
    Day,
    Name,
}

#[derive(DeriveIden)]
enum SmsSubscriptions {
    Table,
    Id,
    HolderId,
    ParentId,
    MobileEnc,
    TermName,
    PeriodStart,
    PeriodEnd,
    Arrival,
    Departure,
    AppliedOn,
    CancelledFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SmsCancellations {
    Table,
    Id,
    SubscriptionId,
    ParentId,
    Status,
    RequestedAt,
    DecidedAt,
    DecidedByStaffId,
    RejectReason,
    EffectiveOn,
}

#[derive(DeriveIden)]
enum DailyJobRuns {
    Table,
    Job,
    Day,
    RanAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ParentAccounts as P;
        // One column per statement: SQLite alters one thing at a time.
        for col in [
            text_null(P::NotifyEmailEnc),
            timestamp_with_time_zone_null(P::NotifyEmailVerifiedAt),
            text_null(P::LineUserEnc),
            string_null(P::LineUserHash),
            timestamp_with_time_zone_null(P::LineLinkedAt),
            string_null(P::LineLinkCodeHash),
            timestamp_with_time_zone_null(P::LineLinkCodeExpiresAt),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(P::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_parent_accounts_line_link_code")
                    .table(P::Table)
                    .col(P::LineLinkCodeHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_parent_accounts_line_user")
                    .table(P::Table)
                    .col(P::LineUserHash)
                    .to_owned(),
            )
            .await?;

        use NotificationSubscriptions as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .if_not_exists()
                    .col(pk_auto(N::Id))
                    .col(integer(N::ParentId))
                    .col(integer(N::HolderId))
                    .col(string(N::Channel))
                    .col(string(N::Event))
                    .col(timestamp_with_time_zone(N::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::ParentId)
                            .to(P::Table, P::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(N::Table, N::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notification_subscriptions")
                    .table(N::Table)
                    .col(N::ParentId)
                    .col(N::HolderId)
                    .col(N::Channel)
                    .col(N::Event)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_subscriptions_holder")
                    .table(N::Table)
                    .col(N::HolderId)
                    .col(N::Event)
                    .to_owned(),
            )
            .await?;

        use GateReaders as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .if_not_exists()
                    .col(pk_auto(G::Id))
                    .col(string_uniq(G::ReaderCode))
                    .col(integer(G::SchoolId))
                    .col(string_uniq(G::ApiKeyHash))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .col(timestamp_with_time_zone_null(G::LastSeenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(G::Table, G::SchoolId)
                            .to(Schools::Table, Schools::Id),
                    )
                    .to_owned(),
            )
            .await?;

        use Swipes as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .if_not_exists()
                    .col(big_pk_auto(S::Id))
                    .col(integer_null(S::ReaderId))
                    .col(string(S::EventId))
                    .col(string(S::CardOuterNo))
                    .col(integer_null(S::HolderId))
                    .col(string(S::Direction))
                    .col(timestamp_with_time_zone(S::SwipedAt))
                    .col(timestamp_with_time_zone(S::ReceivedAt))
                    .col(integer_null(S::EnteredByStaffId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_swipes_event")
                    .table(S::Table)
                    .col(S::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_swipes_holder_time")
                    .table(S::Table)
                    .col(S::HolderId)
                    .col(S::SwipedAt)
                    .to_owned(),
            )
            .await?;

        use SchoolHolidays as H;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .if_not_exists()
                    .col(pk_auto(H::Id))
                    .col(integer_null(H::SchoolId))
                    .col(date(H::Day))
                    .col(string(H::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_school_holidays_day")
                    .table(H::Table)
                    .col(H::Day)
                    .to_owned(),
            )
            .await?;

        use SmsSubscriptions as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .if_not_exists()
                    .col(pk_auto(M::Id))
                    .col(integer(M::HolderId))
                    .col(integer_null(M::ParentId))
                    .col(text(M::MobileEnc))
                    .col(string(M::TermName))
                    .col(date(M::PeriodStart))
                    .col(date(M::PeriodEnd))
                    .col(boolean(M::Arrival))
                    .col(boolean(M::Departure))
                    .col(date(M::AppliedOn))
                    .col(date_null(M::CancelledFrom))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sms_subscriptions_holder")
                    .table(M::Table)
                    .col(M::HolderId)
                    .to_owned(),
            )
            .await?;

        use SmsCancellations as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(pk_auto(C::Id))
                    .col(integer(C::SubscriptionId))
                    .col(integer(C::ParentId))
                    .col(string(C::Status))
                    .col(timestamp_with_time_zone(C::RequestedAt))
                    .col(timestamp_with_time_zone_null(C::DecidedAt))
                    .col(integer_null(C::DecidedByStaffId))
                    .col(text_null(C::RejectReason))
                    .col(date_null(C::EffectiveOn))
                    .foreign_key(
                        ForeignKey::create()
                            .from(C::Table, C::SubscriptionId)
                            .to(M::Table, M::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sms_cancellations_subscription")
                    .table(C::Table)
                    .col(C::SubscriptionId)
                    .col(C::Status)
                    .to_owned(),
            )
            .await?;

        use DailyJobRuns as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .if_not_exists()
                    .col(string(D::Job))
                    .col(date(D::Day))
                    .col(timestamp_with_time_zone(D::RanAt))
                    .primary_key(Index::create().col(D::Job).col(D::Day))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DailyJobRuns::Table.into_iden(),
            SmsCancellations::Table.into_iden(),
            SmsSubscriptions::Table.into_iden(),
            SchoolHolidays::Table.into_iden(),
            Swipes::Table.into_iden(),
            GateReaders::Table.into_iden(),
            NotificationSubscriptions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        use ParentAccounts as P;
        // SQLite refuses to drop a column an index still names.
        for index in [
            "ix_parent_accounts_line_link_code",
            "ix_parent_accounts_line_user",
        ] {
            manager
                .drop_index(Index::drop().name(index).table(P::Table).to_owned())
                .await?;
        }
        for col in [
            P::NotifyEmailEnc,
            P::NotifyEmailVerifiedAt,
            P::LineUserEnc,
            P::LineUserHash,
            P::LineLinkedAt,
            P::LineLinkCodeHash,
            P::LineLinkCodeExpiresAt,
        ] {
            manager
                .alter_table(Table::alter().table(P::Table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
