//! `GET /files/{versionId}`: a document version's bytes, streamed, to whoever may see the
//! document (the bearer token, or a signed link from `downloadUrl`). What the viewer may
//! not see is "not found", never "forbidden", so its existence does not leak.

use std::collections::HashMap;
use std::ops::Range;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RANGE, VARY, WWW_AUTHENTICATE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use coalition_api::ErrorCode;
use coalition_domain::documents::{Document, DocumentVersion, DocumentVersionId};
use coalition_domain::meetings::Visibility;
use coalition_services::ServiceError;
use serde_json::json;

use super::AppState;
use super::graphql::bearer_viewer;

/// Streams a version; see the module documentation.
pub async fn download(
    State(state): State<AppState>,
    Path(version): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(id) = version
        .parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .map(DocumentVersionId)
    else {
        return error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "file not found");
    };
    let found = match (query.get("expires"), query.get("signature")) {
        (Some(expires), Some(signature)) => match expires.parse::<i64>() {
            Ok(expires) => state.services.linked_version(id, expires, signature).await,
            Err(_) => Err(ServiceError::NotFound("file")),
        },
        _ => match bearer_viewer(&state, &headers).await {
            Ok(viewer) => state.services.downloadable_version(&viewer, id).await,
            Err(error) => Err(error),
        },
    };
    let (version, document) = match found {
        Ok(found) => found,
        Err(ServiceError::Unauthenticated(message)) => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                message,
            );
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return response;
        }
        Err(ServiceError::NotFound(_)) => {
            return error(StatusCode::NOT_FOUND, ErrorCode::NotFound, "file not found");
        }
        Err(cause) => {
            tracing::error!(%cause, "download failed");
            return internal();
        }
    };
    serve(&state, &headers, &version, &document).await
}

async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    version: &DocumentVersion,
    document: &Document,
) -> Response {
    let etag = format!("\"{}\"", version.sha256);
    let size = u64::try_from(version.byte_size).unwrap_or_default();
    let mut common = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&etag) {
        common.insert(ETAG, value);
    }
    common.insert(CACHE_CONTROL, cache_control(document.visibility));
    common.insert(VARY, HeaderValue::from_static("Authorization"));
    common.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if matches_etag(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    let range = match headers.get(RANGE).and_then(|value| value.to_str().ok()) {
        None => None,
        Some(value) => match parse_range(value, size) {
            RangeRequest::Whole => None,
            RangeRequest::Part(range) => Some(range),
            RangeRequest::Unsatisfiable => {
                let mut response =
                    (StatusCode::RANGE_NOT_SATISFIABLE, common.clone()).into_response();
                if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(CONTENT_RANGE, value);
                }
                return response;
            }
        },
    };
    let stream = match state.services.version_bytes(version, range.clone()).await {
        Ok(stream) => stream,
        Err(cause) => {
            tracing::error!(%cause, sha256 = %version.sha256, "stored bytes unreadable");
            return internal();
        }
    };
    let (status, length) = match &range {
        Some(range) => (StatusCode::PARTIAL_CONTENT, range.end - range.start),
        None => (StatusCode::OK, size),
    };
    let mut response = (status, common, Body::from_stream(stream)).into_response();
    let response_headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&version.media_type.content_type()) {
        response_headers.insert(CONTENT_TYPE, value);
    }
    response_headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(range) = &range {
        let value = format!("bytes {}-{}/{size}", range.start, range.end - 1);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response_headers.insert(CONTENT_RANGE, value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&version.file_name)) {
        response_headers.insert(CONTENT_DISPOSITION, value);
    }
    // Uploaded bytes are never run as a page of this origin.
    response_headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response_headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

/// Versions never change, so their bytes may be kept; only public documents in shared
/// caches.
fn cache_control(visibility: Visibility) -> HeaderValue {
    match visibility {
        Visibility::Public => HeaderValue::from_static("public, max-age=3600"),
        Visibility::Coalition | Visibility::Group => {
            HeaderValue::from_static("private, max-age=3600")
        }
    }
}

/// Whether `If-None-Match` lists the ETag (or `*`); weak forms compare equal (RFC 9110
/// uses the weak comparison for it).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// A `Range` header, as this server answers it.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    /// Serve everything: no byte range we understand, or several ranges (allowed by RFC
    /// 9110, which lets a server ignore `Range`).
    Whole,
    /// One satisfiable range, end exclusive.
    Part(Range<u64>),
    /// A single range that lies past the end.
    Unsatisfiable,
}

fn parse_range(header: &str, size: u64) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        // A suffix: the last `end` bytes.
        match end.parse::<u64>() {
            Ok(0) => return RangeRequest::Unsatisfiable,
            Ok(suffix) => size.saturating_sub(suffix)..size,
            Err(_) => return RangeRequest::Whole,
        }
    } else {
        let Ok(first) = start.parse::<u64>() else {
            return RangeRequest::Whole;
        };
        let last = if end.is_empty() {
            size.saturating_sub(1)
        } else {
            match end.parse::<u64>() {
                Ok(last) if last >= first => last.min(size.saturating_sub(1)),
                _ => return RangeRequest::Whole,
            }
        };
        if first >= size {
            return RangeRequest::Unsatisfiable;
        }
        first..last + 1
    };
    if range.is_empty() {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part(range)
    }
}

/// `attachment` with an ASCII fallback name and the exact one as RFC 8187 `filename*`
/// (RFC 6266).
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    let body = json!({ "errors": [code.error_json(message)] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn internal() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::Internal,
        "internal error",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_single_and_bounded() {
        use RangeRequest::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0..10));
        assert_eq!(parse_range("bytes=90-", 100), Part(90..100));
        assert_eq!(parse_range("bytes=95-200", 100), Part(95..100));
        assert_eq!(parse_range("bytes=-10", 100), Part(90..100));
        assert_eq!(parse_range("bytes=-200", 100), Part(0..100));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=5-2", 100), Whole);
    }

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_exact_name() {
        assert_eq!(
            content_disposition("Rapport été \"final\".pdf"),
            "attachment; filename=\"Rapport _t_ _final_.pdf\"; \
             filename*=UTF-8''Rapport%20%C3%A9t%C3%A9%20%22final%22.pdf"
        );
    }
}
