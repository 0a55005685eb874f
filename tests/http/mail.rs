//! Mail end to end: mutation → outbox row (same transaction) → worker → a real SMTP
//! listener, with outages, refusals, a worker that dies mid-send, preferences and the
//! administrators' view, on every backend.

use coalition_domain::mail::MailKind;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::notifications::OutboxStatus;
use coalition_store::{AccountChange, MailUnavailable};
use coalition_tests::accounts::{coordinator_of, person_id, registration, signed_up};
use coalition_tests::mail::{body, header, html, token};
use coalition_tests::smtp::{SmtpMode, SmtpServer};
use coalition_tests::{TestApp, backends, error_code};
use serde_json::json;

const REGISTER: &str = "mutation ($input: RegisterInput!) { register(input: $input) }";

fn fast_retries(settings: &mut coalition_server::config::Settings, smtp: &SmtpServer) {
    settings.mail.smtp_url = smtp.url();
    settings.mail.backoff_base_secs = 1;
    settings.mail.backoff_cap_secs = 1;
    settings.mail.max_attempts = 5;
    settings.mail.smtp_timeout_secs = 5;
}

async fn status_of_latest(app: &TestApp) -> (OutboxStatus, u32, Option<String>) {
    let latest = app.store.outbox_messages(None, 1).await.unwrap().remove(0);
    (latest.status, latest.attempts, latest.last_error)
}

/// Waits (up to five seconds) until the newest outbox message is recorded as sent: the
/// listener has a message before the worker records the server's answer.
async fn wait_until_sent(app: &TestApp) {
    for _ in 0..100 {
        if status_of_latest(app).await.0 == OutboxStatus::Sent {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("[{}] the delivery was not recorded as sent", app.backend);
}

#[tokio::test]
async fn mails_reach_smtp_in_the_recipients_language() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let input = registration("Claire Martin", "claire@example.fr", "FR", "fr");
        let body_json = app.graphql(REGISTER, json!({ "input": input })).await;
        assert!(body_json["errors"].is_null(), "{body_json}");

        let delivered = smtp.wait_for(1).await;
        let mail = &delivered[0].data;
        assert_eq!(
            delivered[0].recipients,
            ["claire@example.fr"],
            "[{backend}]"
        );
        assert!(header(mail, "Message-ID").is_some_and(|id| id.ends_with("@coalition.outbox>")));
        assert!(
            header(mail, "Content-Type").is_some_and(|t| t.starts_with("multipart/alternative"))
        );
        assert!(
            header(mail, "List-Unsubscribe").is_none(),
            "security mail cannot be turned off"
        );
        assert!(
            body(mail).contains("Bonjour Claire Martin"),
            "[{backend}] French text part"
        );
        assert!(html(mail).is_some_and(|html| html.contains("<html lang=\"fr\">")));

        // The token in the mail works, and the outbox forgets it once sent.
        let verified = app
            .graphql(
                "mutation ($t: String!) { verifyEmail(token: $t) { id } }",
                json!({ "t": token(mail) }),
            )
            .await;
        assert!(verified["errors"].is_null(), "{verified}");
        // The listener has the message before the worker records the server's answer.
        let mut sent = Vec::new();
        for _ in 0..100 {
            sent = app
                .store
                .outbox_messages(Some(OutboxStatus::Sent), 10)
                .await
                .unwrap();
            if !sent.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(sent.len(), 1);
        assert_eq!(
            sent[0].mail,
            Err(MailUnavailable::Erased),
            "[{backend}] no token kept after delivery"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn coordinators_hear_of_requests_and_members_of_decisions() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let (group, group_id) = app.group(0).await;
        // Accounts are created through the API; their verification mails arrive first.
        let coordinator = coordinator_via_smtp(&app, &smtp, group).await;
        let (_, member) = signed_up_via_smtp(&app, &smtp, "Amina Diallo", "amina@example.sn").await;
        let before = smtp.wait_for(2).await.len();

        let (_, body_json) = app
            .graphql_as(&member, "mutation ($g: ID!) { requestToJoin(groupId: $g, motivation: \"OER in Senegal\") { id } }", json!({ "g": group_id }))
            .await;
        let membership = body_json["data"]["requestToJoin"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let delivered = smtp.wait_for(before + 1).await;
        let request = &delivered[before].data;
        assert_eq!(
            delivered[before].recipients,
            ["claire@example.fr"],
            "[{backend}]"
        );
        assert!(
            body(request).contains("Amina Diallo asks to join"),
            "{}",
            body(request)
        );
        assert!(body(request).contains("OER in Senegal"));
        assert!(
            header(request, "List-Unsubscribe").is_some_and(|v| v.contains("/unsubscribe?token="))
        );
        assert_eq!(
            header(request, "List-Unsubscribe-Post"),
            Some("List-Unsubscribe=One-Click")
        );

        app.graphql_as(&coordinator, "mutation ($id: ID!) { rejectMembership(membershipId: $id, reason: \"Full for now\") { id } }", json!({ "id": membership }))
            .await;
        let delivered = smtp.wait_for(before + 2).await;
        assert_eq!(delivered[before + 1].recipients, ["amina@example.sn"]);
        assert!(
            body(&delivered[before + 1].data).contains("Reason: Full for now"),
            "[{backend}]"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_without_losing_it() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let (port, delivered) = smtp.stop();

        let input = registration("Lucía Fernández", "lucia@example.mx", "MX", "en");
        let body_json = app.graphql(REGISTER, json!({ "input": input })).await;
        assert!(
            body_json["errors"].is_null(),
            "[{backend}] the change commits while SMTP is down"
        );
        let mut deferred = false;
        for _ in 0..100 {
            let (status, attempts, error) = status_of_latest(&app).await;
            if status == OutboxStatus::Pending && attempts >= 1 && error.is_some() {
                deferred = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            deferred,
            "[{backend}] the failed attempt is recorded and retried later"
        );

        let smtp = SmtpServer::start_on(port, delivered).await;
        let mails = smtp.wait_for(1).await;
        assert_eq!(mails.len(), 1);
        assert!(body(&mails[0].data).contains("Hello Lucía Fernández"));
        wait_until_sent(&app).await;
        assert_eq!(smtp.delivered().len(), 1, "[{backend}] sent once");
        app.finish().await;
    }
}

#[tokio::test]
async fn refusals_are_retried_or_failed_by_their_code() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let (admin_id, admin) =
            signed_up_via_smtp(&app, &smtp, "Secretariat", "secretariat@example.org").await;
        app.store
            .change_account(None, person_id(&admin_id), AccountChange::GrantAdmin)
            .await
            .unwrap();

        // 451: temporary, retried until accepted.
        smtp.set_mode(SmtpMode::Temporary);
        app.graphql(
            REGISTER,
            json!({ "input": registration("Bo Chen", "bo@example.cn", "CN", "en") }),
        )
        .await;
        let mut retried = false;
        for _ in 0..100 {
            let (status, attempts, error) = status_of_latest(&app).await;
            if status == OutboxStatus::Pending
                && attempts >= 1
                && error.is_some_and(|e| e.contains("451"))
            {
                retried = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(retried, "[{backend}] 451 is retried");
        smtp.set_mode(SmtpMode::Accept);
        smtp.wait_for(2).await;

        // 550: permanent, failed at once, kept for an administrator.
        smtp.set_mode(SmtpMode::Permanent);
        app.graphql(
            REGISTER,
            json!({ "input": registration("Mele Tupou", "mele@example.to", "TO", "en") }),
        )
        .await;
        let mut failed = None;
        for _ in 0..100 {
            let (status, attempts, error) = status_of_latest(&app).await;
            if status == OutboxStatus::Failed {
                failed = Some((attempts, error));
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (attempts, error) = failed.expect("a 550 fails the message");
        assert_eq!(attempts, 1, "[{backend}] no retry after 550");
        assert!(error.is_some_and(|e| e.contains("550")));

        let list = "{ outboxMessages(status: FAILED) { id to attempts lastError } }";
        let (_, listed) = app.graphql_as(&admin, list, json!({})).await;
        let messages = listed["data"]["outboxMessages"].as_array().unwrap();
        assert_eq!(messages.len(), 1, "[{backend}] {listed}");
        assert_eq!(messages[0]["to"], "mele@example.to");
        smtp.set_mode(SmtpMode::Accept);
        let (_, member) = signed_up_via_smtp(&app, &smtp, "Ahmet Yılmaz", "ahmet@example.tr").await;
        let (_, refused) = app.graphql_as(&member, list, json!({})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN");

        // The failed mail carried a one-time link: its token is gone, so it cannot be
        // retried; the person asks for a new link.
        let retry = "mutation ($id: ID!) { retryMail(id: $id) { status to } }";
        let (_, refused) = app
            .graphql_as(&admin, retry, json!({ "id": messages[0]["id"] }))
            .await;
        assert_eq!(error_code(&refused), "CONFLICT", "[{backend}] {refused}");

        // A mail without a token is kept and can be retried: a join request to the
        // administrator, who coordinates a group.
        let (group, group_id) = app.group(0).await;
        let admin_id =
            app.graphql_as(&admin, "{ me { id } }", json!({})).await.1["data"]["me"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
        app.store
            .insert_membership(
                group,
                person_id(&admin_id),
                MembershipRole::Coordinator,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        smtp.set_mode(SmtpMode::Permanent);
        app.graphql_as(
            &member,
            "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
            json!({ "g": group_id }),
        )
        .await;
        let mut failed_request = None;
        for _ in 0..100 {
            let failed = app
                .store
                .outbox_messages(Some(OutboxStatus::Failed), 10)
                .await
                .unwrap();
            if let Some(message) = failed
                .into_iter()
                .find(|m| m.kind == MailKind::JoinRequested)
            {
                failed_request = Some(message.message_id);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let failed_request = failed_request.expect("the join request mail fails on 550");
        smtp.set_mode(SmtpMode::Accept);
        let before = smtp.delivered().len();
        // `retryMail` takes the message's global ID, as `outboxMessages` shows it.
        let (_, failed) = app
            .graphql_as(
                &admin,
                "{ outboxMessages(status: FAILED, first: 200) { id messageId } }",
                json!({}),
            )
            .await;
        let failed_id = failed["data"]["outboxMessages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["messageId"] == failed_request.as_str())
            .map(|m| m["id"].clone())
            .expect("the failed mail is listed");
        let (_, retried) = app
            .graphql_as(&admin, retry, json!({ "id": failed_id }))
            .await;
        assert_eq!(
            retried["data"]["retryMail"]["status"], "PENDING",
            "{retried}"
        );
        let delivered = smtp.wait_for(before + 1).await;
        assert_eq!(
            delivered.last().unwrap().recipients,
            ["secretariat@example.org"],
            "[{backend}]"
        );
        app.finish().await;
    }
}

/// Signs Claire Martin up through the listener and makes her a coordinator of `group`;
/// returns her session token.
async fn coordinator_via_smtp(
    app: &TestApp,
    smtp: &SmtpServer,
    group: coalition_domain::coalition::WorkingGroupId,
) -> String {
    let (id, token) = signed_up_via_smtp(app, smtp, "Claire Martin", "claire@example.fr").await;
    app.store
        .insert_membership(
            group,
            person_id(&id),
            MembershipRole::Coordinator,
            MembershipStatus::Active,
        )
        .await
        .unwrap();
    token
}

/// Signs someone up while the listener accepts, following the mailed link; returns the
/// person's id and a session token.
async fn signed_up_via_smtp(
    app: &TestApp,
    smtp: &SmtpServer,
    name: &str,
    email: &str,
) -> (String, String) {
    let before = smtp.delivered().len();
    let input = registration(name, email, "TR", "en");
    let registered = app.graphql(REGISTER, json!({ "input": input })).await;
    assert_eq!(registered["data"]["register"], true, "{registered}");
    let mail = smtp.wait_for(before + 1).await.pop().unwrap();
    let verified = app
        .graphql(
            "mutation ($t: String!) { verifyEmail(token: $t) { id } }",
            json!({ "t": token(&mail.data) }),
        )
        .await;
    let id = verified["data"]["verifyEmail"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        id,
        coalition_tests::accounts::login(app, email, coalition_tests::accounts::PASSWORD).await,
    )
}

#[tokio::test]
async fn a_worker_that_dies_mid_send_leaves_the_mail_to_another() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        // The first instance runs no worker; the test claims as a worker would, then
        // "dies" (never reports). A second instance's worker takes over after the lease.
        let first = TestApp::spawn_with(backend, |settings| {
            fast_retries(settings, &smtp);
            settings.mail.worker = false;
        })
        .await;
        first
            .graphql(
                REGISTER,
                json!({ "input": registration("Layla Haddad", "layla@example.jo", "JO", "en") }),
            )
            .await;
        let claimed = first
            .store
            .claim_due_mail(10, chrono::Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(claimed.messages.len(), 1, "[{backend}]");
        assert!(
            first
                .store
                .claim_due_mail(10, chrono::Duration::seconds(1))
                .await
                .unwrap()
                .messages
                .is_empty(),
            "claimed once"
        );

        let second = first
            .spawn_beside(|settings| fast_retries(settings, &smtp))
            .await;
        let delivered = smtp.wait_for(1).await;
        assert!(
            body(&delivered[0].data).contains("Hello Layla Haddad"),
            "[{backend}]"
        );
        // Once the delivery is recorded, nothing sends the message again.
        wait_until_sent(&second).await;
        assert_eq!(smtp.delivered().len(), 1, "[{backend}] sent once");
        second.finish().await;
        first.finish().await;
    }
}

#[tokio::test]
async fn people_choose_what_they_receive_except_security() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        let (_, member) = signed_up(&app, "Amina Diallo", "amina@example.sn").await;
        let update = "mutation ($p: [NotificationPreferenceInput!]!) { updateNotificationPreferences(preferences: $p) { category mode } }";

        let (_, refused) = app
            .graphql_as(
                &coordinator,
                update,
                json!({ "p": [{ "category": "SECURITY", "mode": "OFF" }] }),
            )
            .await;
        assert_eq!(
            error_code(&refused),
            "BAD_USER_INPUT",
            "[{backend}] {refused}"
        );
        let (_, updated) = app
            .graphql_as(
                &coordinator,
                update,
                json!({ "p": [{ "category": "MEMBERSHIP", "mode": "OFF" }] }),
            )
            .await;
        let modes = updated["data"]["updateNotificationPreferences"]
            .as_array()
            .unwrap();
        assert!(
            modes
                .iter()
                .any(|p| p["category"] == "MEMBERSHIP" && p["mode"] == "OFF"),
            "{updated}"
        );
        let (_, read) = app
            .graphql_as(
                &coordinator,
                "{ notificationPreferences { category mode } }",
                json!({}),
            )
            .await;
        assert_eq!(
            read["data"]["notificationPreferences"],
            updated["data"]["updateNotificationPreferences"]
        );

        let queued = app.store.outbox_messages(None, 100).await.unwrap().len();
        app.graphql_as(
            &member,
            "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
            json!({ "g": group_id }),
        )
        .await;
        assert_eq!(
            app.store.outbox_messages(None, 100).await.unwrap().len(),
            queued,
            "[{backend}] nothing queued for a category turned off"
        );
        let anonymous = app
            .graphql("{ notificationPreferences { mode } }", json!({}))
            .await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
        app.finish().await;
    }
}

#[tokio::test]
async fn daily_digests_gather_the_days_items() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| {
            fast_retries(settings, &smtp);
            // Digests are driven by hand below, at a chosen instant.
            settings.mail.worker = false;
        })
        .await;
        let worker = coalition_server::build_mail_worker(&app.settings, app.store.clone()).unwrap();
        let (group, group_id) = app.group(0).await;
        let register =
            |name: &str, email: &str| json!({ "input": registration(name, email, "KE", "en") });
        app.graphql(REGISTER, register("Claire Martin", "claire@example.fr"))
            .await;
        worker.run_once().await.unwrap();
        let claire = smtp.wait_for(1).await.remove(0);
        app.graphql(
            "mutation ($t: String!) { verifyEmail(token: $t) { id } }",
            json!({ "t": token(&claire.data) }),
        )
        .await;
        let coordinator = coalition_tests::accounts::login(
            &app,
            "claire@example.fr",
            coalition_tests::accounts::PASSWORD,
        )
        .await;
        let claire_id = app
            .graphql_as(&coordinator, "{ me { id } }", json!({}))
            .await
            .1["data"]["me"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.store
            .insert_membership(
                group,
                person_id(&claire_id),
                MembershipRole::Coordinator,
                MembershipStatus::Active,
            )
            .await
            .unwrap();
        let update = "mutation { updateNotificationPreferences(preferences: [{ category: MEMBERSHIP, mode: DAILY_DIGEST }]) { category mode } }";
        let (_, updated) = app.graphql_as(&coordinator, update, json!({})).await;
        assert!(updated["errors"].is_null(), "{updated}");

        for (name, email) in [
            ("Amina Diallo", "amina@example.sn"),
            ("Bo Chen", "bo@example.cn"),
        ] {
            app.graphql(REGISTER, register(name, email)).await;
            worker.run_once().await.unwrap();
            let mail = smtp.delivered().pop().unwrap();
            app.graphql(
                "mutation ($t: String!) { verifyEmail(token: $t) { id } }",
                json!({ "t": token(&mail.data) }),
            )
            .await;
            let session =
                coalition_tests::accounts::login(&app, email, coalition_tests::accounts::PASSWORD)
                    .await;
            app.graphql_as(
                &session,
                "mutation ($g: ID!) { requestToJoin(groupId: $g) { id } }",
                json!({ "g": group_id }),
            )
            .await;
        }
        let sent_before = smtp.delivered().len();
        worker.run_once().await.unwrap();
        assert_eq!(
            smtp.delivered().len(),
            sent_before,
            "[{backend}] requests are held for the digest"
        );
        assert_eq!(
            app.store
                .outbox_messages(Some(OutboxStatus::Digest), 10)
                .await
                .unwrap()
                .len(),
            2
        );

        let tomorrow = app.clock.now() + chrono::Duration::days(1);
        assert_eq!(
            worker.send_digests(tomorrow).await.unwrap(),
            1,
            "[{backend}] one digest"
        );
        worker.run_once().await.unwrap();
        let digest = smtp.wait_for(sent_before + 1).await.pop().unwrap();
        assert_eq!(digest.recipients, ["claire@example.fr"]);
        let text = body(&digest.data);
        assert!(text.contains("Here is what happened"), "{text}");
        assert_eq!(
            text.matches("Request to join Capacity building").count(),
            2,
            "[{backend}] {text}"
        );
        assert!(
            app.store
                .outbox_messages(Some(OutboxStatus::Digest), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            worker.send_digests(tomorrow).await.unwrap(),
            0,
            "nothing left to gather"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn meeting_mails_carry_calendar_invitations() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let (group, group_id) = app.group(0).await;
        let (claire_id, coordinator) =
            signed_up_via_smtp(&app, &smtp, "Claire Martin", "claire@example.fr").await;
        let (amina_id, _) =
            signed_up_via_smtp(&app, &smtp, "Amina Diallo", "amina@example.sn").await;
        for (id, role) in [
            (&claire_id, MembershipRole::Coordinator),
            (&amina_id, MembershipRole::Member),
        ] {
            app.store
                .insert_membership(group, person_id(id), role, MembershipStatus::Active)
                .await
                .unwrap();
        }
        let before = smtp.delivered().len();
        let schedule = "mutation ($g: ID!) { scheduleMeeting(groupId: $g, input: { title: \"Policy review\", startsAt: \"2027-02-02T09:00:00Z\", durationMinutes: 90, timeZone: \"Europe/Paris\" }) { id } }";
        let (_, body_json) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id }))
            .await;
        let meeting = body_json["data"]["scheduleMeeting"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let delivered = smtp.wait_for(before + 2).await;
        let to_amina = delivered[before..]
            .iter()
            .find(|m| m.recipients == ["amina@example.sn"])
            .unwrap();
        assert!(
            header(&to_amina.data, "Subject").is_some_and(|s| s.contains("Policy review")),
            "[{backend}]"
        );
        // Amina lives in Nairobi (the registration default of these tests): her local time.
        assert!(
            body(&to_amina.data).contains("2027-02-02 12:00–13:30 (Africa/Nairobi)"),
            "{}",
            body(&to_amina.data)
        );
        let invitation = coalition_tests::mail::part(&to_amina.data, "text/calendar")
            .expect("an invitation is attached");
        assert!(invitation.contains("METHOD:REQUEST"), "{invitation}");
        let uid = invitation
            .lines()
            .find_map(|l| l.strip_prefix("UID:"))
            .unwrap()
            .trim()
            .to_owned();

        app.graphql_as(
            &coordinator,
            "mutation ($m: ID!) { cancelMeeting(id: $m, reason: \"Holiday\") { id } }",
            json!({ "m": meeting }),
        )
        .await;
        let delivered = smtp.wait_for(before + 4).await;
        let cancel = delivered[before + 2..]
            .iter()
            .find(|m| m.recipients == ["amina@example.sn"])
            .unwrap();
        let invitation = coalition_tests::mail::part(&cancel.data, "text/calendar").unwrap();
        assert!(
            invitation.contains("METHOD:CANCEL") && invitation.contains("STATUS:CANCELLED"),
            "[{backend}] {invitation}"
        );
        assert!(
            invitation.contains(&format!("UID:{uid}")),
            "the same UID updates the same entry"
        );
        assert!(invitation.contains("SEQUENCE:1"));
        assert!(body(&cancel.data).contains("Reason: Holiday"));
        app.finish().await;
    }
}

#[tokio::test]
async fn each_meeting_is_reminded_of_once() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let app = TestApp::spawn_with(backend, |settings| fast_retries(settings, &smtp)).await;
        let (group, group_id) = app.group(0).await;
        let coordinator = coordinator_via_smtp(&app, &smtp, group).await;
        let soon = (app.clock.now() + chrono::Duration::hours(2))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let schedule = "mutation ($g: ID!, $at: DateTime!) { scheduleMeeting(groupId: $g, input: { title: \"Budget check\", startsAt: $at, durationMinutes: 30, timeZone: \"Europe/Paris\" }) { id } }";
        let (_, body_json) = app
            .graphql_as(&coordinator, schedule, json!({ "g": group_id, "at": soon }))
            .await;
        assert!(body_json["errors"].is_null(), "{body_json}");
        let before = smtp.wait_for(2).await.len();

        let services = coalition_server::build_services(&app.settings, app.store.clone(), None)
            .await
            .unwrap();
        let lead = chrono::Duration::hours(24);
        assert_eq!(
            services
                .send_meeting_reminders(app.clock.now(), lead)
                .await
                .unwrap(),
            1,
            "[{backend}]"
        );
        assert_eq!(
            services
                .send_meeting_reminders(app.clock.now(), lead)
                .await
                .unwrap(),
            0,
            "[{backend}] once"
        );
        let delivered = smtp.wait_for(before + 1).await;
        let reminder = delivered.last().unwrap();
        assert!(
            header(&reminder.data, "Subject").is_some_and(|s| s.contains("Reminder: Budget check")),
            "[{backend}]"
        );
        assert!(body(&reminder.data).contains("is coming up"));
        assert!(
            coalition_tests::mail::part(&reminder.data, "text/calendar").is_none(),
            "no invitation with a reminder"
        );
        app.finish().await;
    }
}

#[tokio::test]
async fn invitations_to_the_longest_addresses_are_queued() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        let (group, group_id) = app.group(0).await;
        let (_, coordinator) =
            coordinator_of(&app, group, "Claire Martin", "claire@example.fr").await;
        // 64 + 1 + 189 = 254 characters: the longest address there is. Without an account,
        // the invitation names its recipient by the address.
        let domain = format!(
            "{}.{}.{}.org",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(57)
        );
        let address = format!("{}@{domain}", "l".repeat(64));
        assert_eq!(address.len(), 254);
        let (_, body) = app
            .graphql_as(
                &coordinator,
                "mutation ($g: ID!, $e: String!) { inviteMember(groupId: $g, email: $e, role: MEMBER) { id } }",
                json!({ "g": group_id, "e": address }),
            )
            .await;
        assert!(body["errors"].is_null(), "[{backend}] {body}");
        let queued = app.store.outbox_messages(None, 1).await.unwrap().remove(0);
        assert_eq!(
            (queued.to.as_str(), queued.to_name.as_str()),
            (address.as_str(), address.as_str()),
            "[{backend}]"
        );
        app.finish().await;
    }
}
