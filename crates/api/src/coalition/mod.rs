//! The coalition, its areas of action and its working groups.

mod types;

use async_graphql::{Context, ID, Object};
use coalition_domain::coalition::WorkingGroupId;

pub(crate) use types::{AreaOfAction, Coalition, WorkingGroup};

use crate::context::api;
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of};
use crate::loaders::loaders;

/// Queries about the coalition and its groups; public, no sign-in needed.
#[derive(Default)]
pub struct CoalitionQuery;

#[Object]
impl CoalitionQuery {
    /// The coalition this server serves.
    async fn coalition(&self, ctx: &Context<'_>) -> Result<Coalition, ApiError> {
        Ok(Coalition(api(ctx)?.store.coalition().await?))
    }

    /// The working groups, in the order of their areas of action; archived ones only for
    /// administrators.
    async fn working_groups(&self, ctx: &Context<'_>) -> Result<Vec<WorkingGroup>, ApiError> {
        types::listed_groups(ctx).await
    }

    /// One working group by its global ID; null with a `NOT_FOUND` error when unknown.
    async fn working_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<WorkingGroup>, ApiError> {
        let id = WorkingGroupId(decode_id_of(NodeKind::WorkingGroup, &id, "id")?);
        // Through the loader: aliased lookups of several groups take one statement.
        let group = loaders(ctx)?.one(id).await?;
        group
            .map(|group| Some(WorkingGroup(group)))
            .ok_or(ApiError::not_found("working group"))
    }
}
