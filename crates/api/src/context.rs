//! What resolvers reach through the GraphQL context.

use async_graphql::Context;
use coalition_domain::language::Language;
use coalition_domain::pagination::PageLimits;
use coalition_domain::policy::Viewer;
use coalition_domain::texts::Texts;
use coalition_services::Services;
use coalition_services::accounts::ClientAddress;
use coalition_store::Store;

use crate::error::ApiError;

/// Shared by every request: the store, the use cases and the configured limits.
#[derive(Debug, Clone)]
pub struct ApiContext {
    /// The database, for reads.
    pub store: Store,
    /// The use cases, for changes.
    pub services: Services,
    /// Page sizes for connections.
    pub page_limits: PageLimits,
    /// Enum labels (and page texts) in every language that has them.
    pub texts: &'static Texts,
}

/// The language the client prefers (from `Accept-Language`), set per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestLanguage(pub Language);

/// The shared context; its absence is a wiring bug, reported as an internal error.
pub(crate) fn api<'a>(ctx: &Context<'a>) -> Result<&'a ApiContext, ApiError> {
    ctx.data::<ApiContext>()
        .map_err(|_| ApiError::internal("ApiContext missing from schema data"))
}

/// Who is asking; anonymous unless the transport authenticated a session.
pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANONYMOUS: Viewer = Viewer::Anonymous;
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}

/// Where the request came from, for per-address rate limits.
pub(crate) fn client_address(ctx: &Context<'_>) -> ClientAddress {
    ctx.data_opt::<ClientAddress>()
        .copied()
        .unwrap_or(ClientAddress(std::net::IpAddr::from([0, 0, 0, 0])))
}
