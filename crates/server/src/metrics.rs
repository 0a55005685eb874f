//! Prometheus metrics: counters and histograms recorded where things happen (HTTP here,
//! GraphQL in its handler, the bus, the mail worker and the password hasher in their
//! crates, through the `metrics` facade), and gauges read when `/metrics` is scraped.
//! The recorder is installed only when `metrics.enabled`; without it every macro is a no-op.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::http::AppState;

/// Latency buckets, in seconds: from a cached query to a slow mutation.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Distinct GraphQL operation names kept as labels; others are counted as `other`, so a
/// client inventing names cannot grow the registry without bound.
const MAX_OPERATION_NAMES: usize = 200;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle). `None`
/// when another recorder was installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &LATENCY_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match built {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "coalition_http_requests_total",
        "HTTP requests answered, by route and status"
    );
    describe_histogram!(
        "coalition_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency, by route and status"
    );
    describe_counter!(
        "coalition_graphql_operations_total",
        "GraphQL operations run over HTTP, by operation name and outcome"
    );
    describe_histogram!(
        "coalition_graphql_operation_duration_seconds",
        metrics::Unit::Seconds,
        "GraphQL operation latency, by operation name and outcome"
    );
    describe_counter!(
        "coalition_db_statements_total",
        "SQL statements run by this process"
    );
    describe_counter!(
        "coalition_graphql_statements_total",
        "SQL statements run by GraphQL operations over HTTP, by operation name"
    );
    describe_gauge!(
        "coalition_db_pool_connections",
        "Database connections open in the pool"
    );
    describe_gauge!(
        "coalition_db_pool_connections_in_use",
        "Database connections lent out"
    );
    describe_gauge!(
        "coalition_db_pool_max_connections",
        "database.max_connections"
    );
    describe_gauge!("coalition_outbox_backlog", "Mail pending or being sent");
    describe_counter!(
        "coalition_mail_deliveries_total",
        "Mail delivery attempts, by outcome (sent, retry, failed)"
    );
    describe_gauge!(
        "coalition_websocket_connections",
        "WebSocket connections open"
    );
    describe_gauge!(
        "coalition_live_subscriptions",
        "Live subscriptions listening to the event bus"
    );
    describe_counter!(
        "coalition_bus_published_total",
        "Events published on the bus"
    );
    describe_counter!(
        "coalition_bus_publish_retries_total",
        "Publishes retried on a fresh Redis connection"
    );
    describe_counter!(
        "coalition_bus_dropped_total",
        "Events that could not be published"
    );
    describe_counter!(
        "coalition_bus_deliveries_total",
        "Events handed to this process's subscriptions"
    );
    describe_counter!(
        "coalition_bus_reconnects_total",
        "Times the bus's Redis listener subscribed again"
    );
    describe_gauge!(
        "coalition_password_hashes_waiting",
        "Password hashes queued for a core"
    );
    describe_gauge!(
        "coalition_password_hashes_running",
        "Password hashes running"
    );
}

/// `GET /metrics`: refreshes the gauges and renders the Prometheus text format.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let Some(handle) = HANDLE.get().cloned().flatten() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    if let Some(pool) = state.store.pool_status() {
        metrics::gauge!("coalition_db_pool_connections").set(f64::from(pool.open));
        let in_use = (pool.open as usize).saturating_sub(pool.idle);
        metrics::gauge!("coalition_db_pool_connections_in_use").set(in_use as f64);
    }
    metrics::counter!("coalition_db_statements_total")
        .absolute(coalition_store::statements_total());
    metrics::gauge!("coalition_db_pool_max_connections").set(f64::from(state.max_connections));
    match state.store.outbox_backlog().await {
        Ok(backlog) => metrics::gauge!("coalition_outbox_backlog").set(backlog as f64),
        Err(error) => tracing::warn!(%error, "metrics: outbox backlog not read"),
    }
    metrics::gauge!("coalition_websocket_connections").set(state.sockets.count() as f64);
    let subscriptions =
        state.services.events.subscriber_count() + state.live_feeds.shared_subscribers();
    metrics::gauge!("coalition_live_subscriptions").set(subscriptions as f64);
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Counts each request and its latency by method, route (the pattern, never a path that
/// may hold a secret) and status.
pub async fn track_http(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = match request.method().as_str() {
        known @ ("GET" | "POST" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "PATCH") => {
            known.to_owned()
        }
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("coalition_http_requests_total", &labels).increment(1);
    metrics::histogram!("coalition_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Records one GraphQL operation: its name (bounded, see [`MAX_OPERATION_NAMES`]),
/// outcome (`ok`, `error` or `request_error`) and latency.
pub fn record_operation(name: Option<&str>, outcome: &'static str, started: Instant) {
    let labels = [
        ("operation", operation_label(name)),
        ("outcome", outcome.to_owned()),
    ];
    metrics::counter!("coalition_graphql_operations_total", &labels).increment(1);
    metrics::histogram!("coalition_graphql_operation_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
}

/// Adds the SQL statements one GraphQL operation ran to its operation's count.
pub fn record_statements(name: Option<&str>, statements: u64) {
    let labels = [("operation", operation_label(name))];
    metrics::counter!("coalition_graphql_statements_total", &labels).increment(statements);
}

fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        return "anonymous".to_owned();
    };
    // GraphQL names are [_A-Za-z][_0-9A-Za-z]*; anything else is not worth a label.
    if name.len() > 64 || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
        return "other".to_owned();
    }
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("bad name!")), "other");
        assert_eq!(operation_label(Some("GroupPage")), "GroupPage");
        for index in 0..MAX_OPERATION_NAMES {
            operation_label(Some(&format!("Invented{index}")));
        }
        assert_eq!(operation_label(Some("OneTooMany")), "other");
        assert_eq!(operation_label(Some("GroupPage")), "GroupPage");
    }
}
