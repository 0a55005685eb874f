//! The authorization policy: one place that answers "may this viewer do this?". Resolvers,
//! services and subscriptions all ask here; nothing else decides.

use std::collections::HashMap;

use crate::accounts::SessionId;
use crate::coalition::WorkingGroupId;
use crate::membership::{MembershipRole, MembershipStatus};
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
}

impl Viewer {
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

/// Something a viewer may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the coalition, its groups and their public member lists.
    ReadPublic,
    /// Act on one's own account: see oneself, change one's password, sign out.
    ManageOwnAccount,
    /// See a person's private details (email, gender).
    ViewPrivateProfile(PersonId),
    /// Disable or enable accounts, promote administrators, see every account.
    AdministerAccounts,
    /// Read what a group keeps for its members (pending requests, internal material).
    ReadGroupInternals(WorkingGroupId),
    /// Post in a group: documents, comments, RSVPs.
    ContributeToGroup(WorkingGroupId),
    /// Run a group: admit, invite, change roles, schedule meetings.
    CoordinateGroup(WorkingGroupId),
    /// Schedule coalition-wide plenaries.
    ScheduleCoalitionMeeting,
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
    if action == Action::ReadPublic {
        return Ok(());
    }
    let Viewer::Person(person) = viewer else {
        return Err(Denied::Unauthenticated);
    };
    if person.is_admin {
        // The secretariat runs the coalition: every action is open to it.
        return Ok(());
    }
    let allowed = match action {
        Action::ReadPublic | Action::ManageOwnAccount => true,
        Action::ViewPrivateProfile(subject) => subject == person.person,
        Action::AdministerAccounts | Action::ScheduleCoalitionMeeting => false,
        Action::ReadGroupInternals(group) => person.active_role(group).is_some(),
        Action::ContributeToGroup(group) => matches!(
            person.active_role(group),
            Some(MembershipRole::Member | MembershipRole::Coordinator)
        ),
        Action::CoordinateGroup(group) => {
            person.active_role(group) == Some(MembershipRole::Coordinator)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::Forbidden(requirement(action)))
    }
}

/// Whether `viewer` may perform `action`, for fields that hide rather than refuse.
pub fn allows(viewer: &Viewer, action: Action) -> bool {
    ensure(viewer, action).is_ok()
}

fn requirement(action: Action) -> &'static str {
    match action {
        Action::ReadPublic | Action::ManageOwnAccount => "a signed-in person",
        Action::ViewPrivateProfile(_) => "the person themselves or an administrator",
        Action::AdministerAccounts => "a coalition administrator",
        Action::ScheduleCoalitionMeeting => "a coalition administrator",
        Action::ReadGroupInternals(_) => "an active member, observer or coordinator of the group",
        Action::ContributeToGroup(_) => {
            "an active member or coordinator of the group (observers read only)"
        }
        Action::CoordinateGroup(_) => "a coordinator of the group or an administrator",
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
        Viewer::Person(SignedIn {
            person: SELF,
            session: SessionId(1),
            is_admin,
            memberships: membership.into_iter().map(|m| (GROUP, m)).collect(),
        })
    }

    /// Every role against every action: `true` allowed, `false` refused.
    #[test]
    fn role_by_action_table() {
        use MembershipRole::*;
        use MembershipStatus::*;
        let viewers = [
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
            ("administrator", person(true, None)),
        ];
        let actions = [
            Action::ReadPublic,
            Action::ManageOwnAccount,
            Action::ViewPrivateProfile(SELF),
            Action::ViewPrivateProfile(SOMEONE_ELSE),
            Action::AdministerAccounts,
            Action::ReadGroupInternals(GROUP),
            Action::ContributeToGroup(GROUP),
            Action::CoordinateGroup(GROUP),
            Action::CoordinateGroup(OTHER_GROUP),
            Action::ScheduleCoalitionMeeting,
        ];
        #[rustfmt::skip]
        let expected: [[bool; 10]; 8] = [
            // public own   self   other  admin  read   post   coord  coord2 plenary
            [true,  false, false, false, false, false, false, false, false, false], // anonymous
            [true,  true,  true,  false, false, false, false, false, false, false], // no group
            [true,  true,  true,  false, false, true,  false, false, false, false], // observer
            [true,  true,  true,  false, false, true,  true,  false, false, false], // member
            [true,  true,  true,  false, false, false, false, false, false, false], // pending
            [true,  true,  true,  false, false, false, false, false, false, false], // former coordinator
            [true,  true,  true,  false, false, true,  true,  true,  false, false], // coordinator
            [true,  true,  true,  true,  true,  true,  true,  true,  true,  true ], // administrator
        ];
        for ((name, viewer), row) in viewers.iter().zip(expected) {
            for (action, allowed) in actions.iter().zip(row) {
                assert_eq!(allows(viewer, *action), allowed, "{name} / {action:?}");
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
