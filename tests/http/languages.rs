//! Content in the six UN languages: administrators write names and summaries in Arabic,
//! Chinese, Russian and Spanish beside English and French; readers get the language they
//! ask for (`lang`, else `Accept-Language`), English when it has no text.

use coalition_tests::accounts::{administrator, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, query, variables).await;
    assert!(
        body["errors"].is_null(),
        "[{}] {query}: {body}",
        app.backend
    );
    body
}

#[tokio::test]
async fn texts_are_written_and_read_in_the_six_un_languages() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, group) = app.group(0).await;
        let english = app
            .graphql(
                "query ($g: ID!) { node(id: $g) { ... on WorkingGroup { name mandate } } }",
                json!({ "g": group }),
            )
            .await;
        let english_name = english["data"]["node"]["name"].as_str().unwrap().to_owned();
        let english_mandate = english["data"]["node"]["mandate"]
            .as_str()
            .unwrap()
            .to_owned();

        let update = "mutation ($g: ID!, $i: UpdateWorkingGroupInput!) { updateWorkingGroup(id: $g, input: $i) { name(lang: \"es\") summary(lang: \"ar\") mandate(lang: \"es\") } }";
        let input = json!({
            "name": [{ "lang": "es", "text": "Competencias digitales" }, { "lang": "ar", "text": "المهارات الرقمية" }],
            "summary": [{ "lang": "es-AR", "text": "Formación en REA." }, { "lang": "ar", "text": "التدريب على الموارد التعليمية المفتوحة." }],
        });
        let body = ok(&app, &admin, update, json!({ "g": group, "i": input })).await;
        let updated = &body["data"]["updateWorkingGroup"];
        assert_eq!(
            updated["name"], "Competencias digitales",
            "[{backend}] {body}"
        );
        assert_eq!(
            updated["summary"], "التدريب على الموارد التعليمية المفتوحة.",
            "[{backend}] {body}"
        );
        // No Spanish mandate: English stands in.
        assert_eq!(
            updated["mandate"],
            english_mandate.as_str(),
            "[{backend}] {body}"
        );

        // `Accept-Language` with quality values picks Spanish over French.
        let read = "{ workingGroups { name summary mandate } }";
        let body = app
            .graphql_with(
                read,
                json!({}),
                &[("accept-language", "es;q=0.9, fr;q=0.5")],
            )
            .await;
        let first = &body["data"]["workingGroups"][0];
        assert_eq!(
            first["name"], "Competencias digitales",
            "[{backend}] {body}"
        );
        assert_eq!(first["summary"], "Formación en REA.", "[{backend}] {body}");
        assert_eq!(
            first["mandate"],
            english_mandate.as_str(),
            "[{backend}] {body}"
        );
        // The other groups have no Spanish name: English.
        assert_ne!(
            body["data"]["workingGroups"][1]["name"],
            "Competencias digitales"
        );

        // `lang` wins over the header; a language without text falls back to English.
        let body = app
            .graphql_with(
                "{ workingGroups { ar: name(lang: \"ar\") zh: name(lang: \"zh\") ru: summary(lang: \"ru\") } }",
                json!({}),
                &[("accept-language", "es")],
            )
            .await;
        let first = &body["data"]["workingGroups"][0];
        assert_eq!(first["ar"], "المهارات الرقمية", "[{backend}] {body}");
        assert_eq!(first["zh"], english_name.as_str(), "[{backend}] {body}");
        assert!(
            first["ru"].as_str().is_some_and(|s| !s.is_empty()),
            "[{backend}] {body}"
        );

        // An empty text removes a translation.
        let input = json!({ "name": [{ "lang": "es", "text": "" }] });
        let body = ok(&app, &admin, update, json!({ "g": group, "i": input })).await;
        assert_eq!(
            body["data"]["updateWorkingGroup"]["name"],
            english_name.as_str(),
            "[{backend}] {body}"
        );

        // The coalition and the areas of action.
        let body = ok(
            &app,
            &admin,
            "mutation { updateCoalition(name: [{ lang: \"es\", text: \"Coalición dinámica para los REA\" }], description: [{ lang: \"ar\", text: \"تحالف من أجل الموارد التعليمية المفتوحة\" }]) { name(lang: \"es\") description(lang: \"ar\") en: name(lang: \"en\") } }",
            json!({}),
        )
        .await;
        let coalition = &body["data"]["updateCoalition"];
        assert_eq!(coalition["name"], "Coalición dinámica para los REA");
        assert_eq!(
            coalition["description"],
            "تحالف من أجل الموارد التعليمية المفتوحة"
        );
        assert_eq!(coalition["en"], "OER Dynamic Coalition");
        let areas = app
            .graphql("{ coalition { areasOfAction { id number } } }", json!({}))
            .await;
        let area = areas["data"]["coalition"]["areasOfAction"][0]["id"].clone();
        ok(
            &app,
            &admin,
            "mutation ($a: ID!) { updateAreaOfAction(id: $a, name: [{ lang: \"ar\", text: \"بناء القدرات\" }]) { number } }",
            json!({ "a": area }),
        )
        .await;
        let body = app
            .graphql_with(
                "{ coalition { name areasOfAction { name } } }",
                json!({}),
                &[("accept-language", "ar, es;q=0.5")],
            )
            .await;
        assert_eq!(
            body["data"]["coalition"]["name"], "OER Dynamic Coalition",
            "[{backend}] {body}"
        );
        assert_eq!(
            body["data"]["coalition"]["areasOfAction"][0]["name"], "بناء القدرات",
            "[{backend}] {body}"
        );

        // A group created with a Russian name.
        let coordinator = signed_up(&app, "Kwame Mensah", "kwame@example.gh").await.0;
        let fifth = areas["data"]["coalition"]["areasOfAction"]
            .as_array()
            .unwrap()
            .iter()
            .find(|area| area["number"] == 5)
            .map(|area| area["id"].clone())
            .unwrap();
        let created = ok(
            &app,
            &admin,
            "mutation ($i: CreateWorkingGroupInput!) { createWorkingGroup(input: $i) { ru: name(lang: \"ru\") es: name(lang: \"es\") } }",
            json!({ "i": {
                "areaId": fifth,
                "slug": "cooperation",
                "name": [{ "lang": "en", "text": "Capacity building" }, { "lang": "ru", "text": "Наращивание потенциала" }],
                "summary": [{ "lang": "en", "text": "Trains people." }],
                "mandate": [{ "lang": "en", "text": "Train people in OER." }],
                "coordinatorId": coordinator,
            } }),
        )
        .await;
        assert_eq!(
            created["data"]["createWorkingGroup"]["ru"],
            "Наращивание потенциала"
        );
        assert_eq!(
            created["data"]["createWorkingGroup"]["es"],
            "Capacity building"
        );

        // Unknown languages are refused, when reading and when writing.
        let body = app
            .graphql("{ workingGroups { name(lang: \"xx\") } }", json!({}))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        let input = json!({ "name": [{ "lang": "xx", "text": "?" }] });
        let (_, body) = app
            .graphql_as(&admin, update, json!({ "g": group, "i": input }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        app.finish().await;
    }
}
