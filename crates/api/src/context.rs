//! What resolvers reach through the GraphQL context.

use async_graphql::Context;
use coalition_domain::language::Language;
use coalition_domain::pagination::PageLimits;
use coalition_store::Store;

use crate::error::ApiError;

/// Shared by every request: the store and the configured limits.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// The database.
    pub store: Store,
    /// Page sizes for connections.
    pub page_limits: PageLimits,
}

/// The language the client prefers (from `Accept-Language`), set per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestLanguage(pub Language);

/// The shared context; its absence is a wiring bug, reported as an internal error.
pub(crate) fn api<'a>(ctx: &Context<'a>) -> Result<&'a ApiContext, ApiError> {
    ctx.data::<ApiContext>()
        .map_err(|_| ApiError::internal("ApiContext missing from schema data"))
}
