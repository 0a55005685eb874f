//! Working groups can be archived by administrators: the time they were is kept, so an
//! archived group leaves the lists without losing its history.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WorkingGroup::Table)
                    .add_column(timestamp_with_time_zone_null(WorkingGroup::ArchivedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WorkingGroup::Table)
                    .drop_column(WorkingGroup::ArchivedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WorkingGroup {
    Table,
    ArchivedAt,
}
