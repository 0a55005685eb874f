//! Full-text search over documents. On SQLite an FTS5 table that the store keeps in step with
//! the editions (title, description, tags); PostgreSQL searches the editions themselves with
//! `tsvector`s in each language's configuration, so it needs nothing here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE VIRTUAL TABLE document_search USING fts5(\
                 document_id UNINDEXED, language UNINDEXED, title, description, tags, \
                 tokenize = 'unicode61 remove_diacritics 2')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE document_search")
            .await?;
        Ok(())
    }
}
