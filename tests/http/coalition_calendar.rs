//! The coalition's calendar: `coalition.meetings` for each kind of viewer (internal meetings
//! hidden from those outside), occurrences that say what happened to them, and the public
//! iCalendar feed of the plenaries at `/calendar/coalition.ics`. Dates follow the clock.

use chrono::{DateTime, Duration, DurationRound, SecondsFormat, Utc};
use coalition_tests::accounts::{administrator, coordinator_of};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

use crate::meetings::{SCHEDULE, input, setting};

const CALENDAR: &str = "query ($from: DateTime!, $to: DateTime!) { coalition { meetings(from: $from, to: $to) { startsAt originalStartsAt status meeting { title } } } }";

fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// 09:00 UTC, ten days after the server's clock reads now.
fn first_day(app: &TestApp) -> DateTime<Utc> {
    app.clock
        .now()
        .duration_trunc(Duration::days(1))
        .expect("a day boundary")
        + Duration::days(10)
        + Duration::hours(9)
}

async fn schedule(app: &TestApp, token: &str, group: Option<&str>, input: Value) -> String {
    let (_, body) = app
        .graphql_as(token, SCHEDULE, json!({ "group": group, "input": input }))
        .await;
    body["data"]["scheduleMeeting"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("[{}] scheduled: {body}", app.backend))
        .to_owned()
}

/// The titles a viewer's coalition calendar lists, one per occurrence, sorted.
async fn titles(app: &TestApp, token: Option<&str>, window: &Value) -> Vec<String> {
    let body = match token {
        Some(token) => app.graphql_as(token, CALENDAR, window.clone()).await.1,
        None => app.graphql(CALENDAR, window.clone()).await,
    };
    let mut found: Vec<String> = body["data"]["coalition"]["meetings"]
        .as_array()
        .unwrap_or_else(|| panic!("[{}] a calendar: {body}", app.backend))
        .iter()
        .map(|o| o["meeting"]["title"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

fn parse_calendar(text: &str) -> ical::parser::ical::component::IcalCalendar {
    ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()))
        .next()
        .expect("one calendar")
        .expect("valid iCalendar")
}

fn value<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Option<&'a str> {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[tokio::test]
async fn each_viewer_sees_the_coalition_meetings_the_policy_shows_them() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let (_, admin) = administrator(app, "Secretariat", "secretariat@example.org").await;
        let (other_group, _) = app.group(1).await;
        let (_, other_coordinator) =
            coordinator_of(app, other_group, "Ola Nordmann", "ola@example.no").await;
        let day = first_day(app);
        let public = json!({ "visibility": "PUBLIC" });
        schedule(
            app,
            &admin,
            None,
            input(
                "Open plenary",
                &at(day),
                json!({ "visibility": "PUBLIC", "recurrence": "FREQ=WEEKLY;COUNT=3" }),
            ),
        )
        .await;
        schedule(
            app,
            &admin,
            None,
            input("Members plenary", &at(day + Duration::hours(3)), json!({})),
        )
        .await;
        schedule(
            app,
            &s.coordinator,
            Some(&s.group_id),
            input("Group webinar", &at(day + Duration::days(1)), public),
        )
        .await;
        schedule(
            app,
            &s.coordinator,
            Some(&s.group_id),
            input("Group internal", &at(day + Duration::days(2)), json!({})),
        )
        .await;
        schedule(
            app,
            &s.coordinator,
            Some(&s.group_id),
            input(
                "Coalition briefing",
                &at(day + Duration::days(3)),
                json!({ "visibility": "COALITION" }),
            ),
        )
        .await;
        schedule(
            app,
            &other_coordinator,
            Some(&s.other_group_id),
            input("Other internal", &at(day + Duration::days(4)), json!({})),
        )
        .await;
        // Outside the window: not listed.
        schedule(
            app,
            &admin,
            None,
            input(
                "Later plenary",
                &at(day + Duration::days(60)),
                json!({ "visibility": "PUBLIC" }),
            ),
        )
        .await;

        let window =
            json!({ "from": at(day - Duration::days(1)), "to": at(day + Duration::days(30)) });
        let plenary = || vec!["Open plenary".to_owned(); 3];
        let with = |extra: &[&str]| {
            let mut all = plenary();
            all.extend(extra.iter().map(|t| (*t).to_owned()));
            all.sort();
            all
        };
        assert_eq!(
            titles(app, None, &window).await,
            with(&["Group webinar"]),
            "[{backend}] anonymous: public only"
        );
        assert_eq!(
            titles(app, Some(&s.outsider), &window).await,
            with(&["Coalition briefing", "Group webinar"]),
            "[{backend}] an account in no group: no internal meeting, no members' plenary"
        );
        assert_eq!(
            titles(app, Some(&s.member), &window).await,
            with(&[
                "Coalition briefing",
                "Group internal",
                "Group webinar",
                "Members plenary"
            ]),
            "[{backend}] a member: their group's internal meetings, not another group's"
        );
        assert_eq!(
            titles(app, Some(&admin), &window).await,
            with(&[
                "Coalition briefing",
                "Group internal",
                "Group webinar",
                "Members plenary",
                "Other internal"
            ]),
            "[{backend}] an administrator: everything"
        );

        let backwards = json!({ "from": at(day), "to": at(day - Duration::days(1)) });
        let body = app.graphql(CALENDAR, backwards).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        let too_long = json!({ "from": at(day), "to": at(day + Duration::days(400)) });
        let body = app.graphql(CALENDAR, too_long).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        s.app.finish().await;
    }
}

#[tokio::test]
async fn moved_and_cancelled_plenaries_show_in_the_calendar_and_the_public_feed() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let (_, admin) = administrator(app, "Secretariat", "secretariat@example.org").await;
        let day = first_day(app);
        let week = Duration::days(7);
        let series = schedule(
            app,
            &admin,
            None,
            input(
                "Open plenary",
                &at(day),
                json!({ "visibility": "PUBLIC", "recurrence": "FREQ=WEEKLY;COUNT=4" }),
            ),
        )
        .await;
        schedule(
            app,
            &admin,
            None,
            input("Members plenary", &at(day + Duration::hours(3)), json!({})),
        )
        .await;
        schedule(
            app,
            &s.coordinator,
            Some(&s.group_id),
            input(
                "Group webinar",
                &at(day + Duration::days(1)),
                json!({ "visibility": "PUBLIC" }),
            ),
        )
        .await;

        let cancel = "mutation ($id: ID!, $at: DateTime!) { cancelOccurrence(meetingId: $id, occurrenceStart: $at) { id } }";
        let moving = "mutation ($id: ID!, $at: DateTime!, $to: DateTime!) { moveOccurrence(meetingId: $id, occurrenceStart: $at, startsAt: $to) { id } }";
        let (_, body) = app
            .graphql_as(
                &admin,
                cancel,
                json!({ "id": series, "at": at(day + week) }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let moved_to = day + week * 2 + Duration::days(1) + Duration::hours(4);
        let (_, body) = app
            .graphql_as(
                &admin,
                moving,
                json!({ "id": series, "at": at(day + week * 2), "to": at(moved_to) }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");

        let window =
            json!({ "from": at(day - Duration::days(1)), "to": at(day + Duration::days(40)) });
        let body = app.graphql(CALENDAR, window).await;
        let listed: Vec<(String, String, String)> = body["data"]["coalition"]["meetings"]
            .as_array()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .iter()
            .filter(|o| o["meeting"]["title"] == "Open plenary")
            .map(|o| {
                let text = |key: &str| o[key].as_str().unwrap().to_owned();
                (text("startsAt"), text("originalStartsAt"), text("status"))
            })
            .collect();
        let row = |start: DateTime<Utc>, original: DateTime<Utc>, status: &str| {
            (at(start), at(original), status.to_owned())
        };
        assert_eq!(
            listed,
            [
                row(day, day, "SCHEDULED"),
                row(day + week, day + week, "CANCELLED"),
                row(moved_to, day + week * 2, "MOVED"),
                row(day + week * 3, day + week * 3, "SCHEDULED"),
            ],
            "[{backend}] the cancelled occurrence stays; the moved one shows both times"
        );

        let response = app
            .client
            .get(app.url("/calendar/coalition.ics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "[{backend}] no token needed");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let text = response.text().await.unwrap();
        let calendar = parse_calendar(&text);
        assert!(
            calendar
                .events
                .iter()
                .all(|e| value(e, "SUMMARY") == Some("Open plenary")),
            "[{backend}] public plenaries only: {text}"
        );
        assert_eq!(
            calendar.events.len(),
            3,
            "[{backend}] the series and its two changed occurrences: {text}"
        );
        let defined = calendar.timezones.iter().any(|tz| {
            tz.properties
                .iter()
                .any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Paris"))
        });
        assert!(defined, "[{backend}] the TZID used is defined: {text}");
        let series_event = calendar
            .events
            .iter()
            .find(|e| value(e, "RRULE").is_some())
            .unwrap();
        assert_eq!(value(series_event, "RRULE"), Some("FREQ=WEEKLY;COUNT=4"));
        assert_eq!(value(series_event, "STATUS"), Some("CONFIRMED"));
        let uid = value(series_event, "UID");
        let overrides: Vec<_> = calendar
            .events
            .iter()
            .filter(|e| value(e, "RECURRENCE-ID").is_some())
            .collect();
        assert_eq!(overrides.len(), 2, "[{backend}] {text}");
        assert!(
            overrides
                .iter()
                .all(|e| value(e, "UID") == uid && value(e, "RRULE").is_none())
        );
        let cancelled: Vec<_> = overrides
            .iter()
            .filter(|e| value(e, "STATUS") == Some("CANCELLED"))
            .collect();
        assert_eq!(
            cancelled.len(),
            1,
            "[{backend}] STATUS:CANCELLED on the override: {text}"
        );
        assert_eq!(
            value(cancelled[0], "RECURRENCE-ID"),
            value(cancelled[0], "DTSTART"),
            "[{backend}] the cancelled occurrence keeps its time"
        );
        let moved = overrides
            .iter()
            .find(|e| value(e, "STATUS") == Some("CONFIRMED"))
            .unwrap();
        assert_ne!(
            value(moved, "RECURRENCE-ID"),
            value(moved, "DTSTART"),
            "[{backend}] moved"
        );
        assert!(
            !text.contains("Members plenary") && !text.contains("Group webinar"),
            "[{backend}] nothing but public plenaries: {text}"
        );
        s.app.finish().await;
    }
}
