//! Meetings over HTTP, on every backend: scheduling and its refusals, series across a DST
//! change, views in any time zone, answers, conflicts, calendars, agendas and attendance.
//! This file holds the shared setting; each sub-feature has a file of its own.

mod agenda;
mod calendars;
mod scheduling;

use coalition_domain::membership::{MembershipRole, MembershipStatus};

use coalition_tests::accounts::{administrator, coordinator_of, person_id, signed_up};

use coalition_tests::{TestApp, backends, error_code};

use serde_json::{Value, json};

pub(super) const SCHEDULE: &str = "mutation ($group: ID, $input: MeetingInput!) { scheduleMeeting(groupId: $group, input: $input) { id title sequence status visibility startsAt endsAt timeZone recurrence } }";

pub(super) const UPDATE: &str = "mutation ($id: ID!, $input: MeetingInput!) { updateMeeting(id: $id, input: $input) { sequence title } }";

pub(super) const CANCEL: &str = "mutation ($id: ID!) { cancelMeeting(id: $id, reason: \"Moved to the plenary\") { sequence status cancelReason } }";

pub(super) const MEETINGS: &str = "query ($group: ID!, $from: DateTime!, $to: DateTime!) { workingGroup(id: $group) { meetings(from: $from, to: $to) { startsAt paris: startsAt(timeZone: \"Europe/Paris\") nairobi: startsAt(timeZone: \"Africa/Nairobi\") meeting { title } } } }";

pub(super) struct Setting {
    pub(super) app: TestApp,
    pub(super) group_id: String,
    pub(super) other_group_id: String,
    pub(super) coordinator: String,
    pub(super) member: String,
    pub(super) member_id: String,
    pub(super) outsider: String,
}

pub(super) async fn setting(backend: coalition_tests::Backend) -> Setting {
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
pub(super) fn weekly_series() -> Value {
    input(
        "Weekly check-in",
        "2027-03-16T09:00:00Z",
        json!({ "recurrence": "FREQ=WEEKLY;BYDAY=TU;COUNT=4", "visibility": "PUBLIC" }),
    )
}

/// Schedules a meeting of the first group as its coordinator; returns the response body.
pub(super) async fn schedule_as_coordinator(s: &Setting, input: Value) -> Value {
    s.app
        .graphql_as(
            &s.coordinator,
            SCHEDULE,
            json!({ "group": s.group_id, "input": input }),
        )
        .await
        .1
}

pub(super) fn input(title: &str, starts_at: &str, extra: Value) -> Value {
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
