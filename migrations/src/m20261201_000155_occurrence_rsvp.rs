//! Answers to one occurrence of a series: they override the answer to the whole series for
//! that occurrence.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OccurrenceRsvp::Table)
                    .col(integer(OccurrenceRsvp::MeetingId))
                    .col(integer(OccurrenceRsvp::PersonId))
                    .col(timestamp_with_time_zone(OccurrenceRsvp::OccurrenceStart))
                    .col(string_len(OccurrenceRsvp::Response, 16))
                    .col(timestamp_with_time_zone(OccurrenceRsvp::AnsweredAt))
                    .primary_key(
                        Index::create()
                            .col(OccurrenceRsvp::MeetingId)
                            .col(OccurrenceRsvp::PersonId)
                            .col(OccurrenceRsvp::OccurrenceStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OccurrenceRsvp::Table, OccurrenceRsvp::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OccurrenceRsvp::Table, OccurrenceRsvp::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OccurrenceRsvp::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OccurrenceRsvp {
    Table,
    MeetingId,
    PersonId,
    OccurrenceStart,
    Response,
    AnsweredAt,
}
