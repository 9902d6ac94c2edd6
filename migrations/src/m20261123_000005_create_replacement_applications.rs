//! Replacement card applications («線上申辦») with their payment numbers and status
//! timeline, the payments the issuer reports back (reconciliation), and the payment
//! slip's configuration.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_roster::Holders;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReplacementApplications {
    Table,
    Id,
    SerialNo,
    HolderId,
    CardType,
    Reason,
    ReasonRemark,
    EmailEnc,
    PhoneEnc,
    MobileEnc,
    ContactNameEnc,
    ContactPhoneEnc,
    AddressEnc,
    Delivery,
    RecipientNameEnc,
    RecipientAddressEnc,
    RecipientPhoneEnc,
    RecipientEmailEnc,
    PhotoFile,
    PhotoSha256,
    Fee,
    AmountDue,
    PaymentSerial,
    PaymentNo,
    DueOn,
    Status,
    ReturnReason,
    PaidOn,
    PaidChannel,
    PaidAmount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationEvents {
    Table,
    Id,
    ApplicationId,
    Status,
    Note,
    At,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ReplacementApplications as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(pk_auto(A::Id))
                    .col(string_uniq(A::SerialNo))
                    .col(integer(A::HolderId))
                    .col(string(A::CardType))
                    .col(string(A::Reason))
                    .col(string_null(A::ReasonRemark))
                    .col(text_null(A::EmailEnc))
                    .col(text_null(A::PhoneEnc))
                    .col(text_null(A::MobileEnc))
                    .col(text_null(A::ContactNameEnc))
                    .col(text_null(A::ContactPhoneEnc))
                    .col(text_null(A::AddressEnc))
                    .col(string(A::Delivery))
                    .col(text(A::RecipientNameEnc))
                    .col(text_null(A::RecipientAddressEnc))
                    .col(text(A::RecipientPhoneEnc))
                    .col(text_null(A::RecipientEmailEnc))
                    .col(string(A::PhotoFile))
                    .col(string(A::PhotoSha256))
                    .col(integer(A::Fee))
                    .col(integer(A::AmountDue))
                    .col(big_integer_uniq(A::PaymentSerial))
                    .col(string_uniq(A::PaymentNo))
                    .col(date(A::DueOn))
                    .col(string(A::Status))
                    .col(text_null(A::ReturnReason))
                    .col(date_null(A::PaidOn))
                    .col(string_null(A::PaidChannel))
                    .col(integer_null(A::PaidAmount))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .col(timestamp_with_time_zone(A::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(A::Table, A::HolderId)
                            .to(Holders::Table, Holders::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_replacement_applications_holder_id", A::HolderId),
            ("ix_replacement_applications_status", A::Status),
            ("ix_replacement_applications_created_at", A::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(A::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ApplicationEvents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApplicationEvents::Id))
                    .col(integer(ApplicationEvents::ApplicationId))
                    .col(string(ApplicationEvents::Status))
                    .col(text_null(ApplicationEvents::Note))
                    .col(timestamp_with_time_zone(ApplicationEvents::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApplicationEvents::Table, ApplicationEvents::ApplicationId)
                            .to(A::Table, A::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_application_events_application_id")
                    .table(ApplicationEvents::Table)
                    .col(ApplicationEvents::ApplicationId)
                    .to_owned(),
            )
            .await?;

        let mut settings = Query::insert()
            .into_table(Settings::Table)
            .columns([Settings::Key, Settings::Value])
            .to_owned();
        for (key, value) in [
            // 4 characters + 11 serial digits + 1 check digit = the 16-character
            // payment number.
            ("payment.merchant_prefix", "KLSC"),
            // Barcode 1's collection item code (3 characters).
            ("payment.item_code", "K7S"),
            // The ATM virtual account's company code (5 digits).
            ("payment.atm_company_code", "95123"),
            ("payment.payee_zh", "基隆市政府教育處"),
            ("payment.payee_en", "Keelung City Education Department"),
        ] {
            settings.values_panic([key.into(), value.into()]);
        }
        manager.exec_stmt(settings).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Settings::Table)
                    .and_where(Expr::col(Settings::Key).like("payment.%"))
                    .and_where(Expr::col(Settings::Key).ne("payment.deadline_days"))
                    .and_where(Expr::col(Settings::Key).ne("payment.grace_days"))
                    .to_owned(),
            )
            .await?;
        for table in [
            ApplicationEvents::Table.into_iden(),
            ReplacementApplications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
