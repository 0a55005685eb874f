//! Shared documents: uploading a document or a new version (policy, validation of the
//! bytes, storage, then one transaction), what a viewer may see of them, downloads and the
//! short-lived signed links browsers use for them.

pub mod blobs;
mod links;
mod mails;

use std::io::{Read, Seek};
use std::ops::Range;
use std::sync::Arc;

use coalition_domain::InvalidInput;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::documents::{
    Document, DocumentDraft, DocumentFields, DocumentId, DocumentPatch, DocumentPatchFields,
    DocumentVersion, DocumentVersionId, EditionLanguage, MediaType, clean_file_name, parse_note,
};
use coalition_domain::mail::DocumentNoticeKind;
use coalition_domain::meetings::{MeetingId, Visibility};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::{
    DocumentMails, DocumentOwner, MATCH_END, MATCH_START, NewVersion, Recorded, SearchFilter,
    SearchHit,
};
use sha2::{Digest, Sha256};

pub use blobs::{BlobError, BlobStore, BlobStream, ObjectBlobStore, S3Options};
pub use links::{DownloadLinks, LinkKey};

use crate::{ServiceError, Services};

/// A file as the HTTP layer received it: spooled to an anonymous temporary file (gone when
/// closed), with the name the client gave.
#[derive(Debug)]
pub struct UploadedFile {
    /// The name the client sent, not yet cleaned.
    pub file_name: String,
    /// The bytes.
    pub content: std::fs::File,
}

/// How much of a file the magic-number reader looks at: enough for the entry names of an
/// Office or OpenDocument zip.
const SNIFF_BYTES: usize = 64 * 1024;

/// Where an upload's rows go once its bytes are kept.
enum UploadTarget {
    /// A new document with its first version.
    Document {
        group: Option<WorkingGroupId>,
        meeting: Option<MeetingId>,
        draft: DocumentDraft,
    },
    /// A new version of a document's edition.
    Version {
        document: DocumentId,
        language: EditionLanguage,
    },
}

/// A file examined: its cleaned name, size, hash and the media type its bytes show.
#[derive(Debug)]
struct Examined {
    version: NewVersion,
    content: std::fs::File,
}

impl From<BlobError> for ServiceError {
    fn from(error: BlobError) -> Self {
        match error {
            BlobError::NotFound => ServiceError::NotFound("file"),
            other => ServiceError::Internal(Arc::new(other)),
        }
    }
}

impl Services {
    /// Uploads a new document of `group` (of the coalition when `None`), optionally among
    /// `meeting`'s papers, with its first version.
    pub async fn upload_document(
        &self,
        viewer: &Viewer,
        group: Option<WorkingGroupId>,
        meeting: Option<MeetingId>,
        fields: DocumentFields,
        file: UploadedFile,
        note: Option<&str>,
    ) -> Result<Document, ServiceError> {
        policy::ensure(viewer, Action::WriteDocument(group))?;
        let actor = crate::actor(viewer)?;
        if let Some(group) = group {
            self.store.working_group(group).await?;
        }
        if let Some(meeting) = meeting {
            let found = self.store.meeting(meeting).await?;
            if found.working_group != group {
                return Err(
                    InvalidInput::new("meetingId", "the meeting belongs to another group").into(),
                );
            }
        }
        let draft = DocumentDraft::parse(fields)?;
        let note = parse_note(note)?;
        let mails = self
            .document_mails(group, actor, DocumentNoticeKind::Uploaded, None)
            .await?;
        let target = UploadTarget::Document {
            group,
            meeting,
            draft,
        };
        self.upload_detached(actor, target, file, note, mails).await
    }

    /// Adds a version to the `language` edition of a document (opening the edition if it
    /// is new). The document's writers only; others who cannot see it get "not found".
    pub async fn add_document_version(
        &self,
        viewer: &Viewer,
        id: DocumentId,
        language: &str,
        file: UploadedFile,
        note: Option<&str>,
    ) -> Result<Document, ServiceError> {
        let document = self.document_for(viewer, id).await?;
        policy::ensure(viewer, Action::WriteDocument(document.working_group))?;
        let actor = crate::actor(viewer)?;
        let language = EditionLanguage::parse(language)?;
        let note = parse_note(note)?;
        let mails = self
            .document_mails(
                document.working_group,
                actor,
                DocumentNoticeKind::VersionAdded,
                Some(language),
            )
            .await?;
        let target = UploadTarget::Version {
            document: id,
            language,
        };
        self.upload_detached(actor, target, file, note, mails).await
    }

    /// Keeps the bytes, writes the rows, and makes sure the bytes are still there once
    /// they are committed, in a task of its own: a client that goes away, or a request
    /// that times out, cannot stop it halfway and leave bytes without rows.
    async fn upload_detached(
        &self,
        actor: PersonId,
        target: UploadTarget,
        file: UploadedFile,
        note: String,
        mails: DocumentMails,
    ) -> Result<Document, ServiceError> {
        let services = self.clone();
        let task = tokio::spawn(async move {
            let examined = services.keep(file, note).await?;
            let sha256 = examined.version.sha256.clone();
            let result = match target {
                UploadTarget::Document {
                    group,
                    meeting,
                    draft,
                } => {
                    services
                        .store
                        .insert_document(actor, group, meeting, draft, examined.version, mails)
                        .await
                }
                UploadTarget::Version { document, language } => {
                    services
                        .store
                        .insert_document_version(actor, document, language, examined.version, mails)
                        .await
                }
            };
            let recorded: Recorded<Document> = services.unless_failed(result, &sha256).await?;
            // The version is committed: a failure here is for the operators, not the client.
            if let Err(error) = services.still_kept(&sha256, examined.content).await {
                tracing::error!(%error, sha256, "could not check the bytes of a new version");
            }
            Ok::<_, ServiceError>(services.announce(recorded).await)
        });
        task.await
            .map_err(|error| ServiceError::internal(error.to_string()))?
    }

    /// A purge of other versions with the same bytes may have removed them between their
    /// keeping and the commit of this version (it found them unused): put them back. The
    /// guard orders this check after any such removal.
    async fn still_kept(&self, sha256: &str, content: std::fs::File) -> Result<(), ServiceError> {
        let guard = self.store.guard_blob(sha256).await?;
        self.blobs.put_file(sha256, content).await?;
        guard.release().await?;
        Ok(())
    }

    /// Changes a document's metadata: its writers.
    pub async fn update_document(
        &self,
        viewer: &Viewer,
        id: DocumentId,
        fields: DocumentPatchFields,
    ) -> Result<Document, ServiceError> {
        let document = self.document_for(viewer, id).await?;
        policy::ensure(viewer, Action::WriteDocument(document.working_group))?;
        let actor = crate::actor(viewer)?;
        let patch = DocumentPatch::parse(fields)?;
        let recorded = self.store.update_document(actor, id, patch).await?;
        Ok(self.announce(recorded).await)
    }

    /// Archives a document or restores it: its writers (nobody but administrators deletes).
    pub async fn set_document_archived(
        &self,
        viewer: &Viewer,
        id: DocumentId,
        archived: bool,
    ) -> Result<Document, ServiceError> {
        let document = self.document_for(viewer, id).await?;
        policy::ensure(viewer, Action::WriteDocument(document.working_group))?;
        let actor = crate::actor(viewer)?;
        let mails: DocumentMails = if archived && !document.archived {
            self.document_mails(
                document.working_group,
                actor,
                DocumentNoticeKind::Archived,
                None,
            )
            .await?
        } else {
            Box::new(|_| Vec::new())
        };
        let recorded = self
            .store
            .set_document_archived(actor, id, archived, mails)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Removes a document for good, and the stored bytes no other version uses:
    /// administrators. Returns how many stored files went.
    pub async fn purge_document(
        &self,
        viewer: &Viewer,
        id: DocumentId,
    ) -> Result<usize, ServiceError> {
        policy::ensure(viewer, Action::PurgeDocument)?;
        let actor = crate::actor(viewer)?;
        let unreferenced = self
            .announce(self.store.purge_document(actor, id).await?)
            .await;
        let mut removed = 0;
        for sha256 in unreferenced {
            // An upload of the same bytes may have committed since: keep them then. One
            // still in flight checks under the same guard once it commits, and puts back
            // what this removed.
            let guard = self.store.guard_blob(&sha256).await?;
            if !guard.referenced().await? {
                self.blobs.delete(&sha256).await?;
                removed += 1;
            }
            guard.release().await?;
        }
        Ok(removed)
    }

    /// A document the viewer may see; others are "not found", so their existence does not
    /// leak.
    pub async fn document_for(
        &self,
        viewer: &Viewer,
        id: DocumentId,
    ) -> Result<Document, ServiceError> {
        let document = self.store.document(id).await?;
        if policy::allows(viewer, Action::read_document(&document)) {
            Ok(document)
        } else {
            Err(ServiceError::NotFound("document"))
        }
    }

    /// The documents of a group, of the coalition (`None`) or of a meeting that the viewer
    /// may see, archived ones left out.
    pub async fn documents_for(
        &self,
        viewer: &Viewer,
        owner: DocumentOwner,
        group: Option<WorkingGroupId>,
    ) -> Result<Vec<Document>, ServiceError> {
        let visible: Vec<Visibility> =
            [Visibility::Public, Visibility::Coalition, Visibility::Group]
                .into_iter()
                .filter(|&visibility| {
                    policy::allows(viewer, Action::ReadDocument { group, visibility })
                })
                .collect();
        let mut documents = self.store.documents_of(owner, &visible).await?;
        // A meeting's papers may belong to several owners; each is checked on its own.
        documents.retain(|document| policy::allows(viewer, Action::read_document(document)));
        Ok(documents)
    }

    /// Documents whose title, description or tags (in any edition) hold every word of
    /// `query`, best first, among those the viewer may see. Snippets are HTML-escaped text
    /// with the matched words in `<mark>`.
    pub async fn search_documents(
        &self,
        viewer: &Viewer,
        query: &str,
        filter: &SearchFilter,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let words = search_words(query)?;
        let mut hits = self
            .store
            .search_documents(&words, filter, MAX_SEARCH_HITS)
            .await?;
        hits.retain(|hit| policy::allows(viewer, Action::read_document(&hit.document)));
        for hit in &mut hits {
            hit.snippet = highlight(&hit.snippet);
        }
        Ok(hits)
    }

    /// A version the viewer may download, with its document; "not found" otherwise.
    pub async fn downloadable_version(
        &self,
        viewer: &Viewer,
        id: DocumentVersionId,
    ) -> Result<(DocumentVersion, Document), ServiceError> {
        let (version, document) = self.store.document_version(id).await?;
        if policy::allows(viewer, Action::read_document(&document)) {
            Ok((version, document))
        } else {
            Err(ServiceError::NotFound("file"))
        }
    }

    /// A version reached through a signed link: the link stands for the permission of the
    /// person it was made for, until it expires.
    pub async fn linked_version(
        &self,
        id: DocumentVersionId,
        expires: i64,
        signature: &str,
    ) -> Result<(DocumentVersion, Document), ServiceError> {
        if !self.links.verify(id, expires, signature, self.now()) {
            return Err(ServiceError::NotFound("file"));
        }
        Ok(self.store.document_version(id).await?)
    }

    /// The bytes of `version`, or those in `range`.
    pub async fn version_bytes(
        &self,
        version: &DocumentVersion,
        range: Option<Range<u64>>,
    ) -> Result<BlobStream, ServiceError> {
        Ok(self.blobs.get(&version.sha256, range).await?)
    }

    /// Hashes and types an upload, refuses what is not allowed, and keeps its bytes.
    async fn keep(&self, file: UploadedFile, note: String) -> Result<Examined, ServiceError> {
        let file_name = clean_file_name(&file.file_name);
        let examined = tokio::task::spawn_blocking(move || examine(file.content, file_name, note))
            .await
            .map_err(|error| ServiceError::internal(error.to_string()))??;
        let content = examined
            .content
            .try_clone()
            .map_err(|error| ServiceError::internal(error.to_string()))?;
        self.blobs
            .put_file(&examined.version.sha256, content)
            .await?;
        Ok(examined)
    }

    /// When the rows could not be written, the bytes just kept go again unless another
    /// version already used them: a failed upload leaves nothing behind.
    async fn unless_failed<T>(
        &self,
        result: Result<T, coalition_store::StoreError>,
        sha256: &str,
    ) -> Result<T, ServiceError> {
        match result {
            Ok(value) => Ok(value),
            Err(error) => {
                if let Ok(false) = self.store.blob_referenced(sha256).await
                    && let Err(cleanup) = self.blobs.delete(sha256).await
                {
                    tracing::warn!(%cleanup, "could not remove the bytes of a failed upload");
                }
                Err(error.into())
            }
        }
    }
}

/// Most hits a search looks at (before visibility is applied).
const MAX_SEARCH_HITS: u64 = 200;

/// The words of a search: letters and digits, up to 20 of them.
fn search_words(query: &str) -> Result<Vec<String>, ServiceError> {
    if query.chars().count() > 200 {
        return Err(InvalidInput::new("query", "use at most 200 characters").into());
    }
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(20)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Err(InvalidInput::new("query", "give at least one word to look for").into());
    }
    Ok(words)
}

/// A raw snippet as HTML: the text escaped, the matches between `<mark>` tags.
fn highlight(raw: &str) -> String {
    let mut html = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MATCH_START => html.push_str("<mark>"),
            MATCH_END => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    html
}

/// Reads the whole file once: its SHA-256, its size, its first bytes for the media type,
/// and whether it is UTF-8 text.
fn examine(
    mut content: std::fs::File,
    file_name: String,
    note: String,
) -> Result<Examined, ServiceError> {
    let io = |error: std::io::Error| ServiceError::internal(error.to_string());
    content.rewind().map_err(io)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size: u64 = 0;
    let mut text = Utf8Check::default();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = content.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        let chunk = &buffer[..read];
        hasher.update(chunk);
        if head.len() < SNIFF_BYTES {
            let wanted = (SNIFF_BYTES - head.len()).min(read);
            head.extend_from_slice(&chunk[..wanted]);
        }
        text.feed(chunk);
        size += read as u64;
    }
    content.rewind().map_err(io)?;
    if size == 0 {
        return Err(InvalidInput::new("file", "the file is empty").into());
    }
    let sniffed = infer::get(&head).map(|kind| kind.mime_type());
    let media_type = MediaType::decide(sniffed, text.finish(), &file_name)?;
    Ok(Examined {
        version: NewVersion {
            file_name,
            media_type,
            byte_size: i64::try_from(size).unwrap_or(i64::MAX),
            sha256: hex::encode(hasher.finalize()),
            note,
        },
        content,
    })
}

/// Whether a stream of chunks is UTF-8 text (no NUL bytes), a chunk at a time: a character
/// split between chunks is carried over.
#[derive(Debug, Default)]
struct Utf8Check {
    carry: Vec<u8>,
    failed: bool,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        if self.failed {
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        if bytes.contains(&0) {
            self.failed = true;
            return;
        }
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            // An incomplete character at the end: wait for the next chunk.
            Err(error) if error.error_len().is_none() && bytes.len() - error.valid_up_to() < 4 => {
                self.carry = bytes[error.valid_up_to()..].to_vec();
            }
            Err(_) => self.failed = true,
        }
    }

    fn finish(self) -> bool {
        !self.failed && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_around_their_marks() {
        let raw = format!("a <b> & {MATCH_START}oer{MATCH_END} \"x\"");
        assert_eq!(
            highlight(&raw),
            "a &lt;b&gt; &amp; <mark>oer</mark> &quot;x&quot;"
        );
        assert!(search_words(" ;; ").is_err());
        assert_eq!(
            search_words("Open-Licensing \"OER\"").ok(),
            Some(vec![
                "open".to_owned(),
                "licensing".to_owned(),
                "oer".to_owned()
            ])
        );
    }

    #[test]
    fn text_split_inside_a_character_is_still_text() {
        let text = "é".repeat(10);
        let bytes = text.as_bytes();
        let mut check = Utf8Check::default();
        check.feed(&bytes[..3]);
        check.feed(&bytes[3..]);
        assert!(check.finish());
        let mut truncated = Utf8Check::default();
        truncated.feed(&bytes[..3]);
        assert!(!truncated.finish());
        let mut binary = Utf8Check::default();
        binary.feed(&[0xff, 0xfe, 0x00]);
        assert!(!binary.finish());
    }
}
