//! Subscriptions shared by the subscribers who would see the same thing. A subscription runs
//! once per distinct (document, operation, variables, language, visibility class); each
//! result is serialised once and every subscriber of the feed sends the same text with its
//! own operation id.
//!
//! The visibility class is the viewer as the policy sees it, without the session: anonymous,
//! or one person with their administrator flag and their role and status in every group.
//! Whether an event is shown depends on whose membership it is about (a member sees their
//! own request, not others'), and fields such as `myRsvp` answer for the person, so two
//! people never share a class; connections of the same person (tabs, devices, the same
//! dashboard open twice) and anonymous viewers do.
//!
//! A feed's subscription keeps its viewer current from the events, as each subscriber's
//! own would have; a subscriber whose viewer the connection refreshes into another class
//! moves to that class's feed (which checks access again as it starts). An event that may
//! have ended the person's sessions asks every subscriber's connection to check its own.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Response;
use coalition_api::{CoalitionSchema, LiveSession, RequestLanguage};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::language::Language;
use coalition_domain::membership::{MembershipRole, MembershipStatus};
use coalition_domain::people::PersonId;
use coalition_domain::policy::Viewer;
use coalition_services::accounts::ClientAddress;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::AbortHandle;

use super::super::graphql::{GraphqlParams, error_json, request_error_of, response_json};
use super::operations::Ended;
use super::outbox::Outbox;
use super::protocol::ServerMessage;

/// Results a feed may hold for a subscriber that has not sent them yet; past this the
/// subscriber is too slow, as a full client queue would make it.
const FEED_BUFFER: usize = 256;

/// What decides what a viewer may see: the viewer without the session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum VisibilityClass {
    /// Public data only.
    Anonymous,
    /// One person, with their standing.
    Person {
        person: PersonId,
        is_admin: bool,
        memberships: Vec<(WorkingGroupId, MembershipRole, MembershipStatus)>,
    },
}

impl VisibilityClass {
    /// The class of `viewer`.
    pub(super) fn of(viewer: &Viewer) -> Self {
        match viewer {
            Viewer::Anonymous => VisibilityClass::Anonymous,
            Viewer::Person(signed_in) => {
                let mut memberships: Vec<_> = signed_in
                    .memberships
                    .iter()
                    .map(|(group, (role, status))| (*group, *role, *status))
                    .collect();
                memberships.sort_unstable();
                VisibilityClass::Person {
                    person: signed_in.person,
                    is_admin: signed_in.is_admin,
                    memberships,
                }
            }
        }
    }
}

/// Which subscribers share a feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FeedKey {
    query: String,
    operation_name: Option<String>,
    /// The variables as JSON text (object keys in the order sent).
    variables: String,
    language: Language,
    class: VisibilityClass,
}

/// One result of a feed, as every subscriber sends it.
#[derive(Debug, Clone)]
enum FeedItem {
    /// A result: the `payload` of `next`, serialised once.
    Next(Arc<str>),
    /// The subscription never ran (it did not validate): these errors, no `complete`.
    Refused(Vec<Value>),
}

/// One shared subscription.
struct Feed {
    /// `None` once the subscription has ended: a subscriber arriving then starts a new one.
    sender: Mutex<Option<broadcast::Sender<FeedItem>>>,
    /// Bumped when an event may have ended the person's sessions.
    rechecks: watch::Receiver<u64>,
    /// Subscribers following the feed; counted under the hub's lock.
    members: std::sync::atomic::AtomicUsize,
    /// The tasks running the subscription and relaying rechecks.
    tasks: Mutex<Vec<AbortHandle>>,
    /// Keeps the viewer the subscription follows alive (it changes only with events).
    _viewer: watch::Sender<Viewer>,
}

impl Feed {
    fn publish(&self, item: FeedItem) {
        if let Some(sender) = &*self.sender.lock().unwrap_or_else(PoisonError::into_inner) {
            // No receiver is no error: a subscriber may just have left.
            let _ = sender.send(item);
        }
    }

    /// A receiver of what follows, unless the feed has ended.
    fn receiver(&self) -> Option<broadcast::Receiver<FeedItem>> {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(broadcast::Sender::subscribe)
    }

    fn end(&self) {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        for task in self
            .tasks
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            task.abort();
        }
    }
}

/// The feeds running on this instance.
#[derive(Default)]
pub struct LiveFeeds {
    feeds: Mutex<HashMap<FeedKey, Arc<Feed>>>,
}

impl std::fmt::Debug for LiveFeeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveFeeds").finish_non_exhaustive()
    }
}

/// A subscriber's place in a feed; leaving the last place stops the feed.
struct Place {
    hub: Arc<LiveFeeds>,
    key: FeedKey,
    feed: Arc<Feed>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut feeds = self
            .hub
            .feeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let left = self
            .feed
            .members
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        if left == 1
            && feeds
                .get(&self.key)
                .is_some_and(|current| Arc::ptr_eq(current, &self.feed))
        {
            feeds.remove(&self.key);
        }
    }
}

/// What one subscriber brings: its operation and who asks.
#[derive(Clone)]
pub(super) struct Subscriber {
    pub(super) schema: CoalitionSchema,
    pub(super) params: GraphqlParams,
    pub(super) language: Language,
    pub(super) address: ClientAddress,
    /// The connection's viewer, as it checks it.
    pub(super) viewer: watch::Receiver<Viewer>,
    /// The connection's request to check its session now.
    pub(super) recheck: Arc<Notify>,
}

impl LiveFeeds {
    /// How many subscribers follow a feed beyond the one subscription each feed runs: the
    /// live subscriptions of the instance are the bus's receivers plus these.
    pub fn shared_subscribers(&self) -> usize {
        self.feeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|feed| {
                feed.members
                    .load(std::sync::atomic::Ordering::SeqCst)
                    .saturating_sub(1)
            })
            .sum()
    }

    /// A place in the feed for `subscriber` as its viewer stands now, starting the feed if
    /// none runs.
    fn join(
        self: &Arc<Self>,
        subscriber: &Subscriber,
    ) -> (Place, broadcast::Receiver<FeedItem>, VisibilityClass) {
        let viewer = subscriber.viewer.borrow().clone();
        let class = VisibilityClass::of(&viewer);
        let key = FeedKey {
            query: subscriber.params.query.clone(),
            operation_name: subscriber.params.operation_name.clone(),
            variables: subscriber
                .params
                .variables
                .as_ref()
                .map(|variables| Value::Object(variables.clone()).to_string())
                .unwrap_or_default(),
            language: subscriber.language,
            class: class.clone(),
        };
        let mut feeds = self.feeds.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(feed) = feeds.get(&key)
            && let Some(receiver) = feed.receiver()
        {
            feed.members
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let place = Place {
                hub: self.clone(),
                key,
                feed: feed.clone(),
            };
            return (place, receiver, class);
        }
        let feed = start_feed(subscriber, viewer);
        let receiver = feed.receiver();
        feeds.insert(key.clone(), feed.clone());
        drop(feeds);
        let place = Place {
            hub: self.clone(),
            key,
            feed,
        };
        // Just made: its sender is there.
        let receiver = receiver.unwrap_or_else(|| broadcast::channel(1).1);
        (place, receiver, class)
    }

    /// Follows the feed of `subscriber`'s class, sending its results as operation `id`,
    /// and moves to another feed when the connection's viewer changes class.
    pub(super) async fn follow(
        self: Arc<Self>,
        id: String,
        mut subscriber: Subscriber,
        outbox: Outbox,
    ) -> Ended {
        let (mut place, mut receiver, mut class) = self.join(&subscriber);
        let mut rechecks = place.feed.rechecks.clone();
        loop {
            tokio::select! {
                biased;
                Ok(()) = rechecks.changed() => {
                    subscriber.recheck.notify_one();
                }
                Ok(()) = subscriber.viewer.changed() => {
                    let now = VisibilityClass::of(&subscriber.viewer.borrow_and_update());
                    if now != class {
                        // Left before joining, so a feed of one moves rather than lingers.
                        drop(place);
                        (place, receiver, class) = self.join(&subscriber);
                        rechecks = place.feed.rechecks.clone();
                    }
                }
                received = receiver.recv() => match received {
                    Ok(FeedItem::Next(payload)) => {
                        let next = ServerMessage::SharedNext { id: id.clone(), payload };
                        if outbox.send(next).is_err() {
                            return Ended::ClientTooSlow;
                        }
                    }
                    Ok(FeedItem::Refused(errors)) => return Ended::Refused(errors),
                    Err(RecvError::Lagged(_)) => return Ended::ClientTooSlow,
                    Err(RecvError::Closed) => return Ended::Completed,
                },
            }
        }
    }
}

/// Starts the subscription of a new feed for `subscriber`'s operation, as `viewer`.
fn start_feed(subscriber: &Subscriber, viewer: Viewer) -> Arc<Feed> {
    let (sender, _) = broadcast::channel(FEED_BUFFER);
    let (viewer_sender, viewer_receiver) = watch::channel(viewer.clone());
    let (recheck_sender, rechecks) = watch::channel(0u64);
    let feed_recheck = Arc::new(Notify::new());
    let feed = Arc::new(Feed {
        sender: Mutex::new(Some(sender)),
        rechecks,
        members: std::sync::atomic::AtomicUsize::new(1),
        tasks: Mutex::new(Vec::new()),
        _viewer: viewer_sender,
    });
    let request = subscriber
        .params
        .clone()
        .into_request()
        .data(RequestLanguage(subscriber.language))
        .data(viewer)
        .data(LiveSession::new(viewer_receiver, feed_recheck.clone()))
        .data(subscriber.address);
    let responses = subscriber.schema.execute_stream(request);
    // The tasks hold the feed weakly: the last subscriber to leave drops it, which stops
    // them.
    let weak = Arc::downgrade(&feed);
    let run = tokio::spawn(run_feed(weak, responses));
    let relay = tokio::spawn(async move {
        loop {
            feed_recheck.notified().await;
            recheck_sender.send_modify(|count| *count = count.wrapping_add(1));
        }
    });
    let mut tasks = feed.tasks.lock().unwrap_or_else(PoisonError::into_inner);
    tasks.push(run.abort_handle());
    tasks.push(relay.abort_handle());
    drop(tasks);
    feed
}

/// Runs a feed's subscription, serialising each result once for every subscriber.
async fn run_feed(feed: std::sync::Weak<Feed>, mut responses: BoxStream<'static, Response>) {
    let mut first = true;
    while let Some(response) = responses.next().await {
        let Some(feed) = feed.upgrade() else { return };
        if first && request_error_of(&response) {
            feed.publish(FeedItem::Refused(
                response.errors.into_iter().map(error_json).collect(),
            ));
            feed.end();
            return;
        }
        first = false;
        let payload = response_json(response, true).to_string();
        feed.publish(FeedItem::Next(Arc::from(payload)));
    }
    if let Some(feed) = feed.upgrade() {
        feed.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_domain::policy::SignedIn;

    fn person(id: i32, session: i32, memberships: &[(i32, MembershipRole)]) -> Viewer {
        Viewer::Person(SignedIn {
            person: PersonId(id),
            session: coalition_domain::accounts::SessionId(session),
            is_admin: false,
            memberships: memberships
                .iter()
                .map(|(group, role)| (WorkingGroupId(*group), (*role, MembershipStatus::Active)))
                .collect(),
        })
    }

    #[test]
    fn the_class_is_the_viewer_without_the_session() {
        use MembershipRole::{Coordinator, Member};
        let of = |viewer: &Viewer| VisibilityClass::of(viewer);
        assert_eq!(
            of(&person(1, 10, &[(1, Member), (2, Coordinator)])),
            of(&person(1, 11, &[(2, Coordinator), (1, Member)]))
        );
        assert_ne!(
            of(&person(1, 10, &[(1, Member)])),
            of(&person(1, 10, &[(1, Coordinator)]))
        );
        assert_ne!(of(&person(1, 10, &[])), of(&person(2, 10, &[])));
        assert_ne!(of(&person(1, 10, &[])), of(&Viewer::Anonymous));
        assert_eq!(of(&Viewer::Anonymous), of(&Viewer::Anonymous));
    }
}
