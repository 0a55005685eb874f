//! The authorization policy: one place that answers "may this viewer do this?", for
//! changes and for reads alike (who may see a membership, a meeting, a person's private
//! details). Resolvers, services and subscriptions all ask here; nothing else decides.

use std::collections::HashMap;

use crate::accounts::SessionId;
use crate::coalition::WorkingGroupId;
use crate::events::{Change, MeetingFacts};
use crate::meetings::{Meeting, Visibility};
use crate::membership::{Membership, MembershipRole, MembershipStatus};
use crate::people::PersonId;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Viewer {
    /// No valid session: public data only.
    #[default]
    Anonymous,
    /// A signed-in person with a verified, enabled account.
    Person(SignedIn),
}

/// What the policy needs to know about a signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Who they are.
    pub person: PersonId,
    /// The session the request came with.
    pub session: SessionId,
    /// A coalition administrator (the secretariat).
    pub is_admin: bool,
    /// Their role and status in each group they have a membership of.
    pub memberships: HashMap<WorkingGroupId, (MembershipRole, MembershipStatus)>,
}

impl SignedIn {
    /// Their role in `group` if the membership is active.
    pub fn active_role(&self, group: WorkingGroupId) -> Option<MembershipRole> {
        match self.memberships.get(&group) {
            Some((role, MembershipStatus::Active)) => Some(*role),
            _ => None,
        }
    }

    /// A member of the coalition: an active membership, in any role, of any group.
    pub fn is_coalition_member(&self) -> bool {
        self.memberships
            .values()
            .any(|(_, status)| *status == MembershipStatus::Active)
    }
}

impl Viewer {
    /// Someone who is not the one asking, as their stored standing makes them: whether the
    /// issuer of an invitation may still give what it offers when it is accepted. Their
    /// session plays no part (`SessionId(0)` stands for none); a disabled account is
    /// nobody.
    pub fn from_standing(standing: &Standing) -> Viewer {
        if standing.disabled {
            return Viewer::Anonymous;
        }
        Viewer::Person(SignedIn {
            person: standing.person,
            session: SessionId(0),
            is_admin: standing.is_admin,
            memberships: standing.memberships.iter().copied().collect(),
        })
    }

    /// Brings a long-lived viewer (a live subscription's) up to date with an event: a
    /// membership that changed or an account that was disabled changes what it may see.
    pub fn apply(&mut self, event: &crate::events::Event) {
        let Viewer::Person(person) = self else { return };
        if event.ended_account() == Some(person.person) {
            *self = Viewer::Anonymous;
            return;
        }
        if let Some(change) = event.membership_change()
            && change.person == person.person
        {
            person
                .memberships
                .insert(change.group, (change.role, change.status));
        }
    }

    /// The signed-in person, if any.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Person(signed_in) => Some(signed_in),
        }
    }

    /// The signed-in person's id, if any.
    pub fn person_id(&self) -> Option<PersonId> {
        self.signed_in().map(|signed_in| signed_in.person)
    }
}

/// A person's rights as stored, for deciding on their behalf while they are absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Who.
    pub person: PersonId,
    /// A coalition administrator.
    pub is_admin: bool,
    /// The account was disabled.
    pub disabled: bool,
    /// Their memberships that matter: group, role and status.
    pub memberships: Vec<(WorkingGroupId, (MembershipRole, MembershipStatus))>,
}

/// Something a viewer may try to do: a change, or a read of something not everyone sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the coalition, its groups and their public member lists.
    ReadPublic,
    /// Act on one's own account: see oneself, change one's password, sign out.
    ManageOwnAccount,
    /// See a person's private details (email, gender) and their coming meetings.
    ViewPrivateProfile(PersonId),
    /// Disable or enable accounts, promote administrators, see every account.
    AdministerAccounts,
    /// Run the coalition itself: create, describe, archive and restore working groups,
    /// edit the coalition's and the areas' texts, see archived groups in lists.
    AdministerCoalition,
    /// Read what a group keeps for its members (its live activity, its meetings).
    ReadGroupInternals(WorkingGroupId),
    /// Post in a group: documents, comments, RSVPs.
    ContributeToGroup(WorkingGroupId),
    /// Run a group: admit, invite, change roles, schedule meetings.
    CoordinateGroup(WorkingGroupId),
    /// Schedule coalition-wide plenaries.
    ScheduleCoalitionMeeting,
    /// Take part in the coalition as a whole (answer a plenary): its members, that is people
    /// with an active membership of any group.
    ContributeToCoalition,
    /// See a person (their profile, by ID or through another object). Themselves and
    /// administrators always; anyone else only through one of the person's memberships that
    /// they may see (`ReadMembership`): an active one is on a public roster, a request is for
    /// the group's coordinators. Evaluated once with `membership: None` and once per
    /// membership; someone in no visible group is "not found".
    ReadPerson {
        /// Whom.
        person: PersonId,
        /// One of their memberships: its group and status.
        membership: Option<(WorkingGroupId, MembershipStatus)>,
    },
    /// See one membership. An active one is public; a request, a refusal or a past
    /// membership is for the person, the group's coordinators and administrators.
    ReadMembership {
        /// Whose membership.
        person: PersonId,
        /// Of which group.
        group: WorkingGroupId,
        /// Where it stands.
        status: MembershipStatus,
    },
    /// See why someone asked to join and why they were turned down: the person, the
    /// group's coordinators and administrators.
    ReadMembershipNotes {
        /// Whose membership.
        person: PersonId,
        /// Of which group.
        group: WorkingGroupId,
    },
    /// List a group's memberships of one status. Active members are public; pending
    /// requests, refusals and former members are for the coordinators and administrators.
    ReadMemberList {
        /// The group.
        group: WorkingGroupId,
        /// The status listed.
        status: MembershipStatus,
    },
    /// List a person's memberships of one status on their profile. Active ones are public;
    /// the others are for the person and administrators (not the group's coordinators).
    ReadMembershipsOfPerson {
        /// Whose memberships.
        person: PersonId,
        /// The status listed.
        status: MembershipStatus,
    },
    /// See an invitation to a group (it holds an address): the group's coordinators and
    /// administrators.
    ReadInvitation(WorkingGroupId),
    /// See a meeting, its agenda and its answer counts.
    ReadMeeting {
        /// The group; `None` for a plenary.
        group: Option<WorkingGroupId>,
        /// Who it is meant for.
        visibility: Visibility,
    },
    /// See an action item: whoever may see the meeting it was raised at, wherever the item
    /// shows (it is carried over to the group's later meetings).
    ReadActionItem {
        /// The group of the meeting it was raised at.
        group: Option<WorkingGroupId>,
        /// The visibility of the meeting it was raised at.
        visibility: Visibility,
    },
    /// See who answered a meeting and who attended it: its organisers.
    ReadMeetingAnswers(Option<WorkingGroupId>),
    /// Read the mail outbox: administrators.
    ReadOutbox,
    /// See a document and download its versions: decided as for meetings.
    ReadDocument {
        /// The group; `None` for a coalition document.
        group: Option<WorkingGroupId>,
        /// Who it is meant for.
        visibility: Visibility,
    },
    /// Upload a document or a new version of one: the group's members and coordinators
    /// (not observers); administrators for coalition documents (`None`).
    WriteDocument(Option<WorkingGroupId>),
    /// Remove a document for good, with its versions and the bytes no other version uses:
    /// administrators (members archive instead).
    PurgeDocument,
    // Members managing themselves (issue 15 items 4, 5, 7).
    /// See, on a group's roster and through their memberships of it, the people who chose
    /// not to be listed publicly: the group's active members (observers and coordinators
    /// included) and administrators. Everyone sees themselves (`ReadPerson` with no
    /// membership); a `ReadPerson` or `ReadMemberList` through an active membership shows
    /// an unlisted person only when this is allowed too.
    ReadUnlistedMembers(WorkingGroupId),
    // Notification inbox.
    /// Read and mark one's own notifications: any signed-in person, their own only.
    ReadOwnNotifications,
}

impl Action {
    /// Running a meeting: its group's coordinators, or for a plenary (`None`) the
    /// administrators.
    pub fn organise_meeting(group: Option<WorkingGroupId>) -> Action {
        match group {
            Some(group) => Action::CoordinateGroup(group),
            None => Action::ScheduleCoalitionMeeting,
        }
    }

    /// Seeing `membership`.
    pub fn read_membership(membership: &Membership) -> Action {
        Action::ReadMembership {
            person: membership.person_id,
            group: membership.working_group_id,
            status: membership.status,
        }
    }

    /// Seeing `document`.
    pub fn read_document(document: &crate::documents::Document) -> Action {
        Action::ReadDocument {
            group: document.working_group,
            visibility: document.visibility,
        }
    }

    /// Answering a meeting of `group` (`None`: a plenary).
    pub fn answer_meeting(group: Option<WorkingGroupId>) -> Action {
        match group {
            Some(group) => Action::ContributeToGroup(group),
            None => Action::ContributeToCoalition,
        }
    }

    /// Seeing `meeting`.
    pub fn read_meeting(meeting: &Meeting) -> Action {
        Action::ReadMeeting {
            group: meeting.working_group,
            visibility: meeting.visibility,
        }
    }

    /// Seeing an action item raised at `meeting`.
    pub fn read_action_item(raised_at: &Meeting) -> Action {
        Action::ReadActionItem {
            group: raised_at.working_group,
            visibility: raised_at.visibility,
        }
    }

    /// Seeing that `change` happened (a live event, an activity entry): what the queries
    /// ask to see what it is about, so a subscription never shows what a query hides.
    pub fn read_change(change: &Change) -> Action {
        match change {
            Change::CoalitionSeeded { .. }
            | Change::DemoSeeded { .. }
            | Change::JoinPolicyChanged { .. }
            | Change::CoalitionUpdated { .. }
            | Change::AreaUpdated { .. }
            | Change::GroupCreated(_)
            | Change::GroupUpdated(_)
            | Change::GroupArchived(_)
            | Change::GroupRestored(_) => Action::ReadPublic,
            Change::PersonRegistered { person, .. } => Action::ViewPrivateProfile(*person),
            Change::PasswordChanged(account)
            | Change::EmailVerified(account)
            | Change::PasswordReset(account)
            | Change::AdminGranted(account)
            | Change::AdminRevoked(account)
            | Change::AccountDisabled(account)
            | Change::AccountEnabled(account)
            | Change::SignedOut(account)
            | Change::SignedOutEverywhere(account) => Action::ViewPrivateProfile(account.person),
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
            } => Action::ReadMembership {
                person: facts.person,
                group: facts.group,
                status: facts.status,
            },
            Change::InvitationSent(facts) | Change::InvitationRevoked(facts) => {
                Action::ReadInvitation(facts.group)
            }
            // Who answered what is for the organisers, as `Meeting.rsvps` is.
            Change::MeetingAnswered { meeting, .. } => Action::ReadMeetingAnswers(meeting.group),
            // The event does not carry the meeting's visibility: the narrowest is assumed.
            Change::MeetingScheduled(MeetingFacts { meeting, .. })
            | Change::MeetingUpdated(MeetingFacts { meeting, .. })
            | Change::MeetingCancelled(MeetingFacts { meeting, .. })
            | Change::OccurrenceCancelled {
                meeting: MeetingFacts { meeting, .. },
                ..
            }
            | Change::OccurrenceMoved {
                meeting: MeetingFacts { meeting, .. },
                ..
            }
            | Change::AgendaChanged(meeting)
            | Change::MinutesRecorded(meeting)
            | Change::ActionItemAdded(meeting)
            | Change::ActionItemUpdated(meeting)
            | Change::AttendanceRecorded { meeting, .. } => Action::ReadMeeting {
                group: meeting.group,
                visibility: Visibility::Group,
            },
            Change::DocumentUploaded(facts)
            | Change::DocumentVersionAdded(facts)
            | Change::DocumentUpdated(facts)
            | Change::DocumentArchived(facts)
            | Change::DocumentRestored(facts)
            | Change::DocumentPurged(facts) => Action::ReadDocument {
                group: facts.group,
                visibility: facts.visibility,
            },
            Change::ProfileUpdated(account)
            | Change::EmailChanged(account)
            | Change::AccountDeleted(account) => Action::ViewPrivateProfile(account.person),
        }
    }
}

// Public calendar: which meetings a viewer's calendar loads.
/// Which meetings a viewer may see, as a filter a query applies so that a calendar never
/// loads what it would then hide. Agrees with [`Action::ReadMeeting`] (tested).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingReach {
    /// Visibilities seen in every group and in plenaries.
    pub everywhere: Vec<Visibility>,
    /// Groups whose members-only (`Group`) meetings are seen too.
    pub group_meetings_of: Vec<WorkingGroupId>,
    /// Whether members-only plenaries (for the coalition's members) are seen too.
    pub members_plenaries: bool,
}

impl MeetingReach {
    /// Whether a meeting of `group` (`None`: a plenary) with `visibility` is within reach.
    pub fn contains(&self, group: Option<WorkingGroupId>, visibility: Visibility) -> bool {
        self.everywhere.contains(&visibility)
            || (visibility == Visibility::Group
                && match group {
                    Some(group) => self.group_meetings_of.contains(&group),
                    None => self.members_plenaries,
                })
    }
}

/// The meetings `viewer` may see: public ones for anyone; coalition-wide ones for every
/// signed-in person; members-only ones of their active groups (and members-only plenaries
/// for the coalition's members); everything for administrators.
pub fn meeting_reach(viewer: &Viewer) -> MeetingReach {
    match viewer {
        Viewer::Anonymous => MeetingReach {
            everywhere: vec![Visibility::Public],
            group_meetings_of: Vec::new(),
            members_plenaries: false,
        },
        Viewer::Person(person) if person.is_admin => MeetingReach {
            everywhere: vec![Visibility::Public, Visibility::Coalition, Visibility::Group],
            group_meetings_of: Vec::new(),
            members_plenaries: true,
        },
        Viewer::Person(person) => {
            let mut groups: Vec<WorkingGroupId> = person
                .memberships
                .keys()
                .copied()
                .filter(|group| person.active_role(*group).is_some())
                .collect();
            groups.sort_unstable();
            MeetingReach {
                everywhere: vec![Visibility::Public, Visibility::Coalition],
                group_meetings_of: groups,
                members_plenaries: person.is_coalition_member(),
            }
        }
    }
}

/// Why the policy said no.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The action needs a signed-in person.
    Unauthenticated,
    /// The signed-in person lacks the role; the text says which role would do.
    Forbidden(&'static str),
}

/// Decides whether `viewer` may perform `action`.
pub fn ensure(viewer: &Viewer, action: Action) -> Result<(), Denied> {
    if open_to_anyone(action) {
        return Ok(());
    }
    let Viewer::Person(person) = viewer else {
        return Err(Denied::Unauthenticated);
    };
    if person.is_admin {
        // The secretariat runs the coalition: every action is open to it.
        return Ok(());
    }
    if allowed_to(person, action) {
        Ok(())
    } else {
        Err(Denied::Forbidden(requirement(action)))
    }
}

/// Whether `viewer` may perform `action`, for fields that hide rather than refuse.
pub fn allows(viewer: &Viewer, action: Action) -> bool {
    ensure(viewer, action).is_ok()
}

/// Whether `viewer` may see `person` through their membership of `group` in `status`:
/// the membership must be visible (`ReadPerson`), and a person who chose not to be listed
/// publicly shows only to themselves and to those who may see the group's unlisted members.
pub fn sees_member(
    viewer: &Viewer,
    person: PersonId,
    listed_publicly: bool,
    group: WorkingGroupId,
    status: MembershipStatus,
) -> bool {
    allows(
        viewer,
        Action::ReadPerson {
            person,
            membership: Some((group, status)),
        },
    ) && (listed_publicly
        || viewer.person_id() == Some(person)
        || allows(viewer, Action::ReadUnlistedMembers(group)))
}

/// What needs no sign-in at all.
fn open_to_anyone(action: Action) -> bool {
    match action {
        Action::ReadPublic => true,
        Action::ReadMembership { status, .. }
        | Action::ReadMemberList { status, .. }
        | Action::ReadMembershipsOfPerson { status, .. } => status == MembershipStatus::Active,
        Action::ReadMeeting { visibility, .. }
        | Action::ReadActionItem { visibility, .. }
        | Action::ReadDocument { visibility, .. } => visibility == Visibility::Public,
        Action::ReadPerson {
            person,
            membership: Some((group, status)),
        } => open_to_anyone(Action::ReadMembership {
            person,
            group,
            status,
        }),
        Action::ReadPerson {
            membership: None, ..
        }
        | Action::ContributeToCoalition
        | Action::ManageOwnAccount
        | Action::ViewPrivateProfile(_)
        | Action::AdministerAccounts
        | Action::AdministerCoalition
        | Action::ReadGroupInternals(_)
        | Action::ContributeToGroup(_)
        | Action::CoordinateGroup(_)
        | Action::ScheduleCoalitionMeeting
        | Action::ReadMembershipNotes { .. }
        | Action::ReadInvitation(_)
        | Action::ReadMeetingAnswers(_)
        | Action::WriteDocument(_)
        | Action::PurgeDocument
        | Action::ReadOutbox
        | Action::ReadUnlistedMembers(_)
        | Action::ReadOwnNotifications => false,
    }
}

/// What a signed-in person who is not an administrator may do, beyond what is open to
/// anyone.
fn allowed_to(person: &SignedIn, action: Action) -> bool {
    let coordinates = |group| person.active_role(group) == Some(MembershipRole::Coordinator);
    match action {
        Action::ReadPublic | Action::ManageOwnAccount | Action::ReadOwnNotifications => true,
        Action::ViewPrivateProfile(subject)
        | Action::ReadMembershipsOfPerson {
            person: subject, ..
        } => subject == person.person,
        Action::AdministerAccounts
        | Action::AdministerCoalition
        | Action::ScheduleCoalitionMeeting
        | Action::ReadOutbox
        | Action::PurgeDocument => false,
        Action::ReadGroupInternals(group) | Action::ReadUnlistedMembers(group) => {
            person.active_role(group).is_some()
        }
        Action::ContributeToGroup(group) | Action::WriteDocument(Some(group)) => matches!(
            person.active_role(group),
            Some(MembershipRole::Member | MembershipRole::Coordinator)
        ),
        Action::CoordinateGroup(group)
        | Action::ReadMemberList { group, .. }
        | Action::ReadInvitation(group)
        | Action::ReadMeetingAnswers(Some(group)) => coordinates(group),
        Action::ReadMeetingAnswers(None) | Action::WriteDocument(None) => false,
        Action::ContributeToCoalition => person.is_coalition_member(),
        Action::ReadPerson {
            person: subject,
            membership: None,
        } => subject == person.person,
        Action::ReadPerson {
            person: subject,
            membership: Some((group, status)),
        } => allowed_to(
            person,
            Action::ReadMembership {
                person: subject,
                group,
                status,
            },
        ),
        Action::ReadMembership {
            person: subject,
            group,
            ..
        }
        | Action::ReadMembershipNotes {
            person: subject,
            group,
        } => subject == person.person || coordinates(group),
        Action::ReadMeeting { group, visibility }
        | Action::ReadActionItem { group, visibility }
        | Action::ReadDocument { group, visibility } => {
            match (visibility, group) {
                (Visibility::Public | Visibility::Coalition, _) => true,
                // A plenary's group is the whole coalition: its members, not every account.
                (Visibility::Group, None) => person.is_coalition_member(),
                (Visibility::Group, Some(group)) => person.active_role(group).is_some(),
            }
        }
    }
}

fn requirement(action: Action) -> &'static str {
    match action {
        Action::ReadPublic | Action::ManageOwnAccount | Action::ReadOwnNotifications => {
            "a signed-in person"
        }
        Action::ViewPrivateProfile(_) | Action::ReadMembershipsOfPerson { .. } => {
            "the person themselves or an administrator"
        }
        Action::AdministerAccounts
        | Action::AdministerCoalition
        | Action::ReadOutbox
        | Action::PurgeDocument => "a coalition administrator",
        Action::ScheduleCoalitionMeeting
        | Action::ReadMeetingAnswers(None)
        | Action::WriteDocument(None) => "a coalition administrator",
        Action::ReadGroupInternals(_) | Action::ReadUnlistedMembers(_) => {
            "an active member, observer or coordinator of the group"
        }
        Action::ContributeToGroup(_) | Action::WriteDocument(Some(_)) => {
            "an active member or coordinator of the group (observers read only)"
        }
        Action::CoordinateGroup(_)
        | Action::ReadMemberList { .. }
        | Action::ReadInvitation(_)
        | Action::ReadMeetingAnswers(Some(_)) => "a coordinator of the group or an administrator",
        Action::ReadMembership { .. } | Action::ReadMembershipNotes { .. } => {
            "the person themselves, a coordinator of the group or an administrator"
        }
        Action::ContributeToCoalition => {
            "a member of the coalition (an active membership of a working group)"
        }
        Action::ReadPerson { .. } => "someone who may see one of the person's memberships",
        Action::ReadMeeting { group, visibility }
        | Action::ReadActionItem { group, visibility }
        | Action::ReadDocument { group, visibility } => match (visibility, group) {
            (Visibility::Group, Some(_)) => {
                "an active member, observer or coordinator of the group"
            }
            (Visibility::Group, None) => "a member of the coalition",
            _ => "a signed-in person",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: WorkingGroupId = WorkingGroupId(1);
    const OTHER_GROUP: WorkingGroupId = WorkingGroupId(2);
    const SELF: PersonId = PersonId(10);
    const SOMEONE_ELSE: PersonId = PersonId(11);

    fn person(is_admin: bool, membership: Option<(MembershipRole, MembershipStatus)>) -> Viewer {
        person_in(GROUP, is_admin, membership)
    }

    fn person_in(
        group: WorkingGroupId,
        is_admin: bool,
        membership: Option<(MembershipRole, MembershipStatus)>,
    ) -> Viewer {
        Viewer::Person(SignedIn {
            person: SELF,
            session: SessionId(1),
            is_admin,
            memberships: membership.into_iter().map(|m| (group, m)).collect(),
        })
    }

    /// The roles of the table's columns, in order. Disabled and unverified accounts have no
    /// session, so they reach the policy as anonymous viewers.
    fn viewers() -> [(&'static str, Viewer); 9] {
        use MembershipRole::*;
        use MembershipStatus::*;
        [
            ("anonymous", Viewer::Anonymous),
            ("signed in, no group", person(false, None)),
            ("observer", person(false, Some((Observer, Active)))),
            ("member", person(false, Some((Member, Active)))),
            ("pending member", person(false, Some((Member, Pending)))),
            (
                "former coordinator",
                person(false, Some((Coordinator, Ended))),
            ),
            ("coordinator", person(false, Some((Coordinator, Active)))),
            (
                "coordinator of another group",
                person_in(OTHER_GROUP, false, Some((Coordinator, Active))),
            ),
            ("administrator", person(true, None)),
        ]
    }

    /// Every action, changes and reads, against every role: `Y` allowed, `N` refused.
    /// `SELF` is the viewer; memberships and meetings are of `GROUP` unless said otherwise.
    #[rustfmt::skip]
    fn table() -> Vec<(Action, [bool; 9])> {
        use MembershipStatus::*;
        use Visibility::*;
        const Y: bool = true;
        const N: bool = false;
        let membership = |person, status| Action::ReadMembership { person, group: GROUP, status };
        let list = |status| Action::ReadMemberList { group: GROUP, status };
        let profile = |person, status| Action::ReadMembershipsOfPerson { person, status };
        let meeting = |group, visibility| Action::ReadMeeting { group, visibility };
        let item = |group, visibility| Action::ReadActionItem { group, visibility };
        let document = |group, visibility| Action::ReadDocument { group, visibility };
        let person_via = |person, status: Option<MembershipStatus>| Action::ReadPerson {
            person,
            membership: status.map(|status| (GROUP, status)),
        };
        vec![
            //                                                   anon outsdr obsrvr member pendng former coord  coord2 admin
            (Action::ReadPublic,                                 [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ManageOwnAccount,                           [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ViewPrivateProfile(SELF),                   [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ViewPrivateProfile(SOMEONE_ELSE),           [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Action::AdministerAccounts,                         [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Action::AdministerCoalition,                        [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Action::ReadGroupInternals(GROUP),                  [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (Action::ContributeToGroup(GROUP),                   [N,   N,     N,     Y,     N,     N,     Y,     N,     Y]),
            (Action::CoordinateGroup(GROUP),                     [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Action::CoordinateGroup(OTHER_GROUP),               [N,   N,     N,     N,     N,     N,     N,     Y,     Y]),
            (Action::ScheduleCoalitionMeeting,                   [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            // Answering a plenary: members of any group, observers included.
            (Action::ContributeToCoalition,                      [N,   N,     Y,     Y,     N,     N,     Y,     Y,     Y]),
            (Action::answer_meeting(Some(GROUP)),                [N,   N,     N,     Y,     N,     N,     Y,     N,     Y]),
            // A person: themselves, or through a membership the viewer may see.
            (person_via(SELF, None),                             [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (person_via(SOMEONE_ELSE, None),                     [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (person_via(SOMEONE_ELSE, Some(Active)),             [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (person_via(SOMEONE_ELSE, Some(Pending)),            [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (person_via(SOMEONE_ELSE, Some(Rejected)),           [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (person_via(SOMEONE_ELSE, Some(Ended)),              [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            // Memberships, one at a time (node, member lists, nested fields).
            (membership(SOMEONE_ELSE, Active),                   [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (membership(SOMEONE_ELSE, Pending),                  [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (membership(SOMEONE_ELSE, Rejected),                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (membership(SOMEONE_ELSE, Ended),                    [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (membership(SELF, Pending),                          [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (membership(SELF, Rejected),                         [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ReadMembershipNotes { person: SELF, group: GROUP },
                                                                 [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ReadMembershipNotes { person: SOMEONE_ELSE, group: GROUP },
                                                                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            // A group's member list by status: `pendingRequests` is the PENDING one.
            (list(Active),                                       [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (list(Pending),                                      [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (list(Rejected),                                     [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (list(Ended),                                        [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            // A person's memberships listed on their profile.
            (profile(SOMEONE_ELSE, Active),                      [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (profile(SOMEONE_ELSE, Pending),                     [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (profile(SELF, Pending),                             [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (profile(SELF, Ended),                               [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Action::ReadInvitation(GROUP),                      [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            // Meetings of the group, and plenaries (no group).
            (meeting(Some(GROUP), Public),                       [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (meeting(Some(GROUP), Coalition),                    [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (meeting(Some(GROUP), Group),                        [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (meeting(None, Public),                              [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (meeting(None, Coalition),                           [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (meeting(None, Group),                               [N,   N,     Y,     Y,     N,     N,     Y,     Y,     Y]),
            // Action items, by the meeting they were raised at.
            (item(Some(GROUP), Public),                          [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (item(Some(GROUP), Coalition),                       [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (item(Some(GROUP), Group),                           [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (item(None, Public),                                 [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (item(None, Coalition),                              [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (item(None, Group),                                  [N,   N,     Y,     Y,     N,     N,     Y,     Y,     Y]),
            (Action::ReadMeetingAnswers(Some(GROUP)),            [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Action::ReadMeetingAnswers(None),                   [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Action::ReadOutbox,                                 [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            // Documents: read as meetings are; written by members and coordinators.
            (document(Some(GROUP), Public),                      [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (document(Some(GROUP), Coalition),                   [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (document(Some(GROUP), Group),                       [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (document(None, Public),                             [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (document(None, Coalition),                          [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (document(None, Group),                              [N,   N,     Y,     Y,     N,     N,     Y,     Y,     Y]),
            (Action::WriteDocument(Some(GROUP)),                 [N,   N,     N,     Y,     N,     N,     Y,     N,     Y]),
            (Action::WriteDocument(None),                        [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Action::PurgeDocument,                              [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            // Members managing themselves: unlisted people are seen by their group's members.
            (Action::ReadUnlistedMembers(GROUP),                 [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (Action::ReadUnlistedMembers(OTHER_GROUP),           [N,   N,     N,     N,     N,     N,     N,     Y,     Y]),
            // Notification inbox: one's own, signed in.
            (Action::ReadOwnNotifications,                       [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
        ]
    }

    /// Every role against every action.
    #[test]
    fn role_by_action_table() {
        let viewers = viewers();
        for (action, row) in table() {
            for ((name, viewer), allowed) in viewers.iter().zip(row) {
                assert_eq!(allows(viewer, action), allowed, "{name} / {action:?}");
            }
        }
    }

    /// The kind of an action, to check the table's coverage. No catch-all: a new kind of
    /// action does not compile here until it is named, and named it needs rows.
    fn kind(action: &Action) -> &'static str {
        match action {
            Action::ReadPublic => "ReadPublic",
            Action::ManageOwnAccount => "ManageOwnAccount",
            Action::ViewPrivateProfile(_) => "ViewPrivateProfile",
            Action::AdministerAccounts => "AdministerAccounts",
            Action::AdministerCoalition => "AdministerCoalition",
            Action::ReadGroupInternals(_) => "ReadGroupInternals",
            Action::ContributeToGroup(_) => "ContributeToGroup",
            Action::CoordinateGroup(_) => "CoordinateGroup",
            Action::ScheduleCoalitionMeeting => "ScheduleCoalitionMeeting",
            Action::ContributeToCoalition => "ContributeToCoalition",
            Action::ReadPerson { .. } => "ReadPerson",
            Action::ReadMembership { .. } => "ReadMembership",
            Action::ReadMembershipNotes { .. } => "ReadMembershipNotes",
            Action::ReadMemberList { .. } => "ReadMemberList",
            Action::ReadMembershipsOfPerson { .. } => "ReadMembershipsOfPerson",
            Action::ReadInvitation(_) => "ReadInvitation",
            Action::ReadMeeting { .. } => "ReadMeeting",
            Action::ReadActionItem { .. } => "ReadActionItem",
            Action::ReadMeetingAnswers(_) => "ReadMeetingAnswers",
            Action::ReadOutbox => "ReadOutbox",
            Action::ReadDocument { .. } => "ReadDocument",
            Action::WriteDocument(_) => "WriteDocument",
            Action::PurgeDocument => "PurgeDocument",
            Action::ReadUnlistedMembers(_) => "ReadUnlistedMembers",
            Action::ReadOwnNotifications => "ReadOwnNotifications",
        }
    }

    #[test]
    fn the_table_covers_every_kind_of_action() {
        const KINDS: [&str; 25] = [
            "ReadPublic",
            "ContributeToCoalition",
            "ReadPerson",
            "ManageOwnAccount",
            "ViewPrivateProfile",
            "AdministerAccounts",
            "AdministerCoalition",
            "ReadGroupInternals",
            "ContributeToGroup",
            "CoordinateGroup",
            "ScheduleCoalitionMeeting",
            "ReadMembership",
            "ReadMembershipNotes",
            "ReadMemberList",
            "ReadMembershipsOfPerson",
            "ReadInvitation",
            "ReadMeeting",
            "ReadActionItem",
            "ReadMeetingAnswers",
            "ReadOutbox",
            "ReadDocument",
            "WriteDocument",
            "PurgeDocument",
            "ReadUnlistedMembers",
            "ReadOwnNotifications",
        ];
        let covered: std::collections::BTreeSet<&str> =
            table().iter().map(|(action, _)| kind(action)).collect();
        let expected = std::collections::BTreeSet::from(KINDS);
        assert_eq!(covered, expected);
    }

    /// A list never shows an entry its viewer could not open on its own.
    #[test]
    fn lists_show_only_visible_memberships() {
        for (name, viewer) in viewers() {
            for &status in MembershipStatus::ALL {
                for subject in [SELF, SOMEONE_ELSE] {
                    let single = allows(
                        &viewer,
                        Action::ReadMembership {
                            person: subject,
                            group: GROUP,
                            status,
                        },
                    );
                    let in_group_list = allows(
                        &viewer,
                        Action::ReadMemberList {
                            group: GROUP,
                            status,
                        },
                    );
                    let on_profile = allows(
                        &viewer,
                        Action::ReadMembershipsOfPerson {
                            person: subject,
                            status,
                        },
                    );
                    assert!(
                        !in_group_list || single,
                        "{name} / member list / {status:?}"
                    );
                    assert!(!on_profile || single, "{name} / profile / {status:?}");
                }
            }
        }
    }

    /// A person is seen through a membership exactly when that membership is.
    #[test]
    fn people_are_seen_through_their_visible_memberships() {
        for (name, viewer) in viewers() {
            for &status in MembershipStatus::ALL {
                for subject in [SELF, SOMEONE_ELSE] {
                    let membership = Action::ReadMembership {
                        person: subject,
                        group: GROUP,
                        status,
                    };
                    let person = Action::ReadPerson {
                        person: subject,
                        membership: Some((GROUP, status)),
                    };
                    assert_eq!(
                        allows(&viewer, person),
                        allows(&viewer, membership),
                        "{name} / {status:?}"
                    );
                }
            }
        }
    }

    /// An absent person's stored standing decides like their session would; a disabled
    /// account decides nothing.
    #[test]
    fn standing_stands_in_for_an_absent_person() {
        let coordinator = Standing {
            person: SOMEONE_ELSE,
            is_admin: false,
            disabled: false,
            memberships: vec![(
                GROUP,
                (MembershipRole::Coordinator, MembershipStatus::Active),
            )],
        };
        let viewer = Viewer::from_standing(&coordinator);
        assert!(allows(&viewer, Action::CoordinateGroup(GROUP)));
        assert!(!allows(&viewer, Action::CoordinateGroup(OTHER_GROUP)));
        let demoted = Standing {
            memberships: vec![(GROUP, (MembershipRole::Member, MembershipStatus::Active))],
            ..coordinator.clone()
        };
        assert!(!allows(
            &Viewer::from_standing(&demoted),
            Action::CoordinateGroup(GROUP)
        ));
        let disabled_admin = Standing {
            is_admin: true,
            disabled: true,
            ..coordinator
        };
        assert_eq!(Viewer::from_standing(&disabled_admin), Viewer::Anonymous);
    }

    /// An action item is seen by whoever sees the meeting it was raised at.
    #[test]
    fn action_items_follow_their_meeting() {
        use Visibility::*;
        for (name, viewer) in viewers() {
            for group in [None, Some(GROUP), Some(OTHER_GROUP)] {
                for visibility in [Public, Coalition, Group] {
                    assert_eq!(
                        allows(&viewer, Action::ReadActionItem { group, visibility }),
                        allows(&viewer, Action::ReadMeeting { group, visibility }),
                        "{name} / {group:?} / {visibility:?}"
                    );
                }
            }
        }
    }

    /// Live events and activity entries are read like what they are about: a request to
    /// join and a refusal are for the person and coordinators, an answer to a meeting for
    /// its organisers, an invitation for coordinators.
    #[rustfmt::skip]
    #[test]
    fn changes_are_read_like_their_subjects() {
        use crate::events::{AccountFacts, GroupFacts, InvitationFacts, MeetingRef, MembershipFacts};
        use crate::meetings::{MeetingId, RsvpResponse};
        use crate::membership::InvitationId;
        use MembershipStatus::*;
        const Y: bool = true;
        const N: bool = false;
        let facts = |person, status| MembershipFacts {
            membership: crate::membership::MembershipId(3),
            group: GROUP,
            person,
            role: MembershipRole::Member,
            status,
        };
        let meeting = MeetingRef { meeting: MeetingId(4), group: Some(GROUP) };
        let rows: Vec<(Change, [bool; 9])> = vec![
            //                                                   anon outsdr obsrvr member pendng former coord  coord2 admin
            (Change::MembershipRequested(facts(SOMEONE_ELSE, Pending)),
                                                                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Change::MembershipRequested(facts(SELF, Pending)),  [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Change::MembershipRejected { membership: facts(SOMEONE_ELSE, Rejected), reason: String::new() },
                                                                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Change::MembershipApproved(facts(SOMEONE_ELSE, Active)),
                                                                 [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Change::MembershipLeft(facts(SOMEONE_ELSE, Ended)), [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Change::InvitationSent(InvitationFacts { invitation: InvitationId(1), group: GROUP, role: MembershipRole::Member }),
                                                                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Change::MeetingAnswered { meeting, person: SOMEONE_ELSE, response: RsvpResponse::Yes, occurrence: None },
                                                                 [N,   N,     N,     N,     N,     N,     Y,     N,     Y]),
            (Change::AgendaChanged(meeting),                     [N,   N,     Y,     Y,     N,     N,     Y,     N,     Y]),
            (Change::SignedOut(AccountFacts { person: SOMEONE_ELSE }),
                                                                 [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Change::PasswordChanged(AccountFacts { person: SELF }),
                                                                 [N,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Change::AdminRevoked(AccountFacts { person: SOMEONE_ELSE }),
                                                                 [N,   N,     N,     N,     N,     N,     N,     N,     Y]),
            (Change::GroupArchived(GroupFacts { group: GROUP }), [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
            (Change::CoordinatorAppointed(MembershipFacts { role: MembershipRole::Coordinator, ..facts(SOMEONE_ELSE, Active) }),
                                                                 [Y,   Y,     Y,     Y,     Y,     Y,     Y,     Y,     Y]),
        ];
        let viewers = viewers();
        for (change, row) in rows {
            for ((name, viewer), allowed) in viewers.iter().zip(row) {
                let action = Action::read_change(&change);
                assert_eq!(allows(viewer, action), allowed, "{name} / {}", change.verb());
            }
        }
    }

    /// An unlisted member shows on their group's roster to the group and administrators,
    /// not to anonymous visitors nor to other groups; a listed one shows to everyone.
    #[test]
    fn unlisted_members_show_only_to_their_group() {
        use MembershipStatus::Active;
        let expected = [
            ("anonymous", false),
            ("signed in, no group", false),
            ("observer", true),
            ("member", true),
            ("pending member", false),
            ("former coordinator", false),
            ("coordinator", true),
            ("coordinator of another group", false),
            ("administrator", true),
        ];
        for ((name, viewer), (expected_name, unlisted)) in viewers().into_iter().zip(expected) {
            assert_eq!(name, expected_name);
            assert!(
                sees_member(&viewer, SOMEONE_ELSE, true, GROUP, Active),
                "{name}"
            );
            assert_eq!(
                sees_member(&viewer, SOMEONE_ELSE, false, GROUP, Active),
                unlisted,
                "{name}"
            );
            // Everyone signed in sees themselves, listed or not.
            if viewer.person_id().is_some() {
                assert!(sees_member(&viewer, SELF, false, GROUP, Active), "{name}");
            }
        }
    }

    /// A calendar's query loads exactly the meetings the viewer could open one by one.
    #[test]
    fn meeting_reach_agrees_with_reading_a_meeting() {
        use Visibility::*;
        for (name, viewer) in viewers() {
            let reach = meeting_reach(&viewer);
            for group in [None, Some(GROUP), Some(OTHER_GROUP)] {
                for visibility in [Public, Coalition, Group] {
                    assert_eq!(
                        reach.contains(group, visibility),
                        allows(&viewer, Action::ReadMeeting { group, visibility }),
                        "{name} / {group:?} / {visibility:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn anonymous_is_unauthenticated_and_others_forbidden() {
        assert_eq!(
            ensure(&Viewer::Anonymous, Action::ManageOwnAccount),
            Err(Denied::Unauthenticated)
        );
        let observer = person(
            false,
            Some((MembershipRole::Observer, MembershipStatus::Active)),
        );
        assert!(matches!(
            ensure(&observer, Action::ContributeToGroup(GROUP)),
            Err(Denied::Forbidden(why)) if why.contains("observers read only")
        ));
    }
}
