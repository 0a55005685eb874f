//! The coalition's use cases. Each is one function: it asks the policy, validates the
//! command into domain values, writes through the store in one transaction (the change, its
//! activity entry and the mail it implies, queued in the outbox), and only after the commit
//! announces the events live. The API layer calls these and nothing else for changes.

pub mod accounts;
pub mod administration;
pub mod agenda;
pub mod calendar;
pub mod demo;
pub mod documents;
mod error;
pub mod history;
pub mod live;
pub mod meetings;
pub mod membership;
pub mod notifications;
pub mod passwords;
pub mod rate_limit;
pub mod secrets;
// Members managing themselves (issue 15 items 4, 5, 7).
pub mod self_service;
// Notification inbox.
pub mod inbox;

use std::sync::Arc;

use coalition_store::{Recorded, Store};

pub use error::ServiceError;

use crate::accounts::AccountSettings;
use crate::documents::{BlobStore, DownloadLinks};
use crate::live::EventBus;
use crate::passwords::PasswordHasher;
use crate::rate_limit::{RateLimiter, RateLimits};

/// Everything the use cases need, shared by all requests (cheap to clone).
#[derive(Clone)]
pub struct Services {
    /// The database.
    pub store: Store,
    /// Password hashing off the async runtime, bounded.
    pub passwords: PasswordHasher,
    /// Carries committed events to live subscriptions.
    pub events: Arc<dyn EventBus>,
    /// Counts attempts, in memory or in Redis.
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// The limits applied to sign-in, registration and reset.
    pub rate_limits: RateLimits,
    /// Session lifetimes, token lifetimes, links.
    pub accounts: AccountSettings,
    /// Where document versions' bytes are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// Signed download links.
    pub links: DownloadLinks,
}

/// The signed-in person acting; `UNAUTHENTICATED` for anonymous viewers.
pub(crate) fn actor(
    viewer: &coalition_domain::policy::Viewer,
) -> Result<coalition_domain::people::PersonId, ServiceError> {
    actor_session(viewer).map(|session| session.person)
}

/// The session of the signed-in person acting (who, with which session and roles);
/// `UNAUTHENTICATED` for anonymous viewers.
pub(crate) fn actor_session(
    viewer: &coalition_domain::policy::Viewer,
) -> Result<&coalition_domain::policy::SignedIn, ServiceError> {
    coalition_domain::policy::ensure(viewer, coalition_domain::policy::Action::ManageOwnAccount)?;
    viewer
        .signed_in()
        .ok_or(ServiceError::Unauthenticated("sign in first"))
}

impl Services {
    /// The current time, from the store's clock: the one "now" of every use case.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.store.clock().now()
    }

    /// Seals a one-time token for a queued mail, so the outbox never holds it in clear.
    pub(crate) fn seal(
        &self,
        token: &str,
    ) -> Result<coalition_domain::sealing::SealedToken, ServiceError> {
        self.accounts
            .token_key
            .seal(token)
            .map_err(|error| ServiceError::internal(error.to_string()))
    }

    /// Publishes what a committed change recorded, and hands back its result.
    pub async fn announce<T>(&self, recorded: Recorded<T>) -> T {
        for event in &recorded.events {
            self.events.publish(event).await;
        }
        recorded.value
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}
