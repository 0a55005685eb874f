//! Meetings: when (an instant and the organiser's time zone), how often (an RFC 5545
//! RRULE subset, expanded in the organiser's zone so a series keeps its wall-clock time
//! across daylight-saving changes), who may see them, and who comes.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::coalition::{Translation, WorkingGroupId, parse_translation_list};
use crate::error::InvalidInput;
use crate::language::Language;
use crate::people::{PersonId, TimeZone, parse_short_text};

/// Identifies a meeting (a single one, or a whole series).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MeetingId(pub i32);

/// Who may see a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Visibility {
    /// Anyone, signed in or not; listed in the public calendar feed.
    Public,
    /// Every signed-in person.
    Coalition,
    /// The group's members, observers and coordinators (and administrators).
    Group,
}

impl Visibility {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Coalition => "coalition",
            Visibility::Group => "group",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "public" => Ok(Visibility::Public),
            "coalition" => Ok(Visibility::Coalition),
            "group" => Ok(Visibility::Group),
            other => Err(InvalidInput::new(
                "visibility",
                format!("unknown visibility '{other}'"),
            )),
        }
    }
}

/// Whether a meeting still takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeetingStatus {
    /// It takes place.
    Scheduled,
    /// It was called off.
    Cancelled,
}

impl MeetingStatus {
    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Scheduled => "scheduled",
            MeetingStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        match code {
            "scheduled" => Ok(MeetingStatus::Scheduled),
            "cancelled" => Ok(MeetingStatus::Cancelled),
            other => Err(InvalidInput::new(
                "status",
                format!("unknown meeting status '{other}'"),
            )),
        }
    }
}

/// What an organiser does to one occurrence of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceChange {
    /// Calls it off.
    Cancel,
    /// Moves it.
    Move {
        /// Its new start.
        starts_at: DateTime<Utc>,
        /// Its new length; the series' when `None`.
        duration_minutes: Option<i64>,
    },
}

/// An answer to an invitation to a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RsvpResponse {
    /// Will attend.
    Yes,
    /// Will not attend.
    No,
    /// Might attend.
    Maybe,
}

impl RsvpResponse {
    /// Every answer.
    pub const ALL: [RsvpResponse; 3] = [RsvpResponse::Yes, RsvpResponse::No, RsvpResponse::Maybe];

    /// The stable code stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RsvpResponse::Yes => "yes",
            RsvpResponse::No => "no",
            RsvpResponse::Maybe => "maybe",
        }
    }

    /// Parses the stored code.
    pub fn parse(code: &str) -> Result<Self, InvalidInput> {
        Self::ALL
            .into_iter()
            .find(|answer| answer.as_str() == code)
            .ok_or_else(|| InvalidInput::new("response", format!("unknown answer '{code}'")))
    }
}

/// A recurrence rule: the subset of RFC 5545 RRULE the coalition's series need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence(String);

/// Checks that an instant lies in the years meetings can use (1970–2200), so date
/// arithmetic on it cannot overflow.
pub fn check_instant(field: &'static str, instant: DateTime<Utc>) -> Result<(), InvalidInput> {
    use chrono::Datelike;
    if (1970..=2200).contains(&instant.year()) {
        Ok(())
    } else {
        Err(InvalidInput::new(
            field,
            "use a date between the years 1970 and 2200",
        ))
    }
}

/// The most occurrences a series may have, or a window may list.
pub const MAX_OCCURRENCES: u16 = 500;

impl Recurrence {
    /// Parses `FREQ=DAILY|WEEKLY|MONTHLY` with optional `INTERVAL`, `COUNT` (at most 500)
    /// or `UNTIL`, and `BYDAY` (e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10`). An
    /// `RRULE:` prefix is accepted.
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let rule = raw.trim().trim_start_matches("RRULE:").to_ascii_uppercase();
        let invalid = |why: &str| {
            InvalidInput::new(
                "recurrence",
                format!(
                    "'{raw}' is not a supported RRULE: {why} (e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10)"
                ),
            )
        };
        let mut freq = None;
        let (mut count, mut until) = (false, false);
        for part in rule.split(';').filter(|part| !part.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| invalid("each part is KEY=VALUE"))?;
            match key {
                "FREQ" => match value {
                    "DAILY" | "WEEKLY" | "MONTHLY" => freq = Some(value.to_owned()),
                    _ => return Err(invalid("FREQ must be DAILY, WEEKLY or MONTHLY")),
                },
                "INTERVAL" => {
                    let interval: u16 =
                        value.parse().map_err(|_| invalid("INTERVAL is a number"))?;
                    if !(1..=366).contains(&interval) {
                        return Err(invalid("INTERVAL is 1 to 366"));
                    }
                }
                "COUNT" => {
                    let n: u16 = value.parse().map_err(|_| invalid("COUNT is a number"))?;
                    if !(1..=MAX_OCCURRENCES).contains(&n) {
                        return Err(invalid("COUNT is 1 to 500"));
                    }
                    count = true;
                }
                "UNTIL" => until = true,
                "BYDAY" => {
                    let days_ok = value.split(',').all(|day| {
                        let day = day.trim_start_matches(|c: char| {
                            c == '+' || c == '-' || c.is_ascii_digit()
                        });
                        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].contains(&day)
                    });
                    if !days_ok {
                        return Err(invalid("BYDAY lists days such as MO,WE or 1MO"));
                    }
                }
                _ => return Err(invalid(&format!("{key} is not supported"))),
            }
        }
        if freq.is_none() {
            return Err(invalid("FREQ is required"));
        }
        if count && until {
            return Err(invalid("use COUNT or UNTIL, not both"));
        }
        let recurrence = Self(rule);
        // Let the RFC 5545 engine confirm what the checks above let through, from a start
        // early enough that any UNTIL comes after it (the real start is checked with the
        // meeting, in `MeetingDraft::parse`).
        let early = DateTime::from_timestamp(946_684_800, 0).unwrap_or_default(); // 2000-01-01
        recurrence
            .rule_set(early, TimeZone::default())
            .map_err(|why| invalid(&why))?;
        Ok(recurrence)
    }

    /// A rule as stored, checked when it was saved: loading must not fail once its
    /// UNTIL has passed.
    pub fn from_stored(rule: &str) -> Self {
        Self(rule.to_owned())
    }

    /// Checks the rule against the series' real start (an UNTIL before it is refused).
    pub fn check_start(&self, start: DateTime<Utc>, zone: TimeZone) -> Result<(), InvalidInput> {
        self.rule_set(start, zone).map(|_| ()).map_err(|why| {
            InvalidInput::new(
                "recurrence",
                format!("the rule does not fit the start: {why}"),
            )
        })
    }

    /// The rule, without the `RRULE:` prefix.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn rule_set(&self, start: DateTime<Utc>, zone: TimeZone) -> Result<rrule::RRuleSet, String> {
        let local = start.with_timezone(&zone.tz());
        let text = format!(
            "DTSTART;TZID={}:{}\nRRULE:{}",
            zone.name(),
            local.format("%Y%m%dT%H%M%S"),
            self.0
        );
        text.parse::<rrule::RRuleSet>()
            .map_err(|error| error.to_string())
    }

    /// The starts of the occurrences of a series beginning at `start` in `zone` that fall
    /// in `[from, to)`, at most [`MAX_OCCURRENCES`]. Expanded in the zone, so 10:00 stays
    /// 10:00 local across daylight-saving changes.
    pub fn starts_between(
        &self,
        start: DateTime<Utc>,
        zone: TimeZone,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let Ok(set) = self.rule_set(start, zone) else {
            return Vec::new();
        };
        let tz = rrule::Tz::Tz(zone.tz());
        let set = set
            .after(from.with_timezone(&tz) - Duration::seconds(1))
            .before(to.with_timezone(&tz));
        set.all(MAX_OCCURRENCES)
            .dates
            .into_iter()
            .map(|date| date.with_timezone(&Utc))
            .filter(|date| *date >= from && *date < to)
            .collect()
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A meeting (or series) as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// Identity.
    pub id: MeetingId,
    /// The group; `None` for a coalition-wide plenary.
    pub working_group: Option<WorkingGroupId>,
    /// The iCalendar UID, stable for the meeting's life.
    pub uid: String,
    /// What it is called.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// When the (first) occurrence starts.
    pub starts_at: DateTime<Utc>,
    /// When the (first) occurrence ends.
    pub ends_at: DateTime<Utc>,
    /// The organiser's zone: recurrences are expanded in it.
    pub time_zone: TimeZone,
    /// Where to join online.
    pub online_url: Option<String>,
    /// Where to meet in person.
    pub location: Option<String>,
    /// Who may see it.
    pub visibility: Visibility,
    /// Whether it still takes place.
    pub status: MeetingStatus,
    /// Why it was called off.
    pub cancel_reason: Option<String>,
    /// Rises with every change, so calendars update in place (iCalendar SEQUENCE).
    pub sequence: i32,
    /// The series' rule, if it repeats.
    pub recurrence: Option<Recurrence>,
    /// Who scheduled it.
    pub created_by: Option<PersonId>,
    /// Occurrences of the series that were cancelled or moved.
    pub exceptions: Vec<OccurrenceException>,
}

/// A change to one occurrence of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OccurrenceException {
    /// The occurrence's start as the rule gives it (its RECURRENCE-ID).
    pub original_start: DateTime<Utc>,
    /// Where it moved; `None` when it was cancelled.
    pub moved_to: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// What happened to one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccurrenceStatus {
    /// It takes place when the series says.
    Scheduled,
    /// It takes place at another time than the series says.
    Moved,
    /// It was called off (alone, or with its whole meeting).
    Cancelled,
}

/// One occurrence of a meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// The meeting or series.
    pub meeting: Meeting,
    /// When this occurrence starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// When the series' rule makes it start (its RECURRENCE-ID); `starts_at` unless moved.
    pub original_start: DateTime<Utc>,
    /// Whether it takes place as planned, moved, or not at all.
    pub status: OccurrenceStatus,
}

impl Meeting {
    /// How long each occurrence lasts.
    pub fn duration(&self) -> Duration {
        self.ends_at - self.starts_at
    }

    /// The occurrences overlapping `[from, to)`, in order: cancelled occurrences left out,
    /// moved ones at their new time.
    pub fn occurrences_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
        let mut occurrences = self.calendar_between(from, to);
        occurrences.retain(|occurrence| !self.occurrence_cancelled(occurrence.original_start));
        occurrences
    }

    /// The occurrences overlapping `[from, to)`, in order, as a calendar shows them: moved
    /// ones at their new time, cancelled ones kept (at the time they were to take place)
    /// with their status, so they can be shown struck through.
    pub fn calendar_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
        let duration = self.duration();
        let starts = match &self.recurrence {
            // An occurrence that started before `from` may still overlap it.
            Some(rule) => rule.starts_between(self.starts_at, self.time_zone, from - duration, to),
            None => vec![self.starts_at],
        };
        let moved = |start: &DateTime<Utc>| {
            self.exceptions
                .iter()
                .any(|e| e.original_start == *start && e.moved_to.is_some())
        };
        let regular = starts
            .into_iter()
            .filter(|start| !moved(start))
            .map(|start| (start, start, start + duration));
        let moved = self.exceptions.iter().filter_map(|exception| {
            exception
                .moved_to
                .map(|(start, end)| (exception.original_start, start, end))
        });
        let mut occurrences: Vec<Occurrence> = regular
            .chain(moved)
            .filter(|(_, start, end)| *start < to && *end > from)
            .map(|(original, start, end)| Occurrence {
                meeting: self.clone(),
                starts_at: start,
                ends_at: end,
                original_start: original,
                status: if self.status == MeetingStatus::Cancelled
                    || self.occurrence_cancelled(original)
                {
                    OccurrenceStatus::Cancelled
                } else if start != original {
                    OccurrenceStatus::Moved
                } else {
                    OccurrenceStatus::Scheduled
                },
            })
            .collect();
        occurrences.sort_by_key(|occurrence| occurrence.starts_at);
        occurrences
    }

    /// Whether the occurrence the rule starts at `original_start` was cancelled on its own.
    fn occurrence_cancelled(&self, original_start: DateTime<Utc>) -> bool {
        self.exceptions
            .iter()
            .any(|e| e.original_start == original_start && e.moved_to.is_none())
    }

    /// The occurrence named by `start` (the start the series gives it, or the time it
    /// moved to): its original start and status; `None` when no occurrence is named so.
    pub fn occurrence_named(
        &self,
        start: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, OccurrenceStatus)> {
        let original = (if self.recurrence.is_none() {
            (start == self.starts_at).then_some(start)
        } else if self.has_occurrence_at(start) {
            Some(start)
        } else {
            self.exceptions
                .iter()
                .find(|e| e.moved_to.is_some_and(|(moved, _)| moved == start))
                .map(|e| e.original_start)
        })?;
        let status =
            if self.status == MeetingStatus::Cancelled || self.occurrence_cancelled(original) {
                OccurrenceStatus::Cancelled
            } else if self.exceptions.iter().any(|e| e.original_start == original) {
                OccurrenceStatus::Moved
            } else {
                OccurrenceStatus::Scheduled
            };
        Some((original, status))
    }

    /// Whether an occurrence (not cancelled, at its moved time if it moved) starts at
    /// exactly `start`.
    pub fn occurs_at(&self, start: DateTime<Utc>) -> bool {
        self.occurrences_between(start, start + Duration::seconds(1))
            .iter()
            .any(|occurrence| occurrence.starts_at == start)
    }

    /// The occurrence under way or last held at `now`: the latest that has begun, else the
    /// first. What an action item is raised at when none is named.
    pub fn latest_begun(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let earliest = self
            .exceptions
            .iter()
            .filter_map(|exception| exception.moved_to.map(|(start, _)| start))
            .fold(self.starts_at, DateTime::min);
        let held = self.occurrences_between(earliest, now + Duration::seconds(1));
        held.iter()
            .rev()
            .map(|occurrence| occurrence.starts_at)
            .find(|start| *start <= now)
            .or_else(|| held.first().map(|occurrence| occurrence.starts_at))
            .unwrap_or(self.starts_at)
    }

    /// The next occurrence to begin after `now`, else the latest begun: the one whose
    /// carried-over action items a reader of the meeting wants when none is named.
    pub fn next_to_begin(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.occurrences_between(now, now + Duration::days(400))
            .into_iter()
            .map(|occurrence| occurrence.starts_at)
            .find(|start| *start > now)
            .unwrap_or_else(|| self.latest_begun(now))
    }

    /// Whether the series has an occurrence starting exactly at `start` (by its rule).
    pub fn has_occurrence_at(&self, start: DateTime<Utc>) -> bool {
        match &self.recurrence {
            Some(rule) => rule
                .starts_between(
                    self.starts_at,
                    self.time_zone,
                    start,
                    start + Duration::seconds(1),
                )
                .contains(&start),
            None => false,
        }
    }
}

/// What a coordinator fills in to schedule or change a meeting, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingDraft {
    /// What it is called.
    pub title: String,
    /// What it is about.
    pub description: String,
    /// When it starts.
    pub starts_at: DateTime<Utc>,
    /// When it ends.
    pub ends_at: DateTime<Utc>,
    /// The organiser's zone.
    pub time_zone: TimeZone,
    /// Where to join online.
    pub online_url: Option<String>,
    /// Where to meet in person.
    pub location: Option<String>,
    /// Who may see it.
    pub visibility: Visibility,
    /// The series' rule, if it repeats.
    pub recurrence: Option<Recurrence>,
    /// The title in other languages, as given: each replaces the stored one, an empty
    /// text removes it; languages not named keep theirs. The title itself stands for
    /// English.
    pub title_translations: BTreeMap<Language, String>,
    /// The description in other languages, as `title_translations`.
    pub description_translations: BTreeMap<Language, String>,
}

/// The raw fields of a meeting, before validation.
#[derive(Debug, Clone, Default)]
pub struct MeetingFields {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Start instant.
    pub starts_at: Option<DateTime<Utc>>,
    /// End instant (or use `duration_minutes`).
    pub ends_at: Option<DateTime<Utc>>,
    /// Length in minutes (or use `ends_at`).
    pub duration_minutes: Option<i64>,
    /// IANA zone of the organiser.
    pub time_zone: String,
    /// Online link.
    pub online_url: Option<String>,
    /// Physical place.
    pub location: Option<String>,
    /// Who may see it.
    pub visibility: Option<Visibility>,
    /// RRULE.
    pub recurrence: Option<String>,
    /// The title in other languages; `None` leaves the stored ones unchanged.
    pub title_translations: Option<Vec<Translation>>,
    /// The description in other languages; `None` leaves the stored ones unchanged.
    pub description_translations: Option<Vec<Translation>>,
}

/// Longest meeting title, in characters (in each language).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest meeting description, in characters (in each language).
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// Checks the translations of a meeting's title or description. English is refused: the
/// organiser's own text is the English one, and what every other language falls back to.
fn parse_meeting_translations(
    field: &'static str,
    translations: Option<&[Translation]>,
    max_chars: usize,
    single_line: bool,
) -> Result<BTreeMap<Language, String>, InvalidInput> {
    let parsed = parse_translation_list(field, translations.unwrap_or_default(), max_chars)?;
    let mut texts = BTreeMap::new();
    for (language, text) in parsed {
        if language == Language::En {
            return Err(InvalidInput::new(
                field,
                "the meeting's own text is the English one: give \"en\" there, not as a translation",
            ));
        }
        if single_line && text.contains(['\n', '\t']) {
            return Err(InvalidInput::new(
                field,
                "must not contain control characters",
            ));
        }
        texts.insert(language, text);
    }
    Ok(texts)
}

impl MeetingDraft {
    /// Validates the fields at `now`: an end after the start (given directly or as a
    /// duration, at most 24 hours), not starting in the past, a known time zone, an
    /// http(s) link, a supported recurrence.
    pub fn parse(fields: MeetingFields, now: DateTime<Utc>) -> Result<Self, InvalidInput> {
        let title = parse_short_text("title", &fields.title, MAX_TITLE_CHARS)?;
        let title_translations = parse_meeting_translations(
            "titleTranslations",
            fields.title_translations.as_deref(),
            MAX_TITLE_CHARS,
            true,
        )?;
        let description_translations = parse_meeting_translations(
            "descriptionTranslations",
            fields.description_translations.as_deref(),
            MAX_DESCRIPTION_CHARS,
            false,
        )?;
        let description = fields.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(InvalidInput::new(
                "description",
                "use at most 10,000 characters",
            ));
        }
        let starts_at = fields
            .starts_at
            .ok_or_else(|| InvalidInput::new("startsAt", "a start is required"))?;
        check_instant("startsAt", starts_at)?;
        if starts_at < now - Duration::minutes(1) {
            return Err(InvalidInput::new(
                "startsAt",
                "a meeting cannot start in the past",
            ));
        }
        let ends_at = match (fields.ends_at, fields.duration_minutes) {
            (Some(_), Some(_)) => {
                return Err(InvalidInput::new(
                    "endsAt",
                    "give an end or a duration, not both",
                ));
            }
            (Some(end), None) => end,
            (None, Some(minutes)) => starts_at + Duration::minutes(minutes),
            (None, None) => return Err(InvalidInput::new("endsAt", "give an end or a duration")),
        };
        check_instant("endsAt", ends_at)?;
        if ends_at <= starts_at {
            return Err(InvalidInput::new(
                "endsAt",
                "the end must come after the start",
            ));
        }
        if ends_at - starts_at > Duration::hours(24) {
            return Err(InvalidInput::new(
                "endsAt",
                "a meeting lasts at most 24 hours",
            ));
        }
        let time_zone = TimeZone::parse(&fields.time_zone)?;
        let online_url = match fields
            .online_url
            .map(|url| url.trim().to_owned())
            .filter(|u| !u.is_empty())
        {
            Some(url)
                if (url.starts_with("https://") || url.starts_with("http://"))
                    && url.len() <= 2000
                    && !url.contains(char::is_whitespace) =>
            {
                Some(url)
            }
            Some(_) => {
                return Err(InvalidInput::new(
                    "onlineUrl",
                    "give an http:// or https:// link",
                ));
            }
            None => None,
        };
        let location = match fields
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            Some(place) => Some(parse_short_text("location", place, 300)?),
            None => None,
        };
        let recurrence = fields
            .recurrence
            .as_deref()
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(Recurrence::parse)
            .transpose()?;
        if let Some(rule) = &recurrence {
            rule.check_start(starts_at, time_zone)?;
        }
        Ok(Self {
            title,
            description,
            starts_at,
            ends_at,
            time_zone,
            online_url,
            location,
            visibility: fields.visibility.unwrap_or(Visibility::Group),
            recurrence,
            title_translations,
            description_translations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn paris() -> TimeZone {
        TimeZone::parse("Europe/Paris").unwrap()
    }

    #[test]
    fn weekly_series_keep_their_local_time_across_dst() {
        // 10:00 in Paris every Tuesday around the end of summer time (25 October 2026).
        let start = Utc.with_ymd_and_hms(2026, 10, 13, 8, 0, 0).unwrap(); // 10:00 CEST
        let rule = Recurrence::parse("FREQ=WEEKLY;BYDAY=TU;COUNT=4").unwrap();
        let starts = rule.starts_between(start, paris(), start, start + Duration::days(60));
        let hours: Vec<u32> = starts
            .iter()
            .map(|s| s.format("%H").to_string().parse().unwrap())
            .collect();
        assert_eq!(starts.len(), 4);
        assert_eq!(
            hours,
            [8, 8, 9, 9],
            "09:00 UTC after the change: still 10:00 in Paris"
        );
    }

    #[test]
    fn a_finished_series_still_loads_and_expands() {
        // Stored rules are not re-validated: an UNTIL in the past must not break loading.
        let rule = Recurrence::from_stored("FREQ=DAILY;UNTIL=20200105T090000Z");
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 9, 0, 0).unwrap();
        let starts = rule.starts_between(start, paris(), start, start + Duration::days(30));
        assert_eq!(starts.len(), 5);
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let fields = MeetingFields {
            title: "Series".into(),
            starts_at: Some(now + Duration::days(1)),
            duration_minutes: Some(60),
            time_zone: "Europe/Paris".into(),
            recurrence: Some("FREQ=DAILY;UNTIL=20260101T000000Z".into()),
            ..MeetingFields::default()
        };
        assert_eq!(
            MeetingDraft::parse(fields, now).unwrap_err().field,
            "recurrence",
            "UNTIL before the start"
        );
    }

    #[test]
    fn translations_of_title_and_description_are_checked() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let t = |lang: &str, text: &str| Translation {
            lang: lang.into(),
            text: text.into(),
        };
        let fields = |titles: Vec<Translation>| MeetingFields {
            title: "Call".into(),
            starts_at: Some(now + Duration::days(1)),
            duration_minutes: Some(60),
            time_zone: "Europe/Paris".into(),
            title_translations: Some(titles),
            ..MeetingFields::default()
        };
        let draft =
            MeetingDraft::parse(fields(vec![t("fr-CA", " Appel "), t("ru", "")]), now).unwrap();
        assert_eq!(draft.title_translations[&Language::Fr], "Appel");
        assert_eq!(
            draft.title_translations[&Language::Ru],
            "",
            "an empty text removes"
        );
        assert!(draft.description_translations.is_empty());
        for bad in [
            vec![t("en", "Call")],
            vec![t("de", "Anruf")],
            vec![t("es", "a"), t("es-MX", "b")],
            vec![t("es", &"a".repeat(201))],
            vec![t("es", "one\ntwo")],
        ] {
            let error = MeetingDraft::parse(fields(bad.clone()), now).unwrap_err();
            assert_eq!(error.field, "titleTranslations", "{bad:?}");
        }
    }

    #[test]
    fn refuses_unsupported_rules() {
        for bad in [
            "",
            "FREQ=HOURLY",
            "FREQ=WEEKLY;BYHOUR=3",
            "FREQ=DAILY;COUNT=0",
            "FREQ=DAILY;COUNT=501",
            "FREQ=WEEKLY;BYDAY=XX",
            "INTERVAL=2",
            "FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z",
            "garbage",
        ] {
            let error = Recurrence::parse(bad).unwrap_err();
            assert_eq!(error.field, "recurrence", "{bad}");
        }
        assert!(Recurrence::parse("RRULE:FREQ=MONTHLY;BYDAY=1MO;INTERVAL=2").is_ok());
    }

    #[test]
    fn drafts_are_checked() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let fields = || MeetingFields {
            title: "Working group call".into(),
            starts_at: Some(now + Duration::days(1)),
            duration_minutes: Some(60),
            time_zone: "Africa/Nairobi".into(),
            ..MeetingFields::default()
        };
        let draft = MeetingDraft::parse(fields(), now).unwrap();
        assert_eq!(draft.ends_at - draft.starts_at, Duration::minutes(60));
        let mut past = fields();
        past.starts_at = Some(now - Duration::hours(1));
        assert_eq!(
            MeetingDraft::parse(past, now).unwrap_err().field,
            "startsAt"
        );
        let mut backwards = fields();
        backwards.duration_minutes = None;
        backwards.ends_at = Some(now);
        assert_eq!(
            MeetingDraft::parse(backwards, now).unwrap_err().field,
            "endsAt"
        );
        let mut zone = fields();
        zone.time_zone = "Mars/Olympus".into();
        assert_eq!(
            MeetingDraft::parse(zone, now).unwrap_err().field,
            "timeZone"
        );
        let mut link = fields();
        link.online_url = Some("javascript:alert(1)".into());
        assert_eq!(
            MeetingDraft::parse(link, now).unwrap_err().field,
            "onlineUrl"
        );
    }

    #[test]
    fn occurrences_overlapping_a_window() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
        let meeting = Meeting {
            id: MeetingId(1),
            working_group: None,
            uid: "u".into(),
            title: "t".into(),
            description: String::new(),
            starts_at: start,
            ends_at: start + Duration::hours(2),
            time_zone: paris(),
            online_url: None,
            location: None,
            visibility: Visibility::Public,
            status: MeetingStatus::Scheduled,
            cancel_reason: None,
            sequence: 0,
            recurrence: Some(Recurrence::parse("FREQ=DAILY;COUNT=5").unwrap()),
            created_by: None,
            exceptions: Vec::new(),
        };
        // From 10:00 on day 2 to day 4: day 2 (still running), day 3; day 4 starts at the end.
        let from = start + Duration::days(1) + Duration::hours(1);
        let to = start + Duration::days(3);
        let found: Vec<_> = meeting
            .occurrences_between(from, to)
            .into_iter()
            .map(|o| o.starts_at)
            .collect();
        assert_eq!(
            found,
            [start + Duration::days(1), start + Duration::days(2)]
        );

        // Which occurrence action items are raised at, and carried over to, by default.
        let day = |n: i64| start + Duration::days(n);
        let mut meeting = meeting;
        meeting.exceptions.push(OccurrenceException {
            original_start: day(2),
            moved_to: Some((day(2) + Duration::hours(3), day(2) + Duration::hours(5))),
        });
        let before_all = start - Duration::days(1);
        assert_eq!(
            meeting.latest_begun(before_all),
            start,
            "none yet: the first"
        );
        assert_eq!(meeting.next_to_begin(before_all), start);
        let during_second = day(1) + Duration::hours(1);
        assert_eq!(meeting.latest_begun(during_second), day(1));
        assert_eq!(
            meeting.next_to_begin(during_second),
            day(2) + Duration::hours(3)
        );
        let after_all = day(10);
        assert_eq!(meeting.latest_begun(after_all), day(4), "the last held");
        assert_eq!(meeting.next_to_begin(after_all), day(4));
        meeting.exceptions.push(OccurrenceException {
            original_start: day(3),
            moved_to: None,
        });
        let listed: Vec<_> = meeting
            .calendar_between(start, day(5))
            .into_iter()
            .map(|o| (o.original_start, o.starts_at, o.status))
            .collect();
        assert_eq!(
            listed,
            [
                (day(0), day(0), OccurrenceStatus::Scheduled),
                (day(1), day(1), OccurrenceStatus::Scheduled),
                (day(2), day(2) + Duration::hours(3), OccurrenceStatus::Moved),
                (day(3), day(3), OccurrenceStatus::Cancelled),
                (day(4), day(4), OccurrenceStatus::Scheduled),
            ],
            "a calendar keeps the cancelled occurrence"
        );
        assert_eq!(meeting.occurrences_between(start, day(5)).len(), 4);
        assert_eq!(
            meeting.occurrence_named(day(2) + Duration::hours(3)),
            Some((day(2), OccurrenceStatus::Moved)),
            "named by its new time"
        );
        assert_eq!(
            meeting.occurrence_named(day(2)),
            Some((day(2), OccurrenceStatus::Moved))
        );
        assert_eq!(
            meeting.occurrence_named(day(3)),
            Some((day(3), OccurrenceStatus::Cancelled))
        );
        assert_eq!(
            meeting.occurrence_named(day(3) + Duration::minutes(5)),
            None
        );
        meeting.exceptions.pop();
        assert!(meeting.occurs_at(day(2) + Duration::hours(3)), "moved");
        assert!(!meeting.occurs_at(day(2)), "moved away");
        assert!(!meeting.occurs_at(day(1) + Duration::minutes(1)));
    }
}
