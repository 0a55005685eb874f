//! Scheduling meetings, answering them, and reading calendars across time zones.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use coalition_domain::InvalidInput;
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::mail::{CalendarMethod, Mail, MeetingNotice, MeetingNoticeKind};
use coalition_domain::meetings::{
    Meeting, MeetingDraft, MeetingFields, MeetingId, MeetingStatus, Occurrence, OccurrenceChange,
    RsvpResponse, Visibility, check_instant,
};
use coalition_domain::membership::{MemberFilter, MembershipStatus};
use coalition_domain::pagination::PageRequest;
use coalition_domain::people::{Person, PersonId, parse_short_text};
use coalition_domain::policy::{self, Action, Viewer};
use coalition_domain::scheduling::{Attendee, WorkingHours, suggest_slots};
use coalition_store::{MeetingMails, MeetingScope, NewMail};

use crate::{ServiceError, Services};

/// The longest window a calendar query may span.
pub const MAX_WINDOW_DAYS: i64 = 366;

fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ServiceError> {
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

/// When a meeting takes place, in the reader's time zone (the organiser's zone named when
/// it differs), e.g. `2027-03-16 10:00–11:30 (Europe/Paris)`.
fn describe_when(meeting: &Meeting, zone: coalition_domain::people::TimeZone) -> String {
    let start = meeting.starts_at.with_timezone(&zone.tz());
    let end = meeting.ends_at.with_timezone(&zone.tz());
    let end_format = if start.date_naive() == end.date_naive() {
        "%H:%M"
    } else {
        "%Y-%m-%d %H:%M"
    };
    format!(
        "{}–{} ({})",
        start.format("%Y-%m-%d %H:%M"),
        end.format(end_format),
        zone.name()
    )
}

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
        let mails = self
            .meeting_mails(group, MeetingNoticeKind::Scheduled)
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
        let meeting = self.store.meeting(id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        let draft = MeetingDraft::parse(fields, self.now())?;
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Changed)
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
        let meeting = self.store.meeting(id).await?;
        policy::ensure(viewer, Action::organise_meeting(meeting.working_group))?;
        let actor = crate::actor(viewer)?;
        let reason = parse_short_text("reason", reason, 2_000)?;
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Cancelled)
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
        let meeting = self.store.meeting(id).await?;
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
        let mails = self
            .meeting_mails(meeting.working_group, MeetingNoticeKind::Changed)
            .await?;
        let recorded = self
            .store
            .change_occurrence(actor, id, original_start, moved_to, mails)
            .await?;
        Ok(self.announce(recorded).await)
    }

    /// Answers a meeting one is invited to: a group meeting's members, observers and
    /// coordinators; a plenary's every signed-in person.
    pub async fn rsvp(
        &self,
        viewer: &Viewer,
        id: MeetingId,
        response: RsvpResponse,
    ) -> Result<RsvpResponse, ServiceError> {
        let person = crate::actor(viewer)?;
        let meeting = self.meeting_for(viewer, id).await?;
        if let Some(group) = meeting.working_group {
            policy::ensure(viewer, Action::ReadGroupInternals(group)).map_err(|_| {
                ServiceError::Forbidden("only the group's members answer its meetings".to_owned())
            })?;
        }
        if meeting.status == MeetingStatus::Cancelled {
            return Err(ServiceError::Conflict {
                field: None,
                message: "this meeting was cancelled".to_owned(),
            });
        }
        let recorded = self.store.answer_meeting(person, id, response).await?;
        Ok(self.announce(recorded).await)
    }

    /// A meeting the viewer may see; others are "not found", not "forbidden", so their
    /// existence does not leak.
    pub async fn meeting_for(
        &self,
        viewer: &Viewer,
        id: MeetingId,
    ) -> Result<Meeting, ServiceError> {
        let meeting = self.store.meeting(id).await?;
        if policy::allows(viewer, Action::read_meeting(&meeting)) {
            Ok(meeting)
        } else {
            Err(ServiceError::NotFound("meeting"))
        }
    }

    /// The occurrences of a group's meetings in `[from, to)` the viewer may see.
    pub async fn group_meetings(
        &self,
        viewer: &Viewer,
        group: WorkingGroupId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        check_window(from, to)?;
        let scope = MeetingScope {
            groups: vec![group],
            plenaries: false,
        };
        self.occurrences(viewer, &scope, from, to).await
    }

    /// The signed-in person's meetings in the coming `days`: their groups' and plenaries.
    pub async fn upcoming_meetings(
        &self,
        viewer: &Viewer,
        person: PersonId,
        days: i64,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        policy::ensure(viewer, Action::ViewPrivateProfile(person))?;
        let from = self.now();
        let to = from + Duration::days(days.clamp(1, MAX_WINDOW_DAYS));
        let scope = MeetingScope {
            groups: self.active_groups(person).await?,
            plenaries: true,
        };
        let mut found = self.occurrences(viewer, &scope, from, to).await?;
        found.retain(|occurrence| occurrence.meeting.status == MeetingStatus::Scheduled);
        Ok(found)
    }

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
    async fn member_calendars(
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

    /// The public calendar of a group: its public meetings, as iCalendar.
    pub async fn group_calendar(&self, group: WorkingGroupId) -> Result<String, ServiceError> {
        let record = self.store.working_group(group).await?;
        let scope = MeetingScope {
            groups: vec![group],
            plenaries: false,
        };
        let now = self.now();
        let mut meetings = self
            .store
            .meetings_for_feed(&scope, now - Duration::days(90))
            .await?;
        meetings.retain(|meeting| meeting.visibility == Visibility::Public);
        let name = format!("{} — OER Dynamic Coalition", record.name.en);
        Ok(crate::calendar::render_calendar(&name, &meetings, now))
    }

    /// A person's private calendar, opened by the secret token of its URL: every meeting of
    /// their groups and the coalition's plenaries.
    pub async fn personal_calendar(&self, token: &str) -> Result<String, ServiceError> {
        let person = self
            .store
            .calendar_feed_owner(&crate::secrets::token_hash(token))
            .await?
            .ok_or(ServiceError::NotFound("calendar"))?;
        if self.store.account(person).await?.is_disabled() {
            return Err(ServiceError::NotFound("calendar"));
        }
        // Every meeting of one's own groups and every plenary is visible to a member.
        let scope = MeetingScope {
            groups: self.active_groups(person).await?,
            plenaries: true,
        };
        let now = self.now();
        let meetings = self
            .store
            .meetings_for_feed(&scope, now - Duration::days(90))
            .await?;
        Ok(crate::calendar::render_calendar(
            "OER Dynamic Coalition",
            &meetings,
            now,
        ))
    }

    /// Creates (or replaces) the signed-in person's private calendar URL; returns it.
    pub async fn create_calendar_feed(&self, viewer: &Viewer) -> Result<String, ServiceError> {
        let person = crate::actor(viewer)?;
        let token = crate::secrets::new_token();
        self.store
            .replace_calendar_feed(person, crate::secrets::token_hash(&token))
            .await?;
        Ok(format!(
            "{}/calendar/people/{token}.ics",
            self.accounts.public_url.trim_end_matches('/')
        ))
    }

    /// Ends the signed-in person's private calendar URL.
    pub async fn revoke_calendar_feed(&self, viewer: &Viewer) -> Result<bool, ServiceError> {
        let person = crate::actor(viewer)?;
        Ok(self.store.revoke_calendar_feed(person).await?)
    }

    /// The mails a meeting change sends to everyone invited (a group's active members, or
    /// for a plenary every active member of any group), each in the recipient's language
    /// and time zone, with the iTIP invitation attached. Built from the meeting as stored.
    async fn meeting_mails(
        &self,
        group: Option<WorkingGroupId>,
        kind: MeetingNoticeKind,
    ) -> Result<MeetingMails, ServiceError> {
        let invitees = match group {
            Some(group) => self.active_members(group).await?,
            None => {
                let mut everyone: BTreeMap<PersonId, Person> = BTreeMap::new();
                for group in self.store.working_groups().await? {
                    for person in self.active_members(group.id).await? {
                        everyone.insert(person.id, person);
                    }
                }
                everyone.into_values().collect()
            }
        };
        let public_url = self.accounts.public_url.trim_end_matches('/').to_owned();
        let clock = self.store.clock().clone();
        Ok(Box::new(move |meeting: &Meeting| {
            let now = clock.now();
            // A reminder changes nothing in calendars: no invitation rides along.
            let ics = (kind != MeetingNoticeKind::Reminder)
                .then(|| crate::calendar::render_invitation(meeting, now));
            let method = if meeting.status == MeetingStatus::Cancelled {
                CalendarMethod::Cancel
            } else {
                CalendarMethod::Request
            };
            invitees
                .into_iter()
                .map(|person| NewMail {
                    person: Some(person.id),
                    to: person.email.clone(),
                    to_name: person.display_name.clone(),
                    language: person.preferred_language,
                    mail: Mail::Meeting(MeetingNotice {
                        kind,
                        name: person.display_name.clone(),
                        title: meeting.title.clone(),
                        when: describe_when(meeting, person.time_zone),
                        online_url: meeting.online_url.clone(),
                        location: meeting.location.clone(),
                        recurrence: meeting
                            .recurrence
                            .as_ref()
                            .map(|rule| rule.as_str().to_owned()),
                        reason: meeting.cancel_reason.clone(),
                        link: format!("{public_url}/meetings/{}", meeting.id.0),
                        ics: ics.clone(),
                        ics_method: method,
                    }),
                })
                .collect()
        }))
    }

    /// Queues a reminder for every occurrence starting within `lead` of `now` that has not
    /// had one, to everyone invited, in their language and time zone; returns how many
    /// occurrences were reminded of. Run periodically by the server.
    pub async fn send_meeting_reminders(
        &self,
        now: DateTime<Utc>,
        lead: Duration,
    ) -> Result<usize, ServiceError> {
        let groups = self
            .store
            .working_groups()
            .await?
            .into_iter()
            .map(|group| group.id)
            .collect();
        let scope = MeetingScope {
            groups,
            plenaries: true,
        };
        let meetings = self
            .store
            .meetings_overlapping(&scope, now, now + lead)
            .await?;
        let mut reminded = 0;
        for meeting in meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Scheduled)
        {
            for occurrence in meeting.occurrences_between(now, now + lead) {
                if occurrence.starts_at < now
                    || self
                        .store
                        .reminded(meeting.id, occurrence.starts_at)
                        .await?
                {
                    continue;
                }
                let mut at_this_time = meeting.clone();
                at_this_time.starts_at = occurrence.starts_at;
                at_this_time.ends_at = occurrence.ends_at;
                let mails = self
                    .meeting_mails(meeting.working_group, MeetingNoticeKind::Reminder)
                    .await?(&at_this_time);
                if self
                    .store
                    .queue_reminders(meeting.id, occurrence.starts_at, mails)
                    .await?
                {
                    reminded += 1;
                }
            }
        }
        Ok(reminded)
    }

    async fn occurrences(
        &self,
        viewer: &Viewer,
        scope: &MeetingScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ServiceError> {
        let meetings = self.store.meetings_overlapping(scope, from, to).await?;
        let mut occurrences: Vec<Occurrence> = meetings
            .iter()
            .filter(|meeting| policy::allows(viewer, Action::read_meeting(meeting)))
            .flat_map(|meeting| meeting.occurrences_between(from, to))
            .collect();
        occurrences.sort_by_key(|occurrence| occurrence.starts_at);
        Ok(occurrences)
    }

    async fn active_groups(&self, person: PersonId) -> Result<Vec<WorkingGroupId>, ServiceError> {
        Ok(self
            .store
            .memberships_of(person)
            .await?
            .into_iter()
            .filter(|m| m.status == MembershipStatus::Active)
            .map(|m| m.working_group_id)
            .collect())
    }

    async fn active_members(&self, group: WorkingGroupId) -> Result<Vec<Person>, ServiceError> {
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
