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
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberFilter {
    /// Only members speaking for this kind of stakeholder.
    pub stakeholder_type: Option<StakeholderType>,
    /// Only members based in this country.
    pub country: Option<CountryCode>,
    /// Only members based in this UNESCO region.
    pub region: Option<UnescoRegion>,
    /// Only memberships with this status; active ones when not given.
    pub status: Option<MembershipStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
