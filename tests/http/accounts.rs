//! Accounts over HTTP: sign-up → verify → sign-in → me → sign-out, passwords, resets,
//! rate limits, administrators and privacy, on every backend.

use coalition_store::AccountChange;
use coalition_tests::accounts::{
    PASSWORD, login, login_body, person_id, register, registration, signed_up,
};
use coalition_tests::{Backend, TestApp, backends, error_code, mail};
use serde_json::{Value, json};

const ME: &str = "{ me { id displayName email gender country timeZone } }";

#[tokio::test]
async fn sign_up_verify_sign_in_me_sign_out() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "wanjiru.kamau@example.ke";
        let body = register(&app, registration("Wanjiru Kamau", email, "KE", "en")).await;
        assert_eq!(body["data"]["register"], true, "[{backend}] {body}");

        // Not yet verified: the right password is told why it cannot go on.
        let body = login_body(&app, email, PASSWORD).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("confirm your email")
        );

        let mail = app.mail_to(email, "Confirm your email address").await;
        assert!(mail::header(&mail, "To").unwrap().contains("Wanjiru Kamau"));
        let token = mail::token(&mail);
        assert_eq!(token.len(), 43, "256 random bits");
        let verify = "mutation ($token: String!) { verifyEmail(token: $token) { id email } }";
        let body = app.graphql(verify, json!({ "token": token })).await;
        let id = body["data"]["verifyEmail"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        assert_eq!(
            body["data"]["verifyEmail"]["email"],
            Value::Null,
            "anonymous callers never see an email"
        );
        // Single use.
        let body = app.graphql(verify, json!({ "token": token })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("already used")
        );

        let session = login(&app, "Wanjiru.Kamau@Example.KE", PASSWORD).await;
        let (status, body) = app.graphql_as(&session, ME, json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["me"]["id"], id.as_str());
        assert_eq!(
            body["data"]["me"]["email"], email,
            "people see their own email"
        );
        assert_eq!(body["data"]["me"]["gender"], "woman");
        assert_eq!(body["data"]["me"]["timeZone"], "Africa/Nairobi");

        let body = app.graphql(ME, json!({})).await;
        assert_eq!(body["data"]["me"], Value::Null, "anonymous: no one");

        let (_, body) = app
            .graphql_as(&session, "mutation { logout }", json!({}))
            .await;
        assert_eq!(body["data"]["logout"], true);
        let (status, body) = app.graphql_as(&session, ME, json!({})).await;
        assert_eq!(status, 401, "[{backend}] a revoked session is refused");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
        app.finish().await;
    }
}

#[tokio::test]
async fn registration_refuses_bad_input_with_the_field_at_fault() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let good = registration("Claire Martin", "claire.martin@example.fr", "FR", "fr");
        let cases = [
            ("email", json!("claire.martin@"), "BAD_USER_INPUT"),
            ("password", json!("short"), "BAD_USER_INPUT"),
            ("password", json!("iloveyou123"), "BAD_USER_INPUT"),
            ("password", json!("Password1"), "BAD_USER_INPUT"),
            ("country", json!("XX"), "BAD_USER_INPUT"),
            ("preferredLanguage", json!("klingon"), "BAD_USER_INPUT"),
            ("timeZone", json!("Europe/Atlantis"), "BAD_USER_INPUT"),
            ("displayName", json!("   "), "BAD_USER_INPUT"),
        ];
        for (field, value, code) in cases {
            let mut input = good.clone();
            input[field] = value.clone();
            let body = register(&app, input).await;
            assert_eq!(
                error_code(&body),
                code,
                "[{backend}] {field} = {value}: {body}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
        let mut input = good.clone();
        input["stakeholderType"] = json!("ROYALTY");
        assert_eq!(error_code(&register(&app, input).await), "BAD_USER_INPUT");
        let queued = app.store.outbox_messages(None, 10).await.unwrap();
        assert!(queued.is_empty(), "nothing queued for refused sign-ups");

        let body = register(&app, good.clone()).await;
        assert!(body["errors"].is_null(), "{body}");
        let fresh = body.clone();
        let mut twin = good.clone();
        twin["email"] = json!("CLAIRE.MARTIN@example.fr");
        let body = register(&app, twin).await;
        assert_eq!(
            body, fresh,
            "[{backend}] an address with an account is answered as a new one"
        );
        let queued = app.store.outbox_messages(None, 10).await.unwrap();
        assert_eq!(queued.len(), 2, "the verification, then the notice");
        app.finish().await;
    }
}

/// Sign-up does not tell who has an account: an address that has one gets the answer a new
/// one gets, and its owner a notice with a link to reset the password, which works.
#[tokio::test]
async fn signing_up_with_a_taken_address_answers_as_usual_and_tells_the_owner() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "amina.diallo@example.sn";
        let (_, session) = signed_up(&app, "Amina Diallo", email).await;

        let newcomer = register(&app, registration("Bo Chen", "bo@example.cn", "CN", "en")).await;
        let taken = register(
            &app,
            registration("Someone Else", "Amina.Diallo@EXAMPLE.sn", "FR", "fr"),
        )
        .await;
        assert_eq!(taken, newcomer, "[{backend}] the same answer either way");
        assert_eq!(taken["data"]["register"], true);

        let notice = app
            .mail_to(email, "Someone tried to sign up with your address")
            .await;
        let token = mail::token(&notice);
        let reset = "mutation ($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }";
        let body = app
            .graphql(
                reset,
                json!({ "token": token, "password": "a brand new passphrase" }),
            )
            .await;
        assert_eq!(body["data"]["resetPassword"], true, "[{backend}] {body}");
        let (status, _) = app.graphql_as(&session, ME, json!({})).await;
        assert_eq!(status, 401, "[{backend}] the reset ended the old session");
        // Nothing of the would-be newcomer was kept.
        login(&app, email, "a brand new passphrase").await;
        app.finish().await;
    }
}

/// Addresses are compared in one defined normal form (NFKC, lower case, ASCII domain), and
/// lookalikes of an address are refused rather than folded into it.
#[tokio::test]
async fn lookalike_addresses_are_refused_and_unicode_domains_are_one_address() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        signed_up(&app, "Kim Nguyen", "kim@example.org").await;
        for lookalike in ["\u{212A}im@example.org", "k\u{0456}m@example.org"] {
            let body = register(&app, registration("Mallory", lookalike, "FR", "en")).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], "email");
        }
        // The owner of an internationalised domain signs in with either spelling of it.
        signed_up(&app, "José Silva", "jose@xn--universit-j4a.fr").await;
        login(&app, "JOSE@Université.fr", PASSWORD).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_get_the_same_answer() {
    let app = TestApp::spawn(backends()[0]).await;
    signed_up(&app, "Amina Diallo", "amina@example.sn").await;
    let wrong_password = login_body(&app, "amina@example.sn", "not the password at all").await;
    let unknown = login_body(&app, "nobody@example.org", "not the password at all").await;
    let malformed = login_body(&app, "not an address", "not the password at all").await;
    for body in [&wrong_password, &unknown, &malformed] {
        assert_eq!(error_code(body), "UNAUTHENTICATED", "{body}");
        assert_eq!(
            body["errors"][0]["message"],
            wrong_password["errors"][0]["message"]
        );
        assert_eq!(body["data"]["login"], Value::Null);
    }
    app.finish().await;
}

#[tokio::test]
async fn reset_sets_a_new_password_and_ends_every_session() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "layla.haddad@example.jo";
        let (_, first) = signed_up(&app, "Layla Haddad", email).await;
        let second = login(&app, email, PASSWORD).await;

        let request = "mutation ($email: String!) { requestPasswordReset(email: $email) }";
        let known = app.graphql(request, json!({ "email": email })).await;
        let unknown = app
            .graphql(request, json!({ "email": "ghost@example.org" }))
            .await;
        assert_eq!(known, unknown, "the same answer either way");
        assert_eq!(known["data"]["requestPasswordReset"], true);

        let mail = app.mail_to(email, "Reset your password").await;
        let token = mail::token(&mail);
        let reset = "mutation ($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }";
        let weak = app
            .graphql(reset, json!({ "token": token, "password": "12345678" }))
            .await;
        assert_eq!(error_code(&weak), "BAD_USER_INPUT");
        assert_eq!(weak["errors"][0]["extensions"]["field"], "newPassword");

        let new_password = "a brand new passphrase";
        let body = app
            .graphql(reset, json!({ "token": token, "password": new_password }))
            .await;
        assert_eq!(body["data"]["resetPassword"], true, "[{backend}] {body}");
        for session in [&first, &second] {
            let (status, _) = app.graphql_as(session, ME, json!({})).await;
            assert_eq!(status, 401, "[{backend}] every session ended");
        }
        let again = app
            .graphql(
                reset,
                json!({ "token": token, "password": "yet another passphrase" }),
            )
            .await;
        assert_eq!(
            error_code(&again),
            "BAD_USER_INPUT",
            "reset links work once"
        );
        assert_eq!(
            error_code(&login_body(&app, email, PASSWORD).await),
            "UNAUTHENTICATED"
        );
        login(&app, email, new_password).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "lucia@example.mx";
        let (_, this) = signed_up(&app, "Lucía Fernández", email).await;
        let other = login(&app, email, PASSWORD).await;
        let change = "mutation ($current: String!, $new: String!) { changePassword(currentPassword: $current, newPassword: $new) }";

        let (_, body) = app
            .graphql_as(
                &this,
                change,
                json!({ "current": "not my password", "new": "recursos educativos abiertos" }),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["field"], "currentPassword");

        let (_, body) = app
            .graphql_as(
                &this,
                change,
                json!({ "current": PASSWORD, "new": "recursos educativos abiertos" }),
            )
            .await;
        assert_eq!(body["data"]["changePassword"], true, "[{backend}] {body}");
        assert_eq!(app.graphql_as(&this, ME, json!({})).await.0, 200);
        assert_eq!(app.graphql_as(&other, ME, json!({})).await.0, 401);

        let body = app
            .graphql(change, json!({ "current": "x", "new": "y" }))
            .await;
        assert_eq!(
            error_code(&body),
            "UNAUTHENTICATED",
            "anonymous callers cannot"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn logout_everywhere_ends_all_sessions() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let email = "joao@example.br";
        let (_, first) = signed_up(&app, "João Pereira", email).await;
        let second = login(&app, email, PASSWORD).await;
        let (_, body) = app
            .graphql_as(&second, "mutation { logoutEverywhere }", json!({}))
            .await;
        assert_eq!(body["data"]["logoutEverywhere"], 2, "[{backend}] {body}");
        for token in [&first, &second] {
            assert_eq!(app.graphql_as(token, ME, json!({})).await.0, 401);
        }
        let (status, body) = app.graphql_as("made-up-token", ME, json!({})).await;
        assert_eq!((status, error_code(&body)), (401, "UNAUTHENTICATED"));
        app.finish().await;
    }
}

#[tokio::test]
async fn administrators_disable_and_enable_accounts() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (admin_id, admin) = signed_up(&app, "Secretariat", "secretariat@example.org").await;
        app.store
            .change_account(None, person_id(&admin_id), AccountChange::GrantAdmin)
            .await
            .unwrap();
        let (member_id, member) = signed_up(&app, "Mele Tupou", "mele@example.to").await;
        let disable = "mutation ($id: ID!) { disableAccount(personId: $id) { id email } }";
        let enable = "mutation ($id: ID!) { enableAccount(personId: $id) { id } }";

        let body = app.graphql(disable, json!({ "id": admin_id })).await;
        assert_eq!(
            error_code(&body),
            "UNAUTHENTICATED",
            "[{backend}] anonymous"
        );
        let (_, body) = app
            .graphql_as(&member, disable, json!({ "id": admin_id }))
            .await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "[{backend}] a member is not an administrator"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("administrator")
        );

        let (_, body) = app
            .graphql_as(&admin, disable, json!({ "id": member_id }))
            .await;
        assert_eq!(
            body["data"]["disableAccount"]["email"], "mele@example.to",
            "{body}"
        );
        assert_eq!(
            app.graphql_as(&member, ME, json!({})).await.0,
            401,
            "its sessions ended"
        );
        let body = login_body(&app, "mele@example.to", PASSWORD).await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("disabled")
        );

        let (_, body) = app
            .graphql_as(&admin, disable, json!({ "id": admin_id }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "not one's own account");

        let (_, body) = app
            .graphql_as(&admin, enable, json!({ "id": member_id }))
            .await;
        assert_eq!(body["data"]["enableAccount"]["id"], member_id.as_str());
        login(&app, "mele@example.to", PASSWORD).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn emails_and_genders_are_private() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (admin_id, admin) = signed_up(&app, "Secretariat", "secretariat@example.org").await;
        app.store
            .change_account(None, person_id(&admin_id), AccountChange::GrantAdmin)
            .await
            .unwrap();
        let (claire_id, _) = signed_up(&app, "Claire Martin", "claire@example.fr").await;
        // On a group's public roster, so that anyone may see her profile.
        let (group, _) = app.group(0).await;
        app.store
            .insert_membership(
                group,
                person_id(&claire_id),
                coalition_domain::membership::MembershipRole::Member,
                coalition_domain::membership::MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (_, other) = signed_up(&app, "Ahmet Yılmaz", "ahmet@example.tr").await;
        let query =
            "query ($id: ID!) { node(id: $id) { ... on Person { displayName email gender } } }";
        let variables = json!({ "id": claire_id });

        let body = app.graphql(query, variables.clone()).await;
        assert_eq!(
            body["data"]["node"]["displayName"], "Claire Martin",
            "[{backend}] public profile"
        );
        assert_eq!(body["data"]["node"]["email"], Value::Null);
        let (_, body) = app.graphql_as(&other, query, variables.clone()).await;
        assert_eq!(body["data"]["node"]["email"], Value::Null, "another member");
        assert_eq!(body["data"]["node"]["gender"], Value::Null);
        let (_, body) = app.graphql_as(&admin, query, variables).await;
        assert_eq!(
            body["data"]["node"]["email"], "claire@example.fr",
            "an administrator"
        );
        assert_eq!(body["data"]["node"]["gender"], "woman");
        app.finish().await;
    }
}

#[tokio::test]
async fn attempts_are_limited_per_account_and_per_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.rate_limits.login_per_account.max = 3;
        settings.rate_limits.registration_per_address.max = 2;
    })
    .await;
    for _ in 0..3 {
        let body = login_body(&app, "target@example.org", "guess guess guess").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let body = login_body(&app, "Target@Example.org", "guess guess guess").await;
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    let retry_after = body["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    // Another account still has its allowance.
    assert_eq!(
        error_code(&login_body(&app, "other@example.org", "guess guess guess").await),
        "UNAUTHENTICATED"
    );

    for n in 0..2 {
        let body = register(
            &app,
            registration("Someone", &format!("someone{n}@example.org"), "KE", "en"),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = register(
        &app,
        registration("Someone", "someone9@example.org", "KE", "en"),
    )
    .await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    app.finish().await;
}

#[tokio::test]
async fn instances_sharing_redis_share_the_allowance() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        return; // Without TEST_REDIS_URL the in-process limiter is covered above.
    };
    let prefix = format!("coalition-test-{}:", uuid::Uuid::new_v4().simple());
    let configure = |settings: &mut coalition_server::config::Settings| {
        settings.redis.url = redis_url.clone();
        settings.redis.key_prefix = prefix.clone();
        settings.rate_limits.login_per_account.max = 3;
    };
    let first = TestApp::spawn_with(Backend::Sqlite, configure).await;
    let second = TestApp::spawn_with(Backend::Sqlite, configure).await;
    for app in [&first, &second, &first] {
        let body = login_body(app, "shared@example.org", "guess guess guess").await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
    let body = login_body(&second, "shared@example.org", "guess guess guess").await;
    assert_eq!(
        error_code(&body),
        "RATE_LIMITED",
        "counted across instances: {body}"
    );

    let ready: Value = first
        .client
        .get(first.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["redis"], "ok");
    first.finish().await;
    second.finish().await;
    // Leave nothing behind in the shared Redis.
    coalition_tests::remove_redis_keys(&redis_url, &prefix).await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.server.trust_forwarded_for = true;
        settings.rate_limits.registration_per_address.max = 1;
    })
    .await;
    async fn from(app: &TestApp, client: &str, n: u32) -> Value {
        let query = "mutation ($input: RegisterInput!) { register(input: $input) }";
        let email = format!("someone{n}@example.org");
        let variables = json!({ "input": registration("Someone", &email, "KE", "en") });
        app.graphql_with(query, variables, &[("x-forwarded-for", client)])
            .await
    }
    assert!(from(&app, "203.0.113.7", 1).await["errors"].is_null());
    assert_eq!(
        error_code(&from(&app, "203.0.113.7", 2).await),
        "RATE_LIMITED"
    );
    // The proxy appends the address it saw: the last entry is the one to trust.
    assert!(from(&app, "198.51.100.1, 203.0.113.8", 3).await["errors"].is_null());
    assert_eq!(
        error_code(&from(&app, "203.0.113.9, 203.0.113.8", 4).await),
        "RATE_LIMITED"
    );
    app.finish().await;
}
