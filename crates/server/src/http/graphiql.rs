//! GraphiQL served from the binary itself, so it works with no internet access.
//!
//! async-graphql's `GraphiQLSource` page loads React and GraphiQL from a public CDN: offline,
//! or behind a firewall, it shows "Loading..." forever, and it runs a third party's scripts
//! next to whatever token the person pastes into the headers editor. Here the pinned,
//! minified browser builds in `crates/server/assets/graphiql/` (its README lists versions,
//! checksums and how to refresh them) are embedded at compile time and served under
//! `/graphiql/<file>`. The page references only those same-origin files, and its bootstrap is
//! `init.js` rather than an inline script, so it can carry a strict `Content-Security-Policy`.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    VARY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// What the page may load: scripts, style sheets and the icon from this origin only; no
/// inline script, no `eval`, no inline `style` attribute. GraphiQL's style sheet embeds its
/// fonts and a few images as `data:` URLs. Its dialogs (settings, shortcuts) lock scrolling by
/// inserting a `<style>` element whose content varies with the scroll bar's width, so inline
/// style *elements* are allowed (`style-src-elem`); a browser without `style-src-elem` falls
/// back to `style-src 'self'` and merely skips that scroll lock. `connect-src 'self'` covers
/// `fetch` to `/graphql` and, per CSP Level 3, the WebSocket to `ws(s)://` the same host.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; style-src-elem 'self' 'unsafe-inline'; img-src 'self' data:; \
     font-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// The page itself: four scripts, a style sheet and an icon, all under `/graphiql/`.
const PAGE: &str = include_str!("../../assets/graphiql/page.html");

/// One embedded file.
struct Asset {
    /// The name under `/graphiql/`.
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    /// Vendored files carry their version in the name, so a browser may keep them for good;
    /// our own files change without a new name and are revalidated by their `ETag`.
    immutable: bool,
}

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// An embedded file of `assets/graphiql/`.
macro_rules! asset {
    ($name:literal, $content_type:expr, immutable: $immutable:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../../assets/graphiql/", $name)),
            immutable: $immutable,
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("react-18.3.1.production.min.js", JAVASCRIPT, immutable: true),
    asset!("react-dom-18.3.1.production.min.js", JAVASCRIPT, immutable: true),
    asset!("graphiql-3.9.0.min.js", JAVASCRIPT, immutable: true),
    asset!("graphiql-3.9.0.min.css", CSS, immutable: true),
    asset!("init.js", JAVASCRIPT, immutable: false),
    asset!("favicon.svg", "image/svg+xml", immutable: false),
];

/// One strong `ETag` per asset, in `ASSETS` order: a hash of the content, computed once.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("\"{:016x}\"", fnv1a(asset.body)))
        .collect()
});

/// FNV-1a, 64 bits: enough to tell versions of a file apart, and no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The GraphiQL page, for `GET /graphql` from a browser that asks for HTML.
pub fn page() -> Response {
    let mut response = PAGE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The same URL answers JSON to API clients.
    headers.insert(VARY, HeaderValue::from_static("Accept"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// `GET /graphiql/{file}`: one embedded file, 304 when the client's copy is current, 404 for
/// any other name.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some((asset, etag)) = ASSETS
        .iter()
        .zip(ETAGS.iter())
        .find(|(asset, _)| asset.name == file)
    else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut response = if matches_etag(&headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(ETAG, value);
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Whether `If-None-Match` names `etag` (weak comparison, as RFC 9110 asks for it).
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_references_exactly_the_embedded_files() {
        for asset in ASSETS {
            assert!(
                PAGE.contains(&format!("\"/graphiql/{}\"", asset.name)),
                "page.html does not load {}",
                asset.name
            );
        }
        assert_eq!(PAGE.matches("/graphiql/").count(), ASSETS.len());
    }

    #[test]
    fn etags_differ_between_files() {
        let mut etags = ETAGS.clone();
        etags.sort();
        etags.dedup();
        assert_eq!(etags.len(), ASSETS.len());
    }
}
