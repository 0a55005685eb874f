//! Answers to single occurrences of a series: they override the answer to the series for
//! that occurrence (`myRsvp`, `rsvpCounts` per occurrence), and are refused for cancelled
//! occurrences and for times that are not occurrences. Dates follow the clock.

use chrono::{DateTime, Duration, DurationRound, SecondsFormat, Utc};
use coalition_tests::{backends, error_code};
use serde_json::{Value, json};

use crate::meetings::{input, schedule_as_coordinator, setting};

const ANSWER: &str = "mutation ($id: ID!, $r: RsvpResponse!, $at: DateTime) { rsvp(meetingId: $id, response: $r, occurrence: $at) }";

const OCCURRENCES: &str = "query ($group: ID!, $from: DateTime!, $to: DateTime!) { workingGroup(id: $group) { meetings(from: $from, to: $to) { startsAt originalStartsAt status myRsvp rsvpCounts { yes no maybe } meeting { myRsvp rsvpCounts { yes no maybe } } } } }";

fn at(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn counts(yes: u64, no: u64, maybe: u64) -> Value {
    json!({ "yes": yes, "no": no, "maybe": maybe })
}

#[tokio::test]
async fn an_answer_to_one_occurrence_overrides_the_series_for_it() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let day = app.clock.now().duration_trunc(Duration::days(1)).unwrap()
            + Duration::days(5)
            + Duration::hours(9);
        let week = Duration::days(7);
        let series = input(
            "Weekly call",
            &at(day),
            json!({ "recurrence": "FREQ=WEEKLY;COUNT=4" }),
        );
        let body = schedule_as_coordinator(&s, series).await;
        let id = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let answer = |token: &str, response: &str, occurrence: Option<DateTime<Utc>>| {
            let variables = json!({ "id": id, "r": response, "at": occurrence.map(at) });
            let token = token.to_owned();
            async move { app.graphql_as(&token, ANSWER, variables).await.1 }
        };

        assert_eq!(
            answer(&s.member, "YES", None).await["data"]["rsvp"],
            "YES",
            "[{backend}]"
        );
        assert_eq!(
            answer(&s.coordinator, "MAYBE", None).await["data"]["rsvp"],
            "MAYBE"
        );
        let body = answer(&s.member, "NO", Some(day + week)).await;
        assert_eq!(body["data"]["rsvp"], "NO", "[{backend}] {body}");
        // Answering again replaces the occurrence's answer, not the series'.
        let body = answer(&s.coordinator, "YES", Some(day + week)).await;
        assert_eq!(body["data"]["rsvp"], "YES", "[{backend}] {body}");
        let body = answer(&s.coordinator, "NO", Some(day + week)).await;
        assert_eq!(body["data"]["rsvp"], "NO", "[{backend}] {body}");

        // Refusals: a time that is no occurrence, a cancelled occurrence, an outsider.
        let body = answer(&s.member, "YES", Some(day + week + Duration::minutes(30))).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{backend}] {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "occurrence");
        let cancel = "mutation ($id: ID!, $at: DateTime!) { cancelOccurrence(meetingId: $id, occurrenceStart: $at) { id } }";
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                cancel,
                json!({ "id": id, "at": at(day + week * 2) }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let body = answer(&s.member, "YES", Some(day + week * 2)).await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "[{backend}] cancelled: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "occurrence");
        let body = answer(&s.outsider, "YES", Some(day)).await;
        assert_eq!(
            error_code(&body),
            "NOT_FOUND",
            "[{backend}] an internal meeting: {body}"
        );

        // A moved occurrence is answered by its new time or the one the series gives it.
        let moving = "mutation ($id: ID!, $at: DateTime!, $to: DateTime!) { moveOccurrence(meetingId: $id, occurrenceStart: $at, startsAt: $to) { id } }";
        let moved_to = day + week * 3 + Duration::hours(2);
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                moving,
                json!({ "id": id, "at": at(day + week * 3), "to": at(moved_to) }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let body = answer(&s.member, "MAYBE", Some(moved_to)).await;
        assert_eq!(body["data"]["rsvp"], "MAYBE", "[{backend}] {body}");

        let window = json!({ "group": s.group_id, "from": at(day - Duration::days(1)), "to": at(day + week * 5) });
        let (_, body) = app.graphql_as(&s.member, OCCURRENCES, window.clone()).await;
        let listed = body["data"]["workingGroup"]["meetings"]
            .as_array()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .clone();
        let seen: Vec<Value> = listed
            .iter()
            .map(|o| {
                json!([
                    o["originalStartsAt"],
                    o["status"],
                    o["myRsvp"],
                    o["rsvpCounts"]
                ])
            })
            .collect();
        assert_eq!(
            seen,
            [
                json!([at(day), "SCHEDULED", "YES", counts(1, 0, 1)]),
                json!([at(day + week), "SCHEDULED", "NO", counts(0, 2, 0)]),
                json!([at(day + week * 2), "CANCELLED", "YES", counts(1, 0, 1)]),
                json!([at(day + week * 3), "MOVED", "MAYBE", counts(0, 0, 2)]),
            ],
            "[{backend}] per occurrence: its own answers, else the series'"
        );
        assert_eq!(listed[3]["startsAt"], at(moved_to));
        assert_eq!(
            listed[0]["meeting"]["myRsvp"], "YES",
            "[{backend}] the series answer stays"
        );
        assert_eq!(listed[0]["meeting"]["rsvpCounts"], counts(1, 0, 1));

        // Each viewer sees their own answers.
        let (_, body) = app.graphql_as(&s.coordinator, OCCURRENCES, window).await;
        assert_eq!(
            body["data"]["workingGroup"]["meetings"][1]["myRsvp"], "NO",
            "[{backend}]"
        );
        assert_eq!(
            body["data"]["workingGroup"]["meetings"][0]["myRsvp"],
            "MAYBE"
        );
        s.app.finish().await;
    }
}
