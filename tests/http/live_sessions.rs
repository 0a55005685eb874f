//! Live connections lose what their session loses: a subscription ends when the session
//! ends (signed out, new password, reset, expired), on every instance and even when the
//! bus loses the news; events are shown only as the queries would show them; sockets are
//! limited per client and in all.

use std::time::Duration;

use coalition_tests::accounts::{PASSWORD, coordinator_of, login, member_of, person_id, signed_up};
use coalition_tests::ws::{Received, WsClient};
use coalition_tests::{TestApp, backends, mail};
use serde_json::{Value, json};

const GROUP_ACTIVITY: &str =
    "subscription ($group: ID!) { groupActivity(groupId: $group) { verb actorId } }";
const NEW_PASSWORD: &str = "a brand new passphrase for the coalition";

/// Subscribes `socket` to the group's activity as operation `g`.
async fn follow_group(socket: &mut WsClient, group_id: &str) {
    socket
        .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
}

/// Expects operation `g` to end with `UNAUTHENTICATED` and the socket to close with 4401.
async fn ends_unauthenticated(socket: &mut WsClient, context: &str) {
    let mut refused = false;
    loop {
        match socket.receive().await {
            Received::Message(message) if message["type"] == "error" => {
                assert_eq!(message["id"], "g", "{context}: {message}");
                assert_eq!(
                    message["payload"][0]["extensions"]["code"], "UNAUTHENTICATED",
                    "{context}: {message}"
                );
                refused = true;
            }
            Received::Message(message) => {
                assert_eq!(message["type"], "next", "{context}: {message}");
            }
            Received::Closed(code, reason) => {
                assert!(
                    refused,
                    "{context}: closed {code} {reason} without an error"
                );
                assert_eq!(code, 4401, "{context}: {reason}");
                return;
            }
        }
    }
}

/// The verbs a socket receives for operation `g` until `last` (included).
async fn verbs_until(socket: &mut WsClient, last: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = socket.message().await;
        assert_eq!(message["type"], "next", "{message}");
        let event = message["payload"]["data"]["groupActivity"].clone();
        let done = event["verb"] == last;
        seen.push(event);
        if done {
            return seen;
        }
    }
}

#[tokio::test]
async fn subscriptions_end_when_their_session_ends() {
    for backend in backends() {
        // Checked only through the bus: the periodic check would come too late.
        let app = TestApp::spawn_with(backend, |settings| {
            settings.websocket.session_check_secs = 3600;
        })
        .await;
        let (group, group_id) = app.group(0).await;
        let people = [
            ("Amina Diallo", "amina@example.sn"),
            ("Bo Chen", "bo@example.cn"),
            ("Claire Martin", "claire@example.fr"),
            ("Dara Nguyen", "dara@example.vn"),
        ];
        let mut sockets = Vec::new();
        let mut tokens = Vec::new();
        for (name, email) in people {
            let (_, token) = coordinator_of(&app, group, name, email).await;
            let mut socket = WsClient::initialised(&app, Some(&token)).await;
            follow_group(&mut socket, &group_id).await;
            sockets.push(socket);
            tokens.push(token);
        }
        app.wait_for_subscribers(people.len()).await;

        // Signing out ends the session's subscriptions.
        app.graphql_as(&tokens[0], "mutation { logout }", json!({}))
            .await;
        ends_unauthenticated(&mut sockets[0], &format!("[{backend}] logout")).await;

        // Signing out everywhere, from another session, ends them all.
        let other = login(&app, people[1].1, PASSWORD).await;
        app.graphql_as(&other, "mutation { logoutEverywhere }", json!({}))
            .await;
        ends_unauthenticated(&mut sockets[1], &format!("[{backend}] logoutEverywhere")).await;

        // A new password ends the other sessions.
        let other = login(&app, people[2].1, PASSWORD).await;
        let change = "mutation ($current: String!, $new: String!) { changePassword(currentPassword: $current, newPassword: $new) }";
        let (_, body) = app
            .graphql_as(
                &other,
                change,
                json!({ "current": PASSWORD, "new": NEW_PASSWORD }),
            )
            .await;
        assert_eq!(body["data"]["changePassword"], true, "[{backend}] {body}");
        ends_unauthenticated(&mut sockets[2], &format!("[{backend}] changePassword")).await;

        // A reset ends every session.
        app.graphql(
            "mutation ($email: String!) { requestPasswordReset(email: $email) }",
            json!({ "email": people[3].1 }),
        )
        .await;
        let reset_mail = app.mail_to(people[3].1, "Reset your password").await;
        let body = app
            .graphql(
                "mutation ($token: String!, $password: String!) { resetPassword(token: $token, newPassword: $password) }",
                json!({ "token": mail::token(&reset_mail), "password": NEW_PASSWORD }),
            )
            .await;
        assert_eq!(body["data"]["resetPassword"], true, "[{backend}] {body}");
        ends_unauthenticated(&mut sockets[3], &format!("[{backend}] resetPassword")).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn a_lost_event_or_an_expiry_cannot_keep_access_alive() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| {
            settings.websocket.session_check_secs = 1;
        })
        .await;
        let (group, group_id) = app.group(0).await;
        let (coordinator_id, _) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let membership = app
            .store
            .membership_of(person_id(&member_id), group)
            .await
            .unwrap()
            .expect("a membership");
        let (revoked_id, revoked) = member_of(&app, group, "Bo Chen", "bo@example.cn").await;
        let (_, expiring) = coordinator_of(&app, group, "Dara Nguyen", "dara@example.vn").await;

        let mut member_socket = WsClient::initialised(&app, Some(&member)).await;
        follow_group(&mut member_socket, &group_id).await;
        let mut revoked_socket = WsClient::initialised(&app, Some(&revoked)).await;
        follow_group(&mut revoked_socket, &group_id).await;
        app.wait_for_subscribers(2).await;

        // Changed in the store without a word on the bus, as when Redis drops the event.
        app.store
            .end_membership(person_id(&coordinator_id), membership.id)
            .await
            .unwrap();
        let last = member_socket.message().await;
        assert_eq!(last["type"], "next", "[{backend}] {last}");
        assert_eq!(
            last["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "[{backend}] {last}"
        );
        assert_eq!(
            member_socket.message().await,
            json!({ "id": "g", "type": "complete" })
        );

        app.store
            .revoke_sessions(person_id(&revoked_id))
            .await
            .unwrap();
        ends_unauthenticated(&mut revoked_socket, &format!("[{backend}] lost event")).await;

        // A session that runs out (7 days unused) ends on the test clock, not a sleep.
        let mut expiring_socket = WsClient::initialised(&app, Some(&expiring)).await;
        follow_group(&mut expiring_socket, &group_id).await;
        // Operations start in order: once this query answers, the subscription runs.
        expiring_socket
            .subscribe("q", "{ coalition { slug } }", json!({}))
            .await;
        assert_eq!(expiring_socket.message().await["id"], "q");
        assert_eq!(
            expiring_socket.message().await,
            json!({ "id": "q", "type": "complete" })
        );
        app.clock.advance(chrono::TimeDelta::days(8));
        ends_unauthenticated(&mut expiring_socket, &format!("[{backend}] expiry")).await;
        app.finish().await;
    }
}

#[tokio::test]
async fn a_session_ended_on_one_instance_ends_subscriptions_on_another() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        return; // Two instances share events only through Redis.
    };
    for backend in backends() {
        let prefix = format!("coalition-test-{}:", uuid::Uuid::new_v4().simple());
        let configure = |settings: &mut coalition_server::config::Settings| {
            settings.redis.url = redis_url.clone();
            settings.redis.key_prefix = prefix.clone();
            // Only the bus can tell the other instance in time.
            settings.websocket.session_check_secs = 3600;
        };
        let first = TestApp::spawn_with(backend, configure).await;
        let second = first.spawn_beside(configure).await;
        let (group, group_id) = first.group(0).await;
        let (_, coordinator) =
            coordinator_of(&first, group, "Claire Martin", "claire@example.fr").await;
        let mut on_second = WsClient::initialised(&second, Some(&coordinator)).await;
        follow_group(&mut on_second, &group_id).await;
        second.wait_for_subscribers(1).await;
        first
            .graphql_as(&coordinator, "mutation { logout }", json!({}))
            .await;
        ends_unauthenticated(&mut on_second, &format!("[{backend}] other instance")).await;
        second.finish().await;
        first.finish().await;
        coalition_tests::remove_redis_keys(&redis_url, &prefix).await;
    }
}

#[tokio::test]
async fn group_activity_shows_what_the_queries_show() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (coordinator_id, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, applicant) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let schedule = "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Call\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 60, timeZone: \"Africa/Dakar\" }) { id } }";
        let (_, body) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id }))
            .await;
        let meeting = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let mut member_socket = WsClient::initialised(&app, Some(&member)).await;
        follow_group(&mut member_socket, &group_id).await;
        let mut coordinator_socket = WsClient::initialised(&app, Some(&coordinator)).await;
        follow_group(&mut coordinator_socket, &group_id).await;
        app.wait_for_subscribers(2).await;

        // A request to join, a refusal, an answer to a meeting: the member sees none of
        // them, as `pendingRequests` and `Meeting.rsvps` are for the coordinators.
        let (_, body) = app
            .graphql_as(
                &applicant,
                "mutation ($group: ID!) { requestToJoin(groupId: $group) { id } }",
                json!({ "group": group_id }),
            )
            .await;
        let request = body["data"]["requestToJoin"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.graphql_as(
            &coordinator,
            "mutation ($id: ID!) { rejectMembership(membershipId: $id, reason: \"Later\") { status } }",
            json!({ "id": request }),
        )
        .await;
        app.graphql_as(
            &member,
            "mutation ($m: ID!) { rsvp(meetingId: $m, response: YES) }",
            json!({ "m": meeting }),
        )
        .await;
        app.graphql_as(
            &coordinator,
            "mutation ($m: ID!) { cancelMeeting(id: $m, reason: \"Holiday\") { id } }",
            json!({ "m": meeting }),
        )
        .await;

        let seen = verbs_until(&mut coordinator_socket, "meeting.cancelled").await;
        let verbs: Vec<&str> = seen.iter().filter_map(|e| e["verb"].as_str()).collect();
        assert_eq!(
            verbs,
            [
                "membership.requested",
                "membership.rejected",
                "meeting.rsvp",
                "meeting.cancelled"
            ],
            "[{backend}] the coordinator sees everything"
        );
        let seen = verbs_until(&mut member_socket, "meeting.cancelled").await;
        assert_eq!(
            seen,
            [json!({ "verb": "meeting.cancelled", "actorId": coordinator_id })],
            "[{backend}] the member sees only what the queries show them"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn websocket_connections_are_limited_per_client_and_in_all() {
    let status_of = |refused: Result<WsClient, tokio_tungstenite::tungstenite::Error>| match refused
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("refused otherwise: {error}"),
        Ok(_) => panic!("accepted over the limit"),
    };
    let backend = coalition_tests::Backend::Sqlite;
    let app = TestApp::spawn_with(backend, |settings| {
        settings.websocket.max_connections_per_client = 2;
    })
    .await;
    let first = WsClient::initialised(&app, None).await;
    let _second = WsClient::initialised(&app, None).await;
    let over = WsClient::connect_with(&app, Some("graphql-transport-ws"), &[]).await;
    assert_eq!(status_of(over), 429);
    // A place frees when a connection ends.
    first.close().await;
    let mut reopened = None;
    for _ in 0..100 {
        if let Ok(socket) = WsClient::connect_with(&app, Some("graphql-transport-ws"), &[]).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a closed connection frees its place");
    app.finish().await;

    let app = TestApp::spawn_with(backend, |settings| {
        settings.websocket.max_connections = 1;
    })
    .await;
    let _only = WsClient::initialised(&app, None).await;
    let over = WsClient::connect_with(&app, Some("graphql-transport-ws"), &[]).await;
    assert_eq!(status_of(over), 503);
    app.finish().await;
}
