//! Single occurrences of a series that were cancelled or moved.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MeetingException::Table)
                    .col(integer(MeetingException::MeetingId))
                    .col(timestamp_with_time_zone(MeetingException::OriginalStart))
                    .col(timestamp_with_time_zone_null(MeetingException::MovedStart))
                    .col(timestamp_with_time_zone_null(MeetingException::MovedEnd))
                    .col(timestamp_with_time_zone(MeetingException::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MeetingException::MeetingId)
                            .col(MeetingException::OriginalStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetingException::Table, MeetingException::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MeetingException::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MeetingException {
    Table,
    MeetingId,
    OriginalStart,
    MovedStart,
    MovedEnd,
    CreatedAt,
}
