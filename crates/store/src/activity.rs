//! The activity log: the durable record of what happened, written in the same transaction
//! as the change it describes.

use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, Event};
use coalition_domain::people::PersonId;
use sea_orm::sea_query::IntoCondition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::entities::activity;
use crate::error::StoreError;

/// A change and the events it recorded, returned once the transaction committed, so
/// the caller can announce exactly what was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<T> {
    /// The result of the change.
    pub value: T,
    /// The activity entries it appended, in order.
    pub events: Vec<Event>,
}

impl<T> Recorded<T> {
    /// A result with the events recorded for it.
    pub fn new(value: T, events: Vec<Event>) -> Self {
        Self { value, events }
    }
}

impl Store {
    /// The most recent entries of a group's log, newest first.
    pub async fn group_activity(
        &self,
        group: WorkingGroupId,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        self.recent_activity(activity::Column::WorkingGroupId.eq(group.0), limit)
            .await
    }

    /// The most recent entries about one subject (e.g. `"coalition"`, 1), newest first.
    pub async fn activity_about(
        &self,
        subject_type: &str,
        subject_id: i32,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let about = Condition::all()
            .add(activity::Column::SubjectType.eq(subject_type))
            .add(activity::Column::SubjectId.eq(subject_id));
        self.recent_activity(about, limit).await
    }

    /// Up to `limit` entries older than the entry `before` (from the newest when `None`),
    /// newest first: of one group's log, or of the whole log when `group` is `None`.
    pub async fn activity_before(
        &self,
        group: Option<WorkingGroupId>,
        before: Option<i32>,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let mut condition = Condition::all();
        if let Some(group) = group {
            condition = condition.add(activity::Column::WorkingGroupId.eq(group.0));
        }
        if let Some(before) = before {
            condition = condition.add(activity::Column::Id.lt(before));
        }
        self.recent_activity(condition, limit).await
    }

    async fn recent_activity(
        &self,
        condition: impl IntoCondition,
        limit: u64,
    ) -> Result<Vec<Event>, StoreError> {
        let rows = activity::Entity::find()
            .filter(condition)
            .order_by_desc(activity::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        rows.into_iter().map(event_from_row).collect()
    }
}

impl Store {
    /// Records `change`, made by `actor` (`None` for the system), now, inside the caller's
    /// transaction; returns it as an event.
    pub(crate) async fn record(
        &self,
        db: &impl ConnectionTrait,
        actor: Option<PersonId>,
        change: Change,
    ) -> Result<Event, StoreError> {
        let event = append_activity(db, self.clock.now(), actor, change).await?;
        crate::inbox::deliver(db, &event).await?;
        Ok(event)
    }
}

/// Records `change`, made by `actor` (`None` for the system), inside the caller's
/// transaction; returns it as an event.
async fn append_activity(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    actor: Option<PersonId>,
    change: Change,
) -> Result<Event, StoreError> {
    let subject = change.subject();
    activity::ActiveModel {
        occurred_at: Set(now),
        actor_id: Set(actor.map(|actor| actor.0)),
        verb: Set(change.verb().to_owned()),
        subject_type: Set(subject.kind().to_owned()),
        subject_id: Set(subject.id()),
        working_group_id: Set(change.working_group().map(|group| group.0)),
        payload: Set(change.to_json()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|row| Event {
        id: row.id,
        occurred_at: row.occurred_at,
        actor,
        change,
    })
    .map_err(StoreError::from)
}

pub(crate) fn event_from_row(row: activity::Model) -> Result<Event, StoreError> {
    let change = Change::from_log(
        &row.verb,
        row.subject_id,
        row.working_group_id.map(WorkingGroupId),
        &row.payload,
    )
    .map_err(|error| StoreError::Corrupt {
        field: "activity.payload",
        reason: format!("{}: {error}", row.verb),
    })?;
    Ok(Event {
        id: row.id,
        occurred_at: row.occurred_at,
        actor: row.actor_id.map(PersonId),
        change,
    })
}
