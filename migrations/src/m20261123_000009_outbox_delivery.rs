//! The outbox's delivery worker (SPEC §5): retries with backoff, a claim that survives
//! a killed worker, and dead letters for the operators.
//!
//! Statuses become `pending` → `in_flight` → `sent`, or back to `pending` with a later
//! `next_attempt_at`, or `dead` after the last attempt. Rows `failed` before this
//! migration are long out of date, so they become `dead` rather than being sent to
//! people now; an operator may send one again unless its template carried a secret
//! (a code, a temporary password), which the delivery of the time removed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Status,
    Template,
    CreatedAt,
    NextAttemptAt,
    InFlightSince,
    LastAttemptAt,
    LastError,
    SecretsRemoved,
}

/// The templates of this time whose payload had a `code` or `temporary_password`.
const TEMPLATES_WITH_SECRETS: [&str; 4] = [
    "stop_code",
    "parent_register_code",
    "parent_reset_code",
    "parent_account_created",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            timestamp_with_time_zone_null(Outbox::NextAttemptAt),
            timestamp_with_time_zone_null(Outbox::InFlightSince),
            timestamp_with_time_zone_null(Outbox::LastAttemptAt),
            text_null(Outbox::LastError),
            boolean(Outbox::SecretsRemoved).default(false).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        // Sent and failed rows of these templates lost their secret to the delivery of
        // the time.
        db.execute(
            &Query::update()
                .table(Outbox::Table)
                .value(Outbox::SecretsRemoved, true)
                .and_where(Expr::col(Outbox::Status).is_in(["sent", "failed"]))
                .and_where(Expr::col(Outbox::Template).is_in(TEMPLATES_WITH_SECRETS))
                .to_owned(),
        )
        .await?;
        db.execute(
            &Query::update()
                .table(Outbox::Table)
                .value(Outbox::Status, "dead")
                .value(
                    Outbox::LastError,
                    "failed before the delivery worker existed",
                )
                // Every dead row has a last attempt (the back office sorts by it).
                .value(Outbox::LastAttemptAt, Expr::col(Outbox::CreatedAt))
                .and_where(Expr::col(Outbox::Status).eq("failed"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute(
            &Query::update()
                .table(Outbox::Table)
                .value(Outbox::Status, "failed")
                .and_where(Expr::col(Outbox::Status).eq("dead"))
                .to_owned(),
        )
        .await?;
        db.execute(
            &Query::update()
                .table(Outbox::Table)
                .value(Outbox::Status, "pending")
                .and_where(Expr::col(Outbox::Status).eq("in_flight"))
                .to_owned(),
        )
        .await?;
        for column in [
            Outbox::SecretsRemoved,
            Outbox::LastError,
            Outbox::LastAttemptAt,
            Outbox::InFlightSince,
            Outbox::NextAttemptAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
