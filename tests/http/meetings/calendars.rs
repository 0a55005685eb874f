//! iCalendar feeds and single occurrences of a series cancelled or moved.

use super::*;

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
                "2027-03-23T09:00:00Z",
                "2027-03-31T12:00:00Z",
                "2027-04-06T08:00:00Z"
            ],
            "[{backend}] the cancelled occurrence stays listed (with its status)"
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
            3,
            "[{backend}] the series, its cancelled and its moved occurrence: {text}"
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
            .find(|e| {
                property(e, "RECURRENCE-ID").is_some()
                    && property(e, "STATUS").and_then(|p| p.value.as_deref()) != Some("CANCELLED")
            })
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
                // The move's mail (the cancellation's has an override of its own).
                "RECURRENCE-ID;TZID=Europe/Paris:20270330T100000",
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
