//! The activity history is read a page at a time, newest first, by key: per group, and
//! coalition-wide (the primary key serves that).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("activity_group_id_idx")
                    .table(Activity::Table)
                    .col(Activity::WorkingGroupId)
                    .col(Activity::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("activity_group_id_idx")
                    .table(Activity::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    WorkingGroupId,
    Id,
}
