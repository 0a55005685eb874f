//! The delivery worker: claims due messages from the outbox, renders and sends them, and
//! records each outcome: sent, retried later with exponential backoff and jitter, or failed
//! for good with the last error kept.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use coalition_domain::mail::{DailyDigest, Mail};
use coalition_domain::notifications::{Backoff, UnsubscribeTicket};
use coalition_domain::sealing::TokenKey;
use coalition_store::{Claim, ClaimedMail, DeliveryOutcome, NewMail, OutboxMessage, Store};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
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
    /// Local hour (0–23) at which daily digests go out.
    pub digest_hour: u32,
    /// Opens the one-time tokens sealed in queued mail.
    pub token_key: TokenKey,
}

/// The latest instant at or before `now` when it was `hour`:00 in `zone`.
fn last_local_hour(now: DateTime<Utc>, zone: chrono_tz::Tz, hour: u32) -> DateTime<Utc> {
    let local = now.with_timezone(&zone);
    let at = |date: chrono::NaiveDate| {
        date.and_hms_opt(hour.min(23), 0, 0)
            .and_then(|naive| naive.and_local_timezone(zone).earliest())
            .map(|instant| instant.with_timezone(&Utc))
    };
    match at(local.date_naive()) {
        Some(today) if today <= now => today,
        _ => local
            .date_naive()
            .pred_opt()
            .and_then(at)
            .unwrap_or(now - chrono::Duration::days(1)),
    }
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
        let mut next_digest_check = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_digest_check {
                if let Err(error) = self.send_digests(self.store.clock().now()).await {
                    tracing::error!(%error, "mail worker: digests not gathered");
                }
                next_digest_check = tokio::time::Instant::now() + Duration::from_secs(60);
            }
            let handled = match self.deliver_due(Some(&shutdown)).await {
                Ok(handled) => handled,
                Err(error) => {
                    tracing::error!(%error, "mail worker: outbox unavailable");
                    0
                }
            };
            if handled > 0 && !*shutdown.borrow() {
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

    /// Gathers held messages into one digest per person whose local digest hour has
    /// passed since the messages were queued (the most recent `digest_hour`:00 in their
    /// time zone); returns how many digests were queued.
    pub async fn send_digests(
        &self,
        now: DateTime<Utc>,
    ) -> Result<usize, coalition_store::StoreError> {
        let mut queued = 0;
        for person in self.store.digest_recipients().await? {
            let boundary = last_local_hour(now, person.time_zone.tz(), self.settings.digest_hour);
            let items = self.store.held_for_digest(person.id, boundary).await?;
            if items.is_empty() {
                continue;
            }
            let lines: Vec<String> = items
                .iter()
                .filter_map(|item| Some(item.mail.as_ref().ok()?.subject(item.language)))
                .collect();
            let digest = NewMail {
                person: Some(person.id),
                to: person.email.clone(),
                to_name: person.display_name.clone(),
                language: person.preferred_language,
                mail: Mail::DailyDigest(DailyDigest {
                    name: person.display_name.clone(),
                    items: lines,
                    category: items[0].category,
                }),
            };
            let ids: Vec<i32> = items.iter().map(|item| item.id).collect();
            // Another worker may have gathered the same items first: then it sends them.
            if self.store.release_digest(&ids, digest).await?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Claims one batch of due messages and attempts each; returns how many.
    pub async fn run_once(&self) -> Result<usize, coalition_store::StoreError> {
        self.deliver_due(None).await
    }

    /// Claims one batch and attempts each message. Once `shutdown` turns true, the message
    /// being sent is finished and the rest of the batch released, so another worker takes
    /// them at once instead of after the lease.
    async fn deliver_due(
        &self,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> Result<usize, coalition_store::StoreError> {
        let lease =
            chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::minutes(5));
        let ClaimedMail { claim, messages } = self
            .store
            .claim_due_mail(self.settings.batch, lease)
            .await?;
        let count = messages.len();
        let stopping = || shutdown.is_some_and(|shutdown| *shutdown.borrow());
        let mut messages = messages.into_iter().peekable();
        while let Some(message) = messages.next_if(|_| !stopping()) {
            self.deliver(&message, &claim, lease).await?;
        }
        if messages.peek().is_some() {
            let released = self.store.release_claims(&claim).await?;
            tracing::info!(count = released, "mail worker stopping: claims released");
        }
        Ok(count)
    }

    /// Sends one claimed message and records the outcome. The claim is renewed first: the
    /// batch is sent one by one, and a message whose lease ran out meanwhile may have
    /// been taken over by another worker, which then sends it instead.
    async fn deliver(
        &self,
        message: &OutboxMessage,
        claim: &Claim,
        lease: chrono::Duration,
    ) -> Result<(), coalition_store::StoreError> {
        if !self.store.renew_claim(message.id, claim, lease).await? {
            tracing::info!(id = message.id, "mail taken over by another worker");
            return Ok(());
        }
        let outcome = self.attempt(message).await;
        let counted = match &outcome {
            DeliveryOutcome::Sent => {
                tracing::info!(id = message.id, template = %message.kind, "mail sent");
                "sent"
            }
            DeliveryOutcome::RetryAt(at, error) => {
                tracing::warn!(id = message.id, %at, %error, "mail deferred");
                "retry"
            }
            DeliveryOutcome::Failed(error) => {
                tracing::error!(id = message.id, %error, "mail failed");
                "failed"
            }
        };
        metrics::counter!("coalition_mail_deliveries_total", "outcome" => counted).increment(1);
        if !self
            .store
            .record_delivery(message.id, claim, outcome)
            .await?
        {
            // Only a send slower than the whole lease gets here.
            tracing::warn!(
                id = message.id,
                "mail outcome not recorded: the claim ran out and another worker holds it"
            );
        }
        Ok(())
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
                let at = self.store.clock().now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::minutes(1));
                DeliveryOutcome::RetryAt(at, error.message)
            }
        }
    }

    /// The RFC 5322 message: multipart text and HTML, the stable Message-ID, and
    /// RFC 8058 one-click `List-Unsubscribe` for a person's mail that can be turned off.
    fn build(&self, message: &OutboxMessage) -> Result<Message, String> {
        let mail = message
            .mail
            .as_ref()
            .map_err(|missing| format!("cannot render {}: {missing}", message.kind))?;
        // The link is built only now, from the sealed token: a key that changed since the
        // mail was queued leaves it unsendable for good (the person asks for a new link).
        let mail = &mail
            .clone()
            .open_links(&self.settings.token_key)
            .map_err(|error| format!("cannot send {}: {error}", message.kind))?;
        let rendered = self
            .renderer
            .render(mail, message.language)
            .map_err(|e| e.to_string())?;
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
        // One-click unsubscribe (RFC 8058) for a person's non-security mail: a sealed
        // ticket naming them and the category. Mail to an address without an account
        // (invitations) has no preferences to turn off, hence no header.
        let ticket = message
            .person
            .filter(|_| !mail.is_security())
            .and_then(|person| UnsubscribeTicket::new(person, message.category));
        if let Some(ticket) = ticket {
            let token = ticket
                .seal(&self.settings.token_key)
                .map_err(|error| format!("cannot send {}: {error}", message.kind))?;
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{}>", self.renderer.unsubscribe_url(token.as_str())),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let alternative = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(rendered.text),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(rendered.html),
            );
        // A meeting mail carries its iTIP invitation, so calendars add or update the entry.
        let invitation = match mail {
            Mail::Meeting(notice) => notice.calendar_invitation(),
            _ => None,
        };
        let body = match invitation {
            Some((ics, method)) => {
                let content_type = ContentType::parse(&format!(
                    "text/calendar; method={}; charset=utf-8",
                    method.as_str()
                ))
                .map_err(|error| error.to_string())?;
                MultiPart::mixed().multipart(alternative).singlepart(
                    Attachment::new("invite.ics".to_owned()).body(ics.to_owned(), content_type),
                )
            }
            None => alternative,
        };
        builder.multipart(body).map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn digests_follow_the_local_hour() {
        let nairobi = chrono_tz::Africa::Nairobi; // UTC+3
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap(); // 09:00 in Nairobi
        assert_eq!(
            last_local_hour(now, nairobi, 8),
            Utc.with_ymd_and_hms(2026, 11, 25, 5, 0, 0).unwrap()
        );
        let early = Utc.with_ymd_and_hms(2026, 11, 25, 4, 0, 0).unwrap(); // 07:00 in Nairobi
        assert_eq!(
            last_local_hour(early, nairobi, 8),
            Utc.with_ymd_and_hms(2026, 11, 24, 5, 0, 0).unwrap()
        );
    }
}
