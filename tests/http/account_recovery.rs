//! Recovering an account takes back everything a thief could hold: sessions (see
//! `live_sessions`) and the private calendar URL. Changing a password is limited like
//! signing in, and no operation may hash passwords many times over.

use coalition_tests::accounts::{PASSWORD, login, signed_up};
use coalition_tests::{Backend, TestApp, backends, error_code, mail};
use serde_json::{Value, json};

const FEED: &str = "{ me { calendarFeed { createdAt lastUsedAt } } }";
const CHANGE: &str = "mutation ($current: String!, $new: String!) { changePassword(currentPassword: $current, newPassword: $new) }";

/// Makes a private feed; returns its path.
async fn create_feed(app: &TestApp, token: &str) -> String {
    let (_, body) = app
        .graphql_as(token, "mutation { createCalendarFeed }", json!({}))
        .await;
    let url = body["data"]["createCalendarFeed"]
        .as_str()
        .unwrap_or_else(|| panic!("feed created: {body}"))
        .to_owned();
    url[url.find("/calendar/").unwrap()..].to_owned()
}

async fn fetch_status(app: &TestApp, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("an instant: {value}"));
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text}: {error}"))
        .to_utc()
}

async fn feed_of(app: &TestApp, token: &str) -> Value {
    let (_, body) = app.graphql_as(token, FEED, json!({})).await;
    body["data"]["me"]["calendarFeed"].clone()
}

#[tokio::test]
async fn a_new_password_ends_the_private_calendar_feed() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "layla.haddad@example.jo";
        let (_, token) = signed_up(&app, "Layla Haddad", email).await;
        assert_eq!(feed_of(&app, &token).await, Value::Null, "[{backend}]");

        // The owner sees that a feed exists, and when a calendar last read it.
        let path = create_feed(&app, &token).await;
        let feed = feed_of(&app, &token).await;
        let near = |value: &Value, expected: chrono::DateTime<chrono::Utc>| {
            (instant(value) - expected).abs() < chrono::TimeDelta::seconds(30)
        };
        assert!(
            near(&feed["createdAt"], app.clock.now()),
            "[{backend}] {feed}"
        );
        assert_eq!(feed["lastUsedAt"], Value::Null, "[{backend}] {feed}");
        app.clock.advance(chrono::TimeDelta::hours(1));
        assert_eq!(fetch_status(&app, &path).await, 200);
        let feed = feed_of(&app, &token).await;
        assert!(
            near(&feed["lastUsedAt"], app.clock.now()),
            "[{backend}] {feed}"
        );
        assert!(
            !near(&feed["createdAt"], app.clock.now()),
            "[{backend}] {feed}"
        );

        // A changed password ends it.
        let (_, body) = app
            .graphql_as(
                &token,
                CHANGE,
                json!({ "current": PASSWORD, "new": "a brand new passphrase" }),
            )
            .await;
        assert_eq!(body["data"]["changePassword"], true, "[{backend}] {body}");
        assert_eq!(fetch_status(&app, &path).await, 404, "[{backend}]");
        assert_eq!(feed_of(&app, &token).await, Value::Null, "[{backend}]");

        // So does a reset.
        let path = create_feed(&app, &token).await;
        app.graphql(
            "mutation ($email: String!) { requestPasswordReset(email: $email) }",
            json!({ "email": email }),
        )
        .await;
        let reset_mail = app.mail_to(email, "Reset your password").await;
        let body = app
            .graphql(
                "mutation ($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }",
                json!({ "token": mail::token(&reset_mail), "password": "yet another passphrase" }),
            )
            .await;
        assert_eq!(body["data"]["resetPassword"], true, "[{backend}] {body}");
        assert_eq!(fetch_status(&app, &path).await, 404, "[{backend}]");
        let token = login(&app, email, "yet another passphrase").await;
        assert_eq!(feed_of(&app, &token).await, Value::Null, "[{backend}]");

        // Nobody else learns whether someone has a feed.
        create_feed(&app, &token).await;
        let (_, other) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (_, body) = app.graphql_as(&other, "{ me { id } }", json!({})).await;
        assert!(body["data"]["me"]["id"].is_string());
        let mine =
            app.graphql_as(&token, "{ me { id } }", json!({})).await.1["data"]["me"]["id"].clone();
        let (_, body) = app
            .graphql_as(
                &other,
                "query ($id: ID!) { node(id: $id) { ... on Person { calendarFeed { createdAt } } } }",
                json!({ "id": mine }),
            )
            .await;
        assert_eq!(
            body["data"]["node"]["calendarFeed"],
            Value::Null,
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn changing_a_password_is_limited_like_signing_in() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.rate_limits.login_per_account.max = 3;
    })
    .await;
    let (_, token) = signed_up(&app, "Layla Haddad", "layla@example.jo").await;
    for _ in 0..3 {
        let (_, body) = app
            .graphql_as(
                &token,
                CHANGE,
                json!({ "current": "guess guess guess", "new": "a brand new passphrase" }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    }
    let (_, body) = app
        .graphql_as(
            &token,
            CHANGE,
            json!({ "current": PASSWORD, "new": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    app.finish().await;
}

#[tokio::test]
async fn an_operation_hashes_at_most_one_password() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, token) = signed_up(&app, "Layla Haddad", "layla@example.jo").await;
    let aliased = (0..5)
        .map(|n| {
            format!(
                "c{n}: changePassword(currentPassword: \"guess {n}\", newPassword: \"a brand new passphrase\")"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let (_, body) = app
        .graphql_as(&token, &format!("mutation {{ {aliased} }}"), json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body.get("data").is_none_or(Value::is_null),
        "nothing ran: {body}"
    );
    let mixed = "mutation { login(email: \"a@example.org\", password: \"x\") { token } register(input: { email: \"b@example.org\", password: \"y\", displayName: \"B\", organisation: \"O\", country: \"KE\", stakeholderType: CIVIL_SOCIETY, preferredLanguage: \"en\" }) }";
    let body = app.graphql(mixed, json!({})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // One is fine.
    let (_, body) = app
        .graphql_as(
            &token,
            CHANGE,
            json!({ "current": PASSWORD, "new": "a brand new passphrase" }),
        )
        .await;
    assert_eq!(body["data"]["changePassword"], true, "{body}");
    app.finish().await;
}
