//! What meetings are about and what they decide: ordered agenda items with minutes and
//! decisions, action items that stay open until done, and attendance.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AgendaItem::Table)
                    .col(pk_auto(AgendaItem::Id))
                    .col(integer(AgendaItem::MeetingId))
                    .col(integer(AgendaItem::Position))
                    .col(string_len(AgendaItem::Title, 200))
                    .col(string_len_null(AgendaItem::Presenter, 120))
                    .col(integer_null(AgendaItem::MinutesAllotted))
                    .col(text(AgendaItem::Notes))
                    .col(text_null(AgendaItem::Minutes))
                    .col(json(AgendaItem::Decisions))
                    .col(timestamp_with_time_zone(AgendaItem::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AgendaItem::Table, AgendaItem::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agenda_item_meeting_position_idx")
                    .table(AgendaItem::Table)
                    .col(AgendaItem::MeetingId)
                    .col(AgendaItem::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActionItem::Table)
                    .col(pk_auto(ActionItem::Id))
                    .col(integer(ActionItem::MeetingId))
                    .col(integer_null(ActionItem::WorkingGroupId))
                    .col(string_len(ActionItem::Title, 300))
                    .col(integer_null(ActionItem::OwnerId))
                    .col(date_null(ActionItem::DueOn))
                    .col(string_len(ActionItem::Status, 16))
                    .col(timestamp_with_time_zone(ActionItem::RaisedAt))
                    .col(timestamp_with_time_zone(ActionItem::CreatedAt))
                    .col(timestamp_with_time_zone_null(ActionItem::DoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionItem::Table, ActionItem::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActionItem::Table, ActionItem::OwnerId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("action_item_group_status_idx")
                    .table(ActionItem::Table)
                    .col(ActionItem::WorkingGroupId)
                    .col(ActionItem::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Attendance::Table)
                    .col(integer(Attendance::MeetingId))
                    .col(timestamp_with_time_zone(Attendance::OccurrenceStart))
                    .col(integer(Attendance::PersonId))
                    .primary_key(
                        Index::create()
                            .col(Attendance::MeetingId)
                            .col(Attendance::OccurrenceStart)
                            .col(Attendance::PersonId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attendance::Table, Attendance::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attendance::Table, Attendance::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Attendance::Table.into_iden(),
            ActionItem::Table.into_iden(),
            AgendaItem::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
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
enum AgendaItem {
    Table,
    Id,
    MeetingId,
    Position,
    Title,
    Presenter,
    MinutesAllotted,
    Notes,
    Minutes,
    Decisions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ActionItem {
    Table,
    Id,
    MeetingId,
    WorkingGroupId,
    Title,
    OwnerId,
    DueOn,
    Status,
    RaisedAt,
    CreatedAt,
    DoneAt,
}

#[derive(DeriveIden)]
enum Attendance {
    Table,
    MeetingId,
    OccurrenceStart,
    PersonId,
}
