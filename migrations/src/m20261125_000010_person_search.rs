//! A lower-cased copy of each display name, filled in Rust: SQLite's LOWER() only folds
//! ASCII, so accented names ("Émile", "Çelik") would not match a search otherwise.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    // Column, backfill and index land together, on SQLite too (its DDL is transactional).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Person::Table)
                    // Text, not varchar(120): lower-casing can lengthen a name ('İ' becomes two).
                    .add_column(text(Person::DisplayNameNormalized).default(""))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, display_name FROM person",
            ))
            .await?;
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let name: String = row.try_get("", "display_name")?;
            let update = Query::update()
                .table(Person::Table)
                .value(Person::DisplayNameNormalized, name.to_lowercase())
                .and_where(Expr::col(Person::Id).eq(id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("person_display_name_normalized_idx")
                    .table(Person::Table)
                    .col(Person::DisplayNameNormalized)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("person_display_name_normalized_idx")
                    .table(Person::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Person::Table)
                    .drop_column(Person::DisplayNameNormalized)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    DisplayNameNormalized,
}
