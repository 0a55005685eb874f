//! GraphiQL works offline: the page loads only files the server itself serves, under a
//! strict Content-Security-Policy.

use coalition_tests::{TestApp, backends};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

/// The values of every `name="..."` attribute in `html`.
fn attribute_values<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.match_indices(&needle)
        .filter_map(|(start, _)| {
            let rest = &html[start + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// Every `http://` or `https://` URL in `text` whose host is not `own_host`.
fn foreign_urls(text: &str, own_host: &str) -> Vec<String> {
    ["http://", "https://"]
        .iter()
        .flat_map(|scheme| {
            text.match_indices(scheme).map(move |(start, _)| {
                let rest = &text[start + scheme.len()..];
                let end = rest
                    .find(|c: char| c == '/' || c == '"' || c == '\'' || c.is_whitespace())
                    .unwrap_or(rest.len());
                (scheme, &rest[..end])
            })
        })
        .filter(|(_, host)| *host != own_host)
        .map(|(scheme, host)| format!("{scheme}{host}"))
        .collect()
}

#[tokio::test]
async fn graphiql_loads_only_same_origin_files_under_a_strict_policy() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let own_host = app.address.trim_start_matches("http://").to_owned();
        let response = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "[{backend}]");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "[{backend}]"
        );
        let policy = response.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        let directive = |name: &str| {
            policy
                .split(';')
                .map(str::trim)
                .find_map(|d| d.strip_prefix(name).map(str::trim))
                .unwrap_or_else(|| panic!("[{backend}] no {name} in {policy}"))
                .to_owned()
        };
        assert_eq!(directive("default-src "), "'none'", "[{backend}]");
        assert_eq!(directive("script-src "), "'self'", "[{backend}]");
        assert_eq!(directive("connect-src "), "'self'", "[{backend}]");
        assert_eq!(directive("style-src "), "'self'", "[{backend}]");
        assert_eq!(directive("frame-ancestors "), "'none'", "[{backend}]");
        assert_eq!(directive("base-uri "), "'none'", "[{backend}]");
        assert!(!policy.contains("unsafe-eval"), "[{backend}] {policy}");
        assert!(!policy.contains("http"), "[{backend}] {policy}");
        let page = response.text().await.unwrap();
        assert!(!page.contains("cdn"), "[{backend}] the page names a CDN");
        assert_eq!(foreign_urls(&page, &own_host), Vec::<String>::new());

        // Every script is a file, so `script-src 'self'` lets GraphiQL start.
        let scripts = attribute_values(&page, "src");
        assert_eq!(
            page.matches("<script").count(),
            scripts.len(),
            "[{backend}]"
        );
        let styles = attribute_values(&page, "href");
        assert!(
            scripts.iter().any(|src| src.ends_with("/init.js")),
            "[{backend}]"
        );
        assert!(
            styles.iter().any(|href| href.ends_with(".css")),
            "[{backend}]"
        );
        let mut init = None;
        for url in scripts.iter().chain(&styles) {
            let expected_type = match url.rsplit('.').next() {
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                _ => panic!("[{backend}] the page loads {url}"),
            };
            assert!(
                url.starts_with('/') && !url.starts_with("//"),
                "[{backend}] {url} is not same-origin"
            );
            let asset = app.client.get(app.url(url)).send().await.unwrap();
            assert_eq!(asset.status(), StatusCode::OK, "[{backend}] {url}");
            let content_type = asset.headers()[CONTENT_TYPE].to_str().unwrap();
            assert!(
                content_type.starts_with(expected_type),
                "[{backend}] {url} is {content_type}"
            );
            assert!(
                asset.headers().contains_key(CACHE_CONTROL),
                "[{backend}] {url}"
            );
            let body = asset.text().await.unwrap();
            assert!(!body.is_empty(), "[{backend}] {url}");
            if url.ends_with("/init.js") {
                init = Some(body);
            }
        }
        let init = init.unwrap();
        assert_eq!(foreign_urls(&init, &own_host), Vec::<String>::new());
        assert!(
            init.contains("'/graphql'"),
            "[{backend}] init.js queries /graphql"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn graphiql_files_are_cached_and_unknown_names_are_404() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // Vendored files carry their version in the name.
        let page = app
            .client
            .get(app.url("/graphql"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let vendored = attribute_values(&page, "src")
            .into_iter()
            .find(|src| src.contains("/graphiql-"))
            .unwrap();
        let response = app.client.get(app.url(vendored)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "[{backend}]");
        assert!(
            response.headers()[CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable"),
            "[{backend}]"
        );

        // Our own bootstrap is revalidated.
        let response = app
            .client
            .get(app.url("/graphiql/init.js"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "[{backend}]");
        let etag = response.headers()[ETAG].clone();
        let response = app
            .client
            .get(app.url("/graphiql/init.js"))
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "[{backend}]");

        for path in [
            "/graphiql/nope.js",
            "/graphiql/page.html",
            "/graphiql/README.md",
            "/graphiql/..%2Fgraphiql.rs",
        ] {
            let response = app.client.get(app.url(path)).send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "[{backend}] {path}"
            );
        }
        app.finish().await;
    }
}
