//! The delivery worker: claims due messages from the outbox, renders and sends them, and
//! records each outcome: sent, retried later with exponential backoff and jitter, or failed
//! for good with the last error kept.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use coalition_domain::notifications::Backoff;
use coalition_store::{DeliveryOutcome, OutboxMessage, Store};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use tokio::sync::watch;

use crate::render::Renderer;
use crate::transport::MailTransport;

/// How the worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// The sender.
    pub from: Mailbox,
    /// Attempts before a message is marked failed.
    pub max_attempts: u32,
    /// Waits between attempts.
    pub backoff: Backoff,
    /// How often to look for due messages.
    pub poll_interval: Duration,
    /// How long a claim lasts before another worker may take the message over.
    pub lease: Duration,
    /// Messages claimed at once.
    pub batch: u64,
}

/// Drains the outbox.
pub struct MailWorker {
    store: Store,
    transport: Arc<dyn MailTransport>,
    renderer: Renderer,
    settings: WorkerSettings,
}

impl MailWorker {
    /// A worker over `store`, sending through `transport`.
    pub fn new(
        store: Store,
        transport: Arc<dyn MailTransport>,
        renderer: Renderer,
        settings: WorkerSettings,
    ) -> Self {
        Self {
            store,
            transport,
            renderer,
            settings,
        }
    }

    /// Runs until `shutdown` turns true, polling for due messages.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!("mail worker started");
        loop {
            let handled = match self.run_once().await {
                Ok(handled) => handled,
                Err(error) => {
                    tracing::error!(%error, "mail worker: outbox unavailable");
                    0
                }
            };
            if handled > 0 {
                continue;
            }
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                tracing::info!("mail worker stopped");
                return;
            }
        }
    }

    /// Claims one batch of due messages and attempts each; returns how many.
    pub async fn run_once(&self) -> Result<usize, coalition_store::StoreError> {
        let lease =
            chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::minutes(5));
        let messages = self
            .store
            .claim_due_mail(self.settings.batch, lease)
            .await?;
        let count = messages.len();
        for message in messages {
            let outcome = self.attempt(&message).await;
            match &outcome {
                DeliveryOutcome::Sent => {
                    tracing::info!(id = message.id, template = %message.template, "mail sent")
                }
                DeliveryOutcome::RetryAt(at, error) => {
                    tracing::warn!(id = message.id, %at, %error, "mail deferred")
                }
                DeliveryOutcome::Failed(error) => {
                    tracing::error!(id = message.id, %error, "mail failed")
                }
            }
            self.store.record_delivery(message.id, outcome).await?;
        }
        Ok(count)
    }

    async fn attempt(&self, message: &OutboxMessage) -> DeliveryOutcome {
        let built = match self.build(message) {
            Ok(built) => built,
            Err(error) => return DeliveryOutcome::Failed(error),
        };
        match self.transport.deliver(built).await {
            Ok(()) => DeliveryOutcome::Sent,
            Err(error) if error.permanent => DeliveryOutcome::Failed(error.message),
            Err(error) if message.attempts >= self.settings.max_attempts => {
                DeliveryOutcome::Failed(format!(
                    "gave up after {} attempts: {}",
                    message.attempts, error.message
                ))
            }
            Err(error) => {
                let delay = self
                    .settings
                    .backoff
                    .delay(message.attempts, rand::random::<f64>());
                let at = Utc::now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(1));
                DeliveryOutcome::RetryAt(at, error.message)
            }
        }
    }

    /// The RFC 5322 message: multipart text and HTML, the stable Message-ID, and
    /// `List-Unsubscribe` pointing at the preferences for mail that can be turned off.
    fn build(&self, message: &OutboxMessage) -> Result<Message, String> {
        let rendered = self.renderer.render(message).map_err(|e| e.to_string())?;
        let address = message
            .to
            .parse()
            .map_err(|error| format!("recipient address refused: {error}"))?;
        let to = Mailbox::new(Some(message.to_name.clone()), address);
        let mut builder = Message::builder()
            .from(self.settings.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(message.message_id.clone()));
        if Renderer::unsubscribable(message.category) {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", rendered.preferences_url),
            ));
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map_err(|error| error.to_string())
    }
}
