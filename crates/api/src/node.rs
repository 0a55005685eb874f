//! Relay's `node(id:)`: any object by its global ID.

use async_graphql::{Context, ID, Interface, Object};
use coalition_domain::coalition::{AreaId, WorkingGroupId};
use coalition_domain::membership::{InvitationId, MembershipId};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action};

use crate::agenda::{ActionItem, AgendaItem};
use crate::coalition::{AreaOfAction, Coalition, WorkingGroup};
use crate::context::{api, viewer};
use crate::documents::Document;
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_global_id};
use crate::loaders::loaders;
use crate::meetings::Meeting;
use crate::membership::{Invitation, Membership};
use crate::people::Person;

/// An object with a global ID that `node(id:)` can fetch again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub(crate) enum Node {
    Coalition(Coalition),
    AreaOfAction(AreaOfAction),
    WorkingGroup(WorkingGroup),
    Person(Person),
    Membership(Membership),
    Invitation(Invitation),
    Meeting(Meeting),
    AgendaItem(AgendaItem),
    ActionItem(ActionItem),
    Document(Document),
}

/// The `node` root field.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global ID; null with a `NOT_FOUND` error when unknown.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
        load_node(ctx, &id).await.map(Some)
    }
}

/// The object a global ID names, if the viewer may see it; `NOT_FOUND` otherwise.
pub(crate) async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Node, ApiError> {
    {
        let store = &api(ctx)?.store;
        let node = match decode_global_id(id, "id")? {
            (NodeKind::Coalition, raw) => {
                let coalition = store.coalition().await?;
                if coalition.id.0 != raw {
                    return Err(ApiError::not_found("coalition"));
                }
                Node::Coalition(Coalition(coalition))
            }
            (NodeKind::AreaOfAction, raw) => Node::AreaOfAction(AreaOfAction(
                loaders(ctx)?
                    .one(AreaId(raw))
                    .await?
                    .ok_or_else(|| ApiError::not_found("area of action"))?,
            )),
            (NodeKind::WorkingGroup, raw) => Node::WorkingGroup(WorkingGroup(
                loaders(ctx)?
                    .one(WorkingGroupId(raw))
                    .await?
                    .ok_or_else(|| ApiError::not_found("working group"))?,
            )),
            (NodeKind::Person, raw) => Node::Person(Person(
                crate::people::visible_person(ctx, PersonId(raw))
                    .await?
                    .ok_or_else(|| ApiError::not_found("person"))?,
            )),
            (NodeKind::Membership, raw) => {
                Node::Membership(Membership::load_visible(ctx, MembershipId(raw)).await?)
            }
            (NodeKind::Meeting, raw) => {
                // The decision of `Services::meeting_for`, on the request's batched reads.
                let hidden = || ApiError::not_found("meeting");
                let meeting = loaders(ctx)?
                    .one(coalition_domain::meetings::MeetingId(raw))
                    .await?
                    .ok_or_else(hidden)?;
                if !policy::allows(viewer(ctx), Action::read_meeting(&meeting)) {
                    return Err(hidden());
                }
                Node::Meeting(Meeting(meeting))
            }
            (NodeKind::Document, raw) => {
                // The decision of `Services::document_for`, on the request's batched reads.
                let hidden = || ApiError::not_found("document");
                let document = loaders(ctx)?
                    .one(coalition_domain::documents::DocumentId(raw))
                    .await?
                    .ok_or_else(hidden)?;
                if !policy::allows(viewer(ctx), Action::read_document(&document)) {
                    return Err(hidden());
                }
                Node::Document(Document(document))
            }
            (NodeKind::AgendaItem, raw) => {
                let (item, _) = api(ctx)?
                    .services
                    .agenda_item_for(viewer(ctx), coalition_domain::agenda::AgendaItemId(raw))
                    .await?;
                Node::AgendaItem(AgendaItem(item))
            }
            (NodeKind::ActionItem, raw) => {
                let (item, _) = api(ctx)?
                    .services
                    .action_item_for(viewer(ctx), coalition_domain::agenda::ActionItemId(raw))
                    .await?;
                Node::ActionItem(ActionItem(item))
            }
            (NodeKind::DocumentVersion | NodeKind::OutboxMessage | NodeKind::Notification, _) => {
                // Reached through their document, the administrators' outbox list, or
                // one's own `me.notifications`.
                return Err(ApiError::not_found("object"));
            }
            (NodeKind::Invitation, raw) => {
                Node::Invitation(Invitation::load_visible(ctx, InvitationId(raw)).await?)
            }
        };
        Ok(node)
    }
}
