//! Meetings and the answers to them. Every change raises the meeting's sequence (so
//! calendars update in place) and writes its activity entry in the same transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::events::{Change, MeetingFacts, MeetingRef};
use coalition_domain::language::Language;
use coalition_domain::meetings::{
    Meeting, MeetingDraft, MeetingId, MeetingStatus, OccurrenceException, Recurrence, RsvpResponse,
    Visibility,
};
use coalition_domain::people::{PersonId, TimeZone};
use coalition_domain::policy::MeetingReach;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::Expr,
};

use crate::Store;
use crate::activity::Recorded;
use crate::batches::MAX_KEYS_PER_STATEMENT;
use crate::entities::{
    calendar_feed, meeting, meeting_exception, meeting_reminder, occurrence_rsvp, rsvp,
};
use crate::error::{StoreError, corrupt};
use crate::outbox::{NewMail, enqueue};
use crate::translations::save_texts;

/// A person's private calendar feed as its owner sees it (the token itself is never kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarFeedInfo {
    /// When the current URL was made.
    pub created_at: DateTime<Utc>,
    /// When a calendar last fetched it, to the minute; `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One person's answer to one occurrence, beside their answer to the whole series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceOverride {
    /// The series.
    pub meeting: MeetingId,
    /// The occurrence, by the start the series gives it.
    pub occurrence_start: DateTime<Utc>,
    /// The answer to the occurrence.
    pub response: RsvpResponse,
    /// The same person's answer to the series, which the occurrence's overrides.
    pub series_response: Option<RsvpResponse>,
}

/// Which meetings a query looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingScope {
    /// Meetings of these groups.
    pub groups: Vec<WorkingGroupId>,
    /// Coalition-wide plenaries too.
    pub plenaries: bool,
}

impl Store {
    /// Schedules a meeting of `group` (a plenary when `None`).
    pub async fn insert_meeting(
        &self,
        actor: PersonId,
        group: Option<WorkingGroupId>,
        draft: MeetingDraft,
        mails: MeetingMails,
    ) -> Result<Recorded<Meeting>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        if let Some(group) = group {
            crate::invitations::ensure_group_open(&txn, group)
                .await
                .map_err(|error| match error {
                    StoreError::Membership(_) => StoreError::GroupArchived,
                    other => other,
                })?;
        }
        let row = meeting::ActiveModel {
            working_group_id: Set(group.map(|group| group.0)),
            uid: Set(format!("{}@coalition", uuid::Uuid::new_v4())),
            title: Set(draft.title),
            description: Set(draft.description),
            starts_at: Set(draft.starts_at),
            ends_at: Set(draft.ends_at),
            time_zone: Set(draft.time_zone.name().to_owned()),
            online_url: Set(draft.online_url),
            location: Set(draft.location),
            visibility: Set(draft.visibility.as_str().to_owned()),
            status: Set(MeetingStatus::Scheduled.as_str().to_owned()),
            cancel_reason: Set(None),
            sequence: Set(0),
            recurrence: Set(draft.recurrence.map(|rule| rule.as_str().to_owned())),
            created_by: Set(Some(actor.0)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        save_meeting_translations(
            &txn,
            row.id,
            &draft.title_translations,
            &draft.description_translations,
        )
        .await?;
        // The mails' invitations must carry the series' exceptions, or calendars would
        // replace the series without them.
        let meeting = with_exceptions(&txn, vec![meeting_from_row(row.clone())?])
            .await?
            .remove(0);
        enqueue_all(&txn, self.clock.now(), mails(&meeting)).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::MeetingScheduled(meeting_facts(&row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(meeting, vec![event]))
    }

    /// Changes a meeting that still takes place.
    pub async fn update_meeting(
        &self,
        actor: PersonId,
        id: MeetingId,
        draft: MeetingDraft,
        mails: MeetingMails,
    ) -> Result<Recorded<Meeting>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_scheduled(&txn, id).await?;
        let sequence = row.sequence + 1;
        let rescheduled = row.starts_at != draft.starts_at
            || row.time_zone != draft.time_zone.name()
            || row.recurrence.as_deref() != draft.recurrence.as_ref().map(|rule| rule.as_str());
        if rescheduled {
            // The occurrences the exceptions named no longer exist in the new schedule.
            meeting_exception::Entity::delete_many()
                .filter(meeting_exception::Column::MeetingId.eq(id.0))
                .exec(&txn)
                .await?;
            // So do the answers given to single occurrences.
            occurrence_rsvp::Entity::delete_many()
                .filter(occurrence_rsvp::Column::MeetingId.eq(id.0))
                .exec(&txn)
                .await?;
        }
        let mut update = row.into_active_model();
        update.title = Set(draft.title);
        update.description = Set(draft.description);
        update.starts_at = Set(draft.starts_at);
        update.ends_at = Set(draft.ends_at);
        update.time_zone = Set(draft.time_zone.name().to_owned());
        update.online_url = Set(draft.online_url);
        update.location = Set(draft.location);
        update.visibility = Set(draft.visibility.as_str().to_owned());
        update.recurrence = Set(draft.recurrence.map(|rule| rule.as_str().to_owned()));
        update.sequence = Set(sequence);
        update.updated_at = Set(self.clock.now());
        let row = update.update(&txn).await?;
        save_meeting_translations(
            &txn,
            row.id,
            &draft.title_translations,
            &draft.description_translations,
        )
        .await?;
        // The mails' invitations must carry the series' exceptions, or calendars would
        // replace the series without them.
        let meeting = with_exceptions(&txn, vec![meeting_from_row(row.clone())?])
            .await?
            .remove(0);
        enqueue_all(&txn, self.clock.now(), mails(&meeting)).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::MeetingUpdated(meeting_facts(&row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(meeting, vec![event]))
    }

    /// Calls a meeting (or a whole series) off.
    pub async fn cancel_meeting(
        &self,
        actor: PersonId,
        id: MeetingId,
        reason: String,
        mails: MeetingMails,
    ) -> Result<Recorded<Meeting>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_scheduled(&txn, id).await?;
        let sequence = row.sequence + 1;
        let mut update = row.into_active_model();
        update.status = Set(MeetingStatus::Cancelled.as_str().to_owned());
        update.cancel_reason = Set(Some(reason));
        update.sequence = Set(sequence);
        update.updated_at = Set(self.clock.now());
        let row = update.update(&txn).await?;
        // The mails' invitations must carry the series' exceptions, or calendars would
        // replace the series without them.
        let meeting = with_exceptions(&txn, vec![meeting_from_row(row.clone())?])
            .await?
            .remove(0);
        enqueue_all(&txn, self.clock.now(), mails(&meeting)).await?;
        let event = self
            .record(
                &txn,
                Some(actor),
                Change::MeetingCancelled(meeting_facts(&row)?),
            )
            .await?;
        txn.commit().await?;
        Ok(Recorded::new(meeting, vec![event]))
    }

    /// One meeting, with its changed occurrences.
    pub async fn meeting(&self, id: MeetingId) -> Result<Meeting, StoreError> {
        let meeting = meeting::Entity::find_by_id(id.0)
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound { entity: "meeting" })
            .and_then(meeting_from_row)?;
        Ok(with_exceptions(&self.db, vec![meeting]).await?.remove(0))
    }

    /// Cancels (`moved_to` = `None`) or moves one occurrence of a series; the series'
    /// sequence rises so calendars pick the change up.
    pub async fn change_occurrence(
        &self,
        actor: PersonId,
        id: MeetingId,
        original_start: DateTime<Utc>,
        moved_to: Option<(DateTime<Utc>, DateTime<Utc>)>,
        mails: MeetingMails,
    ) -> Result<Recorded<Meeting>, StoreError> {
        let txn = self.begin_write().await?;
        let row = load_scheduled(&txn, id).await?;
        meeting_exception::Entity::delete_by_id((id.0, original_start))
            .exec(&txn)
            .await?;
        meeting_exception::ActiveModel {
            meeting_id: Set(id.0),
            original_start: Set(original_start),
            moved_start: Set(moved_to.map(|(start, _)| start)),
            moved_end: Set(moved_to.map(|(_, end)| end)),
            created_at: Set(self.clock.now()),
        }
        .insert(&txn)
        .await?;
        let sequence = row.sequence + 1;
        let mut update = row.into_active_model();
        update.sequence = Set(sequence);
        update.updated_at = Set(self.clock.now());
        let row = update.update(&txn).await?;
        // The mails' invitations must carry the series' exceptions, or calendars would
        // replace the series without them.
        let meeting = with_exceptions(&txn, vec![meeting_from_row(row.clone())?])
            .await?
            .remove(0);
        enqueue_all(&txn, self.clock.now(), mails(&meeting)).await?;
        let meeting_facts = meeting_facts(&row)?;
        let change = if moved_to.is_some() {
            Change::OccurrenceMoved {
                meeting: meeting_facts,
                original_start,
            }
        } else {
            Change::OccurrenceCancelled {
                meeting: meeting_facts,
                original_start,
            }
        };
        let event = self.record(&txn, Some(actor), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(meeting, vec![event]))
    }

    /// Meetings in scope that may have an occurrence overlapping `[from, to)`: single ones
    /// that do, and every series that starts before `to` (the caller expands them).
    pub async fn meetings_overlapping(
        &self,
        scope: &MeetingScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Meeting>, StoreError> {
        let mut owners = Condition::any();
        if !scope.groups.is_empty() {
            let ids: Vec<i32> = scope.groups.iter().map(|group| group.0).collect();
            owners = owners.add(meeting::Column::WorkingGroupId.is_in(ids));
        }
        if scope.plenaries {
            owners = owners.add(meeting::Column::WorkingGroupId.is_null());
        }
        if scope.groups.is_empty() && !scope.plenaries {
            return Ok(Vec::new());
        }
        let rows = meeting::Entity::find()
            .filter(owners)
            .filter(meeting::Column::StartsAt.lt(to))
            .filter(
                Condition::any()
                    .add(meeting::Column::Recurrence.is_not_null())
                    .add(meeting::Column::EndsAt.gt(from)),
            )
            .order_by_asc(meeting::Column::StartsAt)
            .all(&self.db)
            .await?;
        let meetings = rows
            .into_iter()
            .map(meeting_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        with_exceptions(&self.db, meetings).await
    }

    /// Meetings in scope for a calendar feed: every series, and single meetings starting
    /// from `since`, in order.
    pub async fn meetings_for_feed(
        &self,
        scope: &MeetingScope,
        since: DateTime<Utc>,
    ) -> Result<Vec<Meeting>, StoreError> {
        let far_future = since + chrono::Duration::days(3660);
        let mut meetings = self.meetings_overlapping(scope, since, far_future).await?;
        meetings.retain(|meeting| meeting.recurrence.is_some() || meeting.starts_at >= since);
        Ok(meetings)
    }

    /// Gives a person a new private calendar token (the old one stops working).
    pub async fn replace_calendar_feed(
        &self,
        person: PersonId,
        token_hash: String,
    ) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        calendar_feed::Entity::delete_by_id(person.0)
            .exec(&txn)
            .await?;
        calendar_feed::ActiveModel {
            person_id: Set(person.0),
            token_hash: Set(token_hash),
            created_at: Set(self.clock.now()),
            last_used_at: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Ends a person's private calendar feed; whether there was one.
    pub async fn revoke_calendar_feed(&self, person: PersonId) -> Result<bool, StoreError> {
        let deleted = calendar_feed::Entity::delete_by_id(person.0)
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// Whose private feed a token opens; notes the fetch (to the minute, so that frequent
    /// polling does not write each time).
    pub async fn calendar_feed_owner(
        &self,
        token_hash: &str,
    ) -> Result<Option<PersonId>, StoreError> {
        let Some(row) = calendar_feed::Entity::find()
            .filter(calendar_feed::Column::TokenHash.eq(token_hash))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let now = self.clock.now();
        if row
            .last_used_at
            .is_none_or(|used| now - used > chrono::Duration::minutes(1))
        {
            calendar_feed::Entity::update_many()
                .col_expr(calendar_feed::Column::LastUsedAt, Expr::value(now))
                .filter(calendar_feed::Column::PersonId.eq(row.person_id))
                .exec(&self.db)
                .await?;
        }
        Ok(Some(PersonId(row.person_id)))
    }

    /// A person's private calendar feed, if they have one: when it was made and last read.
    pub async fn calendar_feed_of(
        &self,
        person: PersonId,
    ) -> Result<Option<CalendarFeedInfo>, StoreError> {
        Ok(calendar_feed::Entity::find_by_id(person.0)
            .one(&self.db)
            .await?
            .map(|row| CalendarFeedInfo {
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            }))
    }

    /// Whether the occurrence starting at `start` was already reminded of.
    pub async fn reminded(&self, id: MeetingId, start: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(meeting_reminder::Entity::find_by_id((id.0, start))
            .one(&self.db)
            .await?
            .is_some())
    }

    /// Queues reminders for one occurrence, once: the mark and the mails commit together,
    /// and a second worker's attempt finds the mark and sends nothing. Returns whether this
    /// call queued them.
    pub async fn queue_reminders(
        &self,
        id: MeetingId,
        start: DateTime<Utc>,
        mails: Vec<NewMail>,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write().await?;
        let already = meeting_reminder::Entity::find_by_id((id.0, start))
            .one(&txn)
            .await?
            .is_some();
        if already {
            return Ok(false);
        }
        let marked = meeting_reminder::ActiveModel {
            meeting_id: Set(id.0),
            occurrence_start: Set(start),
            sent_at: Set(self.clock.now()),
        }
        .insert(&txn)
        .await;
        match marked.map_err(StoreError::from) {
            Ok(_) => {}
            // Another instance marked it between our read and our write.
            Err(StoreError::Conflict { .. }) => return Ok(false),
            Err(error) => return Err(error),
        }
        enqueue_all(&txn, self.clock.now(), mails).await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Records (or changes) a person's answer to a meeting or series, or to one occurrence
    /// of a series (named by the start its rule gives it), which then overrides the
    /// series' answer for that occurrence.
    pub async fn answer_meeting(
        &self,
        person: PersonId,
        id: MeetingId,
        response: RsvpResponse,
        occurrence: Option<DateTime<Utc>>,
    ) -> Result<Recorded<RsvpResponse>, StoreError> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let row = load_scheduled(&txn, id).await?;
        match occurrence {
            None => {
                rsvp::Entity::delete_by_id((id.0, person.0))
                    .exec(&txn)
                    .await?;
                rsvp::ActiveModel {
                    meeting_id: Set(id.0),
                    person_id: Set(person.0),
                    response: Set(response.as_str().to_owned()),
                    answered_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
            Some(start) => {
                occurrence_rsvp::Entity::delete_by_id((id.0, person.0, start))
                    .exec(&txn)
                    .await?;
                occurrence_rsvp::ActiveModel {
                    meeting_id: Set(id.0),
                    person_id: Set(person.0),
                    occurrence_start: Set(start),
                    response: Set(response.as_str().to_owned()),
                    answered_at: Set(now),
                }
                .insert(&txn)
                .await?;
            }
        }
        let change = Change::MeetingAnswered {
            meeting: meeting_ref(&row),
            person,
            response,
            occurrence,
        };
        let event = self.record(&txn, Some(person), change).await?;
        txn.commit().await?;
        Ok(Recorded::new(response, vec![event]))
    }

    /// Meetings that may have an occurrence overlapping `[from, to)` among those `reach`
    /// lets a viewer see, in every group and the plenaries (the caller expands series).
    pub async fn meetings_within_reach(
        &self,
        reach: &MeetingReach,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Meeting>, StoreError> {
        let everywhere: Vec<&str> = reach.everywhere.iter().map(|v| v.as_str()).collect();
        let mut visible = Condition::any().add(meeting::Column::Visibility.is_in(everywhere));
        let members_only = meeting::Column::Visibility.eq(Visibility::Group.as_str());
        if !reach.group_meetings_of.is_empty() {
            let groups = reach.group_meetings_of.iter().map(|group| group.0);
            visible = visible.add(
                Condition::all()
                    .add(members_only.clone())
                    .add(meeting::Column::WorkingGroupId.is_in(groups)),
            );
        }
        if reach.members_plenaries {
            visible = visible.add(
                Condition::all()
                    .add(members_only)
                    .add(meeting::Column::WorkingGroupId.is_null()),
            );
        }
        let rows = meeting::Entity::find()
            .filter(visible)
            .filter(meeting::Column::StartsAt.lt(to))
            .filter(
                Condition::any()
                    .add(meeting::Column::Recurrence.is_not_null())
                    .add(meeting::Column::EndsAt.gt(from)),
            )
            .order_by_asc(meeting::Column::StartsAt)
            .all(&self.db)
            .await?;
        let meetings = rows
            .into_iter()
            .map(meeting_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        with_exceptions(&self.db, meetings).await
    }

    /// One person's answers to single occurrences of these meetings, by meeting and
    /// occurrence (its start as the series gives it).
    pub async fn occurrence_answers_of(
        &self,
        person: PersonId,
        meetings: &[MeetingId],
    ) -> Result<HashMap<(MeetingId, DateTime<Utc>), RsvpResponse>, StoreError> {
        let mut answers = HashMap::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            let rows = occurrence_rsvp::Entity::find()
                .filter(occurrence_rsvp::Column::PersonId.eq(person.0))
                .filter(occurrence_rsvp::Column::MeetingId.is_in(chunk.iter().map(|id| id.0)))
                .all(&self.db)
                .await?;
            for row in rows {
                let answer = RsvpResponse::parse(&row.response)
                    .map_err(corrupt("occurrence_rsvp.response"))?;
                answers.insert((MeetingId(row.meeting_id), row.occurrence_start), answer);
            }
        }
        Ok(answers)
    }

    /// The answers given to single occurrences of these meetings, each with the same
    /// person's answer to the whole series (which it overrides), if any. Two statements
    /// per chunk of meetings, whatever their number.
    pub async fn occurrence_overrides_of(
        &self,
        meetings: &[MeetingId],
    ) -> Result<Vec<OccurrenceOverride>, StoreError> {
        let mut found = Vec::new();
        for chunk in meetings.chunks(MAX_KEYS_PER_STATEMENT) {
            let ids: Vec<i32> = chunk.iter().map(|id| id.0).collect();
            let rows = occurrence_rsvp::Entity::find()
                .filter(occurrence_rsvp::Column::MeetingId.is_in(ids.clone()))
                .all(&self.db)
                .await?;
            if rows.is_empty() {
                continue;
            }
            let series: HashMap<(i32, i32), String> = rsvp::Entity::find()
                .filter(rsvp::Column::MeetingId.is_in(ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|row| ((row.meeting_id, row.person_id), row.response))
                .collect();
            for row in rows {
                let parse = |code: &str| {
                    RsvpResponse::parse(code).map_err(corrupt("occurrence_rsvp.response"))
                };
                found.push(OccurrenceOverride {
                    meeting: MeetingId(row.meeting_id),
                    occurrence_start: row.occurrence_start,
                    response: parse(&row.response)?,
                    series_response: series
                        .get(&(row.meeting_id, row.person_id))
                        .map(|code| parse(code))
                        .transpose()?,
                });
            }
        }
        Ok(found)
    }

    /// How many answered each way.
    pub async fn rsvp_counts(&self, id: MeetingId) -> Result<Vec<(RsvpResponse, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = rsvp::Entity::find()
            .select_only()
            .column(rsvp::Column::Response)
            .column_as(rsvp::Column::PersonId.count(), "n")
            .filter(rsvp::Column::MeetingId.eq(id.0))
            .group_by(rsvp::Column::Response)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(RsvpResponse::ALL
            .into_iter()
            .map(|answer| {
                let count = rows
                    .iter()
                    .find(|(code, _)| code == answer.as_str())
                    .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0));
                (answer, count)
            })
            .collect())
    }

    /// Every answer to a meeting, by person.
    pub async fn rsvps(&self, id: MeetingId) -> Result<Vec<(PersonId, RsvpResponse)>, StoreError> {
        rsvp::Entity::find()
            .filter(rsvp::Column::MeetingId.eq(id.0))
            .order_by_asc(rsvp::Column::AnsweredAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let answer =
                    RsvpResponse::parse(&row.response).map_err(corrupt("rsvp.response"))?;
                Ok((PersonId(row.person_id), answer))
            })
            .collect()
    }
}

/// Attaches each series' cancelled and moved occurrences (one query for all).
pub(crate) async fn with_exceptions(
    db: &impl ConnectionTrait,
    mut meetings: Vec<Meeting>,
) -> Result<Vec<Meeting>, StoreError> {
    let series: Vec<i32> = meetings
        .iter()
        .filter(|meeting| meeting.recurrence.is_some())
        .map(|meeting| meeting.id.0)
        .collect();
    if series.is_empty() {
        return Ok(meetings);
    }
    let rows = meeting_exception::Entity::find()
        .filter(meeting_exception::Column::MeetingId.is_in(series))
        .order_by_asc(meeting_exception::Column::OriginalStart)
        .all(db)
        .await?;
    for meeting in &mut meetings {
        meeting.exceptions = rows
            .iter()
            .filter(|row| row.meeting_id == meeting.id.0)
            .map(|row| OccurrenceException {
                original_start: row.original_start,
                moved_to: row.moved_start.zip(row.moved_end),
            })
            .collect();
    }
    Ok(meetings)
}

/// Builds a meeting change's mails from the meeting as it will be stored (its UID and
/// sequence are known only inside the transaction).
pub type MeetingMails = Box<dyn FnOnce(&Meeting) -> Vec<NewMail> + Send>;

async fn enqueue_all(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    mails: Vec<NewMail>,
) -> Result<(), StoreError> {
    for mail in mails {
        enqueue(db, mail, now).await?;
    }
    Ok(())
}

/// Loads a meeting that still takes place, locking its row on PostgreSQL until the
/// transaction ends: each change raises the sequence read here, and under READ COMMITTED
/// two concurrent edits would otherwise both take the same next one. (SQLite's IMMEDIATE
/// write transactions are already serialised.)
async fn load_scheduled(
    db: &impl ConnectionTrait,
    id: MeetingId,
) -> Result<meeting::Model, StoreError> {
    let row = meeting::Entity::find_by_id(id.0)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(StoreError::NotFound { entity: "meeting" })?;
    if row.status != MeetingStatus::Scheduled.as_str() {
        return Err(StoreError::MeetingCancelled);
    }
    Ok(row)
}

/// A meeting row as the activity log describes it.
fn meeting_facts(row: &meeting::Model) -> Result<MeetingFacts, StoreError> {
    Ok(MeetingFacts {
        meeting: meeting_ref(row),
        sequence: row.sequence,
        status: MeetingStatus::parse(&row.status).map_err(corrupt("meeting.status"))?,
    })
}

/// A meeting and its group, as the activity log refers to them.
pub(crate) fn meeting_ref(row: &meeting::Model) -> MeetingRef {
    MeetingRef {
        meeting: MeetingId(row.id),
        group: row.working_group_id.map(WorkingGroupId),
    }
}

pub(crate) fn meeting_from_row(row: meeting::Model) -> Result<Meeting, StoreError> {
    Ok(Meeting {
        id: MeetingId(row.id),
        working_group: row.working_group_id.map(WorkingGroupId),
        uid: row.uid,
        title: row.title,
        description: row.description,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        time_zone: TimeZone::parse(&row.time_zone).map_err(corrupt("meeting.time_zone"))?,
        online_url: row.online_url,
        location: row.location,
        visibility: Visibility::parse(&row.visibility).map_err(corrupt("meeting.visibility"))?,
        status: MeetingStatus::parse(&row.status).map_err(corrupt("meeting.status"))?,
        cancel_reason: row.cancel_reason,
        sequence: row.sequence,
        recurrence: row.recurrence.as_deref().map(Recurrence::from_stored),
        created_by: row.created_by.map(PersonId),
        exceptions: Vec::new(),
    })
}

/// Stores the translations of a meeting's title and description that the draft sets.
async fn save_meeting_translations(
    txn: &DatabaseTransaction,
    id: i32,
    titles: &BTreeMap<Language, String>,
    descriptions: &BTreeMap<Language, String>,
) -> Result<(), StoreError> {
    save_texts(txn, "meeting", id, "title", titles).await?;
    save_texts(txn, "meeting", id, "description", descriptions).await
}
