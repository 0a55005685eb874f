//! The GraphQL-over-HTTP specification: media types, status codes, methods and limits.

use coalition_tests::{Backend, TestApp, error_code};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const QUERY: &str = "{ coalition { slug } }";

async fn post_raw(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String, Value) {
    let mut request = app.client.post(app.url("/graphql")).body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let response = request.send().await.expect("server answers");
    let status = response.status();
    let media = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, media, body)
}

async fn app() -> TestApp {
    // The HTTP rules do not depend on storage: SQLite is enough here.
    TestApp::spawn(Backend::Sqlite).await
}

#[tokio::test]
async fn answers_in_the_media_type_the_client_accepts() {
    let app = app().await;
    let body = json!({ "query": QUERY }).to_string();
    for (accept, expected) in [
        (None, "application/json; charset=utf-8"),
        (Some("*/*"), "application/json; charset=utf-8"),
        (Some("application/json"), "application/json; charset=utf-8"),
        (
            Some(GRAPHQL_RESPONSE),
            "application/graphql-response+json; charset=utf-8",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json; charset=utf-8",
        ),
    ] {
        let (status, media, body) = post_raw(&app, accept, Some("application/json"), &body).await;
        assert_eq!(status, StatusCode::OK, "{accept:?}");
        assert_eq!(media, expected, "{accept:?}");
        assert_eq!(body["data"]["coalition"]["slug"], "oer-dynamic-coalition");
    }
    let (status, _, _) = post_raw(&app, Some("text/plain"), Some("application/json"), &body).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    app.finish().await;
}

#[tokio::test]
async fn refuses_bodies_that_are_not_json_requests() {
    let app = app().await;
    let valid = json!({ "query": QUERY }).to_string();
    let (status, _, _) = post_raw(&app, None, Some("text/plain"), &valid).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = post_raw(&app, None, None, &valid).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    for accept in [Some(GRAPHQL_RESPONSE), Some("application/json")] {
        for bad in [
            "",
            "{not json",
            "\"a string\"",
            r#"{}"#,
            r#"{"query": 1}"#,
            r#"{"query": {"a": 1}}"#,
            r#"{"query": "{ coalition { slug } }", "variables": "x"}"#,
            r#"{"query": "{ coalition { slug } }", "variables": [1]}"#,
            r#"{"query": "{ coalition { slug } }", "operationName": 3}"#,
            r#"{"query": "{ coalition { slug } }", "extensions": "x"}"#,
        ] {
            let (status, _, body) = post_raw(&app, accept, Some("application/json"), bad).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{accept:?} {bad}");
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{bad}");
            assert!(body.get("data").is_none(), "{bad}");
        }
    }
    let nulls = r#"{"query": "{ coalition { slug } }", "variables": null, "operationName": null, "extensions": null}"#;
    let (status, _, body) =
        post_raw(&app, None, Some("application/json; charset=utf-8"), nulls).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["coalition"]["slug"], "oer-dynamic-coalition");
    app.finish().await;
}

#[tokio::test]
async fn request_errors_are_400_only_for_the_graphql_response_type() {
    let app = app().await;
    for query in [
        "{ coalition { slug ",                       // syntax
        "{ coalition { nonsense } }",                // validation
        "query ($id: ID!) { node(id: $id) { id } }", // missing variable
    ] {
        let body = json!({ "query": query }).to_string();
        let (status, media, body_gql) = post_raw(
            &app,
            Some(GRAPHQL_RESPONSE),
            Some("application/json"),
            &body,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert!(media.starts_with(GRAPHQL_RESPONSE));
        assert!(body_gql.get("data").is_none(), "{query}: {body_gql}");
        assert_eq!(error_code(&body_gql), "BAD_USER_INPUT");

        let (status, _, body_json) = post_raw(
            &app,
            Some("application/json"),
            Some("application/json"),
            &body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(body_json.get("data").is_none(), "{query}");
        assert!(body_json["errors"][0]["message"].is_string());
    }
    // A field error is not a request error: 200 with data and errors.
    let body = json!({ "query": "{ coalition { slug } workingGroup(id: \"bad\") { slug } }" });
    let (status, _, body) = post_raw(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("application/json"),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["coalition"]["slug"], "oer-dynamic-coalition");
    assert_eq!(body["data"]["workingGroup"], Value::Null);
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    app.finish().await;
}

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let app = app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[
            (
                "query",
                "query Slug($lang: String) { coalition { slug name(lang: $lang) } }",
            ),
            ("variables", r#"{"lang":"fr"}"#),
            ("operationName", "Slug"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["data"]["coalition"]["name"],
        "Coalition dynamique pour les REL"
    );

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation { anything }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");

    // A lone named mutation need not be named by `operationName` to run: still refused.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "mutation SignOut { logout }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", QUERY), ("variables", "not json")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    app.finish().await;
}

#[tokio::test]
async fn browsers_get_graphiql() {
    let app = app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("graphiql"), "GraphiQL page expected");
    app.finish().await;
}

#[tokio::test]
async fn batches_are_bounded() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.graphql.max_batch_size = 2
    })
    .await;
    let pair = json!([{ "query": QUERY }, { "query": "{ workingGroups { slug } }" }]).to_string();
    let (status, _, body) = post_raw(&app, None, Some("application/json"), &pair).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body[0]["data"]["coalition"]["slug"],
        "oer-dynamic-coalition"
    );
    assert_eq!(
        body[1]["data"]["workingGroups"].as_array().map(Vec::len),
        Some(4)
    );

    let three = json!([{ "query": QUERY }, { "query": QUERY }, { "query": QUERY }]).to_string();
    let (status, _, body) = post_raw(&app, None, Some("application/json"), &three).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("1 to 2")
    );
    let (status, _, _) = post_raw(&app, None, Some("application/json"), "[]").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

#[tokio::test]
async fn limits_body_size_depth_and_complexity() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.server.max_body_bytes = 4096;
        settings.graphql.max_depth = 6;
        settings.graphql.max_complexity = 300;
    })
    .await;
    let padding = " ".repeat(5000);
    let large = json!({ "query": format!("{{ coalition {{ slug }} }}{padding}") }).to_string();
    let (status, _, _) = post_raw(&app, None, Some("application/json"), &large).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let deep =
        "{ workingGroups { area { workingGroup { area { workingGroup { area { number } } } } } } }";
    let body = json!({ "query": deep }).to_string();
    let (status, _, body) = post_raw(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nests fields 7 levels deep; the limit is 6 (setting graphql.max_depth)"),
        "{body}"
    );
    assert_eq!(error_code(&body), "BAD_USER_INPUT");

    let wide = "{ workingGroups { members(first: 100) { edges { node { person { displayName country region } } } } } }";
    let body = json!({ "query": wide }).to_string();
    let (status, _, body) = post_raw(
        &app,
        Some(GRAPHQL_RESPONSE),
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the limit is 300 (setting graphql.max_complexity"),
        "{body}"
    );
    app.finish().await;
}

/// The introspection queries that GraphiQL, code generators and API tools send, as their
/// libraries build them (`tests/fixtures/introspection/`), fit the default limits; depth,
/// complexity and aliases still bound data queries, and introspection has a bound of its own.
#[tokio::test]
async fn standard_introspection_fits_while_limits_hold() {
    let app = app().await;
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/introspection");
    let mut fixtures: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    for path in fixtures {
        let query = std::fs::read_to_string(&path).unwrap();
        let body = json!({ "query": query, "operationName": "IntrospectionQuery" }).to_string();
        let (status, _, body) = post_raw(
            &app,
            Some(GRAPHQL_RESPONSE),
            Some("application/json"),
            &body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", path.display());
        assert!(body["errors"].is_null(), "{}: {body}", path.display());
        let types = body["data"]["__schema"]["types"].as_array().unwrap();
        assert!(types.iter().any(|t| t["name"] == "WorkingGroup"));
    }

    // Introspection nested past any standard client's needs is still refused.
    let mut deep = String::from("{ __schema { types { fields { type { name } } } } }");
    for _ in 0..12 {
        deep = deep.replace("type { name }", "type { fields { type { name } } }");
    }
    let body = app.graphql(&deep, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("introspection"),
        "{body}"
    );

    // Aliases repeat work without nesting: bounded.
    let aliases: String = (0..31)
        .map(|i| format!("a{i}: coalition {{ slug }} "))
        .collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("31 aliases; the limit is 30 (setting graphql.max_aliases)"),
        "{body}"
    );
    app.finish().await;
}

/// Errors say what the client wrote and what would be accepted; data keeps the order of
/// the selection (GraphQL spec, "Serialized Map Ordering").
#[tokio::test]
async fn errors_name_arguments_and_valid_values_and_fields_keep_their_order() {
    let app = app().await;
    let body = app
        .graphql(
            "mutation { requestToJoin(groupId: \"1\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "groupId",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("groupId:"),
        "{body}"
    );

    let body = app
        .graphql("{ coalition { workingGroups { members(filter: { stakeholderType: ACADEMIA }) { totalCount } } } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("ACADEMIA"), "{body}");
    assert!(
        message.contains("valid values: MEMBER_STATE, NATIONAL_COMMISSION"),
        "{body}"
    );
    let body = app
        .graphql(
            "query ($t: StakeholderType) { coalition { workingGroups { members(filter: { stakeholderType: $t }) { totalCount } } } }",
            json!({ "t": "ACADEMIA" }),
        )
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("valid values: MEMBER_STATE"), "{body}");

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ coalition { slug name __typename id } }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = |key: &str| response.find(&format!("\"{key}\"")).unwrap();
    assert!(
        at("slug") < at("name") && at("name") < at("__typename") && at("__typename") < at("id"),
        "the selection's order: {response}"
    );
    app.finish().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = app().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    app.finish().await;
}
