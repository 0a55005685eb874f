//! One-time tokens never rest in clear in the outbox: services seal them into the queued
//! mail, and only the worker, holding `mail.token_key`, opens them at send time. On every
//! backend.

use coalition_domain::notifications::OutboxStatus;
use coalition_domain::sealing::TokenKey;
use coalition_server::config::{Secret, Settings};
use coalition_store::MailUnavailable;
use coalition_tests::accounts::registration;
use coalition_tests::mail::{body, token};
use coalition_tests::smtp::SmtpServer;
use coalition_tests::{TestApp, backends};
use sea_orm::ConnectionTrait;
use serde_json::json;

const REGISTER: &str = "mutation ($input: RegisterInput!) { register(input: $input) }";

fn via_smtp(settings: &mut Settings, smtp: &SmtpServer) {
    settings.mail.smtp_url = smtp.url();
    settings.mail.smtp_timeout_secs = 5;
}

/// A server that queues mail but sends none, with a sign-up queued.
async fn queued_sign_up(backend: coalition_tests::Backend, smtp: &SmtpServer) -> TestApp {
    let app = TestApp::spawn_with(backend, |settings| {
        via_smtp(settings, smtp);
        settings.mail.worker = false;
    })
    .await;
    let input = registration("Layla Haddad", "layla@example.jo", "JO", "en");
    let registered = app.graphql(REGISTER, json!({ "input": input })).await;
    assert_eq!(registered["data"]["register"], true, "{registered}");
    app
}

/// The outbox's stored fields, as the database holds them.
async fn stored_data(app: &TestApp) -> Vec<String> {
    let backend = app.store.connection().get_database_backend();
    app.store
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT CAST(data AS TEXT) AS data FROM outbox ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            row.try_get::<Option<String>>("", "data")
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

/// Waits (up to five seconds) until the newest message has `status`.
async fn wait_for_status(app: &TestApp, status: OutboxStatus) -> coalition_store::OutboxMessage {
    for _ in 0..100 {
        let latest = app.store.outbox_messages(None, 1).await.unwrap().remove(0);
        if latest.status == status {
            return latest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("[{}] the newest mail never became {status:?}", app.backend);
}

#[tokio::test]
async fn queued_mail_holds_its_token_sealed_and_the_worker_opens_it() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let queuing = queued_sign_up(backend, &smtp).await;
        let queued = stored_data(&queuing).await;
        assert_eq!(queued.len(), 1, "[{backend}] {queued:?}");
        assert!(queued[0].contains("sealed_token"), "[{backend}] {queued:?}");

        let sending = queuing
            .spawn_beside(|settings| via_smtp(settings, &smtp))
            .await;
        let delivered = smtp.wait_for(1).await;
        let sent_token = token(&delivered[0].data);
        assert!(
            sent_token.len() >= 16,
            "[{backend}] a real token: {sent_token}"
        );
        assert!(
            body(&delivered[0].data).contains(&format!("verify-email?token={sent_token}")),
            "[{backend}] the link is built at send time"
        );
        assert!(
            !queued[0].contains(&sent_token),
            "[{backend}] the queued row held the token in clear: {}",
            queued[0]
        );
        let sent = wait_for_status(&sending, OutboxStatus::Sent).await;
        assert_eq!(sent.mail, Err(MailUnavailable::Erased), "[{backend}]");
        sending.finish().await;
        queuing.finish().await;
    }
}

#[tokio::test]
async fn a_token_sealed_under_another_key_fails_for_good() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let queuing = queued_sign_up(backend, &smtp).await;
        let other_key = TokenKey::generate().to_base64();
        let sending = queuing
            .spawn_beside(|settings| {
                via_smtp(settings, &smtp);
                settings.mail.token_key = Secret::new(other_key);
            })
            .await;
        let failed = wait_for_status(&sending, OutboxStatus::Failed).await;
        let reason = failed.last_error.unwrap_or_default();
        assert!(
            reason.contains("cannot be unsealed"),
            "[{backend}] {reason}"
        );
        assert_eq!(failed.attempts, 1, "[{backend}] not retried");
        assert_eq!(failed.mail, Err(MailUnavailable::Erased), "[{backend}]");
        assert!(smtp.delivered().is_empty(), "[{backend}] nothing sent");
        sending.finish().await;
        queuing.finish().await;
    }
}

#[tokio::test]
async fn a_clear_token_queued_before_sealing_still_sends() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let queuing = queued_sign_up(backend, &smtp).await;
        // The row as an earlier release queued it: link and token in clear.
        let legacy = json!({
            "name": "Layla Haddad",
            "link": "http://127.0.0.1:8080/verify-email?token=legacy-token-0123",
            "token": "legacy-token-0123",
        });
        queuing
            .store
            .connection()
            .execute_unprepared(&format!("UPDATE outbox SET data = '{legacy}'"))
            .await
            .unwrap();

        let sending = queuing
            .spawn_beside(|settings| via_smtp(settings, &smtp))
            .await;
        let delivered = smtp.wait_for(1).await;
        assert_eq!(
            token(&delivered[0].data),
            "legacy-token-0123",
            "[{backend}]"
        );
        assert!(
            body(&delivered[0].data).contains("verify-email?token=legacy-token-0123"),
            "[{backend}]"
        );
        wait_for_status(&sending, OutboxStatus::Sent).await;
        sending.finish().await;
        queuing.finish().await;
    }
}
