//! Private stays private, on every backend: who may see a person, who a plenary is for,
//! who answers meetings, and invitations that lapse with their issuer's authority.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_store::AccountChange;
use coalition_tests::accounts::{
    administrator, coordinator_of, person_id, signed_up, unverified_member,
};
use coalition_tests::{TestApp, backends, error_code, mail};
use serde_json::{Value, json};

const NODE_PERSON: &str = "query ($id: ID!) { node(id: $id) { ... on Person { displayName } } }";
const SCHEDULE: &str = "mutation ($group: ID, $input: MeetingInput!) { scheduleMeeting(groupId: $group, input: $input) { id } }";
const MEETING: &str = "query ($id: ID!) { meeting(id: $id) { title } }";
const RSVP: &str = "mutation ($id: ID!) { rsvp(meetingId: $id, response: YES) }";
const ACCEPT: &str =
    "mutation ($token: String!) { acceptInvitation(token: $token) { role status } }";
const INVITE: &str = "mutation ($group: ID!, $email: String!, $role: MembershipRole!) { inviteMember(groupId: $group, email: $email, role: $role) { id } }";

fn person_global_id(id: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("Person:{id}"))
}

/// Asks `node` for a person as `viewer` (`None`: anonymous); returns the body.
async fn node_person(app: &TestApp, viewer: Option<&str>, id: &str) -> Value {
    let variables = json!({ "id": id });
    match viewer {
        Some(token) => app.graphql_as(token, NODE_PERSON, variables).await.1,
        None => app.graphql(NODE_PERSON, variables).await,
    }
}

/// The answer without what differs per request, to compare a hidden person with a
/// nonexistent one.
fn errors_only(body: &Value) -> Value {
    let mut errors = body["errors"].clone();
    for error in errors.as_array_mut().into_iter().flatten() {
        if let Some(error) = error.as_object_mut() {
            error.remove("locations");
            if let Some(extensions) = error.get_mut("extensions").and_then(Value::as_object_mut) {
                extensions.remove("requestId");
            }
        }
    }
    json!({ "data": body["data"], "errors": errors })
}

#[tokio::test]
async fn people_are_seen_only_through_a_membership_the_viewer_may_see() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        app.store
            .insert_membership(
                group,
                person_id(&member_id),
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (loner_id, loner) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (requester_id, requester) = signed_up(&app, "João Pereira", "joao@example.br").await;
        let (_, body) = app
            .graphql_as(
                &requester,
                "mutation ($g: ID!) { requestToJoin(groupId: $g) { status } }",
                json!({ "g": group_id }),
            )
            .await;
        assert_eq!(body["data"]["requestToJoin"]["status"], "PENDING", "{body}");
        // An active member whose account was disabled, and one never verified.
        let (disabled_id, _) = signed_up(&app, "Layla Haddad", "layla@example.jo").await;
        app.store
            .insert_membership(
                group,
                person_id(&disabled_id),
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        app.store
            .change_account(None, person_id(&disabled_id), AccountChange::Disable)
            .await
            .unwrap();
        let unverified =
            unverified_member(&app, group, "Wanjiru Kamau", "wanjiru@example.ke").await;
        let unverified_id = person_global_id(unverified.0);

        let nowhere = person_global_id(999_999);
        let viewers = [
            ("anonymous", None),
            ("loner", Some(loner.as_str())),
            ("member", Some(member.as_str())),
            ("coordinator", Some(coordinator.as_str())),
            ("administrator", Some(admin.as_str())),
        ];
        // Whom each viewer sees: (subject, [anonymous, loner, member, coordinator, admin]).
        let table = [
            ("active member", &member_id, [true, true, true, true, true]),
            (
                "person in no group",
                &loner_id,
                [false, true, false, false, true],
            ),
            (
                "pending requester",
                &requester_id,
                [false, false, false, true, true],
            ),
            (
                "disabled account",
                &disabled_id,
                [false, false, false, false, true],
            ),
            (
                "unverified account",
                &unverified_id,
                [false, false, false, false, true],
            ),
        ];
        for (subject, id, row) in table {
            for ((viewer, token), visible) in viewers.iter().zip(row) {
                let body = node_person(&app, *token, id).await;
                if visible {
                    assert!(
                        body["data"]["node"]["displayName"].is_string(),
                        "[{backend}] {viewer} sees the {subject}: {body}"
                    );
                } else {
                    assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
                    let unknown = node_person(&app, *token, &nowhere).await;
                    assert_eq!(
                        errors_only(&body),
                        errors_only(&unknown),
                        "[{backend}] {viewer} gets the same answer for the {subject} as for no one"
                    );
                }
            }
        }
        app.finish().await;
    }
}

/// A meeting 2027-02-02 at 10:00 in Paris, with `visibility`.
fn meeting_input(title: &str, visibility: &str) -> Value {
    json!({
        "title": title,
        "startsAt": "2027-02-02T09:00:00Z",
        "durationMinutes": 60,
        "timeZone": "Europe/Paris",
        "onlineUrl": "https://meet.example.org/plenary",
        "visibility": visibility,
    })
}

#[tokio::test]
async fn plenaries_for_the_group_are_for_the_coalitions_members_and_observers_do_not_answer() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (other_group, _) = app.group(1).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, admin) = administrator(&app, "Secretariat", "secretariat@example.org").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let (observer_id, observer) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (_, outsider) = signed_up(&app, "João Pereira", "joao@example.br").await;
        for (id, role, in_group) in [
            (&member_id, MembershipRole::Member, group),
            (&observer_id, MembershipRole::Observer, other_group),
        ] {
            app.store
                .insert_membership(in_group, person_id(id), role, MembershipStatus::Active)
                .await
                .unwrap();
        }
        let (_, body) = app
            .graphql_as(
                &admin,
                SCHEDULE,
                json!({ "input": meeting_input("Members' plenary", "GROUP") }),
            )
            .await;
        let members_plenary = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        let (_, body) = app
            .graphql_as(
                &admin,
                SCHEDULE,
                json!({ "input": meeting_input("Open plenary", "COALITION") }),
            )
            .await;
        let open_plenary = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();

        // An account in no group: the members' plenary does not exist for it, and it does
        // not answer the coalition-wide one.
        let (_, body) = app
            .graphql_as(&outsider, MEETING, json!({ "id": members_plenary }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&outsider, RSVP, json!({ "id": members_plenary }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&outsider, MEETING, json!({ "id": open_plenary }))
            .await;
        assert_eq!(body["data"]["meeting"]["title"], "Open plenary", "{body}");
        let (_, body) = app
            .graphql_as(&outsider, RSVP, json!({ "id": open_plenary }))
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(
                &outsider,
                "{ me { upcomingMeetings(days: 90) { meeting { title } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["me"]["upcomingMeetings"],
            json!([{ "meeting": { "title": "Open plenary" } }]),
            "[{backend}] {body}"
        );

        // Nor is it in the account's private calendar.
        let (_, body) = app
            .graphql_as(&outsider, "mutation { createCalendarFeed }", json!({}))
            .await;
        let url = body["data"]["createCalendarFeed"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        let path = &url[url.find("/calendar/").unwrap()..];
        let feed = app
            .client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(feed.contains("Open plenary"), "[{backend}] {feed}");
        assert!(!feed.contains("Members' plenary"), "[{backend}] {feed}");

        // Members of any group, observers included, see and answer plenaries.
        for (who, token) in [("member", &member), ("observer", &observer)] {
            for plenary in [&members_plenary, &open_plenary] {
                let (_, body) = app.graphql_as(token, RSVP, json!({ "id": plenary })).await;
                assert_eq!(body["data"]["rsvp"], "YES", "[{backend}] {who}: {body}");
            }
        }

        // A group meeting: its members answer, its observers read only.
        app.store
            .insert_membership(
                group,
                person_id(&observer_id),
                MembershipRole::Observer,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (_, body) = app
            .graphql_as(
                &coordinator,
                SCHEDULE,
                json!({ "group": group_id, "input": meeting_input("Group call", "GROUP") }),
            )
            .await;
        let call = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        let (_, body) = app
            .graphql_as(&observer, MEETING, json!({ "id": call }))
            .await;
        assert_eq!(body["data"]["meeting"]["title"], "Group call", "{body}");
        let (_, body) = app.graphql_as(&observer, RSVP, json!({ "id": call })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}] {body}");
        let (_, body) = app.graphql_as(&member, RSVP, json!({ "id": call })).await;
        assert_eq!(body["data"]["rsvp"], "YES", "[{backend}] {body}");
        app.finish().await;
    }
}

/// Invites `email` to the group as `inviter`; returns the mailed token.
async fn invite(app: &TestApp, inviter: &str, group: &str, email: &str, role: &str) -> String {
    let (_, body) = app
        .graphql_as(
            inviter,
            INVITE,
            json!({ "group": group, "email": email, "role": role }),
        )
        .await;
    assert!(body["errors"].is_null(), "[{}] {body}", app.backend);
    mail::token(&app.mail_to(email, "Invitation").await)
}

/// The membership id of `token`'s person in the first group they belong to.
async fn own_membership(app: &TestApp, token: &str) -> String {
    let (_, body) = app
        .graphql_as(token, "{ me { memberships { id } } }", json!({}))
        .await;
    body["data"]["me"]["memberships"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("[{}] {body}", app.backend))
        .to_owned()
}

#[tokio::test]
async fn invitations_lapse_when_their_issuer_stops_coordinating() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, first) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, second) = coordinator_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let first_membership = own_membership(&app, &first).await;

        // Demoted: the coordinator role they offered is no longer theirs to give.
        let demoted = invite(&app, &first, &group_id, "bo@example.cn", "COORDINATOR").await;
        let change = "mutation ($id: ID!, $role: MembershipRole!) { changeMemberRole(membershipId: $id, role: $role) { role } }";
        let (_, body) = app
            .graphql_as(
                &second,
                change,
                json!({ "id": first_membership, "role": "MEMBER" }),
            )
            .await;
        assert_eq!(body["data"]["changeMemberRole"]["role"], "MEMBER", "{body}");
        let (_, bo) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let (_, body) = app
            .graphql_as(&bo, ACCEPT, json!({ "token": demoted }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no longer coordinates"),
            "{body}"
        );
        let (_, body) = app
            .graphql_as(&bo, "{ me { memberships { id } } }", json!({}))
            .await;
        assert_eq!(
            body["data"]["me"]["memberships"],
            json!([]),
            "nothing granted"
        );

        // Removed: even a member's invitation lapses.
        let (_, body) = app
            .graphql_as(
                &second,
                change,
                json!({ "id": first_membership, "role": "COORDINATOR" }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let removed = invite(&app, &first, &group_id, "joao@example.br", "MEMBER").await;
        let (_, body) = app
            .graphql_as(
                &second,
                "mutation ($id: ID!) { removeMember(membershipId: $id) { status } }",
                json!({ "id": first_membership }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let (_, joao) = signed_up(&app, "João Pereira", "joao@example.br").await;
        let (_, body) = app
            .graphql_as(&joao, ACCEPT, json!({ "token": removed }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "[{backend}] {body}");

        // A coordinator still in office: the invitation works.
        let kept = invite(&app, &second, &group_id, "ana@example.org", "COORDINATOR").await;
        let (_, ana) = signed_up(&app, "Ana Silva", "ana@example.org").await;
        let (_, body) = app.graphql_as(&ana, ACCEPT, json!({ "token": kept })).await;
        assert_eq!(
            body["data"]["acceptInvitation"],
            json!({ "role": "COORDINATOR", "status": "ACTIVE" }),
            "[{backend}] {body}"
        );
        app.finish().await;
    }
}
