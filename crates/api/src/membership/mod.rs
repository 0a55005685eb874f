//! Memberships of people in working groups, and the paged member lists.

mod types;

pub(crate) use types::{
    MemberFilterInput, Membership, MembershipConnection, StakeholderType, UnescoRegion,
    members_page,
};
