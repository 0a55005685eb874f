//! Private calendar feeds: one secret, revocable URL per person, stored by its hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeed::Table)
                    .col(integer(CalendarFeed::PersonId).primary_key())
                    .col(string_len_uniq(CalendarFeed::TokenHash, 64))
                    .col(timestamp_with_time_zone(CalendarFeed::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CalendarFeed::Table, CalendarFeed::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarFeed::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CalendarFeed {
    Table,
    PersonId,
    TokenHash,
    CreatedAt,
}
