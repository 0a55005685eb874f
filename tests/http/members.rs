//! `WorkingGroup.members`: a Relay connection with filters and bounded pages.

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_tests::fixtures::{enrol, experts, new_person};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const MEMBERS: &str = r#"
query Members($group: ID!, $first: Int, $after: String, $filter: MemberFilterInput) {
  workingGroup(id: $group) {
    members(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { role status person { displayName country region stakeholderType } } }
    }
  }
}"#;

fn names(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            edge["node"]["person"]["displayName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn pages_through_all_members_in_joining_order() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let people = enrol(&app.store, group, experts()).await;
        let expected: Vec<String> = people.iter().map(|p| p.display_name.clone()).collect();

        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let body = app
                .graphql(
                    MEMBERS,
                    json!({ "group": group_id, "first": 3, "after": after }),
                )
                .await;
            let connection = &body["data"]["workingGroup"]["members"];
            assert_eq!(connection["totalCount"], 10, "[{backend}] {body}");
            assert_eq!(connection["pageInfo"]["hasPreviousPage"], after.is_some());
            seen.extend(names(connection));
            pages += 1;
            if connection["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = connection["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
        }
        assert_eq!(pages, 4, "[{backend}]");
        assert_eq!(seen, expected, "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn filters_by_stakeholder_type_country_and_region() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        enrol(&app.store, group, experts()).await;
        // A pending request is not a member yet.
        let pending = app
            .store
            .insert_person(new_person(
                "Pending Person",
                "pending@example.org",
                "EG",
                coalition_domain::stakeholder::StakeholderType::MemberState,
                "Africa/Cairo",
            ))
            .await
            .unwrap();
        app.store
            .insert_membership(
                group,
                pending.id,
                MembershipRole::Member,
                MembershipStatus::Pending,
            )
            .await
            .unwrap();

        for (filter, expected) in [
            (json!({}), 10),
            (json!({ "stakeholderType": "MEMBER_STATE" }), 2),
            (
                json!({ "stakeholderType": "CIVIL_SOCIETY", "region": "AFRICA" }),
                1,
            ),
            (json!({ "country": "fr" }), 1),
            (json!({ "region": "ARAB_STATES" }), 2),
            (json!({ "region": "EUROPE_AND_NORTH_AMERICA" }), 2),
            (json!({ "region": "ASIA_AND_THE_PACIFIC" }), 2),
            (json!({ "region": "LATIN_AMERICA_AND_THE_CARIBBEAN" }), 2),
            (json!({ "region": "AFRICA", "country": "MA" }), 0),
        ] {
            let body = app
                .graphql(MEMBERS, json!({ "group": group_id, "filter": filter }))
                .await;
            let connection = &body["data"]["workingGroup"]["members"];
            assert_eq!(
                connection["totalCount"], expected,
                "[{backend}] {filter}: {body}"
            );
            assert_eq!(
                connection["edges"].as_array().unwrap().len(),
                expected as usize
            );
        }
        let body = app
            .graphql(
                MEMBERS,
                json!({ "group": group_id, "filter": { "region": "ARAB_STATES" } }),
            )
            .await;
        let regions: Vec<&Value> = body["data"]["workingGroup"]["members"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| &edge["node"]["person"]["region"])
            .collect();
        assert!(regions.iter().all(|region| *region == "ARAB_STATES"));
        app.finish().await;
    }
}

#[tokio::test]
async fn bad_page_requests_say_what_is_allowed() {
    let app = TestApp::spawn(backends()[0]).await;
    let (_, group_id) = app.group(0).await;
    let body = app
        .graphql(MEMBERS, json!({ "group": group_id, "first": 101 }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 100")
    );

    let body = app
        .graphql(MEMBERS, json!({ "group": group_id, "first": -1 }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");

    let body = app
        .graphql(MEMBERS, json!({ "group": group_id, "after": "garbage" }))
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "after");

    let body = app
        .graphql(
            MEMBERS,
            json!({ "group": group_id, "filter": { "country": "XX" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "country");

    let body = app
        .graphql(
            MEMBERS,
            json!({ "group": group_id, "filter": { "stakeholderType": "ROYALTY" } }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    app.finish().await;
}

#[tokio::test]
async fn page_size_limit_is_configurable() {
    let app = TestApp::spawn_with(backends()[0], |settings| {
        settings.graphql.max_page_size = 5;
        settings.graphql.default_page_size = 2;
    })
    .await;
    let (group, group_id) = app.group(0).await;
    enrol(&app.store, group, experts()).await;
    let body = app.graphql(MEMBERS, json!({ "group": group_id })).await;
    assert_eq!(
        body["data"]["workingGroup"]["members"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let body = app
        .graphql(MEMBERS, json!({ "group": group_id, "first": 6 }))
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 5")
    );
    app.finish().await;
}
