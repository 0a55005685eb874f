//! What happened: the one description of a change that the activity log stores, the event
//! bus carries to live subscriptions (and GraphQL shows as `ActivityEvent`), and notification
//! rules read. A [`Change`] says what happened; once the activity log has recorded it, it
//! is an [`Event`] with the log entry's id, time and actor, so nothing is announced that was
//! not recorded.
//!
//! Every `match` on [`Change`] is exhaustive: a new kind of change does not compile until
//! its verb, its subject and every reader of it say what it means.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::coalition::{AreaId, JoinPolicy, WorkingGroupId};
use crate::documents::DocumentId;
use crate::meetings::{MeetingId, MeetingStatus, RsvpResponse, Visibility};
use crate::membership::{InvitationId, MembershipId, MembershipRole, MembershipStatus};
use crate::people::PersonId;

/// The version of the bus envelope; bumped when the serialised form changes meaning.
/// Version 2: events carry a typed [`Change`].
pub const EVENT_FORMAT_VERSION: u16 = 2;

/// A recorded change: an entry of the activity log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The activity log entry's id.
    pub id: i32,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it; `None` for the system.
    pub actor: Option<PersonId>,
    /// What happened.
    pub change: Change,
}

/// How an event travels between instances: versioned, so a newer instance can tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    /// [`EVENT_FORMAT_VERSION`] of the sender.
    pub v: u16,
    /// The event.
    pub event: Event,
}

/// What happened. Serialised as an object tagged with its verb (`subject.past_tense`); the
/// subject's id is `subjectId` and the group's `workingGroupId`, the names of the activity
/// log's columns, so entries written before this type existed read back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all_fields = "camelCase")]
pub enum Change {
    /// The OER Dynamic Coalition (or its missing parts) was loaded.
    #[serde(rename = "coalition.seeded")]
    CoalitionSeeded {
        /// The coalition.
        #[serde(rename = "subjectId")]
        coalition: i32,
        /// Coalitions created.
        coalitions: u64,
        /// Areas of action created.
        areas: u64,
        /// Working groups created.
        working_groups: u64,
    },
    /// The demo population (`coalition seed --demo`) was loaded.
    #[serde(rename = "coalition.demo_seeded")]
    DemoSeeded {
        /// The coalition.
        #[serde(rename = "subjectId")]
        coalition: i32,
        /// Demo people created.
        people: u64,
        /// Memberships created.
        memberships: u64,
        /// Meetings and series created.
        meetings: u64,
        /// Documents created.
        documents: u64,
    },
    /// Someone created an account (or an administrator was created).
    #[serde(rename = "person.registered")]
    PersonRegistered {
        /// The new person.
        #[serde(rename = "subjectId")]
        person: PersonId,
        /// Whether the account is an administrator's.
        #[serde(default)]
        admin: bool,
    },
    /// A signed-in person changed their password.
    #[serde(rename = "account.password_changed")]
    PasswordChanged(AccountFacts),
    /// A person confirmed their address.
    #[serde(rename = "account.email_verified")]
    EmailVerified(AccountFacts),
    /// A person set a new password through a reset link.
    #[serde(rename = "account.password_reset")]
    PasswordReset(AccountFacts),
    /// A person became an administrator.
    #[serde(rename = "account.admin_granted")]
    AdminGranted(AccountFacts),
    /// A person stopped being an administrator.
    #[serde(rename = "account.admin_revoked")]
    AdminRevoked(AccountFacts),
    /// An administrator changed the coalition's name or description.
    #[serde(rename = "coalition.updated")]
    CoalitionUpdated {
        /// The coalition.
        #[serde(rename = "subjectId")]
        coalition: i32,
    },
    /// An administrator changed an area of action's name.
    #[serde(rename = "area.updated")]
    AreaUpdated {
        /// The area.
        #[serde(rename = "subjectId")]
        area: AreaId,
    },
    /// An administrator created a working group.
    #[serde(rename = "group.created")]
    GroupCreated(GroupFacts),
    /// An administrator changed a group's description, area, slug or join policy.
    #[serde(rename = "group.updated")]
    GroupUpdated(GroupFacts),
    /// An administrator archived a group.
    #[serde(rename = "group.archived")]
    GroupArchived(GroupFacts),
    /// An administrator restored an archived group.
    #[serde(rename = "group.restored")]
    GroupRestored(GroupFacts),
    /// An administrator disabled an account: its sessions ended.
    #[serde(rename = "account.disabled")]
    AccountDisabled(AccountFacts),
    /// An administrator enabled an account again.
    #[serde(rename = "account.enabled")]
    AccountEnabled(AccountFacts),
    /// A person signed out: the session they used ended.
    #[serde(rename = "account.signed_out")]
    SignedOut(AccountFacts),
    /// A person signed out everywhere: every session of theirs ended.
    #[serde(rename = "account.signed_out_everywhere")]
    SignedOutEverywhere(AccountFacts),
    /// A group's coordinators changed how people join.
    #[serde(rename = "group.join_policy_changed")]
    JoinPolicyChanged {
        /// The group.
        #[serde(rename = "subjectId")]
        group: WorkingGroupId,
        /// The policy now in force.
        #[serde(with = "join_policy_code")]
        join_policy: JoinPolicy,
    },
    /// Someone asked to join a moderated group.
    #[serde(rename = "membership.requested")]
    MembershipRequested(MembershipFacts),
    /// Someone joined an open group.
    #[serde(rename = "membership.joined")]
    MembershipJoined(MembershipFacts),
    /// A coordinator admitted a request.
    #[serde(rename = "membership.approved")]
    MembershipApproved(MembershipFacts),
    /// A coordinator turned a request down.
    #[serde(rename = "membership.rejected")]
    MembershipRejected {
        /// The membership after the change.
        #[serde(flatten)]
        membership: MembershipFacts,
        /// Why, as the coordinator wrote it.
        #[serde(default)]
        reason: String,
    },
    /// A member's role changed.
    #[serde(rename = "membership.role_changed")]
    MembershipRoleChanged {
        /// The membership after the change.
        #[serde(flatten)]
        membership: MembershipFacts,
        /// The role before.
        #[serde(with = "membership_role_code")]
        from: MembershipRole,
        /// The role after.
        #[serde(with = "membership_role_code")]
        to: MembershipRole,
    },
    /// A member left the group.
    #[serde(rename = "membership.left")]
    MembershipLeft(MembershipFacts),
    /// A coordinator removed a member.
    #[serde(rename = "membership.removed")]
    MembershipRemoved(MembershipFacts),
    /// Someone accepted an invitation and is a member now.
    #[serde(rename = "membership.invitation_accepted")]
    InvitationAccepted(MembershipFacts),
    /// An administrator made someone the first coordinator of a new group.
    #[serde(rename = "membership.coordinator_appointed")]
    CoordinatorAppointed(MembershipFacts),
    /// A coordinator invited someone by address (the address stays out of the log).
    #[serde(rename = "invitation.sent")]
    InvitationSent(InvitationFacts),
    /// A coordinator withdrew an invitation.
    #[serde(rename = "invitation.revoked")]
    InvitationRevoked(InvitationFacts),
    /// A meeting (or series) was scheduled.
    #[serde(rename = "meeting.scheduled")]
    MeetingScheduled(MeetingFacts),
    /// A meeting's time, place or text changed.
    #[serde(rename = "meeting.updated")]
    MeetingUpdated(MeetingFacts),
    /// A meeting (or a whole series) was called off.
    #[serde(rename = "meeting.cancelled")]
    MeetingCancelled(MeetingFacts),
    /// One occurrence of a series was called off.
    #[serde(rename = "meeting.occurrence_cancelled")]
    OccurrenceCancelled {
        /// The series after the change.
        #[serde(flatten)]
        meeting: MeetingFacts,
        /// When the occurrence was to start.
        original_start: DateTime<Utc>,
    },
    /// One occurrence of a series was moved.
    #[serde(rename = "meeting.occurrence_moved")]
    OccurrenceMoved {
        /// The series after the change.
        #[serde(flatten)]
        meeting: MeetingFacts,
        /// When the occurrence was to start.
        original_start: DateTime<Utc>,
    },
    /// Someone answered a meeting's invitation.
    #[serde(rename = "meeting.rsvp")]
    MeetingAnswered {
        /// The meeting.
        #[serde(flatten)]
        meeting: MeetingRef,
        /// Who answered.
        #[serde(rename = "personId")]
        person: PersonId,
        /// The answer.
        #[serde(with = "rsvp_code")]
        response: RsvpResponse,
        /// The occurrence answered (its start as the series gives it); `None` for the
        /// whole meeting or series. Per-occurrence answers (public calendar feature).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurrence: Option<DateTime<Utc>>,
    },
    /// A meeting's agenda changed (an item added, edited, removed or moved).
    #[serde(rename = "meeting.agenda_changed")]
    AgendaChanged(MeetingRef),
    /// Minutes or decisions were recorded for an agenda item.
    #[serde(rename = "meeting.minutes_recorded")]
    MinutesRecorded(MeetingRef),
    /// An action item was raised at a meeting.
    #[serde(rename = "meeting.action_item_added")]
    ActionItemAdded(MeetingRef),
    /// An action item was done, or opened again.
    #[serde(rename = "meeting.action_item_updated")]
    ActionItemUpdated(MeetingRef),
    /// Who took part in an occurrence was recorded.
    #[serde(rename = "meeting.attendance_recorded")]
    AttendanceRecorded {
        /// The meeting.
        #[serde(flatten)]
        meeting: MeetingRef,
        /// How many took part.
        #[serde(default)]
        attended: u64,
    },
    /// A document was uploaded (its first version).
    #[serde(rename = "document.uploaded")]
    DocumentUploaded(DocumentFacts),
    /// A new version of a document's edition was uploaded.
    #[serde(rename = "document.version_added")]
    DocumentVersionAdded(DocumentFacts),
    /// A document's metadata changed.
    #[serde(rename = "document.updated")]
    DocumentUpdated(DocumentFacts),
    /// A document was archived: left out of lists, still readable.
    #[serde(rename = "document.archived")]
    DocumentArchived(DocumentFacts),
    /// An archived document was restored.
    #[serde(rename = "document.restored")]
    DocumentRestored(DocumentFacts),
    /// An administrator removed a document for good, with its versions.
    #[serde(rename = "document.purged")]
    DocumentPurged(DocumentFacts),
    // Members managing themselves (issue 15 items 4, 5, 7).
    /// A person changed their own profile (name, organisation, zone, hours, listing…).
    #[serde(rename = "person.profile_updated")]
    ProfileUpdated(AccountFacts),
    /// A person confirmed a new sign-in address: their other sessions ended.
    #[serde(rename = "account.email_changed")]
    EmailChanged(AccountFacts),
    /// A person deleted their account: it was anonymised, its sessions and memberships
    /// ended.
    #[serde(rename = "account.deleted")]
    AccountDeleted(AccountFacts),
}

/// The person an account change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    /// Whose account.
    #[serde(rename = "subjectId")]
    pub person: PersonId,
}

/// A working group a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFacts {
    /// The group.
    #[serde(rename = "subjectId")]
    pub group: WorkingGroupId,
}

/// A membership as a change left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipFacts {
    /// The membership.
    #[serde(rename = "subjectId")]
    pub membership: MembershipId,
    /// Its group.
    #[serde(rename = "workingGroupId")]
    pub group: WorkingGroupId,
    /// Whose membership.
    #[serde(rename = "personId")]
    pub person: PersonId,
    /// The role after the change.
    #[serde(with = "membership_role_code")]
    pub role: MembershipRole,
    /// The status after the change.
    #[serde(with = "membership_status_code")]
    pub status: MembershipStatus,
}

/// An invitation as a change left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationFacts {
    /// The invitation.
    #[serde(rename = "subjectId")]
    pub invitation: InvitationId,
    /// The group it is to.
    #[serde(rename = "workingGroupId")]
    pub group: WorkingGroupId,
    /// The role it offers.
    #[serde(with = "membership_role_code")]
    pub role: MembershipRole,
}

/// A meeting as a change to its time or status left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFacts {
    /// The meeting.
    #[serde(flatten)]
    pub meeting: MeetingRef,
    /// Its iCalendar sequence after the change.
    pub sequence: i32,
    /// Whether it still takes place.
    #[serde(with = "meeting_status_code")]
    pub status: MeetingStatus,
}

/// A meeting and its group (none for a coalition-wide plenary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRef {
    /// The meeting.
    #[serde(rename = "subjectId")]
    pub meeting: MeetingId,
    /// Its group.
    #[serde(rename = "workingGroupId", default)]
    pub group: Option<WorkingGroupId>,
}

/// A document and what decides who may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFacts {
    /// The document.
    #[serde(rename = "subjectId")]
    pub document: DocumentId,
    /// Its group (none for a coalition document).
    #[serde(rename = "workingGroupId", default)]
    pub group: Option<WorkingGroupId>,
    /// Who may read it.
    #[serde(with = "visibility_code")]
    pub visibility: Visibility,
}

/// What a change happened to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The coalition.
    Coalition(i32),
    /// A person (their account).
    Person(PersonId),
    /// An area of action.
    AreaOfAction(AreaId),
    /// A working group.
    WorkingGroup(WorkingGroupId),
    /// A membership.
    Membership(MembershipId),
    /// An invitation.
    Invitation(InvitationId),
    /// A meeting.
    Meeting(MeetingId),
    /// A document.
    Document(DocumentId),
}

impl Subject {
    /// The kind, as the activity log's `subject_type` column stores it.
    pub fn kind(self) -> &'static str {
        match self {
            Subject::Coalition(_) => "coalition",
            Subject::Person(_) => "person",
            Subject::AreaOfAction(_) => "area_of_action",
            Subject::WorkingGroup(_) => "working_group",
            Subject::Membership(_) => "membership",
            Subject::Invitation(_) => "invitation",
            Subject::Meeting(_) => "meeting",
            Subject::Document(_) => "document",
        }
    }

    /// The id within its kind.
    pub fn id(self) -> i32 {
        match self {
            Subject::Coalition(id) => id,
            Subject::Person(PersonId(id))
            | Subject::AreaOfAction(AreaId(id))
            | Subject::WorkingGroup(WorkingGroupId(id))
            | Subject::Membership(MembershipId(id))
            | Subject::Invitation(InvitationId(id))
            | Subject::Meeting(MeetingId(id))
            | Subject::Document(DocumentId(id)) => id,
        }
    }
}

impl Change {
    /// The verb, as `subject.past_tense` (e.g. `membership.approved`): the activity log's
    /// `verb` column and `ActivityEvent.verb`.
    pub fn verb(&self) -> &'static str {
        match self {
            Change::CoalitionSeeded { .. } => "coalition.seeded",
            Change::DemoSeeded { .. } => "coalition.demo_seeded",
            Change::PersonRegistered { .. } => "person.registered",
            Change::PasswordChanged(_) => "account.password_changed",
            Change::EmailVerified(_) => "account.email_verified",
            Change::PasswordReset(_) => "account.password_reset",
            Change::AdminGranted(_) => "account.admin_granted",
            Change::AdminRevoked(_) => "account.admin_revoked",
            Change::CoalitionUpdated { .. } => "coalition.updated",
            Change::AreaUpdated { .. } => "area.updated",
            Change::GroupCreated(_) => "group.created",
            Change::GroupUpdated(_) => "group.updated",
            Change::GroupArchived(_) => "group.archived",
            Change::GroupRestored(_) => "group.restored",
            Change::AccountDisabled(_) => "account.disabled",
            Change::AccountEnabled(_) => "account.enabled",
            Change::SignedOut(_) => "account.signed_out",
            Change::SignedOutEverywhere(_) => "account.signed_out_everywhere",
            Change::JoinPolicyChanged { .. } => "group.join_policy_changed",
            Change::MembershipRequested(_) => "membership.requested",
            Change::MembershipJoined(_) => "membership.joined",
            Change::MembershipApproved(_) => "membership.approved",
            Change::MembershipRejected { .. } => "membership.rejected",
            Change::MembershipRoleChanged { .. } => "membership.role_changed",
            Change::MembershipLeft(_) => "membership.left",
            Change::MembershipRemoved(_) => "membership.removed",
            Change::InvitationAccepted(_) => "membership.invitation_accepted",
            Change::CoordinatorAppointed(_) => "membership.coordinator_appointed",
            Change::InvitationSent(_) => "invitation.sent",
            Change::InvitationRevoked(_) => "invitation.revoked",
            Change::MeetingScheduled(_) => "meeting.scheduled",
            Change::MeetingUpdated(_) => "meeting.updated",
            Change::MeetingCancelled(_) => "meeting.cancelled",
            Change::OccurrenceCancelled { .. } => "meeting.occurrence_cancelled",
            Change::OccurrenceMoved { .. } => "meeting.occurrence_moved",
            Change::MeetingAnswered { .. } => "meeting.rsvp",
            Change::AgendaChanged(_) => "meeting.agenda_changed",
            Change::MinutesRecorded(_) => "meeting.minutes_recorded",
            Change::ActionItemAdded(_) => "meeting.action_item_added",
            Change::ActionItemUpdated(_) => "meeting.action_item_updated",
            Change::AttendanceRecorded { .. } => "meeting.attendance_recorded",
            Change::DocumentUploaded(_) => "document.uploaded",
            Change::DocumentVersionAdded(_) => "document.version_added",
            Change::DocumentUpdated(_) => "document.updated",
            Change::DocumentArchived(_) => "document.archived",
            Change::DocumentRestored(_) => "document.restored",
            Change::DocumentPurged(_) => "document.purged",
            Change::ProfileUpdated(_) => "person.profile_updated",
            Change::EmailChanged(_) => "account.email_changed",
            Change::AccountDeleted(_) => "account.deleted",
        }
    }

    /// What it happened to.
    pub fn subject(&self) -> Subject {
        match self {
            Change::CoalitionSeeded { coalition, .. }
            | Change::DemoSeeded { coalition, .. }
            | Change::CoalitionUpdated { coalition } => Subject::Coalition(*coalition),
            Change::AreaUpdated { area } => Subject::AreaOfAction(*area),
            Change::GroupCreated(facts)
            | Change::GroupUpdated(facts)
            | Change::GroupArchived(facts)
            | Change::GroupRestored(facts) => Subject::WorkingGroup(facts.group),
            Change::PersonRegistered { person, .. } => Subject::Person(*person),
            Change::PasswordChanged(account)
            | Change::EmailVerified(account)
            | Change::PasswordReset(account)
            | Change::AdminGranted(account)
            | Change::AdminRevoked(account)
            | Change::AccountDisabled(account)
            | Change::AccountEnabled(account)
            | Change::SignedOut(account)
            | Change::SignedOutEverywhere(account) => Subject::Person(account.person),
            Change::JoinPolicyChanged { group, .. } => Subject::WorkingGroup(*group),
            Change::MembershipRequested(facts)
            | Change::MembershipJoined(facts)
            | Change::MembershipApproved(facts)
            | Change::MembershipLeft(facts)
            | Change::MembershipRemoved(facts)
            | Change::InvitationAccepted(facts)
            | Change::CoordinatorAppointed(facts)
            | Change::MembershipRejected {
                membership: facts, ..
            }
            | Change::MembershipRoleChanged {
                membership: facts, ..
            } => Subject::Membership(facts.membership),
            Change::InvitationSent(invitation) | Change::InvitationRevoked(invitation) => {
                Subject::Invitation(invitation.invitation)
            }
            Change::MeetingScheduled(facts)
            | Change::MeetingUpdated(facts)
            | Change::MeetingCancelled(facts)
            | Change::OccurrenceCancelled { meeting: facts, .. }
            | Change::OccurrenceMoved { meeting: facts, .. } => {
                Subject::Meeting(facts.meeting.meeting)
            }
            Change::MeetingAnswered { meeting, .. }
            | Change::AgendaChanged(meeting)
            | Change::MinutesRecorded(meeting)
            | Change::ActionItemAdded(meeting)
            | Change::ActionItemUpdated(meeting)
            | Change::AttendanceRecorded { meeting, .. } => Subject::Meeting(meeting.meeting),
            Change::DocumentUploaded(facts)
            | Change::DocumentVersionAdded(facts)
            | Change::DocumentUpdated(facts)
            | Change::DocumentArchived(facts)
            | Change::DocumentRestored(facts)
            | Change::DocumentPurged(facts) => Subject::Document(facts.document),
            Change::ProfileUpdated(account)
            | Change::EmailChanged(account)
            | Change::AccountDeleted(account) => Subject::Person(account.person),
        }
    }

    /// The group concerned, if any: group subscriptions receive the change.
    pub fn working_group(&self) -> Option<WorkingGroupId> {
        match self.subject() {
            Subject::Coalition(_) | Subject::Person(_) | Subject::AreaOfAction(_) => None,
            Subject::WorkingGroup(group) => Some(group),
            Subject::Membership(_) => self.membership().map(|facts| facts.group),
            Subject::Invitation(_) => self.invitation().map(|facts| facts.group),
            Subject::Meeting(_) => self.meeting().and_then(|meeting| meeting.group),
            Subject::Document(_) => self.document().and_then(|document| document.group),
        }
    }

    // The readers below answer `None` for every other change: [`Change::subject`] is the
    // exhaustive match that makes a new variant say what it is about.

    /// The membership as the change left it, for membership changes.
    pub fn membership(&self) -> Option<&MembershipFacts> {
        match self {
            Change::MembershipRequested(facts)
            | Change::MembershipJoined(facts)
            | Change::MembershipApproved(facts)
            | Change::MembershipLeft(facts)
            | Change::MembershipRemoved(facts)
            | Change::InvitationAccepted(facts)
            | Change::CoordinatorAppointed(facts)
            | Change::MembershipRejected {
                membership: facts, ..
            }
            | Change::MembershipRoleChanged {
                membership: facts, ..
            } => Some(facts),
            _ => None,
        }
    }

    /// The invitation, for invitation changes.
    pub fn invitation(&self) -> Option<&InvitationFacts> {
        match self {
            Change::InvitationSent(facts) | Change::InvitationRevoked(facts) => Some(facts),
            _ => None,
        }
    }

    /// The document concerned, for document changes.
    pub fn document(&self) -> Option<DocumentFacts> {
        match self {
            Change::DocumentUploaded(facts)
            | Change::DocumentVersionAdded(facts)
            | Change::DocumentUpdated(facts)
            | Change::DocumentArchived(facts)
            | Change::DocumentRestored(facts)
            | Change::DocumentPurged(facts) => Some(*facts),
            _ => None,
        }
    }

    /// The meeting concerned, for meeting changes.
    pub fn meeting(&self) -> Option<MeetingRef> {
        match self {
            Change::MeetingScheduled(facts)
            | Change::MeetingUpdated(facts)
            | Change::MeetingCancelled(facts)
            | Change::OccurrenceCancelled { meeting: facts, .. }
            | Change::OccurrenceMoved { meeting: facts, .. } => Some(facts.meeting),
            Change::MeetingAnswered { meeting, .. }
            | Change::AgendaChanged(meeting)
            | Change::MinutesRecorded(meeting)
            | Change::ActionItemAdded(meeting)
            | Change::ActionItemUpdated(meeting)
            | Change::AttendanceRecorded { meeting, .. } => Some(*meeting),
            _ => None,
        }
    }

    /// The person whose account this change ends (disabled), if any.
    pub fn ended_account(&self) -> Option<PersonId> {
        match self {
            Change::AccountDisabled(account) | Change::AccountDeleted(account) => {
                Some(account.person)
            }
            _ => None,
        }
    }

    /// The person some of whose sessions this change ended (signing out, a new password,
    /// a disabled account), if any: live connections of theirs check their session again.
    pub fn ended_sessions_of(&self) -> Option<PersonId> {
        match self {
            Change::SignedOut(account)
            | Change::SignedOutEverywhere(account)
            | Change::PasswordChanged(account)
            | Change::PasswordReset(account)
            | Change::AccountDisabled(account)
            | Change::EmailChanged(account)
            | Change::AccountDeleted(account) => Some(account.person),
            _ => None,
        }
    }

    /// Whether this change concerns `person` directly: their membership or their account.
    pub fn concerns(&self, person: PersonId) -> bool {
        self.membership()
            .is_some_and(|facts| facts.person == person)
            || self.subject() == Subject::Person(person)
    }

    /// The activity log's form: the verb, the subject, the group, and every field as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads an activity log entry back: its columns (verb, subject id, group) win over
    /// what its payload says, so entries written before a field moved still read.
    pub fn from_log(
        verb: &str,
        subject_id: i32,
        working_group: Option<WorkingGroupId>,
        payload: &serde_json::Value,
    ) -> Result<Self, serde_json::Error> {
        let mut object = match payload {
            serde_json::Value::Object(object) => object.clone(),
            _ => serde_json::Map::new(),
        };
        object.insert("verb".to_owned(), verb.into());
        object.insert("subjectId".to_owned(), subject_id.into());
        match working_group {
            Some(group) => object.insert("workingGroupId".to_owned(), group.0.into()),
            None => object.remove("workingGroupId"),
        };
        serde_json::from_value(serde_json::Value::Object(object))
    }
}

impl Event {
    /// The membership as this event left it, if it records a membership change.
    pub fn membership_change(&self) -> Option<MembershipFacts> {
        self.change.membership().copied()
    }

    /// The person whose account this event ends (disabled), if any.
    pub fn ended_account(&self) -> Option<PersonId> {
        self.change.ended_account()
    }

    /// Whether this event concerns `person` directly.
    pub fn concerns(&self, person: PersonId) -> bool {
        self.change.concerns(person)
    }

    /// The group concerned, if any.
    pub fn working_group(&self) -> Option<WorkingGroupId> {
        self.change.working_group()
    }
}

/// Serde through the stored code (`as_str` / `parse`) of a domain enum, so payloads read
/// like the database columns of the same values.
macro_rules! code_serde {
    ($module:ident, $type:ty) => {
        mod $module {
            use serde::{Deserialize, Deserializer, Serializer};

            pub fn serialize<S: Serializer>(
                value: &$type,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(value.as_str())
            }

            pub fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<$type, D::Error> {
                let code = String::deserialize(deserializer)?;
                <$type>::parse(&code).map_err(|error| serde::de::Error::custom(error.message))
            }
        }
    };
}

code_serde!(membership_role_code, crate::membership::MembershipRole);
code_serde!(membership_status_code, crate::membership::MembershipStatus);
code_serde!(meeting_status_code, crate::meetings::MeetingStatus);
code_serde!(rsvp_code, crate::meetings::RsvpResponse);
code_serde!(join_policy_code, crate::coalition::JoinPolicy);
code_serde!(visibility_code, crate::meetings::Visibility);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn approved() -> Change {
        Change::MembershipApproved(MembershipFacts {
            membership: MembershipId(7),
            group: WorkingGroupId(2),
            person: PersonId(5),
            role: MembershipRole::Member,
            status: MembershipStatus::Active,
        })
    }

    #[test]
    fn entries_written_before_the_typed_change_read_back() {
        // As the activity log held them: verb, subject id and group in columns.
        let cases = [
            (
                "membership.approved",
                7,
                Some(WorkingGroupId(2)),
                json!({ "version": 1, "personId": 5, "role": "member", "status": "active" }),
                approved(),
            ),
            (
                "meeting.rsvp",
                3,
                None,
                json!({ "version": 1, "personId": 5, "response": "yes" }),
                Change::MeetingAnswered {
                    meeting: MeetingRef {
                        meeting: MeetingId(3),
                        group: None,
                    },
                    person: PersonId(5),
                    response: RsvpResponse::Yes,
                    occurrence: None,
                },
            ),
            (
                "meeting.cancelled",
                3,
                Some(WorkingGroupId(1)),
                json!({ "version": 1, "sequence": 2, "status": "cancelled" }),
                Change::MeetingCancelled(MeetingFacts {
                    meeting: MeetingRef {
                        meeting: MeetingId(3),
                        group: Some(WorkingGroupId(1)),
                    },
                    sequence: 2,
                    status: MeetingStatus::Cancelled,
                }),
            ),
            (
                "account.disabled",
                5,
                None,
                json!({ "version": 1 }),
                Change::AccountDisabled(AccountFacts {
                    person: PersonId(5),
                }),
            ),
            (
                "group.join_policy_changed",
                2,
                Some(WorkingGroupId(2)),
                json!({ "version": 1, "joinPolicy": "open" }),
                Change::JoinPolicyChanged {
                    group: WorkingGroupId(2),
                    join_policy: JoinPolicy::Open,
                },
            ),
        ];
        for (verb, subject, group, payload, expected) in cases {
            let read = Change::from_log(verb, subject, group, &payload)
                .unwrap_or_else(|error| panic!("{verb}: {error}"));
            assert_eq!(read, expected, "{verb}");
            assert_eq!(read.verb(), verb);
            assert_eq!(read.subject().id(), subject);
            assert_eq!(read.working_group(), group);
        }
    }

    #[test]
    fn every_change_round_trips_through_the_log_form() {
        let change = Change::MembershipRoleChanged {
            membership: MembershipFacts {
                membership: MembershipId(7),
                group: WorkingGroupId(2),
                person: PersonId(5),
                role: MembershipRole::Coordinator,
                status: MembershipStatus::Active,
            },
            from: MembershipRole::Member,
            to: MembershipRole::Coordinator,
        };
        let json = change.to_json();
        assert_eq!(json["verb"], "membership.role_changed");
        assert_eq!(json["subjectId"], 7);
        assert_eq!(json["workingGroupId"], 2);
        assert_eq!(json["from"], "member");
        let read = Change::from_log(
            change.verb(),
            change.subject().id(),
            change.working_group(),
            &json,
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(read, change);
    }

    #[test]
    fn events_say_whom_they_concern() {
        let event = Event {
            id: 1,
            occurred_at: DateTime::UNIX_EPOCH,
            actor: Some(PersonId(9)),
            change: approved(),
        };
        assert!(event.concerns(PersonId(5)));
        assert!(!event.concerns(PersonId(9)));
        assert_eq!(event.working_group(), Some(WorkingGroupId(2)));
        assert_eq!(
            event.membership_change().map(|m| m.status),
            Some(MembershipStatus::Active)
        );
        let disabled = Change::AccountDisabled(AccountFacts {
            person: PersonId(5),
        });
        assert_eq!(disabled.ended_account(), Some(PersonId(5)));
        assert!(disabled.concerns(PersonId(5)));
    }
}
