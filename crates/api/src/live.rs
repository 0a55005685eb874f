//! Live updates: subscriptions fed by the event bus. Access is checked when a
//! subscription starts and again for every event, against a view of the subscriber that
//! the events themselves keep current (someone removed from a group stops receiving it).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, Event, Subject};
use coalition_domain::policy::{self, Action, Viewer};
use futures_util::Stream;
use futures_util::stream;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::meetings::Meeting;
use crate::membership::{MembershipRole, MembershipStatus};
use coalition_domain::meetings::MeetingId;

/// Something that happened, as the activity log recorded it.
pub(crate) struct ActivityEvent(Arc<Event>);

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
        let subject = self.0.change.subject();
        let kind = match subject {
            Subject::Membership(_) => NodeKind::Membership,
            Subject::Invitation(_) => NodeKind::Invitation,
            Subject::Person(_) => NodeKind::Person,
            Subject::WorkingGroup(_) => NodeKind::WorkingGroup,
            Subject::Coalition(_) => NodeKind::Coalition,
            Subject::Meeting(_) => NodeKind::Meeting,
        };
        Some(global_id(kind, subject.id()))
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

/// Subscriptions.
#[derive(Default)]
pub struct LiveSubscription;

/// What a subscriber wants from the stream of all events.
trait Interest: Send + 'static {
    /// `Some(true)` deliver, `Some(false)` skip, `None` the subscriber lost access.
    fn wants(&self, viewer: &Viewer, event: &Event) -> Option<bool>;
}

struct GroupInterest(WorkingGroupId);

impl Interest for GroupInterest {
    fn wants(&self, viewer: &Viewer, event: &Event) -> Option<bool> {
        policy::allows(viewer, Action::ReadGroupInternals(self.0))
            .then(|| event.working_group() == Some(self.0))
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
        Some(event.concerns(me) || request_to_decide)
    }
}

/// Turns the bus's receiver into the subscriber's stream: the viewer is updated by every
/// event before the interest decides; a lost access or a subscriber too slow to keep up
/// ends the stream with an error.
fn events_for(
    receiver: Receiver<Arc<Event>>,
    viewer: Viewer,
    interest: impl Interest,
) -> impl Stream<Item = Result<ActivityEvent, ApiError>> {
    stream::unfold(Some((receiver, viewer, interest)), |state| async move {
        let (mut receiver, mut viewer, interest) = state?;
        loop {
            match receiver.recv().await {
                Ok(event) => {
                    viewer.apply(&event);
                    match interest.wants(&viewer, &event) {
                        Some(true) => {
                            return Some((
                                Ok(ActivityEvent(event)),
                                Some((receiver, viewer, interest)),
                            ));
                        }
                        Some(false) => continue,
                        None => {
                            let error =
                                ApiError::forbidden("you no longer have access to these events");
                            return Some((Err(error), None));
                        }
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    let error = ApiError::too_slow();
                    tracing::warn!(missed, "live subscriber too slow; dropped");
                    return Some((Err(error), None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

#[Subscription]
impl LiveSubscription {
    /// Membership and group events of one group, as they happen. For the group's active
    /// members, observers and coordinators, and administrators.
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
        Ok(events_for(
            api.services.events.subscribe(),
            viewer,
            GroupInterest(group),
        ))
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
        let services = api.services.clone();
        let receiver = services.events.subscribe();
        Ok(stream::unfold(
            Some((receiver, viewer, services)),
            move |state| async move {
                let (mut receiver, mut viewer, services) = state?;
                loop {
                    let event = match receiver.recv().await {
                        Ok(event) => event,
                        Err(RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "live subscriber too slow; dropped");
                            let error = ApiError::too_slow();
                            return Some((Err(error), None));
                        }
                        Err(RecvError::Closed) => return None,
                    };
                    viewer.apply(&event);
                    if event.change.meeting().map(|meeting| meeting.meeting) != Some(id) {
                        continue;
                    }
                    // Reloaded, so the answer carries the change and current counts; and
                    // checked again, as access may have changed since the subscription began.
                    return match services.meeting_for(&viewer, id).await {
                        Ok(meeting) => {
                            Some((Ok(Meeting(meeting)), Some((receiver, viewer, services))))
                        }
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
        Ok(events_for(
            api(ctx)?.services.events.subscribe(),
            viewer,
            PersonalInterest,
        ))
    }
}
