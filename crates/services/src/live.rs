//! The event bus: events are published after their transaction commits and reach every
//! live subscription, in this process or, through Redis pub/sub, on every instance.
//! Delivery is best-effort (at most once): the activity log and mail are the durable record.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use coalition_domain::events::{EVENT_FORMAT_VERSION, Event, EventEnvelope};
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it is dropped as too slow.
pub const SUBSCRIBER_BUFFER: usize = 1024;

/// How long one publish to Redis may take.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// Carries committed events to live subscriptions.
#[async_trait::async_trait]
pub trait EventBus: Send + Sync {
    /// Announces an event that has been committed. Never fails the caller: an event that
    /// cannot be sent is logged as dropped.
    async fn publish(&self, event: &Event);
    /// A new receiver of every event published from now on.
    fn subscribe(&self) -> broadcast::Receiver<Arc<Event>>;
    /// Whether events currently flow between instances (always true in process).
    fn is_connected(&self) -> bool;
    /// How many live subscriptions of this process are listening now.
    fn subscriber_count(&self) -> usize;
}

/// One process, one broadcast channel: the embedded default.
#[derive(Debug)]
pub struct InProcessBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(SUBSCRIBER_BUFFER).0,
        }
    }
}

#[async_trait::async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: &Event) {
        metrics::counter!("coalition_bus_published_total").increment(1);
        // No receiver is not an error: nobody is listening right now.
        deliver(&self.sender, Arc::new(event.clone()));
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    fn is_connected(&self) -> bool {
        true
    }

    fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Events through a Redis channel: every instance publishes there and forwards what it
/// hears to its own subscribers, its own events included (so each arrives exactly once
/// per instance). A listener task reconnects with backoff when Redis goes away.
pub struct RedisBus {
    publisher: ConnectionManager,
    channel: String,
    local: broadcast::Sender<Arc<Event>>,
    connected: Arc<AtomicBool>,
}

impl RedisBus {
    /// Starts listening on `{prefix}events` and returns the bus.
    pub async fn start(client: redis::Client, publisher: ConnectionManager, prefix: &str) -> Self {
        let channel = format!("{prefix}events");
        let local = broadcast::channel(SUBSCRIBER_BUFFER).0;
        let connected = Arc::new(AtomicBool::new(false));
        let bus = Self {
            publisher,
            channel: channel.clone(),
            local: local.clone(),
            connected: connected.clone(),
        };
        let (ready, subscribed) = tokio::sync::oneshot::channel();
        tokio::spawn(listen(client, channel, local, connected, Some(ready)));
        // Wait (briefly) for the first subscription, so events published right after
        // start-up are not missed by this instance.
        let _ = tokio::time::timeout(Duration::from_secs(5), subscribed).await;
        bus
    }

    /// One PUBLISH, given two seconds.
    async fn send(&self, text: &str) -> redis::RedisResult<i64> {
        let mut connection = self.publisher.clone();
        tokio::time::timeout(PUBLISH_TIMEOUT, connection.publish(&self.channel, text))
            .await
            .unwrap_or_else(|_| {
                Err(redis::RedisError::from(std::io::Error::from(
                    std::io::ErrorKind::TimedOut,
                )))
            })
    }
}

#[async_trait::async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, event: &Event) {
        let envelope = EventEnvelope {
            v: EVENT_FORMAT_VERSION,
            event: event.clone(),
        };
        let Ok(text) = serde_json::to_string(&envelope) else {
            tracing::error!(event = event.id, "event not serialisable; dropped");
            return;
        };
        let sent = match self.send(&text).await {
            // A connection broken by a Redis restart is only found out by the command
            // that fails on it; the manager then reconnects, and one retry goes out on the
            // fresh connection. A timeout is not retried: Redis is slow or away, and the
            // caller has already waited.
            Err(error) if !error.is_timeout() => {
                tracing::debug!(event = event.id, %error, "live event publish failed; retrying once");
                metrics::counter!("coalition_bus_publish_retries_total").increment(1);
                self.send(&text).await
            }
            sent => sent,
        };
        match sent {
            Ok(_) => metrics::counter!("coalition_bus_published_total").increment(1),
            Err(error) => {
                metrics::counter!("coalition_bus_dropped_total").increment(1);
                tracing::warn!(event = event.id, verb = event.change.verb(), %error, "live event dropped: Redis unavailable");
            }
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.local.subscribe()
    }

    fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    fn subscriber_count(&self) -> usize {
        self.local.receiver_count()
    }
}

/// Subscribes to the channel and forwards events; on any failure waits (100 ms doubling
/// to 5 s) and subscribes again. Runs until the process ends.
async fn listen(
    client: redis::Client,
    channel: String,
    local: broadcast::Sender<Arc<Event>>,
    connected: Arc<AtomicBool>,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) {
    use futures_util::StreamExt;
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    if !connected.swap(true, Ordering::Relaxed) {
                        tracing::info!(%channel, "event bus connected to Redis");
                    }
                    if ready.is_none() {
                        metrics::counter!("coalition_bus_reconnects_total").increment(1);
                    }
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(());
                    }
                    backoff = Duration::from_millis(100);
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        match message
                            .get_payload::<String>()
                            .ok()
                            .and_then(|text| serde_json::from_str::<EventEnvelope>(&text).ok())
                        {
                            Some(envelope) if envelope.v == EVENT_FORMAT_VERSION => {
                                deliver(&local, Arc::new(envelope.event));
                            }
                            Some(envelope) => {
                                tracing::warn!(
                                    version = envelope.v,
                                    "event of another format version ignored"
                                );
                            }
                            None => tracing::warn!("unreadable event on the bus ignored"),
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "event bus: subscribe failed"),
            },
            Err(error) => tracing::debug!(%error, "event bus: Redis unreachable"),
        }
        if connected.swap(false, Ordering::Relaxed) {
            tracing::warn!("event bus lost Redis; reconnecting");
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Hands an event to this process's subscriptions, counting how many received it.
fn deliver(local: &broadcast::Sender<Arc<Event>>, event: Arc<Event>) {
    if let Ok(receivers) = local.send(event) {
        metrics::counter!("coalition_bus_deliveries_total").increment(receivers as u64);
    }
}
