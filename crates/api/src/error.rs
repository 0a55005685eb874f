//! The API's one error type, mapped once to a GraphQL error with `extensions.code`.

use coalition_domain::InvalidInput;
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
        }
    }

    /// A GraphQL error object (`{"message", "extensions": {"code"}}`) for the handlers'
    /// own refusals, made before anything executes.
    pub fn error_json(self, message: &str) -> serde_json::Value {
        serde_json::json!({ "message": message, "extensions": { "code": self.as_str() } })
    }
}

/// Why a resolver refused or failed. The variants are the codes clients see.
///
/// It deliberately does not implement `Display`: async-graphql converts any `Display` type
/// into an error without extensions, and every error must carry its code.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// The client sent a value the API cannot accept.
    BadUserInput {
        /// The argument or input field at fault.
        field: Option<&'static str>,
        /// What is wrong and what would be accepted.
        message: String,
    },
    /// The request needs a valid sign-in.
    Unauthenticated {
        /// What to do (never which credential was wrong).
        message: String,
    },
    /// The viewer may not do this.
    Forbidden {
        /// Who may.
        message: String,
    },
    /// Too many attempts.
    RateLimited {
        /// Seconds until another attempt is allowed.
        retry_after_secs: u64,
    },
    /// The thing asked for does not exist (or is not visible to the viewer).
    NotFound {
        /// What was looked up.
        what: &'static str,
    },
    /// The change collides with existing data.
    Conflict {
        /// The input field at fault, if one is.
        field: Option<&'static str>,
        /// What collided and what to do instead.
        message: String,
    },
    /// Something failed inside the server; details go to the log, never to the client.
    Internal {
        /// The cause, with its sources, for the log.
        cause: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
}

impl ApiError {
    /// An internal failure with its cause kept for the log.
    pub fn internal(cause: impl Into<String>) -> Self {
        ApiError::Internal {
            cause: std::sync::Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(
                cause.into(),
            )),
        }
    }

    /// A bad argument without a specific field.
    pub fn bad_input(message: impl Into<String>) -> Self {
        ApiError::BadUserInput {
            field: None,
            message: message.into(),
        }
    }

    /// The message clients read; never an internal detail.
    pub fn message(&self) -> String {
        match self {
            ApiError::BadUserInput { message, .. }
            | ApiError::Conflict { message, .. }
            | ApiError::Unauthenticated { message }
            | ApiError::Forbidden { message } => message.clone(),
            ApiError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} seconds")
            }
            ApiError::NotFound { what } => format!("{what} not found"),
            ApiError::Internal { .. } => "internal error".to_owned(),
        }
    }

    /// The code clients read from `extensions.code`.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The code, typed.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ApiError::BadUserInput { .. } => ErrorCode::BadUserInput,
            ApiError::NotFound { .. } => ErrorCode::NotFound,
            ApiError::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            ApiError::Forbidden { .. } => ErrorCode::Forbidden,
            ApiError::RateLimited { .. } => ErrorCode::RateLimited,
            ApiError::Conflict { .. } => ErrorCode::Conflict,
            ApiError::Internal { .. } => ErrorCode::Internal,
        }
    }
}

impl From<InvalidInput> for ApiError {
    fn from(error: InvalidInput) -> Self {
        ApiError::BadUserInput {
            field: Some(error.field),
            message: format!("{}: {}", error.field, error.message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        // One mapping for storage errors, whether a resolver read or a use case wrote.
        ServiceError::from(error).into()
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Invalid(invalid) => invalid.into(),
            ServiceError::Unauthenticated(message) => ApiError::Unauthenticated {
                message: message.to_owned(),
            },
            ServiceError::Forbidden(message) => ApiError::Forbidden { message },
            ServiceError::NotFound(what) => ApiError::NotFound { what },
            ServiceError::Conflict { field, message } => ApiError::Conflict { field, message },
            ServiceError::RateLimited { retry_after_secs } => {
                ApiError::RateLimited { retry_after_secs }
            }
            ServiceError::Internal(cause) => ApiError::Internal {
                cause: cause.into(),
            },
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal { cause } = &error {
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
        let code = error.code();
        let field = match &error {
            ApiError::BadUserInput { field, .. } | ApiError::Conflict { field, .. } => *field,
            _ => None,
        };
        let retry_after = match &error {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let mut graphql_error = async_graphql::Error::new(error.message());
        let extensions = graphql_error
            .extensions
            .get_or_insert_with(Default::default);
        extensions.set("code", code);
        if let Some(field) = field {
            extensions.set("field", field);
        }
        if let Some(seconds) = retry_after {
            extensions.set("retryAfter", seconds);
        }
        graphql_error
    }
}
