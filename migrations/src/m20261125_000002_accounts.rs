//! Accounts: credentials and roles beside each person, opaque sessions, and single-use
//! tokens for email verification and password reset. Only hashes of secrets are stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    // One account per person, keyed by the person: a table of its own
                    // keeps credentials apart from the public profile.
                    .col(integer(Account::PersonId).primary_key())
                    .col(text(Account::PasswordHash))
                    .col(timestamp_with_time_zone_null(Account::EmailVerifiedAt))
                    .col(boolean(Account::IsAdmin).default(false))
                    .col(timestamp_with_time_zone_null(Account::DisabledAt))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Account::Table, Account::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(pk_auto(Session::Id))
                    .col(integer(Session::PersonId))
                    .col(string_len_uniq(Session::TokenHash, 64))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::LastUsedAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Session::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Session::Table, Session::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("session_person_idx")
                    .table(Session::Table)
                    .col(Session::PersonId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OneTimeToken::Table)
                    .col(pk_auto(OneTimeToken::Id))
                    .col(integer(OneTimeToken::PersonId))
                    .col(string_len(OneTimeToken::Purpose, 32))
                    .col(string_len_uniq(OneTimeToken::TokenHash, 64))
                    .col(timestamp_with_time_zone(OneTimeToken::CreatedAt))
                    .col(timestamp_with_time_zone(OneTimeToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OneTimeToken::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OneTimeToken::Table, OneTimeToken::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("one_time_token_person_purpose_idx")
                    .table(OneTimeToken::Table)
                    .col(OneTimeToken::PersonId)
                    .col(OneTimeToken::Purpose)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OneTimeToken::Table.into_iden(),
            Session::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    PersonId,
    PasswordHash,
    EmailVerifiedAt,
    IsAdmin,
    DisabledAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    PersonId,
    TokenHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OneTimeToken {
    Table,
    Id,
    PersonId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
