//! Meetings over HTTP: scheduling and its refusals, series across a DST change, views in
//! any time zone, answers, conflicts and visibility, on every backend.

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_tests::accounts::{administrator, coordinator_of, person_id, signed_up};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const SCHEDULE: &str = "mutation ($group: ID, $input: MeetingInput!) { scheduleMeeting(groupId: $group, input: $input) { id title sequence status visibility startsAt endsAt timeZone recurrence } }";
const UPDATE: &str = "mutation ($id: ID!, $input: MeetingInput!) { updateMeeting(id: $id, input: $input) { sequence title } }";
const CANCEL: &str = "mutation ($id: ID!) { cancelMeeting(id: $id, reason: \"Moved to the plenary\") { sequence status cancelReason } }";
const MEETINGS: &str = "query ($group: ID!, $from: DateTime!, $to: DateTime!) { workingGroup(id: $group) { meetings(from: $from, to: $to) { startsAt paris: startsAt(timeZone: \"Europe/Paris\") nairobi: startsAt(timeZone: \"Africa/Nairobi\") meeting { title } } } }";

struct Setting {
    app: TestApp,
    group_id: String,
    other_group_id: String,
    coordinator: String,
    member: String,
    member_id: String,
    outsider: String,
}

async fn setting(backend: coalition_tests::Backend) -> Setting {
    let app = TestApp::spawn(backend).await;
    let (group, group_id) = app.group(0).await;
    let (_, other_group_id) = app.group(1).await;
    let (_, coordinator) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
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
    let (_, outsider) = signed_up(&app, "Bo Chen", "bo@example.cn").await;
    Setting {
        group_id,
        other_group_id,
        app,
        coordinator,
        member,
        member_id,
        outsider,
    }
}

/// Tuesdays at 10:00 in Paris, four times from 16 March 2027 (across the change to summer
/// time on the 28th), public.
fn weekly_series() -> Value {
    input(
        "Weekly check-in",
        "2027-03-16T09:00:00Z",
        json!({ "recurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=4", "visibility": "PUBLIC" }),
    )
}

/// Schedules a meeting of the first group as its coordinator; returns the response body.
async fn schedule_as_coordinator(s: &Setting, input: Value) -> Value {
    s.app
        .graphql_as(
            &s.coordinator,
            SCHEDULE,
            json!({ "group": s.group_id, "input": input }),
        )
        .await
        .1
}

fn input(title: &str, starts_at: &str, extra: Value) -> Value {
    let mut input = json!({
        "title": title,
        "startsAt": starts_at,
        "durationMinutes": 90,
        "timeZone": "Europe/Paris",
        "onlineUrl": "https://meet.example.org/capacity",
    });
    if let (Some(input), Value::Object(extra)) = (input.as_object_mut(), extra) {
        input.extend(extra);
    }
    input
}

#[tokio::test]
async fn coordinators_schedule_change_and_cancel_meetings() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let (_, body) = app
            .graphql_as(&s.coordinator, SCHEDULE, json!({ "group": s.group_id, "input": input("Monthly call", "2027-01-12T14:00:00Z", json!({})) }))
            .await;
        let meeting = &body["data"]["scheduleMeeting"];
        assert_eq!(meeting["sequence"], 0, "[{backend}] {body}");
        assert_eq!(meeting["endsAt"], "2027-01-12T15:30:00Z");
        assert_eq!(meeting["visibility"], "GROUP");
        let id = meeting["id"].as_str().unwrap().to_owned();

        let (_, body) = app
            .graphql_as(&s.coordinator, UPDATE, json!({ "id": id, "input": input("Monthly call (agenda inside)", "2027-01-12T15:00:00Z", json!({})) }))
            .await;
        assert_eq!(
            body["data"]["updateMeeting"]["sequence"], 1,
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(&s.coordinator, CANCEL, json!({ "id": id }))
            .await;
        let cancelled = &body["data"]["cancelMeeting"];
        assert_eq!(
            (cancelled["sequence"].as_i64(), cancelled["status"].as_str()),
            (Some(2), Some("CANCELLED"))
        );
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                UPDATE,
                json!({ "id": id, "input": input("Again", "2027-01-12T15:00:00Z", json!({})) }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "CONFLICT",
            "[{backend}] a cancelled meeting stays cancelled"
        );

        let group = app.store.working_groups().await.unwrap().remove(0).id;
        let verbs: Vec<&str> = app
            .store
            .group_activity(group, 3)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.change.verb())
            .collect();
        assert_eq!(
            verbs,
            ["meeting.cancelled", "meeting.updated", "meeting.scheduled"],
            "[{backend}]"
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn scheduling_refuses_bad_input_and_the_wrong_people() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let at = "2027-02-01T09:00:00Z";
        for (extra, field) in [
            (json!({ "timeZone": "Mars/Olympus" }), "timeZone"),
            (json!({ "recurrence": "FREQ=HOURLY" }), "recurrence"),
            (
                json!({ "durationMinutes": null, "endsAt": "2027-02-01T08:00:00Z" }),
                "endsAt",
            ),
            (json!({ "startsAt": "2020-03-02T09:00:00Z" }), "startsAt"),
            (json!({ "onlineUrl": "ftp://example.org" }), "onlineUrl"),
            (json!({ "title": "  " }), "title"),
        ] {
            let (_, body) = app
                .graphql_as(
                    &s.coordinator,
                    SCHEDULE,
                    json!({ "group": s.group_id, "input": input("Call", at, extra.clone()) }),
                )
                .await;
            assert_eq!(
                error_code(&body),
                "BAD_USER_INPUT",
                "[{backend}] {extra}: {body}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
        let variables = json!({ "group": s.group_id, "input": input("Call", at, json!({})) });
        let (_, body) = app.graphql_as(&s.member, SCHEDULE, variables.clone()).await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "[{backend}] members do not schedule"
        );
        assert_eq!(
            error_code(&app.graphql(SCHEDULE, variables).await),
            "UNAUTHENTICATED"
        );
        let plenary = json!({ "input": input("Plenary", at, json!({})) });
        let (_, body) = app
            .graphql_as(&s.coordinator, SCHEDULE, plenary.clone())
            .await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "plenaries are for administrators"
        );
        let (_, admin) = administrator(app, "Secretariat", "secretariat@example.org").await;
        let (_, body) = app.graphql_as(&admin, SCHEDULE, plenary).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        s.app.finish().await;
    }
}

#[tokio::test]
async fn a_weekly_series_keeps_its_local_time_across_the_spring_change() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        // Tuesdays at 10:00 in Paris, across 28 March 2027 (CET → CEST).
        let body = schedule_as_coordinator(&s, weekly_series()).await;
        assert_eq!(
            body["data"]["scheduleMeeting"]["recurrence"], "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
            "{body}"
        );

        // Public: seen without signing in.
        let window = json!({ "group": s.group_id, "from": "2027-03-01T00:00:00Z", "to": "2027-05-01T00:00:00Z" });
        let body = app.graphql(MEETINGS, window).await;
        let occurrences = body["data"]["workingGroup"]["meetings"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let utc: Vec<&str> = occurrences
            .iter()
            .map(|o| o["startsAt"].as_str().unwrap())
            .collect();
        assert_eq!(
            utc,
            [
                "2027-03-16T09:00:00Z",
                "2027-03-23T09:00:00Z",
                "2027-03-30T08:00:00Z",
                "2027-04-06T08:00:00Z"
            ],
            "[{backend}]"
        );
        let paris: Vec<&str> = occurrences
            .iter()
            .map(|o| o["paris"].as_str().unwrap())
            .collect();
        assert_eq!(
            paris,
            [
                "2027-03-16T10:00:00+01:00",
                "2027-03-23T10:00:00+01:00",
                "2027-03-30T10:00:00+02:00",
                "2027-04-06T10:00:00+02:00"
            ]
        );
        assert_eq!(occurrences[2]["nairobi"], "2027-03-30T11:00:00+03:00");

        // A narrower window lists only what overlaps it.
        let narrow = json!({ "group": s.group_id, "from": "2027-03-30T08:30:00Z", "to": "2027-04-06T08:00:00Z" });
        let body = app.graphql(MEETINGS, narrow).await;
        assert_eq!(
            body["data"]["workingGroup"]["meetings"]
                .as_array()
                .map(Vec::len),
            Some(1),
            "[{backend}] {body}"
        );
        let bad = json!({ "group": s.group_id, "from": "2027-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z" });
        assert_eq!(
            error_code(&app.graphql(MEETINGS, bad).await),
            "BAD_USER_INPUT"
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn members_answer_and_coordinators_see_who_comes() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let (_, body) = app
            .graphql_as(&s.coordinator, SCHEDULE, json!({ "group": s.group_id, "input": input("Call", "2027-02-02T09:00:00Z", json!({})) }))
            .await;
        let id = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let rsvp = "mutation ($id: ID!, $r: RsvpResponse!) { rsvp(meetingId: $id, response: $r) }";
        let (_, body) = app
            .graphql_as(&s.member, rsvp, json!({ "id": id, "r": "YES" }))
            .await;
        assert_eq!(body["data"]["rsvp"], "YES", "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(&s.coordinator, rsvp, json!({ "id": id, "r": "MAYBE" }))
            .await;
        assert_eq!(body["data"]["rsvp"], "MAYBE");
        let (_, body) = app
            .graphql_as(&s.outsider, rsvp, json!({ "id": id, "r": "YES" }))
            .await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "[{backend}] a group meeting is invisible to outsiders"
        );

        let query = "query ($id: ID!) { meeting(id: $id) { myRsvp rsvpCounts { yes no maybe } rsvps { person { displayName } response } } }";
        let (_, body) = app
            .graphql_as(&s.coordinator, query, json!({ "id": id }))
            .await;
        assert_eq!(
            body["data"]["meeting"]["rsvpCounts"],
            json!({ "yes": 1, "no": 0, "maybe": 1 }),
            "[{backend}] {body}"
        );
        assert_eq!(
            body["data"]["meeting"]["rsvps"].as_array().map(Vec::len),
            Some(2)
        );
        let counts_only = "query ($id: ID!) { meeting(id: $id) { myRsvp rsvpCounts { yes } } }";
        let (_, body) = app
            .graphql_as(&s.member, counts_only, json!({ "id": id }))
            .await;
        assert_eq!(body["data"]["meeting"]["myRsvp"], "YES");
        let (_, body) = app.graphql_as(&s.member, query, json!({ "id": id })).await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "who answered what is for the organisers"
        );

        // Changing one's mind replaces the answer.
        app.graphql_as(&s.member, rsvp, json!({ "id": id, "r": "NO" }))
            .await;
        let (_, body) = app
            .graphql_as(&s.coordinator, query, json!({ "id": id }))
            .await;
        assert_eq!(
            body["data"]["meeting"]["rsvpCounts"],
            json!({ "yes": 0, "no": 1, "maybe": 1 })
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn conflicts_and_upcoming_meetings_span_every_group() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        // The member also belongs to the second group, which meets on 3 February.
        let second = app.store.working_groups().await.unwrap().remove(1).id;
        app.store
            .insert_membership(
                second,
                person_id(&s.member_id),
                MembershipRole::Member,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let (_, other_coordinator) =
            coordinator_of(app, second, "Lucía Fernández", "lucia@example.mx").await;
        let (_, body) = app
            .graphql_as(&other_coordinator, SCHEDULE, json!({ "group": s.other_group_id, "input": input("Policy call", "2027-02-03T13:00:00Z", json!({})) }))
            .await;
        assert!(body["errors"].is_null(), "{body}");

        let conflicts = "query ($g: ID!, $s: DateTime!, $e: DateTime!) { meetingConflicts(groupId: $g, start: $s, end: $e) { person { displayName } overlapping occurrences { meeting { title } startsAt } } }";
        let slot =
            json!({ "g": s.group_id, "s": "2027-02-03T14:00:00Z", "e": "2027-02-03T15:00:00Z" });
        let (_, body) = app
            .graphql_as(&s.coordinator, conflicts, slot.clone())
            .await;
        let found = body["data"]["meetingConflicts"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(found.len(), 1, "[{backend}] {body}");
        assert_eq!(found[0]["person"]["displayName"], "Amina Diallo");
        assert_eq!(found[0]["overlapping"], 1);
        // The other group's meeting is private to it: counted, not shown.
        assert_eq!(found[0]["occurrences"], json!([]), "[{backend}]");
        let free =
            json!({ "g": s.group_id, "s": "2027-02-03T15:00:00Z", "e": "2027-02-03T16:00:00Z" });
        let (_, body) = app.graphql_as(&s.coordinator, conflicts, free).await;
        assert_eq!(
            body["data"]["meetingConflicts"],
            json!([]),
            "[{backend}] back to back is no conflict"
        );
        let (_, body) = app.graphql_as(&s.member, conflicts, slot).await;
        assert_eq!(error_code(&body), "FORBIDDEN");

        let upcoming = "{ me { upcomingMeetings(days: 366) { meeting { title } } } }";
        let (_, body) = app.graphql_as(&s.member, upcoming, json!({})).await;
        let titles: Vec<&str> = body["data"]["me"]["upcomingMeetings"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|o| o["meeting"]["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Policy call"], "[{backend}]");
        let (_, body) = app.graphql_as(&s.outsider, "query ($id: ID!) { node(id: $id) { ... on Person { upcomingMeetings { startsAt } } } }", json!({ "id": s.member_id })).await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "one's calendar is one's own"
        );
        s.app.finish().await;
    }
}

/// Parses an iCalendar text with an independent parser (the `ical` crate).
fn parse_calendar(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    parser
        .next()
        .expect("one calendar")
        .expect("valid iCalendar")
}

fn property<'a>(
    event: &'a ical::parser::ical::component::IcalEvent,
    name: &str,
) -> Option<&'a ical::property::Property> {
    event.properties.iter().find(|p| p.name == name)
}

#[tokio::test]
async fn calendars_are_served_as_icalendar_feeds() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let schedule = |title: &str, at: &str, extra: Value| json!({ "group": s.group_id, "input": input(title, at, extra) });
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                SCHEDULE,
                schedule(
                    "Weekly check-in",
                    "2027-03-16T09:00:00Z",
                    json!({ "recurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=4", "visibility": "PUBLIC" }),
                ),
            )
            .await;
        let series_id = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.graphql_as(
            &s.coordinator,
            SCHEDULE,
            schedule("Members only", "2027-03-17T09:00:00Z", json!({})),
        )
        .await;
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                SCHEDULE,
                schedule(
                    "Open webinar",
                    "2027-03-18T15:00:00Z",
                    json!({ "visibility": "PUBLIC" }),
                ),
            )
            .await;
        let webinar = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.graphql_as(&s.coordinator, CANCEL, json!({ "id": webinar }))
            .await;

        let response = app
            .client
            .get(app.url(&format!("/calendar/groups/{}.ics", s.group_id)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "[{backend}]");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let calendar = parse_calendar(&response.text().await.unwrap());
        assert_eq!(calendar.events.len(), 2, "[{backend}] public meetings only");
        let zone = calendar.timezones.iter().find(|tz| {
            tz.properties
                .iter()
                .any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Paris"))
        });
        assert!(zone.is_some(), "[{backend}] the TZID used is defined");
        let series = calendar
            .events
            .iter()
            .find(|e| {
                property(e, "SUMMARY").and_then(|p| p.value.as_deref()) == Some("Weekly check-in")
            })
            .unwrap();
        assert_eq!(
            property(series, "RRULE").unwrap().value.as_deref(),
            Some("FREQ=WEEKLY;BYDAY=TU;COUNT=4")
        );
        let start = property(series, "DTSTART").unwrap();
        assert_eq!(
            start.value.as_deref(),
            Some("20270316T100000"),
            "local time in the organiser's zone"
        );
        let tzid = start
            .params
            .as_ref()
            .and_then(|params| params.iter().find(|(name, _)| name == "TZID"))
            .map(|(_, values)| values[0].as_str());
        assert_eq!(tzid, Some("Europe/Paris"));
        assert_eq!(
            property(series, "SEQUENCE").unwrap().value.as_deref(),
            Some("0")
        );
        let uid = property(series, "UID").unwrap().value.clone().unwrap();
        let cancelled = calendar
            .events
            .iter()
            .find(|e| {
                property(e, "SUMMARY").and_then(|p| p.value.as_deref()) == Some("Open webinar")
            })
            .unwrap();
        assert_eq!(
            property(cancelled, "STATUS").unwrap().value.as_deref(),
            Some("CANCELLED")
        );
        assert_eq!(
            property(cancelled, "SEQUENCE").unwrap().value.as_deref(),
            Some("1")
        );

        // A change keeps the UID and raises the SEQUENCE, so calendars update in place.
        app.graphql_as(&s.coordinator, UPDATE, json!({ "id": series_id, "input": input("Weekly check-in", "2027-03-16T09:30:00Z", json!({ "recurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=4", "visibility": "PUBLIC" })) }))
            .await;
        let text = app
            .client
            .get(app.url(&format!("/calendar/groups/{}.ics", s.group_id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let calendar = parse_calendar(&text);
        let series = calendar
            .events
            .iter()
            .find(|e| property(e, "UID").and_then(|p| p.value.clone()) == Some(uid.clone()))
            .unwrap();
        assert_eq!(
            property(series, "SEQUENCE").unwrap().value.as_deref(),
            Some("1"),
            "[{backend}]"
        );

        // The private feed holds the members-only meeting too, until revoked.
        let (_, body) = app
            .graphql_as(&s.member, "mutation { createCalendarFeed }", json!({}))
            .await;
        let url = body["data"]["createCalendarFeed"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = &url[url.find("/calendar/").unwrap()..];
        let text = app
            .client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(parse_calendar(&text).events.len(), 3, "[{backend}] {text}");
        let (_, body) = app
            .graphql_as(&s.member, "mutation { createCalendarFeed }", json!({}))
            .await;
        let renewed = body["data"]["createCalendarFeed"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            app.client.get(app.url(path)).send().await.unwrap().status(),
            404,
            "the old URL stops working"
        );
        let new_path = &renewed[renewed.find("/calendar/").unwrap()..];
        assert_eq!(
            app.client
                .get(app.url(new_path))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        let (_, body) = app
            .graphql_as(&s.member, "mutation { revokeCalendarFeed }", json!({}))
            .await;
        assert_eq!(body["data"]["revokeCalendarFeed"], true);
        assert_eq!(
            app.client
                .get(app.url(new_path))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            app.client
                .get(app.url("/calendar/groups/nonsense.ics"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn suggested_slots_spare_members_their_nights() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        // The coordinator and the member live in Nairobi; add members in Paris and Mexico City.
        let group = app.store.working_groups().await.unwrap().remove(0).id;
        for (name, email, country, zone) in [
            ("Claire Dubois", "dubois@example.fr", "FR", "Europe/Paris"),
            (
                "Lucía Fernández",
                "lucia@example.mx",
                "MX",
                "America/Mexico_City",
            ),
        ] {
            let person = app
                .store
                .insert_person(coalition_tests::fixtures::new_person(
                    name,
                    email,
                    country,
                    coalition_domain::stakeholder::StakeholderType::CivilSociety,
                    zone,
                ))
                .await
                .unwrap();
            app.store
                .insert_membership(
                    group,
                    person.id,
                    MembershipRole::Member,
                    MembershipStatus::Active,
                )
                .await
                .unwrap();
        }
        let query = "query ($g: ID!, $from: DateTime!, $to: DateTime!) { suggestMeetingSlots(groupId: $g, duration: 60, from: $from, to: $to, first: 3) { startsAt nairobi: startsAt(timeZone: \"Africa/Nairobi\") outOfHours { displayName } conflicts { displayName } repeatBurden } }";
        let window = json!({ "g": s.group_id, "from": "2027-02-01T00:00:00Z", "to": "2027-02-02T00:00:00Z" });
        let (_, body) = app.graphql_as(&s.coordinator, query, window.clone()).await;
        let slots = body["data"]["suggestMeetingSlots"]
            .as_array()
            .unwrap_or_else(|| panic!("[{backend}] {body}"));
        assert_eq!(slots.len(), 3);
        // Nairobi 05–15 UTC, Paris 07–17 UTC, Mexico City 14–24 UTC: 14:00 suits everyone.
        assert_eq!(
            slots[0]["startsAt"], "2027-02-01T14:00:00Z",
            "[{backend}] {body}"
        );
        assert_eq!(slots[0]["nairobi"], "2027-02-01T17:00:00+03:00");
        assert_eq!(slots[0]["outOfHours"], json!([]));
        assert!(
            !slots[1]["outOfHours"].as_array().unwrap().is_empty(),
            "the rest cost someone their hours"
        );

        let (_, body) = app.graphql_as(&s.member, query, window).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "[{backend}]");
        let long = json!({ "g": s.group_id, "from": "2027-02-01T00:00:00Z", "to": "2027-03-01T00:00:00Z" });
        let (_, body) = app.graphql_as(&s.coordinator, query, long).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        s.app.finish().await;
    }
}

#[tokio::test]
async fn single_occurrences_are_cancelled_or_moved() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let body = schedule_as_coordinator(&s, weekly_series()).await;
        let id = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let cancel = "mutation ($id: ID!, $at: DateTime!) { cancelOccurrence(meetingId: $id, occurrenceStart: $at) { sequence } }";
        let moving = "mutation ($id: ID!, $at: DateTime!, $to: DateTime!) { moveOccurrence(meetingId: $id, occurrenceStart: $at, startsAt: $to) { sequence } }";

        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                cancel,
                json!({ "id": id, "at": "2027-03-23T09:30:00Z" }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "[{backend}] not an occurrence"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "occurrenceStart");
        let (_, body) = app
            .graphql_as(
                &s.member,
                cancel,
                json!({ "id": id, "at": "2027-03-23T09:00:00Z" }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                cancel,
                json!({ "id": id, "at": "2027-03-23T09:00:00Z" }),
            )
            .await;
        assert_eq!(
            body["data"]["cancelOccurrence"]["sequence"], 1,
            "[{backend}] {body}"
        );
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                moving,
                json!({ "id": id, "at": "2027-03-30T08:00:00Z", "to": "2027-03-31T12:00:00Z" }),
            )
            .await;
        assert_eq!(
            body["data"]["moveOccurrence"]["sequence"], 2,
            "[{backend}] {body}"
        );

        let window = json!({ "group": s.group_id, "from": "2027-03-01T00:00:00Z", "to": "2027-05-01T00:00:00Z" });
        let body = app.graphql(MEETINGS, window).await;
        let starts: Vec<&str> = body["data"]["workingGroup"]["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["startsAt"].as_str().unwrap())
            .collect();
        assert_eq!(
            starts,
            [
                "2027-03-16T09:00:00Z",
                "2027-03-31T12:00:00Z",
                "2027-04-06T08:00:00Z"
            ],
            "[{backend}]"
        );

        let text = app
            .client
            .get(app.url(&format!("/calendar/groups/{}.ics", s.group_id)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let calendar = parse_calendar(&text);
        assert_eq!(
            calendar.events.len(),
            2,
            "[{backend}] the series and its moved occurrence: {text}"
        );
        let series = calendar
            .events
            .iter()
            .find(|e| property(e, "RRULE").is_some())
            .unwrap();
        let exdates: Vec<&str> = series
            .properties
            .iter()
            .filter(|p| p.name == "EXDATE")
            .filter_map(|p| p.value.as_deref())
            .collect();
        assert_eq!(exdates, ["20270323T100000", "20270330T100000"]);
        let moved = calendar
            .events
            .iter()
            .find(|e| property(e, "RECURRENCE-ID").is_some())
            .unwrap();
        assert_eq!(
            property(moved, "RECURRENCE-ID").unwrap().value.as_deref(),
            Some("20270330T100000")
        );
        assert_eq!(
            property(moved, "DTSTART").unwrap().value.as_deref(),
            Some("20270331T140000")
        );
        assert_eq!(
            property(moved, "UID").unwrap().value,
            property(series, "UID").unwrap().value
        );
        assert_eq!(text.matches("PRODID").count(), 1, "one PRODID");

        // The mails of the change carry the exceptions too, or calendars would drop them.
        // Read the delivered mail: the worker drops the outbox copy's data once it is sent.
        let ics = app
            .mail_part_containing(
                "amina@example.sn",
                "Weekly check-in",
                "text/calendar",
                "RECURRENCE-ID",
            )
            .await;
        assert!(
            ics.contains("EXDATE;TZID=Europe/Paris:20270323T100000"),
            "[{backend}] {ics}"
        );
        assert!(
            ics.contains("RECURRENCE-ID;TZID=Europe/Paris:20270330T100000"),
            "{ics}"
        );

        // Rescheduling the series drops the exceptions: their occurrences no longer exist.
        let moved_series = input(
            "Weekly check-in",
            "2027-03-17T09:00:00Z",
            json!({ "recurrence": "FREQ=WEEKLY;BYDAY=WE;COUNT=4", "visibility": "PUBLIC" }),
        );
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                UPDATE,
                json!({ "id": id, "input": moved_series }),
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        let window = json!({ "group": s.group_id, "from": "2027-03-01T00:00:00Z", "to": "2027-05-01T00:00:00Z" });
        let body = app.graphql(MEETINGS, window).await;
        assert_eq!(
            body["data"]["workingGroup"]["meetings"]
                .as_array()
                .map(Vec::len),
            Some(4),
            "[{backend}] {body}"
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn agendas_minutes_and_action_items_that_carry_over() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let schedule = |title: &str, at: &str| json!({ "group": s.group_id, "input": input(title, at, json!({})) });
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                SCHEDULE,
                schedule("February call", "2027-02-02T09:00:00Z"),
            )
            .await;
        let first = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                SCHEDULE,
                schedule("March call", "2027-03-02T09:00:00Z"),
            )
            .await;
        let second = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let add = "mutation ($m: ID!, $t: String!) { addAgendaItem(meetingId: $m, input: { title: $t, minutesAllotted: 15 }) { id position } }";
        let mut ids = Vec::new();
        for title in ["Welcome", "OER policy survey", "Any other business"] {
            let (_, body) = app
                .graphql_as(&s.coordinator, add, json!({ "m": first, "t": title }))
                .await;
            ids.push(
                body["data"]["addAgendaItem"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("[{backend}] {body}"))
                    .to_owned(),
            );
        }
        let (_, body) = app
            .graphql_as(&s.member, add, json!({ "m": first, "t": "Mine" }))
            .await;
        assert_eq!(
            error_code(&body),
            "FORBIDDEN",
            "[{backend}] members do not set the agenda"
        );

        let reorder = "mutation ($m: ID!, $ids: [ID!]!) { reorderAgenda(meetingId: $m, itemIds: $ids) { title position } }";
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                reorder,
                json!({ "m": first, "ids": [ids[1], ids[0]] }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "every item must be listed"
        );
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                reorder,
                json!({ "m": first, "ids": [ids[1], ids[0], ids[2]] }),
            )
            .await;
        let titles: Vec<&str> = body["data"]["reorderAgenda"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            ["OER policy survey", "Welcome", "Any other business"],
            "[{backend}]"
        );

        let minutes = "mutation ($i: ID!) { recordMinutes(agendaItemId: $i, minutes: \"Survey results shared.\", decisions: [\"Publish the survey in English and French\"]) { minutes decisions } }";
        let (_, body) = app
            .graphql_as(&s.coordinator, minutes, json!({ "i": ids[1] }))
            .await;
        assert_eq!(
            body["data"]["recordMinutes"]["decisions"][0],
            "Publish the survey in English and French",
            "{body}"
        );

        let action = "mutation ($m: ID!, $o: ID!) { addActionItem(meetingId: $m, title: \"Translate the survey\", ownerId: $o, dueOn: \"2027-02-20\") { id status } }";
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                action,
                json!({ "m": first, "o": s.member_id }),
            )
            .await;
        let action_id = body["data"]["addActionItem"]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let view = "query ($m: ID!) { meeting(id: $m) { agenda { position title minutes decisions } actionItems { title } carriedOverActionItems { title owner { displayName } } } }";
        let (_, body) = app.graphql_as(&s.member, view, json!({ "m": first })).await;
        assert_eq!(
            body["data"]["meeting"]["agenda"][0]["minutes"], "Survey results shared.",
            "[{backend}] {body}"
        );
        assert_eq!(
            body["data"]["meeting"]["actionItems"][0]["title"],
            "Translate the survey"
        );
        let (_, body) = app
            .graphql_as(&s.member, view, json!({ "m": second }))
            .await;
        let carried = &body["data"]["meeting"]["carriedOverActionItems"];
        assert_eq!(
            carried[0]["title"], "Translate the survey",
            "[{backend}] carried to the next meeting: {body}"
        );
        assert_eq!(carried[0]["owner"]["displayName"], "Amina Diallo");

        let done = "mutation ($a: ID!) { setActionItemStatus(id: $a, status: DONE) { status } }";
        let (_, body) = app
            .graphql_as(&s.outsider, done, json!({ "a": action_id }))
            .await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "outsiders cannot see the group's meetings"
        );
        let (_, body) = app
            .graphql_as(&s.member, done, json!({ "a": action_id }))
            .await;
        assert_eq!(
            body["data"]["setActionItemStatus"]["status"], "DONE",
            "[{backend}] the owner closes it: {body}"
        );
        let (_, body) = app
            .graphql_as(&s.member, view, json!({ "m": second }))
            .await;
        assert_eq!(
            body["data"]["meeting"]["carriedOverActionItems"],
            json!([]),
            "done items stay behind"
        );
        s.app.finish().await;
    }
}

#[tokio::test]
async fn attendance_is_recorded_once_the_meeting_has_begun() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let (_, body) = app
            .graphql_as(&s.coordinator, SCHEDULE, json!({ "group": s.group_id, "input": input("Future call", "2027-02-02T09:00:00Z", json!({})) }))
            .await;
        let future = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let record = "mutation ($m: ID!, $at: DateTime!, $who: [ID!]!) { recordAttendance(meetingId: $m, occurrenceStart: $at, attendeeIds: $who) }";
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                record,
                json!({ "m": future, "at": "2027-02-02T09:00:00Z", "who": [s.member_id] }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "[{backend}] not before it begins"
        );

        // A meeting that already took place (recorded directly: the API refuses the past).
        let group = app.store.working_groups().await.unwrap().remove(0).id;
        let started =
            chrono::DateTime::from_timestamp(app.clock.now().timestamp() - 7200, 0).unwrap();
        let draft = coalition_domain::meetings::MeetingDraft {
            title: "Last week's call".into(),
            description: String::new(),
            starts_at: started,
            ends_at: started + chrono::Duration::hours(1),
            time_zone: coalition_domain::people::TimeZone::parse("Africa/Dakar").unwrap(),
            online_url: None,
            location: None,
            visibility: coalition_domain::meetings::Visibility::Group,
            recurrence: None,
        };
        let actor = person_id(&s.member_id);
        let past = app
            .store
            .insert_meeting(actor, Some(group), draft, Box::new(|_| Vec::new()))
            .await
            .unwrap()
            .value;
        let meeting_id = base64_id("Meeting", past.id.0);
        let at = started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                record,
                json!({ "m": meeting_id, "at": at, "who": [s.member_id, s.member_id] }),
            )
            .await;
        assert_eq!(body["data"]["recordAttendance"], 1, "[{backend}] {body}");
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                "query ($m: ID!) { meeting(id: $m) { attendance { displayName } } }",
                json!({ "m": meeting_id }),
            )
            .await;
        assert_eq!(
            body["data"]["meeting"]["attendance"][0]["displayName"], "Amina Diallo",
            "{body}"
        );
        let (_, body) = app
            .graphql_as(
                &s.member,
                "query ($m: ID!) { meeting(id: $m) { attendance { displayName } } }",
                json!({ "m": meeting_id }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN");
        s.app.finish().await;
    }
}

/// The opaque global ID of an object, as the API issues it.
fn base64_id(kind: &str, id: i32) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}
