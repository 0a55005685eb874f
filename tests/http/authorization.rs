//! The authorization sweep: every mutation and query root field, and the fields that hold
//! private data, tried as every kind of viewer, each answer checked against one table.
//!
//! The mutations and query fields are read from the running server's schema
//! (introspection), so a new one without a row here fails with a message naming it. The
//! fixtures are built once per backend; the rows run in order against them, allowed
//! viewers last, so a refusal is never explained by a change an earlier row made.

use std::collections::BTreeSet;

use crate::documents::pdf;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_store::AccountChange;
use coalition_tests::accounts::{
    PASSWORD, administrator, coordinator_of, login, login_body, person_id, registration, signed_up,
    unverified_member,
};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

/// What a viewer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Allowed: no refusal (a mutation may still fail on its input or state, e.g.
    /// `BAD_USER_INPUT` or `CONFLICT`; a field has a value).
    A,
    /// Hidden: the field is null, without a refusal.
    H,
    /// `UNAUTHENTICATED`.
    U,
    /// `FORBIDDEN`.
    F,
    /// `NOT_FOUND`: for what the viewer may not know exists.
    N,
}
use Outcome::*;

/// The table's columns, in order. Two more viewers run every row: an unverified account
/// (it cannot sign in, so it has no session: the anonymous column applies) and a disabled
/// one (its session ended when it was disabled: `UNAUTHENTICATED` everywhere).
const COLUMNS: [&str; 7] = [
    "anonymous",
    "outsider",
    "observer",
    "member",
    "coordinator of another group",
    "coordinator",
    "administrator",
];

/// What a row checks: a mutation's refusal, or a value at a path under `data`.
#[derive(Clone, Copy)]
enum Check {
    Refusal,
    Value(&'static [&'static str]),
}

/// One row: a root field (its name ties the row to the schema), the operation, its
/// variables for a viewer, and what each column gets.
struct Row {
    field: &'static str,
    label: &'static str,
    query: &'static str,
    variables: fn(&Fixture, &str) -> Value,
    check: Check,
    expected: [Outcome; 7],
    /// The row ends sessions: every viewer signs in again afterwards.
    ends_sessions: bool,
}

/// Global IDs of what the rows act on.
#[derive(Default)]
struct Fixture {
    group: String,
    other_group: String,
    member: String,
    pending: String,
    /// A request to join that no row decides.
    waiting: String,
    waiting_person: String,
    target: String,
    invitation: String,
    victim: String,
    series: String,
    to_cancel: String,
    agenda_item: String,
    removable_items: Vec<String>,
    action_item: String,
    outbox_message: String,
    document: String,
    document_to_purge: String,
    /// The area of action no group carries yet.
    free_area: String,
}

const SERIES_START: &str = "2027-03-16T09:00:00Z";

struct Viewer {
    name: &'static str,
    email: Option<&'static str>,
    token: Option<String>,
}

fn vars(_: &Fixture, _: &str) -> Value {
    json!({})
}

fn meeting_input(title: &str) -> Value {
    json!({
        "title": title,
        "startsAt": "2027-02-02T09:00:00Z",
        "durationMinutes": 60,
        "timeZone": "Europe/Paris",
        "onlineUrl": "https://meet.example.org/sweep",
    })
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    let row = |field, label, query, variables: fn(&Fixture, &str) -> Value, check, expected| Row {
        field, label, query, variables, check, expected, ends_sessions: false,
    };
    let mutation = |field, query, variables: fn(&Fixture, &str) -> Value, expected| Row {
        field, label: field, query, variables, check: Check::Refusal, expected, ends_sessions: false,
    };
    const EMAIL: &[&str] = &["node", "email"];
    vec![
        //                                                                                   anon outsdr obsrvr member coord2 coord admin
        // Accounts.
        mutation("register", "mutation ($i: RegisterInput!) { register(input: $i) }",
            |_, viewer| json!({ "i": registration("Sweep", &format!("sweep.{}@example.org", viewer.replace(' ', "-")), "KE", "en") }),
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("verifyEmail", "mutation { verifyEmail(token: \"no-such-token\") { id } }", vars,
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("login", "mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
            |_, _| json!({ "e": "spare@example.org", "p": PASSWORD }),                       [A,   A,     A,     A,     A,     A,    A]),
        mutation("changePassword", "mutation { changePassword(currentPassword: \"not the password\", newPassword: \"another long passphrase\") }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("requestPasswordReset", "mutation { requestPasswordReset(email: \"spare@example.org\") }", vars,
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("resetPassword", "mutation { resetPassword(token: \"no-such-token\", newPassword: \"another long passphrase\") }", vars,
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("disableAccount", "mutation ($p: ID!) { disableAccount(personId: $p) { id } }",
            |f, _| json!({ "p": f.victim }),                                                 [U,   F,     F,     F,     F,     F,    A]),
        mutation("enableAccount", "mutation ($p: ID!) { enableAccount(personId: $p) { id } }",
            |f, _| json!({ "p": f.victim }),                                                 [U,   F,     F,     F,     F,     F,    A]),
        mutation("grantAdmin", "mutation ($p: ID!) { grantAdmin(personId: $p) { id } }",
            |f, _| json!({ "p": f.victim }),                                                 [U,   F,     F,     F,     F,     F,    A]),
        mutation("revokeAdmin", "mutation ($p: ID!) { revokeAdmin(personId: $p) { id } }",
            |f, _| json!({ "p": f.victim }),                                                 [U,   F,     F,     F,     F,     F,    A]),
        // Membership.
        mutation("requestToJoin", "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
            |f, _| json!({ "g": f.other_group }),                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("approveMembership", "mutation ($m: ID!) { approveMembership(membershipId: $m) { id } }",
            |f, _| json!({ "m": f.pending }),                                                [U,   N,     N,     N,     N,     A,    A]),
        mutation("rejectMembership", "mutation ($m: ID!) { rejectMembership(membershipId: $m, reason: \"later\") { id } }",
            |f, _| json!({ "m": f.pending }),                                                [U,   F,     F,     F,     F,     A,    A]),
        mutation("setJoinPolicy", "mutation ($g: ID!) { setJoinPolicy(groupId: $g, joinPolicy: MODERATED) { id } }",
            |f, _| json!({ "g": f.group }),                                                  [U,   F,     F,     F,     F,     A,    A]),
        mutation("inviteMember", "mutation ($g: ID!) { inviteMember(groupId: $g, email: \"ines@example.org\", role: MEMBER) { id } }",
            |f, _| json!({ "g": f.group }),                                                  [U,   F,     F,     F,     F,     A,    A]),
        mutation("acceptInvitation", "mutation { acceptInvitation(token: \"no-such-token\") { id } }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("revokeInvitation", "mutation ($i: ID!) { revokeInvitation(invitationId: $i) { id } }",
            |f, _| json!({ "i": f.invitation }),                                             [U,   F,     F,     F,     F,     A,    A]),
        mutation("changeMemberRole", "mutation ($m: ID!) { changeMemberRole(membershipId: $m, role: OBSERVER) { id } }",
            |f, _| json!({ "m": f.target }),                                                 [U,   F,     F,     F,     F,     A,    A]),
        mutation("removeMember", "mutation ($m: ID!) { removeMember(membershipId: $m) { id } }",
            |f, _| json!({ "m": f.target }),                                                 [U,   F,     F,     F,     F,     A,    A]),
        mutation("leaveGroup", "mutation ($g: ID!) { leaveGroup(groupId: $g) { id } }",
            |f, _| json!({ "g": f.other_group }),                                            [U,   A,     A,     A,     A,     A,    A]),
        // Meetings.
        mutation("scheduleMeeting", "mutation ($g: ID, $i: MeetingInput!) { scheduleMeeting(groupId: $g, input: $i) { id } }",
            |f, _| json!({ "g": f.group, "i": meeting_input("Sweep call") }),               [U,   F,     F,     F,     F,     A,    A]),
        row("scheduleMeeting", "scheduleMeeting (plenary)", "mutation ($i: MeetingInput!) { scheduleMeeting(input: $i) { id } }",
            |_, _| json!({ "i": meeting_input("Sweep plenary") }), Check::Refusal,          [U,   F,     F,     F,     F,     F,    A]),
        mutation("updateMeeting", "mutation ($m: ID!, $i: MeetingInput!) { updateMeeting(id: $m, input: $i) { id } }",
            |f, _| json!({ "m": f.to_cancel, "i": meeting_input("Sweep call, renamed") }),  [N,   N,     F,     F,     N,     A,    A]),
        mutation("cancelOccurrence", "mutation ($m: ID!, $s: DateTime!) { cancelOccurrence(meetingId: $m, occurrenceStart: $s) { id } }",
            |f, _| json!({ "m": f.series, "s": "2027-03-23T09:00:00Z" }),                   [N,   N,     F,     F,     N,     A,    A]),
        mutation("moveOccurrence", "mutation ($m: ID!, $s: DateTime!) { moveOccurrence(meetingId: $m, occurrenceStart: $s, startsAt: \"2027-03-31T09:00:00Z\") { id } }",
            |f, _| json!({ "m": f.series, "s": "2027-03-30T09:00:00Z" }),                   [N,   N,     F,     F,     N,     A,    A]),
        mutation("rsvp", "mutation ($m: ID!) { rsvp(meetingId: $m, response: YES) }",
            |f, _| json!({ "m": f.series }),                                                 [U,   N,     F,     A,     N,     A,    A]),
        mutation("createCalendarFeed", "mutation { createCalendarFeed }", vars,             [U,   A,     A,     A,     A,     A,    A]),
        mutation("revokeCalendarFeed", "mutation { revokeCalendarFeed }", vars,             [U,   A,     A,     A,     A,     A,    A]),
        mutation("addAgendaItem", "mutation ($m: ID!) { addAgendaItem(meetingId: $m, input: { title: \"Any other business\" }) { id } }",
            |f, _| json!({ "m": f.series }),                                                 [N,   N,     F,     F,     N,     A,    A]),
        mutation("updateAgendaItem", "mutation ($a: ID!) { updateAgendaItem(id: $a, input: { title: \"Budget, revised\" }) { id } }",
            |f, _| json!({ "a": f.agenda_item }),                                            [N,   N,     F,     F,     N,     A,    A]),
        mutation("removeAgendaItem", "mutation ($a: ID!) { removeAgendaItem(id: $a) }",
            |f, viewer| json!({ "a": f.removable_items[usize::from(viewer == "administrator")] }),
                                                                                            [N,   N,     F,     F,     N,     A,    A]),
        mutation("reorderAgenda", "mutation ($m: ID!, $a: [ID!]!) { reorderAgenda(meetingId: $m, itemIds: $a) { id } }",
            |f, _| json!({ "m": f.series, "a": [f.agenda_item] }),                           [N,   N,     F,     F,     N,     A,    A]),
        mutation("recordMinutes", "mutation ($a: ID!) { recordMinutes(agendaItemId: $a, minutes: \"Agreed.\") { id } }",
            |f, _| json!({ "a": f.agenda_item }),                                            [N,   N,     F,     F,     N,     A,    A]),
        mutation("addActionItem", "mutation ($m: ID!) { addActionItem(meetingId: $m, title: \"Draft the note\") { id } }",
            |f, _| json!({ "m": f.series }),                                                 [N,   N,     F,     F,     N,     A,    A]),
        // The owner (the member) or the organisers.
        mutation("setActionItemStatus", "mutation ($a: ID!) { setActionItemStatus(id: $a, status: DONE) { id } }",
            |f, _| json!({ "a": f.action_item }),                                            [N,   N,     F,     A,     N,     A,    A]),
        mutation("recordAttendance", "mutation ($m: ID!, $s: DateTime!) { recordAttendance(meetingId: $m, occurrenceStart: $s, attendeeIds: []) }",
            |f, _| json!({ "m": f.series, "s": SERIES_START }),                              [N,   N,     F,     F,     N,     A,    A]),
        mutation("cancelMeeting", "mutation ($m: ID!) { cancelMeeting(id: $m, reason: \"Sweep\") { id } }",
            |f, _| json!({ "m": f.to_cancel }),                                              [N,   N,     F,     F,     N,     A,    A]),
        // Notifications.
        mutation("updateNotificationPreferences", "mutation { updateNotificationPreferences(preferences: [{ category: MEETINGS, mode: IMMEDIATELY }]) { mode } }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("retryMail", "mutation ($o: ID!) { retryMail(id: $o) { id } }",
            |f, _| json!({ "o": f.outbox_message }),                                         [U,   F,     F,     F,     F,     F,    A]),
        // Documents (GROUP visibility, of the group). Rows with an `Upload` go as multipart
        // requests carrying a small PDF in `$file`.
        mutation("uploadDocument", "mutation ($g: ID!, $file: Upload!) { uploadDocument(input: { groupId: $g, language: \"en\", title: \"x\", visibility: GROUP }, file: $file) { id } }",
            |f, _| json!({ "g": f.group }),                                                  [U,   F,     F,     A,     F,     A,    A]),
        mutation("addDocumentVersion", "mutation ($d: ID!, $file: Upload!) { addDocumentVersion(documentId: $d, language: \"en\", file: $file) { id } }",
            |f, _| json!({ "d": f.document }),                                               [N,   N,     F,     A,     N,     A,    A]),
        mutation("updateDocument", "mutation ($d: ID!) { updateDocument(documentId: $d, input: { language: \"en\", title: \"Swept\" }) { id } }",
            |f, _| json!({ "d": f.document }),                                               [N,   N,     F,     A,     N,     A,    A]),
        mutation("archiveDocument", "mutation ($d: ID!) { archiveDocument(documentId: $d) { id } }",
            |f, _| json!({ "d": f.document }),                                               [N,   N,     F,     A,     N,     A,    A]),
        mutation("restoreDocument", "mutation ($d: ID!) { restoreDocument(documentId: $d) { id } }",
            |f, _| json!({ "d": f.document }),                                               [N,   N,     F,     A,     N,     A,    A]),
        mutation("purgeDocument", "mutation ($d: ID!) { purgeDocument(documentId: $d) }",
            |f, _| json!({ "d": f.document_to_purge }),                                      [U,   F,     F,     F,     F,     F,    A]),
        // Administration (the group archived is restored by the next row).
        mutation("createWorkingGroup", "mutation ($a: ID!, $c: ID!) { createWorkingGroup(input: { areaId: $a, slug: \"sweep\", name: [{ lang: \"en\", text: \"Sweep\" }], summary: [{ lang: \"en\", text: \"S\" }], mandate: [{ lang: \"en\", text: \"M\" }], coordinatorId: $c }) { id } }",
            |f, _| json!({ "a": f.free_area, "c": f.member }),                              [U,   F,     F,     F,     F,     F,    A]),
        mutation("updateWorkingGroup", "mutation ($g: ID!) { updateWorkingGroup(id: $g, input: { summary: [{ lang: \"fr\", text: \"Balayé\" }] }) { id } }",
            |f, _| json!({ "g": f.group }),                                                  [U,   F,     F,     F,     F,     F,    A]),
        mutation("archiveWorkingGroup", "mutation ($g: ID!) { archiveWorkingGroup(id: $g) { id } }",
            |f, _| json!({ "g": f.other_group }),                                            [U,   F,     F,     F,     F,     F,    A]),
        mutation("restoreWorkingGroup", "mutation ($g: ID!) { restoreWorkingGroup(id: $g) { id } }",
            |f, _| json!({ "g": f.other_group }),                                            [U,   F,     F,     F,     F,     F,    A]),
        mutation("updateCoalition", "mutation { updateCoalition(description: [{ lang: \"fr\", text: \"Balayée\" }]) { id } }", vars,
                                                                                            [U,   F,     F,     F,     F,     F,    A]),
        mutation("updateAreaOfAction", "mutation ($a: ID!) { updateAreaOfAction(id: $a, name: [{ lang: \"fr\", text: \"Balayée\" }]) { id } }",
            |f, _| json!({ "a": f.free_area }),                                              [U,   F,     F,     F,     F,     F,    A]),
        // Queries: every root field, then the fields that hold what not everyone sees.
        row("searchDocuments", "searchDocuments", "{ searchDocuments(query: \"sweep\") { edges { node { snippet } } } }", vars, Check::Value(&["searchDocuments"]),
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        row("coalition", "coalition", "{ coalition { name } }", vars, Check::Value(&["coalition"]),
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        row("workingGroups", "workingGroups", "{ workingGroups { id } }", vars, Check::Value(&["workingGroups"]),
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        row("workingGroup", "workingGroup", "query ($g: ID!) { workingGroup(id: $g) { id } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["workingGroup"]),               [A,   A,     A,     A,     A,     A,    A]),
        row("workingGroup", "workingGroup.pendingRequests", "query ($g: ID!) { workingGroup(id: $g) { pendingRequests { totalCount } } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["workingGroup", "pendingRequests"]),
                                                                                            [U,   F,     F,     F,     F,     A,    A]),
        row("me", "me", "{ me { id } }", vars, Check::Value(&["me"]),                      [H,   A,     A,     A,     A,     A,    A]),
        row("me", "me.isAdmin", "{ me { isAdmin } }", vars, Check::Value(&["me", "isAdmin"]),
                                                                                            [H,   A,     A,     A,     A,     A,    A]),
        row("people", "people", "{ people { totalCount } }", vars, Check::Value(&["people"]),
                                                                                            [U,   F,     F,     F,     F,     F,    A]),
        row("invitationPreview", "invitationPreview (no such token)", "{ invitationPreview(token: \"no-such-token\") { role } }", vars,
            Check::Value(&["invitationPreview"]),                                           [N,   N,     N,     N,     N,     N,    N]),
        row("workingGroup", "workingGroup.invitations", "query ($g: ID!) { workingGroup(id: $g) { invitations { totalCount } } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["workingGroup", "invitations"]),
                                                                                            [U,   F,     F,     F,     F,     A,    A]),
        row("node", "node (an agenda item of a group meeting)", "query ($a: ID!) { node(id: $a) { id } }",
            |f, _| json!({ "a": f.agenda_item }), Check::Value(&["node"]),                 [N,   N,     A,     A,     N,     A,    A]),
        row("node", "node (an action item of a group meeting)", "query ($a: ID!) { node(id: $a) { id } }",
            |f, _| json!({ "a": f.action_item }), Check::Value(&["node"]),                 [N,   N,     A,     A,     N,     A,    A]),
        row("node", "Person.isAdmin (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { isAdmin accountStatus } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "isAdmin"]),           [H,   H,     H,     A,     H,     H,    A]),
        row("meeting", "meeting (group only)", "query ($m: ID!) { meeting(id: $m) { id } }",
            |f, _| json!({ "m": f.series }), Check::Value(&["meeting"]),                    [N,   N,     A,     A,     N,     A,    A]),
        row("meeting", "meeting.rsvps", "query ($m: ID!) { meeting(id: $m) { rsvps { response } } }",
            |f, _| json!({ "m": f.series }), Check::Value(&["meeting", "rsvps"]),           [N,   N,     F,     F,     N,     A,    A]),
        row("meeting", "meeting.attendance", "query ($m: ID!) { meeting(id: $m) { attendance { id } } }",
            |f, _| json!({ "m": f.series }), Check::Value(&["meeting", "attendance"]),      [N,   N,     F,     F,     N,     A,    A]),
        row("suggestMeetingSlots", "suggestMeetingSlots", "query ($g: ID!) { suggestMeetingSlots(groupId: $g, duration: 60, from: \"2027-02-01T00:00:00Z\", to: \"2027-02-05T00:00:00Z\") { startsAt } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["suggestMeetingSlots"]),        [U,   F,     F,     F,     F,     A,    A]),
        row("meetingConflicts", "meetingConflicts", "query ($g: ID!) { meetingConflicts(groupId: $g, start: \"2027-02-01T00:00:00Z\", end: \"2027-02-05T00:00:00Z\") { __typename } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["meetingConflicts"]),           [U,   F,     F,     F,     F,     A,    A]),
        row("notificationPreferences", "notificationPreferences", "{ notificationPreferences { mode } }", vars,
            Check::Value(&["notificationPreferences"]),                                     [U,   A,     A,     A,     A,     A,    A]),
        row("outboxMessages", "outboxMessages", "{ outboxMessages { id } }", vars,
            Check::Value(&["outboxMessages"]),                                              [U,   F,     F,     F,     F,     F,    A]),
        row("node", "node (an active member)", "query ($p: ID!) { node(id: $p) { id } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node"]),                      [A,   A,     A,     A,     A,     A,    A]),
        row("node", "node (a pending requester)", "query ($p: ID!) { node(id: $p) { id } }",
            |f, _| json!({ "p": f.waiting_person }), Check::Value(&["node"]),              [N,   N,     N,     N,     N,     A,    A]),
        row("node", "node (a pending request).motivation", "query ($m: ID!) { node(id: $m) { ... on Membership { motivation } } }",
            |f, _| json!({ "m": f.waiting }), Check::Value(&["node", "motivation"]),       [N,   N,     N,     N,     N,     A,    A]),
        row("node", "Person.email (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { email } } }",
            |f, _| json!({ "p": f.member }), Check::Value(EMAIL),                           [H,   H,     H,     A,     H,     H,    A]),
        row("node", "Person.gender (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { gender } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "gender"]),            [H,   H,     H,     A,     H,     H,    A]),
        row("node", "Person.upcomingMeetings (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { upcomingMeetings { startsAt } } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "upcomingMeetings"]),  [U,   F,     F,     A,     F,     F,    A]),
        // Members managing themselves (issue 15 items 4, 5, 7). Bad input or a wrong
        // password keeps the rows from changing anything: getting that far is "allowed".
        mutation("updateProfile", "mutation { updateProfile(input: { timeZone: \"Mars/Olympus\" }) { id } }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("changeEmail", "mutation { changeEmail(newEmail: \"sweep@example.org\", currentPassword: \"not the password\") }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("confirmEmailChange", "mutation { confirmEmailChange(token: \"not-a-token\") { id } }", vars,
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("resendVerification", "mutation { resendVerification(email: \"nobody@example.org\") }", vars,
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        mutation("deleteAccount", "mutation { deleteAccount(currentPassword: \"not the password\") }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        row("exportMyData", "exportMyData", "{ exportMyData }", vars,
            Check::Value(&["exportMyData"]),                                                [U,   A,     A,     A,     A,     A,    A]),
        row("node", "Person.listedPublicly (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { listedPublicly } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "listedPublicly"]),    [H,   H,     H,     A,     H,     H,    A]),
        row("node", "Person.actionItems (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { actionItems { totalCount } } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "actionItems"]),       [H,   H,     H,     A,     H,     H,    H]),
        row("node", "Person.invitations (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { invitations { id } } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "invitations"]),       [H,   H,     H,     A,     H,     H,    H]),
        // Public calendar and per-occurrence answers.
        row("rsvp", "rsvp (one occurrence)", "mutation ($m: ID!) { rsvp(meetingId: $m, response: NO, occurrence: \"2027-03-16T09:00:00Z\") }",
            |f, _| json!({ "m": f.series }), Check::Refusal,                                [U,   N,     F,     A,     N,     A,    A]),
        row("coalition", "coalition.meetings", "{ coalition { meetings(from: \"2027-03-01T00:00:00Z\", to: \"2027-05-01T00:00:00Z\") { startsAt status } } }",
            vars, Check::Value(&["coalition", "meetings"]),                                 [A,   A,     A,     A,     A,     A,    A]),
        // History.
        row("workingGroup", "workingGroup.activity", "query ($g: ID!) { workingGroup(id: $g) { activity { edges { cursor } } } }",
            |f, _| json!({ "g": f.group }), Check::Value(&["workingGroup", "activity"]),   [U,   F,     A,     A,     F,     A,    A]),
        row("coalition", "coalition.activity", "{ coalition { activity { edges { cursor } } } }",
            vars, Check::Value(&["coalition", "activity"]),                                 [A,   A,     A,     A,     A,     A,    A]),
        // Notification inbox: one's own only; another's or an unknown notification is not found.
        mutation("markAllNotificationsRead", "mutation { markAllNotificationsRead }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]),
        mutation("markNotificationsRead", "mutation ($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
            |_, _| json!({ "ids": [base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, "Notification:999999")] }),
                                                                                            [U,   N,     N,     N,     N,     N,    N]),
        row("node", "Person.notifications (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { notifications { totalCount } } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "notifications"]),     [H,   H,     H,     A,     H,     H,    H]),
        row("node", "Person.unreadNotificationCount (a member's)", "query ($p: ID!) { node(id: $p) { ... on Person { unreadNotificationCount } } }",
            |f, _| json!({ "p": f.member }), Check::Value(&["node", "unreadNotificationCount"]),
                                                                                            [H,   H,     H,     A,     H,     H,    H]),
        // Enum labels: public.
        row("enumLabels", "enumLabels", "{ enumLabels(enums: [\"Visibility\"]) { value label } }", vars, Check::Value(&["enumLabels"]),
                                                                                            [A,   A,     A,     A,     A,     A,    A]),
        // Last: these end the viewers' sessions (each signs in again after).
        Row { ends_sessions: true, ..mutation("logout", "mutation { logout }", vars,       [U,   A,     A,     A,     A,     A,    A]) },
        Row { ends_sessions: true, ..mutation("logoutEverywhere", "mutation { logoutEverywhere }", vars,
                                                                                            [U,   A,     A,     A,     A,     A,    A]) },
    ]
}

/// What `body` says, as the table writes it.
fn outcome(body: &Value, check: Check) -> Outcome {
    match error_code(body) {
        "UNAUTHENTICATED" => return U,
        "FORBIDDEN" => return F,
        "NOT_FOUND" => return N,
        _ => {}
    }
    match check {
        Check::Refusal => A,
        Check::Value(path) => {
            let value = path.iter().fold(&body["data"], |value, key| &value[*key]);
            if value.is_null() { H } else { A }
        }
    }
}

async fn ask(app: &TestApp, viewer: &Viewer, query: &str, variables: Value) -> Value {
    if query.contains("Upload!") {
        let token = viewer.token.as_deref();
        return crate::documents::upload(app, token, query, variables, "sweep.pdf", pdf())
            .await
            .1;
    }
    match &viewer.token {
        Some(token) => app.graphql_as(token, query, variables).await.1,
        None => app.graphql(query, variables).await,
    }
}

async fn as_viewer(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql_as(token, query, variables).await;
    assert!(
        body["errors"].is_null(),
        "[{}] {query}: {body}",
        app.backend
    );
    body
}

fn id_at(body: &Value, path: &[&str]) -> String {
    path.iter()
        .fold(&body["data"], |value, key| &value[*key])
        .as_str()
        .unwrap_or_else(|| panic!("an id at {path:?}: {body}"))
        .to_owned()
}

/// The people, groups, meetings and requests the rows act on.
async fn fixtures(app: &TestApp) -> (Fixture, Vec<Viewer>) {
    let (group, group_id) = app.group(0).await;
    let (other_group, other_group_id) = app.group(1).await;
    let enrol = |id: String, group, role| async move {
        app.store
            .insert_membership(group, person_id(&id), role, MembershipStatus::Active)
            .await
            .unwrap();
    };
    let (_, coordinator) = coordinator_of(app, group, "Claire Martin", "claire@example.fr").await;
    let (_, coordinator2) =
        coordinator_of(app, other_group, "Kwame Mensah", "kwame@example.gh").await;
    let (_, admin) = administrator(app, "Secretariat", "secretariat@example.org").await;
    let (observer_id, observer) = signed_up(app, "Bo Chen", "bo@example.cn").await;
    enrol(observer_id, group, MembershipRole::Observer).await;
    let (member_id, member) = signed_up(app, "Amina Diallo", "amina@example.sn").await;
    enrol(member_id.clone(), group, MembershipRole::Member).await;
    let (_, outsider) = signed_up(app, "João Pereira", "joao@example.br").await;
    let (target_id, _) = signed_up(app, "Tomás Ruiz", "tomas@example.es").await;
    enrol(target_id, group, MembershipRole::Member).await;
    let (victim, _) = signed_up(app, "Victor Petrov", "victor@example.bg").await;
    signed_up(app, "Spare Account", "spare@example.org").await;
    let mut requests = Vec::new();
    for (name, email) in [
        ("Pia Laine", "pia@example.fi"),
        ("Pedro Alves", "pedro@example.pt"),
    ] {
        let (person, requester) = signed_up(app, name, email).await;
        let body = as_viewer(
            app,
            &requester,
            "mutation ($g: ID!) { requestToJoin(groupId: $g, motivation: \"OER\") { id } }",
            json!({ "g": group_id }),
        )
        .await;
        requests.push((person, id_at(&body, &["requestToJoin", "id"])));
    }
    let [(_, pending), (waiting_person, waiting)] = <[_; 2]>::try_from(requests).unwrap();

    let (disabled_id, disabled) = signed_up(app, "Layla Haddad", "layla@example.jo").await;
    enrol(disabled_id.clone(), group, MembershipRole::Member).await;
    app.store
        .change_account(None, person_id(&disabled_id), AccountChange::Disable)
        .await
        .unwrap();
    unverified_member(app, group, "Wanjiru Kamau", "wanjiru@example.ke").await;
    assert_eq!(
        error_code(&login_body(app, "wanjiru@example.ke", PASSWORD).await),
        "FORBIDDEN",
        "an unverified account has no session"
    );

    let body = as_viewer(
        app,
        &coordinator,
        "mutation ($g: ID!) { inviteMember(groupId: $g, email: \"zoe@example.org\", role: MEMBER) { id } }",
        json!({ "g": group_id }),
    )
    .await;
    let invitation = id_at(&body, &["inviteMember", "id"]);
    let schedule =
        "mutation ($g: ID, $i: MeetingInput!) { scheduleMeeting(groupId: $g, input: $i) { id } }";
    let mut series_input = meeting_input("Weekly check-in");
    series_input["startsAt"] = json!(SERIES_START);
    series_input["recurrence"] = json!("FREQ=WEEKLY;BYDAY=TU;COUNT=4");
    series_input["visibility"] = json!("GROUP");
    let body = as_viewer(
        app,
        &coordinator,
        schedule,
        json!({ "g": group_id, "i": series_input }),
    )
    .await;
    let series = id_at(&body, &["scheduleMeeting", "id"]);
    let mut one_off = meeting_input("Planning call");
    one_off["visibility"] = json!("GROUP");
    let body = as_viewer(
        app,
        &coordinator,
        schedule,
        json!({ "g": group_id, "i": one_off }),
    )
    .await;
    let to_cancel = id_at(&body, &["scheduleMeeting", "id"]);
    let mut items = Vec::new();
    for title in ["Budget", "Minutes of the last call", "Any other business"] {
        let body = as_viewer(
            app,
            &coordinator,
            "mutation ($m: ID!, $t: String!) { addAgendaItem(meetingId: $m, input: { title: $t }) { id } }",
            json!({ "m": series, "t": title }),
        )
        .await;
        items.push(id_at(&body, &["addAgendaItem", "id"]));
    }
    let body = as_viewer(
        app,
        &coordinator,
        "mutation ($m: ID!, $o: ID!) { addActionItem(meetingId: $m, title: \"Share the draft\", ownerId: $o) { id } }",
        json!({ "m": series, "o": member_id }),
    )
    .await;
    let action_item = id_at(&body, &["addActionItem", "id"]);
    let body = as_viewer(
        app,
        &admin,
        "{ outboxMessages(first: 1) { id } }",
        json!({}),
    )
    .await;
    let outbox_message = body["data"]["outboxMessages"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a queued mail: {body}"))
        .to_owned();

    let document = |title: &'static str| {
        let author = person_id(&member_id);
        async move {
            let draft = coalition_domain::documents::DocumentDraft::parse(
                coalition_domain::documents::DocumentFields {
                    language: "en".to_owned(),
                    title: title.to_owned(),
                    description: String::new(),
                    kind: None,
                    tags: Vec::new(),
                    visibility: coalition_domain::meetings::Visibility::Group,
                    licence: None,
                },
            )
            .unwrap();
            let version = coalition_store::NewVersion {
                file_name: "sweep.txt".to_owned(),
                media_type: coalition_domain::documents::MediaType::Text,
                byte_size: 1,
                sha256: "0".repeat(64),
                note: String::new(),
            };
            let stored = app
                .store
                .insert_document(
                    author,
                    Some(group),
                    None,
                    draft,
                    version,
                    Box::new(|_| Vec::new()),
                )
                .await
                .unwrap();
            let id = stored.value.id.0;
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Document:{id}"))
        }
    };
    let document_id = document("Swept paper").await;
    let document_to_purge = document("Paper to purge").await;

    let mut fixture = Fixture {
        group: group_id,
        other_group: other_group_id,
        member: member_id,
        pending,
        waiting,
        waiting_person,
        target: String::new(),
        invitation,
        victim,
        series,
        to_cancel,
        agenda_item: items[0].clone(),
        removable_items: items[1..].to_vec(),
        action_item,
        outbox_message,
        document: document_id,
        document_to_purge,
        free_area: free_area(app).await,
    };
    fixture.target = target_membership(app, &coordinator, &fixture.group).await;
    let viewer = |name, email, token: Option<String>| Viewer { name, email, token };
    let viewers = vec![
        viewer("anonymous", None, None),
        viewer("unverified account", None, None),
        viewer("disabled account", None, Some(disabled)),
        viewer("outsider", Some("joao@example.br"), Some(outsider)),
        viewer("observer", Some("bo@example.cn"), Some(observer)),
        viewer("member", Some("amina@example.sn"), Some(member)),
        viewer(
            "coordinator of another group",
            Some("kwame@example.gh"),
            Some(coordinator2),
        ),
        viewer("coordinator", Some("claire@example.fr"), Some(coordinator)),
        viewer(
            "administrator",
            Some("secretariat@example.org"),
            Some(admin),
        ),
    ];
    (fixture, viewers)
}

/// The names of the root fields of `kind` (`mutationType`, `queryType`) in the schema the
/// server runs.
async fn root_fields(app: &TestApp, kind: &str) -> BTreeSet<String> {
    let body = app
        .graphql(
            &format!("{{ __schema {{ {kind} {{ fields {{ name }} }} }} }}"),
            json!({}),
        )
        .await;
    body["data"]["__schema"][kind]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("introspection: {body}"))
        .iter()
        .filter_map(|field| field["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_mutation_and_private_field_answers_each_viewer_as_the_policy_says() {
    let rows = rows();
    let covered: BTreeSet<&str> = rows.iter().map(|row| row.field).collect();
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| {
            // The sweep signs in and registers from one address many times.
            for rule in [
                &mut settings.rate_limits.login_per_account,
                &mut settings.rate_limits.login_per_address,
                &mut settings.rate_limits.registration_per_address,
                &mut settings.rate_limits.reset_per_account,
                &mut settings.rate_limits.reset_per_address,
            ] {
                rule.max = 1_000;
            }
        })
        .await;
        for kind in ["mutationType", "queryType"] {
            let missing: Vec<String> = root_fields(&app, kind)
                .await
                .into_iter()
                .filter(|name| !covered.contains(name.as_str()))
                .collect();
            assert!(
                missing.is_empty(),
                "no row in the authorization table (tests/http/authorization.rs) for {kind} field(s) {missing:?}: add one saying who may use it"
            );
        }

        let (fixture, mut viewers) = fixtures(&app).await;
        let mut wrong = Vec::new();
        for row in &rows {
            for viewer in &viewers {
                let expected = match viewer.name {
                    "unverified account" => row.expected[0],
                    "disabled account" => U,
                    name => {
                        let column = COLUMNS.iter().position(|c| *c == name).unwrap();
                        row.expected[column]
                    }
                };
                let body = ask(
                    &app,
                    viewer,
                    row.query,
                    (row.variables)(&fixture, viewer.name),
                )
                .await;
                let got = outcome(&body, row.check);
                if got != expected {
                    wrong.push(format!(
                        "{} as {}: expected {expected:?}, got {got:?}: {body}",
                        row.label, viewer.name
                    ));
                }
            }
            if row.ends_sessions {
                for viewer in viewers.iter_mut() {
                    if let (Some(email), Some(_)) = (viewer.email, &viewer.token) {
                        viewer.token = Some(login(&app, email, PASSWORD).await);
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "[{backend}] {} answer(s) differ from the policy table:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        app.finish().await;
    }
}

/// The area of action the seed leaves to the coalition itself (no group carries it).
async fn free_area(app: &TestApp) -> String {
    let body = app
        .graphql("{ coalition { areasOfAction { id number } } }", json!({}))
        .await;
    body["data"]["coalition"]["areasOfAction"]
        .as_array()
        .unwrap()
        .iter()
        .find(|area| area["number"] == 5)
        .map(|area| area["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("a fifth area: {body}"))
}

/// The membership of the person whose role and membership the rows change.
async fn target_membership(app: &TestApp, coordinator: &str, group: &str) -> String {
    let body = as_viewer(
        app,
        coordinator,
        "query ($g: ID!) { workingGroup(id: $g) { members(first: 100) { edges { node { id person { displayName } } } } } }",
        json!({ "g": group }),
    )
    .await;
    body["data"]["workingGroup"]["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["node"]["person"]["displayName"] == "Tomás Ruiz")
        .map(|edge| edge["node"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("Tomás is a member: {body}"))
}
