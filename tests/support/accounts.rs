//! Signing people up through the API, as a frontend would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::people::PersonId;
use coalition_store::AccountChange;
use serde_json::{Value, json};

use crate::TestApp;
use crate::mail;

/// A password that meets the rules.
pub const PASSWORD: &str = "open educational resources";

const REGISTER: &str = r#"
mutation Register($input: RegisterInput!) {
  register(input: $input)
}"#;

/// The registration input of an expert, with the default password.
pub fn registration(name: &str, email: &str, country: &str, language: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "displayName": name,
        "organisation": format!("{name}'s organisation"),
        "country": country,
        "stakeholderType": "CIVIL_SOCIETY",
        "preferredLanguage": language,
        "gender": "woman",
        "timeZone": "Africa/Nairobi",
    })
}

/// Registers; returns the response body.
pub async fn register(app: &TestApp, input: Value) -> Value {
    app.graphql(REGISTER, json!({ "input": input })).await
}

/// Registers, follows the mailed link and signs in; returns the person's id and token.
pub async fn signed_up(app: &TestApp, name: &str, email: &str) -> (String, String) {
    let body = register(app, registration(name, email, "KE", "en")).await;
    assert_eq!(
        body["data"]["register"], true,
        "[{}] registered: {body}",
        app.backend
    );
    let mail = app.mail_to(email, "Confirm").await;
    let verified = app
        .graphql(
            "mutation ($token: String!) { verifyEmail(token: $token) { id } }",
            json!({ "token": mail::token(&mail) }),
        )
        .await;
    let id = verified["data"]["verifyEmail"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("[{}] verified: {verified}", app.backend))
        .to_owned();
    let body = login_body(app, email, PASSWORD).await;
    assert_eq!(body["data"]["login"]["person"]["id"], id.as_str(), "{body}");
    let token = body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("[{}] signed in: {body}", app.backend))
        .to_owned();
    (id, token)
}

/// Signs in; returns the bearer token.
pub async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let body = login_body(app, email, password).await;
    body["data"]["login"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("[{}] signed in: {body}", app.backend))
        .to_owned()
}

/// Signs in; returns the whole response body.
pub async fn login_body(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(
        "mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token expiresAt person { id } } }",
        json!({ "email": email, "password": password }),
    )
    .await
}

/// The database id inside a global ID: a test-only peek, to set up roles through the store.
pub fn person_id(global_id: &str) -> PersonId {
    let bytes = URL_SAFE_NO_PAD.decode(global_id).expect("a global id");
    let text = String::from_utf8(bytes).expect("UTF-8");
    PersonId(
        text.rsplit(':')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("Kind:id"),
    )
}

/// Signs up a person and makes them an active coordinator of `group`.
pub async fn coordinator_of(
    app: &TestApp,
    group: WorkingGroupId,
    name: &str,
    email: &str,
) -> (String, String) {
    with_role(app, group, MembershipRole::Coordinator, name, email).await
}

/// Signs up a person and makes them an active member of `group`.
pub async fn member_of(
    app: &TestApp,
    group: WorkingGroupId,
    name: &str,
    email: &str,
) -> (String, String) {
    with_role(app, group, MembershipRole::Member, name, email).await
}

async fn with_role(
    app: &TestApp,
    group: WorkingGroupId,
    role: MembershipRole,
    name: &str,
    email: &str,
) -> (String, String) {
    let (id, token) = signed_up(app, name, email).await;
    app.store
        .insert_membership(group, person_id(&id), role, MembershipStatus::Active)
        .await
        .expect("role given");
    // Roles are read at every request, so the session already carries the new one.
    (id, token)
}

/// Signs up a person and makes them a coalition administrator.
pub async fn administrator(app: &TestApp, name: &str, email: &str) -> (String, String) {
    let (id, token) = signed_up(app, name, email).await;
    app.store
        .change_account(None, person_id(&id), AccountChange::GrantAdmin)
        .await
        .expect("administrator appointed");
    (id, token)
}

/// Registers an account and leaves it unverified (it cannot sign in), an active member of
/// `group`; returns its person id.
pub async fn unverified_member(
    app: &TestApp,
    group: WorkingGroupId,
    name: &str,
    email: &str,
) -> PersonId {
    let body = register(app, registration(name, email, "KE", "en")).await;
    assert_eq!(body["data"]["register"], true, "{body}");
    let address = coalition_domain::people::Email::parse(email).expect("an address");
    let (person, _) = app
        .store
        .account_by_email(&address)
        .await
        .expect("the account loads")
        .expect("the account exists");
    app.store
        .insert_membership(
            group,
            person.id,
            MembershipRole::Member,
            MembershipStatus::Active,
        )
        .await
        .expect("member enrolled");
    person.id
}
