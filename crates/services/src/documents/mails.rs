//! The `DOCUMENTS` notification: a new document, a new version or an archived one is
//! mailed to the members of its group (for a coalition document, to every active member of
//! any group), never to the person who made the change, and only to those the policy lets
//! read the document as stored. Each recipient's preference decides between a mail at
//! once, the daily digest, or nothing (the outbox applies it).

use std::collections::BTreeMap;

use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::documents::{Document, EditionLanguage};
use coalition_domain::mail::{DocumentNotice, DocumentNoticeKind, GroupName, Mail};
use coalition_domain::people::{Person, PersonId};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::{DocumentMails, NewMail};

use crate::{ServiceError, Services};

impl Services {
    /// The mails telling of `kind` happening to a document of `group`, done by `actor`;
    /// for a new version, `language` names its edition. Built from the document as stored.
    pub(super) async fn document_mails(
        &self,
        group: Option<WorkingGroupId>,
        actor: PersonId,
        kind: DocumentNoticeKind,
        language: Option<EditionLanguage>,
    ) -> Result<DocumentMails, ServiceError> {
        let mut audience: BTreeMap<PersonId, Person> = BTreeMap::new();
        let groups = match group {
            Some(group) => vec![group],
            None => self
                .store
                .working_groups()
                .await?
                .into_iter()
                .map(|group| group.id)
                .collect(),
        };
        for group in groups {
            for person in self.active_members(group).await? {
                audience.insert(person.id, person);
            }
        }
        audience.remove(&actor);
        let mut readers = Vec::with_capacity(audience.len());
        for (id, person) in audience {
            // Their standing as stored: a disabled account reads as nobody.
            if let Some(standing) = self.store.standing(id).await? {
                readers.push((person, Viewer::from_standing(&standing)));
            }
        }
        let actor_name = self.store.person(actor).await?.display_name;
        let group_name = match group {
            Some(group) => Some(GroupName::from(
                &self.store.working_group(group).await?.name,
            )),
            None => None,
        };
        let public_url = self.accounts.public_url.trim_end_matches('/').to_owned();
        Ok(Box::new(move |document: &Document| {
            let read = Action::read_document(document);
            let (file_name, note) = match kind {
                DocumentNoticeKind::Archived => (None, None),
                DocumentNoticeKind::Uploaded | DocumentNoticeKind::VersionAdded => {
                    let edition = match language {
                        Some(language) => document
                            .editions
                            .iter()
                            .find(|edition| edition.language == language),
                        None => document.editions.first(),
                    };
                    let version = edition.and_then(|edition| edition.versions.last());
                    (
                        version.map(|version| version.file_name.clone()),
                        version
                            .map(|version| version.note.clone())
                            .filter(|note| !note.is_empty()),
                    )
                }
            };
            let edition_language = language
                .or_else(|| document.editions.first().map(|edition| edition.language))
                .unwrap_or(EditionLanguage::ENGLISH);
            readers
                .into_iter()
                .filter(|(_, viewer)| policy::allows(viewer, read))
                .map(|(person, _)| {
                    let wanted = EditionLanguage::parse(person.preferred_language.code())
                        .unwrap_or(EditionLanguage::ENGLISH);
                    let title = document
                        .edition(wanted)
                        .map(|edition| edition.title.clone())
                        .unwrap_or_default();
                    NewMail {
                        person: Some(person.id),
                        to: person.email.clone(),
                        to_name: person.display_name.clone(),
                        language: person.preferred_language,
                        mail: Mail::Document(DocumentNotice {
                            kind,
                            name: person.display_name,
                            actor: actor_name.clone(),
                            title,
                            group: group_name.clone(),
                            language: edition_language.code().to_owned(),
                            file_name: file_name.clone(),
                            note: note.clone(),
                            link: format!("{public_url}/documents/{}", document.id.0),
                        }),
                    }
                })
                .collect()
        }))
    }
}
