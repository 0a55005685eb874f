//! What a request may cost: lists count their selection once per item they may return,
//! aliases and fragments where they appear, a batch's operations together; refused before
//! anything runs. And automatic persisted queries (Apollo APQ), over POST and GET.

use coalition_tests::accounts::{coordinator_of, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A year of a group's meetings, each with the action items carried over to it, aliased
/// `aliases` times: the fan-out an anonymous client could ask for.
fn carried_items_of_a_year(aliases: usize) -> String {
    let one = "meetings(from: \"2027-01-01T00:00:00Z\", to: \"2028-01-01T00:00:00Z\") { startsAt meeting { title carriedOverActionItems { title owner { displayName } } } }";
    let fields: Vec<String> = (0..aliases).map(|n| format!("m{n}: {one}")).collect();
    format!(
        "query ($g: ID!) {{ workingGroup(id: $g) {{ {} }} }}",
        fields.join(" ")
    )
}

/// The dashboard of the performance issue: groups, a page of members with their people,
/// a month of meetings and the latest documents.
const DASHBOARD: &str = "{ workingGroups { name summary members(first: 50) { totalCount edges { node { role since person { displayName organisation country } } } } meetings(from: \"2027-01-01T00:00:00Z\", to: \"2027-01-31T00:00:00Z\") { startsAt endsAt meeting { title } } documents(first: 10) { nodes { title } } } }";

async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(body)
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn the_daily_series_fan_out_is_refused_before_anything_runs() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let schedule = "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Daily stand-up\", startsAt: \"2027-01-04T09:00:00Z\", durationMinutes: 15, timeZone: \"Europe/Paris\", visibility: PUBLIC, recurrence: \"FREQ=DAILY;COUNT=400\" }) { id } }";
        let (_, body) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id }))
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");

        // One alias alone already costs far past the limit: a year of days times the
        // carried-over items.
        let (status, body) = post(
            &app,
            &json!({ "query": carried_items_of_a_year(1), "variables": { "g": group_id } }),
        )
        .await;
        assert_eq!(status, 400, "[{backend}] {body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("graphql.max_complexity") && message.contains("10000"),
            "[{backend}] {message}"
        );
        assert!(body.get("data").is_none(), "[{backend}] {body}");

        // The attack of the issue: thirty aliases, ten times in a batch, anonymously.
        let attack =
            json!({ "query": carried_items_of_a_year(30), "variables": { "g": group_id } });
        let batch = Value::Array(vec![attack; 10]);
        let (status, body) = post(&app, &batch).await;
        assert_eq!(status, 400, "[{backend}] {body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("limit is 10000"), "[{backend}] {message}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_batch_counts_its_operations_together_and_runs_none_when_over() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, group_id) = app.group(0).await;
        let (_, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        // Each costs a little under half the limit: one or two pass, three do not.
        let page = "members(first: 100) { edges { node { role since person { displayName organisation country region } } } }";
        let aliased: Vec<String> = (0..5).map(|n| format!("p{n}: {page}")).collect();
        let members = format!(
            "query ($g: ID!) {{ workingGroup(id: $g) {{ {} }} }}",
            aliased.join(" ")
        );
        let request = json!({ "query": members, "variables": { "g": group_id } });
        let (status, body) = post(&app, &request).await;
        assert_eq!(status, 200, "[{backend}] {body}");
        assert!(body["errors"].is_null(), "[{backend}] {body}");

        let join = json!({
            "query": "mutation ($g: ID!) { requestToJoin(groupId: $g) { id status } }",
            "variables": { "g": group_id },
        });
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&member)
            .header("accept", "application/graphql-response+json")
            .json(&json!([join, request, request, request]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "[{backend}]");
        let body: Value = response.json().await.unwrap();
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("batch"), "[{backend}] {message}");
        // Nothing ran: the request to join was never made.
        let (_, mine) = app
            .graphql_as(&member, "{ me { memberships { status } } }", json!({}))
            .await;
        assert_eq!(
            mine["data"]["me"]["memberships"],
            json!([]),
            "[{backend}] {mine}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_realistic_dashboard_passes() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (status, body) = post(&app, &json!({ "query": DASHBOARD })).await;
        assert_eq!(status, 200, "[{backend}] {body}");
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        assert!(
            body["data"]["workingGroups"]
                .as_array()
                .is_some_and(|groups| !groups.is_empty()),
            "[{backend}] {body}"
        );
        // Aliased through a fragment, and in a batch beside a small query, it still fits.
        let fragment = "query { ...Dashboard } fragment Dashboard on Query { workingGroups { name members(first: 20) { edges { node { person { displayName } } } } } }";
        let batch = json!([{ "query": fragment }, { "query": "{ coalition { name } }" }]);
        let (status, body) = post(&app, &batch).await;
        assert_eq!(status, 200, "[{backend}] {body}");
        assert!(body[0]["errors"].is_null(), "[{backend}] {body}");
        assert!(
            body[1]["data"]["coalition"]["name"].is_string(),
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn persisted_queries_register_then_run_by_hash_over_post_and_get() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let query = "{ workingGroups { slug } }";
        let hash = sha256(query);

        // Unknown: the client is told to send the text.
        let (status, body) = post(&app, &json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(status, 400, "[{backend}] {body}");
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
        assert_eq!(
            error_code(&body),
            "PERSISTED_QUERY_NOT_FOUND",
            "[{backend}]"
        );
        // The legacy media type answers a request error with 200.
        let legacy = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "extensions": persisted(&hash) }))
            .send()
            .await
            .unwrap();
        assert_eq!(legacy.status().as_u16(), 200, "[{backend}]");

        // A text whose hash is not the one sent is refused, and not kept.
        let (status, body) = post(
            &app,
            &json!({ "query": "{ coalition { name } }", "extensions": persisted(&hash) }),
        )
        .await;
        assert_eq!(status, 400, "[{backend}] {body}");
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");

        // Text and hash together register it and run.
        let (status, registered) = post(
            &app,
            &json!({ "query": query, "extensions": persisted(&hash) }),
        )
        .await;
        assert_eq!(status, 200, "[{backend}] {registered}");
        assert!(
            registered["data"]["workingGroups"].is_array(),
            "[{backend}]"
        );

        // From then on the hash is enough, over POST, in a batch and over GET.
        let (status, body) = post(&app, &json!({ "extensions": persisted(&hash) })).await;
        assert_eq!(status, 200, "[{backend}] {body}");
        assert_eq!(body, registered, "[{backend}]");
        let (status, body) = post(&app, &json!([{ "extensions": persisted(&hash) }])).await;
        assert_eq!(status, 200, "[{backend}] {body}");
        assert_eq!(body[0], registered, "[{backend}]");
        let extensions = persisted(&hash).to_string();
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[("extensions", extensions.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "[{backend}]");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, registered, "[{backend}]");

        // Another version of the protocol is not spoken.
        let (_, body) = post(
            &app,
            &json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } }),
        )
        .await;
        assert_eq!(
            error_code(&body),
            "PERSISTED_QUERY_NOT_SUPPORTED",
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn a_persisted_mutation_is_refused_over_get_and_a_costly_one_by_its_cost() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, group_id) = app.group(0).await;
        let mutation = "mutation { logout }";
        let hash = sha256(mutation);
        // Registered over POST (it runs, and fails for want of a session).
        post(
            &app,
            &json!({ "query": mutation, "extensions": persisted(&hash) }),
        )
        .await;
        let extensions = persisted(&hash).to_string();
        let response = app
            .client
            .get(app.url("/graphql"))
            .query(&[("extensions", extensions.as_str())])
            .header("accept", "application/graphql-response+json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "[{backend}]");

        // The limits run on the text the hash stands for.
        let costly = carried_items_of_a_year(2);
        let hash = sha256(&costly);
        let variables = json!({ "g": group_id });
        let (status, body) = post(
            &app,
            &json!({ "query": costly, "variables": variables, "extensions": persisted(&hash) }),
        )
        .await;
        assert_eq!(status, 400, "[{backend}] {body}");
        let (status, body) = post(
            &app,
            &json!({ "variables": variables, "extensions": persisted(&hash) }),
        )
        .await;
        assert_eq!(status, 400, "[{backend}] {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("graphql.max_complexity"),
            "[{backend}] {message}"
        );
        app.finish().await;
    }
}
