//! A parent account's language (issue 15 item 3): messages the portal sends a parent
//! without the parent in the browser (a teacher's binding decision, a swipe, a job)
//! go out in it. Set from the page's language at registration and login, and kept in
//! step with the page while the parent is logged in. Existing accounts read zh-TW, the
//! portal's default, whose messages are bilingual Chinese and English.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ParentAccounts {
    Table,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ParentAccounts::Table)
                    .add_column(
                        ColumnDef::new(ParentAccounts::Language)
                            .text()
                            .not_null()
                            .default("zh-TW"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ParentAccounts::Table)
                    .drop_column(ParentAccounts::Language)
                    .to_owned(),
            )
            .await
    }
}
