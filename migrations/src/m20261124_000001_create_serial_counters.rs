//! Serial numbers from counters instead of "the day's largest + 1".
//!
//! Two PostgreSQL transactions that both read the day's largest stop serial picked the
//! same next one; the unique index refused one of them and, under load, the retries
//! ran out (HTTP 500). A `serial_counters` row per kind and day is raised with one
//! atomic upsert inside the submission's transaction instead: its row lock makes
//! concurrent submissions take turns, on one instance or several.
//!
//! Kinds: `stop` (`ST` + day + sequence) and `application` (`AP` + day + sequence) per
//! Taiwan day `YYYYMMDD`; `payment` (the applications' payment serial) has one row
//! with the day `''`. Each counter starts at the largest number already stored, so
//! no serial is handed out twice after the upgrade.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SerialCounters {
    Table,
    Kind,
    Day,
    Last,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SerialCounters::Table)
                    .col(string_len(SerialCounters::Kind, 16))
                    .col(string_len(SerialCounters::Day, 8))
                    .col(big_integer(SerialCounters::Last))
                    .primary_key(
                        Index::create()
                            .col(SerialCounters::Kind)
                            .col(SerialCounters::Day),
                    )
                    .to_owned(),
            )
            .await?;
        // The same SQL on SQLite and PostgreSQL: serials are `ST`/`AP` + YYYYMMDD + digits.
        let db = manager.get_connection();
        for (kind, table) in [
            ("stop", "stop_requests"),
            ("application", "replacement_applications"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO serial_counters (kind, day, last) \
                 SELECT '{kind}', SUBSTR(serial_no, 3, 8), MAX(CAST(SUBSTR(serial_no, 11) AS BIGINT)) \
                 FROM {table} GROUP BY SUBSTR(serial_no, 3, 8)"
            ))
            .await?;
        }
        db.execute_unprepared(
            "INSERT INTO serial_counters (kind, day, last) \
             SELECT 'payment', '', COALESCE(MAX(payment_serial), 0) FROM replacement_applications",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SerialCounters::Table).to_owned())
            .await
    }
}
