//! Liveness and readiness probes for orchestrators and load balancers.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use super::AppState;

/// How long the readiness probe waits for the database.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the dependencies answer; 503 when one does not.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = match tokio::time::timeout(PROBE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            "unavailable"
        }
    };
    // Redis carries live updates and shared rate limits; without it the API still serves
    // (degraded), so only the database decides readiness.
    let redis = match state.redis.clone() {
        None => None,
        Some(mut connection) => {
            let ping = redis::cmd("PING");
            let ping = ping.query_async::<String>(&mut connection);
            Some(match tokio::time::timeout(PROBE_TIMEOUT, ping).await {
                Ok(Ok(_)) => "ok",
                _ => {
                    tracing::warn!("readiness: Redis does not answer");
                    "unavailable"
                }
            })
        }
    };
    let ready = database == "ok";
    let degraded = redis == Some("unavailable") || !state.services.events.is_connected();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut checks = json!({ "database": database });
    if let Some(redis) = redis {
        checks["redis"] = json!(redis);
        checks["eventBus"] = json!(if state.services.events.is_connected() {
            "ok"
        } else {
            "reconnecting"
        });
    }
    let body = json!({
        "status": match (ready, degraded) {
            (false, _) => "unavailable",
            (true, true) => "degraded",
            (true, false) => "ready",
        },
        "checks": checks,
    });
    (status, Json(body))
}
