//! Shared documents: a document of a working group or of the coalition (optionally the
//! papers of a meeting), in language editions, each a series of immutable versions whose
//! bytes are kept content-addressed by their SHA-256.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::InvalidInput;
use crate::coalition::WorkingGroupId;
use crate::meetings::{MeetingId, Visibility};
use crate::people::{PersonId, parse_short_text};

/// A document's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentId(pub i32);

/// A stored version's id (what `/files/{id}` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentVersionId(pub i32);

/// What kind of paper a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
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

impl DocumentKind {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Report => "report",
            DocumentKind::PolicyBrief => "policy_brief",
            DocumentKind::Presentation => "presentation",
            DocumentKind::AgendaPaper => "agenda_paper",
            DocumentKind::Minutes => "minutes",
            DocumentKind::Other => "other",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        [
            DocumentKind::Report,
            DocumentKind::PolicyBrief,
            DocumentKind::Presentation,
            DocumentKind::AgendaPaper,
            DocumentKind::Minutes,
            DocumentKind::Other,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == code)
        .ok_or_else(|| InvalidInput::new("kind", format!("unknown kind '{code}'")))
    }
}

/// Under which terms a document may be reused. Open resources are the point: CC BY is the
/// default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Licence {
    /// CC BY 4.0.
    #[default]
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
    /// CC0 1.0 (public domain dedication).
    Cc0,
    /// All rights reserved.
    AllRightsReserved,
}

impl Licence {
    const ALL: [Licence; 8] = [
        Licence::CcBy,
        Licence::CcBySa,
        Licence::CcByNd,
        Licence::CcByNc,
        Licence::CcByNcSa,
        Licence::CcByNcNd,
        Licence::Cc0,
        Licence::AllRightsReserved,
    ];

    /// The stable code stored in the database (SPDX where one exists).
    pub fn as_str(self) -> &'static str {
        match self {
            Licence::CcBy => "CC-BY-4.0",
            Licence::CcBySa => "CC-BY-SA-4.0",
            Licence::CcByNd => "CC-BY-ND-4.0",
            Licence::CcByNc => "CC-BY-NC-4.0",
            Licence::CcByNcSa => "CC-BY-NC-SA-4.0",
            Licence::CcByNcNd => "CC-BY-NC-ND-4.0",
            Licence::Cc0 => "CC0-1.0",
            Licence::AllRightsReserved => "all-rights-reserved",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        Licence::ALL
            .into_iter()
            .find(|licence| licence.as_str() == code)
            .ok_or_else(|| InvalidInput::new("licence", format!("unknown licence '{code}'")))
    }
}

/// The languages a document edition may be in: BCP 47 primary language subtags (ISO
/// 639-1). UNESCO's six official languages first, then languages the coalition's members
/// commonly publish in.
const EDITION_LANGUAGES: [&str; 24] = [
    "ar", "zh", "en", "fr", "ru", "es", "pt", "de", "it", "nl", "sw", "hi", "bn", "ja", "ko", "id",
    "tr", "fa", "ur", "pl", "uk", "vi", "th", "ms",
];

/// The language of an edition: a BCP 47 primary language subtag, lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EditionLanguage(&'static str);

impl EditionLanguage {
    /// English: the fallback when no edition matches the reader's language.
    pub const ENGLISH: EditionLanguage = EditionLanguage("en");

    /// Parses a BCP 47 tag (`fr`, `fr-CA`, `zh-Hans`) into its primary language subtag;
    /// unknown languages are refused.
    pub fn parse(tag: &str) -> Result<Self, InvalidInput> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        let primary = primary.to_ascii_lowercase();
        EDITION_LANGUAGES
            .iter()
            .find(|code| **code == primary)
            .map(|code| EditionLanguage(code))
            .ok_or_else(|| {
                InvalidInput::new(
                    "language",
                    format!(
                        "'{tag}' is not a supported language tag; use one of {}",
                        EDITION_LANGUAGES.join(", ")
                    ),
                )
            })
    }

    /// The subtag.
    pub fn code(self) -> &'static str {
        self.0
    }
}

/// Picks the edition to show a reader of `wanted`: that language, then English, then the
/// first there is.
pub fn nearest_edition<T>(
    editions: &[T],
    language_of: impl Fn(&T) -> EditionLanguage,
    wanted: EditionLanguage,
) -> Option<&T> {
    editions
        .iter()
        .find(|edition| language_of(edition) == wanted)
        .or_else(|| {
            editions
                .iter()
                .find(|edition| language_of(edition) == EditionLanguage::ENGLISH)
        })
        .or_else(|| editions.first())
}

/// A document as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its id.
    pub id: DocumentId,
    /// Its group; `None` for a coalition document.
    pub working_group: Option<WorkingGroupId>,
    /// The meeting whose papers it belongs to, if any.
    pub meeting: Option<MeetingId>,
    /// What kind of paper.
    pub kind: DocumentKind,
    /// Free tags, lower case, without duplicates.
    pub tags: Vec<String>,
    /// Who may read it.
    pub visibility: Visibility,
    /// Reuse terms.
    pub licence: Licence,
    /// Archived documents stay readable but are left out of lists.
    pub archived: bool,
    /// Who uploaded the first version.
    pub created_by: Option<PersonId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Its editions, English and others.
    pub editions: Vec<Edition>,
}

impl Document {
    /// The edition nearest to `wanted` (then English, then any).
    pub fn edition(&self, wanted: EditionLanguage) -> Option<&Edition> {
        nearest_edition(&self.editions, |edition| edition.language, wanted)
    }
}

/// One language edition of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Edition {
    /// Its language.
    pub language: EditionLanguage,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// Its versions, oldest first; never empty.
    pub versions: Vec<DocumentVersion>,
}

/// An immutable stored version of an edition.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentVersion {
    /// Its id.
    pub id: DocumentVersionId,
    /// Its document.
    pub document: DocumentId,
    /// The edition's language.
    pub language: EditionLanguage,
    /// 1, 2, … within its edition.
    pub number: i32,
    /// The file name offered on download, cleaned.
    pub file_name: String,
    /// The media type decided from the bytes.
    pub media_type: MediaType,
    /// Its size.
    pub byte_size: i64,
    /// The SHA-256 of its bytes, lower-case hex: its storage key and its ETag.
    pub sha256: String,
    /// What changed.
    pub note: String,
    /// Who uploaded it.
    pub uploaded_by: Option<PersonId>,
    /// When (from the clock).
    pub uploaded_at: DateTime<Utc>,
}

/// Metadata of a new document, as given by its uploader (not yet validated).
#[derive(Debug, Clone)]
pub struct DocumentFields {
    /// The first edition's language.
    pub language: String,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// What kind of paper.
    pub kind: Option<DocumentKind>,
    /// Tags.
    pub tags: Vec<String>,
    /// Who may read it.
    pub visibility: Visibility,
    /// Reuse terms; CC BY when not given.
    pub licence: Option<Licence>,
}

/// A new document's metadata, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentDraft {
    /// The first edition's language.
    pub language: EditionLanguage,
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// What kind of paper.
    pub kind: DocumentKind,
    /// Tags, lower case, deduplicated.
    pub tags: Vec<String>,
    /// Who may read it.
    pub visibility: Visibility,
    /// Reuse terms.
    pub licence: Licence,
}

/// Most tags on a document.
pub const MAX_TAGS: usize = 20;

impl DocumentDraft {
    /// Validates what an uploader sent.
    pub fn parse(fields: DocumentFields) -> Result<Self, InvalidInput> {
        let language = EditionLanguage::parse(&fields.language)?;
        let title = parse_short_text("title", &fields.title, 300)?;
        let description = parse_description(&fields.description)?;
        let tags = parse_tags(&fields.tags)?;
        Ok(DocumentDraft {
            language,
            title,
            description,
            kind: fields.kind.unwrap_or(DocumentKind::Other),
            tags,
            visibility: fields.visibility,
            licence: fields.licence.unwrap_or_default(),
        })
    }
}

/// Changes to a document's metadata, as sent (not yet validated); `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct DocumentPatchFields {
    /// The edition whose title and description change.
    pub language: String,
    /// A new title for that edition.
    pub title: Option<String>,
    /// A new description for that edition.
    pub description: Option<String>,
    /// A new kind.
    pub kind: Option<DocumentKind>,
    /// New tags (replacing the old ones).
    pub tags: Option<Vec<String>>,
    /// A new visibility.
    pub visibility: Option<Visibility>,
    /// A new licence.
    pub licence: Option<Licence>,
}

/// Changes to a document's metadata, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPatch {
    /// The edition whose title and description change.
    pub language: EditionLanguage,
    /// A new title for that edition.
    pub title: Option<String>,
    /// A new description for that edition.
    pub description: Option<String>,
    /// A new kind.
    pub kind: Option<DocumentKind>,
    /// New tags, lower case, deduplicated.
    pub tags: Option<Vec<String>>,
    /// A new visibility.
    pub visibility: Option<Visibility>,
    /// A new licence.
    pub licence: Option<Licence>,
}

impl DocumentPatch {
    /// Validates what an editor sent.
    pub fn parse(fields: DocumentPatchFields) -> Result<Self, InvalidInput> {
        Ok(DocumentPatch {
            language: EditionLanguage::parse(&fields.language)?,
            title: fields
                .title
                .map(|title| parse_short_text("title", &title, 300))
                .transpose()?,
            description: fields
                .description
                .map(|description| parse_description(&description))
                .transpose()?,
            kind: fields.kind,
            tags: fields.tags.map(|tags| parse_tags(&tags)).transpose()?,
            visibility: fields.visibility,
            licence: fields.licence,
        })
    }
}

/// Tags: at most [`MAX_TAGS`], each short, lower case, without duplicates.
fn parse_tags(raw: &[String]) -> Result<Vec<String>, InvalidInput> {
    if raw.len() > MAX_TAGS {
        return Err(InvalidInput::new(
            "tags",
            format!("use at most {MAX_TAGS} tags"),
        ));
    }
    let mut tags = Vec::new();
    for tag in raw {
        let tag = parse_short_text("tags", tag, 50)?.to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    Ok(tags)
}

/// A description: up to 5,000 characters, line breaks allowed, no other control characters.
pub fn parse_description(raw: &str) -> Result<String, InvalidInput> {
    let text = raw.trim();
    if text.chars().count() > 5_000 {
        return Err(InvalidInput::new(
            "description",
            "use at most 5000 characters",
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(InvalidInput::new(
            "description",
            "must not contain control characters other than line breaks",
        ));
    }
    Ok(text.to_owned())
}

/// A version note: short, optional.
pub fn parse_note(raw: Option<&str>) -> Result<String, InvalidInput> {
    match raw.map(str::trim).filter(|note| !note.is_empty()) {
        None => Ok(String::new()),
        Some(note) => parse_short_text("note", note, 1_000),
    }
}

/// The media types a version may have, decided from its bytes, never from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// PDF.
    Pdf,
    /// Word (OOXML).
    Docx,
    /// Excel (OOXML).
    Xlsx,
    /// PowerPoint (OOXML).
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument presentation.
    Odp,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// UTF-8 plain text (also Markdown and CSV, told apart by the name's extension).
    Text,
    /// Markdown (UTF-8 text named `.md`).
    Markdown,
    /// CSV (UTF-8 text named `.csv`).
    Csv,
}

impl MediaType {
    const ALL: [MediaType; 12] = [
        MediaType::Pdf,
        MediaType::Docx,
        MediaType::Xlsx,
        MediaType::Pptx,
        MediaType::Odt,
        MediaType::Ods,
        MediaType::Odp,
        MediaType::Png,
        MediaType::Jpeg,
        MediaType::Text,
        MediaType::Markdown,
        MediaType::Csv,
    ];

    /// The IANA media type: stored, and sent as `Content-Type`.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            MediaType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            MediaType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            MediaType::Odt => "application/vnd.oasis.opendocument.text",
            MediaType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            MediaType::Odp => "application/vnd.oasis.opendocument.presentation",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Text => "text/plain",
            MediaType::Markdown => "text/markdown",
            MediaType::Csv => "text/csv",
        }
    }

    /// Parses the stored type.
    pub fn parse(stored: &str) -> Result<Self, InvalidInput> {
        MediaType::ALL
            .into_iter()
            .find(|media| media.as_str() == stored)
            .ok_or_else(|| InvalidInput::new("mediaType", format!("unknown type '{stored}'")))
    }

    /// The `Content-Type` header: text types say their charset.
    pub fn content_type(self) -> String {
        match self {
            MediaType::Text | MediaType::Markdown | MediaType::Csv => {
                format!("{}; charset=utf-8", self.as_str())
            }
            other => other.as_str().to_owned(),
        }
    }

    /// Decides the type of a file from its first bytes, as `sniffed` by a magic-number
    /// reader (its IANA type, if it recognised one), whether the whole file is valid UTF-8
    /// text, and its cleaned name (only to tell Markdown and CSV from plain text).
    pub fn decide(
        sniffed: Option<&str>,
        is_utf8_text: bool,
        file_name: &str,
    ) -> Result<Self, InvalidInput> {
        if let Some(sniffed) = sniffed {
            return MediaType::ALL
                .into_iter()
                .find(|media| media.as_str() == sniffed)
                .ok_or_else(|| {
                    InvalidInput::new(
                        "file",
                        format!(
                            "files of type {sniffed} are not accepted; send PDF, Office or \
                             OpenDocument files, PNG or JPEG images, or UTF-8 text"
                        ),
                    )
                });
        }
        if !is_utf8_text {
            return Err(InvalidInput::new(
                "file",
                "the file's type is not recognised; send PDF, Office or OpenDocument files, \
                 PNG or JPEG images, or UTF-8 text",
            ));
        }
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase());
        Ok(match extension.as_deref() {
            Some("md" | "markdown") => MediaType::Markdown,
            Some("csv") => MediaType::Csv,
            _ => MediaType::Text,
        })
    }
}

/// Cleans an uploaded file's name: the last path segment only, without control characters
/// or characters that mean something to shells and file systems; never empty.
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let cleaned: String = cleaned.chars().take(200).collect();
    if cleaned.is_empty() {
        "document".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("re\u{0}po\nrt\u{7f}.pdf"), "report.pdf");
        assert_eq!(clean_file_name("..."), "document");
        assert_eq!(clean_file_name("a:b?.txt"), "a_b_.txt");
        assert_eq!(clean_file_name(""), "document");
    }

    #[test]
    fn languages_are_primary_subtags_of_known_languages() {
        assert_eq!(EditionLanguage::parse("fr-CA").map(|l| l.code()), Ok("fr"));
        assert_eq!(
            EditionLanguage::parse("ZH-Hans").map(|l| l.code()),
            Ok("zh")
        );
        for code in ["ar", "zh", "en", "fr", "ru", "es"] {
            assert!(EditionLanguage::parse(code).is_ok(), "{code}");
        }
        assert!(EditionLanguage::parse("xx").is_err());
        assert!(EditionLanguage::parse("").is_err());
    }

    #[test]
    fn the_nearest_edition_falls_back_to_english_then_any() {
        let lang = |code| EditionLanguage::parse(code).unwrap_or(EditionLanguage::ENGLISH);
        let editions = [lang("fr"), lang("en"), lang("es")];
        let pick = |wanted| nearest_edition(&editions, |l| *l, lang(wanted)).map(|l| l.code());
        assert_eq!(pick("es"), Some("es"));
        assert_eq!(pick("ru"), Some("en"));
        let no_english = [lang("fr"), lang("ar")];
        assert_eq!(
            nearest_edition(&no_english, |l| *l, lang("ru")).map(|l| l.code()),
            Some("fr")
        );
    }

    #[test]
    fn media_types_come_from_the_bytes() {
        assert_eq!(
            MediaType::decide(Some("application/pdf"), false, "x.txt"),
            Ok(MediaType::Pdf)
        );
        assert!(MediaType::decide(Some("application/x-executable"), false, "x.pdf").is_err());
        assert!(MediaType::decide(None, false, "x.pdf").is_err());
        assert_eq!(
            MediaType::decide(None, true, "notes.MD"),
            Ok(MediaType::Markdown)
        );
        assert_eq!(
            MediaType::decide(None, true, "data.csv"),
            Ok(MediaType::Csv)
        );
        assert_eq!(MediaType::decide(None, true, "x.pdf"), Ok(MediaType::Text));
    }

    #[test]
    fn drafts_default_to_cc_by_and_clean_tags() {
        let draft = DocumentDraft::parse(DocumentFields {
            language: "en".into(),
            title: " Report ".into(),
            description: String::new(),
            kind: None,
            tags: vec!["OER".into(), "oer".into(), "policy".into()],
            visibility: Visibility::Public,
            licence: None,
        });
        let draft = draft.map_err(|e| e.message);
        assert_eq!(draft.as_ref().map(|d| d.licence), Ok(Licence::CcBy));
        assert_eq!(
            draft.as_ref().map(|d| d.tags.clone()),
            Ok(vec!["oer".to_owned(), "policy".to_owned()])
        );
        assert_eq!(draft.map(|d| d.title), Ok("Report".to_owned()));
    }
}
