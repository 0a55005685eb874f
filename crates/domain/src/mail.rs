//! The mails the coalition sends: one [`Mail`] variant per kind of mail, each carrying what
//! its templates need, and owning its template, subject, notification category and whether
//! it is a security mail. The compiler then checks every place a mail is built, stored,
//! rendered or erased, where template names and JSON blobs used to be matched by hand.
//!
//! The outbox keeps a mail as its template's name and the variant's fields (JSON), so each
//! variant's serde form is a stored format: messages queued by an earlier release must still
//! read back. Add fields as `Option` (absent reads as `None`), never rename one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::language::{Language, LocalisedText};
use crate::notifications::NotificationCategory;
use crate::sealing::{SealError, SealedToken, TokenKey};

/// A mail to send, with everything its templates need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", content = "data", rename_all = "snake_case")]
pub enum Mail {
    /// Confirms a new account's address with a one-time link.
    VerifyEmail(OneTimeLink),
    /// Lets a person who lost their password choose a new one, with a one-time link.
    ResetPassword(OneTimeLink),
    /// Tells an account's owner that someone tried to sign up with their address (the
    /// sign-up answers as if it worked, so it cannot tell who has an account), with a
    /// one-time link to reset the password should they have forgotten it.
    RegistrationAttempted(OneTimeLink),
    /// Tells one of a group's coordinators that someone asks to join.
    JoinRequested(JoinRequested),
    /// Tells a person whether their request to join was approved.
    MembershipDecided(MembershipDecided),
    /// Invites an address (maybe without an account yet) to a working group.
    Invitation(Invitation),
    /// Tells an invitee that a meeting was scheduled, changed or cancelled, or is near.
    Meeting(MeetingNotice),
    /// Tells a group's members of a new document, a new version of one, or one archived.
    Document(DocumentNotice),
    /// Gathers, once a day, the mails a person chose to receive that way.
    DailyDigest(DailyDigest),
    // Members managing themselves (issue 15 item 4).
    /// Tells an account's current address that someone asked to move the account to
    /// another one (a security notice: nothing to click).
    EmailChangeRequested(EmailChangeNotice),
}

/// Which kind of mail a [`Mail`] is, without its fields: what the outbox still knows of a
/// message once its fields were erased, and what administrators see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    /// [`Mail::VerifyEmail`].
    VerifyEmail,
    /// [`Mail::ResetPassword`].
    ResetPassword,
    /// [`Mail::RegistrationAttempted`].
    RegistrationAttempted,
    /// [`Mail::JoinRequested`].
    JoinRequested,
    /// [`Mail::MembershipDecided`].
    MembershipDecided,
    /// [`Mail::Invitation`].
    Invitation,
    /// [`Mail::Meeting`].
    Meeting,
    /// [`Mail::Document`].
    Document,
    /// [`Mail::DailyDigest`].
    DailyDigest,
    /// [`Mail::EmailChangeRequested`].
    EmailChangeRequested,
}

/// A one-time link sent to a person's own address (verification, password reset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeLink {
    /// The recipient's name, to greet them.
    pub name: String,
    /// The link and its token, sealed while queued.
    #[serde(flatten)]
    pub token: LinkToken,
}

/// The one-time token of a mailed link. Queued mail holds it sealed, so the outbox never
/// holds a usable link; the worker opens it at send time and the templates read the clear
/// form (`link`, `token`). Rows queued before sealing hold the clear form and still send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LinkToken {
    /// As queued: the token sealed, to be appended to `link_prefix` at send time.
    Sealed {
        /// The link up to the token (ends with `token=`).
        link_prefix: String,
        /// The token, sealed with the configured key.
        sealed_token: SealedToken,
    },
    /// As rendered (and as queued by earlier releases).
    Clear {
        /// The link to open; it holds the token.
        link: String,
        /// The one-time token itself, for typing in where the link cannot be opened.
        token: String,
    },
}

impl LinkToken {
    /// Seals `token`, to follow `link_prefix` once opened.
    pub fn seal(link_prefix: String, token: &str, key: &TokenKey) -> Result<Self, SealError> {
        Ok(Self::Sealed {
            link_prefix,
            sealed_token: key.seal(token)?,
        })
    }

    /// The clear form, opening a sealed token with `key`.
    pub fn open(self, key: &TokenKey) -> Result<Self, SealError> {
        match self {
            Self::Sealed {
                link_prefix,
                sealed_token,
            } => {
                let token = key.open(&sealed_token)?;
                Ok(Self::Clear {
                    link: format!("{link_prefix}{token}"),
                    token,
                })
            }
            clear @ Self::Clear { .. } => Ok(clear),
        }
    }
}

impl OneTimeLink {
    fn open(self, key: &TokenKey) -> Result<Self, SealError> {
        Ok(Self {
            token: self.token.open(key)?,
            ..self
        })
    }
}

/// A working group's name in both working languages, the French one falling back to English
/// (stored as `group_en` and `group_fr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupName {
    /// The English name.
    #[serde(rename = "group_en")]
    pub en: String,
    /// The French name, or the English one while none exists.
    #[serde(rename = "group_fr")]
    pub fr: String,
}

impl GroupName {
    /// The name in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Fr => &self.fr,
            // Other languages read the English name until mails carry theirs.
            Language::En | Language::Ar | Language::Zh | Language::Ru | Language::Es => &self.en,
        }
    }
}

impl From<&LocalisedText> for GroupName {
    fn from(name: &LocalisedText) -> Self {
        Self {
            en: name.get(Language::En).to_owned(),
            fr: name.get(Language::Fr).to_owned(),
        }
    }
}

/// Someone asks to join a group; sent to each of its coordinators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequested {
    /// The coordinator's name.
    pub name: String,
    /// Who asks to join.
    pub requester: String,
    /// The group they ask to join.
    #[serde(flatten)]
    pub group: GroupName,
    /// What they wrote to the coordinators, if anything.
    pub motivation: Option<String>,
    /// Where the coordinators review requests.
    pub link: String,
}

/// How a request to join was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "DecisionFields", try_from = "DecisionFields")]
pub enum MembershipDecision {
    /// The person is now a member.
    Approved,
    /// The request was turned down, saying why.
    Rejected {
        /// What the coordinator wrote, so the person knows what to do next.
        reason: String,
    },
}

/// The stored (and template) form of a [`MembershipDecision`]: `approved`, and the `reason`
/// of a rejection.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DecisionFields {
    approved: bool,
    reason: Option<String>,
}

impl From<MembershipDecision> for DecisionFields {
    fn from(decision: MembershipDecision) -> Self {
        match decision {
            MembershipDecision::Approved => Self {
                approved: true,
                reason: None,
            },
            MembershipDecision::Rejected { reason } => Self {
                approved: false,
                reason: Some(reason),
            },
        }
    }
}

impl TryFrom<DecisionFields> for MembershipDecision {
    type Error = &'static str;

    fn try_from(fields: DecisionFields) -> Result<Self, Self::Error> {
        match fields {
            DecisionFields { approved: true, .. } => Ok(Self::Approved),
            DecisionFields {
                approved: false,
                reason: Some(reason),
            } => Ok(Self::Rejected { reason }),
            DecisionFields {
                approved: false,
                reason: None,
            } => Err("a rejection carries its reason"),
        }
    }
}

/// A person's request to join was decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipDecided {
    /// The person's name.
    pub name: String,
    /// The group they asked to join.
    #[serde(flatten)]
    pub group: GroupName,
    /// Approved, or rejected and why.
    #[serde(flatten)]
    pub decision: MembershipDecision,
}

/// An invitation to a working group, written in both languages since the invitee's
/// preference is not known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Who invites.
    pub inviter: String,
    /// The group.
    #[serde(flatten)]
    pub group: GroupName,
    /// Where to accept, and the token, sealed while queued.
    #[serde(flatten)]
    pub token: LinkToken,
}

/// What happened to a meeting, for the mail telling its invitees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingNoticeKind {
    /// A new meeting.
    Scheduled,
    /// The meeting, or one of its occurrences, changed.
    Changed,
    /// The meeting was called off.
    Cancelled,
    /// The meeting (or its next occurrence) is coming up.
    Reminder,
}

/// The iTIP method (RFC 5546) of the calendar invitation attached to a meeting mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CalendarMethod {
    /// Adds or updates the calendar entry.
    Request,
    /// Removes the calendar entry.
    Cancel,
}

impl CalendarMethod {
    /// The method as it appears in `METHOD:` and in the part's `Content-Type`.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarMethod::Request => "REQUEST",
            CalendarMethod::Cancel => "CANCEL",
        }
    }
}

/// A meeting scheduled, changed, cancelled or coming up, as one invitee reads it: in their
/// language and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingNotice {
    /// What happened to the meeting.
    pub kind: MeetingNoticeKind,
    /// The invitee's name.
    pub name: String,
    /// The meeting's title.
    pub title: String,
    /// When it takes place, written out in the invitee's time zone.
    pub when: String,
    /// Where to join online, if anywhere.
    pub online_url: Option<String>,
    /// Where it takes place, if somewhere.
    pub location: Option<String>,
    /// How it repeats (an RRULE), if it does.
    pub recurrence: Option<String>,
    /// Why it was cancelled.
    pub reason: Option<String>,
    /// The meeting's page.
    pub link: String,
    /// The iCalendar invitation to attach, so calendars follow; none for reminders, which
    /// change nothing in a calendar.
    pub ics: Option<String>,
    /// How calendars apply `ics`.
    pub ics_method: CalendarMethod,
}

impl MeetingNotice {
    /// The invitation to attach, with its method, when there is one.
    pub fn calendar_invitation(&self) -> Option<(&str, CalendarMethod)> {
        self.ics.as_deref().map(|ics| (ics, self.ics_method))
    }
}

/// What happened to a document, for the mail telling the members of its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentNoticeKind {
    /// A new document.
    Uploaded,
    /// A new version of one of its editions (maybe a new language edition).
    VersionAdded,
    /// It was archived: left out of lists from now on.
    Archived,
}

/// A document uploaded, versioned or archived, as one member reads it: the title of the
/// edition nearest their language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNotice {
    /// What happened.
    pub kind: DocumentNoticeKind,
    /// The recipient's name.
    pub name: String,
    /// Who did it.
    pub actor: String,
    /// The document's title.
    pub title: String,
    /// The group it belongs to; `None` for a coalition document.
    #[serde(flatten)]
    pub group: Option<GroupName>,
    /// The language of the edition concerned (a BCP 47 primary subtag).
    pub language: String,
    /// The file of the new version; none when archived.
    pub file_name: Option<String>,
    /// What the uploader wrote about the version, if anything.
    pub note: Option<String>,
    /// The document's page.
    pub link: String,
}

/// The notice to an account's current address that a move to another was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChangeNotice {
    /// The recipient's name, to greet them.
    pub name: String,
    /// The address asked for (it signs in once its owner confirms it).
    pub new_email: String,
}

/// One mail a day in place of the mails held for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyDigest {
    /// The recipient's name.
    pub name: String,
    /// The subjects of the gathered mails, oldest first.
    pub items: Vec<String>,
    /// The category the digest is filed under: that of the first mail it gathers.
    pub category: NotificationCategory,
}

/// A mail as the outbox stores it: the template's name and the variant's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMail {
    /// The template's name ([`MailKind::template`]).
    pub template: &'static str,
    /// The variant's fields, as the templates read them.
    pub data: serde_json::Value,
}

impl Mail {
    /// Which kind of mail this is.
    pub fn kind(&self) -> MailKind {
        match self {
            Mail::VerifyEmail(_) => MailKind::VerifyEmail,
            Mail::ResetPassword(_) => MailKind::ResetPassword,
            Mail::RegistrationAttempted(_) => MailKind::RegistrationAttempted,
            Mail::JoinRequested(_) => MailKind::JoinRequested,
            Mail::MembershipDecided(_) => MailKind::MembershipDecided,
            Mail::Invitation(_) => MailKind::Invitation,
            Mail::Meeting(_) => MailKind::Meeting,
            Mail::Document(_) => MailKind::Document,
            Mail::DailyDigest(_) => MailKind::DailyDigest,
            Mail::EmailChangeRequested(_) => MailKind::EmailChangeRequested,
        }
    }

    /// The preference that governs it: whether and when the recipient gets it.
    pub fn category(&self) -> NotificationCategory {
        match self {
            Mail::VerifyEmail(_)
            | Mail::ResetPassword(_)
            | Mail::RegistrationAttempted(_)
            | Mail::EmailChangeRequested(_) => NotificationCategory::Security,
            Mail::JoinRequested(_) | Mail::MembershipDecided(_) | Mail::Invitation(_) => {
                NotificationCategory::Membership
            }
            Mail::Meeting(_) => NotificationCategory::Meetings,
            Mail::Document(_) => NotificationCategory::Documents,
            Mail::DailyDigest(digest) => digest.category,
        }
    }

    /// Security mails cannot be turned off, so they carry no unsubscribe link.
    pub fn is_security(&self) -> bool {
        self.category() == NotificationCategory::Security
    }

    /// The subject line in `language`. The invitation's is in both working languages, as
    /// its text is.
    pub fn subject(&self, language: Language) -> String {
        let french = language == Language::Fr;
        match self {
            Mail::VerifyEmail(_) if french => "Confirmez votre adresse électronique".to_owned(),
            Mail::VerifyEmail(_) => "Confirm your email address".to_owned(),
            Mail::ResetPassword(_) if french => "Réinitialisez votre mot de passe".to_owned(),
            Mail::ResetPassword(_) => "Reset your password".to_owned(),
            Mail::RegistrationAttempted(_) if french => {
                "Quelqu'un a voulu créer un compte avec votre adresse".to_owned()
            }
            Mail::RegistrationAttempted(_) => {
                "Someone tried to sign up with your address".to_owned()
            }
            Mail::EmailChangeRequested(_) if french => {
                "Changement d'adresse demandé pour votre compte".to_owned()
            }
            Mail::EmailChangeRequested(_) => {
                "A change of address was asked for your account".to_owned()
            }
            Mail::Invitation(invitation) => format!(
                "Invitation: {} / {}",
                invitation.group.en, invitation.group.fr
            ),
            Mail::JoinRequested(request) if french => {
                format!("Demande d'adhésion : {}", request.group.get(language))
            }
            Mail::JoinRequested(request) => {
                format!("Request to join {}", request.group.get(language))
            }
            Mail::MembershipDecided(decided) => {
                let group = decided.group.get(language);
                match (french, &decided.decision) {
                    (true, MembershipDecision::Approved) => format!("Bienvenue dans {group}"),
                    (true, MembershipDecision::Rejected { .. }) => {
                        format!("Votre demande pour {group}")
                    }
                    (false, MembershipDecision::Approved) => format!("Welcome to {group}"),
                    (false, MembershipDecision::Rejected { .. }) => {
                        format!("Your request to join {group}")
                    }
                }
            }
            Mail::Meeting(notice) => {
                let title = &notice.title;
                match (notice.kind, french) {
                    (MeetingNoticeKind::Scheduled, true) => format!("Nouvelle réunion : {title}"),
                    (MeetingNoticeKind::Scheduled, false) => format!("New meeting: {title}"),
                    (MeetingNoticeKind::Changed, true) => format!("Réunion modifiée : {title}"),
                    (MeetingNoticeKind::Changed, false) => format!("Meeting changed: {title}"),
                    (MeetingNoticeKind::Cancelled, true) => format!("Réunion annulée : {title}"),
                    (MeetingNoticeKind::Cancelled, false) => {
                        format!("Meeting cancelled: {title}")
                    }
                    (MeetingNoticeKind::Reminder, true) => format!("Rappel : {title}"),
                    (MeetingNoticeKind::Reminder, false) => format!("Reminder: {title}"),
                }
            }
            Mail::Document(notice) => {
                let title = &notice.title;
                match (notice.kind, french) {
                    (DocumentNoticeKind::Uploaded, true) => format!("Nouveau document : {title}"),
                    (DocumentNoticeKind::Uploaded, false) => format!("New document: {title}"),
                    (DocumentNoticeKind::VersionAdded, true) => {
                        format!("Nouvelle version : {title}")
                    }
                    (DocumentNoticeKind::VersionAdded, false) => format!("New version: {title}"),
                    (DocumentNoticeKind::Archived, true) => format!("Document archivé : {title}"),
                    (DocumentNoticeKind::Archived, false) => {
                        format!("Document archived: {title}")
                    }
                }
            }
            Mail::DailyDigest(_) if french => "Votre résumé quotidien".to_owned(),
            Mail::DailyDigest(_) => "Your daily digest".to_owned(),
        }
    }

    /// The mail as the outbox stores it (and as the templates read its fields).
    pub fn to_stored(&self) -> Result<StoredMail, serde_json::Error> {
        let mut tagged = serde_json::to_value(self)?;
        let data = tagged
            .get_mut("data")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        Ok(StoredMail {
            template: self.kind().template(),
            data,
        })
    }

    /// The mail as sent: its one-time token, if any, opened with `key` into the link.
    pub fn open_links(self, key: &TokenKey) -> Result<Self, SealError> {
        Ok(match self {
            Mail::VerifyEmail(link) => Mail::VerifyEmail(link.open(key)?),
            Mail::ResetPassword(link) => Mail::ResetPassword(link.open(key)?),
            Mail::RegistrationAttempted(link) => Mail::RegistrationAttempted(link.open(key)?),
            Mail::Invitation(invitation) => Mail::Invitation(Invitation {
                token: invitation.token.open(key)?,
                ..invitation
            }),
            other @ (Mail::JoinRequested(_)
            | Mail::MembershipDecided(_)
            | Mail::Meeting(_)
            | Mail::Document(_)
            | Mail::DailyDigest(_)
            | Mail::EmailChangeRequested(_)) => other,
        })
    }

    /// Reads a stored mail back from its kind (the template column) and its fields.
    pub fn from_stored(kind: MailKind, data: serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut tagged = serde_json::Map::new();
        tagged.insert("template".to_owned(), kind.template().into());
        tagged.insert("data".to_owned(), data);
        serde_json::from_value(serde_json::Value::Object(tagged))
    }
}

impl MailKind {
    /// Every kind of mail.
    pub const ALL: [MailKind; 10] = [
        MailKind::VerifyEmail,
        MailKind::ResetPassword,
        MailKind::RegistrationAttempted,
        MailKind::JoinRequested,
        MailKind::MembershipDecided,
        MailKind::Invitation,
        MailKind::Meeting,
        MailKind::Document,
        MailKind::DailyDigest,
        MailKind::EmailChangeRequested,
    ];

    /// The templates' name (`<name>.txt`, `<name>.html`), stored in the outbox: the same as
    /// [`Mail`]'s serde tag.
    pub fn template(self) -> &'static str {
        match self {
            MailKind::VerifyEmail => "verify_email",
            MailKind::ResetPassword => "reset_password",
            MailKind::RegistrationAttempted => "registration_attempted",
            MailKind::JoinRequested => "join_requested",
            MailKind::MembershipDecided => "membership_decided",
            MailKind::Invitation => "invitation",
            MailKind::Meeting => "meeting",
            MailKind::Document => "document",
            MailKind::DailyDigest => "daily_digest",
            MailKind::EmailChangeRequested => "email_change_requested",
        }
    }

    /// Parses a stored template name.
    pub fn parse(template: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.template() == template)
            .ok_or_else(|| InvalidInput::new("template", format!("unknown mail '{template}'")))
    }

    /// Whether its fields hold a one-time token: they are erased once the mail is sent or
    /// has failed, so no live token lingers in the outbox (the person asks for a new link).
    pub fn carries_one_time_token(self) -> bool {
        match self {
            MailKind::VerifyEmail
            | MailKind::ResetPassword
            | MailKind::RegistrationAttempted
            | MailKind::Invitation => true,
            MailKind::JoinRequested
            | MailKind::MembershipDecided
            | MailKind::Meeting
            | MailKind::Document
            | MailKind::DailyDigest
            | MailKind::EmailChangeRequested => false,
        }
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.template())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn group() -> GroupName {
        GroupName::from(&LocalisedText::new(
            "Supportive policy",
            "Politiques de soutien",
        ))
    }

    /// One mail of each kind; the match makes a new kind add its sample.
    fn sample(kind: MailKind) -> Mail {
        let link = OneTimeLink {
            name: "Amina".to_owned(),
            token: LinkToken::Clear {
                link: "https://x/y?token=t".to_owned(),
                token: "t".to_owned(),
            },
        };
        match kind {
            MailKind::VerifyEmail => Mail::VerifyEmail(link),
            MailKind::ResetPassword => Mail::ResetPassword(link),
            MailKind::RegistrationAttempted => Mail::RegistrationAttempted(link),
            MailKind::JoinRequested => Mail::JoinRequested(JoinRequested {
                name: "Claire".to_owned(),
                requester: "Bo".to_owned(),
                group: group(),
                motivation: None,
                link: "https://x/groups/g/requests".to_owned(),
            }),
            MailKind::MembershipDecided => Mail::MembershipDecided(MembershipDecided {
                name: "Bo".to_owned(),
                group: group(),
                decision: MembershipDecision::Rejected {
                    reason: "later".to_owned(),
                },
            }),
            MailKind::Invitation => Mail::Invitation(Invitation {
                inviter: "Claire".to_owned(),
                group: group(),
                token: LinkToken::Clear {
                    link: "https://x/invitations/accept?token=t".to_owned(),
                    token: "t".to_owned(),
                },
            }),
            MailKind::Meeting => Mail::Meeting(MeetingNotice {
                kind: MeetingNoticeKind::Reminder,
                name: "Bo".to_owned(),
                title: "Policy review".to_owned(),
                when: "2 February 2027, 10:00".to_owned(),
                online_url: None,
                location: Some("Paris".to_owned()),
                recurrence: None,
                reason: None,
                link: "https://x/meetings/1".to_owned(),
                ics: None,
                ics_method: CalendarMethod::Request,
            }),
            MailKind::Document => Mail::Document(DocumentNotice {
                kind: DocumentNoticeKind::VersionAdded,
                name: "Bo".to_owned(),
                actor: "Amina".to_owned(),
                title: "Open licensing in practice".to_owned(),
                group: Some(group()),
                language: "fr".to_owned(),
                file_name: Some("rapport.pdf".to_owned()),
                note: Some("Traduction".to_owned()),
                link: "https://x/documents/1".to_owned(),
            }),
            MailKind::DailyDigest => Mail::DailyDigest(DailyDigest {
                name: "Claire".to_owned(),
                items: vec!["Request to join Supportive policy".to_owned()],
                category: NotificationCategory::Membership,
            }),
            MailKind::EmailChangeRequested => Mail::EmailChangeRequested(EmailChangeNotice {
                name: "Bo".to_owned(),
                new_email: "bo.chen@example.org".to_owned(),
            }),
        }
    }

    #[test]
    fn every_kind_stores_under_its_template_and_reads_back() {
        for kind in MailKind::ALL {
            let mail = sample(kind);
            assert_eq!(mail.kind(), kind);
            let tagged = serde_json::to_value(&mail).unwrap();
            assert_eq!(tagged["template"], kind.template(), "serde tag = template");
            let stored = mail.to_stored().unwrap();
            assert_eq!(stored.template, kind.template());
            assert!(
                stored.data.is_object(),
                "{kind}: fields, not the tagged enum"
            );
            assert_eq!(MailKind::parse(stored.template), Ok(kind));
            assert_eq!(Mail::from_stored(kind, stored.data).unwrap(), mail);
        }
        assert!(MailKind::parse("newsletter").is_err());
    }

    #[test]
    fn only_account_mails_are_security_mails() {
        for kind in MailKind::ALL {
            let mail = sample(kind);
            let account = matches!(
                kind,
                MailKind::VerifyEmail
                    | MailKind::ResetPassword
                    | MailKind::RegistrationAttempted
                    | MailKind::EmailChangeRequested
            );
            assert_eq!(mail.is_security(), account, "{kind}");
            assert_eq!(
                mail.to_stored().unwrap().data.get("token").is_some(),
                kind.carries_one_time_token(),
                "{kind}: erased after sending exactly when it holds a token"
            );
        }
    }

    #[test]
    fn fields_keep_the_names_the_templates_read() {
        let decided = sample(MailKind::MembershipDecided).to_stored().unwrap();
        assert_eq!(
            decided.data,
            json!({
                "name": "Bo", "group_en": "Supportive policy",
                "group_fr": "Politiques de soutien", "approved": false, "reason": "later",
            })
        );
        let meeting = sample(MailKind::Meeting).to_stored().unwrap();
        assert_eq!(meeting.data["kind"], "reminder");
        assert_eq!(meeting.data["ics_method"], "REQUEST");
        assert!(meeting.data["ics"].is_null());
    }

    /// Queued mail holds its token sealed, never in clear; the worker's key opens it into
    /// the link the templates read, and another key cannot.
    #[test]
    fn one_time_tokens_are_stored_sealed_and_open_into_the_link() {
        let key = TokenKey::generate();
        let prefix = "https://x/reset-password?token=".to_owned();
        let sealed = Mail::ResetPassword(OneTimeLink {
            name: "Amina".to_owned(),
            token: LinkToken::seal(prefix, "secret-token", &key).unwrap(),
        });
        let stored = sealed.to_stored().unwrap();
        assert!(!stored.data.to_string().contains("secret-token"));
        assert!(stored.data.get("link").is_none() && stored.data.get("token").is_none());
        let read = Mail::from_stored(MailKind::ResetPassword, stored.data).unwrap();
        assert_eq!(read, sealed);
        let opened = read.clone().open_links(&key).unwrap().to_stored().unwrap();
        assert_eq!(
            opened.data,
            json!({
                "name": "Amina", "token": "secret-token",
                "link": "https://x/reset-password?token=secret-token",
            })
        );
        assert_eq!(read.open_links(&TokenKey::generate()), Err(SealError::Open));

        let invitation = Mail::Invitation(Invitation {
            inviter: "Claire".to_owned(),
            group: group(),
            token: LinkToken::seal("https://x/accept?token=".to_owned(), "inv", &key).unwrap(),
        });
        let stored = invitation.to_stored().unwrap();
        let read = Mail::from_stored(MailKind::Invitation, stored.data).unwrap();
        let Mail::Invitation(opened) = read.open_links(&key).unwrap() else {
            panic!("an invitation stays an invitation");
        };
        assert_eq!(
            opened.token,
            LinkToken::Clear {
                link: "https://x/accept?token=inv".to_owned(),
                token: "inv".to_owned(),
            }
        );
    }

    /// Rows queued before tokens were sealed hold them in clear: they still read and send.
    #[test]
    fn clear_tokens_queued_by_earlier_releases_still_read() {
        let data =
            json!({ "name": "Amina", "link": "https://x/verify-email?token=t", "token": "t" });
        let mail = Mail::from_stored(MailKind::VerifyEmail, data.clone()).unwrap();
        let opened = mail.open_links(&TokenKey::generate()).unwrap();
        assert_eq!(opened.to_stored().unwrap().data, data);
        let data = json!({
            "inviter": "Claire", "group_en": "G", "group_fr": "G",
            "link": "https://x/invitations/accept?token=t", "token": "t",
        });
        let mail = Mail::from_stored(MailKind::Invitation, data.clone()).unwrap();
        assert_eq!(mail.to_stored().unwrap().data, data);
    }

    #[test]
    fn a_rejection_without_reason_does_not_read() {
        let data = json!({ "name": "Bo", "group_en": "G", "group_fr": "G", "approved": false, "reason": null });
        assert!(Mail::from_stored(MailKind::MembershipDecided, data).is_err());
        let data = json!({ "name": "Bo", "group_en": "G", "group_fr": "G", "approved": true, "reason": null });
        assert!(matches!(
            Mail::from_stored(MailKind::MembershipDecided, data),
            Ok(Mail::MembershipDecided(MembershipDecided {
                decision: MembershipDecision::Approved,
                ..
            }))
        ));
    }

    #[test]
    fn subjects_follow_the_language() {
        let request = sample(MailKind::JoinRequested);
        assert_eq!(
            request.subject(Language::Fr),
            "Demande d'adhésion : Politiques de soutien"
        );
        assert_eq!(
            request.subject(Language::En),
            "Request to join Supportive policy"
        );
        assert_eq!(
            sample(MailKind::Invitation).subject(Language::Fr),
            "Invitation: Supportive policy / Politiques de soutien"
        );
        assert_eq!(
            sample(MailKind::Meeting).subject(Language::Fr),
            "Rappel : Policy review"
        );
        assert_eq!(
            sample(MailKind::MembershipDecided).subject(Language::En),
            "Your request to join Supportive policy"
        );
        assert_eq!(
            sample(MailKind::Document).subject(Language::Fr),
            "Nouvelle version : Open licensing in practice"
        );
        assert_eq!(
            sample(MailKind::Document).category(),
            NotificationCategory::Documents
        );
    }
}
