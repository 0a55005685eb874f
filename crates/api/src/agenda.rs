//! Agendas, minutes, action items and attendance.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, NaiveDate, Utc};
use coalition_domain::agenda::{self as domain, ActionItemId, AgendaItemDraft, AgendaItemId};
use coalition_domain::meetings::{Meeting, MeetingId};
use coalition_domain::people::PersonId;
use coalition_domain::policy::{self, Action, Viewer};

use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::people::Person;

/// Where an action item stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::agenda::ActionStatus")]
pub(crate) enum ActionStatus {
    /// Still to do: carried over to the group's next meetings.
    Open,
    /// Done.
    Done,
}

/// One point of a meeting's agenda.
pub(crate) struct AgendaItem(pub domain::AgendaItem);

#[Object]
impl AgendaItem {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::AgendaItem, self.0.id.0)
    }
    /// The meeting whose agenda it is on.
    async fn meeting(&self, ctx: &Context<'_>) -> Result<crate::meetings::Meeting, ApiError> {
        let meeting = api(ctx)?
            .services
            .meeting_for(viewer(ctx), self.0.meeting)
            .await?;
        Ok(crate::meetings::Meeting(meeting))
    }
    /// Its place, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }
    /// What it is about.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Who presents it.
    async fn presenter(&self) -> Option<&str> {
        self.0.presenter.as_deref()
    }
    /// Minutes set aside.
    async fn minutes_allotted(&self) -> Option<i32> {
        self.0.minutes_allotted
    }
    /// Preparation notes.
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    /// What was said, once recorded.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    /// What was decided.
    async fn decisions(&self) -> &[String] {
        &self.0.decisions
    }
}

/// Something someone agreed to do.
pub(crate) struct ActionItem(pub domain::ActionItem);

impl ActionItem {
    /// The item, if the viewer may see `raised_at`, the meeting it was raised at (not the
    /// later meeting it is carried over to).
    pub(crate) fn visible_to(
        viewer: &Viewer,
        item: domain::ActionItem,
        raised_at: &Meeting,
    ) -> Option<Self> {
        debug_assert_eq!(item.meeting, raised_at.id);
        policy::allows(viewer, Action::read_action_item(raised_at)).then_some(ActionItem(item))
    }
}

#[Object]
impl ActionItem {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::ActionItem, self.0.id.0)
    }
    /// What is to be done.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Who does it; null when the viewer may not see that person.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<Person>, ApiError> {
        let Some(owner) = self.0.owner else {
            return Ok(None);
        };
        Ok(crate::people::visible_person(ctx, owner).await?.map(Person))
    }
    /// By when.
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    /// Open or done.
    async fn status(&self) -> ActionStatus {
        self.0.status.into()
    }
    /// The global ID of the meeting where it was raised.
    #[graphql(deprecation = "Use `raisedAt { id }`.")]
    async fn raised_at_meeting_id(&self) -> ID {
        global_id(NodeKind::Meeting, self.0.meeting.0)
    }
    /// The meeting where it was raised (whoever sees the item sees that meeting).
    async fn raised_at(&self, ctx: &Context<'_>) -> Result<crate::meetings::Meeting, ApiError> {
        // Read directly: the item is only ever shown to those who may see this meeting.
        let meeting = api(ctx)?.store.meeting(self.0.meeting).await?;
        Ok(crate::meetings::Meeting(meeting))
    }
    /// When the occurrence it was raised at began.
    async fn raised_at_occurrence(&self) -> DateTime<Utc> {
        self.0.raised_at
    }
}

/// An agenda item's fields.
#[derive(InputObject)]
pub(crate) struct AgendaItemInput {
    /// What it is about.
    title: String,
    /// Who presents it.
    presenter: Option<String>,
    /// Minutes set aside (1 to 600).
    minutes_allotted: Option<i32>,
    /// Preparation notes.
    notes: Option<String>,
}

impl AgendaItemInput {
    fn draft(&self) -> Result<AgendaItemDraft, ApiError> {
        Ok(AgendaItemDraft::parse(
            &self.title,
            self.presenter.as_deref(),
            self.minutes_allotted,
            self.notes.as_deref(),
        )?)
    }
}

fn meeting(id: &ID, argument: &'static str) -> Result<MeetingId, ApiError> {
    Ok(MeetingId(decode_id_of(NodeKind::Meeting, id, argument)?))
}

fn item(id: &ID, argument: &'static str) -> Result<AgendaItemId, ApiError> {
    Ok(AgendaItemId(decode_id_of(
        NodeKind::AgendaItem,
        id,
        argument,
    )?))
}

fn person(id: &ID, argument: &'static str) -> Result<PersonId, ApiError> {
    Ok(PersonId(decode_id_of(NodeKind::Person, id, argument)?))
}

/// Agenda and minutes changes, by the meeting's organisers.
#[derive(Default)]
pub struct AgendaMutation;

#[Object]
impl AgendaMutation {
    /// Adds an item at the end of a meeting's agenda.
    async fn add_agenda_item(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        input: AgendaItemInput,
    ) -> Result<AgendaItem, ApiError> {
        let added = api(ctx)?
            .services
            .add_agenda_item(
                viewer(ctx),
                meeting(&meeting_id, "meetingId")?,
                input.draft()?,
            )
            .await?;
        Ok(AgendaItem(added))
    }

    /// Changes an agenda item.
    async fn update_agenda_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AgendaItemInput,
    ) -> Result<AgendaItem, ApiError> {
        let changed = api(ctx)?
            .services
            .update_agenda_item(viewer(ctx), item(&id, "id")?, input.draft()?)
            .await?;
        Ok(AgendaItem(changed))
    }

    /// Removes an agenda item; the others close the gap.
    async fn remove_agenda_item(&self, ctx: &Context<'_>, id: ID) -> Result<bool, ApiError> {
        api(ctx)?
            .services
            .remove_agenda_item(viewer(ctx), item(&id, "id")?)
            .await?;
        Ok(true)
    }

    /// Puts a meeting's agenda in a new order, listing every item once.
    async fn reorder_agenda(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        item_ids: Vec<ID>,
    ) -> Result<Vec<AgendaItem>, ApiError> {
        let order = item_ids
            .iter()
            .map(|id| item(id, "itemIds"))
            .collect::<Result<Vec<_>, _>>()?;
        let items = api(ctx)?
            .services
            .reorder_agenda(viewer(ctx), meeting(&meeting_id, "meetingId")?, order)
            .await?;
        Ok(items.into_iter().map(AgendaItem).collect())
    }

    /// Records what was said and decided on an agenda item.
    async fn record_minutes(
        &self,
        ctx: &Context<'_>,
        agenda_item_id: ID,
        minutes: String,
        #[graphql(default)] decisions: Vec<String>,
    ) -> Result<AgendaItem, ApiError> {
        let recorded = api(ctx)?
            .services
            .record_minutes(
                viewer(ctx),
                item(&agenda_item_id, "agendaItemId")?,
                &minutes,
                &decisions,
            )
            .await?;
        Ok(AgendaItem(recorded))
    }

    /// Records an action item raised at an occurrence of a meeting (`occurrenceStart`; the
    /// one under way or last held when not given); it stays on the group's later meetings,
    /// a series' later occurrences included, until done.
    async fn add_action_item(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        title: String,
        owner_id: Option<ID>,
        due_on: Option<NaiveDate>,
        occurrence_start: Option<DateTime<Utc>>,
    ) -> Result<ActionItem, ApiError> {
        let owner = owner_id
            .as_ref()
            .map(|id| person(id, "ownerId"))
            .transpose()?;
        let added = api(ctx)?
            .services
            .add_action_item(
                viewer(ctx),
                meeting(&meeting_id, "meetingId")?,
                occurrence_start,
                &title,
                owner,
                due_on,
            )
            .await?;
        Ok(ActionItem(added))
    }

    /// Marks an action item done (or open again): its owner or the organisers.
    async fn set_action_item_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: ActionStatus,
    ) -> Result<ActionItem, ApiError> {
        let id = ActionItemId(decode_id_of(NodeKind::ActionItem, &id, "id")?);
        let changed = api(ctx)?
            .services
            .set_action_status(viewer(ctx), id, status.into())
            .await?;
        Ok(ActionItem(changed))
    }

    /// Records who took part in an occurrence that has begun; returns how many.
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        occurrence_start: DateTime<Utc>,
        attendee_ids: Vec<ID>,
    ) -> Result<usize, ApiError> {
        let people = attendee_ids
            .iter()
            .map(|id| person(id, "attendeeIds"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(api(ctx)?
            .services
            .record_attendance(
                viewer(ctx),
                meeting(&meeting_id, "meetingId")?,
                occurrence_start,
                people,
            )
            .await?)
    }
}
