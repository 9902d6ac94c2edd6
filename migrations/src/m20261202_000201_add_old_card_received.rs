//! The issuer's "card still here: reissue" (issue 17 item 3): a replacement for a
//! damaged card or a name change waits in «處理中» until the old card, mailed back with
//! the «處理作業單», reaches the issuer; this is when the issuer confirmed it arrived.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReplacementApplications {
    Table,
    OldCardReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReplacementApplications::Table)
                    .add_column(timestamp_with_time_zone_null(
                        ReplacementApplications::OldCardReceivedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ReplacementApplications::Table)
                    .drop_column(ReplacementApplications::OldCardReceivedAt)
                    .to_owned(),
            )
            .await
    }
}
