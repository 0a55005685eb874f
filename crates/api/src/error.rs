//! The API's one error type, mapped once to a GraphQL error with `extensions.code`.

use std::error::Error as _;

use coalition_domain::InvalidInput;
use coalition_domain::policy::Denied;
use coalition_services::ServiceError;
use coalition_store::StoreError;

/// The codes clients read from `extensions.code`: the one list, used by resolvers and by
/// the HTTP and WebSocket handlers alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The client sent a value (or a document) the API cannot accept.
    BadUserInput,
    /// The request needs a valid sign-in.
    Unauthenticated,
    /// The viewer may not do this.
    Forbidden,
    /// Too many attempts.
    RateLimited,
    /// The thing asked for does not exist or is not visible.
    NotFound,
    /// The change collides with existing data.
    Conflict,
    /// Something failed inside the server.
    Internal,
    /// An automatic persisted query's hash the server does not know: send the text too.
    PersistedQueryNotFound,
    /// Automatic persisted queries are off, or the client speaks another version.
    PersistedQueryNotSupported,
}

impl ErrorCode {
    /// The code as written in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Internal => "INTERNAL",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
        }
    }

    /// A GraphQL error object (`{"message", "extensions": {"code"}}`) for the handlers'
    /// own refusals, made before anything executes.
    pub fn error_json(self, message: &str) -> serde_json::Value {
        serde_json::json!({ "message": message, "extensions": { "code": self.as_str() } })
    }
}

/// Why a resolver refused or failed: a use case's [`ServiceError`], carried to the edge and
/// turned into a GraphQL error with its `extensions.code` once, in
/// `From<ApiError> for async_graphql::Error`. Resolvers' own refusals (an argument that does
/// not parse, an object not found) are service errors too, so every error has one mapping.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type
/// into an error without extensions, and every error must carry its code.
#[derive(Debug, Clone)]
pub struct ApiError(ServiceError);

impl ApiError {
    /// An internal failure; the cause is for the log.
    pub fn internal(cause: impl Into<String>) -> Self {
        ApiError(ServiceError::internal(cause))
    }

    /// An argument or input field (named as the client wrote it) that cannot be accepted.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError(ServiceError::Invalid(InvalidInput::new(field, message)))
    }

    /// The thing asked for does not exist (or is not visible to the viewer).
    pub fn not_found(what: &'static str) -> Self {
        ApiError(ServiceError::NotFound(what))
    }

    /// The viewer may no longer do this; `message` says why.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError(ServiceError::Forbidden(message.into()))
    }

    /// A live subscriber fell too far behind and was dropped.
    pub fn too_slow() -> Self {
        ApiError(ServiceError::RateLimited {
            retry_after_secs: 0,
        })
    }

    /// The message clients read; never an internal detail.
    pub fn message(&self) -> String {
        match &self.0 {
            ServiceError::Invalid(invalid) => format!("{}: {}", invalid.field, invalid.message),
            ServiceError::Unauthenticated(message) => (*message).to_owned(),
            ServiceError::Forbidden(message) => message.clone(),
            ServiceError::NotFound(what) => format!("{what} not found"),
            ServiceError::Conflict { message, .. } => message.clone(),
            ServiceError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} seconds")
            }
            ServiceError::Internal(_) => "internal error".to_owned(),
        }
    }

    /// The code clients read from `extensions.code`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code, typed.
    pub fn error_code(&self) -> ErrorCode {
        match &self.0 {
            ServiceError::Invalid(_) => ErrorCode::BadUserInput,
            ServiceError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            ServiceError::Forbidden(_) => ErrorCode::Forbidden,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::Conflict { .. } => ErrorCode::Conflict,
            ServiceError::RateLimited { .. } => ErrorCode::RateLimited,
            ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The input field at fault, for `extensions.field`.
    fn field(&self) -> Option<&'static str> {
        match &self.0 {
            ServiceError::Invalid(invalid) => Some(invalid.field),
            ServiceError::Conflict { field, .. } => *field,
            _ => None,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError(error)
    }
}

impl From<InvalidInput> for ApiError {
    fn from(error: InvalidInput) -> Self {
        ApiError(error.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        // One mapping for storage errors, whether a resolver read or a use case wrote.
        ApiError(error.into())
    }
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError(denied.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ServiceError::Internal(cause) = &error.0 {
            // The request span carries the request id, tying this line to the response.
            let mut chain = cause.to_string();
            let mut source = cause.source();
            while let Some(inner) = source {
                chain.push_str(": ");
                chain.push_str(&inner.to_string());
                source = inner.source();
            }
            tracing::error!(cause = %chain, "internal error in a resolver");
        }
        let mut graphql_error = async_graphql::Error::new(error.message());
        let extensions = graphql_error
            .extensions
            .get_or_insert_with(Default::default);
        extensions.set("code", error.code());
        if let Some(field) = error.field() {
            extensions.set("field", field);
        }
        if let ServiceError::RateLimited { retry_after_secs } = &error.0 {
            extensions.set("retryAfter", *retry_after_secs);
        }
        graphql_error
    }
}
