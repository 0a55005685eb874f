//! The notification inbox: one row per person told of an activity entry, written in the
//! transaction of the change, read newest first per person.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(pk_auto(Notification::Id))
                    .col(integer(Notification::PersonId))
                    .col(integer(Notification::ActivityId))
                    .col(string_len(Notification::Category, 32))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::ActivityId)
                            .to(Activity::Table, Activity::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A person's inbox, newest first, keyed by id.
        manager
            .create_index(
                Index::create()
                    .name("notification_person_id_idx")
                    .table(Notification::Table)
                    .col(Notification::PersonId)
                    .col(Notification::Id)
                    .to_owned(),
            )
            .await?;
        // One notification per person and entry.
        manager
            .create_index(
                Index::create()
                    .name("notification_person_activity_key")
                    .table(Notification::Table)
                    .col(Notification::PersonId)
                    .col(Notification::ActivityId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notification::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    PersonId,
    ActivityId,
    Category,
    ReadAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activity {
    Table,
    Id,
}
