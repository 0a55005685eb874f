//! Scheduling meetings, answering them, and reading calendars across time zones: the
//! commands here; what a viewer may see in `views`, conflicts and fair slots in `slots`,
//! iCalendar feeds in `feeds`, and the mails and reminders in `mails`.

mod feeds;
mod mails;
mod slots;
mod views;

pub use slots::{Conflict, MAX_SUGGESTION_DAYS, SlotSuggestion};

use chrono::{DateTime, Duration, Utc};
use coalition_domain::InvalidInput;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::mail::MeetingNoticeKind;
use coalition_domain::meetings::{
    Meeting, MeetingDraft, MeetingFields, MeetingId, MeetingStatus, Occurrence, OccurrenceChange,
    OccurrenceStatus, RsvpResponse, check_instant,
};
use coalition_domain::membership::{MemberFilter, MembershipStatus};
use coalition_domain::pagination::PageRequest;
use coalition_domain::people::{Person, PersonId, parse_short_text};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_store::MeetingScope;

use crate::{ServiceError, Services};

/// The longest window a calendar query may span.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// Checks a calendar window: valid instants, `to` after `from`, at most
/// [`MAX_WINDOW_DAYS`] long.
pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ServiceError> {
    check_instant("from", from)?;
    check_instant("to", to)?;
    if to <= from {
        return Err(InvalidInput::new("to", "the window must end after it starts").into());
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(InvalidInput::new("to", "ask for at most 366 days at once").into());
    }
    Ok(())
}

/// The occurrences in `[from, to)` of the `meetings` the viewer may see, in order, as a
/// calendar shows them: cancelled occurrences kept with their status, moved ones at their
/// new time.
pub fn visible_occurrences(
    viewer: &Viewer,
    meetings: &[Meeting],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Occurrence> {
    let mut occurrences: Vec<Occurrence> = meetings
        .iter()
        .filter(|meeting| policy::allows(viewer, Action::read_meeting(meeting)))
        .flat_map(|meeting| meeting.calendar_between(from, to))
        .collect();
    occurrences.sort_by_key(|occurrence| occurrence.starts_at);
    occurrences
}

impl Services {
    /// Schedules a meeting of a group (its coordinators) or a plenary (administrators).
    pub async fn schedule_meeting(
        &self,
        viewer: &Viewer,
        group: Option<WorkingGroupId>,
        fields: MeetingFields,
    ) -> Result<Meeting, ServiceError> {
        policy::ensure(viewer, Action::organise_meeting(group))?;
        let actor = crate::actor(viewer)?;
        if let Some(group) = group {
            self.store.working_group(group).await?;
        }
        let draft = MeetingDraft::parse(fields, self.now())?;
        let titles = draft
            .title_translations
            .iter()
            .filter(|(_, title)| !title.is_empty())
            .map(|(language, title)| (*language, title.clone()))
            .collect();
        let mails = self
            .meeting_mails(group, MeetingNoticeKind::Scheduled, titles)
            .await?;
        let recorded = self
            .store
            .insert_meeting(actor, group, draft, mails)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Changes a meeting; every change raises its sequence.
    pub async fn update_meeting(
        &self,
        viewer: &Viewer,
        id: MeetingId,
        fields: MeetingFields,
    ) -> Result<Meeting, ServiceError> {
        // Not found, rather than forbidden, for whoever may not see it.
        let meeting = self.meeting_for(viewer, id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        let draft = MeetingDraft::parse(fields, self.now())?;
        let mut titles = self.meeting_titles(id).await?;
        for (language, title) in &draft.title_translations {
            if title.is_empty() {
                titles.remove(language);
            } else {
                titles.insert(*language, title.clone());
            }
        }
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Changed, titles)
            .await?;
        let recorded = self.store.update_meeting(actor, id, draft, mails).await?;
        Ok(self.announce(recorded).await)
    }

    /// Calls a meeting (or a whole series) off, saying why.
    pub async fn cancel_meeting(
        &self,
        viewer: &Viewer,
        id: MeetingId,
        reason: &str,
    ) -> Result<Meeting, ServiceError> {
        // Not found, rather than forbidden, for whoever may not see it.
        let meeting = self.meeting_for(viewer, id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        let reason = parse_short_text("reason", reason, 2_000)?;
        let titles = self.meeting_titles(id).await?;
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Cancelled, titles)
            .await?;
        let recorded = self.store.cancel_meeting(actor, id, reason, mails).await?;
        Ok(self.announce(recorded).await)
    }

    /// Cancels or moves one occurrence of a series, named by the start its rule gives it.
    /// Organisers only.
    pub async fn change_occurrence(
        &self,
        viewer: &Viewer,
        id: MeetingId,
        original_start: DateTime<Utc>,
        change: OccurrenceChange,
    ) -> Result<Meeting, ServiceError> {
        // Not found, rather than forbidden, for whoever may not see it.
        let meeting = self.meeting_for(viewer, id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        check_instant("occurrenceStart", original_start)?;
        if let OccurrenceChange::Move { starts_at, .. } = change {
            check_instant("startsAt", starts_at)?;
        }
        if !meeting.has_occurrence_at(original_start) {
            return Err(InvalidInput::new(
                "occurrenceStart",
                "no occurrence of this series starts then; give the start the series gives it",
            )
            .into());
        }
        let moved_to = match change {
            OccurrenceChange::Cancel => None,
            OccurrenceChange::Move {
                starts_at: start,
                duration_minutes: minutes,
            } => {
                if start < self.now() {
                    return Err(InvalidInput::new(
                        "startsAt",
                        "an occurrence cannot move into the past",
                    )
                    .into());
                }
                let length = minutes.map_or(meeting.duration(), Duration::minutes);
                if length <= Duration::zero() || length > Duration::hours(24) {
                    return Err(InvalidInput::new(
                        "durationMinutes",
                        "a meeting lasts 1 minute to 24 hours",
                    )
                    .into());
                }
                Some((start, start + length))
            }
        };
        let titles = self.meeting_titles(id).await?;
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Changed, titles)
            .await?;
        let recorded = self
            .store
            .change_occurrence(actor, id, original_start, moved_to, mails)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Answers a meeting one is invited to: a group meeting's members and coordinators
    /// (observers read only); a plenary's coalition members. With `occurrence` (its start
    /// as listed, or as the series gives it), answers that occurrence only, overriding the
    /// answer to the series for it; a cancelled occurrence cannot be answered.
    pub async fn rsvp(
        &self,
        viewer: &Viewer,
        id: MeetingId,
        response: RsvpResponse,
        occurrence: Option<DateTime<Utc>>,
    ) -> Result<RsvpResponse, ServiceError> {
        let person = crate::actor(viewer)?;
        let meeting = self.meeting_for(viewer, id).await?;
        policy::ensure(viewer, Action::answer_meeting(meeting.working_group))?;
        if meeting.status == MeetingStatus::Cancelled {
            return Err(ServiceError::Conflict {
                field: None,
                message: "this meeting was cancelled".to_owned(),
            });
        }
        let occurrence = match occurrence {
            None => None,
            Some(start) => {
                check_instant("occurrence", start)?;
                match meeting.occurrence_named(start) {
                    None => {
                        return Err(InvalidInput::new(
                            "occurrence",
                            "no occurrence of this meeting starts then",
                        )
                        .into());
                    }
                    Some((_, OccurrenceStatus::Cancelled)) => {
                        return Err(InvalidInput::new(
                            "occurrence",
                            "this occurrence was cancelled",
                        )
                        .into());
                    }
                    // A single meeting has one occurrence: its answer is the meeting's.
                    Some(_) if meeting.recurrence.is_none() => None,
                    Some((original, _)) => Some(original),
                }
            }
        };
        let recorded = self
            .store
            .answer_meeting(person, id, response, occurrence)
            .await?;
        Ok(self.announce(recorded).await)
    }

    pub(super) async fn occurrences(
        &self,
        viewer: &Viewer,
        scope: &MeetingScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        let meetings = self.store.meetings_overlapping(scope, from, to).await?;
        Ok(visible_occurrences(viewer, &meetings, from, to))
    }

    pub(super) async fn active_groups(
        &self,
        person: PersonId,
    ) -> Result<Vec<WorkingGroupId>, ServiceError> {
        Ok(self
            .store
            .memberships_of(person)
            .await?
            .into_iter()
            .filter(|m| m.status == MembershipStatus::Active)
            .map(|m| m.working_group_id)
            .collect())
    }

    pub(super) async fn active_members(
        &self,
        group: WorkingGroupId,
    ) -> Result<Vec<Person>, ServiceError> {
        let mut members = Vec::new();
        let mut after = None;
        loop {
            let page = PageRequest { size: 500, after };
            let found = self
                .store
                .members(group, &MemberFilter::default(), page)
                .await?;
            after = found.items.last().map(|member| member.membership.id.0);
            let more = found.has_next_page;
            members.extend(found.items.into_iter().map(|member| member.person));
            if !more {
                return Ok(members);
            }
        }
    }
}
