//! Private calendar feeds remember when they were last fetched, so their owner can tell
//! whether someone still reads them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarFeed::Table)
                    .add_column(timestamp_with_time_zone_null(CalendarFeed::LastUsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarFeed::Table)
                    .drop_column(CalendarFeed::LastUsedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarFeed {
    Table,
    LastUsedAt,
}
