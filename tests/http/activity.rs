//! History: `WorkingGroup.activity` and `Coalition.activity`, the activity log read back
//! newest first, each entry shown as the live `groupActivity` shows it, with links to its
//! actor and subject, paged with the shared keyed cursor.

use coalition_tests::accounts::{administrator, coordinator_of, member_of, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const GROUP_HISTORY: &str = "query ($g: ID!, $first: Int, $after: String) { workingGroup(id: $g) { activity(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { verb actor { displayName } subject { id ... on Membership { status } } } } } } }";
const COALITION_HISTORY: &str = "query ($first: Int, $after: String) { coalition { activity(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { verb workingGroupId } } } } }";

async fn ask(app: &TestApp, token: Option<&str>, query: &str, variables: Value) -> Value {
    match token {
        Some(token) => app.graphql_as(token, query, variables).await.1,
        None => app.graphql(query, variables).await,
    }
}

/// The coordinator makes the group moderated: one public entry in its log.
async fn moderate(app: &TestApp, coordinator: &str, group_id: &str) {
    let (_, body) = app
        .graphql_as(
            coordinator,
            "mutation ($g: ID!) { setJoinPolicy(groupId: $g, joinPolicy: MODERATED) { id } }",
            json!({ "g": group_id }),
        )
        .await;
    assert!(
        body["errors"].is_null(),
        "[{}] policy set: {body}",
        app.backend
    );
}

/// The verbs of a page of history, newest first.
fn verbs(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of history: {page}"))
        .iter()
        .map(|edge| edge["node"]["verb"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_group_history_follows_the_policy_and_pages_newest_first() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, member) = member_of(&app, group, "Kenji Sato", "kenji@example.jp").await;
        let (_, applicant) = signed_up(&app, "Lucía Pérez", "lucia@example.mx").await;
        let (_, outsider) = signed_up(&app, "Outsider", "outsider@example.org").await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;

        moderate(&app, &coordinator, &group_id).await;
        let (_, body) = app
            .graphql_as(
                &applicant,
                "mutation ($g: ID!) { requestToJoin(groupId: $g, motivation: \"OER policy in Mexico\") { id } }",
                json!({ "g": group_id }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] request sent: {body}");

        // The coordinator sees both entries, newest first, linked to their actor and subject.
        let vars = json!({ "g": group_id, "first": 10 });
        let body = ask(&app, Some(&coordinator), GROUP_HISTORY, vars.clone()).await;
        let page = &body["data"]["workingGroup"]["activity"];
        assert_eq!(
            verbs(page),
            ["membership.requested", "group.join_policy_changed"],
            "[{backend}] {body}"
        );
        let request = &page["edges"][0]["node"];
        assert_eq!(
            request["actor"]["displayName"], "Lucía Pérez",
            "[{backend}]"
        );
        assert_eq!(
            request["subject"]["status"], "PENDING",
            "[{backend}] {body}"
        );
        assert_eq!(page["pageInfo"]["hasNextPage"], false, "[{backend}]");
        // So does the secretariat.
        let body = ask(&app, Some(&admin), GROUP_HISTORY, vars.clone()).await;
        assert_eq!(
            verbs(&body["data"]["workingGroup"]["activity"]).len(),
            2,
            "[{backend}]"
        );

        // A member does not see someone else's pending request, as in the live stream.
        let body = ask(&app, Some(&member), GROUP_HISTORY, vars.clone()).await;
        assert_eq!(
            verbs(&body["data"]["workingGroup"]["activity"]),
            ["group.join_policy_changed"],
            "[{backend}] {body}"
        );

        // Outside the group: refused, as a subscription to the group's activity is.
        let body = ask(&app, None, GROUP_HISTORY, vars.clone()).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}] {body}");
        let body = ask(&app, Some(&outsider), GROUP_HISTORY, vars.clone()).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");

        // One entry a page: the cursor leads on to the older entry, then to the end.
        let body = ask(
            &app,
            Some(&coordinator),
            GROUP_HISTORY,
            json!({ "g": group_id, "first": 1 }),
        )
        .await;
        let first = &body["data"]["workingGroup"]["activity"];
        assert_eq!(verbs(first), ["membership.requested"], "[{backend}]");
        assert_eq!(first["pageInfo"]["hasNextPage"], true, "[{backend}]");
        let after = first["pageInfo"]["endCursor"].as_str().unwrap();
        let body = ask(
            &app,
            Some(&coordinator),
            GROUP_HISTORY,
            json!({ "g": group_id, "first": 1, "after": after }),
        )
        .await;
        let second = &body["data"]["workingGroup"]["activity"];
        assert_eq!(
            verbs(second),
            ["group.join_policy_changed"],
            "[{backend}] {body}"
        );

        // A cursor from another list is bad input, not an empty page.
        let body = ask(
            &app,
            Some(&coordinator),
            GROUP_HISTORY,
            json!({ "g": group_id, "after": "bm90LWEtY3Vyc29y" }),
        )
        .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
    }
}

#[tokio::test]
async fn the_coalition_history_shows_each_viewer_what_they_may_read() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        moderate(&app, &coordinator, &group_id).await;

        // Anonymous visitors see coalition-wide entries only, never a group's internals
        // nor anyone's account.
        let body = ask(&app, None, COALITION_HISTORY, json!({ "first": 50 })).await;
        let page = &body["data"]["coalition"]["activity"];
        let seen = verbs(page);
        assert!(!seen.is_empty(), "[{backend}] the seed is public: {body}");
        assert!(
            page["edges"]
                .as_array()
                .unwrap()
                .iter()
                .all(|edge| edge["node"]["workingGroupId"].is_null()),
            "[{backend}] {body}"
        );
        assert!(
            !seen
                .iter()
                .any(|verb| verb.starts_with("account.") || verb == "person.registered"),
            "[{backend}] {seen:?}"
        );

        // The coordinator also sees their group's entry.
        let body = ask(
            &app,
            Some(&coordinator),
            COALITION_HISTORY,
            json!({ "first": 50 }),
        )
        .await;
        let seen = verbs(&body["data"]["coalition"]["activity"]);
        assert_eq!(
            seen.first().map(String::as_str),
            Some("group.join_policy_changed"),
            "[{backend}] {seen:?}"
        );
    }
}
