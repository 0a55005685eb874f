//! Members manage themselves: whether their name appears on public rosters, their working
//! hours, and the new address a change-of-email link confirms.
//!
//! `listed_publicly` starts `true` for every existing person: today's rosters show every
//! active member to anyone, and nobody's roster changes under them without their say.
//! SQLite takes one column per `ALTER TABLE`, so each is added on its own.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let person_columns = [
            boolean(Person::ListedPublicly).default(true).to_owned(),
            integer_null(Person::WorkingHoursStart),
            integer_null(Person::WorkingHoursEnd),
        ];
        for column in person_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Person::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeToken::Table)
                    .add_column(string_null(OneTimeToken::NewEmail))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeToken::Table)
                    .drop_column(OneTimeToken::NewEmail)
                    .to_owned(),
            )
            .await?;
        for column in [
            Person::WorkingHoursEnd,
            Person::WorkingHoursStart,
            Person::ListedPublicly,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Person::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    ListedPublicly,
    WorkingHoursStart,
    WorkingHoursEnd,
}

#[derive(DeriveIden)]
enum OneTimeToken {
    Table,
    NewEmail,
}
