//! One live captcha per session, found by index (Performance issue): captchas were
//! looked up and consumed by `session_key` without an index, so under load every
//! captcha shown or checked scanned every captcha of the last two minutes. A unique
//! index on `session_key` lets a new captcha replace the session's earlier one in
//! one statement; the index on `expires_at` serves the periodic purge.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Captchas {
    Table,
    SessionKey,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two captchas issued at once to one session could both be stored until now:
        // keep the newest-expiring one of each session (a captcha lives two minutes).
        manager
            .get_connection()
            .execute_unprepared(
                "DELETE FROM captchas WHERE EXISTS (SELECT 1 FROM captchas AS newer \
                 WHERE newer.session_key = captchas.session_key \
                 AND (newer.expires_at > captchas.expires_at \
                 OR (newer.expires_at = captchas.expires_at AND newer.id > captchas.id)))",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_captchas_session_key")
                    .table(Captchas::Table)
                    .col(Captchas::SessionKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_captchas_expires_at")
                    .table(Captchas::Table)
                    .col(Captchas::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_captchas_expires_at")
                    .table(Captchas::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_captchas_session_key")
                    .table(Captchas::Table)
                    .to_owned(),
            )
            .await
    }
}
