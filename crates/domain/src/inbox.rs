//! The notification inbox: who is told of a change, stored per person in the same
//! transaction as the change, so a client that was away reads what `myNotifications`
//! streamed (and the meeting and document notices) when it comes back.
//!
//! [`notice`] is one exhaustive `match` over [`Change`]: a new kind of change does not
//! compile until it says whom it notifies.

use chrono::{DateTime, Utc};

use crate::coalition::WorkingGroupId;
use crate::events::{Change, Event};
use crate::notifications::NotificationCategory;
use crate::people::PersonId;

/// Identifies a stored notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotificationId(pub i32);

/// Who receives a notice. The actor never does, nor a disabled account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The person the change is about (their account, their membership).
    Person(PersonId),
    /// The person asking to join, and whoever decides: the group's active coordinators
    /// and the administrators (as `myNotifications` streams requests to them).
    RequesterAndDeciders {
        /// Who asked.
        person: PersonId,
        /// The group asked to.
        group: WorkingGroupId,
    },
    /// The active members (any role) of a group, or of any group for the coalition's own
    /// meetings and documents (`None`): the people who may read them whatever their
    /// visibility.
    Members(Option<WorkingGroupId>),
}

/// A change worth a notification: to whom, and under which category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// Who is told.
    pub audience: Audience,
    /// The category (as for mail preferences).
    pub category: NotificationCategory,
}

/// Whom `change` notifies; `None` for changes nobody is notified of.
pub fn notice(change: &Change) -> Option<Notice> {
    use NotificationCategory::{Documents, Meetings, Membership, Security};
    let to = |audience, category| Some(Notice { audience, category });
    match change {
        Change::CoalitionSeeded { .. }
        | Change::DemoSeeded { .. }
        | Change::CoalitionUpdated { .. }
        | Change::AreaUpdated { .. }
        | Change::GroupCreated(_)
        | Change::GroupUpdated(_)
        | Change::GroupArchived(_)
        | Change::GroupRestored(_)
        | Change::JoinPolicyChanged { .. } => None,
        Change::PersonRegistered { person, .. } => to(Audience::Person(*person), Security),
        Change::PasswordChanged(account)
        | Change::EmailVerified(account)
        | Change::PasswordReset(account)
        | Change::AdminGranted(account)
        | Change::AdminRevoked(account)
        | Change::AccountDisabled(account)
        | Change::AccountEnabled(account)
        | Change::SignedOut(account)
        | Change::SignedOutEverywhere(account)
        | Change::EmailChanged(account) => to(Audience::Person(account.person), Security),
        // One's own profile is no news to oneself; a deleted account has no inbox left.
        Change::ProfileUpdated(_) | Change::AccountDeleted(_) => None,
        Change::MembershipRequested(facts) => to(
            Audience::RequesterAndDeciders {
                person: facts.person,
                group: facts.group,
            },
            Membership,
        ),
        Change::MembershipJoined(facts)
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
        } => to(Audience::Person(facts.person), Membership),
        // The invitee has no account yet: the mail is their notice.
        Change::InvitationSent(_) | Change::InvitationRevoked(_) => None,
        Change::MeetingScheduled(facts)
        | Change::MeetingUpdated(facts)
        | Change::MeetingCancelled(facts)
        | Change::OccurrenceCancelled { meeting: facts, .. }
        | Change::OccurrenceMoved { meeting: facts, .. } => {
            to(Audience::Members(facts.meeting.group), Meetings)
        }
        // Work inside a meeting is read on the meeting's page, not announced.
        Change::MeetingAnswered { .. }
        | Change::AgendaChanged(_)
        | Change::MinutesRecorded(_)
        | Change::ActionItemAdded(_)
        | Change::ActionItemUpdated(_)
        | Change::AttendanceRecorded { .. } => None,
        Change::DocumentUploaded(facts)
        | Change::DocumentVersionAdded(facts)
        | Change::DocumentArchived(facts) => to(Audience::Members(facts.group), Documents),
        Change::DocumentUpdated(_) | Change::DocumentRestored(_) | Change::DocumentPurged(_) => {
            None
        }
    }
}

/// A notification in someone's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Its id.
    pub id: NotificationId,
    /// Whose inbox.
    pub person: PersonId,
    /// What happened.
    pub event: Event,
    /// Its category.
    pub category: NotificationCategory,
    /// When it was read; `None` while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// When it was delivered (the change's time).
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::SessionId;
    use crate::documents::DocumentId;
    use crate::events::{DocumentFacts, MeetingFacts, MeetingRef, MembershipFacts};
    use crate::meetings::{MeetingId, MeetingStatus, Visibility};
    use crate::membership::{MembershipId, MembershipRole, MembershipStatus};
    use crate::policy::{Action, SignedIn, Viewer, allows};

    const GROUP: WorkingGroupId = WorkingGroupId(1);
    const OTHER: WorkingGroupId = WorkingGroupId(2);

    fn viewer(
        person: PersonId,
        is_admin: bool,
        memberships: &[(WorkingGroupId, MembershipRole)],
    ) -> Viewer {
        Viewer::Person(SignedIn {
            person,
            session: SessionId(1),
            is_admin,
            memberships: memberships
                .iter()
                .map(|(group, role)| (*group, (*role, MembershipStatus::Active)))
                .collect(),
        })
    }

    /// Everyone an audience names may read the change it is told of: the inbox shows no
    /// more than the queries would.
    #[test]
    fn every_recipient_may_read_what_they_are_told() {
        use MembershipRole::*;
        let requester = PersonId(5);
        let request = Change::MembershipRequested(MembershipFacts {
            membership: MembershipId(3),
            group: GROUP,
            person: requester,
            role: Member,
            status: MembershipStatus::Pending,
        });
        let meeting = |group| {
            Change::MeetingScheduled(MeetingFacts {
                meeting: MeetingRef {
                    meeting: MeetingId(4),
                    group,
                },
                sequence: 0,
                status: MeetingStatus::Scheduled,
            })
        };
        let document = |group| {
            Change::DocumentUploaded(DocumentFacts {
                document: DocumentId(6),
                group,
                visibility: Visibility::Group,
            })
        };
        for change in [
            request,
            meeting(Some(GROUP)),
            meeting(None),
            document(Some(GROUP)),
            document(None),
        ] {
            let Some(notice) = notice(&change) else {
                panic!("{} notifies someone", change.verb());
            };
            let recipients = match notice.audience {
                Audience::Person(person) => vec![viewer(person, false, &[])],
                Audience::RequesterAndDeciders { person, group } => vec![
                    viewer(person, false, &[]),
                    viewer(PersonId(8), false, &[(group, Coordinator)]),
                    viewer(PersonId(9), true, &[]),
                ],
                Audience::Members(Some(group)) => [Observer, Member, Coordinator]
                    .into_iter()
                    .map(|role| viewer(PersonId(8), false, &[(group, role)]))
                    .collect(),
                Audience::Members(None) => [GROUP, OTHER]
                    .into_iter()
                    .map(|group| viewer(PersonId(8), false, &[(group, Observer)]))
                    .collect(),
            };
            for recipient in recipients {
                assert!(
                    allows(&recipient, Action::read_change(&change)),
                    "{} / {recipient:?}",
                    change.verb()
                );
            }
        }
    }

    #[test]
    fn work_inside_a_meeting_and_invitations_notify_nobody() {
        let meeting = MeetingRef {
            meeting: MeetingId(4),
            group: Some(GROUP),
        };
        assert_eq!(notice(&Change::AgendaChanged(meeting)), None);
        assert_eq!(
            notice(&Change::GroupArchived(crate::events::GroupFacts {
                group: GROUP
            })),
            None
        );
    }

    #[test]
    fn a_new_sign_in_address_is_told_and_profile_edits_and_deletions_are_not() {
        use crate::events::AccountFacts;
        let account = AccountFacts {
            person: PersonId(5),
        };
        assert_eq!(
            notice(&Change::EmailChanged(account)),
            Some(Notice {
                audience: Audience::Person(PersonId(5)),
                category: NotificationCategory::Security,
            })
        );
        assert_eq!(notice(&Change::ProfileUpdated(account)), None);
        assert_eq!(notice(&Change::AccountDeleted(account)), None);
    }
}
