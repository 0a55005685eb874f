//! The coalition's GraphQL schema. Resolvers parse arguments into domain values, call one
//! store or service function and map the result; errors are mapped to `extensions.code`
//! once, in [`error`].

mod accounts;
mod administration;
mod agenda;
mod coalition;
mod context;
mod cost;
mod cursor;
mod diagnostics;
mod documents;
mod error;
mod history;
mod ids;
mod language;
mod limits;
mod live;
mod loaders;
mod meetings;
mod membership;
// Members managing themselves (issue 15 items 4, 5, 7).
mod my_account;
mod node;
// Notification inbox.
mod inbox;
mod notifications;
mod people;
// Display names of enum values.
mod labels;

use async_graphql::{MergedObject, MergedSubscription, Schema, SchemaBuilder};

pub use context::{ApiContext, RequestLanguage};
pub use cost::DATA_BOUNDS;
pub use error::{ApiError, ErrorCode};
pub use limits::{INTROSPECTION_MAX_DEPTH, QueryLimits, check_batch_cost, request_cost};
pub use live::LiveSession;
pub use loaders::{Loaders, LocalLoads};

/// The root query: one part per feature, merged.
#[derive(MergedObject, Default)]
pub struct Query(
    coalition::CoalitionQuery,
    accounts::AccountsQuery,
    administration::AdministrationQuery,
    meetings::MeetingsQuery,
    documents::DocumentsQuery,
    notifications::NotificationsQuery,
    node::NodeQuery,
    my_account::MyAccountQuery,
    labels::LabelsQuery,
);

/// The root mutation: one part per feature, merged.
#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountsMutation,
    administration::AdministrationMutation,
    membership::MembershipMutation,
    meetings::MeetingsMutation,
    agenda::AgendaMutation,
    documents::DocumentsMutation,
    notifications::NotificationsMutation,
    my_account::MyAccountMutation,
    inbox::InboxMutation,
);

/// The root subscription: one part per feature, merged.
#[derive(MergedSubscription, Default)]
pub struct Subscription(live::LiveSubscription);

/// The schema served over HTTP and WebSocket, and exported as `schema.graphql`.
pub type CoalitionSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
}

/// Builds the schema the server runs, with its data and limits.
pub fn build_schema(context: ApiContext, limits: QueryLimits) -> CoalitionSchema {
    let builder = builder()
        .extension(loaders::LoadersExtension(context.store.clone()))
        .data(context)
        .extension(limits::LimitsExtension(limits))
        .extension(diagnostics::Diagnostics);
    if limits.introspection {
        builder.finish()
    } else {
        builder.disable_introspection().finish()
    }
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

    /// async-graphql prints an argument without a description on the line of the one
    /// before it when that one has a description (`after: String,\t\tfilter: …`): every
    /// argument of a field whose arguments are described gets a description too.
    #[test]
    fn every_argument_of_the_sdl_stands_on_its_own_line() {
        let sdl = super::sdl();
        let crowded: Vec<&str> = sdl
            .lines()
            .filter(|line| line.trim_end().contains(",\t\t") || line.ends_with("(\t\t"))
            .collect();
        let crowded_open: Vec<&str> = sdl.lines().filter(|line| line.contains("(\t\t")).collect();
        assert!(
            crowded.is_empty() && crowded_open.is_empty(),
            "arguments sharing a line: {crowded:?} {crowded_open:?}"
        );
    }
}
