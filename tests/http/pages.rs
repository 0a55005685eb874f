//! The built-in pages mails link to (no external frontend configured), and RFC 8058
//! one-click unsubscribe, end to end through a real SMTP listener.

use coalition_tests::accounts::{PASSWORD, login, person_id, registration};
use coalition_tests::smtp::SmtpServer;
use coalition_tests::{TestApp, backends};
use serde_json::json;

/// A header's value with folded lines joined (RFC 5322 §2.2.3).
fn unfolded_header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The token of the first `token=` link in a message's raw text (quoted-printable soft
/// breaks removed).
fn link_token(message: &str, path: &str) -> String {
    let text = message.replace("=\r\n", "").replace("=3D", "=");
    let start = text
        .find(&format!("{path}?token="))
        .unwrap_or_else(|| panic!("a {path} link in {text}"))
        + path.len()
        + "?token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn assert_page_headers(response: &reqwest::Response) {
    let headers = response.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

/// Links in mails lead to the server's own port (bound as port 0), and the verification
/// page confirms only on POST; a spent or forged token gets a clear 4xx page that does not
/// echo it. Security mails carry no unsubscribe header.
#[tokio::test]
async fn verification_link_leads_to_a_page_on_the_bound_port() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| {
            settings.mail.smtp_url = smtp.url();
        })
        .await;
        let body = coalition_tests::accounts::register(
            &app,
            registration("Amina", "amina@example.org", "KE", "fr"),
        )
        .await;
        assert_eq!(body["data"]["register"], true, "{body}");
        let message = smtp.wait_for(1).await[0].data.clone();
        assert!(unfolded_header(&message, "List-Unsubscribe").is_none());
        assert!(
            message.contains(&format!("{}/verify-email?token=", app.address))
                || message
                    .replace("=\r\n", "")
                    .contains(&format!("{}/verify-email?token=", app.address)),
            "[{backend}] the link follows the bound port"
        );
        let token = link_token(&message, "/verify-email");

        // GET only asks (a mail scanner prefetching the link spends nothing).
        let page = app
            .client
            .get(app.url(&format!("/verify-email?token={token}&lang=fr")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert_page_headers(&page);
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"fr\">"), "{html}");
        assert!(html.contains("method=\"post\""));
        let failed_login = app
            .graphql(
                "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                json!({ "e": "amina@example.org", "p": PASSWORD }),
            )
            .await;
        assert!(failed_login["errors"].is_array(), "still unverified");

        let done = app
            .client
            .post(app.url("/verify-email"))
            .header("accept-language", "de, fr;q=0.8, en;q=0.5")
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
        assert!(
            done.text()
                .await
                .unwrap()
                .contains("Votre adresse est confirmée")
        );
        login(&app, "amina@example.org", PASSWORD).await;

        let again = app
            .client
            .post(app.url("/verify-email"))
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert!(again.status().is_client_error(), "{}", again.status());
        assert_page_headers(&again);
        let html = again.text().await.unwrap();
        assert!(html.contains("This link is not valid"), "{html}");
        assert!(!html.contains(&token), "the token is not echoed");
        app.finish().await;
    }
}

/// The reset page shows the password rules' errors in the form, then sets the password.
#[tokio::test]
async fn reset_page_sets_the_password() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        coalition_tests::accounts::signed_up(&app, "Bo", "bo@example.org").await;
        let asked = app
            .graphql(
                "mutation { requestPasswordReset(email: \"bo@example.org\") }",
                json!({}),
            )
            .await;
        assert!(asked["errors"].is_null(), "{asked}");
        let mail = app.mail_to("bo@example.org", "Reset").await;
        assert!(mail.contains(&format!("{}/reset-password?token=", app.address)));
        let token = coalition_tests::mail::token(&mail);
        let form = app
            .client
            .get(app.url(&format!("/reset-password?token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        assert_page_headers(&form);
        assert!(form.text().await.unwrap().contains("name=\"newPassword\""));
        let short = app
            .client
            .post(app.url("/reset-password"))
            .form(&[("token", token.as_str()), ("newPassword", "short")])
            .send()
            .await
            .unwrap();
        assert_eq!(short.status(), 400);
        assert!(short.text().await.unwrap().contains("class=\"error\""));
        let done = app
            .client
            .post(app.url("/reset-password"))
            .form(&[
                ("token", token.as_str()),
                ("newPassword", "a much longer new passphrase"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
        login(&app, "bo@example.org", "a much longer new passphrase").await;
        app.finish().await;
    }
}

/// A join request mailed to a coordinator carries RFC 8058 headers; POSTing exactly as
/// the RFC says turns that category off for them, without signing in, idempotently. GET
/// only asks, and a forged token is refused.
#[tokio::test]
async fn one_click_unsubscribe_turns_the_category_off() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| {
            settings.mail.smtp_url = smtp.url();
        })
        .await;
        let (group, group_id) = app.group(0).await;
        // Two people sign up, verifying through the built-in page.
        let mut people = Vec::new();
        for (index, (name, email)) in [("Claire", "claire@example.org"), ("Bo", "bo@example.org")]
            .into_iter()
            .enumerate()
        {
            let body =
                coalition_tests::accounts::register(&app, registration(name, email, "KE", "en"))
                    .await;
            assert_eq!(body["data"]["register"], true, "{body}");
            let message = smtp.wait_for(index + 1).await[index].data.clone();
            let token = link_token(&message, "/verify-email");
            let done = app
                .client
                .post(app.url("/verify-email"))
                .form(&[("token", token.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(done.status(), 200);
            people.push(login(&app, email, PASSWORD).await);
        }
        let me = app
            .graphql_as(&people[0], "{ me { id } }", json!({}))
            .await
            .1;
        let claire = person_id(me["data"]["me"]["id"].as_str().unwrap());
        app.store
            .insert_membership(
                group,
                claire,
                coalition_domain::membership::MembershipRole::Coordinator,
                coalition_domain::membership::MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (status, asked) = app
            .graphql_as(
                &people[1],
                "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
                json!({ "g": group_id }),
            )
            .await;
        assert_eq!(status, 200, "{asked}");
        let message = smtp.wait_for(3).await[2].data.clone();
        assert!(message.contains("claire@example.org"));
        assert_eq!(
            unfolded_header(&message, "List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        let header = unfolded_header(&message, "List-Unsubscribe").unwrap();
        let url = header
            .trim_start_matches('<')
            .trim_end_matches('>')
            .replace(' ', "");
        assert!(url.starts_with(&format!("{}/unsubscribe?token=", app.address)));

        let preferences = || async {
            app.graphql_as(
                &people[0],
                "{ notificationPreferences { category mode } }",
                json!({}),
            )
            .await
            .1["data"]["notificationPreferences"]
                .as_array()
                .unwrap()
                .iter()
                .find(|entry| entry["category"] == "MEMBERSHIP")
                .map(|entry| entry["mode"].as_str().unwrap().to_owned())
        };
        let get = app.client.get(&url).send().await.unwrap();
        assert_eq!(get.status(), 200);
        assert_page_headers(&get);
        assert!(get.text().await.unwrap().contains("membership"));
        assert_ne!(
            preferences().await.as_deref(),
            Some("OFF"),
            "GET changes nothing"
        );

        for _ in 0..2 {
            let posted = app
                .client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click")
                .send()
                .await
                .unwrap();
            assert_eq!(posted.status(), 200);
            assert_eq!(preferences().await.as_deref(), Some("OFF"));
        }
        let forged = app
            .client
            .post(app.url("/unsubscribe?token=forged-token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 404);
        assert!(!forged.text().await.unwrap().contains("forged-token"));
        app.finish().await;
    }
}
