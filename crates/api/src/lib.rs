//! The coalition's GraphQL schema. Resolvers parse arguments into domain values, call one
//! store or service function and map the result; errors are mapped to `extensions.code`
//! once, in [`error`].

mod accounts;
mod agenda;
mod coalition;
mod context;
mod error;
mod ids;
mod language;
mod live;
mod meetings;
mod membership;
mod node;
mod notifications;
mod people;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

pub use context::{ApiContext, RequestLanguage};
pub use error::ApiError;

/// The root query: one part per feature, merged.
#[derive(MergedObject, Default)]
pub struct Query(
    coalition::CoalitionQuery,
    accounts::AccountsQuery,
    meetings::MeetingsQuery,
    notifications::NotificationsQuery,
    node::NodeQuery,
);

/// The root mutation: one part per feature, merged.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountsMutation,
    membership::MembershipMutation,
    meetings::MeetingsMutation,
    agenda::AgendaMutation,
    notifications::NotificationsMutation,
);

/// The root subscription: one part per feature, merged.
#[derive(MergedSubscription, Default)]
pub struct Subscription(live::LiveSubscription);

/// The schema served over HTTP and WebSocket, and exported as `schema.graphql`.
pub type CoalitionSchema = Schema<Query, Mutation, Subscription>;

/// Limits that keep one request from monopolising the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Deepest selection nesting accepted.
    pub max_depth: usize,
    /// Highest complexity score accepted (fields weighted by page size).
    pub max_complexity: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 2_000,
        }
    }
}

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
}

/// Builds the schema the server runs, with its data and limits.
pub fn build_schema(context: ApiContext, limits: QueryLimits) -> CoalitionSchema {
    builder()
        .data(context)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .finish()
}

/// The schema in SDL, as checked in at the top of the repository.
pub fn sdl() -> String {
    builder().finish().sdl()
}

#[cfg(test)]
mod tests {
    /// `schema.graphql` at the top of the repository is the contract frontends build on:
    /// it must equal what the server exports. `make schema` rewrites it.
    #[test]
    fn checked_in_schema_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == super::sdl(),
            "schema.graphql is out of date: run `make schema` and commit the result"
        );
    }
}
