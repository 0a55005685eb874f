//! Live updates: subscriptions fed by the event bus. Access is checked when a
//! subscription starts and again for every event, against a view of the subscriber that
//! the events themselves keep current (someone removed from a group stops receiving it)
//! and that the connection refreshes from the store (so a lost event cannot keep access
//! alive). Each event is shown only to those whose queries would show what it is about.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, Event, Subject};
use coalition_domain::policy::{self, Action, Viewer};
use futures_util::Stream;
use futures_util::stream;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::sync::{Notify, OnceCell, watch};

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::meetings::Meeting;
use crate::membership::{MembershipRole, MembershipStatus};
use crate::node::{Node, load_node};
use crate::people::Person;
use coalition_domain::meetings::MeetingId;

/// Something that happened, as the activity log recorded it.
pub(crate) struct ActivityEvent(Arc<Event>);

// Notification inbox: stored notifications carry the event as streamed.
impl From<Event> for ActivityEvent {
    fn from(event: Event) -> Self {
        Self(Arc::new(event))
    }
}

/// A change to someone's membership carried by an event.
#[derive(SimpleObject)]
pub(crate) struct MembershipChangeView {
    /// Whose membership.
    person_id: ID,
    /// The role after the change.
    role: MembershipRole,
    /// The status after the change.
    status: MembershipStatus,
}

impl ActivityEvent {
    /// An entry of the log, as history shows it.
    pub(crate) fn new(event: Event) -> Self {
        Self(Arc::new(event))
    }

    /// The global ID of the entry's subject.
    fn subject_global_id(&self) -> ID {
        let subject = self.0.change.subject();
        let kind = match subject {
            Subject::Membership(_) => NodeKind::Membership,
            Subject::Invitation(_) => NodeKind::Invitation,
            Subject::Person(_) => NodeKind::Person,
            Subject::WorkingGroup(_) => NodeKind::WorkingGroup,
            Subject::AreaOfAction(_) => NodeKind::AreaOfAction,
            Subject::Coalition(_) => NodeKind::Coalition,
            Subject::Meeting(_) => NodeKind::Meeting,
            Subject::Document(_) => NodeKind::Document,
        };
        global_id(kind, subject.id())
    }
}

#[Object(name = "ActivityEvent")]
impl ActivityEvent {
    /// The activity log entry's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// What happened, as `subject.past_tense_verb`: `membership.requested`,
    /// `membership.approved`, `membership.rejected`, `membership.joined`,
    /// `membership.role_changed`, `membership.left`, `membership.removed`,
    /// `membership.invitation_accepted`, `invitation.sent`, `group.join_policy_changed`, …
    async fn verb(&self) -> &str {
        self.0.change.verb()
    }

    /// Who did it; null for the system.
    async fn actor_id(&self) -> Option<ID> {
        self.0
            .actor
            .map(|actor| global_id(NodeKind::Person, actor.0))
    }

    /// The group concerned.
    async fn working_group_id(&self) -> Option<ID> {
        self.0
            .working_group()
            .map(|group| global_id(NodeKind::WorkingGroup, group.0))
    }

    /// The global ID of what it happened to (a Membership, an Invitation, …).
    async fn subject_id(&self) -> Option<ID> {
        Some(self.subject_global_id())
    }
    /// Who did it, when the viewer may see them; null for the system or someone hidden.
    async fn actor(&self, ctx: &Context<'_>) -> Option<Person> {
        let actor = self.0.actor?;
        crate::people::visible_person(ctx, actor)
            .await
            .ok()
            .flatten()
            .map(Person)
    }

    /// What it happened to, when it still exists and the viewer may see it.
    async fn subject(&self, ctx: &Context<'_>) -> Option<Node> {
        load_node(ctx, &self.subject_global_id()).await.ok()
    }

    /// The membership after the change, for membership events.
    async fn membership(&self) -> Option<MembershipChangeView> {
        self.0
            .membership_change()
            .map(|change| MembershipChangeView {
                person_id: global_id(NodeKind::Person, change.person.0),
                role: change.role.into(),
                status: change.status.into(),
            })
    }
}

/// What a WebSocket connection hands the operations it runs: the viewer as the session
/// stands now (the connection checks it against the store from time to time), and a way to
/// ask the connection to check at once, when an event says the session may have ended.
#[derive(Debug, Clone)]
pub struct LiveSession {
    viewer: watch::Receiver<Viewer>,
    recheck: Arc<Notify>,
}

impl LiveSession {
    /// A session whose current viewer `viewer` follows; `recheck` is notified when an
    /// event may have ended it.
    pub fn new(viewer: watch::Receiver<Viewer>, recheck: Arc<Notify>) -> Self {
        Self { viewer, recheck }
    }
}

/// Subscriptions.
#[derive(Default)]
pub struct LiveSubscription {
    /// Meetings loaded for `meetingUpdated`, shared by its subscribers.
    meetings: Arc<SharedLoads<coalition_domain::meetings::Meeting>>,
}

/// What one subscriber's stream holds between events.
struct Follower {
    receiver: Receiver<Arc<Event>>,
    viewer: Viewer,
    session: Option<LiveSession>,
}

/// What woke a follower.
enum Woken {
    /// An event, already applied to the viewer.
    Event(Arc<Event>),
    /// The connection refreshed the viewer from the store.
    ViewerRefreshed,
    /// The subscriber fell too far behind.
    TooSlow,
    /// The bus closed (the server is stopping).
    Closed,
}

impl Follower {
    fn new(receiver: Receiver<Arc<Event>>, viewer: Viewer, ctx: &Context<'_>) -> Self {
        let session = ctx.data_opt::<LiveSession>().cloned();
        Self {
            receiver,
            viewer,
            session,
        }
    }

    /// Waits for the next event or a refreshed viewer, keeping the viewer current.
    async fn next(&mut self) -> Woken {
        let Follower {
            receiver,
            viewer,
            session,
        } = self;
        let refreshed = async {
            if let Some(session) = session.as_mut()
                && session.viewer.changed().await.is_ok()
            {
                return Some(session.viewer.borrow_and_update().clone());
            }
            // No connection behind this operation, or it has gone: events only.
            std::future::pending::<Option<Viewer>>().await
        };
        let received = tokio::select! {
            biased;
            Some(refreshed) = refreshed => {
                *viewer = refreshed;
                return Woken::ViewerRefreshed;
            }
            received = receiver.recv() => received,
        };
        match received {
            Ok(event) => {
                let me = viewer.person_id();
                if me.is_some()
                    && event.change.ended_sessions_of() == me
                    && let Some(session) = session
                {
                    session.recheck.notify_one();
                }
                viewer.apply(&event);
                Woken::Event(event)
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "live subscriber too slow; dropped");
                Woken::TooSlow
            }
            Err(RecvError::Closed) => Woken::Closed,
        }
    }
}

/// What a subscriber wants from the stream of all events.
trait Interest: Send + 'static {
    /// `Some(true)` deliver, `Some(false)` skip, `None` the subscriber lost access.
    fn wants(&self, viewer: &Viewer, event: &Event) -> Option<bool>;

    /// Whether the subscriber may still follow at all (checked when the viewer is
    /// refreshed, without an event).
    fn still_allowed(&self, viewer: &Viewer) -> bool;
}

struct GroupInterest(WorkingGroupId);

impl Interest for GroupInterest {
    fn wants(&self, viewer: &Viewer, event: &Event) -> Option<bool> {
        self.still_allowed(viewer).then(|| {
            event.working_group() == Some(self.0)
                && policy::allows(viewer, Action::read_change(&event.change))
        })
    }

    fn still_allowed(&self, viewer: &Viewer) -> bool {
        policy::allows(viewer, Action::ReadGroupInternals(self.0))
    }
}

struct PersonalInterest;

impl Interest for PersonalInterest {
    fn wants(&self, viewer: &Viewer, event: &Event) -> Option<bool> {
        let me = viewer.person_id()?;
        let coordinates = |group| policy::allows(viewer, Action::CoordinateGroup(group));
        let request_to_decide = matches!(event.change, Change::MembershipRequested(_))
            && event.working_group().is_some_and(coordinates)
            && !event.concerns(me);
        Some(
            (event.concerns(me) || request_to_decide)
                && policy::allows(viewer, Action::read_change(&event.change)),
        )
    }

    fn still_allowed(&self, viewer: &Viewer) -> bool {
        viewer.person_id().is_some()
    }
}

/// Turns the bus's receiver into the subscriber's stream: the viewer is kept current
/// before the interest decides; a lost access or a subscriber too slow to keep up ends the
/// stream with an error.
fn events_for(
    follower: Follower,
    interest: impl Interest,
) -> impl Stream<Item = Result<ActivityEvent, ApiError>> {
    stream::unfold(Some((follower, interest)), |state| async move {
        let (mut follower, interest) = state?;
        loop {
            let wanted = match follower.next().await {
                Woken::Event(event) => interest
                    .wants(&follower.viewer, &event)
                    .map(|wanted| wanted.then_some(event)),
                Woken::ViewerRefreshed => interest.still_allowed(&follower.viewer).then_some(None),
                Woken::TooSlow => return Some((Err(ApiError::too_slow()), None)),
                Woken::Closed => return None,
            };
            match wanted {
                Some(Some(event)) => {
                    return Some((Ok(ActivityEvent(event)), Some((follower, interest))));
                }
                Some(None) => continue,
                None => {
                    let error = ApiError::forbidden("you no longer have access to these events");
                    return Some((Err(error), None));
                }
            }
        }
    })
}

/// How many recent events' loads [`SharedLoads`] keeps.
const SHARED_LOADS_KEPT: usize = 64;

/// Work done once per event and shared by every subscriber who needs it: the first to ask
/// loads, the others wait for that load. Keyed by the event and the object, and kept for
/// the last [`SHARED_LOADS_KEPT`] keys only. A failed load is not kept: the next asks again.
struct SharedLoads<T> {
    recent: Mutex<VecDeque<SharedLoad<T>>>,
}

/// One object's load after one event: (event id, object id) and the value once loaded.
type SharedLoad<T> = ((i32, i32), Arc<OnceCell<T>>);

impl<T> Default for SharedLoads<T> {
    fn default() -> Self {
        Self {
            recent: Mutex::new(VecDeque::new()),
        }
    }
}

impl<T: Clone> SharedLoads<T> {
    /// What `load` gives for object `object` after event `event`, loaded once.
    async fn get<E, F>(&self, event: i32, object: i32, load: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let cell = {
            let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            match recent.iter().find(|(key, _)| *key == (event, object)) {
                Some((_, cell)) => cell.clone(),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    recent.push_back(((event, object), cell.clone()));
                    if recent.len() > SHARED_LOADS_KEPT {
                        recent.pop_front();
                    }
                    cell
                }
            }
        };
        cell.get_or_try_init(|| load).await.cloned()
    }
}

#[Subscription]
impl LiveSubscription {
    /// Membership and group events of one group, as they happen, each as the queries would
    /// show it: requests, refusals and departures for the person and the coordinators,
    /// invitations for the coordinators, answers to meetings for their organisers. For the
    /// group's active members, observers and coordinators, and administrators.
    async fn group_activity(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
    ) -> Result<impl Stream<Item = Result<ActivityEvent, ApiError>>, ApiError> {
        let group = WorkingGroupId(decode_id_of(NodeKind::WorkingGroup, &group_id, "groupId")?);
        let api = api(ctx)?;
        let viewer = viewer(ctx).clone();
        policy::ensure(&viewer, Action::ReadGroupInternals(group))?;
        // The group must exist: an unknown id is NOT_FOUND, not an empty stream.
        api.store.working_group(group).await?;
        let follower = Follower::new(api.services.events.subscribe(), viewer, ctx);
        Ok(events_for(follower, GroupInterest(group)))
    }

    /// A meeting as it changes: rescheduled, cancelled, answered (select `rsvpCounts`). For
    /// those who may see the meeting.
    async fn meeting_updated(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
    ) -> Result<impl Stream<Item = Result<Meeting, ApiError>>, ApiError> {
        let id = MeetingId(decode_id_of(NodeKind::Meeting, &meeting_id, "meetingId")?);
        let api = api(ctx)?;
        let viewer = viewer(ctx).clone();
        api.services.meeting_for(&viewer, id).await?;
        let store = api.store.clone();
        let follower = Follower::new(api.services.events.subscribe(), viewer, ctx);
        let loads = self.meetings.clone();
        Ok(stream::unfold(
            Some((follower, store, loads)),
            move |state| async move {
                let (mut follower, store, loads) = state?;
                loop {
                    let event = match follower.next().await {
                        Woken::Event(event) => event,
                        Woken::ViewerRefreshed => continue,
                        Woken::TooSlow => return Some((Err(ApiError::too_slow()), None)),
                        Woken::Closed => return None,
                    };
                    if event.change.meeting().map(|meeting| meeting.meeting) != Some(id) {
                        continue;
                    }
                    // Reloaded, so the answer carries the change and current counts: once
                    // per event for all its subscribers. Checked again for each, as access
                    // may have changed since the subscription began.
                    let loaded = loads.get(event.id, id.0, store.meeting(id)).await;
                    return match loaded {
                        Ok(meeting)
                            if policy::allows(&follower.viewer, Action::read_meeting(&meeting)) =>
                        {
                            Some((Ok(Meeting(meeting)), Some((follower, store, loads))))
                        }
                        Ok(_) => Some((Err(ApiError::not_found("meeting")), None)),
                        Err(error) => Some((Err(error.into()), None)),
                    };
                }
            },
        ))
    }

    /// What concerns the signed-in person: their own memberships and account, and the
    /// requests to join the groups they coordinate.
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<ActivityEvent, ApiError>>, ApiError> {
        let viewer = viewer(ctx).clone();
        policy::ensure(&viewer, Action::ManageOwnAccount)?;
        let follower = Follower::new(api(ctx)?.services.events.subscribe(), viewer, ctx);
        Ok(events_for(follower, PersonalInterest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_load_per_event_whatever_the_subscribers() {
        let loads = Arc::new(SharedLoads::<i32>::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut waiting = Vec::new();
        for _ in 0..50 {
            let (loads, calls) = (loads.clone(), calls.clone());
            waiting.push(tokio::spawn(async move {
                loads
                    .get(7, 3, async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok::<_, ()>(42)
                    })
                    .await
            }));
        }
        for task in waiting {
            assert_eq!(task.await.ok(), Some(Ok(42)));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // The next event loads again.
        let again = loads.get(8, 3, async { Ok::<_, ()>(43) }).await;
        assert_eq!(again, Ok(43));
    }
}
