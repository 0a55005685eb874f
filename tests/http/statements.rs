//! The SQL statements a query runs do not grow with page sizes or with the number of
//! parents: every relation goes through a per-request batch loader. Counted per operation
//! from `coalition_graphql_statements_total` on `/metrics` (each request here has an
//! operation name of its own), on every backend.

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_tests::accounts::{coordinator_of, person_id, signed_up};
use coalition_tests::fixtures::{enrol, new_person};
use coalition_tests::metrics::{parse, sample};
use coalition_tests::{Backend, TestApp, backends};
use serde_json::{Value, json};

/// The frontend's dashboard: every group, a page of its members with their people.
const DASHBOARD: &str = "query NAME($first: Int!) { workingGroups { name summary members(first: $first) { totalCount edges { node { role since person { displayName organisation country } } } } } }";

/// The same without `totalCount`.
const DASHBOARD_WITHOUT_COUNT: &str = "query NAME($first: Int!) { workingGroups { name summary members(first: $first) { edges { node { role since person { displayName organisation country } } } } } }";

/// A group's calendar with everything a meeting page shows.
const MEETINGS: &str = "query NAME($from: DateTime!, $to: DateTime!) { workingGroups { name meetings(from: $from, to: $to) { startsAt meeting { title agenda { title } rsvpCounts { yes no maybe } myRsvp actionItems { title owner { displayName } } } } } }";

/// The statements of the dashboard: the groups, one page of members for all of them, one
/// count for all of them.
const DASHBOARD_STATEMENTS: u64 = 3;

/// The groups; their meetings (one statement) and the series' changed occurrences (one);
/// then one level for agendas, answer counts, the viewer's answers and action items (one
/// statement each); then the owners (one), and for owners the viewer may only see through
/// a membership, their accounts and memberships (one each).
const MEETINGS_STATEMENTS: u64 = 10;

/// Runs `query` (with `NAME` as its operation name, unique in the process) and returns the
/// body and the statements it ran.
async fn counted(
    app: &TestApp,
    token: Option<&str>,
    name: &str,
    query: &str,
    variables: Value,
) -> (Value, u64) {
    let name = format!("{name}_{}", app.backend);
    let mut request = app.client.post(app.url("/graphql")).json(&json!({
        "query": query.replace("NAME", &name),
        "variables": variables,
        "operationName": name,
    }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request reaches the server");
    let body: Value = response.json().await.expect("JSON body");
    assert!(
        body.get("errors").is_none(),
        "[{}] {name}: {body}",
        app.backend
    );
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics text");
    let statements = sample(
        &parse(&metrics),
        "coalition_graphql_statements_total",
        &[("operation", name.as_str())],
    )
    .unwrap_or_else(|| panic!("[{}] no statement count for {name}", app.backend));
    (body, statements as u64)
}

async fn metered(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.metrics.enabled = true;
        // The calendar query asks for a five-month window of every group's meetings with
        // their lists: far above the default cost limit, which is not what is measured here.
        settings.graphql.max_complexity = 10_000_000;
    })
    .await
}

fn people(prefix: &str, count: usize) -> Vec<coalition_domain::people::NewPerson> {
    use coalition_domain::stakeholder::StakeholderType;
    (0..count)
        .map(|index| {
            new_person(
                &format!("{prefix} Expert {index:03}"),
                &format!("{}.{index}@example.org", prefix.to_lowercase()),
                ["KE", "FR", "BR", "IN", "EG"][index % 5],
                StakeholderType::ALL[index % StakeholderType::ALL.len()],
                "Europe/Paris",
            )
        })
        .collect()
}

fn page_names(body: &Value, group: usize) -> Vec<String> {
    body["data"]["workingGroups"][group]["members"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|edge| edge["node"]["person"]["displayName"].as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_dashboard_runs_the_same_statements_whatever_the_page_size_and_membership() {
    for backend in backends() {
        let app = metered(backend).await;
        let (first_group, _) = app.group(0).await;
        let (second_group, _) = app.group(1).await;
        enrol(&app.store, first_group, people("Few", 3)).await;

        let mut seen = Vec::new();
        for first in [10, 100] {
            let (_, statements) = counted(
                &app,
                None,
                &format!("DashboardFew{first}"),
                DASHBOARD,
                json!({ "first": first }),
            )
            .await;
            seen.push(statements);
        }

        // Many more members, in two groups, some past a page of 100.
        enrol(&app.store, first_group, people("Many", 120)).await;
        enrol(&app.store, second_group, people("Other", 30)).await;
        for first in [10, 100] {
            let (body, statements) = counted(
                &app,
                None,
                &format!("DashboardMany{first}"),
                DASHBOARD,
                json!({ "first": first }),
            )
            .await;
            seen.push(statements);
            let groups = &body["data"]["workingGroups"];
            assert_eq!(groups[0]["members"]["totalCount"], 123, "[{backend}]");
            assert_eq!(groups[1]["members"]["totalCount"], 30, "[{backend}]");
            assert_eq!(groups[2]["members"]["totalCount"], 0, "[{backend}]");
            // Each group's page is its own, in joining order, cut at the page size.
            let names = page_names(&body, 0);
            assert_eq!(names.len(), first, "[{backend}]");
            assert_eq!(names[0], "Few Expert 000", "[{backend}]");
            assert_eq!(names[3], "Many Expert 000", "[{backend}]");
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(names, sorted, "[{backend}] joining order");
            assert_eq!(
                page_names(&body, 1).len(),
                first.min(30),
                "[{backend}] {}",
                body["data"]["workingGroups"][1]
            );
            assert!(page_names(&body, 2).is_empty(), "[{backend}]");
        }
        assert_eq!(
            seen,
            vec![DASHBOARD_STATEMENTS; 4],
            "[{backend}] statements at pages of 10 and 100, with few and many members"
        );

        // The count runs only when asked for: one statement fewer.
        for first in [10, 100] {
            let (body, statements) = counted(
                &app,
                None,
                &format!("DashboardUncounted{first}"),
                DASHBOARD_WITHOUT_COUNT,
                json!({ "first": first }),
            )
            .await;
            assert_eq!(page_names(&body, 0).len(), first, "[{backend}]");
            assert_eq!(
                statements,
                DASHBOARD_STATEMENTS - 1,
                "[{backend}] no COUNT without totalCount"
            );
        }
        app.finish().await;
    }
}

/// One group looked up, or four (aliases at the root are batched too).
#[tokio::test]
async fn aliased_groups_share_their_statements() {
    for backend in backends() {
        let app = metered(backend).await;
        let mut ids = Vec::new();
        for index in 0..4 {
            let (group, id) = app.group(index).await;
            enrol(
                &app.store,
                group,
                people(&format!("G{index}"), 5 + 10 * index),
            )
            .await;
            ids.push(id);
        }
        let fields =
            "name members(first: 20) { totalCount edges { node { person { displayName } } } }";
        let one = format!(
            "query NAME {{ a: workingGroup(id: \"{}\") {{ {fields} }} }}",
            ids[0]
        );
        let four = format!(
            "query NAME {{ a: workingGroup(id: \"{}\") {{ {fields} }} b: workingGroup(id: \"{}\") {{ {fields} }} c: workingGroup(id: \"{}\") {{ {fields} }} d: workingGroup(id: \"{}\") {{ {fields} }} }}",
            ids[0], ids[1], ids[2], ids[3]
        );
        let (_, alone) = counted(&app, None, "OneGroup", &one, json!({})).await;
        let (body, together) = counted(&app, None, "FourGroups", &four, json!({})).await;
        assert_eq!(
            body["data"]["d"]["members"]["totalCount"], 35,
            "[{backend}]"
        );
        assert_eq!(alone, 3, "[{backend}] the group, a page, a count");
        assert_eq!(
            together, alone,
            "[{backend}] four groups cost what one does"
        );
        app.finish().await;
    }
}

struct Calendar {
    app: TestApp,
    coordinator: String,
    member: String,
    groups: Vec<String>,
}

impl Calendar {
    async fn new(backend: Backend) -> Self {
        let app = metered(backend).await;
        let (first, first_id) = app.group(0).await;
        let (second, second_id) = app.group(1).await;
        let (coordinator_id, coordinator) =
            coordinator_of(&app, first, "Claire Martin", "claire@example.fr").await;
        app.store
            .insert_membership(
                second,
                person_id(&coordinator_id),
                MembershipRole::Coordinator,
                MembershipStatus::Active,
            )
            .await
            .expect("coordinates the second group too");
        let (member_id, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        for group in [first, second] {
            app.store
                .insert_membership(
                    group,
                    person_id(&member_id),
                    MembershipRole::Member,
                    MembershipStatus::Active,
                )
                .await
                .expect("a member");
        }
        Self {
            app,
            coordinator,
            member,
            groups: vec![first_id, second_id],
        }
    }

    async fn as_coordinator(&self, query: &str, variables: Value) -> Value {
        let (_, body) = self
            .app
            .graphql_as(&self.coordinator, query, variables)
            .await;
        assert!(
            body.get("errors").is_none(),
            "[{}] {body}",
            self.app.backend
        );
        body
    }

    /// Schedules a meeting (a weekly series when `weekly`) with two agenda items and an
    /// action item the coordinator owns; the member answers it.
    async fn meeting(&self, group: usize, day: u32, weekly: bool) {
        let mut input = json!({
            "title": format!("Call {group}-{day}"),
            "startsAt": (calendar_month_start() + chrono::Duration::days(i64::from(day)) + chrono::Duration::hours(9)).to_rfc3339(),
            "durationMinutes": 60,
            "timeZone": "Europe/Paris",
        });
        if weekly {
            input["recurrence"] = json!("FREQ=WEEKLY;COUNT=4");
        }
        let body = self
            .as_coordinator(
                "mutation ($g: ID, $i: MeetingInput!) { scheduleMeeting(groupId: $g, input: $i) { id } }",
                json!({ "g": self.groups[group], "i": input }),
            )
            .await;
        let meeting = body["data"]["scheduleMeeting"]["id"].clone();
        for title in ["Welcome", "Survey"] {
            self.as_coordinator(
                "mutation ($m: ID!, $t: String!) { addAgendaItem(meetingId: $m, input: { title: $t }) { id } }",
                json!({ "m": meeting, "t": title }),
            )
            .await;
        }
        let me = self.as_coordinator("{ me { id } }", json!({})).await["data"]["me"]["id"].clone();
        self.as_coordinator(
            "mutation ($m: ID!, $o: ID) { addActionItem(meetingId: $m, title: \"Translate\", ownerId: $o) { id } }",
            json!({ "m": meeting, "o": me }),
        )
        .await;
        let (_, body) = self
            .app
            .graphql_as(
                &self.member,
                "mutation ($m: ID!) { rsvp(meetingId: $m, response: YES) }",
                json!({ "m": meeting }),
            )
            .await;
        assert_eq!(body["data"]["rsvp"], "YES", "[{}] {body}", self.app.backend);
    }
}

#[tokio::test]
async fn a_calendar_runs_the_same_statements_whatever_the_number_of_meetings_and_groups() {
    for backend in backends() {
        let calendar = Calendar::new(backend).await;
        let start = calendar_month_start();
        let window = json!({ "from": (start - chrono::Duration::days(31)).to_rfc3339(), "to": (start + chrono::Duration::days(120)).to_rfc3339() });
        calendar.meeting(0, 1, true).await;
        calendar.meeting(0, 2, false).await;
        let (body, few) = counted(
            &calendar.app,
            Some(&calendar.member),
            "CalendarFew",
            MEETINGS,
            window.clone(),
        )
        .await;
        let occurrences = body["data"]["workingGroups"][0]["meetings"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(occurrences, 5, "[{backend}] a series of four and a meeting");

        for day in 3..9 {
            calendar.meeting(day as usize % 2, day, day == 3).await;
        }
        let (body, many) = counted(
            &calendar.app,
            Some(&calendar.member),
            "CalendarMany",
            MEETINGS,
            window,
        )
        .await;
        let groups = &body["data"]["workingGroups"];
        let first = groups[0]["meetings"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let second = groups[1]["meetings"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(first.len(), 8, "[{backend}] {body}");
        assert_eq!(second.len(), 6, "[{backend}] {body}");
        for occurrence in first.iter().chain(&second) {
            let meeting = &occurrence["meeting"];
            assert_eq!(meeting["agenda"][1]["title"], "Survey", "[{backend}]");
            assert_eq!(meeting["rsvpCounts"]["yes"], 1, "[{backend}]");
            assert_eq!(meeting["myRsvp"], "YES", "[{backend}]");
            assert_eq!(
                meeting["actionItems"][0]["owner"]["displayName"], "Claire Martin",
                "[{backend}]"
            );
        }
        assert_eq!(
            (few, many),
            (MEETINGS_STATEMENTS, MEETINGS_STATEMENTS),
            "[{backend}] statements with 2 meetings in one group, then 8 in two"
        );
        calendar.app.finish().await;
    }
}

/// Midnight UTC two months from now: the meetings here are always in the future, whatever
/// the date the suite runs on.
fn calendar_month_start() -> chrono::DateTime<chrono::Utc> {
    let day = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive();
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Schedules a meeting for a group's members.
const SCHEDULE_GROUP_MEETING: &str = "mutation ($g: ID!, $t: String!, $at: DateTime!) { scheduleMeeting(groupId: $g, input: { title: $t, startsAt: $at, durationMinutes: 60, timeZone: \"Europe/Paris\", visibility: GROUP }) { id } }";

/// Reads the first `size` entries of a group's history with `query` (a `HISTORY`-like
/// query); returns the body, the entries and the statements it ran.
async fn history_page(
    app: &TestApp,
    reader: &str,
    name: &str,
    query: &str,
    group: &str,
    size: usize,
) -> (Value, Vec<Value>, u64) {
    let variables = json!({ "group": group, "first": size });
    let (body, statements) = counted(app, Some(reader), name, query, variables).await;
    let edges = body["data"]["workingGroup"]["activity"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), size, "[{}] {body}", app.backend);
    (body, edges, statements)
}

/// A group's history with who did each change and what it changed.
const HISTORY: &str = "query NAME($group: ID!, $first: Int!) { workingGroup(id: $group) { activity(first: $first) { edges { node { verb actor { displayName } subject { __typename ... on Meeting { title } ... on Person { displayName } ... on WorkingGroup { name } } } } } } }";

/// The history's people and subjects are read a kind at a time, not an entry at a time.
#[tokio::test]
async fn a_history_page_runs_the_same_statements_whatever_its_length() {
    for backend in backends() {
        let app = metered(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, first) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, second) = coordinator_of(&app, group, "Kofi Mensah", "kofi@example.gh").await;
        let (_, reader) =
            coalition_tests::accounts::member_of(&app, group, "Amina Diallo", "amina@example.sn")
                .await;
        for index in 0..20_i64 {
            let starts_at = app.clock.now() + chrono::Duration::days(10 + index);
            let coordinator = if index % 2 == 0 { &first } else { &second };
            let (_, body) = app
                .graphql_as(
                    coordinator,
                    SCHEDULE_GROUP_MEETING,
                    json!({ "g": group_id, "t": format!("Call {index:02}"), "at": starts_at.to_rfc3339() }),
                )
                .await;
            assert!(body.get("errors").is_none(), "[{backend}] {body}");
        }
        let mut costs = Vec::new();
        for (name, size) in [("ShortHistory", 2), ("LongHistory", 20)] {
            let (body, edges, statements) =
                history_page(&app, &reader, name, HISTORY, &group_id, size).await;
            let mut actors = std::collections::HashSet::new();
            for edge in &edges {
                let node = &edge["node"];
                assert_eq!(node["verb"], "meeting.scheduled", "[{backend}] {node}");
                assert_eq!(
                    node["subject"]["__typename"], "Meeting",
                    "[{backend}] {node}"
                );
                assert!(node["subject"]["title"].is_string(), "[{backend}] {node}");
                actors.insert(
                    node["actor"]["displayName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
            assert_eq!(
                actors,
                ["Claire Martin", "Kofi Mensah"]
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                "[{backend}] both coordinators seen through their memberships: {body}"
            );
            costs.push(statements);
        }
        assert_eq!(
            costs[0], costs[1],
            "[{backend}] twenty entries cost what two do"
        );
        assert_eq!(costs[0], HISTORY_STATEMENTS, "[{backend}]");
        app.finish().await;
    }
}

/// The group and the viewer's right to its internals; one scan of the log; the actors
/// (one statement), their accounts and memberships (one each); the meetings (one) and
/// their changed occurrences (one).
const HISTORY_STATEMENTS: u64 = 7;

/// A group's history of several kinds of change, as a coordinator reads it.
const MIXED_HISTORY: &str = "query NAME($group: ID!, $first: Int!) { workingGroup(id: $group) { activity(first: $first) { edges { node { verb actor { displayName } subject { __typename ... on Meeting { title } ... on Invitation { email } ... on Membership { role person { displayName } } } } } } } }";

/// Meetings, invitations and memberships in one history page are each read a kind at a
/// time: a page of ten rounds of the three costs what a page of one round does.
#[tokio::test]
async fn a_history_page_of_several_kinds_runs_the_same_statements_whatever_its_length() {
    for backend in backends() {
        let app = metered(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, first) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, second) = coordinator_of(&app, group, "Kofi Mensah", "kofi@example.gh").await;
        let (_, reader) = coordinator_of(&app, group, "Amina Diallo", "amina@example.sn").await;
        let (_, _) =
            coalition_tests::accounts::member_of(&app, group, "Lena Berg", "lena@example.se").await;
        let (_, body) = app
            .graphql_as(
                &reader,
                "query ($g: ID!) { workingGroup(id: $g) { members(first: 50) { edges { node { id person { displayName } } } } } }",
                json!({ "g": group_id }),
            )
            .await;
        let membership = body["data"]["workingGroup"]["members"]["edges"]
            .as_array()
            .and_then(|edges| {
                edges
                    .iter()
                    .find(|edge| edge["node"]["person"]["displayName"] == "Lena Berg")
            })
            .map(|edge| edge["node"]["id"].clone())
            .unwrap_or_else(|| panic!("[{backend}] Lena's membership: {body}"));
        for round in 0..10_i64 {
            let coordinator = if round % 2 == 0 { &first } else { &second };
            let starts_at = app.clock.now() + chrono::Duration::days(10 + round);
            let role = if round % 2 == 0 { "OBSERVER" } else { "MEMBER" };
            for (query, variables) in [
                (
                    SCHEDULE_GROUP_MEETING,
                    json!({ "g": group_id, "t": format!("Call {round:02}"), "at": starts_at.to_rfc3339() }),
                ),
                (
                    "mutation ($g: ID!, $e: String!) { inviteMember(groupId: $g, email: $e, role: MEMBER) { id } }",
                    json!({ "g": group_id, "e": format!("guest{round}@example.org") }),
                ),
                (
                    "mutation ($m: ID!, $r: MembershipRole!) { changeMemberRole(membershipId: $m, role: $r) { id } }",
                    json!({ "m": membership, "r": role }),
                ),
            ] {
                let (_, body) = app.graphql_as(coordinator, query, variables).await;
                assert!(body.get("errors").is_none(), "[{backend}] {body}");
            }
        }
        let mut costs = Vec::new();
        for (name, size) in [("OneRound", 3), ("TenRounds", 30)] {
            let (body, edges, statements) =
                history_page(&app, &reader, name, MIXED_HISTORY, &group_id, size).await;
            let mut kinds = std::collections::BTreeSet::new();
            for edge in &edges {
                let node = &edge["node"];
                assert!(
                    node["actor"]["displayName"].is_string(),
                    "[{backend}] {node}"
                );
                let subject = &node["subject"];
                match subject["__typename"].as_str() {
                    Some("Meeting") => assert!(subject["title"].is_string(), "{node}"),
                    Some("Invitation") => assert!(subject["email"].is_string(), "{node}"),
                    Some("Membership") => {
                        assert_eq!(subject["person"]["displayName"], "Lena Berg", "{node}")
                    }
                    _ => panic!("[{backend}] an unexpected subject: {node}"),
                }
                kinds.insert(
                    subject["__typename"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
            assert_eq!(kinds.len(), 3, "[{backend}] {body}");
            costs.push(statements);
        }
        assert_eq!(
            costs[0], costs[1],
            "[{backend}] thirty entries cost what three do"
        );
        app.finish().await;
    }
}
