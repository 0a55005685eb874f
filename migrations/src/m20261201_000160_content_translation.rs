//! Content in the other UN languages (ar, zh, ru, es): one row per entity, field and
//! language. English and French stay in their columns.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentTranslation::Table)
                    .col(string_len(ContentTranslation::EntityKind, 16))
                    .col(integer(ContentTranslation::EntityId))
                    .col(string_len(ContentTranslation::Field, 16))
                    .col(string_len(ContentTranslation::Language, 8))
                    .col(text(ContentTranslation::Text))
                    .primary_key(
                        Index::create()
                            .col(ContentTranslation::EntityKind)
                            .col(ContentTranslation::EntityId)
                            .col(ContentTranslation::Field)
                            .col(ContentTranslation::Language),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentTranslation::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ContentTranslation {
    Table,
    EntityKind,
    EntityId,
    Field,
    Language,
    Text,
}
