//! Display names of enum values (`enumLabels`) and the built-in pages' texts, read from
//! per-language files: a language is added by a folder, and what it lacks reads English.

use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const LABELS: &str = "query ($lang: String, $enums: [String!]) { enumLabels(lang: $lang, enums: $enums) { enum value label language } }";

/// The `(value, label, language)` triples of a response, in order.
fn triples(body: &Value) -> Vec<(String, String, String)> {
    body["data"]["enumLabels"]
        .as_array()
        .unwrap_or_else(|| panic!("labels in {body}"))
        .iter()
        .map(|label| {
            (
                label["value"].as_str().unwrap_or_default().to_owned(),
                label["label"].as_str().unwrap_or_default().to_owned(),
                label["language"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn triple(value: &str, label: &str, language: &str) -> (String, String, String) {
    (value.to_owned(), label.to_owned(), language.to_owned())
}

#[tokio::test]
async fn enum_labels_come_in_english_french_and_english_for_the_rest() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let english = app
            .graphql(
                LABELS,
                json!({ "lang": "en", "enums": ["StakeholderType"] }),
            )
            .await;
        assert!(english["errors"].is_null(), "[{backend}] {english}");
        let labels = triples(&english);
        assert_eq!(labels.len(), 8, "[{backend}] {english}");
        assert_eq!(labels[0], triple("MEMBER_STATE", "Member State", "en"));
        assert!(
            english["data"]["enumLabels"]
                .as_array()
                .unwrap()
                .iter()
                .all(|label| label["enum"] == "StakeholderType"),
            "[{backend}] {english}"
        );

        let french = app
            .graphql(
                LABELS,
                json!({ "lang": "fr-CA", "enums": ["UnescoRegion", "MembershipRole"] }),
            )
            .await;
        let labels = triples(&french);
        assert_eq!(labels.len(), 8, "[{backend}] {french}");
        assert_eq!(labels[1], triple("ARAB_STATES", "États arabes", "fr"));
        assert_eq!(
            labels[5],
            triple("COORDINATOR", "Coordinateur·rice", "fr"),
            "[{backend}] {french}"
        );

        // Spanish and Arabic have no labels yet: English, said to be English.
        for lang in ["es", "ar"] {
            let body = app
                .graphql(LABELS, json!({ "lang": lang, "enums": ["RsvpResponse"] }))
                .await;
            assert_eq!(
                triples(&body),
                [
                    triple("YES", "Yes", "en"),
                    triple("NO", "No", "en"),
                    triple("MAYBE", "Maybe", "en")
                ],
                "[{backend}] {lang}: {body}"
            );
        }

        // Without `enums`: every labelled enum, the languages' names among them.
        let all = app.graphql(LABELS, json!({ "lang": "fr" })).await;
        let all = all["data"]["enumLabels"].as_array().unwrap().clone();
        assert!(all.len() > 70, "[{backend}] {}", all.len());
        assert!(
            all.iter().any(|label| label["enum"] == "Language"
                && label["value"] == "es"
                && label["label"] == "Espagnol"),
            "[{backend}]"
        );
    }
}

#[tokio::test]
async fn enum_labels_follow_accept_language_and_refuse_unknown_enums() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let body = app
            .graphql_with(
                LABELS,
                json!({ "enums": ["DeliveryMode"] }),
                &[("accept-language", "de;q=0.9, fr;q=0.8, en;q=0.5")],
            )
            .await;
        assert_eq!(
            triples(&body)[1],
            triple("DAILY_DIGEST", "Un résumé quotidien", "fr"),
            "[{backend}] {body}"
        );
        // `lang` wins over the header.
        let body = app
            .graphql_with(
                LABELS,
                json!({ "lang": "en", "enums": ["DeliveryMode"] }),
                &[("accept-language", "fr")],
            )
            .await;
        assert_eq!(
            triples(&body)[2],
            triple("OFF", "Off", "en"),
            "[{backend}] {body}"
        );

        let unknown = app
            .graphql(LABELS, json!({ "enums": ["Visibility", "Colour"] }))
            .await;
        assert_eq!(
            error_code(&unknown),
            "BAD_USER_INPUT",
            "[{backend}] {unknown}"
        );
        assert!(unknown["data"].is_null(), "[{backend}] {unknown}");
        let bad_lang = app
            .graphql(LABELS, json!({ "lang": "xx", "enums": ["Visibility"] }))
            .await;
        assert_eq!(
            error_code(&bad_lang),
            "BAD_USER_INPUT",
            "[{backend}] {bad_lang}"
        );
    }
}

/// Sends a page request and returns its HTML, checking the status.
async fn html(app: &TestApp, request: reqwest::RequestBuilder, status: u16) -> String {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), status, "[{}]", app.backend);
    response.text().await.unwrap()
}

#[tokio::test]
async fn a_language_folder_alone_translates_the_pages() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let page = |lang: &str| {
            app.client
                .get(app.url(&format!("/verify-email?token=abc&lang={lang}")))
        };
        let spanish = html(&app, page("es"), 200).await;
        assert!(
            spanish.contains("<html lang=\"es\">"),
            "[{backend}] {spanish}"
        );
        assert!(
            spanish.contains("Confirme su dirección de correo electrónico")
                && spanish.contains("Confirmar mi dirección"),
            "[{backend}] {spanish}"
        );
        // Arabic has no page texts: English, in a page that still says its language.
        let arabic = html(&app, page("ar"), 200).await;
        assert!(
            arabic.contains("Confirm your email address") && arabic.contains("Confirm my address"),
            "[{backend}] {arabic}"
        );
    }
}

#[tokio::test]
async fn password_rules_on_the_reset_page_are_in_the_readers_language() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let short = |lang: &str| {
            app.client
                .post(app.url(&format!("/reset-password?lang={lang}")))
                .form(&[("token", "abc"), ("newPassword", "short")])
        };
        let french = html(&app, short("fr"), 400).await;
        assert!(
            french.contains("utilisez 8 caractères au moins"),
            "[{backend}] {french}"
        );
        // No Spanish message: the server's English one.
        let spanish = html(&app, short("es"), 400).await;
        assert!(
            spanish.contains("use at least 8 characters"),
            "[{backend}] {spanish}"
        );
    }
}
