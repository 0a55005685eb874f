//! Meetings: scheduling, answers, and calendars rendered in any time zone.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, SecondsFormat, Utc};
use coalition_domain::coalition::WorkingGroupId;
use coalition_domain::meetings::{self as domain, MeetingFields, MeetingId, OccurrenceChange};
use coalition_domain::people::TimeZone;
use coalition_domain::policy::{self, Action};

use crate::administration::{TranslationInput, translations};
use crate::agenda::{ActionItem, AgendaItem};
use crate::coalition::WorkingGroup;
use crate::context::{api, viewer};
use crate::error::ApiError;
use crate::ids::{NodeKind, decode_id_of, global_id};
use crate::language::localise_beside;
use crate::loaders::{
    ActionItemsOf, AgendaOf, AnswerOf, GroupMeetings, OccurrenceAnswerOf, OccurrenceOverridesOf,
    OpenItemsBefore, RsvpCountsOf, loaders,
};
use crate::people::Person;

/// Who may see a meeting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::meetings::Visibility")]
pub(crate) enum Visibility {
    /// Anyone; listed in the public calendar feed.
    Public,
    /// Every signed-in person.
    Coalition,
    /// The group's members, observers and coordinators.
    Group,
}

/// Whether a meeting takes place.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::meetings::MeetingStatus")]
pub(crate) enum MeetingStatus {
    /// It takes place.
    Scheduled,
    /// It was called off.
    Cancelled,
}

/// An answer to a meeting.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::meetings::RsvpResponse")]
pub(crate) enum RsvpResponse {
    /// Will attend.
    Yes,
    /// Will not attend.
    No,
    /// Might attend.
    Maybe,
}

/// Renders an instant in UTC, or in an IANA zone when one is asked for (RFC 3339 with the
/// zone's offset at that instant).
fn render(instant: DateTime<Utc>, zone: Option<&str>) -> Result<String, ApiError> {
    match zone {
        None => Ok(instant.to_rfc3339_opts(SecondsFormat::Secs, true)),
        Some(name) => {
            let zone = TimeZone::parse(name)?;
            Ok(instant
                .with_timezone(&zone.tz())
                .to_rfc3339_opts(SecondsFormat::Secs, true))
        }
    }
}

/// A meeting, or a whole series.
pub(crate) struct Meeting(pub domain::Meeting);

/// How many answered each way.
#[derive(SimpleObject)]
pub(crate) struct RsvpCounts {
    yes: u64,
    no: u64,
    maybe: u64,
}

impl RsvpCounts {
    fn from_pairs(counts: &[(domain::RsvpResponse, u64)]) -> Self {
        let count = |answer| {
            counts
                .iter()
                .find(|(a, _)| *a == answer)
                .map_or(0, |(_, n)| *n)
        };
        RsvpCounts {
            yes: count(domain::RsvpResponse::Yes),
            no: count(domain::RsvpResponse::No),
            maybe: count(domain::RsvpResponse::Maybe),
        }
    }

    fn slot(&mut self, answer: domain::RsvpResponse) -> &mut u64 {
        match answer {
            domain::RsvpResponse::Yes => &mut self.yes,
            domain::RsvpResponse::No => &mut self.no,
            domain::RsvpResponse::Maybe => &mut self.maybe,
        }
    }
}

/// One person's answer.
#[derive(SimpleObject)]
pub(crate) struct Rsvp {
    person: Person,
    response: RsvpResponse,
}

#[Object]
impl Meeting {
    /// Opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        global_id(NodeKind::Meeting, self.0.id.0)
    }
    /// What it is called, in `lang` (else the request's `Accept-Language`); the organiser's
    /// own title, which stands for English, when no translation exists.
    async fn title(&self, ctx: &Context<'_>, lang: Option<String>) -> Result<String, ApiError> {
        localise_beside(
            ctx,
            ("meeting", self.0.id.0, "title"),
            &self.0.title,
            lang.as_deref(),
        )
        .await
    }
    /// What it is about, in `lang` (else the request's `Accept-Language`); the organiser's
    /// own description, which stands for English, when no translation exists.
    async fn description(
        &self,
        ctx: &Context<'_>,
        lang: Option<String>,
    ) -> Result<String, ApiError> {
        localise_beside(
            ctx,
            ("meeting", self.0.id.0, "description"),
            &self.0.description,
            lang.as_deref(),
        )
        .await
    }
    /// When the (first) occurrence starts: UTC, or in `timeZone` (e.g. "Africa/Nairobi").
    async fn starts_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.starts_at, time_zone.as_deref())
    }
    /// When the (first) occurrence ends.
    async fn ends_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.ends_at, time_zone.as_deref())
    }
    /// The organiser's IANA time zone; a series repeats at the same local time in it.
    async fn time_zone(&self) -> &'static str {
        self.0.time_zone.name()
    }
    /// The series' RFC 5545 rule, if it repeats.
    async fn recurrence(&self) -> Option<&str> {
        self.0.recurrence.as_ref().map(|rule| rule.as_str())
    }
    /// Where to join online.
    async fn online_url(&self) -> Option<&str> {
        self.0.online_url.as_deref()
    }
    /// Where to meet in person.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Who may see it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Whether it takes place.
    async fn status(&self) -> MeetingStatus {
        self.0.status.into()
    }
    /// Why it was called off.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// Rises with every change (iCalendar SEQUENCE).
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }
    /// The group; null for a coalition-wide plenary.
    async fn working_group(&self, ctx: &Context<'_>) -> Result<Option<WorkingGroup>, ApiError> {
        match self.0.working_group {
            Some(group) => match loaders(ctx)?.one(group).await? {
                Some(group) => Ok(Some(WorkingGroup(group))),
                None => Err(ApiError::not_found("working group")),
            },
            None => Ok(None),
        }
    }
    /// How many answered yes, no and maybe.
    async fn rsvp_counts(&self, ctx: &Context<'_>) -> Result<RsvpCounts, ApiError> {
        let counts = loaders(ctx)?
            .one(RsvpCountsOf(self.0.id))
            .await?
            .unwrap_or_default();
        Ok(RsvpCounts::from_pairs(&counts))
    }
    /// The signed-in person's answer.
    async fn my_rsvp(&self, ctx: &Context<'_>) -> Result<Option<RsvpResponse>, ApiError> {
        let Some(me) = viewer(ctx).person_id() else {
            return Ok(None);
        };
        let key = AnswerOf {
            meeting: self.0.id,
            person: me,
        };
        let answer = loaders(ctx)?.one(key).await?;
        Ok(answer.map(Into::into))
    }
    /// The meeting's papers and minutes the viewer may see, newest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(0, 100) as usize * child_complexity + 1")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size; at most the server's maximum (100 by default).")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<crate::documents::DocumentConnection, ApiError> {
        let owner = coalition_store::DocumentOwner::Meeting(self.0.id);
        crate::documents::documents_page(ctx, owner, self.0.working_group, first, after).await
    }

    /// The agenda, in order.
    async fn agenda(&self, ctx: &Context<'_>) -> Result<Vec<AgendaItem>, ApiError> {
        let items = loaders(ctx)?.one(AgendaOf(self.0.id)).await?;
        Ok(items
            .unwrap_or_default()
            .into_iter()
            .map(AgendaItem)
            .collect())
    }

    /// Action items raised at this meeting.
    async fn action_items(&self, ctx: &Context<'_>) -> Result<Vec<ActionItem>, ApiError> {
        let items = loaders(ctx)?.one(ActionItemsOf(self.0.id)).await?;
        Ok(items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| ActionItem::visible_to(viewer(ctx), item, &self.0))
            .collect())
    }

    /// Action items of the group raised before the occurrence starting at
    /// `occurrenceStart` (the next to begin when not given; earlier occurrences of the same
    /// series count) and still open: they come back to every meeting until done.
    async fn carried_over_action_items(
        &self,
        ctx: &Context<'_>,
        occurrence_start: Option<DateTime<Utc>>,
    ) -> Result<Vec<ActionItem>, ApiError> {
        let api = api(ctx)?;
        let before = match occurrence_start {
            Some(start) => api.services.occurrence("occurrenceStart", &self.0, start)?,
            None => self.0.next_to_begin(api.services.now()),
        };
        let loaders = loaders(ctx)?;
        let key = OpenItemsBefore {
            group: self.0.working_group,
            before,
        };
        let items = loaders.one(key).await?.unwrap_or_default();
        let raised_at = loaders.many(items.iter().map(|item| item.meeting)).await?;
        Ok(items
            .into_iter()
            .filter_map(|item| {
                // A meeting that cannot be read hides its items, as one the viewer may not see.
                let meeting = raised_at.get(&item.meeting)?;
                ActionItem::visible_to(viewer(ctx), item, meeting)
            })
            .collect())
    }

    /// Who took part in the occurrence starting at `occurrenceStart` (the first when not
    /// given). For the organisers.
    async fn attendance(
        &self,
        ctx: &Context<'_>,
        occurrence_start: Option<DateTime<Utc>>,
    ) -> Result<Vec<Person>, ApiError> {
        self.ensure_answers_visible(ctx)?;
        let store = &api(ctx)?.store;
        let attended = store
            .attendance(self.0.id, occurrence_start.unwrap_or(self.0.starts_at))
            .await?;
        Ok(store
            .people(&attended)
            .await?
            .into_iter()
            .map(Person)
            .collect())
    }

    /// Every answer, by person. For the organisers (the group's coordinators, or
    /// administrators for a plenary).
    async fn rsvps(&self, ctx: &Context<'_>) -> Result<Vec<Rsvp>, ApiError> {
        self.ensure_answers_visible(ctx)?;
        let store = &api(ctx)?.store;
        let answers = store.rsvps(self.0.id).await?;
        let ids: Vec<_> = answers.iter().map(|(person, _)| *person).collect();
        let people = store.people(&ids).await?;
        Ok(answers
            .into_iter()
            .filter_map(|(id, answer)| {
                let person = people.iter().find(|person| person.id == id)?.clone();
                Some(Rsvp {
                    person: Person(person),
                    response: answer.into(),
                })
            })
            .collect())
    }
}

impl Meeting {
    /// Who answered and who attended are for the organisers.
    fn ensure_answers_visible(&self, ctx: &Context<'_>) -> Result<(), ApiError> {
        policy::ensure(
            viewer(ctx),
            Action::ReadMeetingAnswers(self.0.working_group),
        )?;
        Ok(())
    }
}

/// What happened to one occurrence.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "coalition_domain::meetings::OccurrenceStatus")]
pub(crate) enum OccurrenceStatus {
    /// It takes place when the series says.
    Scheduled,
    /// It takes place at another time (`startsAt`) than the series says (`originalStartsAt`).
    Moved,
    /// It was called off, alone or with its whole meeting: show it struck through.
    Cancelled,
}

/// One occurrence of a meeting.
pub(crate) struct MeetingOccurrence(pub domain::Occurrence);

#[Object]
impl MeetingOccurrence {
    /// The meeting or series.
    async fn meeting(&self) -> Meeting {
        Meeting(self.0.meeting.clone())
    }
    /// When this occurrence starts: UTC, or in `timeZone`.
    async fn starts_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.starts_at, time_zone.as_deref())
    }
    /// When it ends.
    async fn ends_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.ends_at, time_zone.as_deref())
    }
    /// When the series' rule makes it start: `startsAt` unless it moved. Names the
    /// occurrence in `rsvp(occurrence:)`, `cancelOccurrence` and `moveOccurrence`.
    async fn original_starts_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.original_start, time_zone.as_deref())
    }
    /// Whether it takes place as planned, moved, or not at all.
    async fn status(&self) -> OccurrenceStatus {
        self.0.status.into()
    }
    /// The signed-in person's answer for this occurrence: their answer to it, else their
    /// answer to the whole meeting or series.
    async fn my_rsvp(&self, ctx: &Context<'_>) -> Result<Option<RsvpResponse>, ApiError> {
        let Some(me) = viewer(ctx).person_id() else {
            return Ok(None);
        };
        let meeting = self.0.meeting.id;
        let loaders = loaders(ctx)?;
        let own = loaders
            .one(OccurrenceAnswerOf {
                meeting,
                occurrence: self.0.original_start,
                person: me,
            })
            .await?;
        let answer = match own {
            Some(answer) => Some(answer),
            None => {
                loaders
                    .one(AnswerOf {
                        meeting,
                        person: me,
                    })
                    .await?
            }
        };
        Ok(answer.map(Into::into))
    }
    /// How many answered yes, no and maybe for this occurrence: answers to it override
    /// the same people's answers to the whole series.
    async fn rsvp_counts(&self, ctx: &Context<'_>) -> Result<RsvpCounts, ApiError> {
        let loaders = loaders(ctx)?;
        let series = loaders
            .one(RsvpCountsOf(self.0.meeting.id))
            .await?
            .unwrap_or_default();
        let overrides = loaders
            .one(OccurrenceOverridesOf(self.0.meeting.id))
            .await?
            .unwrap_or_default();
        let mut counts = RsvpCounts::from_pairs(&series);
        for answer in overrides
            .iter()
            .filter(|answer| answer.occurrence_start == self.0.original_start)
        {
            if let Some(replaced) = answer.series_response {
                let slot = counts.slot(replaced);
                *slot = slot.saturating_sub(1);
            }
            *counts.slot(answer.response) += 1;
        }
        Ok(counts)
    }
}

/// A member who already has a meeting in a proposed slot.
pub(crate) struct MeetingConflict(coalition_services::meetings::Conflict);

#[Object]
impl MeetingConflict {
    /// The member.
    async fn person(&self) -> Person {
        Person(self.0.person.clone())
    }
    /// How many of their meetings overlap the slot, including meetings of other groups
    /// the viewer may not see.
    async fn overlapping(&self) -> usize {
        self.0.busy
    }
    /// Their overlapping occurrences the viewer may see.
    async fn occurrences(&self) -> Vec<MeetingOccurrence> {
        self.0
            .occurrences
            .iter()
            .cloned()
            .map(MeetingOccurrence)
            .collect()
    }
}

/// A candidate slot for a meeting, with who it would inconvenience.
pub(crate) struct SlotSuggestion(coalition_services::meetings::SlotSuggestion);

#[Object]
impl SlotSuggestion {
    /// When it would start: UTC, or in `timeZone`.
    async fn starts_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.starts_at, time_zone.as_deref())
    }
    /// When it would end.
    async fn ends_at(&self, time_zone: Option<String>) -> Result<String, ApiError> {
        render(self.0.ends_at, time_zone.as_deref())
    }
    /// Members it puts outside their local working hours.
    async fn out_of_hours(&self) -> Vec<Person> {
        self.0.out_of_hours.iter().cloned().map(Person).collect()
    }
    /// Members who already have a meeting then.
    async fn conflicts(&self) -> Vec<Person> {
        self.0.conflicts.iter().cloned().map(Person).collect()
    }
    /// How many times those out of hours were already inconvenienced at the group's
    /// meetings of the last 90 days: lower spreads the burden more fairly.
    async fn repeat_burden(&self) -> u32 {
        self.0.repeat_burden
    }
}

/// A meeting to schedule or the new version of one.
#[derive(InputObject)]
pub(crate) struct MeetingInput {
    /// What it is called.
    title: String,
    /// What it is about.
    description: Option<String>,
    /// When it starts (an instant; give the organiser's zone in `timeZone`).
    starts_at: DateTime<Utc>,
    /// When it ends; or give `durationMinutes`.
    ends_at: Option<DateTime<Utc>>,
    /// How long it lasts; or give `endsAt`.
    duration_minutes: Option<i32>,
    /// The organiser's IANA time zone, e.g. "Europe/Paris".
    time_zone: String,
    /// Where to join online (http or https).
    online_url: Option<String>,
    /// Where to meet in person.
    location: Option<String>,
    /// Who may see it; GROUP when not given.
    visibility: Option<Visibility>,
    /// RFC 5545 RRULE subset: FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, COUNT or UNTIL, BYDAY.
    recurrence: Option<String>,
    /// The title in other languages ("ar", "zh", "fr", "ru", "es"); `title` itself is the
    /// English text. Each language given replaces its text, an empty text removes it;
    /// omitted: unchanged.
    title_translations: Option<Vec<TranslationInput>>,
    /// The description in other languages, as `titleTranslations`.
    description_translations: Option<Vec<TranslationInput>>,
}

impl MeetingInput {
    fn into_fields(self) -> MeetingFields {
        MeetingFields {
            title: self.title,
            description: self.description,
            starts_at: Some(self.starts_at),
            ends_at: self.ends_at,
            duration_minutes: self.duration_minutes.map(i64::from),
            time_zone: self.time_zone,
            online_url: self.online_url,
            location: self.location,
            visibility: self.visibility.map(Into::into),
            recurrence: self.recurrence,
            title_translations: self.title_translations.map(|list| translations(Some(list))),
            description_translations: self
                .description_translations
                .map(|list| translations(Some(list))),
        }
    }
}

fn meeting_id(id: &ID, argument: &'static str) -> Result<MeetingId, ApiError> {
    Ok(MeetingId(decode_id_of(NodeKind::Meeting, id, argument)?))
}

/// Resolves `WorkingGroup.meetings`.
pub(crate) async fn group_meetings(
    ctx: &Context<'_>,
    group: WorkingGroupId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<MeetingOccurrence>, ApiError> {
    coalition_services::meetings::check_window(from, to)?;
    let key = GroupMeetings { group, from, to };
    let meetings = loaders(ctx)?.one(key).await?.unwrap_or_default();
    let found = coalition_services::meetings::visible_occurrences(viewer(ctx), &meetings, from, to);
    Ok(found.into_iter().map(MeetingOccurrence).collect())
}

/// Resolves `Coalition.meetings`.
pub(crate) async fn coalition_meetings(
    ctx: &Context<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<MeetingOccurrence>, ApiError> {
    let found = api(ctx)?
        .services
        .coalition_meetings(viewer(ctx), from, to)
        .await?;
    Ok(found.into_iter().map(MeetingOccurrence).collect())
}

/// Resolves `Person.upcomingMeetings`.
pub(crate) async fn upcoming_meetings(
    ctx: &Context<'_>,
    person: coalition_domain::people::PersonId,
    days: i32,
) -> Result<Vec<MeetingOccurrence>, ApiError> {
    let found = api(ctx)?
        .services
        .upcoming_meetings(viewer(ctx), person, i64::from(days))
        .await?;
    Ok(found.into_iter().map(MeetingOccurrence).collect())
}

/// A private calendar URL as its owner sees it; the URL itself is shown once, when made.
#[derive(SimpleObject)]
pub(crate) struct CalendarFeed {
    /// When the current URL was made.
    created_at: DateTime<Utc>,
    /// When a calendar last fetched it (to the minute); null if never.
    last_used_at: Option<DateTime<Utc>>,
}

/// Resolves `Person.calendarFeed`.
pub(crate) async fn calendar_feed_of(
    ctx: &Context<'_>,
    person: coalition_domain::people::PersonId,
) -> Result<Option<CalendarFeed>, ApiError> {
    let feed = api(ctx)?
        .services
        .calendar_feed_of(viewer(ctx), person)
        .await?;
    Ok(feed.map(|feed| CalendarFeed {
        created_at: feed.created_at,
        last_used_at: feed.last_used_at,
    }))
}

/// Meeting queries.
#[derive(Default)]
pub struct MeetingsQuery;

#[Object]
impl MeetingsQuery {
    /// One meeting, if the viewer may see it.
    async fn meeting(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Meeting>, ApiError> {
        let meeting = api(ctx)?
            .services
            .meeting_for(viewer(ctx), meeting_id(&id, "id")?)
            .await?;
        Ok(Some(Meeting(meeting)))
    }

    /// The best slots for a meeting of the group between `from` and `to` (at most 14 days),
    /// on the half hour: fewest members outside their local working hours (Monday to
    /// Friday, `workingHoursStart` to `workingHoursEnd` in each member's time zone) first,
    /// then fewest conflicts, then the least repeated inconvenience. Coordinators and
    /// administrators.
    #[allow(clippy::too_many_arguments)]
    async fn suggest_meeting_slots(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group whose members must attend.")] group_id: ID,
        #[graphql(desc = "Length in minutes (15 to 480).")] duration: i32,
        #[graphql(desc = "Earliest start considered.")] from: DateTime<Utc>,
        #[graphql(desc = "Latest end considered (at most 14 days after `from`).")] to: DateTime<
            Utc,
        >,
        #[graphql(default = 8, desc = "Local hour a working day starts (0 to 24).")]
        working_hours_start: i32,
        #[graphql(default = 18, desc = "Local hour a working day ends (0 to 24).")]
        working_hours_end: i32,
        #[graphql(default = 5, desc = "How many slots (1 to 20).")] first: i32,
    ) -> Result<Vec<SlotSuggestion>, ApiError> {
        let group = WorkingGroupId(decode_id_of(NodeKind::WorkingGroup, &group_id, "groupId")?);
        let hour = |field: &'static str, value: i32| {
            u32::try_from(value)
                .ok()
                .filter(|h| *h <= 24)
                .ok_or(ApiError::invalid(field, "an hour from 0 to 24"))
        };
        let hours = coalition_domain::scheduling::WorkingHours {
            start_hour: hour("workingHoursStart", working_hours_start)?,
            end_hour: hour("workingHoursEnd", working_hours_end)?,
        };
        let slots = api(ctx)?
            .services
            .suggest_meeting_slots(
                viewer(ctx),
                group,
                i64::from(duration),
                from,
                to,
                hours,
                usize::try_from(first).unwrap_or(1),
            )
            .await?;
        Ok(slots.into_iter().map(SlotSuggestion).collect())
    }

    /// Members of the group who already have a meeting between `start` and `end`.
    /// Coordinators and administrators.
    async fn meeting_conflicts(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<MeetingConflict>, ApiError> {
        let group = WorkingGroupId(decode_id_of(NodeKind::WorkingGroup, &group_id, "groupId")?);
        let conflicts = api(ctx)?
            .services
            .meeting_conflicts(viewer(ctx), group, start, end)
            .await?;
        Ok(conflicts.into_iter().map(MeetingConflict).collect())
    }
}

/// Meeting changes.
#[derive(Default)]
pub struct MeetingsMutation;

#[Object]
impl MeetingsMutation {
    /// Schedules a meeting of a group (its coordinators) or, without `groupId`, a
    /// coalition-wide plenary (administrators).
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        group_id: Option<ID>,
        input: MeetingInput,
    ) -> Result<Meeting, ApiError> {
        let group = group_id
            .as_ref()
            .map(|id| decode_id_of(NodeKind::WorkingGroup, id, "groupId").map(WorkingGroupId))
            .transpose()?;
        let meeting = api(ctx)?
            .services
            .schedule_meeting(viewer(ctx), group, input.into_fields())
            .await?;
        Ok(Meeting(meeting))
    }

    /// Changes a meeting; its sequence rises so calendars update in place.
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: MeetingInput,
    ) -> Result<Meeting, ApiError> {
        let meeting = api(ctx)?
            .services
            .update_meeting(viewer(ctx), meeting_id(&id, "id")?, input.into_fields())
            .await?;
        Ok(Meeting(meeting))
    }

    /// Calls a meeting (or a whole series) off.
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> Result<Meeting, ApiError> {
        let meeting = api(ctx)?
            .services
            .cancel_meeting(viewer(ctx), meeting_id(&id, "id")?, &reason)
            .await?;
        Ok(Meeting(meeting))
    }

    /// Cancels one occurrence of a series, named by the start its rule gives it.
    async fn cancel_occurrence(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        occurrence_start: DateTime<Utc>,
    ) -> Result<Meeting, ApiError> {
        let meeting = api(ctx)?
            .services
            .change_occurrence(
                viewer(ctx),
                self::meeting_id(&meeting_id, "meetingId")?,
                occurrence_start,
                OccurrenceChange::Cancel,
            )
            .await?;
        Ok(Meeting(meeting))
    }

    /// Moves one occurrence of a series (named by the start its rule gives it) to
    /// `startsAt`, for `durationMinutes` (the series' length when not given).
    async fn move_occurrence(
        &self,
        ctx: &Context<'_>,
        meeting_id: ID,
        occurrence_start: DateTime<Utc>,
        starts_at: DateTime<Utc>,
        duration_minutes: Option<i32>,
    ) -> Result<Meeting, ApiError> {
        let moved_to = OccurrenceChange::Move {
            starts_at,
            duration_minutes: duration_minutes.map(i64::from),
        };
        let meeting = api(ctx)?
            .services
            .change_occurrence(
                viewer(ctx),
                self::meeting_id(&meeting_id, "meetingId")?,
                occurrence_start,
                moved_to,
            )
            .await?;
        Ok(Meeting(meeting))
    }

    /// Creates (or replaces: the old URL stops working) the signed-in person's private
    /// calendar feed, with every meeting of their groups and the coalition's plenaries.
    /// Returns its secret URL; subscribe to it in any calendar application.
    async fn create_calendar_feed(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        Ok(api(ctx)?.services.create_calendar_feed(viewer(ctx)).await?)
    }

    /// Ends the signed-in person's private calendar feed; whether there was one.
    async fn revoke_calendar_feed(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        Ok(api(ctx)?.services.revoke_calendar_feed(viewer(ctx)).await?)
    }

    /// Answers a meeting of one's group (or a plenary): the whole meeting or series, or
    /// with `occurrence` one occurrence of a series (its `originalStartsAt` or `startsAt`),
    /// which overrides the answer to the series for it. A cancelled occurrence, or a time
    /// that is not an occurrence, is refused (BAD_USER_INPUT).
    async fn rsvp(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The meeting or series answered.")] meeting_id: ID,
        #[graphql(desc = "Yes, no or maybe.")] response: RsvpResponse,
        #[graphql(desc = "One occurrence of the series; the whole series when not given.")]
        occurrence: Option<DateTime<Utc>>,
    ) -> Result<RsvpResponse, ApiError> {
        let answer = api(ctx)?
            .services
            .rsvp(
                viewer(ctx),
                self::meeting_id(&meeting_id, "meetingId")?,
                response.into(),
                occurrence,
            )
            .await?;
        Ok(answer.into())
    }
}
