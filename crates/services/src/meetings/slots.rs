//! Conflicts across groups and fair meeting slots.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use coalition_domain::InvalidInput;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::meetings::{MeetingStatus, Occurrence};
use coalition_domain::people::{Person, PersonId};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_domain::scheduling::{Attendee, WorkingHours, suggest_slots};
use coalition_store::MeetingScope;

use super::check_window;
use crate::{ServiceError, Services};

/// The longest window slot suggestions cover.
pub const MAX_SUGGESTION_DAYS: i64 = 14;

/// A ranked candidate slot, with who it would inconvenience.
#[derive(Debug, Clone)]
pub struct SlotSuggestion {
    /// When it would start.
    pub starts_at: DateTime<Utc>,
    /// When it would end.
    pub ends_at: DateTime<Utc>,
    /// Members it puts outside their local working hours.
    pub out_of_hours: Vec<Person>,
    /// Members who already have a meeting then.
    pub conflicts: Vec<Person>,
    /// How often those out of hours were already inconvenienced at recent meetings.
    pub repeat_burden: u32,
}

/// A member of a group and their meetings that overlap a proposed slot.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The member.
    pub person: Person,
    /// How many of their meetings overlap, in any of their groups or plenaries.
    pub busy: usize,
    /// The overlapping occurrences the viewer may see.
    pub occurrences: Vec<Occurrence>,
}

impl Services {
    /// The members of `group` who already have a meeting in `[start, end)`, with those
    /// meetings. For the group's coordinators and administrators.
    pub async fn meeting_conflicts(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Conflict>, ServiceError> {
        policy::ensure(viewer, Action::CoordinateGroup(group))?;
        check_window(start, end)?;
        let calendars = self.member_calendars(group, start, end).await?;
        Ok(calendars
            .into_iter()
            .filter(|(_, occurrences)| !occurrences.is_empty())
            .map(|(person, occurrences)| Conflict {
                person,
                busy: occurrences.len(),
                // Details only of the meetings the coordinator may see; the others count.
                occurrences: occurrences
                    .into_iter()
                    .filter(|occurrence| {
                        policy::allows(viewer, Action::read_meeting(&occurrence.meeting))
                    })
                    .collect(),
            })
            .collect())
    }

    /// Ranks candidate slots for a meeting of `group`: fewest members outside their local
    /// working hours first, then fewest conflicts, then the least repeated inconvenience
    /// (members already out of hours at the group's meetings of the last 90 days).
    #[allow(clippy::too_many_arguments)]
    pub async fn suggest_meeting_slots(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        duration_minutes: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        hours: WorkingHours,
        limit: usize,
    ) -> Result<Vec<SlotSuggestion>, ServiceError> {
        policy::ensure(viewer, Action::CoordinateGroup(group))?;
        check_window(from, to)?;
        if to - from > Duration::days(MAX_SUGGESTION_DAYS) {
            return Err(
                InvalidInput::new("to", "suggestions cover at most 14 days at once").into(),
            );
        }
        if !(15..=480).contains(&duration_minutes) {
            return Err(InvalidInput::new("duration", "a meeting lasts 15 to 480 minutes").into());
        }
        if hours.start_hour >= hours.end_hour || hours.end_hour > 24 {
            return Err(InvalidInput::new(
                "workingHoursEnd",
                "working hours run from 0 to 24, start before end",
            )
            .into());
        }
        let calendars = self.member_calendars(group, from, to).await?;
        let now = self.now();
        let recent = self
            .store
            .meetings_overlapping(
                &MeetingScope {
                    groups: vec![group],
                    plenaries: false,
                },
                now - Duration::days(90),
                now,
            )
            .await?;
        let recent: Vec<Occurrence> = recent
            .iter()
            .filter(|meeting| meeting.status == MeetingStatus::Scheduled)
            .flat_map(|meeting| meeting.occurrences_between(now - Duration::days(90), now))
            .collect();
        let attendees: Vec<Attendee> = calendars
            .iter()
            .map(|(person, occurrences)| Attendee {
                person: person.id,
                zone: person.time_zone,
                busy: occurrences
                    .iter()
                    .map(|o| (o.starts_at, o.ends_at))
                    .collect(),
                recent_burden: recent
                    .iter()
                    .filter(|o| !hours.contains(o.starts_at, o.ends_at, person.time_zone))
                    .count()
                    .try_into()
                    .unwrap_or(u32::MAX),
                own_hours: person.working_hours,
            })
            .collect();
        let slots = suggest_slots(
            &attendees,
            Duration::minutes(duration_minutes),
            from,
            to,
            Duration::minutes(30),
            hours,
            limit.clamp(1, 20),
        );
        let person = |id: &PersonId| {
            calendars
                .iter()
                .find(|(p, _)| p.id == *id)
                .map(|(p, _)| p.clone())
        };
        Ok(slots
            .into_iter()
            .map(|slot| SlotSuggestion {
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                out_of_hours: slot.out_of_hours.iter().filter_map(person).collect(),
                conflicts: slot.conflicts.iter().filter_map(person).collect(),
                repeat_burden: slot.repeat_burden,
            })
            .collect())
    }

    /// Every active member of `group` with their scheduled occurrences in `[from, to)`,
    /// across all their groups and the plenaries.
    pub(super) async fn member_calendars(
        &self,
        group: WorkingGroupId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(Person, Vec<Occurrence>)>, ServiceError> {
        let members = self.active_members(group).await?;
        let ids: Vec<PersonId> = members.iter().map(|member| member.id).collect();
        let mut groups_of: BTreeMap<PersonId, Vec<WorkingGroupId>> = BTreeMap::new();
        let mut all_groups = HashSet::new();
        for (person, group) in self.store.active_groups_of(&ids).await? {
            all_groups.insert(group);
            groups_of.entry(person).or_default().push(group);
        }
        let scope = MeetingScope {
            groups: all_groups.into_iter().collect(),
            plenaries: true,
        };
        let meetings = self.store.meetings_overlapping(&scope, from, to).await?;
        let occurrences: Vec<Occurrence> = meetings
            .iter()
            .filter(|meeting| meeting.status == MeetingStatus::Scheduled)
            .flat_map(|meeting| meeting.occurrences_between(from, to))
            .collect();
        Ok(members
            .into_iter()
            .map(|person| {
                let groups = groups_of.get(&person.id).cloned().unwrap_or_default();
                let theirs = occurrences
                    .iter()
                    .filter(|o| o.meeting.working_group.is_none_or(|g| groups.contains(&g)))
                    .cloned()
                    .collect();
                (person, theirs)
            })
            .collect())
    }
}
