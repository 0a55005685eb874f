//! Meetings: single meetings and series (RRULE) of a group or of the whole coalition,
//! and the answers of those invited.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Meeting::Table)
                    .col(pk_auto(Meeting::Id))
                    .col(integer_null(Meeting::WorkingGroupId))
                    .col(string_len_uniq(Meeting::Uid, 128))
                    .col(string_len(Meeting::Title, 200))
                    .col(text(Meeting::Description))
                    .col(timestamp_with_time_zone(Meeting::StartsAt))
                    .col(timestamp_with_time_zone(Meeting::EndsAt))
                    .col(string_len(Meeting::TimeZone, 64))
                    .col(text_null(Meeting::OnlineUrl))
                    .col(string_len_null(Meeting::Location, 300))
                    .col(string_len(Meeting::Visibility, 16))
                    .col(string_len(Meeting::Status, 16))
                    .col(text_null(Meeting::CancelReason))
                    .col(integer(Meeting::Sequence).default(0))
                    .col(string_len_null(Meeting::Recurrence, 300))
                    .col(integer_null(Meeting::CreatedBy))
                    .col(timestamp_with_time_zone(Meeting::CreatedAt))
                    .col(timestamp_with_time_zone(Meeting::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meeting::Table, Meeting::WorkingGroupId)
                            .to(WorkingGroup::Table, WorkingGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Meeting::Table, Meeting::CreatedBy)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("meeting_group_start_idx")
                    .table(Meeting::Table)
                    .col(Meeting::WorkingGroupId)
                    .col(Meeting::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rsvp::Table)
                    .col(integer(Rsvp::MeetingId))
                    .col(integer(Rsvp::PersonId))
                    .col(string_len(Rsvp::Response, 8))
                    .col(timestamp_with_time_zone(Rsvp::AnsweredAt))
                    .primary_key(Index::create().col(Rsvp::MeetingId).col(Rsvp::PersonId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rsvp::Table, Rsvp::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rsvp::Table, Rsvp::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rsvp::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Meeting::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WorkingGroup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
    WorkingGroupId,
    Uid,
    Title,
    Description,
    StartsAt,
    EndsAt,
    TimeZone,
    OnlineUrl,
    Location,
    Visibility,
    Status,
    CancelReason,
    Sequence,
    Recurrence,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Rsvp {
    Table,
    MeetingId,
    PersonId,
    Response,
    AnsweredAt,
}
