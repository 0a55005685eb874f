//! Content negotiation for GraphQL over HTTP: which response media type the client accepts,
//! and whether a request body is JSON.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};

/// The response media types GraphQL over HTTP defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMediaType {
    /// `application/graphql-response+json`: status codes follow the outcome.
    GraphqlResponseJson,
    /// `application/json`: the legacy type; well-formed requests get 200.
    Json,
}

impl ResponseMediaType {
    /// The `Content-Type` value to answer with.
    pub fn content_type(self) -> &'static str {
        match self {
            ResponseMediaType::GraphqlResponseJson => {
                "application/graphql-response+json; charset=utf-8"
            }
            ResponseMediaType::Json => "application/json; charset=utf-8",
        }
    }

    /// Picks the type the `Accept` header prefers. No header, or a wildcard only, means
    /// `application/json`, as the specification asks for compatibility with older clients.
    /// `None` when the client accepts neither.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(ACCEPT).and_then(|value| value.to_str().ok()) else {
            return Some(ResponseMediaType::Json);
        };
        if accept.trim().is_empty() {
            return Some(ResponseMediaType::Json);
        }
        let graphql = quality_for(accept, "application", "graphql-response+json");
        let json = quality_for(accept, "application", "json");
        match (graphql, json) {
            (Some((gq, gs)), Some((jq, js))) => {
                // Higher quality wins; on a tie the more specific match wins; a remaining
                // tie (both named, or only `*/*`) goes to the legacy type unless the
                // GraphQL type was named explicitly.
                if gq > jq || (gq == jq && gs > js) || (gq == jq && gs == js && gs == 2) {
                    Some(ResponseMediaType::GraphqlResponseJson)
                } else {
                    Some(ResponseMediaType::Json)
                }
            }
            (Some(_), None) => Some(ResponseMediaType::GraphqlResponseJson),
            (None, Some(_)) => Some(ResponseMediaType::Json),
            (None, None) => None,
        }
    }
}

/// The quality (in thousandths) and specificity (2 exact, 1 `type/*`, 0 `*/*`) of the
/// most specific range in `accept` that matches `kind/subtype`; `None` when no range
/// matches or the best match has `q=0`.
fn quality_for(accept: &str, kind: &str, subtype: &str) -> Option<(u16, u8)> {
    let mut best: Option<(u16, u8)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let Some((range_kind, range_subtype)) = media.split_once('/') else {
            continue;
        };
        let specificity = if range_kind.eq_ignore_ascii_case(kind)
            && range_subtype.eq_ignore_ascii_case(subtype)
        {
            2
        } else if range_kind.eq_ignore_ascii_case(kind) && range_subtype == "*" {
            1
        } else if range_kind == "*" && range_subtype == "*" {
            0
        } else {
            continue;
        };
        let quality = parts
            .filter_map(|param| param.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1000), |(_, value)| parse_quality(value.trim()));
        let Some(quality) = quality else { continue };
        if best.is_none_or(|(_, best_specificity)| specificity > best_specificity) {
            best = Some((quality, specificity));
        }
    }
    best.filter(|(quality, _)| *quality > 0)
}

fn parse_quality(value: &str) -> Option<u16> {
    let number: f32 = value.parse().ok()?;
    (0.0..=1.0)
        .contains(&number)
        .then(|| (number * 1000.0).round() as u16)
}

/// Whether the request says its body is JSON (`application/json`, any parameters; a
/// charset other than UTF-8 is refused).
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts
        .filter_map(|param| param.split_once('='))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .all(|(_, charset)| {
            let charset = charset.trim().trim_matches('"');
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
        })
}

/// Whether a browser is asking for a page (GraphiQL) rather than data.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .any(|range| range.split(';').next().unwrap_or_default().trim() == "text/html")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiates_the_response_type() {
        use ResponseMediaType::*;
        assert_eq!(ResponseMediaType::negotiate(&HeaderMap::new()), Some(Json));
        assert_eq!(ResponseMediaType::negotiate(&accept("*/*")), Some(Json));
        assert_eq!(
            ResponseMediaType::negotiate(&accept("application/json")),
            Some(Json)
        );
        assert_eq!(
            ResponseMediaType::negotiate(&accept("application/graphql-response+json")),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            ResponseMediaType::negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(GraphqlResponseJson)
        );
        assert_eq!(
            ResponseMediaType::negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(Json)
        );
        assert_eq!(
            ResponseMediaType::negotiate(&accept(
                "application/graphql-response+json, application/json"
            )),
            Some(GraphqlResponseJson)
        );
        assert_eq!(ResponseMediaType::negotiate(&accept("text/html")), None);
        assert_eq!(
            ResponseMediaType::negotiate(&accept("application/json;q=0")),
            None
        );
        assert_eq!(
            ResponseMediaType::negotiate(&accept("application/*")),
            Some(Json)
        );
    }

    #[test]
    fn recognises_json_bodies() {
        let mut headers = HeaderMap::new();
        assert!(!is_json_body(&headers));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(is_json_body(&headers));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=latin1"),
        );
        assert!(!is_json_body(&headers));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json_body(&headers));
    }
}
