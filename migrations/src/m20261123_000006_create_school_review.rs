//! The school back office: review state of loss reports and applications («申請中»
//! → «已核可» / «退件»), and the staff login's failure counting (captcha after
//! failures, a temporary lock).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StopRequests {
    Table,
    ReviewStatus,
    ReviewReason,
    ReviewedBy,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum ReplacementApplications {
    Table,
    ReviewStatus,
    ReviewReason,
    ReviewedBy,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    FailedLogins,
    LastFailedAt,
    LockedUntil,
}

/// One column per statement: SQLite alters one column at a time.
async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    col: ColumnDef,
) -> Result<(), DbErr> {
    let mut col = col;
    manager
        .alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            StopRequests::Table,
            string(StopRequests::ReviewStatus)
                .default("pending")
                .to_owned(),
        )
        .await?;
        add(
            manager,
            StopRequests::Table,
            text_null(StopRequests::ReviewReason),
        )
        .await?;
        add(
            manager,
            StopRequests::Table,
            integer_null(StopRequests::ReviewedBy),
        )
        .await?;
        add(
            manager,
            StopRequests::Table,
            timestamp_with_time_zone_null(StopRequests::ReviewedAt),
        )
        .await?;
        use ReplacementApplications as A;
        add(
            manager,
            A::Table,
            string(A::ReviewStatus).default("pending").to_owned(),
        )
        .await?;
        add(manager, A::Table, text_null(A::ReviewReason)).await?;
        add(manager, A::Table, integer_null(A::ReviewedBy)).await?;
        add(
            manager,
            A::Table,
            timestamp_with_time_zone_null(A::ReviewedAt),
        )
        .await?;
        add(
            manager,
            StaffUsers::Table,
            integer(StaffUsers::FailedLogins).default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            StaffUsers::Table,
            timestamp_with_time_zone_null(StaffUsers::LastFailedAt),
        )
        .await?;
        add(
            manager,
            StaffUsers::Table,
            timestamp_with_time_zone_null(StaffUsers::LockedUntil),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drops: [(DynIden, DynIden); 11] = [
            (
                StopRequests::Table.into_iden(),
                StopRequests::ReviewStatus.into_iden(),
            ),
            (
                StopRequests::Table.into_iden(),
                StopRequests::ReviewReason.into_iden(),
            ),
            (
                StopRequests::Table.into_iden(),
                StopRequests::ReviewedBy.into_iden(),
            ),
            (
                StopRequests::Table.into_iden(),
                StopRequests::ReviewedAt.into_iden(),
            ),
            (
                ReplacementApplications::Table.into_iden(),
                ReplacementApplications::ReviewStatus.into_iden(),
            ),
            (
                ReplacementApplications::Table.into_iden(),
                ReplacementApplications::ReviewReason.into_iden(),
            ),
            (
                ReplacementApplications::Table.into_iden(),
                ReplacementApplications::ReviewedBy.into_iden(),
            ),
            (
                ReplacementApplications::Table.into_iden(),
                ReplacementApplications::ReviewedAt.into_iden(),
            ),
            (
                StaffUsers::Table.into_iden(),
                StaffUsers::FailedLogins.into_iden(),
            ),
            (
                StaffUsers::Table.into_iden(),
                StaffUsers::LastFailedAt.into_iden(),
            ),
            (
                StaffUsers::Table.into_iden(),
                StaffUsers::LockedUntil.into_iden(),
            ),
        ];
        for (table, col) in drops {
            manager
                .alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}
