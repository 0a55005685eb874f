//! PostgreSQL's document search, indexed: each edition keeps its text-search configuration
//! (its language's, `simple` where PostgreSQL has none) and its `tsvector` (title weighted
//! over description over tags), which the store rewrites with every change, under a GIN
//! index. SQLite's FTS5 table is an index already: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The configuration of an edition language: PostgreSQL's snowball stemmers where it ships
/// one (found in `pg_ts_config`, so a server without one falls back instead of failing),
/// `simple` (no stemming, no stop words) for the others, Chinese among them.
const CONFIG_FUNCTION: &str = "CREATE OR REPLACE FUNCTION document_search_config(language text) \
    RETURNS regconfig LANGUAGE sql STABLE AS $$ \
    SELECT COALESCE((SELECT c.oid::regconfig FROM pg_ts_config c \
        JOIN pg_namespace n ON n.oid = c.cfgnamespace AND n.nspname = 'pg_catalog' \
        WHERE c.cfgname = CASE language \
            WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish' \
            WHEN 'ru' THEN 'russian' WHEN 'ar' THEN 'arabic' WHEN 'pt' THEN 'portuguese' \
            WHEN 'de' THEN 'german' WHEN 'it' THEN 'italian' WHEN 'nl' THEN 'dutch' \
            WHEN 'tr' THEN 'turkish' WHEN 'id' THEN 'indonesian' ELSE 'simple' END), \
        'simple'::regconfig) $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(CONFIG_FUNCTION).await?;
        db.execute_unprepared(
            "ALTER TABLE document_edition \
             ADD COLUMN search_config regconfig NOT NULL DEFAULT 'simple', \
             ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE document_edition e SET search_config = document_search_config(e.language) \
             FROM document d WHERE d.id = e.document_id",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE document_edition e SET search_vector = \
                setweight(to_tsvector(e.search_config, e.title), 'A') \
             || setweight(to_tsvector(e.search_config, e.description), 'B') \
             || setweight(to_tsvector(e.search_config, d.tags), 'C') \
             FROM document d WHERE d.id = e.document_id",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX document_edition_search ON document_edition USING GIN (search_vector)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX document_edition_search")
            .await?;
        db.execute_unprepared(
            "ALTER TABLE document_edition DROP COLUMN search_vector, DROP COLUMN search_config",
        )
        .await?;
        db.execute_unprepared("DROP FUNCTION document_search_config(text)")
            .await?;
        Ok(())
    }
}
