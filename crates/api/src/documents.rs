//! Shared documents: uploads over the GraphQL multipart request specification, language
//! editions, versions and their download links.

use async_graphql::connection::{Connection, Edge, EmptyFields, query};
use async_graphql::{Context, Enum, ID, InputObject, Object, OutputType, Upload};
use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::documents::{
    self as domain, DocumentFields, DocumentId, DocumentPatchFields, EditionLanguage,
};
use coalition_domain::meetings::MeetingId;
use coalition_services::documents::UploadedFile;
use coalition_store::{DocumentOwner, SearchFilter, SearchHit};

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::language::resolve_language;
use crate::meetings::Visibility;

/// What kind of paper a document is.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::documents::DocumentKind")]
pub(crate) enum DocumentKind {
    /// A report.
    Report,
    /// A policy brief.
    PolicyBrief,
    /// Slides.
    Presentation,
    /// A paper for a meeting's agenda.
    AgendaPaper,
    /// A meeting's minutes.
    Minutes,
    /// Anything else.
    Other,
}

/// Under which terms a document may be reused.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::documents::Licence")]
pub(crate) enum Licence {
    /// Creative Commons Attribution 4.0 (the default).
    CcBy,
    /// CC BY-SA 4.0.
    CcBySa,
    /// CC BY-ND 4.0.
    CcByNd,
    /// CC BY-NC 4.0.
    CcByNc,
    /// CC BY-NC-SA 4.0.
    CcByNcSa,
    /// CC BY-NC-ND 4.0.
    CcByNcNd,
    /// CC0 1.0: no rights reserved.
    Cc0,
    /// All rights reserved.
    AllRightsReserved,
}

/// A shared document of a working group or of the coalition.
pub(crate) struct Document(pub domain::Document);

/// One language edition of a document.
pub(crate) struct DocumentEdition(domain::Edition);

/// An immutable stored version of an edition.
pub(crate) struct DocumentVersion(domain::DocumentVersion);

/// The edition language asked for, or the request's language.
fn wanted_language(ctx: &Context<'_>, lang: Option<&str>) -> Result<EditionLanguage, ApiError> {
    match lang {
        Some(tag) => Ok(EditionLanguage::parse(tag)?),
        None => Ok(EditionLanguage::parse(resolve_language(ctx, None)?.code())?),
    }
}

/// A signed link to `version`, valid for a short while from now.
fn download_url(ctx: &Context<'_>, version: &domain::DocumentVersion) -> Result<String, ApiError> {
    let services = &api(ctx)?.services;
    Ok(services.links.link(version.id, services.now()))
}

#[Object]
impl Document {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Document, self.0.id.0)
    }
    /// The title of the edition nearest to `lang` (else the request's language, then
    /// English, then any).
    async fn title(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A BCP 47 language tag, e.g. \"fr\" or \"es-AR\".")] lang: Option<String>,
    ) -> Result<String, ApiError> {
        let wanted = wanted_language(ctx, lang.as_deref())?;
        Ok(self
            .0
            .edition(wanted)
            .map(|edition| edition.title.clone())
            .unwrap_or_default())
    }
    /// What kind of paper.
    async fn kind(&self) -> DocumentKind {
        self.0.kind.into()
    }
    /// Free tags.
    async fn tags(&self) -> &[String] {
        &self.0.tags
    }
    /// Who may read it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Reuse terms.
    async fn licence(&self) -> Licence {
        self.0.licence.into()
    }
    /// Archived documents stay readable but are left out of lists.
    async fn archived(&self) -> bool {
        self.0.archived
    }
    /// When it was first uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Its group's global ID; null for a coalition document.
    async fn working_group_id(&self) -> Option<ID> {
        self.0
            .working_group
            .map(|group| global_id(NodeKind::WorkingGroup, group.0))
    }
    /// The global ID of the meeting whose papers it is among, if any.
    async fn meeting_id(&self) -> Option<ID> {
        self.0
            .meeting
            .map(|meeting| global_id(NodeKind::Meeting, meeting.0))
    }
    /// Every language edition.
    async fn editions(&self) -> Vec<DocumentEdition> {
        self.0
            .editions
            .iter()
            .cloned()
            .map(DocumentEdition)
            .collect()
    }
    /// The edition nearest to `lang` (else the request's language), then English, then any.
    async fn edition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A BCP 47 language tag, e.g. \"fr\" or \"es-AR\".")] lang: Option<String>,
    ) -> Result<Option<DocumentEdition>, ApiError> {
        let wanted = wanted_language(ctx, lang.as_deref())?;
        Ok(self.0.edition(wanted).cloned().map(DocumentEdition))
    }
    /// A short-lived signed link to the latest version of the nearest edition.
    async fn download_url(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A BCP 47 language tag, e.g. \"fr\" or \"es-AR\".")] lang: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let wanted = wanted_language(ctx, lang.as_deref())?;
        match self
            .0
            .edition(wanted)
            .and_then(|edition| edition.versions.last())
        {
            Some(version) => Ok(Some(download_url(ctx, version)?)),
            None => Ok(None),
        }
    }
}

#[Object]
impl DocumentEdition {
    /// Its language: a BCP 47 primary language subtag.
    async fn language(&self) -> &'static str {
        self.0.language.code()
    }
    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Its description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Its versions, oldest first.
    async fn versions(&self) -> Vec<DocumentVersion> {
        self.0
            .versions
            .iter()
            .cloned()
            .map(DocumentVersion)
            .collect()
    }
    /// The newest version.
    async fn latest_version(&self) -> Option<DocumentVersion> {
        self.0.versions.last().cloned().map(DocumentVersion)
    }
}

#[Object]
impl DocumentVersion {
    /// Opaque global ID.
    async fn id(&self) -> ID {
        global_id(NodeKind::DocumentVersion, self.0.id.0)
    }
    /// 1, 2, … within its edition.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The file name offered on download.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The media type, decided from the bytes.
    async fn media_type(&self) -> &'static str {
        self.0.media_type.as_str()
    }
    /// Its size in bytes.
    async fn byte_size(&self) -> f64 {
        // GraphQL's Int is 32-bit; sizes may exceed it.
        self.0.byte_size as f64
    }
    /// The SHA-256 of its bytes, hex; also its download's ETag.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// What changed.
    async fn note(&self) -> &str {
        &self.0.note
    }
    /// When it was uploaded.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        self.0.uploaded_at
    }
    /// The uploader's global ID (null once their account is gone).
    async fn uploaded_by_id(&self) -> Option<ID> {
        self.0
            .uploaded_by
            .map(|person| global_id(NodeKind::Person, person.0))
    }
    /// `GET` this path with the bearer token to download it.
    async fn path(&self) -> String {
        format!("/files/{}", self.0.id.0)
    }
    /// A short-lived signed link, for browsers that cannot send headers on `<a href>`.
    async fn download_url(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        download_url(ctx, &self.0)
    }
}

/// A page of documents.
pub(crate) type DocumentConnection = Connection<usize, Document, EmptyFields, EmptyFields>;

/// The documents of `owner` the viewer may see, newest first, a page at a time.
pub(crate) async fn documents_page(
    ctx: &Context<'_>,
    owner: DocumentOwner,
    group: Option<WorkingGroupId>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<DocumentConnection, ApiError> {
    let documents = api(ctx)?
        .services
        .documents_for(viewer(ctx), owner, group)
        .await?;
    let documents = documents.into_iter().map(Document).collect();
    page(ctx, documents, first, after).await
}

/// One page of `items` (all loaded), by position.
async fn page<T: OutputType>(
    ctx: &Context<'_>,
    items: Vec<T>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<usize, T, EmptyFields, EmptyFields>, ApiError> {
    let limits = api(ctx)?.page_limits;
    let max = limits.max_size as usize;
    let default = limits.default_size as usize;
    query(
        after,
        None,
        first,
        None,
        |after: Option<usize>, _before: Option<usize>, first: Option<usize>, _last| async move {
            let start = after.map_or(0, |after| after + 1);
            let size = first.unwrap_or(default).min(max);
            let end = (start + size).min(items.len());
            let mut connection = Connection::new(start > 0, end < items.len());
            connection.edges.extend(
                items
                    .into_iter()
                    .enumerate()
                    .skip(start)
                    .take(end.saturating_sub(start))
                    .map(|(index, item)| Edge::new(index, item)),
            );
            Ok::<_, async_graphql::Error>(connection)
        },
    )
    .await
    .map_err(|error| ApiError::invalid("after", error.message))
}

/// A document that matched a search.
pub(crate) struct DocumentSearchHit(SearchHit);

#[Object]
impl DocumentSearchHit {
    /// The document.
    async fn document(&self) -> Document {
        Document(self.0.document.clone())
    }
    /// The language of the edition that matched.
    async fn language(&self) -> &'static str {
        self.0.language.code()
    }
    /// Text around the match as HTML: escaped, the matched words in `<mark>`.
    async fn snippet(&self) -> &str {
        &self.0.snippet
    }
}

/// A page of search hits.
pub(crate) type DocumentSearchConnection =
    Connection<usize, DocumentSearchHit, EmptyFields, EmptyFields>;

/// Finding documents.
#[derive(Default)]
pub(crate) struct DocumentsQuery;

#[Object]
impl DocumentsQuery {
    /// Documents whose title, description or tags (in any edition) hold every word of
    /// `query`, best first, among those the viewer may see (archived ones left out).
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    // The arguments are the GraphQL field's, one each.
    #[allow(clippy::too_many_arguments)]
    async fn search_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to look for; every one must occur.")] query: String,
        #[graphql(desc = "Only this group's documents.")] group_id: Option<ID>,
        #[graphql(desc = "Only editions in this language (a BCP 47 tag).")] language: Option<
            String,
        >,
        #[graphql(desc = "Only documents of this kind.")] kind: Option<DocumentKind>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<DocumentSearchConnection, ApiError> {
        let filter = SearchFilter {
            group: group_id
                .as_ref()
                .map(|id| decode_id_of(NodeKind::WorkingGroup, id, "groupId").map(WorkingGroupId))
                .transpose()?,
            language: language
                .as_deref()
                .map(EditionLanguage::parse)
                .transpose()?,
            kind: kind.map(Into::into),
        };
        let hits = api(ctx)?
            .services
            .search_documents(viewer(ctx), &query, &filter)
            .await?;
        let hits = hits.into_iter().map(DocumentSearchHit).collect();
        page(ctx, hits, first, after).await
    }
}

/// A new document's metadata.
#[derive(InputObject)]
pub(crate) struct UploadDocumentInput {
    /// The group; leave out for a coalition document (administrators).
    group_id: Option<ID>,
    /// The meeting whose papers it is among (of the same group).
    meeting_id: Option<ID>,
    /// The first edition's language, a BCP 47 tag ("en", "fr", "ar", "zh", "ru", "es", …).
    language: String,
    /// Its title in that language.
    title: String,
    /// Its description in that language.
    #[graphql(default)]
    description: String,
    /// What kind of paper; OTHER when left out.
    kind: Option<DocumentKind>,
    /// Free tags.
    #[graphql(default)]
    tags: Vec<String>,
    /// Who may read it.
    visibility: Visibility,
    /// Reuse terms; CC BY when left out.
    licence: Option<Licence>,
    /// A note on the first version.
    note: Option<String>,
}

/// Changes to a document; fields left out keep their value.
#[derive(InputObject)]
pub(crate) struct UpdateDocumentInput {
    /// The edition whose title and description change, a BCP 47 tag.
    language: String,
    /// A new title for that edition.
    title: Option<String>,
    /// A new description for that edition.
    description: Option<String>,
    /// A new kind.
    kind: Option<DocumentKind>,
    /// New tags, replacing the old ones.
    tags: Option<Vec<String>>,
    /// A new visibility.
    visibility: Option<Visibility>,
    /// A new licence.
    licence: Option<Licence>,
}

fn document_id(id: &ID) -> Result<DocumentId, ApiError> {
    Ok(DocumentId(decode_id_of(
        NodeKind::Document,
        id,
        "documentId",
    )?))
}

/// The uploaded file of an `Upload` argument.
fn uploaded_file(ctx: &Context<'_>, file: &Upload) -> Result<UploadedFile, ApiError> {
    let value = file
        .value(ctx)
        .map_err(|_| ApiError::invalid("file", "the file part of the request is missing"))?;
    Ok(UploadedFile {
        file_name: value.filename,
        content: value.content,
    })
}

/// Uploading documents and versions.
#[derive(Default)]
pub(crate) struct DocumentsMutation;

#[Object]
impl DocumentsMutation {
    /// Uploads a new document with its first version. Send it as a multipart request (the
    /// GraphQL multipart request specification), the file in `file`.
    async fn upload_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's metadata.")] input: UploadDocumentInput,
        #[graphql(desc = "The file, as a part of the multipart request.")] file: Upload,
    ) -> Result<Document, ApiError> {
        let group = input
            .group_id
            .as_ref()
            .map(|id| decode_id_of(NodeKind::WorkingGroup, id, "groupId").map(WorkingGroupId))
            .transpose()?;
        let meeting = input
            .meeting_id
            .as_ref()
            .map(|id| decode_id_of(NodeKind::Meeting, id, "meetingId").map(MeetingId))
            .transpose()?;
        let fields = DocumentFields {
            language: input.language,
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            tags: input.tags,
            visibility: input.visibility.into(),
            licence: input.licence.map(Into::into),
        };
        let upload = uploaded_file(ctx, &file)?;
        let document = api(ctx)?
            .services
            .upload_document(
                viewer(ctx),
                group,
                meeting,
                fields,
                upload,
                input.note.as_deref(),
            )
            .await?;
        Ok(Document(document))
    }

    /// Adds a version to the document's edition in `language` (opening that edition if it
    /// is new).
    async fn add_document_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] document_id: ID,
        #[graphql(desc = "The edition's language, a BCP 47 tag.")] language: String,
        #[graphql(desc = "The file, as a part of the multipart request.")] file: Upload,
        #[graphql(desc = "What changed.")] note: Option<String>,
    ) -> Result<Document, ApiError> {
        let id = self::document_id(&document_id)?;
        let upload = uploaded_file(ctx, &file)?;
        let document = api(ctx)?
            .services
            .add_document_version(viewer(ctx), id, &language, upload, note.as_deref())
            .await?;
        Ok(Document(document))
    }

    /// Changes a document's metadata, or one edition's title and description.
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] document_id: ID,
        #[graphql(desc = "What changes.")] input: UpdateDocumentInput,
    ) -> Result<Document, ApiError> {
        let fields = DocumentPatchFields {
            language: input.language,
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            tags: input.tags,
            visibility: input.visibility.map(Into::into),
            licence: input.licence.map(Into::into),
        };
        let document = api(ctx)?
            .services
            .update_document(viewer(ctx), self::document_id(&document_id)?, fields)
            .await?;
        Ok(Document(document))
    }

    /// Archives a document: left out of lists, still readable by its link. Its writers.
    async fn archive_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] document_id: ID,
    ) -> Result<Document, ApiError> {
        let id = self::document_id(&document_id)?;
        let document = api(ctx)?
            .services
            .set_document_archived(viewer(ctx), id, true)
            .await?;
        Ok(Document(document))
    }

    /// Brings an archived document back into lists. Its writers.
    async fn restore_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] document_id: ID,
    ) -> Result<Document, ApiError> {
        let id = self::document_id(&document_id)?;
        let document = api(ctx)?
            .services
            .set_document_archived(viewer(ctx), id, false)
            .await?;
        Ok(Document(document))
    }

    /// Removes a document for good with its versions, and the stored files no other
    /// version uses (administrators). Answers how many stored files were removed.
    async fn purge_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] document_id: ID,
    ) -> Result<i32, ApiError> {
        let id = self::document_id(&document_id)?;
        let removed = api(ctx)?.services.purge_document(viewer(ctx), id).await?;
        Ok(i32::try_from(removed).unwrap_or(i32::MAX))
    }
}
