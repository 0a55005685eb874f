//! iCalendar feeds over HTTP: a group's public meetings, and each person's private feed
//! at a secret, revocable URL.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use coalition_domain::coalition::WorkingGroupId;
use coalition_services::ServiceError;

use super::AppState;

/// `GET /calendar/groups/{id}.ics`: the group's public meetings.
pub async fn group(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".ics").and_then(group_id) else {
        return not_found();
    };
    respond(state.services.group_calendar(id).await)
}

/// `GET /calendar/coalition.ics`: the coalition's public plenaries.
pub async fn coalition(State(state): State<AppState>) -> Response {
    respond(state.services.coalition_calendar().await)
}

/// `GET /calendar/people/{token}.ics`: a person's private feed.
pub async fn person(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    respond(state.services.personal_calendar(token).await)
}

/// Reads a working group's opaque global ID (`base64url("WorkingGroup:N")`).
fn group_id(raw: &str) -> Option<WorkingGroupId> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix("WorkingGroup:")?.parse().ok()?;
    Some(WorkingGroupId(id))
}

fn respond(result: Result<String, ServiceError>) -> Response {
    match result {
        Ok(calendar) => {
            let mut response = calendar.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            );
            response
        }
        Err(ServiceError::NotFound(_)) => not_found(),
        Err(error) => {
            tracing::error!(%error, "calendar feed failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such calendar").into_response()
}
