//! The notification inbox, on every backend: what a member was told while away, read
//! newest first a page at a time, counted while unread and marked read by them alone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coalition_tests::accounts::{coordinator_of, member_of};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const SCHEDULE: &str = "mutation ($g: ID!, $t: String!, $at: DateTime!) { scheduleMeeting(groupId: $g, input: { title: $t, startsAt: $at, durationMinutes: 60, timeZone: \"Europe/Paris\", onlineUrl: \"https://meet.example.org/inbox\", visibility: GROUP }) { id } }";
const INBOX: &str = "query ($first: Int, $after: String, $unread: Boolean! = false) { me { notifications(first: $first, after: $after, unreadOnly: $unread) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id createdAt readAt read category event { verb subjectId actorId workingGroupId } } } } unreadNotificationCount } }";
const MARK: &str = "mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }";
const MARK_ALL: &str = "mutation { markAllNotificationsRead }";

async fn schedule(app: &TestApp, token: &str, group: &str, title: &str, day: u32) -> String {
    let at = format!("2027-03-{day:02}T09:00:00Z");
    let (_, body) = app
        .graphql_as(token, SCHEDULE, json!({ "g": group, "t": title, "at": at }))
        .await;
    body["data"]["scheduleMeeting"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a meeting: {body}"))
        .to_owned()
}

async fn inbox(app: &TestApp, token: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, INBOX, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["me"].clone()
}

fn nodes(me: &Value) -> Vec<Value> {
    me["notifications"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {me}"))
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

fn about_meeting(me: &Value, verb: &str) -> Vec<Value> {
    nodes(me)
        .into_iter()
        .filter(|node| node["event"]["verb"] == verb)
        .collect()
}

#[tokio::test]
async fn a_member_catches_up_on_a_meeting_scheduled_while_away_and_marks_it_read() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group_id, group) = app.group(0).await;
        let (coordinator_id, coordinator) =
            coordinator_of(&app, group_id, "Chidi Okafor", "chidi@example.ng").await;
        let (_, member) = member_of(&app, group_id, "Lena Berg", "lena@example.se").await;
        let (other_group, _) = app.group(1).await;
        let (_, outsider) = member_of(&app, other_group, "Omar Haddad", "omar@example.jo").await;

        // Nobody subscribed: the member was away when the meeting was scheduled.
        let meeting = schedule(&app, &coordinator, &group, "Planning", 2).await;

        let me = inbox(&app, &member, json!({ "unread": true })).await;
        let told = about_meeting(&me, "meeting.scheduled");
        assert_eq!(told.len(), 1, "[{backend}] {me}");
        let notification = &told[0];
        assert_eq!(notification["event"]["subjectId"], meeting, "{me}");
        assert_eq!(notification["event"]["actorId"], coordinator_id, "{me}");
        assert_eq!(notification["event"]["workingGroupId"], group, "{me}");
        assert_eq!(notification["category"], "MEETINGS", "{me}");
        assert_eq!(notification["read"], false);
        assert_eq!(notification["readAt"], Value::Null);
        let unread = me["unreadNotificationCount"].as_u64().unwrap();
        assert!(unread >= 1, "{me}");

        // The actor is not told of their own change, nor another group's member.
        let mine = inbox(&app, &coordinator, json!({})).await;
        assert!(
            about_meeting(&mine, "meeting.scheduled").is_empty(),
            "[{backend}] {mine}"
        );
        let theirs = inbox(&app, &outsider, json!({})).await;
        assert!(
            about_meeting(&theirs, "meeting.scheduled").is_empty(),
            "[{backend}] {theirs}"
        );

        // Someone else's notification, or one that does not exist: not found, and
        // nothing marked.
        let id = notification["id"].as_str().unwrap().to_owned();
        let (_, body) = app
            .graphql_as(&coordinator, MARK, json!({ "ids": [id] }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let unknown = URL_SAFE_NO_PAD.encode("Notification:999999");
        let (_, body) = app
            .graphql_as(&member, MARK, json!({ "ids": [id, unknown] }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "[{backend}] {body}");
        let me = inbox(&app, &member, json!({})).await;
        assert_eq!(me["unreadNotificationCount"].as_u64(), Some(unread), "{me}");

        // Marking one's own: once, then idempotent.
        let (_, body) = app.graphql_as(&member, MARK, json!({ "ids": [id] })).await;
        assert_eq!(
            body["data"]["markNotificationsRead"], 1,
            "[{backend}] {body}"
        );
        let (_, body) = app.graphql_as(&member, MARK, json!({ "ids": [id] })).await;
        assert_eq!(
            body["data"]["markNotificationsRead"], 0,
            "[{backend}] {body}"
        );
        let me = inbox(&app, &member, json!({})).await;
        assert_eq!(
            me["unreadNotificationCount"].as_u64(),
            Some(unread - 1),
            "{me}"
        );
        let read = about_meeting(&me, "meeting.scheduled");
        assert_eq!(read[0]["read"], true, "{me}");
        assert!(read[0]["readAt"].is_string(), "{me}");
        let me = inbox(&app, &member, json!({ "unread": true })).await;
        assert!(about_meeting(&me, "meeting.scheduled").is_empty(), "{me}");

        // All the rest at once.
        let (_, body) = app.graphql_as(&member, MARK_ALL, json!({})).await;
        assert_eq!(
            body["data"]["markAllNotificationsRead"].as_u64(),
            Some(unread - 1),
            "[{backend}] {body}"
        );
        let me = inbox(&app, &member, json!({ "unread": true })).await;
        assert_eq!(me["unreadNotificationCount"], 0, "{me}");
        assert_eq!(me["notifications"]["totalCount"], 0, "{me}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_inbox_pages_newest_first_and_is_for_the_signed_in_person_only() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group_id, group) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group_id, "Chidi Okafor", "chidi@example.ng").await;
        let (member_id, member) = member_of(&app, group_id, "Lena Berg", "lena@example.se").await;
        let mut meetings = Vec::new();
        for (day, title) in ["First", "Second", "Third"].into_iter().enumerate() {
            let day = u32::try_from(day).unwrap() + 2;
            meetings.push(schedule(&app, &coordinator, &group, title, day).await);
        }

        let mut seen = Vec::new();
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            let me = inbox(
                &app,
                &member,
                json!({ "first": 2, "after": after, "unread": true }),
            )
            .await;
            pages += 1;
            let page = &me["notifications"];
            assert!(nodes(&me).len() <= 2, "{me}");
            assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 1, "{me}");
            seen.extend(
                about_meeting(&me, "meeting.scheduled")
                    .into_iter()
                    .map(|node| node["event"]["subjectId"].as_str().unwrap().to_owned()),
            );
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert!(pages >= 2, "[{backend}] more than one page");
        meetings.reverse();
        assert_eq!(seen, meetings, "[{backend}] newest first");

        // Another person's inbox is not shown, even through their node.
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "query ($id: ID!) { node(id: $id) { ... on Person { notifications { totalCount } unreadNotificationCount } } }",
                json!({ "id": member_id }),
            )
            .await;
        assert_eq!(
            body["data"]["node"]["notifications"],
            Value::Null,
            "[{backend}] {body}"
        );
        assert_eq!(
            body["data"]["node"]["unreadNotificationCount"],
            Value::Null,
            "{body}"
        );

        // Anonymous visitors have no inbox.
        let ids = json!({ "ids": [URL_SAFE_NO_PAD.encode("Notification:1")] });
        for (query, variables) in [(MARK_ALL, json!({})), (MARK, ids)] {
            let body = app.graphql(query, variables).await;
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "[{backend}] {body}");
        }
        let body = app.graphql(INBOX, json!({})).await;
        assert_eq!(body["data"]["me"], Value::Null, "[{backend}] {body}");
        app.finish().await;
    }
}

const WINDOW: &str = "query ($first: Int, $after: String, $last: Int, $before: String, $unread: Boolean! = false) { me { notifications(first: $first, after: $after, last: $last, before: $before, unreadOnly: $unread) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id read } } } } }";

/// One page of the signed-in person's inbox, read through `WINDOW`.
async fn window(app: &TestApp, token: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, WINDOW, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["me"]["notifications"].clone()
}

fn window_ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|edge| edge["node"]["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn flags(page: &Value) -> (bool, bool) {
    (
        page["pageInfo"]["hasPreviousPage"] == true,
        page["pageInfo"]["hasNextPage"] == true,
    )
}

#[tokio::test]
async fn the_inbox_pages_backward_to_its_newest_notification() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group_id, group) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group_id, "Chidi Okafor", "chidi@example.ng").await;
        let (_, member) = member_of(&app, group_id, "Lena Berg", "lena@example.se").await;
        for (day, title) in ["One", "Two", "Three", "Four", "Five"]
            .into_iter()
            .enumerate()
        {
            let day = u32::try_from(day).unwrap() + 2;
            schedule(&app, &coordinator, &group, title, day).await;
        }
        let everything = window(&app, &member, json!({ "first": 100 })).await;
        let all = window_ids(&everything);
        assert!(all.len() >= 5, "[{backend}] {everything}");
        assert_eq!(
            flags(&everything),
            (false, false),
            "[{backend}] {everything}"
        );

        // From the oldest end back to the newest, two at a time, still newest first.
        let mut walked: Vec<String> = Vec::new();
        let mut before = Value::Null;
        let mut pages = 0;
        loop {
            let page = window(&app, &member, json!({ "last": 2, "before": before })).await;
            pages += 1;
            let ids = window_ids(&page);
            assert!(!ids.is_empty() && ids.len() <= 2, "[{backend}] {page}");
            assert_eq!(page["totalCount"], all.len(), "[{backend}] {page}");
            let (previous, next) = flags(&page);
            assert_eq!(next, pages > 1, "[{backend}] older ones follow: {page}");
            walked.splice(0..0, ids);
            if !previous {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(walked, all, "[{backend}] the same list, walked back");
        assert_eq!(pages, all.len().div_ceil(2), "[{backend}]");

        // Forward, then back again from the second page: the first page, exactly.
        let first = window(&app, &member, json!({ "first": 2 })).await;
        assert_eq!(flags(&first), (false, true), "[{backend}] {first}");
        let second = window(
            &app,
            &member,
            json!({ "first": 2, "after": first["pageInfo"]["endCursor"] }),
        )
        .await;
        assert_eq!(flags(&second), (true, true), "[{backend}] {second}");
        let back = window(
            &app,
            &member,
            json!({ "last": 2, "before": second["pageInfo"]["startCursor"] }),
        )
        .await;
        assert_eq!(window_ids(&back), window_ids(&first), "[{backend}] {back}");
        assert_eq!(flags(&back), (false, true), "[{backend}] {back}");
        // Before the newest there is nothing, and everything follows.
        let newest = &everything["edges"][0]["cursor"];
        let beyond = window(&app, &member, json!({ "last": 2, "before": newest })).await;
        assert!(window_ids(&beyond).is_empty(), "[{backend}] {beyond}");
        assert_eq!(flags(&beyond), (false, true), "[{backend}] {beyond}");
        // After the oldest there is nothing, and everything precedes.
        let oldest = &everything["edges"][all.len() - 1]["cursor"];
        let past = window(&app, &member, json!({ "first": 2, "after": oldest })).await;
        assert!(window_ids(&past).is_empty(), "[{backend}] {past}");
        assert_eq!(flags(&past), (true, false), "[{backend}] {past}");

        // Unread only, backward: the newest and the oldest read, the rest in order.
        let (_, body) = app
            .graphql_as(
                &member,
                MARK,
                json!({ "ids": [all[0].clone(), all[all.len() - 1].clone()] }),
            )
            .await;
        assert_eq!(
            body["data"]["markNotificationsRead"], 2,
            "[{backend}] {body}"
        );
        let unread = &all[1..all.len() - 1];
        let tail = window(&app, &member, json!({ "last": 2, "unread": true })).await;
        assert_eq!(
            window_ids(&tail),
            unread[unread.len() - 2..],
            "[{backend}] {tail}"
        );
        assert_eq!(tail["totalCount"], unread.len(), "[{backend}] {tail}");
        assert_eq!(flags(&tail), (true, false), "[{backend}] {tail}");
        let head = window(
            &app,
            &member,
            json!({ "last": 100, "before": tail["pageInfo"]["startCursor"], "unread": true }),
        )
        .await;
        assert_eq!(
            window_ids(&head),
            unread[..unread.len() - 2],
            "[{backend}] {head}"
        );
        assert_eq!(
            flags(&head),
            (false, true),
            "[{backend}] the read newest one does not count: {head}"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn inbox_paging_refuses_mixed_directions_bad_sizes_and_foreign_cursors() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group_id, _) = app.group(0).await;
        let (_, member) = member_of(&app, group_id, "Lena Berg", "lena@example.se").await;
        let person_cursor = URL_SAFE_NO_PAD.encode("person:1");
        for (variables, argument) in [
            (json!({ "first": 2, "last": 2 }), "last"),
            (
                json!({ "after": URL_SAFE_NO_PAD.encode("notification:9"), "last": 2 }),
                "last",
            ),
            (json!({ "last": -1 }), "last"),
            (json!({ "last": 101 }), "last"),
            (json!({ "first": -1 }), "first"),
            (json!({ "first": 101 }), "first"),
            (json!({ "last": 2, "before": "not a cursor!" }), "before"),
            (json!({ "last": 2, "before": person_cursor }), "before"),
            (json!({ "first": 2, "after": person_cursor }), "after"),
        ] {
            let (_, body) = app.graphql_as(&member, WINDOW, variables.clone()).await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "[{backend}] {variables}: {body}"
            );
            assert_eq!(
                body["errors"][0]["extensions"]["field"], argument,
                "[{backend}] {variables}: {body}"
            );
        }
        app.finish().await;
    }
}
