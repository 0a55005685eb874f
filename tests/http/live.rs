//! Live updates over WebSocket: the graphql-transport-ws rules, subscriptions with
//! authorization at subscribe time and per event, two instances through Redis, and a Redis
//! outage.

use std::time::Duration;

use coalition_tests::accounts::{coordinator_of, member_of, person_id, signed_up};
use coalition_tests::redis_server::OwnRedis;
use coalition_tests::ws::{Received, WsClient};
use coalition_tests::{Backend, TestApp, backends};
use serde_json::{Value, json};

const GROUP_ACTIVITY: &str = "subscription ($group: ID!) { groupActivity(groupId: $group) { id verb workingGroupId subjectId membership { personId role status } } }";
const MY_NOTIFICATIONS: &str = "subscription { myNotifications { verb membership { status } } }";
const REQUEST: &str = "mutation ($group: ID!) { requestToJoin(groupId: $group) { id status } }";
const APPROVE: &str = "mutation ($id: ID!) { approveMembership(membershipId: $id) { status } }";
const REMOVE: &str = "mutation ($id: ID!) { removeMember(membershipId: $id) { status } }";

/// The payload of the next `next` message for `id`.
async fn next_for(client: &mut WsClient, id: &str) -> Value {
    loop {
        let message = client.message().await;
        if message["id"] == id && message["type"] == "next" {
            return message["payload"].clone();
        }
        assert_ne!(message["type"], "error", "{message}");
    }
}

#[tokio::test]
async fn follows_the_graphql_transport_ws_rules() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.websocket.init_timeout_secs = 1;
        settings.websocket.ping_interval_secs = 1;
        settings.websocket.max_subscriptions = 2;
    })
    .await;
    let (_, group_id) = app.group(0).await;

    // No connection_init in time: 4408.
    let mut client = WsClient::connect(&app).await;
    assert_eq!(client.closed().await.0, 4408);

    // Subscribing before the ack: 4401.
    let mut client = WsClient::connect(&app).await;
    client
        .subscribe("1", "{ coalition { slug } }", json!({}))
        .await;
    assert_eq!(client.closed().await.0, 4401);

    // A second connection_init: 4429.
    let mut client = WsClient::initialised(&app, None).await;
    client.send(json!({ "type": "connection_init" })).await;
    assert_eq!(client.closed().await.0, 4429);

    // Messages that are not the protocol's: 4400.
    for bad in [
        "not json",
        "[]",
        r#"{"type": "launch"}"#,
        r#"{"id": "1"}"#,
        r#"{"type": "subscribe", "id": 1, "payload": {}}"#,
    ] {
        let mut client = WsClient::initialised(&app, None).await;
        client.send_text(bad).await;
        assert_eq!(client.closed().await.0, 4400, "{bad}");
    }

    // Ping is answered with pong; the server pings too.
    let mut client = WsClient::initialised(&app, None).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(client.message().await["type"], "pong");
    let mut saw_ping = false;
    for _ in 0..5 {
        if client
            .raw_within(Duration::from_secs(3))
            .await
            .is_some_and(|m| m["type"] == "ping")
        {
            saw_ping = true;
            break;
        }
    }
    assert!(saw_ping, "the server sends pings");

    // A query runs once: next, then complete.
    client
        .subscribe("q", "{ coalition { slug } }", json!({}))
        .await;
    let next = client.message().await;
    assert_eq!(
        (next["id"].as_str(), next["type"].as_str()),
        (Some("q"), Some("next"))
    );
    assert_eq!(
        next["payload"]["data"]["coalition"]["slug"],
        "oer-dynamic-coalition"
    );
    assert_eq!(
        client.message().await,
        json!({ "id": "q", "type": "complete" })
    );

    // A document that does not validate: error, no complete.
    client
        .subscribe("bad", "subscription { nonsense }", json!({}))
        .await;
    let error = client.message().await;
    assert_eq!(
        (error["id"].as_str(), error["type"].as_str()),
        (Some("bad"), Some("error"))
    );
    assert!(error["payload"].is_array(), "{error}");

    // Anonymous callers may not follow a group: the operation errors.
    client
        .subscribe("anon", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
    let message = client.message().await;
    let errors = if message["type"] == "error" {
        &message["payload"]
    } else {
        &message["payload"]["errors"]
    };
    assert_eq!(
        errors[0]["extensions"]["code"], "UNAUTHENTICATED",
        "{message}"
    );
    client.close().await;

    // A duplicate id of a running subscription: 4409. Past the limit: an error.
    let (_, coordinator) = {
        let (group, _) = app.group(0).await;
        coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await
    };
    let mut client = WsClient::initialised(&app, Some(&coordinator)).await;
    client
        .subscribe("a", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
    client
        .subscribe("b", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
    client
        .subscribe("c", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
    let over = client.message().await;
    assert_eq!(
        (over["id"].as_str(), over["type"].as_str()),
        (Some("c"), Some("error")),
        "{over}"
    );
    client
        .subscribe("a", GROUP_ACTIVITY, json!({ "group": group_id }))
        .await;
    assert_eq!(client.closed().await.0, 4409);

    // A bad token in connection_init: 4403.
    let mut client = WsClient::connect(&app).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": "Bearer nope" } }))
        .await;
    assert_eq!(client.closed().await.0, 4403);

    // No subprotocol the server speaks: 4406.
    let mut client = WsClient::connect_with(&app, None, &[]).await.unwrap();
    assert_eq!(client.closed().await.0, 4406);

    // A browser page from another origin cannot open a socket.
    let refused = WsClient::connect_with(
        &app,
        Some("graphql-transport-ws"),
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert!(refused.is_err(), "cross-origin upgrade refused");
    let host = app.address.trim_start_matches("http://").to_owned();
    let same = WsClient::connect_with(
        &app,
        Some("graphql-transport-ws"),
        &[("Origin", &format!("http://{host}"))],
    )
    .await;
    assert!(same.is_ok(), "same-origin upgrade accepted");
    app.finish().await;
}

#[tokio::test]
async fn speaks_the_legacy_graphql_ws_protocol() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut client = WsClient::connect_with(&app, Some("graphql-ws"), &[])
        .await
        .unwrap();
    client
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    assert_eq!(client.message().await["type"], "connection_ack");
    client
        .send(
            json!({ "id": "1", "type": "start", "payload": { "query": "{ coalition { slug } }" } }),
        )
        .await;
    let data = client.message().await;
    assert_eq!(data["type"], "data");
    assert_eq!(
        data["payload"]["data"]["coalition"]["slug"],
        "oer-dynamic-coalition"
    );
    assert_eq!(
        client.message().await,
        json!({ "id": "1", "type": "complete" })
    );
    client.send(json!({ "type": "connection_terminate" })).await;
    assert!(matches!(client.receive().await, Received::Closed(..)));
    app.finish().await;
}

#[tokio::test]
async fn group_members_see_its_activity_until_they_leave() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let (_, outsider) = signed_up(&app, "Bo Chen", "bo@example.cn").await;

        let mut outsider_socket = WsClient::initialised(&app, Some(&outsider)).await;
        outsider_socket
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        let refused = outsider_socket.message().await;
        let errors = if refused["type"] == "error" {
            &refused["payload"]
        } else {
            &refused["payload"]["errors"]
        };
        assert_eq!(
            errors[0]["extensions"]["code"], "FORBIDDEN",
            "[{backend}] {refused}"
        );

        let mut watching = WsClient::initialised(&app, Some(&coordinator)).await;
        watching
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        let mut notified = WsClient::initialised(&app, Some(&member)).await;
        notified.subscribe("n", MY_NOTIFICATIONS, json!({})).await;
        // Both subscriptions listen before the first change.
        app.wait_for_subscribers(2).await;

        let (_, body) = app
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        let membership_id = body["data"]["requestToJoin"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let event = next_for(&mut watching, "g").await;
        let event = &event["data"]["groupActivity"];
        assert_eq!(event["verb"], "membership.requested", "[{backend}] {event}");
        assert_eq!(event["workingGroupId"], group_id.as_str());
        assert_eq!(event["subjectId"], membership_id.as_str());
        assert_eq!(event["membership"]["personId"], member_id.as_str());
        assert_eq!(event["membership"]["status"], "PENDING");

        app.graphql_as(&coordinator, APPROVE, json!({ "id": membership_id }))
            .await;
        let approved = next_for(&mut watching, "g").await;
        assert_eq!(
            approved["data"]["groupActivity"]["verb"],
            "membership.approved"
        );
        let mine = next_for(&mut notified, "n").await;
        assert_eq!(
            mine["data"]["myNotifications"]["verb"], "membership.requested",
            "[{backend}]"
        );
        let mine = next_for(&mut notified, "n").await;
        assert_eq!(
            mine["data"]["myNotifications"]["verb"],
            "membership.approved"
        );
        assert_eq!(
            mine["data"]["myNotifications"]["membership"]["status"],
            "ACTIVE"
        );

        // The member follows the group now, until removed.
        let mut member_socket = WsClient::initialised(&app, Some(&member)).await;
        member_socket
            .subscribe("m", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        app.wait_for_subscribers(3).await;
        app.graphql_as(&coordinator, REMOVE, json!({ "id": membership_id }))
            .await;
        let last = member_socket.message().await;
        assert_eq!(last["type"], "next", "[{backend}] {last}");
        assert_eq!(
            last["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{last}"
        );
        assert_eq!(
            member_socket.message().await,
            json!({ "id": "m", "type": "complete" })
        );
        let removed = next_for(&mut watching, "g").await;
        assert_eq!(
            removed["data"]["groupActivity"]["verb"],
            "membership.removed"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn two_instances_share_events_through_redis() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        return; // In-process delivery is covered above; this needs a Redis.
    };
    for backend in backends() {
        let prefix = format!("coalition-test-{}:", uuid::Uuid::new_v4().simple());
        let configure = |settings: &mut coalition_server::config::Settings| {
            settings.redis.url = redis_url.clone();
            settings.redis.key_prefix = prefix.clone();
        };
        let first = TestApp::spawn_with(backend, configure).await;
        let second = first.spawn_beside(configure).await;
        let (group, group_id) = first.group(0).await;
        let (_, coordinator) =
            coordinator_of(&first, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&first, "Amina Diallo", "amina@example.sn").await;

        let mut on_second = WsClient::initialised(&second, Some(&coordinator)).await;
        on_second
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        second.wait_for_subscribers(1).await;
        first
            .graphql_as(&member, REQUEST, json!({ "group": group_id }))
            .await;
        let event = next_for(&mut on_second, "g").await;
        assert_eq!(
            event["data"]["groupActivity"]["verb"], "membership.requested",
            "[{backend}]"
        );
        second.finish().await;
        first.finish().await;
        coalition_tests::remove_redis_keys(&redis_url, &prefix).await;
    }
}

async fn readiness(app: &TestApp) -> Value {
    app.client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn survives_a_redis_outage_and_resumes_delivery() {
    if std::env::var("TEST_REDIS_URL").is_err() {
        return; // Needs redis-server, as a machine with TEST_REDIS_URL has.
    }
    for backend in backends() {
        let redis = OwnRedis::start(None);
        let url = format!("redis://127.0.0.1:{}", redis.port);
        let app = TestApp::spawn_with(backend, |settings| settings.redis.url = url.clone()).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, first) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let (_, second) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let mut socket = WsClient::initialised(&app, Some(&coordinator)).await;
        socket
            .subscribe("g", GROUP_ACTIVITY, json!({ "group": group_id }))
            .await;
        app.wait_for_subscribers(1).await;
        assert_eq!(readiness(&app).await["status"], "ready");

        let port = redis.stop();
        // Changes still commit while Redis is away; their live events are dropped.
        let (status, body) = app
            .graphql_as(&first, REQUEST, json!({ "group": group_id }))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body["data"]["requestToJoin"]["status"], "PENDING",
            "[{backend}] {body}"
        );
        let mut degraded = false;
        for _ in 0..50 {
            let ready = readiness(&app).await;
            if ready["status"] == "degraded" {
                degraded = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(degraded, "[{backend}] /readyz reports the outage");

        let _redis = OwnRedis::start(Some(port));
        let mut resumed = false;
        for _ in 0..100 {
            if readiness(&app).await["status"] == "ready" {
                resumed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(resumed, "[{backend}] the bus reconnects");
        app.graphql_as(&second, REQUEST, json!({ "group": group_id }))
            .await;
        let event = next_for(&mut socket, "g").await;
        let event = &event["data"]["groupActivity"];
        assert_eq!(
            event["verb"], "membership.requested",
            "[{backend}] the same socket, no reconnect"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn meeting_subscribers_see_changes_and_answers() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        app.store
            .insert_membership(
                group,
                person_id(&member_id),
                coalition_domain::membership::MembershipRole::Member,
                coalition_domain::membership::MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (_, outsider) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
        let schedule = "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Call\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 60, timeZone: \"Africa/Dakar\" }) { id } }";
        let (_, body) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id }))
            .await;
        let meeting = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let subscription = "subscription ($m: ID!) { meetingUpdated(meetingId: $m) { sequence status rsvpCounts { yes } } }";

        let mut refused = WsClient::initialised(&app, Some(&outsider)).await;
        refused
            .subscribe("m", subscription, json!({ "m": meeting }))
            .await;
        let message = refused.message().await;
        let errors = if message["type"] == "error" {
            &message["payload"]
        } else {
            &message["payload"]["errors"]
        };
        assert_eq!(
            errors[0]["extensions"]["code"], "NOT_FOUND",
            "[{backend}] {message}"
        );

        let mut socket = WsClient::initialised(&app, Some(&member)).await;
        socket
            .subscribe("m", subscription, json!({ "m": meeting }))
            .await;
        app.wait_for_subscribers(1).await;
        app.graphql_as(
            &member,
            "mutation ($m: ID!) { rsvp(meetingId: $m, response: YES) }",
            json!({ "m": meeting }),
        )
        .await;
        let answered = next_for(&mut socket, "m").await;
        assert_eq!(
            answered["data"]["meetingUpdated"]["rsvpCounts"]["yes"], 1,
            "[{backend}] {answered}"
        );
        app.graphql_as(
            &coordinator,
            "mutation ($m: ID!) { cancelMeeting(id: $m, reason: \"Holiday\") { id } }",
            json!({ "m": meeting }),
        )
        .await;
        let cancelled = next_for(&mut socket, "m").await;
        assert_eq!(
            cancelled["data"]["meetingUpdated"]["status"], "CANCELLED",
            "[{backend}]"
        );
        assert_eq!(cancelled["data"]["meetingUpdated"]["sequence"], 1);
        app.finish().await;
    }
}

#[tokio::test]
async fn close_reasons_that_quote_the_client_fit_in_a_close_frame() {
    // A close frame carries at most 123 bytes of reason; a longer one breaks the frame and
    // the client sees a failed connection instead of the close code.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;

    let mut client = WsClient::initialised(&app, None).await;
    client.send(json!({ "type": "x".repeat(300) })).await;
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4400, "{reason}");
    assert!(reason.starts_with("Invalid message"), "{reason}");

    // Cut between characters, never inside one.
    let id = "é".repeat(100);
    let mut client = WsClient::initialised(&app, Some(&member)).await;
    client.subscribe(&id, MY_NOTIFICATIONS, json!({})).await;
    client.subscribe(&id, MY_NOTIFICATIONS, json!({})).await;
    let (code, reason) = client.closed().await;
    assert_eq!(code, 4409, "{reason}");
    assert!(
        reason.len() <= 123 && reason.starts_with("Subscriber for éé"),
        "{reason}"
    );
    app.finish().await;
}

/// A subscription runs once per class of viewer: the connections of one person share each
/// result, another person gets their own (`myRsvp` answers for the viewer).
#[tokio::test]
async fn one_result_per_class_of_viewer() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, amina) = member_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, bo) = member_of(&app, group, "Bo Chen", "bo@example.cn").await;
        let schedule = "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Call\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 60, timeZone: \"Africa/Dakar\" }) { id } }";
        let (_, body) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id }))
            .await;
        let meeting = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let subscription = "subscription ($m: ID!) { meetingUpdated(meetingId: $m) { sequence myRsvp rsvpCounts { yes } } }";

        // Amina on two connections, Bo on one.
        let mut tab = WsClient::initialised(&app, Some(&amina)).await;
        tab.subscribe("tab", subscription, json!({ "m": meeting }))
            .await;
        let mut phone = WsClient::initialised(&app, Some(&amina)).await;
        phone
            .subscribe("phone", subscription, json!({ "m": meeting }))
            .await;
        let mut other = WsClient::initialised(&app, Some(&bo)).await;
        other
            .subscribe("bo", subscription, json!({ "m": meeting }))
            .await;
        app.wait_for_subscribers(3).await;

        let answer = "mutation ($m: ID!, $r: RsvpResponse!) { rsvp(meetingId: $m, response: $r) }";
        app.graphql_as(&amina, answer, json!({ "m": meeting, "r": "YES" }))
            .await;
        let on_tab = next_for(&mut tab, "tab").await;
        let on_phone = next_for(&mut phone, "phone").await;
        let for_bo = next_for(&mut other, "bo").await;
        assert_eq!(on_tab, on_phone, "[{backend}]");
        assert_eq!(
            on_tab["data"]["meetingUpdated"]["myRsvp"], "YES",
            "[{backend}] {on_tab}"
        );
        assert_eq!(
            for_bo["data"]["meetingUpdated"]["myRsvp"],
            Value::Null,
            "[{backend}] {for_bo}"
        );
        assert_eq!(
            for_bo["data"]["meetingUpdated"]["rsvpCounts"]["yes"], 1,
            "[{backend}] {for_bo}"
        );

        // One connection leaving keeps the other's subscription.
        tab.close().await;
        app.graphql_as(&bo, answer, json!({ "m": meeting, "r": "YES" }))
            .await;
        let on_phone = next_for(&mut phone, "phone").await;
        let for_bo = next_for(&mut other, "bo").await;
        assert_eq!(
            on_phone["data"]["meetingUpdated"]["rsvpCounts"]["yes"], 2,
            "[{backend}] {on_phone}"
        );
        assert_eq!(on_phone["data"]["meetingUpdated"]["myRsvp"], "YES");
        assert_eq!(for_bo["data"]["meetingUpdated"]["myRsvp"], "YES");
        app.finish().await;
    }
}
