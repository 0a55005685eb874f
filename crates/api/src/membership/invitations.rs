//! GraphQL view of invitations.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use coalition_domain::membership::{self as domain, InvitationId};
use coalition_domain::policy::{self, Action};

use super::types::MembershipRole;
use crate::coalition::WorkingGroup;
use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, global_id};

/// An invitation to join a group; seen only by the group's coordinators and
/// administrators.
pub(crate) struct Invitation(pub domain::Invitation);

impl Invitation {
    /// One invitation, if the viewer may see it (it holds an address); otherwise "not
    /// found".
    pub(crate) async fn load_visible(
        ctx: &Context<'_>,
        id: InvitationId,
    ) -> Result<Self, ApiError> {
        let invitation = api(ctx)?.store.invitation(id).await?;
        if !policy::allows(
            viewer(ctx),
            Action::ReadInvitation(invitation.working_group_id),
        ) {
            return Err(ApiError::not_found("invitation"));
        }
        Ok(Invitation(invitation))
    }
}

#[Object]
impl Invitation {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Invitation, self.0.id.0)
    }

    /// The address invited.
    async fn email(&self) -> &str {
        self.0.email.as_str()
    }

    /// The role offered.
    async fn role(&self) -> MembershipRole {
        self.0.role.into()
    }

    /// When the link stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    /// When it was accepted, if it was.
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }

    /// When it was withdrawn, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// The group.
    async fn working_group(&self, ctx: &Context<'_>) -> Result<WorkingGroup, ApiError> {
        Ok(WorkingGroup(
            api(ctx)?
                .store
                .working_group(self.0.working_group_id)
                .await?,
        ))
    }
}
