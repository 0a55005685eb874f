//! Agendas, minutes, action items and attendance: kept by a meeting's organisers, read by
//! whoever may see the meeting.

use chrono::{DateTime, NaiveDate, Utc};
use coalition_domain::InvalidInput;
use coalition_domain::agenda::{
    ActionItem, ActionItemId, ActionStatus, AgendaItem, AgendaItemDraft, AgendaItemId,
    check_attendance, check_minutes,
};
use coalition_domain::meetings::{Meeting, MeetingId, MeetingStatus};
use coalition_domain::people::{PersonId, parse_short_text};
use coalition_domain::policy::{self, Action, Viewer};

use crate::{ServiceError, Services};

impl Services {
    /// An agenda item, if the viewer may see its meeting; otherwise "not found".
    pub async fn agenda_item_for(
        &self,
        viewer: &Viewer,
        id: AgendaItemId,
    ) -> Result<(AgendaItem, Meeting), ServiceError> {
        let hidden = || ServiceError::NotFound("agenda item");
        let item = match self.store.agenda_item(id).await {
            Ok(item) => item,
            Err(coalition_store::StoreError::NotFound { .. }) => return Err(hidden()),
            Err(other) => return Err(other.into()),
        };
        let meeting = match self.meeting_for(viewer, item.meeting).await {
            Ok(meeting) => meeting,
            Err(ServiceError::NotFound(_)) => return Err(hidden()),
            Err(other) => return Err(other),
        };
        Ok((item, meeting))
    }

    /// An action item, if the viewer may see the meeting it was raised at; otherwise "not
    /// found".
    pub async fn action_item_for(
        &self,
        viewer: &Viewer,
        id: ActionItemId,
    ) -> Result<(ActionItem, Meeting), ServiceError> {
        let hidden = || ServiceError::NotFound("action item");
        let item = match self.store.action_item(id).await {
            Ok(item) => item,
            Err(coalition_store::StoreError::NotFound { .. }) => return Err(hidden()),
            Err(other) => return Err(other.into()),
        };
        let meeting = self.store.meeting(item.meeting).await?;
        if !policy::allows(viewer, Action::read_action_item(&meeting)) {
            return Err(hidden());
        }
        Ok((item, meeting))
    }

    /// The meeting, if the viewer organises it; its organiser's id.
    async fn organised(
        &self,
        viewer: &Viewer,
        id: MeetingId,
    ) -> Result<(Meeting, PersonId), ServiceError> {
        let meeting = self.meeting_for(viewer, id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        Ok((meeting, actor))
    }

    /// Adds an item at the end of the agenda.
    pub async fn add_agenda_item(
        &self,
        viewer: &Viewer,
        meeting: MeetingId,
        draft: AgendaItemDraft,
    ) -> Result<AgendaItem, ServiceError> {
        let (_, actor) = self.organised(viewer, meeting).await?;
        let recorded = self.store.add_agenda_item(actor, meeting, draft).await?;
        Ok(self.announce(recorded).await)
    }

    /// Changes an agenda item.
    pub async fn update_agenda_item(
        &self,
        viewer: &Viewer,
        id: AgendaItemId,
        draft: AgendaItemDraft,
    ) -> Result<AgendaItem, ServiceError> {
        let item = self.store.agenda_item(id).await?;
        let (_, actor) = self.organised(viewer, item.meeting).await?;
        let recorded = self.store.update_agenda_item(actor, id, draft).await?;
        Ok(self.announce(recorded).await)
    }

    /// Removes an agenda item.
    pub async fn remove_agenda_item(
        &self,
        viewer: &Viewer,
        id: AgendaItemId,
    ) -> Result<(), ServiceError> {
        let item = self.store.agenda_item(id).await?;
        let (_, actor) = self.organised(viewer, item.meeting).await?;
        let recorded = self.store.remove_agenda_item(actor, id).await?;
        self.announce(recorded).await;
        Ok(())
    }

    /// Puts the agenda in a new order, which must list each item once.
    pub async fn reorder_agenda(
        &self,
        viewer: &Viewer,
        meeting: MeetingId,
        order: Vec<AgendaItemId>,
    ) -> Result<Vec<AgendaItem>, ServiceError> {
        let (_, actor) = self.organised(viewer, meeting).await?;
        let recorded = self
            .store
            .reorder_agenda(actor, meeting, &order)
            .await
            .map_err(|error| match error {
                coalition_store::StoreError::Conflict { constraint } => {
                    ServiceError::Invalid(InvalidInput::new("itemIds", constraint))
                }
                other => other.into(),
            })?;
        Ok(self.announce(recorded).await)
    }

    /// Records the minutes and decisions of an agenda item.
    pub async fn record_minutes(
        &self,
        viewer: &Viewer,
        id: AgendaItemId,
        minutes: &str,
        decisions: &[String],
    ) -> Result<AgendaItem, ServiceError> {
        let item = self.store.agenda_item(id).await?;
        let (_, actor) = self.organised(viewer, item.meeting).await?;
        let (minutes, decisions) = check_minutes(minutes, decisions)?;
        let recorded = self
            .store
            .record_minutes(actor, id, minutes, decisions)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Records an action item raised at an occurrence of a meeting (the one under way or
    /// last held when none is named); it stays on the group's later meetings, the series'
    /// later occurrences included, until done.
    pub async fn add_action_item(
        &self,
        viewer: &Viewer,
        meeting: MeetingId,
        occurrence_start: Option<DateTime<Utc>>,
        title: &str,
        owner: Option<PersonId>,
        due_on: Option<NaiveDate>,
    ) -> Result<ActionItem, ServiceError> {
        let (meeting, actor) = self.organised(viewer, meeting).await?;
        let title = parse_short_text("title", title, 300)?;
        let raised_at = match occurrence_start {
            Some(start) => self.occurrence("occurrenceStart", &meeting, start)?,
            None => meeting.latest_begun(self.now()),
        };
        if let Some(owner) = owner {
            self.store.person(owner).await?;
        }
        let recorded = self
            .store
            .add_action_item(actor, &meeting, raised_at, title, owner, due_on)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// `start`, when an occurrence of `meeting` begins then.
    pub fn occurrence(
        &self,
        field: &'static str,
        meeting: &Meeting,
        start: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, ServiceError> {
        coalition_domain::meetings::check_instant(field, start)?;
        if !meeting.occurs_at(start) {
            return Err(
                InvalidInput::new(field, "no occurrence of this meeting starts then").into(),
            );
        }
        Ok(start)
    }

    /// Marks an action item done or open again: its owner or the organisers.
    pub async fn set_action_status(
        &self,
        viewer: &Viewer,
        id: ActionItemId,
        status: ActionStatus,
    ) -> Result<ActionItem, ServiceError> {
        let item = self.store.action_item(id).await?;
        let meeting = self.meeting_for(viewer, item.meeting).await?;
        let actor = crate::actor(viewer)?;
        if item.owner != Some(actor) {
            policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        }
        let recorded = self.store.set_action_status(actor, id, status).await?;
        Ok(self.announce(recorded).await)
    }

    /// Records who took part in an occurrence that has started.
    pub async fn record_attendance(
        &self,
        viewer: &Viewer,
        meeting: MeetingId,
        occurrence_start: DateTime<Utc>,
        people: Vec<PersonId>,
    ) -> Result<usize, ServiceError> {
        check_attendance(&people)?;
        let (meeting, actor) = self.organised(viewer, meeting).await?;
        coalition_domain::meetings::check_instant("occurrenceStart", occurrence_start)?;
        // A real occurrence: not cancelled, at its moved time if it moved.
        let exists =
            meeting.status == MeetingStatus::Scheduled && meeting.occurs_at(occurrence_start);
        if !exists {
            return Err(InvalidInput::new(
                "occurrenceStart",
                "no occurrence of this meeting starts then",
            )
            .into());
        }
        if occurrence_start > self.now() {
            return Err(InvalidInput::new(
                "occurrenceStart",
                "attendance is recorded once the meeting has begun",
            )
            .into());
        }
        let mut unique = people.clone();
        unique.sort_unstable_by_key(|person| person.0);
        unique.dedup();
        // One query for all: every id must name a person.
        if self.store.people(&unique).await?.len() != unique.len() {
            return Err(coalition_store::StoreError::NotFound { entity: "person" }.into());
        }
        let recorded = self
            .store
            .record_attendance(actor, meeting.id, occurrence_start, &people)
            .await?;
        Ok(self.announce(recorded).await)
    }
}
