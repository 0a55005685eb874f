//! Agendas, minutes, action items and attendance.

use super::*;

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
            title_translations: Default::default(),
            description_translations: Default::default(),
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

#[tokio::test]
async fn action_items_raised_in_a_series_carry_over_to_its_later_occurrences() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let body = schedule_as_coordinator(&s, weekly_series()).await;
        let series = body["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .to_owned();
        // The second Tuesday, 10:00 in Paris (winter time); the third is in summer time.
        let (second, third) = ("2027-03-23T09:00:00Z", "2027-03-30T08:00:00Z");
        let action = "mutation ($m: ID!, $at: DateTime) { addActionItem(meetingId: $m, title: \"Draft the survey\", occurrenceStart: $at) { raisedAtOccurrence } }";
        let (_, body) = app
            .graphql_as(
                &s.coordinator,
                action,
                json!({ "m": series, "at": "2027-03-23T10:00:00Z" }),
            )
            .await;
        assert_eq!(
            error_code(&body),
            "BAD_USER_INPUT",
            "[{backend}] no occurrence then"
        );
        let (_, body) = app
            .graphql_as(&s.coordinator, action, json!({ "m": series, "at": second }))
            .await;
        let raised_at = body["data"]["addActionItem"]["raisedAtOccurrence"]
            .as_str()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
        assert_eq!(
            raised_at,
            chrono::DateTime::parse_from_rfc3339(second).ok(),
            "[{backend}] {body}"
        );

        let carried = "query ($m: ID!, $at: DateTime) { meeting(id: $m) { carriedOverActionItems(occurrenceStart: $at) { title raisedAtOccurrence } } }";
        let titles = |body: &Value| -> Vec<String> {
            body["data"]["meeting"]["carriedOverActionItems"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|item| item["title"].as_str().unwrap().to_owned())
                .collect()
        };
        for (at, expected) in [
            (json!(null), Vec::<&str>::new()),
            (json!(second), Vec::new()),
            (json!(third), vec!["Draft the survey"]),
        ] {
            let (_, body) = app
                .graphql_as(&s.member, carried, json!({ "m": series, "at": at }))
                .await;
            assert_eq!(titles(&body), expected, "[{backend}] before {at}: {body}");
        }
        s.app.finish().await;
    }
}

#[tokio::test]
async fn long_lists_and_searches_are_refused_naming_the_bound() {
    for backend in backends() {
        let s = setting(backend).await;
        let app = &s.app;
        let refused = |body: &Value, field: &str, bound: &str| {
            assert_eq!(error_code(body), "BAD_USER_INPUT", "[{backend}] {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(bound),
                "[{backend}] names the bound: {body}"
            );
        };

        let body =
            schedule_as_coordinator(&s, input("Future call", "2027-02-02T09:00:00Z", json!({})))
                .await;
        let meeting = body["data"]["scheduleMeeting"]["id"].as_str().unwrap();
        let record = "mutation ($m: ID!, $who: [ID!]!) { recordAttendance(meetingId: $m, occurrenceStart: \"2027-02-02T09:00:00Z\", attendeeIds: $who) }";
        let who = vec![s.member_id.clone(); 1001];
        let (_, body) = app
            .graphql_as(&s.coordinator, record, json!({ "m": meeting, "who": who }))
            .await;
        refused(&body, "attendeeIds", "1000");

        let update = "mutation ($p: [NotificationPreferenceInput!]!) { updateNotificationPreferences(preferences: $p) { category mode } }";
        let entry = json!({ "category": "MEETINGS", "mode": "OFF" });
        let (_, body) = app
            .graphql_as(&s.member, update, json!({ "p": vec![entry.clone(); 5] }))
            .await;
        refused(&body, "preferences", "4");
        // Repeating a category within the bound: the last entry wins.
        let entries = json!([entry, { "category": "MEETINGS", "mode": "DAILY_DIGEST" }]);
        let (_, body) = app
            .graphql_as(&s.member, update, json!({ "p": entries }))
            .await;
        let modes = &body["data"]["updateNotificationPreferences"];
        let meetings = modes
            .as_array()
            .unwrap_or_else(|| panic!("[{backend}] {body}"))
            .iter()
            .find(|preference| preference["category"] == "MEETINGS")
            .unwrap();
        assert_eq!(meetings["mode"], "DAILY_DIGEST", "[{backend}] {body}");

        let search = "query ($g: ID!, $text: String!) { workingGroup(id: $g) { members(filter: { search: $text }) { totalCount } } }";
        let (_, body) = app
            .graphql_as(
                &s.member,
                search,
                json!({ "g": s.group_id, "text": "a".repeat(201) }),
            )
            .await;
        refused(&body, "search", "200");
        let (_, body) = app
            .graphql_as(
                &s.member,
                search,
                json!({ "g": s.group_id, "text": "Amina" }),
            )
            .await;
        assert_eq!(
            body["data"]["workingGroup"]["members"]["totalCount"], 1,
            "[{backend}] {body}"
        );
        s.app.finish().await;
    }
}
