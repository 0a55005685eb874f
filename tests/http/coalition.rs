//! The coalition, its areas of action and working groups: queries, languages and global IDs.

use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const FRENCH_GROUP_NAMES: [&str; 4] = [
    "Renforcement des capacités",
    "Politiques de soutien",
    "REL de qualité, inclusives et équitables",
    "Modèles de durabilité",
];

#[tokio::test]
async fn serves_the_seeded_coalition_in_both_languages() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let body = app
            .graphql(
                r#"{ coalition { name workingGroups { name(lang: "fr") } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["coalition"]["name"], "OER Dynamic Coalition",
            "[{backend}]"
        );
        let names: Vec<&str> = body["data"]["coalition"]["workingGroups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|group| group["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, FRENCH_GROUP_NAMES, "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn five_areas_of_which_the_fifth_is_the_coalitions_own() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let body = app
            .graphql(
                "{ coalition { launchedOn areasOfAction { number name workingGroup { slug area { number } } } } }",
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["coalition"]["launchedOn"], "2020-03-02");
        let areas = body["data"]["coalition"]["areasOfAction"]
            .as_array()
            .unwrap();
        assert_eq!(areas.len(), 5, "[{backend}]");
        for (index, area) in areas.iter().enumerate() {
            let number = index as i64 + 1;
            assert_eq!(area["number"], number);
            if number == 5 {
                assert_eq!(area["workingGroup"], Value::Null);
                assert_eq!(
                    area["name"],
                    "Promoting and reinforcing international cooperation"
                );
            } else {
                assert_eq!(area["workingGroup"]["area"]["number"], number);
            }
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn language_follows_lang_then_accept_language_then_english() {
    let app = TestApp::spawn(backends()[0]).await;
    let query = r#"{ workingGroups { plain: name english: name(lang: "en") french: name(lang: "fr-CA") } }"#;
    let body = app
        .graphql_with(
            query,
            json!({}),
            &[("accept-language", "fr-FR, fr;q=0.9, en;q=0.5")],
        )
        .await;
    let first = &body["data"]["workingGroups"][0];
    assert_eq!(first["plain"], "Renforcement des capacités");
    assert_eq!(first["english"], "Capacity building");
    assert_eq!(first["french"], "Renforcement des capacités");

    let body = app
        .graphql_with(query, json!({}), &[("accept-language", "de, es")])
        .await;
    assert_eq!(
        body["data"]["workingGroups"][0]["plain"],
        "Capacity building"
    );

    let body = app
        .graphql(r#"{ coalition { name(lang: "xx") } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("en, fr"),
        "says what is allowed: {message}"
    );
    app.finish().await;
}

#[tokio::test]
async fn groups_and_nodes_are_found_by_global_id() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let body = app
            .graphql(
                "{ coalition { id areasOfAction { id } } workingGroups { id slug } }",
                json!({}),
            )
            .await;
        let group = &body["data"]["workingGroups"][1];
        let group_id = group["id"].as_str().unwrap().to_owned();
        assert!(
            !group_id.chars().all(|c| c.is_ascii_digit()),
            "opaque: {group_id}"
        );

        let body = app
            .graphql(
                "query ($id: ID!) { workingGroup(id: $id) { slug } node(id: $id) { __typename id ... on WorkingGroup { slug } } }",
                json!({ "id": group_id }),
            )
            .await;
        assert_eq!(
            body["data"]["workingGroup"]["slug"], "supportive-policy",
            "[{backend}]"
        );
        assert_eq!(body["data"]["node"]["__typename"], "WorkingGroup");
        assert_eq!(body["data"]["node"]["id"], group_id.as_str());

        let coalition_id =
            app.graphql("{ coalition { id } }", json!({})).await["data"]["coalition"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
        let body = app
            .graphql(
                "query ($id: ID!) { node(id: $id) { __typename } }",
                json!({ "id": coalition_id }),
            )
            .await;
        assert_eq!(body["data"]["node"]["__typename"], "Coalition");
        app.finish().await;
    }
}

#[tokio::test]
async fn unknown_malformed_and_mismatched_ids_are_refused_clearly() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // A well-formed id of a group that does not exist.
        let missing = "V29ya2luZ0dyb3VwOjk5OQ"; // WorkingGroup:999
        let body = app
            .graphql(
                "query ($id: ID!) { workingGroup(id: $id) { slug } }",
                json!({ "id": missing }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        assert_eq!(body["data"]["workingGroup"], Value::Null);
        let body = app
            .graphql(
                "query ($id: ID!) { node(id: $id) { id } }",
                json!({ "id": missing }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}]");

        let body = app
            .graphql(
                "query ($id: ID!) { workingGroup(id: $id) { slug } }",
                json!({ "id": "42" }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["field"], "id");

        let area_id = app
            .graphql("{ coalition { areasOfAction { id } } }", json!({}))
            .await["data"]["coalition"]["areasOfAction"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = app
            .graphql(
                "query ($id: ID!) { workingGroup(id: $id) { slug } }",
                json!({ "id": area_id }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("not a WorkingGroup")
        );
        app.finish().await;
    }
}
