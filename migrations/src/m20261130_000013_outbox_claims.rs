//! Outbox claims carry a token, so a worker whose lease ran out (and was taken over)
//! cannot record an outcome over the new holder's; and a recipient's name holds an
//! email address (up to 254 characters), which invitations use when there is no name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(string_len_null(Outbox::ClaimToken, 64))
                    .to_owned(),
            )
            .await?;
        // SQLite does not enforce varchar lengths (nor can it alter a column's type).
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outbox::Table)
                        .modify_column(ColumnDef::new(Outbox::ToName).string_len(254).not_null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::ClaimToken)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ClaimToken,
    ToName,
}
