//! Membership of people in working groups, and how lists of members are filtered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::coalition::WorkingGroupId;
use crate::error::InvalidInput;
use crate::geography::{CountryCode, UnescoRegion};
use crate::people::{Person, PersonId};
use crate::stakeholder::StakeholderType;

/// Identifies one person's membership of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MembershipId(pub i32);

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses the stored code.
            pub fn parse(code: &str) -> Result<Self, InvalidInput> {
                match code {
                    $($code => Ok($name::$variant),)+
                    other => Err(InvalidInput::new(
                        $field,
                        format!("unknown value '{other}': use one of {}", [$($code),+].join(", ")),
                    )),
                }
            }
        }
    };
}

stored_enum!(
    /// What a person may do in a group.
    MembershipRole, "role" {
        /// Runs the group: schedules meetings, admits members.
        Coordinator => "coordinator",
        /// Takes full part in the group's work.
        Member => "member",
        /// Follows the group's work without posting.
        Observer => "observer",
    }
);

stored_enum!(
    /// Where a membership stands.
    MembershipStatus, "status" {
        /// Asked to join; waiting for a coordinator.
        Pending => "pending",
        /// Takes part in the group.
        Active => "active",
        /// The request was turned down.
        Rejected => "rejected",
        /// Left or was removed; kept for the record.
        Ended => "ended",
    }
);

/// A person's place in a working group.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    /// Identity; also the key members are paged by.
    pub id: MembershipId,
    /// The group.
    pub working_group_id: WorkingGroupId,
    /// The person.
    pub person_id: PersonId,
    /// What the person may do there.
    pub role: MembershipRole,
    /// Where the membership stands.
    pub status: MembershipStatus,
    /// Since when the membership has had its current status.
    pub since: DateTime<Utc>,
    /// Why the person asked to join, in their words.
    pub motivation: Option<String>,
    /// Why a coordinator turned the request down.
    pub decision_reason: Option<String>,
}

/// A membership together with the person it belongs to, as member lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The membership.
    pub membership: Membership,
    /// The person.
    pub person: Person,
}

/// Narrows a list of members; every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    /// Only members speaking for this kind of stakeholder.
    pub stakeholder_type: Option<StakeholderType>,
    /// Only members based in this country.
    pub country: Option<CountryCode>,
    /// Only members based in this UNESCO region.
    pub region: Option<UnescoRegion>,
    /// Only memberships with this status; active ones when not given.
    pub status: Option<MembershipStatus>,
    /// Only members with this role.
    pub role: Option<MembershipRole>,
    /// Only members whose display name contains this text, ignoring case.
    pub name_contains: Option<String>,
    /// Only people who agreed to appear on public rosters (a roster seen from outside
    /// the group); `None` lists everyone.
    pub public_roster: Option<PublicRoster>,
}

/// A roster as seen from outside the group: people who agreed to be listed publicly, and
/// `besides`, the viewer, who always sees themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PublicRoster {
    /// Shown whether listed or not.
    pub besides: Option<crate::people::PersonId>,
}

/// Longest text a member search takes: longer than any display name, so nothing is lost.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Reads a member search: blank means no search; longer than [`MAX_SEARCH_CHARS`] is
/// refused (each character costs in the `LIKE` pattern).
pub fn parse_member_search(text: Option<String>) -> Result<Option<String>, InvalidInput> {
    let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(InvalidInput::new(
            "search",
            format!("at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok(Some(text))
}

/// Identifies an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InvitationId(pub i32);

/// An invitation to join a group, sent by mail to an address.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    /// Identity.
    pub id: InvitationId,
    /// The group.
    pub working_group_id: WorkingGroupId,
    /// The address invited.
    pub email: crate::people::Email,
    /// The role offered.
    pub role: MembershipRole,
    /// Who invited.
    pub invited_by: Option<PersonId>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was accepted.
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvitationStatus {
    /// Open: it can still be accepted.
    Pending,
    /// Someone accepted it.
    Accepted,
    /// A coordinator withdrew it (or a newer one to the same address replaced it).
    Revoked,
    /// It was neither accepted nor withdrawn before it ran out.
    Expired,
}

impl Invitation {
    /// Where the invitation stands at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.expires_at <= now {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }
}

/// Why a membership change is refused by the group's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipRefusal {
    /// The person is already an active member.
    AlreadyMember,
    /// The person already asked and waits for a decision.
    AlreadyPending,
    /// Only pending requests can be approved or rejected.
    NotPending,
    /// Only active memberships can change role, be removed or be left.
    NotActive,
    /// The change would leave the group without an active coordinator.
    LastCoordinator,
    /// The invited address already belongs to an active member.
    InviteeAlreadyMember,
    /// The membership belongs to another group than the one named.
    OtherGroup,
    /// Whoever issued the invitation no longer coordinates the group (nor administers the
    /// coalition): what they offered is no longer theirs to give.
    InviterLostAuthority,
    /// The group is archived: it takes no new members.
    GroupArchived,
}

impl MembershipRefusal {
    /// What the client is told, with what to do instead.
    pub fn message(self) -> &'static str {
        match self {
            MembershipRefusal::AlreadyMember => "you are already a member of this group",
            MembershipRefusal::AlreadyPending => {
                "your request to join is already waiting for a coordinator; there is no need to ask again"
            }
            MembershipRefusal::NotPending => {
                "this request was already decided; only pending requests can be approved or rejected"
            }
            MembershipRefusal::NotActive => "this membership is not active",
            MembershipRefusal::LastCoordinator => {
                "a group must keep at least one coordinator: appoint another coordinator first"
            }
            MembershipRefusal::InviteeAlreadyMember => {
                "this person is already a member of the group; change their role instead"
            }
            MembershipRefusal::OtherGroup => "this membership belongs to another group",
            MembershipRefusal::InviterLostAuthority => {
                "whoever sent this invitation no longer coordinates the group; ask a coordinator for a new one"
            }
            MembershipRefusal::GroupArchived => {
                "this group is archived: it takes no new members and schedules no meetings"
            }
        }
    }
}

/// The status a request to join leads to, given any earlier membership of the same person
/// in the group. Someone who left or was turned down may ask again.
pub fn request_outcome(
    existing: Option<MembershipStatus>,
    policy: crate::coalition::JoinPolicy,
) -> Result<MembershipStatus, MembershipRefusal> {
    match existing {
        Some(MembershipStatus::Active) => Err(MembershipRefusal::AlreadyMember),
        Some(MembershipStatus::Pending) => Err(MembershipRefusal::AlreadyPending),
        None | Some(MembershipStatus::Rejected | MembershipStatus::Ended) => Ok(match policy {
            crate::coalition::JoinPolicy::Open => MembershipStatus::Active,
            crate::coalition::JoinPolicy::Moderated => MembershipStatus::Pending,
        }),
    }
}

/// Checks that changing `membership` to `new_role` (or ending it, with `None`) keeps an
/// active coordinator in the group, which has `active_coordinators` now.
pub fn ensure_coordinator_remains(
    membership: &Membership,
    new_role: Option<MembershipRole>,
    active_coordinators: u64,
) -> Result<(), MembershipRefusal> {
    let loses_coordinator = membership.status == MembershipStatus::Active
        && membership.role == MembershipRole::Coordinator
        && new_role != Some(MembershipRole::Coordinator);
    if loses_coordinator && active_coordinators <= 1 {
        Err(MembershipRefusal::LastCoordinator)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coalition::JoinPolicy;

    fn coordinator() -> Membership {
        Membership {
            id: MembershipId(1),
            working_group_id: WorkingGroupId(1),
            person_id: PersonId(1),
            role: MembershipRole::Coordinator,
            status: MembershipStatus::Active,
            since: chrono::DateTime::UNIX_EPOCH,
            motivation: None,
            decision_reason: None,
        }
    }

    #[test]
    fn requests_depend_on_history_and_policy() {
        use MembershipStatus::*;
        assert_eq!(request_outcome(None, JoinPolicy::Moderated), Ok(Pending));
        assert_eq!(request_outcome(None, JoinPolicy::Open), Ok(Active));
        assert_eq!(
            request_outcome(Some(Ended), JoinPolicy::Moderated),
            Ok(Pending)
        );
        assert_eq!(
            request_outcome(Some(Rejected), JoinPolicy::Open),
            Ok(Active)
        );
        assert_eq!(
            request_outcome(Some(Active), JoinPolicy::Open),
            Err(MembershipRefusal::AlreadyMember)
        );
        assert_eq!(
            request_outcome(Some(Pending), JoinPolicy::Moderated),
            Err(MembershipRefusal::AlreadyPending)
        );
    }

    #[test]
    fn the_last_coordinator_stays() {
        let last = coordinator();
        assert_eq!(
            ensure_coordinator_remains(&last, None, 1),
            Err(MembershipRefusal::LastCoordinator)
        );
        assert_eq!(
            ensure_coordinator_remains(&last, Some(MembershipRole::Member), 1),
            Err(MembershipRefusal::LastCoordinator)
        );
        assert_eq!(
            ensure_coordinator_remains(&last, Some(MembershipRole::Coordinator), 1),
            Ok(())
        );
        assert_eq!(ensure_coordinator_remains(&last, None, 2), Ok(()));
        let member = Membership {
            role: MembershipRole::Member,
            ..coordinator()
        };
        assert_eq!(ensure_coordinator_remains(&member, None, 0), Ok(()));
    }

    #[test]
    fn stored_codes_round_trip() {
        for role in MembershipRole::ALL {
            assert_eq!(MembershipRole::parse(role.as_str()), Ok(*role));
        }
        for status in MembershipStatus::ALL {
            assert_eq!(MembershipStatus::parse(status.as_str()), Ok(*status));
        }
        let error = MembershipRole::parse("chair").unwrap_err();
        assert_eq!(error.field, "role");
        assert!(error.message.contains("coordinator, member, observer"));
    }
}
