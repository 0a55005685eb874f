//! Members managing themselves, on every backend: their profile, their sign-in address,
//! whether rosters show them, a copy of their data, deleting the account, and what is
//! theirs across groups.

use coalition_domain::notifications::OutboxStatus;
use coalition_tests::accounts::{
    PASSWORD, administrator, coordinator_of, login_body, member_of, person_id, register,
    registration, signed_up,
};
use coalition_tests::{TestApp, backends, error_code, mail};
use serde_json::{Value, json};

const UPDATE: &str = "mutation ($i: UpdateProfileInput!) { updateProfile(input: $i) { displayName organisation country stakeholderType gender preferredLanguage timeZone workingHours { startHour endHour } listedPublicly } }";
const ME: &str = "{ me { id displayName email } }";
const ROSTER: &str = "query ($g: ID!) { workingGroup(id: $g) { members(first: 50) { totalCount edges { node { person { displayName } } } } } }";
const NODE_PERSON: &str =
    "query ($id: ID!) { node(id: $id) { ... on Person { displayName email } } }";
const EXPORT: &str = "{ exportMyData }";
const DELETE: &str = "mutation ($p: String!) { deleteAccount(currentPassword: $p) }";
const DIGEST: &str = "mutation { updateNotificationPreferences(preferences: [{ category: MEMBERSHIP, mode: DAILY_DIGEST }]) { mode } }";
const REQUEST_TO_JOIN: &str = "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }";
const CHANGE_EMAIL: &str =
    "mutation ($e: String!, $p: String!) { changeEmail(newEmail: $e, currentPassword: $p) }";
const CONFIRM_EMAIL: &str =
    "mutation ($t: String!) { confirmEmailChange(token: $t) { email displayName } }";

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

fn roster_names(body: &Value) -> (Vec<String>, u64) {
    let members = &body["data"]["workingGroup"]["members"];
    let names = members["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a roster: {body}"))
        .iter()
        .map(|edge| {
            edge["node"]["person"]["displayName"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    (names, members["totalCount"].as_u64().unwrap())
}

#[tokio::test]
async fn people_update_their_own_profile_and_bad_values_name_their_field() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, token) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let input = json!({
            "displayName": " Amina D. ",
            "organisation": "Université Cheikh Anta Diop",
            "country": "FR",
            "stakeholderType": "INTERGOVERNMENTAL_ORGANISATION",
            "gender": null,
            "preferredLanguage": "fr",
            "timeZone": "Europe/Paris",
            "workingHours": { "startHour": 7, "endHour": 15 },
            "listedPublicly": false,
        });
        let (_, body) = app.graphql_as(&token, UPDATE, json!({ "i": input })).await;
        let person = &body["data"]["updateProfile"];
        assert_eq!(person["displayName"], "Amina D.", "[{backend}] {body}");
        assert_eq!(person["organisation"], "Université Cheikh Anta Diop");
        assert_eq!(person["country"], "FR");
        assert_eq!(person["stakeholderType"], "INTERGOVERNMENTAL_ORGANISATION");
        assert_eq!(person["gender"], Value::Null, "cleared: {body}");
        assert_eq!(person["preferredLanguage"], "fr");
        assert_eq!(person["timeZone"], "Europe/Paris");
        assert_eq!(
            person["workingHours"],
            json!({ "startHour": 7, "endHour": 15 })
        );
        assert_eq!(person["listedPublicly"], false);
        // Left out: unchanged. Null working hours: cleared.
        let (_, body) = app
            .graphql_as(&token, UPDATE, json!({ "i": { "workingHours": null } }))
            .await;
        assert_eq!(
            body["data"]["updateProfile"]["timeZone"], "Europe/Paris",
            "{body}"
        );
        assert_eq!(body["data"]["updateProfile"]["workingHours"], Value::Null);

        for (input, expected) in [
            (json!({ "timeZone": "Mars/Olympus" }), "timeZone"),
            (
                json!({ "workingHours": { "startHour": 10, "endHour": 9 } }),
                "workingHours",
            ),
            (
                json!({ "workingHours": { "startHour": 8, "endHour": 25 } }),
                "workingHours",
            ),
            (json!({ "displayName": "  " }), "displayName"),
            (json!({ "country": "XX" }), "country"),
            (json!({ "preferredLanguage": "tlh" }), "preferredLanguage"),
            (json!({ "gender": "x".repeat(65) }), "gender"),
        ] {
            let (_, body) = app.graphql_as(&token, UPDATE, json!({ "i": input })).await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
            assert_eq!(field(&body), expected, "[{backend}] {body}");
        }
        let body = app
            .graphql(UPDATE, json!({ "i": { "displayName": "Nobody" } }))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn anonymous_visitors_see_only_listed_members_and_fellow_members_see_all() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (other_group, _) = app.group(1).await;
        let (private_id, private) =
            member_of(&app, group, "Zara Private", "zara@example.org").await;
        let (_, fellow) = member_of(&app, group, "Farid Fellow", "farid@example.org").await;
        let (_, stranger) = member_of(&app, other_group, "Sami Stranger", "sami@example.org").await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, body) = app
            .graphql_as(
                &private,
                UPDATE,
                json!({ "i": { "listedPublicly": false } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateProfile"]["listedPublicly"], false,
            "{body}"
        );
        let vars = json!({ "g": group_id });

        let (names, total) = roster_names(&app.graphql(ROSTER, vars.clone()).await);
        assert_eq!(names, ["Farid Fellow"], "[{backend}] anonymous");
        assert_eq!(total, 1, "[{backend}] the count matches what is shown");
        let (names, total) = roster_names(&app.graphql_as(&stranger, ROSTER, vars.clone()).await.1);
        assert_eq!(
            (names.len(), total),
            (1, 1),
            "[{backend}] another group's member"
        );
        for (who, token) in [
            ("fellow", &fellow),
            ("themselves", &private),
            ("admin", &admin),
        ] {
            let (names, total) = roster_names(&app.graphql_as(token, ROSTER, vars.clone()).await.1);
            assert!(
                names.contains(&"Zara Private".to_owned()),
                "[{backend}] {who}: {names:?}"
            );
            assert_eq!(total, 2, "[{backend}] {who}");
        }

        // The person alone, by ID: hidden like an unknown ID from outside the group.
        let vars = json!({ "id": private_id });
        let body = app.graphql(NODE_PERSON, vars.clone()).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let (_, body) = app.graphql_as(&stranger, NODE_PERSON, vars.clone()).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let (_, body) = app.graphql_as(&fellow, NODE_PERSON, vars).await;
        assert_eq!(
            body["data"]["node"]["displayName"], "Zara Private",
            "{body}"
        );

        // Listed again: public again.
        app.graphql_as(&private, UPDATE, json!({ "i": { "listedPublicly": true } }))
            .await;
        let (_, total) = roster_names(&app.graphql(ROSTER, json!({ "g": group_id })).await);
        assert_eq!(total, 2, "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_new_address_signs_in_once_confirmed_and_ends_other_sessions() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, token) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let second = login_body(&app, "bo@example.cn", PASSWORD).await["data"]["login"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let change = |email: &str, password: &str| json!({ "e": email, "p": password });

        let (_, body) = app
            .graphql_as(
                &token,
                CHANGE_EMAIL,
                change("bo.chen@example.org", "wrong password"),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        assert_eq!(field(&body), "currentPassword");
        let (_, body) = app
            .graphql_as(&token, CHANGE_EMAIL, change("not an address", PASSWORD))
            .await;
        assert_eq!(field(&body), "newEmail", "[{backend}] {body}");
        let body = app
            .graphql(CHANGE_EMAIL, change("bo.chen@example.org", PASSWORD))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");

        let (_, body) = app
            .graphql_as(
                &token,
                CHANGE_EMAIL,
                change("bo.chen@example.org", PASSWORD),
            )
            .await;
        assert_eq!(body["data"]["changeEmail"], true, "[{backend}] {body}");
        let sent = app.mail_to("bo.chen@example.org", "Confirm").await;
        assert!(
            mail::body(&sent).contains("/confirm-email?token="),
            "{sent}"
        );
        let notice = app.mail_to("bo@example.cn", "change of address").await;
        assert!(
            mail::body(&notice).contains("bo.chen@example.org"),
            "{notice}"
        );
        assert!(
            mail::header(&notice, "List-Unsubscribe").is_none(),
            "a security mail: {notice}"
        );
        // Nothing changed yet.
        let (_, body) = app.graphql_as(&second, ME, json!({})).await;
        assert_eq!(body["data"]["me"]["email"], "bo@example.cn", "{body}");

        let (_, body) = app
            .graphql_as(&token, CONFIRM_EMAIL, json!({ "t": mail::token(&sent) }))
            .await;
        assert_eq!(
            body["data"]["confirmEmailChange"]["email"], "bo.chen@example.org",
            "[{backend}] {body}"
        );
        // The confirming session stays; the other one ended.
        let (_, body) = app.graphql_as(&token, ME, json!({})).await;
        assert_eq!(body["data"]["me"]["email"], "bo.chen@example.org", "{body}");
        let (_, body) = app.graphql_as(&second, ME, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}] {body}");
        let old = login_body(&app, "bo@example.cn", PASSWORD).await;
        assert_eq!(error_code(&old), "UNAUTHENTICATED", "{old}");
        let new = login_body(&app, "bo.chen@example.org", PASSWORD).await;
        assert!(new["data"]["login"]["token"].is_string(), "{new}");
        // A link works once.
        let (_, body) = app
            .graphql_as(&token, CONFIRM_EMAIL, json!({ "t": mail::token(&sent) }))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn an_address_taken_meanwhile_is_a_conflict() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (_, ana) = signed_up(&app, "Ana Silva", "ana@example.pt").await;
        let (_, leo) = signed_up(&app, "Leo Rossi", "leo@example.it").await;
        let wanted = json!({ "e": "shared@example.org", "p": PASSWORD });
        app.graphql_as(&ana, CHANGE_EMAIL, wanted.clone()).await;
        let ana_mail = app.mail_to("shared@example.org", "Confirm").await;
        app.graphql_as(&leo, CHANGE_EMAIL, wanted).await;
        let leo_mail = loop {
            let latest = app.mail_to("shared@example.org", "Confirm").await;
            if latest != ana_mail {
                break latest;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let (_, body) = app
            .graphql_as(&leo, CONFIRM_EMAIL, json!({ "t": mail::token(&leo_mail) }))
            .await;
        assert_eq!(
            body["data"]["confirmEmailChange"]["email"], "shared@example.org",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(&ana, CONFIRM_EMAIL, json!({ "t": mail::token(&ana_mail) }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        let (_, body) = app.graphql_as(&ana, ME, json!({})).await;
        assert_eq!(body["data"]["me"]["email"], "ana@example.pt", "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn verification_links_are_sent_again_without_telling_who_has_an_account() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let body = register(
            &app,
            registration("Kofi Mensah", "kofi@example.gh", "GH", "en"),
        )
        .await;
        assert_eq!(body["data"]["register"], true, "{body}");
        let first = app.mail_to("kofi@example.gh", "Confirm").await;
        let resend = "mutation ($e: String) { resendVerification(email: $e) }";
        for address in ["kofi@example.gh", "nobody@example.org"] {
            let body = app.graphql(resend, json!({ "e": address })).await;
            assert_eq!(
                body["data"]["resendVerification"], true,
                "[{backend}] {body}"
            );
        }
        let body = app.graphql(resend, json!({ "e": "not an address" })).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        let again = loop {
            let latest = app.mail_to("kofi@example.gh", "Confirm").await;
            if mail::token(&latest) != mail::token(&first) {
                break latest;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let body = app
            .graphql(
                "mutation ($t: String!) { verifyEmail(token: $t) { displayName } }",
                json!({ "t": mail::token(&again) }),
            )
            .await;
        assert_eq!(
            body["data"]["verifyEmail"]["displayName"], "Kofi Mensah",
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn the_export_holds_the_persons_data_and_no_secrets_or_other_peoples() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, token) = signed_up(&app, "João Pereira", "joao@example.br").await;
        let (_, body) = app
            .graphql_as(
                &token,
                "mutation ($g: ID!) { requestToJoin(groupId: $g, motivation: \"I teach with OER\") { status } }",
                json!({ "g": group_id }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");

        let (_, body) = app.graphql_as(&token, EXPORT, json!({})).await;
        let export = &body["data"]["exportMyData"];
        assert_eq!(
            export["profile"]["email"], "joao@example.br",
            "[{backend}] {body}"
        );
        assert_eq!(export["profile"]["displayName"], "João Pereira");
        assert_eq!(
            export["memberships"][0]["motivation"], "I teach with OER",
            "{body}"
        );
        assert!(!export["sessions"].as_array().unwrap().is_empty(), "{body}");
        assert!(!export["mails"].as_array().unwrap().is_empty(), "{body}");
        let text = export.to_string();
        for secret in [
            "argon2",
            "tokenHash",
            "token_hash",
            "passwordHash",
            "claire@example.fr",
        ] {
            assert!(!text.contains(secret), "[{backend}] {secret} in {text}");
        }
        // The coordinator's export holds none of João's data.
        let (_, body) = app.graphql_as(&coordinator, EXPORT, json!({})).await;
        assert!(
            !body["data"]["exportMyData"]
                .to_string()
                .contains("joao@example.br"),
            "{body}"
        );
        let body = app.graphql(EXPORT, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        app.finish().await;
    }
}

#[tokio::test]
async fn deleting_an_account_waits_for_another_coordinator_then_anonymises_it() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (claire_id, claire) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (_, body) = app
            .graphql_as(&claire, DELETE, json!({ "p": "wrong password" }))
            .await;
        assert_eq!(field(&body), "currentPassword", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&claire, DELETE, json!({ "p": PASSWORD }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("last coordinator"),
            "{body}"
        );
        let body = app.graphql(DELETE, json!({ "p": PASSWORD })).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");

        // A join request waits for Claire's daily digest when she leaves.
        let (_, body) = app.graphql_as(&claire, DIGEST, json!({})).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let (_, applicant) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (_, body) = app
            .graphql_as(&applicant, REQUEST_TO_JOIN, json!({ "g": group_id }))
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let held = app
            .store
            .outbox_messages(Some(OutboxStatus::Digest), 50)
            .await
            .unwrap();
        assert!(
            held.iter().any(|message| message.to == "claire@example.fr"),
            "[{backend}] {held:?}"
        );

        coordinator_of(&app, group, "Second Coordinator", "second@example.org").await;
        let (_, body) = app
            .graphql_as(&claire, DELETE, json!({ "p": PASSWORD }))
            .await;
        assert_eq!(body["data"]["deleteAccount"], true, "[{backend}] {body}");
        // Signed out, cannot sign in again, gone from the public roster.
        let (_, body) = app.graphql_as(&claire, ME, json!({})).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        let body = login_body(&app, "claire@example.fr", PASSWORD).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        let (names, _) = roster_names(&app.graphql(ROSTER, json!({ "g": group_id })).await);
        assert_eq!(names, ["Second Coordinator"], "[{backend}]");
        // History keeps the person, anonymised.
        let (_, body) = app
            .graphql_as(&admin, NODE_PERSON, json!({ "id": claire_id }))
            .await;
        assert_eq!(
            body["data"]["node"]["displayName"], "Former member",
            "[{backend}] {body}"
        );
        let email = body["data"]["node"]["email"].as_str().unwrap();
        assert!(
            email.ends_with(".invalid") && !email.contains("claire"),
            "{body}"
        );
        // Mail waiting for her is withdrawn, and the outbox keeps nothing of her.
        let outbox = app.store.outbox_messages(None, 200).await.unwrap();
        let hers: Vec<_> = outbox
            .iter()
            .filter(|message| message.person == Some(person_id(&claire_id)))
            .collect();
        assert!(!hers.is_empty(), "[{backend}] {outbox:?}");
        for message in &hers {
            assert!(
                !matches!(message.status, OutboxStatus::Pending | OutboxStatus::Digest),
                "[{backend}] {message:?}"
            );
            assert!(message.mail.is_err(), "[{backend}] {message:?}");
            assert_eq!(message.to_name, "Former member", "[{backend}]");
        }
        assert!(
            outbox
                .iter()
                .all(|message| message.to != "claire@example.fr"
                    && !message.to_name.contains("Claire")),
            "[{backend}] {outbox:?}"
        );
        let membership = app
            .store
            .memberships_of(person_id(&claire_id))
            .await
            .unwrap();
        assert!(
            membership
                .iter()
                .all(|m| m.status == coalition_domain::membership::MembershipStatus::Ended),
            "[{backend}] {membership:?}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn my_action_items_and_invitations_are_listed_across_groups() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, invitee) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($g: ID, $i: MeetingInput!) { scheduleMeeting(groupId: $g, input: $i) { id } }",
                json!({ "g": group_id, "i": {
                    "title": "Planning",
                    "startsAt": "2027-02-02T09:00:00Z",
                    "durationMinutes": 60,
                    "timeZone": "Europe/Paris",
                    "onlineUrl": "https://meet.example.org/planning",
                } }),
            )
            .await;
        let meeting = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        for title in ["Share the draft", "Collect comments"] {
            let (_, body) = app
                .graphql_as(
                    &coordinator,
                    "mutation ($m: ID!, $o: ID!, $t: String!) { addActionItem(meetingId: $m, title: $t, ownerId: $o) { id } }",
                    json!({ "m": meeting, "o": member_id, "t": title }),
                )
                .await;
            assert!(body["errors"].is_null(), "[{backend}] {body}");
        }
        let items = "query ($after: String) { me { actionItems(status: OPEN, first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { title status } } } } }";
        let (_, body) = app.graphql_as(&member, items, json!({})).await;
        let page = &body["data"]["me"]["actionItems"];
        assert_eq!(page["totalCount"], 2, "[{backend}] {body}");
        assert_eq!(page["edges"][0]["node"]["title"], "Share the draft");
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        let (_, body) = app
            .graphql_as(
                &member,
                items,
                json!({ "after": page["pageInfo"]["endCursor"] }),
            )
            .await;
        assert_eq!(
            body["data"]["me"]["actionItems"]["edges"][0]["node"]["title"], "Collect comments",
            "{body}"
        );
        // Someone else's items are theirs alone.
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "query ($p: ID!) { node(id: $p) { ... on Person { actionItems { totalCount } invitations { id } } } }",
                json!({ "p": member_id }),
            )
            .await;
        assert_eq!(body["data"]["node"]["actionItems"], Value::Null, "{body}");
        assert_eq!(body["data"]["node"]["invitations"], Value::Null, "{body}");

        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($g: ID!, $e: String!) { inviteMember(groupId: $g, email: $e, role: MEMBER) { id } }",
                json!({ "g": group_id, "e": "bo@example.cn" }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let mine = "{ me { invitations { role status workingGroup { id } } } }";
        let (_, body) = app.graphql_as(&invitee, mine, json!({})).await;
        let invitations = &body["data"]["me"]["invitations"];
        assert_eq!(
            invitations.as_array().map(Vec::len),
            Some(1),
            "[{backend}] {body}"
        );
        assert_eq!(invitations[0]["role"], "MEMBER");
        assert_eq!(invitations[0]["status"], "PENDING");
        assert_eq!(invitations[0]["workingGroup"]["id"], group_id.as_str());
        let (_, body) = app.graphql_as(&member, mine, json!({})).await;
        assert_eq!(body["data"]["me"]["invitations"], json!([]), "{body}");
        app.finish().await;
    }
}
