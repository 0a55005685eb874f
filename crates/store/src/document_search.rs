//! Full-text search over documents' editions (title, description, tags), behind one
//! function: SQLite's FTS5 table `document_search`, or on PostgreSQL each edition's
//! `search_vector` (in its language's configuration, `simple` where PostgreSQL has none;
//! title over description over tags) under a GIN index. Both are kept in step by the
//! writes in `documents.rs`, in their transactions.

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::documents::{Document, DocumentKind, EditionLanguage};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::Store;
use crate::error::StoreError;

/// What a search is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchFilter {
    /// Documents of this group only.
    pub group: Option<WorkingGroupId>,
    /// Editions in this language only.
    pub language: Option<EditionLanguage>,
    /// Documents of this kind only.
    pub kind: Option<DocumentKind>,
}

/// One hit: the document, the edition that matched and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The document.
    pub document: Document,
    /// The edition that matched.
    pub language: EditionLanguage,
    /// Text around the match, the matched words between the two markers.
    pub snippet: String,
}

/// Marks the start of a matched word in a raw snippet (a private-use character, so no
/// document text can forge it).
pub const MATCH_START: char = '\u{E000}';
/// Marks the end of a matched word in a raw snippet.
pub const MATCH_END: char = '\u{E001}';

impl Store {
    /// Editions matching `words` (every word must occur), best first, at most `limit`,
    /// archived documents left out. Visibility is the caller's to apply.
    pub async fn search_documents(
        &self,
        words: &[String],
        filter: &SearchFilter,
        limit: u64,
    ) -> Result<Vec<SearchHit>, StoreError> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.db.get_database_backend();
        let mut values: Vec<Value> = Vec::new();
        let mut bind = |value: Value| {
            values.push(value);
            // Numbered, as the SQL names them out of binding order.
            match backend {
                DbBackend::Postgres => format!("${}", values.len()),
                _ => format!("?{}", values.len()),
            }
        };
        let sql = if backend == DbBackend::Postgres {
            let query = bind(words.join(" ").into());
            let options = bind(
                format!("StartSel={MATCH_START}, StopSel={MATCH_END}, MaxWords=25, MinWords=8")
                    .into(),
            );
            // The words are parsed once per configuration, and each configuration's
            // editions are found through the index with the query in their own language.
            let mut sql = format!(
                "SELECT e.document_id AS document_id, e.language AS language, \
                 ts_headline(e.search_config, e.title || ' ' || e.description, q.query, {options}) \
                 AS snippet \
                 FROM (SELECT c.oid::regconfig AS cfg FROM pg_ts_config c) c \
                 CROSS JOIN LATERAL (SELECT plainto_tsquery(c.cfg, {query}) AS query) q \
                 JOIN document_edition e \
                   ON e.search_config = c.cfg AND e.search_vector @@ q.query \
                 JOIN document d ON d.id = e.document_id \
                 WHERE d.archived = false"
            );
            narrow(&mut sql, filter, "e.language", &mut bind);
            let limit = bind((limit as i64).into());
            sql.push_str(&format!(
                " ORDER BY ts_rank(e.search_vector, q.query) DESC, e.document_id DESC \
                 LIMIT {limit}"
            ));
            sql
        } else {
            // Each word quoted: FTS5's query syntax (AND, NEAR, column filters) stays out.
            let query: Vec<String> = words
                .iter()
                .map(|word| format!("\"{}\"", word.replace('"', "")))
                .collect();
            let query = bind(query.join(" ").into());
            let start = bind(MATCH_START.to_string().into());
            let end = bind(MATCH_END.to_string().into());
            let mut sql = format!(
                "SELECT s.document_id AS document_id, s.language AS language, \
                 snippet(document_search, -1, {start}, {end}, '…', 16) AS snippet \
                 FROM document_search s JOIN document d ON d.id = s.document_id \
                 WHERE document_search MATCH {query} AND d.archived = 0"
            );
            narrow(&mut sql, filter, "s.language", &mut bind);
            let limit = bind((limit as i64).into());
            sql.push_str(&format!(
                " ORDER BY bm25(document_search), s.document_id DESC LIMIT {limit}"
            ));
            sql
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        let mut found = Vec::new();
        for row in rows {
            let id: i32 = row.try_get("", "document_id")?;
            let language: String = row.try_get("", "language")?;
            let snippet: String = row.try_get("", "snippet")?;
            let language =
                EditionLanguage::parse(&language).map_err(|error| StoreError::Corrupt {
                    field: "document_search.language",
                    reason: error.message,
                })?;
            found.push((id, language, snippet));
        }
        let mut hits = Vec::with_capacity(found.len());
        for (id, language, snippet) in found {
            let document = self
                .document(coalition_domain::documents::DocumentId(id))
                .await?;
            hits.push(SearchHit {
                document,
                language,
                snippet,
            });
        }
        Ok(hits)
    }
}

/// Appends the filter's conditions.
fn narrow(
    sql: &mut String,
    filter: &SearchFilter,
    language_column: &str,
    bind: &mut impl FnMut(Value) -> String,
) {
    if let Some(group) = filter.group {
        let group = bind(group.0.into());
        sql.push_str(&format!(" AND d.working_group_id = {group}"));
    }
    if let Some(language) = filter.language {
        let language = bind(language.code().into());
        sql.push_str(&format!(" AND {language_column} = {language}"));
    }
    if let Some(kind) = filter.kind {
        let kind = bind(kind.as_str().into());
        sql.push_str(&format!(" AND d.kind = {kind}"));
    }
}

/// Rewrites the search entries of a document from its editions and tags, inside the
/// caller's transaction: SQLite's rows, or PostgreSQL's configurations and vectors.
pub(crate) async fn reindex(db: &impl ConnectionTrait, document: i32) -> Result<(), StoreError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE document_edition e SET \
                search_config = document_search_config(e.language), \
                search_vector = \
                    setweight(to_tsvector(document_search_config(e.language), e.title), 'A') \
                 || setweight(to_tsvector(document_search_config(e.language), e.description), 'B') \
                 || setweight(to_tsvector(document_search_config(e.language), d.tags), 'C') \
             FROM document d WHERE d.id = e.document_id AND e.document_id = $1",
            [document.into()],
        ))
        .await?;
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "DELETE FROM document_search WHERE document_id = ?",
        [document.into()],
    ))
    .await?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "INSERT INTO document_search (document_id, language, title, description, tags) \
         SELECT e.document_id, e.language, e.title, e.description, \
                (SELECT group_concat(value, ' ') FROM json_each(d.tags)) \
         FROM document_edition e JOIN document d ON d.id = e.document_id \
         WHERE e.document_id = ?",
        [document.into()],
    ))
    .await?;
    Ok(())
}
