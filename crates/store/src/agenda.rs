//! Agenda items, minutes and decisions, action items and attendance. Each change writes a
//! `meeting` activity entry, so the meeting's subscribers hear of it.

use chrono::{DateTime, NaiveDate, Utc};
use coalition_domain::agenda::{
    ActionItem, ActionItemId, ActionStatus, AgendaItem, AgendaItemDraft, AgendaItemId,
};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, MeetingRef};
use coalition_domain::meetings::{Meeting, MeetingId};
use coalition_domain::people::PersonId;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use crate::Store;
use crate::activity::Recorded;
use crate::entities::{action_item, agenda_item, attendance, meeting};
use crate::error::{StoreError, corrupt};

impl Store {
    /// A meeting's agenda, in order.
    pub async fn agenda(&self, meeting: MeetingId) -> Result<Vec<AgendaItem>, StoreError> {
        agenda_rows(&self.db, meeting)
            .await?
            .into_iter()
            .map(item_from_row)
            .collect()
    }

    /// One agenda item.
    pub async fn agenda_item(&self, id: AgendaItemId) -> Result<AgendaItem, StoreError> {
        agenda_item::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "agenda item",
            })
            .and_then(item_from_row)
    }

    /// Adds an item at the end of a meeting's agenda.
    pub async fn add_agenda_item(
        &self,
        actor: PersonId,
        meeting: MeetingId,
        draft: AgendaItemDraft,
    ) -> Result<Recorded<AgendaItem>, StoreError> {
        let txn = self.begin_write().await?;
        let position =
            i32::try_from(agenda_rows(&txn, meeting).await?.len()).unwrap_or(i32::MAX - 1) + 1;
        let row = agenda_item::ActiveModel {
            meeting_id: Set(meeting.0),
            position: Set(position),
            title: Set(draft.title),
            presenter: Set(draft.presenter),
            minutes_allotted: Set(draft.minutes_allotted),
            notes: Set(draft.notes),
            minutes: Set(None),
            decisions: Set(json!([])),
            created_at: Set(self.clock.now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::AgendaChanged(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(item_from_row(row)?, vec![event]))
    }

    /// Changes an item's title, presenter, time and notes.
    pub async fn update_agenda_item(
        &self,
        actor: PersonId,
        id: AgendaItemId,
        draft: AgendaItemDraft,
    ) -> Result<Recorded<AgendaItem>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_item(&txn, id).await?;
        let meeting = MeetingId(row.meeting_id);
        let mut update = row.into_active_model();
        update.title = Set(draft.title);
        update.presenter = Set(draft.presenter);
        update.minutes_allotted = Set(draft.minutes_allotted);
        update.notes = Set(draft.notes);
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::AgendaChanged(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(item_from_row(row)?, vec![event]))
    }

    /// Removes an item; the others close the gap.
    pub async fn remove_agenda_item(
        &self,
        actor: PersonId,
        id: AgendaItemId,
    ) -> Result<Recorded<()>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_item(&txn, id).await?;
        let meeting = MeetingId(row.meeting_id);
        agenda_item::Entity::delete_by_id(id.0).exec(&txn).await?;
        let remaining: Vec<i32> = agenda_rows(&txn, meeting)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        renumber(&txn, &remaining).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::AgendaChanged(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new((), vec![event]))
    }

    /// Puts a meeting's items in the given order, which must name each item once.
    pub async fn reorder_agenda(
        &self,
        actor: PersonId,
        meeting: MeetingId,
        order: &[AgendaItemId],
    ) -> Result<Recorded<Vec<AgendaItem>>, StoreError> {
        let txn = self.begin_write().await?;
        let mut current: Vec<i32> = agenda_rows(&txn, meeting)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut wanted: Vec<i32> = order.iter().map(|id| id.0).collect();
        let ordered = wanted.clone();
        current.sort_unstable();
        wanted.sort_unstable();
        if current != wanted {
            return Err(StoreError::Conflict {
                constraint: "the new order must list every item of the agenda once".to_owned(),
            });
        }
        renumber(&txn, &ordered).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::AgendaChanged(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        let items = agenda_rows(&txn, meeting)
            .await?
            .into_iter()
            .map(item_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        txn.commit().await?;
        Ok(Recorded::new(items, vec![event]))
    }

    /// Records what was said and decided on an item.
    pub async fn record_minutes(
        &self,
        actor: PersonId,
        id: AgendaItemId,
        minutes: String,
        decisions: Vec<String>,
    ) -> Result<Recorded<AgendaItem>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_item(&txn, id).await?;
        let meeting = MeetingId(row.meeting_id);
        let mut update = row.into_active_model();
        update.minutes = Set(Some(minutes));
        update.decisions = Set(json!(decisions));
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::MinutesRecorded(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(item_from_row(row)?, vec![event]))
    }

    /// Records an action item raised at the occurrence of `meeting` starting at
    /// `raised_at`.
    pub async fn add_action_item(
        &self,
        actor: PersonId,
        meeting: &Meeting,
        raised_at: DateTime<Utc>,
        title: String,
        owner: Option<PersonId>,
        due_on: Option<NaiveDate>,
    ) -> Result<Recorded<ActionItem>, StoreError> {
        let txn = self.begin_write().await?;
        let now = self.clock.now();
        let row = action_item::ActiveModel {
            meeting_id: Set(meeting.id.0),
            working_group_id: Set(meeting.working_group.map(|group| group.0)),
            title: Set(title),
            owner_id: Set(owner.map(|owner| owner.0)),
            due_on: Set(due_on),
            status: Set(ActionStatus::Open.as_str().to_owned()),
            raised_at: Set(raised_at),
            created_at: Set(now),
            done_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::ActionItemAdded(meeting_entry(&txn, meeting.id).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(action_from_row(row)?, vec![event]))
    }

    /// One action item.
    pub async fn action_item(&self, id: ActionItemId) -> Result<ActionItem, StoreError> {
        action_item::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "action item",
            })
            .and_then(action_from_row)
    }

    /// Marks an action item open or done.
    pub async fn set_action_status(
        &self,
        actor: PersonId,
        id: ActionItemId,
        status: ActionStatus,
    ) -> Result<Recorded<ActionItem>, StoreError> {
        let txn = self.begin_write().await?;
        let row = action_item::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound {
                entity: "action item",
            })?;
        let meeting = MeetingId(row.meeting_id);
        let mut update = row.into_active_model();
        update.status = Set(status.as_str().to_owned());
        update.done_at = Set((status == ActionStatus::Done).then(|| self.clock.now()));
        let row = update.update(&txn).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::ActionItemUpdated(meeting_entry(&txn, meeting).await?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(action_from_row(row)?, vec![event]))
    }

    /// Action items raised at a meeting.
    pub async fn action_items_of(&self, meeting: MeetingId) -> Result<Vec<ActionItem>, StoreError> {
        action_item::Entity::find()
            .filter(action_item::Column::MeetingId.eq(meeting.0))
            .order_by_asc(action_item::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(action_from_row)
            .collect()
    }

    /// Open action items of a group (of the plenaries when `None`) raised at meetings that
    /// started before `before`: what a meeting carries over.
    pub async fn open_action_items(
        &self,
        group: Option<WorkingGroupId>,
        before: DateTime<Utc>,
    ) -> Result<Vec<ActionItem>, StoreError> {
        let owner = match group {
            Some(group) => action_item::Column::WorkingGroupId.eq(group.0),
            None => action_item::Column::WorkingGroupId.is_null(),
        };
        action_item::Entity::find()
            .filter(owner)
            .filter(action_item::Column::Status.eq(ActionStatus::Open.as_str()))
            .filter(action_item::Column::RaisedAt.lt(before))
            .order_by_asc(action_item::Column::RaisedAt)
            .order_by_asc(action_item::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(action_from_row)
            .collect()
    }

    /// Records who took part in an occurrence, replacing an earlier record.
    pub async fn record_attendance(
        &self,
        actor: PersonId,
        meeting: MeetingId,
        occurrence_start: DateTime<Utc>,
        people: &[PersonId],
    ) -> Result<Recorded<usize>, StoreError> {
        let txn = self.begin_write().await?;
        attendance::Entity::delete_many()
            .filter(attendance::Column::MeetingId.eq(meeting.0))
            .filter(attendance::Column::OccurrenceStart.eq(occurrence_start))
            .exec(&txn)
            .await?;
        let mut unique: Vec<i32> = people.iter().map(|p| p.0).collect();
        unique.sort_unstable();
        unique.dedup();
        if !unique.is_empty() {
            attendance::Entity::insert_many(unique.iter().map(|person| attendance::ActiveModel {
                meeting_id: Set(meeting.0),
                occurrence_start: Set(occurrence_start),
                person_id: Set(*person),
            }))
            .exec(&txn)
            .await?;
        }
        let change = Change::AttendanceRecorded {
            meeting: meeting_entry(&txn, meeting).await?,
            attended: unique.len() as u64,
        };
        let event = self.record(&txn, Some(actor), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(unique.len(), vec![event]))
    }

    /// Who took part in an occurrence.
    pub async fn attendance(
        &self,
        meeting: MeetingId,
        occurrence_start: DateTime<Utc>,
    ) -> Result<Vec<PersonId>, StoreError> {
        Ok(attendance::Entity::find()
            .filter(attendance::Column::MeetingId.eq(meeting.0))
            .filter(attendance::Column::OccurrenceStart.eq(occurrence_start))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| PersonId(row.person_id))
            .collect())
    }
}

async fn agenda_rows(
    db: &impl ConnectionTrait,
    meeting: MeetingId,
) -> Result<Vec<agenda_item::Model>, StoreError> {
    Ok(agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting.0))
        .order_by_asc(agenda_item::Column::Position)
        .order_by_asc(agenda_item::Column::Id)
        .all(db)
        .await?)
}

async fn load_item(
    db: &impl ConnectionTrait,
    id: AgendaItemId,
) -> Result<agenda_item::Model, StoreError> {
    agenda_item::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound {
            entity: "agenda item",
        })
}

/// Gives `ids` the positions 1, 2, 3… in that order.
async fn renumber(db: &impl ConnectionTrait, ids: &[i32]) -> Result<(), StoreError> {
    for (index, id) in ids.iter().enumerate() {
        agenda_item::Entity::update_many()
            .col_expr(
                agenda_item::Column::Position,
                Expr::value(i32::try_from(index).unwrap_or(i32::MAX - 1) + 1),
            )
            .filter(agenda_item::Column::Id.eq(*id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// An activity entry about a meeting (so `meetingUpdated` and `groupActivity` hear it).
async fn meeting_entry(db: &impl ConnectionTrait, id: MeetingId) -> Result<MeetingRef, StoreError> {
    let row = meeting::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound { entity: "meeting" })?;
    Ok(crate::meetings::meeting_ref(&row))
}

pub(crate) fn item_from_row(row: agenda_item::Model) -> Result<AgendaItem, StoreError> {
    let decisions = serde_json::from_value(row.decisions).map_err(|error| StoreError::Corrupt {
        field: "agenda_item.decisions",
        reason: error.to_string(),
    })?;
    Ok(AgendaItem {
        id: AgendaItemId(row.id),
        meeting: MeetingId(row.meeting_id),
        position: row.position,
        title: row.title,
        presenter: row.presenter,
        minutes_allotted: row.minutes_allotted,
        notes: row.notes,
        minutes: row.minutes,
        decisions,
    })
}

pub(crate) fn action_from_row(row: action_item::Model) -> Result<ActionItem, StoreError> {
    Ok(ActionItem {
        id: ActionItemId(row.id),
        meeting: MeetingId(row.meeting_id),
        working_group: row.working_group_id.map(WorkingGroupId),
        title: row.title,
        owner: row.owner_id.map(PersonId),
        due_on: row.due_on,
        status: ActionStatus::parse(&row.status).map_err(corrupt("action_item.status"))?,
        raised_at: row.raised_at,
    })
}
