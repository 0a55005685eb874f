//! Races on every backend (on PostgreSQL they run under READ COMMITTED with real row locks;
//! on SQLite, whose writers are serialised, the same outcomes must hold): two coordinators
//! deciding one request, demoting each other, editing one meeting, an invitation accepted
//! while it is revoked, two mail workers sharing a slow mail server or gathering one daily
//! digest. Nothing doubles, nothing is lost, and nothing deadlocks into `INTERNAL`. Each
//! race runs several times.

use std::sync::Arc;
use std::time::Duration;

use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::notifications::{Backoff, OutboxStatus};
use coalition_mail::{MailWorker, Renderer, SmtpTransport, WorkerSettings};
use coalition_store::DeliveryOutcome;
use coalition_tests::accounts::{coordinator_of, person_id, register, registration, signed_up};
use coalition_tests::smtp::SmtpServer;
use coalition_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

use crate::meetings::{UPDATE, input, schedule_as_coordinator, setting};

/// How many times each race runs.
const ROUNDS: usize = 10;

const REQUEST: &str = "mutation ($group: ID!) { requestToJoin(groupId: $group) { id status } }";
const APPROVE: &str = "mutation ($id: ID!) { approveMembership(membershipId: $id) { status } }";
const CHANGE_ROLE: &str = "mutation ($id: ID!, $role: MembershipRole!) { changeMemberRole(membershipId: $id, role: $role) { role } }";
const INVITE: &str = "mutation ($group: ID!, $email: String!) { inviteMember(groupId: $group, email: $email, role: MEMBER) { id } }";
const ACCEPT: &str = "mutation ($token: String!) { acceptInvitation(token: $token) { status } }";
const REVOKE: &str = "mutation ($id: ID!) { revokeInvitation(invitationId: $id) { id } }";
const MY_MEMBERSHIPS: &str = "{ me { memberships { id } } }";

/// Splits the answers of a race into successes and the error codes of the others; an
/// `INTERNAL` (a deadlock, a serialisation failure) fails the test.
fn outcomes(backend: coalition_tests::Backend, bodies: &[&Value], field: &str) -> usize {
    let mut succeeded = 0;
    for body in bodies {
        if body["errors"].is_null() && !body["data"][field].is_null() {
            succeeded += 1;
        } else {
            assert_ne!(error_code(body), "INTERNAL", "[{backend}] {body}");
        }
    }
    succeeded
}

/// The global id of a signed-in person's only membership.
async fn my_membership(app: &TestApp, token: &str) -> String {
    let (_, body) = app.graphql_as(token, MY_MEMBERSHIPS, json!({})).await;
    body["data"]["me"]["memberships"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a membership: {body}"))
        .to_owned()
}

#[tokio::test]
async fn two_coordinators_approving_one_request_approve_it_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, claire) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, wanjiru) = coordinator_of(&app, group, "Wanjiru Kamau", "wanjiru@example.ke").await;
        let (amina_id, amina) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        for round in 0..ROUNDS {
            let (_, body) = app
                .graphql_as(&amina, REQUEST, json!({ "group": group_id }))
                .await;
            let id = body["data"]["requestToJoin"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("[{backend}] request: {body}"))
                .to_owned();
            let (first, second) = tokio::join!(
                app.graphql_as(&claire, APPROVE, json!({ "id": id })),
                app.graphql_as(&wanjiru, APPROVE, json!({ "id": id })),
            );
            let approved = outcomes(backend, &[&first.1, &second.1], "approveMembership");
            assert_eq!(
                approved, 1,
                "[{backend}] round {round}: {first:?} {second:?}"
            );
            // She leaves, to ask again in the next round.
            let membership = app
                .store
                .membership_of(person_id(&amina_id), group)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("[{backend}] a membership"));
            assert_eq!(membership.status, MembershipStatus::Active);
            app.store
                .end_membership(person_id(&amina_id), membership.id)
                .await
                .unwrap();
        }
        let approvals = app
            .store
            .outbox_messages(None, 200)
            .await
            .unwrap()
            .into_iter()
            .filter(|message| message.to == "amina@example.sn")
            .filter(|message| message.kind.template() == "membership_decided")
            .count();
        assert_eq!(approvals, ROUNDS, "[{backend}] one approval mail a round");
        app.finish().await;
    }
}

#[tokio::test]
async fn coordinators_demoting_each_other_leave_one_coordinator() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, _) = app.group(0).await;
        let (claire_id, claire) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (wanjiru_id, wanjiru) =
            coordinator_of(&app, group, "Wanjiru Kamau", "wanjiru@example.ke").await;
        let claire_membership = my_membership(&app, &claire).await;
        let wanjiru_membership = my_membership(&app, &wanjiru).await;
        for round in 0..ROUNDS {
            let (first, second) = tokio::join!(
                app.graphql_as(
                    &claire,
                    CHANGE_ROLE,
                    json!({ "id": wanjiru_membership, "role": "MEMBER" }),
                ),
                app.graphql_as(
                    &wanjiru,
                    CHANGE_ROLE,
                    json!({ "id": claire_membership, "role": "MEMBER" }),
                ),
            );
            let demoted = outcomes(backend, &[&first.1, &second.1], "changeMemberRole");
            assert_eq!(
                demoted, 1,
                "[{backend}] round {round}: {first:?} {second:?}"
            );
            // Promote whoever was demoted again, for the next round.
            for person in [&claire_id, &wanjiru_id] {
                let membership = app
                    .store
                    .membership_of(person_id(person), group)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("[{backend}] a membership"));
                if membership.role != MembershipRole::Coordinator {
                    app.store
                        .change_member_role(
                            person_id(person),
                            membership.id,
                            MembershipRole::Coordinator,
                        )
                        .await
                        .unwrap();
                }
            }
        }
        app.finish().await;
    }
}

#[tokio::test]
async fn concurrent_edits_of_a_meeting_each_raise_its_sequence() {
    for backend in backends() {
        let s = setting(backend).await;
        let body = schedule_as_coordinator(
            &s,
            input("Capacity building", "2027-02-02T09:00:00Z", json!({})),
        )
        .await;
        let meeting = &body["data"]["scheduleMeeting"];
        let id = meeting["id"].as_str().unwrap().to_owned();
        let first_sequence = meeting["sequence"].as_i64().unwrap();
        let mut sequences = Vec::new();
        for round in 0..ROUNDS {
            let edit = |title: String| {
                s.app.graphql_as(
                    &s.coordinator,
                    UPDATE,
                    json!({ "id": id, "input": input(&title, "2027-02-02T09:00:00Z", json!({})) }),
                )
            };
            let (first, second) = tokio::join!(
                edit(format!("Capacity building {round}a")),
                edit(format!("Capacity building {round}b")),
            );
            for (_, body) in [first, second] {
                assert!(body["errors"].is_null(), "[{backend}] {body}");
                sequences.push(body["data"]["updateMeeting"]["sequence"].as_i64().unwrap());
            }
        }
        sequences.sort_unstable();
        let expected: Vec<i64> = (1..=2 * ROUNDS as i64)
            .map(|step| first_sequence + step)
            .collect();
        assert_eq!(
            sequences, expected,
            "[{backend}] each edit its own sequence"
        );
        s.app.finish().await;
    }
}

/// The token of the `n`th invitation (from 1) mailed to `address`, once it is written.
async fn nth_invitation_token(app: &TestApp, address: &str, n: usize) -> String {
    for _ in 0..200 {
        let invitations: Vec<String> = coalition_tests::mail::all(&app.mail_dir)
            .into_iter()
            .filter(|mail| {
                coalition_tests::mail::header(mail, "To").is_some_and(|to| to.contains(address))
            })
            .collect();
        if let Some(mail) = invitations.get(n - 1) {
            return coalition_tests::mail::token(mail);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("invitation {n} to {address} not mailed");
}

#[tokio::test]
async fn an_invitation_is_accepted_or_revoked_never_both() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, claire) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (joao_id, joao) = signed_up(&app, "João Pereira", "joao@example.br").await;
        // Signing up mailed João once (address verification).
        let mails_before = 1;
        for round in 0..ROUNDS {
            let (_, body) = app
                .graphql_as(
                    &claire,
                    INVITE,
                    json!({ "group": group_id, "email": "joao@example.br" }),
                )
                .await;
            let invitation = body["data"]["inviteMember"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("[{backend}] invitation: {body}"))
                .to_owned();
            let token =
                nth_invitation_token(&app, "joao@example.br", mails_before + round + 1).await;
            let (accepted, revoked) = tokio::join!(
                app.graphql_as(&joao, ACCEPT, json!({ "token": token })),
                app.graphql_as(&claire, REVOKE, json!({ "id": invitation })),
            );
            let succeeded = outcomes(backend, &[&accepted.1], "acceptInvitation")
                + outcomes(backend, &[&revoked.1], "revokeInvitation");
            assert_eq!(
                succeeded, 1,
                "[{backend}] round {round}: {accepted:?} {revoked:?}"
            );
            let membership = app
                .store
                .membership_of(person_id(&joao_id), group)
                .await
                .unwrap();
            let active = membership
                .as_ref()
                .is_some_and(|membership| membership.status == MembershipStatus::Active);
            assert_eq!(
                active,
                accepted.1["errors"].is_null(),
                "[{backend}] round {round}: a member exactly when accepted"
            );
            if let Some(membership) = membership.filter(|_| active) {
                app.store
                    .end_membership(person_id(&joao_id), membership.id)
                    .await
                    .unwrap();
            }
        }
        app.finish().await;
    }
}

/// A worker with a short lease over `app`'s store, sending to `smtp`.
fn worker(app: &TestApp, smtp: &SmtpServer, lease: Duration) -> MailWorker {
    let transport = SmtpTransport::from_url(&smtp.url(), Duration::from_secs(5)).unwrap();
    MailWorker::new(
        app.store.clone(),
        Arc::new(transport),
        Renderer::new(&app.settings.accounts.public_url).unwrap(),
        WorkerSettings {
            from: app.settings.mail.from.parse().unwrap(),
            max_attempts: 5,
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(1),
            },
            poll_interval: Duration::from_millis(50),
            lease,
            batch: 20,
            digest_hour: 8,
        },
    )
}

/// Whether every message of the outbox has `status`.
async fn all_with_status(app: &TestApp, status: OutboxStatus) -> bool {
    app.store
        .outbox_messages(None, 200)
        .await
        .unwrap()
        .iter()
        .all(|message| message.status == status)
}

#[tokio::test]
async fn two_workers_and_a_slow_mail_server_deliver_each_message_once() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| {
            settings.mail.smtp_url = smtp.url();
            settings.mail.worker = false;
        })
        .await;
        // Six people sign up: six verification mails.
        for n in 0..6 {
            let email = format!("expert{n}@example.org");
            let body = register(&app, registration("An Expert", &email, "KE", "en")).await;
            assert!(body["errors"].is_null(), "[{backend}] {body}");
        }
        let queued = app.store.outbox_messages(None, 200).await.unwrap();
        assert_eq!(queued.len(), 6, "[{backend}]");

        // Each message takes 300 ms, the batch several times the 1 s lease: without a
        // renewed lease the second worker takes over messages the first then sends too.
        smtp.set_delay(Duration::from_millis(300));
        let lease = Duration::from_secs(1);
        let (first, second) = (worker(&app, &smtp, lease), worker(&app, &smtp, lease));
        let first_batch = first.run_once();
        let second_polls = async {
            // The first worker claims the whole batch before the second starts polling.
            while !all_with_status(&app, OutboxStatus::Sending).await {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            while !all_with_status(&app, OutboxStatus::Sent).await {
                second.run_once().await.unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let (handled, ()) = tokio::join!(first_batch, second_polls);
        assert_eq!(handled.unwrap(), queued.len(), "[{backend}] one batch");

        let mut recipients: Vec<String> = smtp
            .delivered()
            .into_iter()
            .flat_map(|delivered| delivered.recipients)
            .collect();
        recipients.sort();
        let mut expected: Vec<String> = queued.iter().map(|message| message.to.clone()).collect();
        expected.sort();
        assert_eq!(recipients, expected, "[{backend}] each message once");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_worker_whose_claim_ran_out_neither_sends_nor_records() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| settings.mail.worker = false).await;
        let input = registration("Layla Haddad", "layla@example.jo", "JO", "en");
        assert!(register(&app, input).await["errors"].is_null());
        // A lease already over: the next claim takes the message over at once.
        let late = app
            .store
            .claim_due_mail(10, chrono::Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(late.messages.len(), 1, "[{backend}]");
        let id = late.messages[0].id;
        let current = app
            .store
            .claim_due_mail(10, chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(current.messages.len(), 1, "[{backend}] taken over");

        // The late worker may not send it, nor record over the current holder.
        assert!(
            !app.store
                .renew_claim(id, &late.claim, chrono::Duration::minutes(5))
                .await
                .unwrap()
        );
        assert!(
            app.store
                .record_delivery(id, &current.claim, DeliveryOutcome::Sent)
                .await
                .unwrap()
        );
        let retry = DeliveryOutcome::RetryAt(app.clock.now(), "451 try later".to_owned());
        assert!(
            !app.store
                .record_delivery(id, &late.claim, retry)
                .await
                .unwrap(),
            "[{backend}] fenced"
        );
        let message = app.store.outbox_messages(None, 1).await.unwrap().remove(0);
        assert_eq!(message.status, OutboxStatus::Sent, "[{backend}]");
        assert_eq!(message.last_error, None, "[{backend}]");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_stopping_worker_gives_back_what_it_did_not_attempt() {
    for backend in backends() {
        let app = TestApp::spawn_with(backend, |settings| settings.mail.worker = false).await;
        let input = registration("Layla Haddad", "layla@example.jo", "JO", "en");
        assert!(register(&app, input).await["errors"].is_null());
        let claimed = app
            .store
            .claim_due_mail(10, chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(claimed.messages[0].attempts, 1, "[{backend}]");
        assert_eq!(app.store.release_claims(&claimed.claim).await.unwrap(), 1);
        let again = app
            .store
            .claim_due_mail(10, chrono::Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(again.messages.len(), 1, "[{backend}] due again at once");
        assert_eq!(again.messages[0].attempts, 1, "[{backend}] not counted");
        assert_eq!(app.store.release_claims(&claimed.claim).await.unwrap(), 0);
        app.finish().await;
    }
}

#[tokio::test]
async fn two_workers_gather_each_digest_once() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, claire) = coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, amina) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let update = "mutation { updateNotificationPreferences(preferences: [{ category: MEMBERSHIP, mode: DAILY_DIGEST }]) { mode } }";
        let (_, body) = app.graphql_as(&claire, update, json!({})).await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let workers = [
            coalition_server::build_mail_worker(&app.settings, app.store.clone()).unwrap(),
            coalition_server::build_mail_worker(&app.settings, app.store.clone()).unwrap(),
        ];
        for round in 0..ROUNDS / 2 {
            // Amina's request is held for Claire's digest; then both workers gather it.
            let (_, body) = app
                .graphql_as(&amina, REQUEST, json!({ "group": group_id }))
                .await;
            let request = body["data"]["requestToJoin"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("[{backend}] {body}"))
                .to_owned();
            let later = app.clock.now() + chrono::Duration::days(2);
            let (first, second) = tokio::join!(
                workers[0].send_digests(later),
                workers[1].send_digests(later),
            );
            assert_eq!(
                first.unwrap() + second.unwrap(),
                1,
                "[{backend}] round {round}: one digest"
            );
            let digests = app
                .store
                .outbox_messages(None, 200)
                .await
                .unwrap()
                .into_iter()
                .filter(|message| message.kind.template() == "daily_digest")
                .count();
            assert_eq!(digests, round + 1, "[{backend}] round {round}");
            let reject = "mutation ($id: ID!) { rejectMembership(membershipId: $id, reason: \"Not this time\") { status } }";
            let (_, body) = app
                .graphql_as(&claire, reject, json!({ "id": request }))
                .await;
            assert!(body["errors"].is_null(), "[{backend}] {body}");
        }
        app.finish().await;
    }
}
