//! The HTTP surface: routes, shared state and the middleware every request passes through.

mod calendar;
mod files;
mod graphiql;
mod graphql;
mod health;
pub mod media;
mod multipart;
mod websocket;

pub use websocket::{Admission, WebSocketLimits};

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, Response, StatusCode, header};
use axum::routing::get;
use coalition_api::{CoalitionSchema, ErrorCode};
use coalition_services::Services;
use coalition_store::Store;
use redis::aio::ConnectionManager;
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The GraphQL schema, with the store inside.
    pub schema: CoalitionSchema,
    /// The database, for health checks.
    pub store: Store,
    /// The use cases, for authenticating requests.
    pub services: Services,
    /// Redis when configured, for health checks.
    pub redis: Option<ConnectionManager>,
    /// Most operations in one batched request.
    pub max_batch_size: usize,
    /// Subscriptions over WebSocket.
    pub websocket: WebSocketLimits,
    /// Whether `X-Forwarded-For` names the client (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Files in multipart GraphQL requests.
    pub uploads: UploadLimits,
    /// Largest JSON part (`operations`, `map`) of a multipart request.
    pub max_json_bytes: usize,
}

/// Limits on the files of multipart GraphQL requests.
#[derive(Debug, Clone)]
pub struct UploadLimits {
    /// Largest file (413 beyond).
    pub max_file_bytes: u64,
    /// Where files are spooled while the request is read (anonymous files, gone when
    /// closed: an interrupted upload leaves nothing).
    pub spool_dir: std::path::PathBuf,
}

impl AppState {
    /// The client's address: the peer's, or behind a trusted proxy the last address the
    /// proxy appended to `X-Forwarded-For`.
    pub fn client_ip(
        &self,
        headers: &axum::http::HeaderMap,
        peer: std::net::SocketAddr,
    ) -> std::net::IpAddr {
        if !self.trust_forwarded_for {
            return peer.ip();
        }
        // Only the last entry is the proxy's own; anything before it the client may forge.
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .next_back()
            .and_then(|entry| entry.trim().parse().ok())
            .unwrap_or(peer.ip())
    }
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest a request may take (503 beyond).
    pub request_timeout: Duration,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Builds the application: routes plus request ids, tracing, limits and panic recovery.
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %loggable_path(request.uri().path()),
                    request_id = %request_id,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes));
    Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/files/{version}", get(files::download))
        .route("/calendar/groups/{file}", get(calendar::group))
        .route("/calendar/people/{file}", get(calendar::person))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .layer(middleware)
}

/// The path as logs may show it: a private calendar's path is its secret.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/calendar/people/") {
        "/calendar/people/{token}.ics"
    } else {
        path
    }
}

/// A panic is a bug: log it (the trace span holds the request id) and answer 500 without
/// details.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<axum::body::Body> {
    tracing::error!("a request handler panicked");
    let body = json!({
        "errors": [ErrorCode::Internal.error_json("internal error")]
    });
    let mut response = Response::new(axum::body::Body::from(body.to_string()));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
