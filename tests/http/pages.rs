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

// Confirming a new address, invitations and notification settings (pages, second part).

/// The newest message delivered to `address` whose text contains `needle`, waiting up to
/// ten seconds.
async fn delivered_to(smtp: &SmtpServer, address: &str, needle: &str) -> String {
    for _ in 0..200 {
        let found = smtp.delivered().into_iter().rev().find(|message| {
            message.recipients.iter().any(|to| to == address)
                && message.data.replace("=\r\n", "").contains(needle)
        });
        if let Some(message) = found {
            return message.data;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no message to {address} containing {needle}");
}

/// Registers through the API and confirms the address through the built-in page, as
/// someone reading their mail would; returns a session token.
async fn signed_up_by_mail(app: &TestApp, smtp: &SmtpServer, name: &str, email: &str) -> String {
    let body =
        coalition_tests::accounts::register(app, registration(name, email, "KE", "en")).await;
    assert_eq!(body["data"]["register"], true, "{body}");
    let message = delivered_to(smtp, email, "/verify-email?token=").await;
    let done = app
        .client
        .post(app.url("/verify-email"))
        .form(&[("token", link_token(&message, "/verify-email").as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    login(app, email, PASSWORD).await
}

/// A server whose mail goes to a real SMTP listener.
async fn with_smtp(backend: coalition_tests::Backend) -> (SmtpServer, TestApp) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, |settings| {
        settings.mail.smtp_url = smtp.url();
    })
    .await;
    (smtp, app)
}

/// [`signed_up_by_mail`], then made an active coordinator of `group`.
async fn coordinator_by_mail(
    app: &TestApp,
    smtp: &SmtpServer,
    group: coalition_domain::coalition::WorkingGroupId,
    name: &str,
    email: &str,
) -> String {
    let token = signed_up_by_mail(app, smtp, name, email).await;
    let (_, me) = app.graphql_as(&token, "{ me { id } }", json!({})).await;
    app.store
        .insert_membership(
            group,
            person_id(me["data"]["me"]["id"].as_str().unwrap()),
            coalition_domain::membership::MembershipRole::Coordinator,
            coalition_domain::membership::MembershipStatus::Active,
        )
        .await
        .unwrap();
    token
}

async fn get_page(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

const CHANGE_EMAIL: &str =
    "mutation ($e: String!, $p: String!) { changeEmail(newEmail: $e, currentPassword: $p) }";

/// The change-of-address link opens a page that only asks; its button changes the
/// address; a spent link gets a clear 4xx page, and an address another account took
/// meanwhile a 409 saying so.
#[tokio::test]
async fn confirm_email_page_changes_the_address_on_post_only() {
    for backend in backends() {
        let (smtp, app) = with_smtp(backend).await;
        let bo = signed_up_by_mail(&app, &smtp, "Bo", "bo@example.cn").await;
        let (_, body) = app
            .graphql_as(
                &bo,
                CHANGE_EMAIL,
                json!({ "e": "bo.chen@example.org", "p": PASSWORD }),
            )
            .await;
        assert_eq!(body["data"]["changeEmail"], true, "[{backend}] {body}");
        let message = delivered_to(&smtp, "bo.chen@example.org", "/confirm-email?token=").await;
        assert!(
            message
                .replace("=\r\n", "")
                .contains(&format!("{}/confirm-email?token=", app.address)),
            "[{backend}] the link leads to this server"
        );
        let token = link_token(&message, "/confirm-email");

        let page = get_page(&app, &format!("/confirm-email?token={token}&lang=fr")).await;
        assert_eq!(page.status(), 200);
        assert_page_headers(&page);
        let html = page.text().await.unwrap();
        assert!(html.contains("Confirmer ma nouvelle adresse"), "{html}");
        assert!(
            html.replace("&#x2f;", "/")
                .contains("action=\"/confirm-email\""),
            "{html}"
        );
        let (_, me) = app.graphql_as(&bo, "{ me { email } }", json!({})).await;
        assert_eq!(
            me["data"]["me"]["email"], "bo@example.cn",
            "GET changes nothing"
        );

        let done = post_form(&app, "/confirm-email", &[("token", token.as_str())]).await;
        assert_eq!(done.status(), 200);
        assert_page_headers(&done);
        assert!(
            done.text()
                .await
                .unwrap()
                .contains("Your new address is confirmed")
        );
        login(&app, "bo.chen@example.org", PASSWORD).await;

        let again = post_form(&app, "/confirm-email", &[("token", token.as_str())]).await;
        assert!(again.status().is_client_error(), "{}", again.status());
        let html = again.text().await.unwrap();
        assert!(html.contains("This link is not valid"), "{html}");
        assert!(!html.contains(&token), "the token is not echoed");

        // Two people ask for the same address; the second to confirm is told it is taken.
        let ana = signed_up_by_mail(&app, &smtp, "Ana", "ana@example.pt").await;
        let leo = signed_up_by_mail(&app, &smtp, "Leo", "leo@example.it").await;
        let wanted = json!({ "e": "shared@example.org", "p": PASSWORD });
        app.graphql_as(&ana, CHANGE_EMAIL, wanted.clone()).await;
        let first = delivered_to(&smtp, "shared@example.org", "/confirm-email?token=").await;
        app.graphql_as(&leo, CHANGE_EMAIL, wanted).await;
        let second = loop {
            let latest = delivered_to(&smtp, "shared@example.org", "/confirm-email?token=").await;
            if latest != first {
                break latest;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let confirmed = post_form(
            &app,
            "/confirm-email",
            &[("token", link_token(&first, "/confirm-email").as_str())],
        )
        .await;
        assert_eq!(confirmed.status(), 200);
        let taken = post_form(
            &app,
            "/confirm-email",
            &[("token", link_token(&second, "/confirm-email").as_str())],
        )
        .await;
        assert_eq!(taken.status(), 409, "[{backend}]");
        assert_page_headers(&taken);
        assert!(
            taken
                .text()
                .await
                .unwrap()
                .contains("Another account took this address meanwhile")
        );
        let (_, me) = app.graphql_as(&leo, "{ me { email } }", json!({})).await;
        assert_eq!(me["data"]["me"]["email"], "leo@example.it", "{me}");
        app.finish().await;
    }
}

/// The invitation link shows the group and role, and signs in and accepts in one POST
/// without keeping a session; wrong credentials and another person's account are told on
/// the form. The invitation mail, to an address without an account, has no unsubscribe
/// header.
#[tokio::test]
async fn invitation_page_signs_in_and_accepts() {
    for backend in backends() {
        let (smtp, app) = with_smtp(backend).await;
        let (group, group_id) = app.group(0).await;
        let claire = coordinator_by_mail(&app, &smtp, group, "Claire", "claire@example.fr").await;
        let (status, invited) = app
            .graphql_as(
                &claire,
                "mutation ($g: ID!) { inviteMember(groupId: $g, email: \"tomas@example.es\", role: OBSERVER) { id } }",
                json!({ "g": group_id }),
            )
            .await;
        assert_eq!(status, 200, "{invited}");
        assert!(invited["errors"].is_null(), "[{backend}] {invited}");
        let message = delivered_to(&smtp, "tomas@example.es", "/invitations/accept?token=").await;
        assert!(
            unfolded_header(&message, "List-Unsubscribe").is_none(),
            "[{backend}] no account, nothing to unsubscribe from"
        );
        let token = link_token(&message, "/invitations/accept");

        let page = get_page(&app, &format!("/invitations/accept?token={token}")).await;
        assert_eq!(page.status(), 200);
        assert_page_headers(&page);
        let html = page.text().await.unwrap();
        assert!(html.contains("Role offered: observer"), "{html}");
        assert!(html.contains("Invited by Claire."), "{html}");
        assert!(html.contains("name=\"email\""), "{html}");
        assert!(html.contains("name=\"password\""), "{html}");
        assert!(html.contains("register mutation"), "{html}");
        // With an external frontend, the page links to its registration.
        let fronted = app
            .spawn_beside(|settings| {
                settings.mail.smtp_url = smtp.url();
                settings.accounts.frontend_url = "https://front.example.org/".to_owned();
            })
            .await;
        let html = get_page(&fronted, &format!("/invitations/accept?token={token}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.replace("&#x2f;", "/")
                .contains("href=\"https://front.example.org/register\""),
            "{html}"
        );
        fronted.finish().await;
        let forged = get_page(&app, "/invitations/accept?token=forged-token").await;
        assert_eq!(forged.status(), 404);
        assert!(!forged.text().await.unwrap().contains("forged-token"));

        let tomas = signed_up_by_mail(&app, &smtp, "Tomás", "tomas@example.es").await;
        // A wrong password shows the form again, the refusal in the page's language.
        for (path, refusal) in [
            ("/invitations/accept", "Wrong email address or password."),
            (
                "/invitations/accept?lang=fr",
                "Adresse électronique ou mot de passe erroné.",
            ),
        ] {
            let wrong = post_form(
                &app,
                path,
                &[
                    ("token", token.as_str()),
                    ("email", "tomas@example.es"),
                    ("password", "not the password"),
                ],
            )
            .await;
            assert_eq!(wrong.status(), 401, "[{backend}]");
            let html = wrong.text().await.unwrap();
            assert!(html.contains("class=\"error\""), "{html}");
            assert!(html.contains("name=\"password\""), "the form again: {html}");
            assert!(html.contains(refusal), "{html}");
        }
        let other = post_form(
            &app,
            "/invitations/accept",
            &[
                ("token", token.as_str()),
                ("email", "claire@example.fr"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(other.status(), 403, "[{backend}]");
        assert!(other.text().await.unwrap().contains("another address"));

        let accepted = post_form(
            &app,
            "/invitations/accept",
            &[
                ("token", token.as_str()),
                ("email", "tomas@example.es"),
                ("password", PASSWORD),
            ],
        )
        .await;
        assert_eq!(accepted.status(), 200, "[{backend}]");
        assert!(accepted.headers().get("set-cookie").is_none());
        assert_page_headers(&accepted);
        assert!(accepted.text().await.unwrap().contains("Welcome"));
        let (_, me) = app
            .graphql_as(&tomas, "{ me { memberships { role status } } }", json!({}))
            .await;
        assert_eq!(
            me["data"]["me"]["memberships"],
            json!([{ "role": "OBSERVER", "status": "ACTIVE" }]),
            "[{backend}] {me}"
        );
        let spent = get_page(&app, &format!("/invitations/accept?token={token}")).await;
        assert_eq!(spent.status(), 404, "an accepted invitation is spent");
        app.finish().await;
    }
}

/// The settings page answers without a token (explaining where settings change), and
/// with a mail's unsubscribe token shows and changes every category but security.
#[tokio::test]
async fn notification_settings_page_changes_preferences_with_a_mail_token() {
    for backend in backends() {
        let (smtp, app) = with_smtp(backend).await;
        let plain = get_page(&app, "/settings/notifications?lang=fr").await;
        assert_eq!(plain.status(), 200);
        assert_page_headers(&plain);
        let html = plain.text().await.unwrap();
        assert!(html.contains("updateNotificationPreferences"), "{html}");
        assert!(html.contains("<html lang=\"fr\">"), "{html}");

        let (group, group_id) = app.group(0).await;
        let claire = coordinator_by_mail(&app, &smtp, group, "Claire", "claire@example.fr").await;
        let bo = signed_up_by_mail(&app, &smtp, "Bo", "bo@example.org").await;
        let (status, asked) = app
            .graphql_as(
                &bo,
                "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
                json!({ "g": group_id }),
            )
            .await;
        assert_eq!(status, 200, "{asked}");
        let message = delivered_to(&smtp, "claire@example.fr", "/requests").await;
        let header = unfolded_header(&message, "List-Unsubscribe").unwrap();
        let url = header
            .trim_start_matches('<')
            .trim_end_matches('>')
            .replace(' ', "");
        let token = url.split("token=").nth(1).unwrap().to_owned();
        // The unsubscribe page leads to all the settings.
        let unsubscribe = app.client.get(&url).send().await.unwrap();
        assert!(
            unsubscribe
                .text()
                .await
                .unwrap()
                .replace("&#x2f;", "/")
                .contains(&format!("/settings/notifications?token={token}"))
        );

        let page = get_page(&app, &format!("/settings/notifications?token={token}")).await;
        assert_eq!(page.status(), 200);
        assert_page_headers(&page);
        let html = page.text().await.unwrap();
        for category in ["membership", "meetings", "documents"] {
            assert!(html.contains(&format!("name=\"{category}\"")), "{html}");
        }
        assert!(!html.contains("name=\"security\""), "{html}");

        let saved = post_form(
            &app,
            "/settings/notifications",
            &[
                ("token", token.as_str()),
                ("membership", "daily_digest"),
                ("meetings", "off"),
                ("documents", "immediately"),
            ],
        )
        .await;
        assert_eq!(saved.status(), 200, "[{backend}]");
        assert!(
            saved
                .text()
                .await
                .unwrap()
                .contains("Your settings are saved")
        );
        let (_, preferences) = app
            .graphql_as(
                &claire,
                "{ notificationPreferences { category mode } }",
                json!({}),
            )
            .await;
        let modes = preferences["data"]["notificationPreferences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["category"].as_str().unwrap().to_owned(),
                    entry["mode"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<std::collections::HashMap<_, _>>();
        assert_eq!(modes["MEMBERSHIP"], "DAILY_DIGEST", "{preferences}");
        assert_eq!(modes["MEETINGS"], "OFF", "{preferences}");
        assert_eq!(modes["DOCUMENTS"], "IMMEDIATELY", "{preferences}");

        let security = post_form(
            &app,
            "/settings/notifications",
            &[("token", token.as_str()), ("security", "off")],
        )
        .await;
        assert_eq!(security.status(), 400, "security mails stay on");
        let forged = post_form(
            &app,
            "/settings/notifications",
            &[("token", "forged-token"), ("meetings", "off")],
        )
        .await;
        assert_eq!(forged.status(), 404);
        assert!(!forged.text().await.unwrap().contains("forged-token"));
        let forged_page = get_page(&app, "/settings/notifications?token=forged-token").await;
        assert_eq!(forged_page.status(), 404);
        app.finish().await;
    }
}
