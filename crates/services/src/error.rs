//! The one error type of the use cases.

use coalition_domain::InvalidInput;
use coalition_domain::policy::Denied;
use coalition_store::StoreError;

/// Why a use case refused or failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// A value the client sent is not acceptable.
    #[error("{0}")]
    Invalid(#[from] InvalidInput),
    /// The action needs a (valid) sign-in; the text never says which part was wrong.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The viewer is known but may not do this; the text says who may.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change collides with existing data.
    #[error("{message}")]
    Conflict {
        /// The input field at fault.
        field: Option<&'static str>,
        /// What collided and what to do instead.
        message: String,
    },
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the window resets.
        retry_after_secs: u64,
    },
    /// Something failed inside; the cause (with its own sources) is for the log only.
    #[error("internal error: {0}")]
    Internal(#[source] std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

impl ServiceError {
    /// An internal failure described by a message (no underlying error to keep).
    pub fn internal(message: impl Into<String>) -> Self {
        ServiceError::Internal(std::sync::Arc::from(Box::<
            dyn std::error::Error + Send + Sync,
        >::from(message.into())))
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { entity } => ServiceError::NotFound(entity),
            // The constraint's name is the database's business: logged, never shown.
            StoreError::Conflict { constraint } => {
                tracing::debug!(%constraint, "unique constraint refused a write");
                ServiceError::Conflict {
                    field: None,
                    message: "this already exists".to_owned(),
                }
            }
            StoreError::Membership(refusal) => ServiceError::Conflict {
                field: None,
                message: refusal.message().to_owned(),
            },
            StoreError::MeetingCancelled => ServiceError::Conflict {
                field: None,
                message: "this meeting was cancelled and can no longer change; schedule a new one"
                    .to_owned(),
            },
            StoreError::NotEligible { field, message } => {
                ServiceError::Invalid(InvalidInput::new(field, message))
            }
            StoreError::Invalid(invalid) => ServiceError::Invalid(invalid),
            StoreError::LastAdministrator => ServiceError::Conflict {
                field: Some("personId"),
                message: "the coalition must keep at least one administrator: grant another first"
                    .to_owned(),
            },
            StoreError::GroupArchived => ServiceError::Conflict {
                field: None,
                message: coalition_domain::membership::MembershipRefusal::GroupArchived
                    .message()
                    .to_owned(),
            },
            StoreError::InvitationForAnotherAddress => ServiceError::Forbidden(
                "this invitation was sent to another address: sign in with that address to accept it".to_owned(),
            ),
            StoreError::Token(problem) => {
                ServiceError::Invalid(InvalidInput::new("token", problem.message()))
            }
            other @ (StoreError::Corrupt { .. } | StoreError::Database(_)) => {
                ServiceError::Internal(std::sync::Arc::new(other))
            }
        }
    }
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::Unauthenticated => ServiceError::Unauthenticated("sign in first"),
            Denied::Forbidden(who) => ServiceError::Forbidden(format!("only {who} may do this")),
        }
    }
}
