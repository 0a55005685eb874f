//! Email notifications: the transactional outbox (one row per message, written in the
//! transaction of the change that caused it) and each person's delivery preferences.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(pk_auto(Outbox::Id))
                    // Stable across retries, so a receiver can drop a duplicate.
                    .col(string_len_uniq(Outbox::MessageId, 128))
                    .col(string_len(Outbox::Category, 32))
                    .col(integer_null(Outbox::PersonId))
                    .col(string_len(Outbox::ToAddress, 254))
                    .col(string_len(Outbox::ToName, 200))
                    .col(string_len(Outbox::Language, 8))
                    .col(string_len(Outbox::Template, 64))
                    .col(json_null(Outbox::Data))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::ClaimedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_status_due_idx")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreference::Table)
                    .col(integer(NotificationPreference::PersonId))
                    .col(string_len(NotificationPreference::Category, 32))
                    .col(string_len(NotificationPreference::Mode, 16))
                    .primary_key(
                        Index::create()
                            .col(NotificationPreference::PersonId)
                            .col(NotificationPreference::Category),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                NotificationPreference::Table,
                                NotificationPreference::PersonId,
                            )
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
            .drop_table(
                Table::drop()
                    .table(NotificationPreference::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    MessageId,
    Category,
    PersonId,
    ToAddress,
    ToName,
    Language,
    Template,
    Data,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum NotificationPreference {
    Table,
    PersonId,
    Category,
    Mode,
}
