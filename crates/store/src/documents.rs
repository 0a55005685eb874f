//! Shared documents, their language editions and immutable versions. The bytes live in the
//! blob store; rows name them by SHA-256. Every upload writes its rows and its activity entry
//! in one transaction.

use std::collections::HashMap;

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::documents::{
    Document, DocumentDraft, DocumentId, DocumentKind, DocumentPatch, DocumentVersion,
    DocumentVersionId, Edition, EditionLanguage, Licence, MediaType,
};
use coalition_domain::events::{Change, DocumentFacts};
use coalition_domain::meetings::{MeetingId, Visibility};
use coalition_domain::people::PersonId;
use coalition_domain::policy::Standing;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Statement,
};

use crate::Store;
use crate::activity::Recorded;
use crate::entities::{account, document, document_edition, document_version, membership};
use crate::error::{StoreError, corrupt};
use crate::outbox::{NewMail, enqueue};

/// Builds a document change's mails from the document as it will be stored (its id is
/// known only inside the transaction); they are queued in that transaction.
pub type DocumentMails = Box<dyn FnOnce(&Document) -> Vec<NewMail> + Send>;

/// A hold on the stored bytes of one SHA-256 while a purge decides to remove them or an
/// upload makes sure they are there: a write transaction, which on SQLite excludes every
/// other writer and on PostgreSQL holds an advisory lock on the hash until it ends.
#[derive(Debug)]
pub struct BlobGuard {
    txn: DatabaseTransaction,
    sha256: String,
}

/// The advisory-lock class of blob guards (PostgreSQL's two-key form: class, hash).
const BLOB_LOCK_CLASS: i32 = 0x626c_6f62;

impl BlobGuard {
    /// Whether any version uses the bytes, as committed when the guard was taken or since.
    pub async fn referenced(&self) -> Result<bool, StoreError> {
        let count = document_version::Entity::find()
            .filter(document_version::Column::Sha256.eq(self.sha256.as_str()))
            .count(&self.txn)
            .await?;
        Ok(count > 0)
    }

    /// Lets others at the bytes again.
    pub async fn release(self) -> Result<(), StoreError> {
        self.txn.commit().await?;
        Ok(())
    }
}

/// The bytes of a new version, already kept in the blob store, and what describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// The cleaned file name.
    pub file_name: String,
    /// The media type decided from the bytes.
    pub media_type: MediaType,
    /// Its size.
    pub byte_size: i64,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// What changed.
    pub note: String,
}

/// Which documents a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentOwner {
    /// A working group's documents.
    Group(WorkingGroupId),
    /// The coalition's own documents (of no group).
    Coalition,
    /// A meeting's papers and minutes.
    Meeting(MeetingId),
}

impl Store {
    /// Creates a document with its first edition and that edition's first version.
    pub async fn insert_document(
        &self,
        actor: PersonId,
        group: Option<WorkingGroupId>,
        meeting: Option<MeetingId>,
        draft: DocumentDraft,
        version: NewVersion,
        mails: DocumentMails,
    ) -> Result<Recorded<Document>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = document::ActiveModel {
            working_group_id: Set(group.map(|group| group.0)),
            meeting_id: Set(meeting.map(|meeting| meeting.0)),
            kind: Set(draft.kind.as_str().to_owned()),
            tags: Set(serde_json::Value::from(draft.tags).to_string()),
            visibility: Set(draft.visibility.as_str().to_owned()),
            licence: Set(draft.licence.as_str().to_owned()),
            archived: Set(false),
            created_by: Set(Some(actor.0)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        document_edition::ActiveModel {
            document_id: Set(row.id),
            language: Set(draft.language.code().to_owned()),
            title: Set(draft.title),
            description: Set(draft.description),
        }
        .insert(&txn)
        .await?;
        insert_version(&txn, row.id, draft.language, 1, actor, now, version).await?;
        crate::document_search::reindex(&txn, row.id).await?;
        let event = self
            .record(&txn, Some(actor), Change::DocumentUploaded(facts(&row)?))
            .await?;
        let document = load_document(&txn, row).await?;
        enqueue_all(&txn, now, mails(&document)).await?;
        txn.commit().await?;
        Ok(Recorded::new(document, vec![event]))
    }

    /// Adds a version to the document's edition in `language`, opening that edition (with
    /// the title and description of the nearest existing one) if it has none yet.
    pub async fn insert_document_version(
        &self,
        actor: PersonId,
        id: DocumentId,
        language: EditionLanguage,
        version: NewVersion,
        mails: DocumentMails,
    ) -> Result<Recorded<Document>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = find_document(&txn, id).await?;
        let editions = document_edition::Entity::find()
            .filter(document_edition::Column::DocumentId.eq(id.0))
            .all(&txn)
            .await?;
        if !editions
            .iter()
            .any(|edition| edition.language == language.code())
        {
            let template = editions
                .iter()
                .find(|edition| edition.language == EditionLanguage::ENGLISH.code())
                .or(editions.first())
                .ok_or(StoreError::Corrupt {
                    field: "document_edition",
                    reason: "a document without editions".to_owned(),
                })?;
            document_edition::ActiveModel {
                document_id: Set(id.0),
                language: Set(language.code().to_owned()),
                title: Set(template.title.clone()),
                description: Set(template.description.clone()),
            }
            .insert(&txn)
            .await?;
        }
        let existing = document_version::Entity::find()
            .filter(document_version::Column::DocumentId.eq(id.0))
            .filter(document_version::Column::Language.eq(language.code()))
            .count(&txn)
            .await?;
        let number = i32::try_from(existing + 1).unwrap_or(i32::MAX);
        insert_version(&txn, id.0, language, number, actor, now, version).await?;
        let mut update: document::ActiveModel = row.clone().into();
        update.updated_at = Set(now);
        let row = update.update(&txn).await?;
        crate::document_search::reindex(&txn, row.id).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::DocumentVersionAdded(facts(&row)?),
            )
            .await?;
        let document = load_document(&txn, row).await?;
        enqueue_all(&txn, now, mails(&document)).await?;
        txn.commit().await?;
        Ok(Recorded::new(document, vec![event]))
    }

    /// Changes a document's metadata and the title or description of one of its editions.
    pub async fn update_document(
        &self,
        actor: PersonId,
        id: DocumentId,
        patch: DocumentPatch,
    ) -> Result<Recorded<Document>, StoreError> {
        let txn = self.begin_write().await?;
        let row = find_document(&txn, id).await?;
        if patch.title.is_some() || patch.description.is_some() {
            let edition =
                document_edition::Entity::find_by_id((id.0, patch.language.code().to_owned()))
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound {
                        entity: "document edition",
                    })?;
            let mut edition: document_edition::ActiveModel = edition.into();
            if let Some(title) = patch.title {
                edition.title = Set(title);
            }
            if let Some(description) = patch.description {
                edition.description = Set(description);
            }
            edition.update(&txn).await?;
        }
        let mut update: document::ActiveModel = row.into();
        if let Some(kind) = patch.kind {
            update.kind = Set(kind.as_str().to_owned());
        }
        if let Some(tags) = patch.tags {
            update.tags = Set(serde_json::Value::from(tags).to_string());
        }
        if let Some(visibility) = patch.visibility {
            update.visibility = Set(visibility.as_str().to_owned());
        }
        if let Some(licence) = patch.licence {
            update.licence = Set(licence.as_str().to_owned());
        }
        update.updated_at = Set(self.clock.now());
        let row = update.update(&txn).await?;
        crate::document_search::reindex(&txn, row.id).await?;
        let event = self
            .record(&txn, Some(actor), Change::DocumentUpdated(facts(&row)?))
            .await?;
        let document = load_document(&txn, row).await?;
        txn.commit().await?;
        Ok(Recorded::new(document, vec![event]))
    }

    /// Archives a document (left out of lists, still readable) or restores it.
    pub async fn set_document_archived(
        &self,
        actor: PersonId,
        id: DocumentId,
        archived: bool,
        mails: DocumentMails,
    ) -> Result<Recorded<Document>, StoreError> {
        let txn = self.begin_write().await?;
        let row = find_document(&txn, id).await?;
        let mut update: document::ActiveModel = row.into();
        update.archived = Set(archived);
        update.updated_at = Set(self.clock.now());
        let row = update.update(&txn).await?;
        let change = if archived {
            Change::DocumentArchived(facts(&row)?)
        } else {
            Change::DocumentRestored(facts(&row)?)
        };
        let event = self.record(&txn, Some(actor), change).await?;
        let document = load_document(&txn, row).await?;
        enqueue_all(&txn, self.clock.now(), mails(&document)).await?;
        txn.commit().await?;
        Ok(Recorded::new(document, vec![event]))
    }

    /// Removes a document with its editions and versions; returns the SHA-256 of the bytes
    /// that no remaining version uses, for the caller to remove from the blob store.
    pub async fn purge_document(
        &self,
        actor: PersonId,
        id: DocumentId,
    ) -> Result<Recorded<Vec<String>>, StoreError> {
        let txn = self.begin_write().await?;
        let row = find_document(&txn, id).await?;
        let mut hashes: Vec<String> = document_version::Entity::find()
            .filter(document_version::Column::DocumentId.eq(id.0))
            .all(&txn)
            .await?
            .into_iter()
            .map(|version| version.sha256)
            .collect();
        hashes.sort();
        hashes.dedup();
        let event = self
            .record(&txn, Some(actor), Change::DocumentPurged(facts(&row)?))
            .await?;
        // Editions and versions go with it (foreign keys cascade); deleted explicitly too,
        // as SQLite enforces cascades only with its foreign-key pragma on.
        document_version::Entity::delete_many()
            .filter(document_version::Column::DocumentId.eq(id.0))
            .exec(&txn)
            .await?;
        document_edition::Entity::delete_many()
            .filter(document_edition::Column::DocumentId.eq(id.0))
            .exec(&txn)
            .await?;
        document::Entity::delete_by_id(id.0).exec(&txn).await?;
        // No edition is left: the search rows go.
        crate::document_search::reindex(&txn, id.0).await?;
        let mut unreferenced = Vec::new();
        for sha256 in hashes {
            let still_used = document_version::Entity::find()
                .filter(document_version::Column::Sha256.eq(sha256.as_str()))
                .count(&txn)
                .await?;
            if still_used == 0 {
                unreferenced.push(sha256);
            }
        }
        txn.commit().await?;
        Ok(Recorded::new(unreferenced, vec![event]))
    }

    /// A document with its editions and versions.
    pub async fn document(&self, id: DocumentId) -> Result<Document, StoreError> {
        let row = find_document(&self.db, id).await?;
        load_document(&self.db, row).await
    }

    /// A version, with its document (to decide who may download it).
    pub async fn document_version(
        &self,
        id: DocumentVersionId,
    ) -> Result<(DocumentVersion, Document), StoreError> {
        let row = document_version::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "document version",
            })?;
        let version = version_from_row(row)?;
        let document = self.document(version.document).await?;
        Ok((version, document))
    }

    /// The documents of `owner` in `visibilities` that are not archived, newest first.
    pub async fn documents_of(
        &self,
        owner: DocumentOwner,
        visibilities: &[Visibility],
    ) -> Result<Vec<Document>, StoreError> {
        if visibilities.is_empty() {
            return Ok(Vec::new());
        }
        let query = document::Entity::find()
            .filter(document::Column::Archived.eq(false))
            .filter(
                document::Column::Visibility
                    .is_in(visibilities.iter().map(|visibility| visibility.as_str())),
            );
        let query = match owner {
            DocumentOwner::Group(group) => {
                query.filter(document::Column::WorkingGroupId.eq(group.0))
            }
            DocumentOwner::Coalition => query.filter(document::Column::WorkingGroupId.is_null()),
            DocumentOwner::Meeting(meeting) => {
                query.filter(document::Column::MeetingId.eq(meeting.0))
            }
        };
        let rows = query
            .order_by_desc(document::Column::UpdatedAt)
            .order_by_desc(document::Column::Id)
            .all(&self.db)
            .await?;
        load_documents(&self.db, rows).await
    }

    /// Takes the [`BlobGuard`] of `sha256`, waiting while another holds it.
    pub async fn guard_blob(&self, sha256: &str) -> Result<BlobGuard, StoreError> {
        let txn = self.begin_write().await?;
        if txn.get_database_backend() == DbBackend::Postgres {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                [BLOB_LOCK_CLASS.into(), sha256.into()],
            ))
            .await?;
        }
        Ok(BlobGuard {
            txn,
            sha256: sha256.to_owned(),
        })
    }

    /// What `person` may do as stored, for deciding whether a mail may tell them about
    /// something; `None` when there is no such account.
    pub async fn standing(&self, person: PersonId) -> Result<Option<Standing>, StoreError> {
        let Some(account) = account::Entity::find()
            .filter(account::Column::PersonId.eq(person.0))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let memberships = membership::Entity::find()
            .filter(membership::Column::PersonId.eq(person.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(crate::membership::membership_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Standing {
            person,
            is_admin: account.is_admin,
            disabled: account.disabled_at.is_some(),
            memberships: memberships
                .into_iter()
                .map(|m| (m.working_group_id, (m.role, m.status)))
                .collect(),
        }))
    }

    /// Whether any version still keeps the bytes of `sha256`.
    pub async fn blob_referenced(&self, sha256: &str) -> Result<bool, StoreError> {
        let count = document_version::Entity::find()
            .filter(document_version::Column::Sha256.eq(sha256))
            .count(&self.db)
            .await?;
        Ok(count > 0)
    }
}

async fn enqueue_all(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    mails: Vec<NewMail>,
) -> Result<(), StoreError> {
    for mail in mails {
        enqueue(db, mail, now).await?;
    }
    Ok(())
}

async fn find_document(
    db: &impl ConnectionTrait,
    id: DocumentId,
) -> Result<document::Model, StoreError> {
    document::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound { entity: "document" })
}

async fn insert_version(
    db: &impl ConnectionTrait,
    document: i32,
    language: EditionLanguage,
    number: i32,
    actor: PersonId,
    now: chrono::DateTime<chrono::Utc>,
    version: NewVersion,
) -> Result<(), StoreError> {
    document_version::ActiveModel {
        document_id: Set(document),
        language: Set(language.code().to_owned()),
        number: Set(number),
        file_name: Set(version.file_name),
        media_type: Set(version.media_type.as_str().to_owned()),
        byte_size: Set(version.byte_size),
        sha256: Set(version.sha256),
        note: Set(version.note),
        uploaded_by: Set(Some(actor.0)),
        uploaded_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn facts(row: &document::Model) -> Result<DocumentFacts, StoreError> {
    Ok(DocumentFacts {
        document: DocumentId(row.id),
        group: row.working_group_id.map(WorkingGroupId),
        visibility: Visibility::parse(&row.visibility).map_err(corrupt("document.visibility"))?,
    })
}

async fn load_document(
    db: &impl ConnectionTrait,
    row: document::Model,
) -> Result<Document, StoreError> {
    let mut documents = load_documents(db, vec![row]).await?;
    documents
        .pop()
        .ok_or(StoreError::NotFound { entity: "document" })
}

/// Documents with their editions and versions, in two queries whatever their number.
pub(crate) async fn load_documents(
    db: &impl ConnectionTrait,
    rows: Vec<document::Model>,
) -> Result<Vec<Document>, StoreError> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let mut editions: HashMap<i32, Vec<document_edition::Model>> = HashMap::new();
    for edition in document_edition::Entity::find()
        .filter(document_edition::Column::DocumentId.is_in(ids.clone()))
        .order_by_asc(document_edition::Column::Language)
        .all(db)
        .await?
    {
        editions
            .entry(edition.document_id)
            .or_default()
            .push(edition);
    }
    let mut versions: HashMap<(i32, String), Vec<DocumentVersion>> = HashMap::new();
    for row in document_version::Entity::find()
        .filter(document_version::Column::DocumentId.is_in(ids))
        .order_by_asc(document_version::Column::Number)
        .all(db)
        .await?
    {
        let key = (row.document_id, row.language.clone());
        versions
            .entry(key)
            .or_default()
            .push(version_from_row(row)?);
    }
    rows.into_iter()
        .map(|row| {
            let editions = editions
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .map(|edition| {
                    Ok(Edition {
                        language: EditionLanguage::parse(&edition.language)
                            .map_err(corrupt("document_edition.language"))?,
                        versions: versions
                            .remove(&(row.id, edition.language))
                            .unwrap_or_default(),
                        title: edition.title,
                        description: edition.description,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            document_from_row(row, editions)
        })
        .collect()
}

fn document_from_row(row: document::Model, editions: Vec<Edition>) -> Result<Document, StoreError> {
    let tags: Vec<String> =
        serde_json::from_str(&row.tags).map_err(|error| StoreError::Corrupt {
            field: "document.tags",
            reason: error.to_string(),
        })?;
    Ok(Document {
        id: DocumentId(row.id),
        working_group: row.working_group_id.map(WorkingGroupId),
        meeting: row.meeting_id.map(MeetingId),
        kind: DocumentKind::parse(&row.kind).map_err(corrupt("document.kind"))?,
        tags,
        visibility: Visibility::parse(&row.visibility).map_err(corrupt("document.visibility"))?,
        licence: Licence::parse(&row.licence).map_err(corrupt("document.licence"))?,
        archived: row.archived,
        created_by: row.created_by.map(PersonId),
        created_at: row.created_at,
        editions,
    })
}

fn version_from_row(row: document_version::Model) -> Result<DocumentVersion, StoreError> {
    Ok(DocumentVersion {
        id: DocumentVersionId(row.id),
        document: DocumentId(row.document_id),
        language: EditionLanguage::parse(&row.language)
            .map_err(corrupt("document_version.language"))?,
        number: row.number,
        file_name: row.file_name,
        media_type: MediaType::parse(&row.media_type)
            .map_err(corrupt("document_version.media_type"))?,
        byte_size: row.byte_size,
        sha256: row.sha256,
        note: row.note,
        uploaded_by: row.uploaded_by.map(PersonId),
        uploaded_at: row.uploaded_at,
    })
}
