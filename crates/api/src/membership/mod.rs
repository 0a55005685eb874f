//! Memberships of people in working groups, and the paged member lists.

mod balance;
mod invitations;
mod mutations;
mod types;

pub(crate) use balance::Balance;
pub(crate) use invitations::{
    Invitation, InvitationConnection, InvitationStatus, invitations_page,
};
pub(crate) use mutations::JoinPolicy;
pub use mutations::MembershipMutation;
pub(crate) use types::{
    MemberFilterInput, Membership, MembershipConnection, MembershipRole, MembershipStatus,
    StakeholderType, UnescoRegion, members_page,
};
