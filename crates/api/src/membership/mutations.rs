//! Membership changes: joining, deciding, inviting, roles, leaving.

use async_graphql::{Context, Enum, ID, Object};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::membership::{InvitationId, MembershipId};

use super::invitations::Invitation;
use super::types::{Membership, MembershipRole};
use crate::coalition::WorkingGroup;
use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of};

/// How people join a group.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::coalition::JoinPolicy")]
pub(crate) enum JoinPolicy {
    /// A request makes the person a member at once.
    Open,
    /// A coordinator approves each request.
    Moderated,
}

fn parse_group_id(id: &ID, argument: &'static str) -> Result<WorkingGroupId, ApiError> {
    Ok(WorkingGroupId(decode_id_of(
        NodeKind::WorkingGroup,
        id,
        argument,
    )?))
}

fn parse_membership_id(id: &ID, argument: &'static str) -> Result<MembershipId, ApiError> {
    Ok(MembershipId(decode_id_of(
        NodeKind::Membership,
        id,
        argument,
    )?))
}

async fn with_person(
    ctx: &Context<'_>,
    membership: coalition_domain::membership::Membership,
) -> Result<Membership, ApiError> {
    Membership::load(&api(ctx)?.store, membership.id).await
}

/// Membership changes.
#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Asks to join a group. In a moderated group the request waits for a coordinator; in
    /// an open one the membership is active at once.
    async fn request_to_join(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to join.")] group_id: ID,
        #[graphql(desc = "Why you want to join, for the coordinators (up to 2,000 characters).")]
        motivation: Option<String>,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .request_to_join(
                viewer(ctx),
                parse_group_id(&group_id, "groupId")?,
                motivation,
            )
            .await?;
        with_person(ctx, membership).await
    }

    /// Admits a pending request. Coordinators of the group and administrators.
    async fn approve_membership(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .approve_membership(
                viewer(ctx),
                parse_membership_id(&membership_id, "membershipId")?,
            )
            .await?;
        with_person(ctx, membership).await
    }

    /// Turns a pending request down, saying why.
    async fn reject_membership(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
        reason: String,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .reject_membership(
                viewer(ctx),
                parse_membership_id(&membership_id, "membershipId")?,
                reason,
            )
            .await?;
        with_person(ctx, membership).await
    }

    /// Leaves a group. A group's last coordinator must appoint another first.
    async fn leave_group(&self, ctx: &Context<'_>, group_id: ID) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .leave_group(viewer(ctx), parse_group_id(&group_id, "groupId")?)
            .await?;
        with_person(ctx, membership).await
    }

    /// Makes a group open or moderated. Coordinators of the group and administrators.
    async fn set_join_policy(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        join_policy: JoinPolicy,
    ) -> Result<WorkingGroup, ApiError> {
        let group = api(ctx)?
            .services
            .set_join_policy(
                viewer(ctx),
                parse_group_id(&group_id, "groupId")?,
                join_policy.into(),
            )
            .await?;
        Ok(WorkingGroup(group))
    }

    /// Invites an address to a group with a role; a single-use link is mailed. A newer
    /// invitation replaces an open one to the same address.
    async fn invite_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        email: String,
        role: MembershipRole,
    ) -> Result<Invitation, ApiError> {
        let invitation = api(ctx)?
            .services
            .invite_member(
                viewer(ctx),
                parse_group_id(&group_id, "groupId")?,
                &email,
                role.into(),
            )
            .await?;
        Ok(Invitation(invitation))
    }

    /// Accepts an invitation with the token from the mailed link, signed in with the
    /// invited address (sign up with it first if needed).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .accept_invitation(viewer(ctx), &token)
            .await?;
        with_person(ctx, membership).await
    }

    /// Withdraws an invitation not yet accepted.
    async fn revoke_invitation(
        &self,
        ctx: &Context<'_>,
        invitation_id: ID,
    ) -> Result<Invitation, ApiError> {
        let id = InvitationId(decode_id_of(
            NodeKind::Invitation,
            &invitation_id,
            "invitationId",
        )?);
        let invitation = api(ctx)?
            .services
            .revoke_invitation(viewer(ctx), id)
            .await?;
        Ok(Invitation(invitation))
    }

    /// Changes a member's role. A group always keeps at least one coordinator.
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
        role: MembershipRole,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .change_member_role(
                viewer(ctx),
                parse_membership_id(&membership_id, "membershipId")?,
                role.into(),
            )
            .await?;
        with_person(ctx, membership).await
    }

    /// Removes a member from their group. A group always keeps at least one coordinator.
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        membership_id: ID,
    ) -> Result<Membership, ApiError> {
        let membership = api(ctx)?
            .services
            .remove_member(
                viewer(ctx),
                parse_membership_id(&membership_id, "membershipId")?,
            )
            .await?;
        with_person(ctx, membership).await
    }
}
