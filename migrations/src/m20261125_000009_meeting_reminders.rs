//! Reminders sent before each occurrence of a meeting, so each goes out once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MeetingReminder::Table)
                    .col(integer(MeetingReminder::MeetingId))
                    .col(timestamp_with_time_zone(MeetingReminder::OccurrenceStart))
                    .col(timestamp_with_time_zone(MeetingReminder::SentAt))
                    .primary_key(
                        Index::create()
                            .col(MeetingReminder::MeetingId)
                            .col(MeetingReminder::OccurrenceStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MeetingReminder::Table, MeetingReminder::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MeetingReminder::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MeetingReminder {
    Table,
    MeetingId,
    OccurrenceStart,
    SentAt,
}
