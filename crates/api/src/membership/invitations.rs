//! GraphQL view of invitations.

use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::membership::{self as domain, InvitationId};
use coalition_domain::pagination::PageRequest;
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
        let invitation = crate::loaders::loaders(ctx)?
            .one(id)
            .await?
            .ok_or_else(|| ApiError::not_found("invitation"))?;
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

    /// Where it stands now.
    async fn status(&self, ctx: &Context<'_>) -> Result<InvitationStatus, ApiError> {
        Ok(self.0.status(api(ctx)?.services.now()).into())
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

/// Where an invitation stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::membership::InvitationStatus")]
pub(crate) enum InvitationStatus {
    /// Open: it can still be accepted.
    Pending,
    /// Someone accepted it.
    Accepted,
    /// Withdrawn (or replaced by a newer invitation to the same address).
    Revoked,
    /// It ran out before anyone accepted it.
    Expired,
}

/// Counts that come with a list of invitations.
#[derive(SimpleObject)]
pub(crate) struct InvitationTotals {
    /// How many invitations match, across all pages.
    total_count: u64,
}

/// Position in a list of invitations; opaque to clients.
pub(crate) struct InvitationCursor(i32);

impl InvitationCursor {
    fn parse(raw: &str) -> Result<Self, ApiError> {
        crate::cursor::decode(raw, "invitation", "after").map(InvitationCursor)
    }
}

impl CursorType for InvitationCursor {
    type Error = String;

    fn decode_cursor(raw: &str) -> Result<Self, String> {
        Self::parse(raw).map_err(|error| error.message())
    }

    fn encode_cursor(&self) -> String {
        crate::cursor::encode("invitation", self.0)
    }
}

/// A page of invitations.
pub(crate) type InvitationConnection = Connection<InvitationCursor, Invitation, InvitationTotals>;

/// Resolves `WorkingGroup.invitations`.
pub(crate) async fn invitations_page(
    ctx: &Context<'_>,
    group: WorkingGroupId,
    status: Option<InvitationStatus>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<InvitationConnection, ApiError> {
    let api = api(ctx)?;
    let after = after.as_deref().map(InvitationCursor::parse).transpose()?;
    let page = PageRequest::new(
        first,
        after.as_ref().map(|cursor| cursor.0),
        api.page_limits,
    )?;
    let page = api
        .services
        .group_invitations(viewer(ctx), group, status.map(Into::into), page)
        .await?;
    let mut connection = Connection::with_additional_fields(
        after.is_some(),
        page.has_next_page,
        InvitationTotals {
            total_count: page.total_count,
        },
    );
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|invitation| Edge::new(InvitationCursor(invitation.id.0), Invitation(invitation))),
    );
    Ok(connection)
}
