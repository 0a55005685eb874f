//! iCalendar (RFC 5545) feeds: one VEVENT per meeting or series, with its stable UID,
//! SEQUENCE, RRULE and STATUS, times in the organiser's zone, and the VTIMEZONE
//! definitions those times refer to.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone as _, Utc};
use coalition_domain::meetings::{Meeting, MeetingStatus};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus, Property};

/// How many years past the last meeting's start the time zone definitions reach: series go
/// on, and clients that read the VTIMEZONE rather than the zone's name need every instance
/// covered (RFC 5545 §3.6.5).
const ZONE_YEARS_AHEAD: i32 = 20;

/// Renders `meetings` as a calendar named `name` (a feed: METHOD PUBLISH).
pub fn render_calendar(name: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    render(name, "PUBLISH", meetings, now)
}

/// Renders the iTIP message (RFC 5546) attached to a meeting mail: METHOD REQUEST for a
/// new or changed meeting, CANCEL for a cancelled one, with the meeting's UID and SEQUENCE
/// so calendars update the same entry.
pub fn render_invitation(meeting: &Meeting, now: DateTime<Utc>) -> String {
    let method = match meeting.status {
        MeetingStatus::Scheduled => "REQUEST",
        MeetingStatus::Cancelled => "CANCEL",
    };
    render(&meeting.title, method, std::slice::from_ref(meeting), now)
}

fn render(name: &str, method: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    let mut calendar = Calendar::new();
    // Not `Calendar::name`: icalendar escapes X-WR-CALNAME but writes NAME as it is, so a
    // meeting title with line breaks would add lines of its own to the calendar.
    calendar.append_property(("NAME", escape_text(name).as_str()));
    calendar.append_property(("X-WR-CALNAME", name));
    // Calendar::new() brings a PRODID of its own; RFC 5545 allows one.
    calendar
        .properties
        .retain(|property| property.key() != "PRODID");
    calendar.append_property(("PRODID", "-//OER Dynamic Coalition//coalition//EN"));
    calendar.append_property(("METHOD", method));
    // icalendar has no VTIMEZONE component, so the calendar is written in parts at known
    // places (never found by searching the text, which titles also fill): its properties,
    // the time zone definitions, then the events, as RFC 5545 §3.6.5 lays them out.
    let properties = calendar.done().to_string();
    let mut text = properties
        .strip_suffix(CALENDAR_END)
        .unwrap_or(&properties)
        .to_owned();
    text.push_str(&time_zones(meetings));
    for meeting in meetings {
        write_event(&mut text, &event(meeting, now));
        // A moved or cancelled occurrence is its own VEVENT: same UID, RECURRENCE-ID
        // naming which one; a cancelled one keeps its time and says STATUS:CANCELLED, so
        // calendars that show overrides strike it through rather than drop it.
        for exception in &meeting.exceptions {
            let (start, end) = exception.moved_to.unwrap_or((
                exception.original_start,
                exception.original_start + meeting.duration(),
            ));
            let mut changed = event(meeting, now);
            changed.remove_property("RRULE");
            changed.remove_multi_property("EXDATE");
            changed
                .starts(local_time(meeting, start))
                .ends(local_time(meeting, end))
                .append_property(zoned("RECURRENCE-ID", meeting, exception.original_start));
            if exception.moved_to.is_none() {
                changed.status(EventStatus::Cancelled);
            }
            write_event(&mut text, &changed);
        }
    }
    text.push_str(CALENDAR_END);
    text
}

/// A TEXT value as RFC 5545 §3.3.11 writes it.
fn escape_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\r', '\n'], "\\n")
}

/// The last line of a calendar.
const CALENDAR_END: &str = "END:VCALENDAR\r\n";

fn write_event(text: &mut String, event: &Event) {
    // Writing into a String cannot fail.
    let _ = event.fmt_write(text);
}

/// An instant as a local time in the meeting's zone, for DTSTART and DTEND.
fn local_time(meeting: &Meeting, instant: DateTime<Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: instant.with_timezone(&meeting.time_zone.tz()).naive_local(),
        tzid: meeting.time_zone.name().to_owned(),
    }
}

/// A date-time property (EXDATE, RECURRENCE-ID) in the meeting's zone.
fn zoned(name: &str, meeting: &Meeting, instant: DateTime<Utc>) -> Property {
    let local = instant
        .with_timezone(&meeting.time_zone.tz())
        .format("%Y%m%dT%H%M%S");
    Property::new(name, local.to_string())
        .add_parameter("TZID", meeting.time_zone.name())
        .done()
}

fn event(meeting: &Meeting, now: DateTime<Utc>) -> Event {
    let local = |instant: DateTime<Utc>| local_time(meeting, instant);
    let mut event = Event::new();
    event
        .uid(&meeting.uid)
        .summary(&meeting.title)
        .timestamp(now)
        .sequence(u32::try_from(meeting.sequence).unwrap_or_default())
        .starts(local(meeting.starts_at))
        .ends(local(meeting.ends_at))
        .status(match meeting.status {
            MeetingStatus::Scheduled => EventStatus::Confirmed,
            MeetingStatus::Cancelled => EventStatus::Cancelled,
        });
    if !meeting.description.is_empty() {
        event.description(&meeting.description);
    }
    if let Some(location) = &meeting.location {
        event.location(location);
    }
    if let Some(url) = &meeting.online_url {
        event.url(url);
    }
    if let Some(rule) = &meeting.recurrence {
        event.add_property("RRULE", rule.as_str());
        // Cancelled and moved occurrences leave the rule's set.
        for exception in &meeting.exceptions {
            event.append_multi_property(zoned("EXDATE", meeting, exception.original_start));
        }
    }
    event.done()
}

/// VTIMEZONE components for every zone the meetings use, each with its observances
/// (transitions) from the first meeting's year to a few years past the last one.
fn time_zones(meetings: &[Meeting]) -> String {
    let zones: BTreeSet<&'static str> = meetings.iter().map(|m| m.time_zone.name()).collect();
    let (Some(first), Some(last)) = (
        meetings.iter().map(|m| m.starts_at.year()).min(),
        meetings.iter().map(|m| m.starts_at.year()).max(),
    ) else {
        return String::new();
    };
    let mut text = String::new();
    for name in zones {
        let Ok(zone) = name.parse::<chrono_tz::Tz>() else {
            continue;
        };
        let _ = write!(text, "BEGIN:VTIMEZONE\r\nTZID:{name}\r\n");
        let transitions = transitions(zone, first, last + ZONE_YEARS_AHEAD);
        // The offset in force from the start of the first year, before any transition.
        let start = NaiveDate::from_ymd_opt(first, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        let offset = zone
            .offset_from_utc_datetime(&start)
            .fix()
            .local_minus_utc();
        observance(
            &mut text,
            "STANDARD",
            start,
            offset,
            offset,
            &abbreviation(zone, start),
        );
        for (instant, before, after) in transitions {
            let kind = if after > before {
                "DAYLIGHT"
            } else {
                "STANDARD"
            };
            // DTSTART is the local time of the change in the offset that was in force.
            let local = (instant + Duration::seconds(i64::from(before))).naive_utc();
            let name = abbreviation(zone, instant.naive_utc());
            observance(&mut text, kind, local, before, after, &name);
        }
        text.push_str("END:VTIMEZONE\r\n");
    }
    text
}

fn abbreviation(zone: chrono_tz::Tz, utc: chrono::NaiveDateTime) -> String {
    use chrono_tz::OffsetName;
    zone.offset_from_utc_datetime(&utc)
        .abbreviation()
        .unwrap_or("LMT")
        .to_owned()
}

fn observance(
    text: &mut String,
    kind: &str,
    start: chrono::NaiveDateTime,
    from: i32,
    to: i32,
    name: &str,
) {
    let _ = write!(
        text,
        "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{name}\r\nEND:{kind}\r\n",
        start.format("%Y%m%dT%H%M%S"),
        offset(from),
        offset(to),
    );
}

fn offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let seconds = seconds.abs();
    format!("{sign}{:02}{:02}", seconds / 3600, (seconds % 3600) / 60)
}

/// The instants in `[from_year, to_year]` when `zone`'s UTC offset changes, with the
/// offsets before and after (in seconds east of UTC). Each zone's year is worked out once
/// per process: feeds ask for the same zones and years on every request.
fn transitions(zone: chrono_tz::Tz, from_year: i32, to_year: i32) -> Vec<Transition> {
    type Cache = HashMap<(&'static str, i32), Arc<Vec<Transition>>>;
    static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);
    let mut found = Vec::new();
    for year in from_year..=to_year {
        let key = (zone.name(), year);
        let cached = CACHE.lock().ok().and_then(|cache| cache.get(&key).cloned());
        let year_transitions = match cached {
            Some(cached) => cached,
            None => {
                let computed = Arc::new(transitions_in(zone, year));
                if let Ok(mut cache) = CACHE.lock() {
                    cache.insert(key, computed.clone());
                }
                computed
            }
        };
        found.extend(year_transitions.iter().copied());
    }
    found
}

/// A change of offset: when, the offset before and the offset after.
type Transition = (DateTime<Utc>, i32, i32);

/// The offset changes of one year, found by comparing offsets a day apart, then
/// narrowing to the second.
fn transitions_in(zone: chrono_tz::Tz, year: i32) -> Vec<Transition> {
    let offset_at = |instant: DateTime<Utc>| {
        zone.offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let (Some(start), Some(end)) = (
        Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single(),
        Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).single(),
    ) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut day = start;
    while day < end {
        let next = day + Duration::days(1);
        let (before, after) = (offset_at(day), offset_at(next));
        if before != after {
            // Bisect on whole seconds: offsets change on the second.
            let (mut low, mut high) = (day.timestamp(), next.timestamp());
            while high - low > 1 {
                let middle = low + (high - low) / 2;
                let at = DateTime::from_timestamp(middle, 0).unwrap_or(day);
                if offset_at(at) == before {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let high = DateTime::from_timestamp(high, 0).unwrap_or(next);
            found.push((high, before, after));
        }
        day = next;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_european_changes() {
        let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
        let changes = transitions(paris, 2027, 2027);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            changes[0].0,
            Utc.with_ymd_and_hms(2027, 3, 28, 1, 0, 0).unwrap()
        );
        assert_eq!((changes[0].1, changes[0].2), (3600, 7200));
        assert_eq!(
            changes[1].0,
            Utc.with_ymd_and_hms(2027, 10, 31, 1, 0, 0).unwrap()
        );
        let nairobi: chrono_tz::Tz = "Africa/Nairobi".parse().unwrap();
        assert!(transitions(nairobi, 2027, 2030).is_empty());
        assert_eq!(offset(-16200), "-0430");
    }

    fn meeting(title: &str) -> Meeting {
        let start = Utc.with_ymd_and_hms(2027, 3, 16, 9, 0, 0).unwrap();
        Meeting {
            id: coalition_domain::meetings::MeetingId(4),
            working_group: None,
            uid: "meeting-4@coalition".to_owned(),
            title: title.to_owned(),
            description: "Agenda:\r\nBEGIN:VEVENT\r\nEND:VCALENDAR".to_owned(),
            starts_at: start,
            ends_at: start + Duration::minutes(90),
            time_zone: coalition_domain::people::TimeZone::parse("Europe/Paris").unwrap(),
            online_url: None,
            location: None,
            visibility: coalition_domain::meetings::Visibility::Public,
            recurrence: None,
            sequence: 2,
            status: MeetingStatus::Scheduled,
            cancel_reason: None,
            created_by: None,
            exceptions: Vec::new(),
        }
    }

    #[test]
    fn titles_holding_calendar_syntax_stay_text() {
        let title = "BEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT BEGIN:VTIMEZONE".repeat(3);
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let text = render_invitation(&meeting(&title), now);
        let calendar = ical::IcalParser::new(text.as_bytes())
            .next()
            .expect("one calendar")
            .expect("it parses");
        let names: Vec<&str> = calendar
            .properties
            .iter()
            .map(|property| property.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "VERSION",
                "CALSCALE",
                "NAME",
                "X-WR-CALNAME",
                "PRODID",
                "METHOD"
            ],
            "the title adds no line to the calendar: {text}"
        );
        assert_eq!(calendar.timezones.len(), 1, "{text}");
        assert_eq!(calendar.events.len(), 1, "{text}");
        let summary = calendar.events[0]
            .properties
            .iter()
            .find(|property| property.name == "SUMMARY")
            .and_then(|property| property.value.clone())
            .expect("a summary");
        assert!(summary.contains("SUMMARY:injected"), "{summary}");
        // Every line is within a component: nothing before BEGIN:VCALENDAR or after its END.
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with(CALENDAR_END));
        // The definitions are those of the zone's years, cached after the first request.
        assert_eq!(render_invitation(&meeting(&title), now), text);
    }
}
