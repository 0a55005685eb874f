//! The HTTP surface: routes, shared state and the middleware every request passes through.

mod calendar;
mod files;
mod graphiql;
mod graphql;
mod health;
pub mod media;
mod multipart;
mod pages;
mod persisted;
mod shutdown;
mod websocket;

pub use persisted::PersistedQueries;
pub use shutdown::{OpenSockets, ShutdownSignal};
pub use websocket::{Admission, LiveFeeds, WebSocketLimits};

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::routing::get;
use coalition_api::{CoalitionSchema, ErrorCode};
use coalition_services::Services;
use coalition_store::Store;
use redis::aio::ConnectionManager;
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
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
    /// The schema's limits, for costing a batch's operations together.
    pub query_limits: coalition_api::QueryLimits,
    /// Subscriptions shared by subscribers who would see the same.
    pub live_feeds: std::sync::Arc<LiveFeeds>,
    /// Automatic persisted queries: query texts by hash.
    pub persisted_queries: std::sync::Arc<PersistedQueries>,
    /// Subscriptions over WebSocket.
    pub websocket: WebSocketLimits,
    /// Whether `X-Forwarded-For` names the client (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Turns true when the server stops: open WebSockets close with 1001.
    pub shutdown: ShutdownSignal,
    /// The WebSockets open now.
    pub sockets: OpenSockets,
    /// `database.max_connections`, for metrics.
    pub max_connections: u32,
    /// Serve GraphiQL to browsers.
    pub graphiql: bool,
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

/// What every request passes through: limits, CORS, metrics.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Longest a request may take (503 beyond).
    pub request_timeout: Duration,
    /// Longest an upload (a multipart request) or a download may take instead.
    pub transfer_timeout: Duration,
    /// Serve `/metrics` on this router.
    pub metrics_route: bool,
    /// Count requests for metrics.
    pub metrics: bool,
    /// Origins whose pages may call the API from a browser; empty = no CORS headers.
    pub cors_allowed_origins: Vec<String>,
    /// Whether those pages may send credentials.
    pub cors_allow_credentials: bool,
    /// Serve GraphiQL's files.
    pub graphiql: bool,
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
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .option_layer(cors(&limits))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            TimeLimits {
                request: limits.request_timeout,
                transfer: limits.transfer_timeout,
            },
            time_limit,
        ))
        .layer(DefaultBodyLimit::max(limits.max_body_bytes));
    let mut routes = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/files/{version}", get(files::download))
        .route("/calendar/groups/{file}", get(calendar::group))
        .route("/calendar/people/{file}", get(calendar::person))
        .route("/calendar/coalition.ics", get(calendar::coalition))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Built-in pages (pages and languages).
        .route("/verify-email", get(pages::verify_form).post(pages::verify))
        .route("/reset-password", get(pages::reset_form).post(pages::reset))
        .route(
            "/unsubscribe",
            get(pages::unsubscribe_form).post(pages::unsubscribe),
        )
        // Built-in pages, second part (pages2).
        .route(
            "/confirm-email",
            get(pages::confirm_email_form).post(pages::confirm_email),
        )
        .route(
            "/invitations/accept",
            get(pages::invitation_form).post(pages::accept_invitation),
        )
        .route(
            "/settings/notifications",
            get(pages::settings_form).post(pages::update_settings),
        );
    if limits.graphiql {
        routes = routes.route("/graphiql/{file}", get(graphiql::asset));
    }
    if limits.metrics_route {
        routes = routes.route("/metrics", get(crate::metrics::scrape));
    }
    let app = routes.with_state(state).layer(middleware);
    if limits.metrics {
        // Outermost, so refusals by the limits (413, 503) are counted too.
        app.layer(axum::middleware::from_fn(crate::metrics::track_http))
    } else {
        app
    }
}

/// The separate listener's application: `/metrics` alone.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(crate::metrics::scrape))
        .with_state(state)
}

/// The path as logs may show it: a private calendar's path is its secret.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/calendar/people/") {
        "/calendar/people/{token}.ics"
    } else {
        path
    }
}

/// CORS for the configured origins: GET and POST with the headers a GraphQL client sends;
/// credentials only when configured. `None` without origins (no CORS headers at all).
fn cors(limits: &HttpLimits) -> Option<CorsLayer> {
    if limits.cors_allowed_origins.is_empty() {
        return None;
    }
    let origins = if limits
        .cors_allowed_origins
        .iter()
        .any(|origin| origin == "*")
    {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            limits
                .cors_allowed_origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                header::ACCEPT_LANGUAGE,
            ])
            .expose_headers([REQUEST_ID])
            .allow_credentials(limits.cors_allow_credentials)
            .max_age(Duration::from_secs(600)),
    )
}

/// How long requests may take: most, and those that carry or fetch a file.
#[derive(Debug, Clone, Copy)]
struct TimeLimits {
    request: Duration,
    transfer: Duration,
}

impl TimeLimits {
    /// A multipart request carries files whose upload the client's link paces, and a
    /// download may wait on a remote store: both get the transfer limit.
    fn for_request(&self, request: &axum::extract::Request) -> Duration {
        let multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("multipart/form-data")
            });
        if multipart || request.uri().path().starts_with("/files/") {
            self.transfer
        } else {
            self.request
        }
    }
}

/// Answers 503 with a typed error when a request outlives `server.request_timeout_secs`
/// (`storage.transfer_timeout_secs` for uploads and downloads).
async fn time_limit(
    State(limits): State<TimeLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response<axum::body::Body> {
    let limit = limits.for_request(&request);
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_secs = limit.as_secs(), "request timed out");
            error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "the request took longer than the server allows; try again",
            )
        }
    }
}

/// A panic is a bug: log it (the trace span holds the request id) and answer 500 without
/// details.
fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response<axum::body::Body> {
    tracing::error!("a request handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// A GraphQL-shaped error body with code `INTERNAL`.
fn error_response(status: StatusCode, message: &str) -> Response<axum::body::Body> {
    let body = json!({
        "errors": [ErrorCode::Internal.error_json(message)]
    });
    let mut response = Response::new(axum::body::Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
