//! Configuration data: card types per school level, fees and durations, and the
//! versioned consent notice. Defaults are inserted here, so components never carry
//! these values as constants (SPEC §8).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CardTypes {
    Table,
    Id,
    Code,
    Level,
    NameZh,
    NameEn,
    Fee,
    SortOrder,
}

#[derive(DeriveIden)]
pub enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
pub enum ConsentTexts {
    Table,
    Id,
    Version,
    BodyZh,
    BodyEn,
    PublishedAt,
}

/// The first consent notice (numbered clauses, one per line).
const CONSENT_V1_ZH: &str = "\
不同意提供個人資料者，將無法辦理記名掛失、補發及查詢服務。
依個人資料保護法第8條，本系統蒐集您的姓名、身分證號、出生年月日與聯絡資料，僅用於學生證之掛失、補發、查詢與通知，並依法保存；您可依法請求查詢、閱覽或更正。
申請掛失後即不可取消，掛失後卡片之電子票證功能將終止。
掛失手續費、退款匯費或領取支票之掛號郵資，將自記名卡片之電子錢包餘額中扣除；若餘額不足支付，則不予退費。
申請退費者，將依您提供之匯款帳戶或郵寄地址辦理；因提供錯誤資料致無法退費者，由申請者自行承擔。
本系統如因維護或不可抗力而暫停服務，請於服務恢復後再行辦理。";

const CONSENT_V1_EN: &str = "\
If you do not agree to provide personal data, the card cannot be reported lost, replaced or looked up.
Under the Personal Data Protection Act, Article 8, this system collects the holder's name, ID number, date of birth and contact details only to stop, replace, look up and notify about the student card, and keeps them as the law requires; you may ask to see or correct them.
A loss report cannot be cancelled once submitted; the card's e-wallet stops working.
The loss fee, remittance fee or registered-mail postage for a cheque are deducted from the card's e-wallet balance; if the balance does not cover them, no refund is paid.
Refunds are paid to the bank account or postal address you give; if the data you give is wrong, the refund may fail at your own risk.
The service may pause for maintenance or events beyond our control; please try again once it is back.";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CardTypes::Table)
                    .if_not_exists()
                    .col(pk_auto(CardTypes::Id))
                    .col(string_uniq(CardTypes::Code))
                    .col(string(CardTypes::Level))
                    .col(string(CardTypes::NameZh))
                    .col(string(CardTypes::NameEn))
                    .col(integer(CardTypes::Fee))
                    .col(integer(CardTypes::SortOrder))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .if_not_exists()
                    .col(string(Settings::Key).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConsentTexts::Table)
                    .if_not_exists()
                    .col(pk_auto(ConsentTexts::Id))
                    .col(string_uniq(ConsentTexts::Version))
                    .col(text(ConsentTexts::BodyZh))
                    .col(text(ConsentTexts::BodyEn))
                    .col(timestamp_with_time_zone(ConsentTexts::PublishedAt))
                    .to_owned(),
            )
            .await?;

        let mut card_types = Query::insert()
            .into_table(CardTypes::Table)
            .columns([
                CardTypes::Code,
                CardTypes::Level,
                CardTypes::NameZh,
                CardTypes::NameEn,
                CardTypes::Fee,
                CardTypes::SortOrder,
            ])
            .to_owned();
        for (i, (code, level, zh, en)) in [
            (
                "KL-PRIMARY",
                "primary",
                "基隆市樂學卡(小學)",
                "Keelung student card (primary)",
            ),
            (
                "KL-JUNIOR",
                "junior",
                "基隆市樂學卡(中學)",
                "Keelung student card (junior high)",
            ),
            (
                "SENIOR-ID",
                "senior",
                "高中學生證",
                "Senior high student ID card",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            card_types.values_panic([
                code.into(),
                level.into(),
                zh.into(),
                en.into(),
                100.into(),
                <i32 as TryFrom<usize>>::try_from(i).unwrap_or(0).into(),
            ]);
        }
        manager.exec_stmt(card_types).await?;

        let mut settings = Query::insert()
            .into_table(Settings::Table)
            .columns([Settings::Key, Settings::Value])
            .to_owned();
        for (key, value) in [
            ("fee.loss", "20"),
            ("fee.remittance", "10"),
            ("fee.cheque_postage", "25"),
            ("verification.window_minutes", "20"),
            ("loss.liability_hours", "3"),
            ("payment.deadline_days", "7"),
            ("payment.grace_days", "30"),
            ("consent.current_version", "2026-11-v1"),
        ] {
            settings.values_panic([key.into(), value.into()]);
        }
        manager.exec_stmt(settings).await?;

        manager
            .exec_stmt(
                Query::insert()
                    .into_table(ConsentTexts::Table)
                    .columns([
                        ConsentTexts::Version,
                        ConsentTexts::BodyZh,
                        ConsentTexts::BodyEn,
                        ConsentTexts::PublishedAt,
                    ])
                    .values_panic([
                        "2026-11-v1".into(),
                        CONSENT_V1_ZH.into(),
                        CONSENT_V1_EN.into(),
                        Expr::current_timestamp(),
                    ])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ConsentTexts::Table.into_iden(),
            Settings::Table.into_iden(),
            CardTypes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
