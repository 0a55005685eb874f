//! Scheduling, changing and cancelling meetings; series across DST; answers; conflicts and fair slots.

use super::*;

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
