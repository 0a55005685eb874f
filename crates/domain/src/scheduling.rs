//! Fair meeting slots. Members live in every time zone, and the same few should not always
//! get the midnight call: candidate slots are ranked by how many members they put outside
//! their local working hours, then by how many members already have a meeting then, then
//! by how often the members they inconvenience were inconvenienced at the group's recent
//! meetings, so the burden rotates.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};

use crate::people::{PersonId, TimeZone};

/// Local working hours, Monday to Friday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// First working hour (0–23).
    pub start_hour: u32,
    /// Hour the working day ends (1–24).
    pub end_hour: u32,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            start_hour: 8,
            end_hour: 18,
        }
    }
}

impl WorkingHours {
    /// Local working hours from `start_hour` to `end_hour` (0–24, start before end).
    pub fn parse(start_hour: i32, end_hour: i32) -> Result<Self, crate::InvalidInput> {
        let in_day = |hour: i32| u32::try_from(hour).ok().filter(|hour| *hour <= 24);
        match (in_day(start_hour), in_day(end_hour)) {
            (Some(start_hour), Some(end_hour)) if start_hour < end_hour => Ok(Self {
                start_hour,
                end_hour,
            }),
            _ => Err(crate::InvalidInput::new(
                "workingHours",
                "working hours run from 0 to 24, the start before the end",
            )),
        }
    }

    /// Whether `[start, end)` lies within one working day in `zone`.
    pub fn contains(&self, start: DateTime<Utc>, end: DateTime<Utc>, zone: TimeZone) -> bool {
        let local_start = start.with_timezone(&zone.tz());
        if matches!(local_start.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        let start_minute = i64::from(local_start.hour() * 60 + local_start.minute());
        // Past midnight the end exceeds 24:00, so it falls outside any working day.
        let end_minute = start_minute + (end - start).num_minutes();
        start_minute >= i64::from(self.start_hour) * 60
            && end_minute <= i64::from(self.end_hour) * 60
    }
}

/// A member, as slot ranking sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendee {
    /// Who.
    pub person: PersonId,
    /// Where their day happens.
    pub zone: TimeZone,
    /// When they already have meetings.
    pub busy: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// How many of the group's recent meetings fell outside their working hours.
    pub recent_burden: u32,
    /// Their own working hours, when they gave them; the request's otherwise.
    pub own_hours: Option<WorkingHours>,
}

/// A candidate slot and what it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotScore {
    /// When it would start.
    pub starts_at: DateTime<Utc>,
    /// When it would end.
    pub ends_at: DateTime<Utc>,
    /// Members it puts outside their working hours.
    pub out_of_hours: Vec<PersonId>,
    /// Members who already have a meeting then.
    pub conflicts: Vec<PersonId>,
    /// How often those put out of hours were already inconvenienced recently.
    pub repeat_burden: u32,
}

/// Ranks every slot of `duration` starting on a `step` grid within `[from, to)`, best
/// first, and keeps the best `limit`.
pub fn suggest_slots(
    attendees: &[Attendee],
    duration: Duration,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
    hours: WorkingHours,
    limit: usize,
) -> Vec<SlotScore> {
    let mut slots = Vec::new();
    // Candidates start on the grid (whole half hours for a 30-minute step).
    let step_seconds = step.num_seconds().max(60);
    let first = from.timestamp().div_euclid(step_seconds) * step_seconds;
    let mut start = DateTime::from_timestamp(first, 0).unwrap_or(from);
    if start < from {
        start += step;
    }
    while start + duration <= to {
        let end = start + duration;
        let out_of_hours: Vec<&Attendee> = attendees
            .iter()
            .filter(|a| !a.own_hours.unwrap_or(hours).contains(start, end, a.zone))
            .collect();
        let conflicts = attendees
            .iter()
            .filter(|a| {
                a.busy
                    .iter()
                    .any(|(b_start, b_end)| *b_start < end && *b_end > start)
            })
            .map(|a| a.person)
            .collect();
        slots.push(SlotScore {
            starts_at: start,
            ends_at: end,
            repeat_burden: out_of_hours.iter().map(|a| a.recent_burden).sum(),
            out_of_hours: out_of_hours.iter().map(|a| a.person).collect(),
            conflicts,
        });
        start += step;
    }
    slots.sort_by(|a, b| {
        (
            a.out_of_hours.len(),
            a.conflicts.len(),
            a.repeat_burden,
            a.starts_at,
        )
            .cmp(&(
                b.out_of_hours.len(),
                b.conflicts.len(),
                b.repeat_burden,
                b.starts_at,
            ))
    });
    slots.truncate(limit);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn attendee(id: i32, zone: &str, burden: u32) -> Attendee {
        Attendee {
            person: PersonId(id),
            zone: TimeZone::parse(zone).unwrap(),
            busy: Vec::new(),
            recent_burden: burden,
            own_hours: None,
        }
    }

    /// A member's own working hours count for them instead of the request's.
    #[test]
    fn own_working_hours_replace_the_requested_ones() {
        let monday = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
        let mut early = attendee(1, "UTC", 0);
        early.own_hours = Some(WorkingHours::parse(6, 10).unwrap());
        let best = suggest_slots(
            &[early],
            Duration::hours(1),
            monday + Duration::hours(6),
            monday + Duration::hours(12),
            Duration::hours(1),
            WorkingHours::default(),
            10,
        );
        let fits: Vec<u32> = best
            .iter()
            .filter(|slot| slot.out_of_hours.is_empty())
            .map(|slot| slot.starts_at.hour())
            .collect();
        assert_eq!(fits.len(), 4, "{fits:?}");
        assert!(fits.iter().all(|hour| (6..10).contains(hour)), "{fits:?}");
        assert!(WorkingHours::parse(10, 10).is_err());
        assert!(WorkingHours::parse(-1, 10).is_err());
        assert!(WorkingHours::parse(8, 25).is_err());
    }

    #[test]
    fn working_hours_are_local_and_on_weekdays() {
        let hours = WorkingHours::default();
        let nairobi = TimeZone::parse("Africa/Nairobi").unwrap();
        let monday_9_local = Utc.with_ymd_and_hms(2027, 2, 1, 6, 0, 0).unwrap();
        assert!(hours.contains(monday_9_local, monday_9_local + Duration::hours(1), nairobi));
        assert!(
            !hours.contains(
                monday_9_local,
                monday_9_local + Duration::hours(10),
                nairobi
            ),
            "past 18:00"
        );
        let saturday = Utc.with_ymd_and_hms(2027, 2, 6, 8, 0, 0).unwrap();
        assert!(!hours.contains(saturday, saturday + Duration::hours(1), nairobi));
    }

    #[test]
    fn the_best_slot_suits_paris_nairobi_and_mexico_city() {
        let members = [
            attendee(1, "Europe/Paris", 0),
            attendee(2, "Africa/Nairobi", 0),
            attendee(3, "America/Mexico_City", 0),
        ];
        let monday = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
        let best = suggest_slots(
            &members,
            Duration::hours(1),
            monday,
            monday + Duration::days(1),
            Duration::minutes(30),
            WorkingHours::default(),
            3,
        );
        // Paris 07–17 UTC, Nairobi 05–15 UTC, Mexico City 14–24 UTC: only 14:00–15:00 suits all.
        assert_eq!(best[0].starts_at, monday + Duration::hours(14));
        assert!(best[0].out_of_hours.is_empty());
        assert_eq!(best[1].out_of_hours.len(), 1);
    }

    #[test]
    fn the_burden_rotates_and_conflicts_count() {
        // Honolulu (18–04 UTC) and Nairobi (05–15 UTC) never overlap: the slot that
        // inconveniences the one least burdened recently wins.
        let mut honolulu = attendee(1, "Pacific/Honolulu", 3);
        let nairobi = attendee(2, "Africa/Nairobi", 0);
        let monday = Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap();
        let best = suggest_slots(
            &[honolulu.clone(), nairobi.clone()],
            Duration::hours(1),
            monday,
            monday + Duration::days(1),
            Duration::hours(1),
            WorkingHours::default(),
            1,
        );
        assert_eq!(
            best[0].out_of_hours,
            [PersonId(2)],
            "Nairobi takes its turn"
        );
        assert_eq!(best[0].repeat_burden, 0);

        // A member already busy in Nairobi's hours: their slots rank after free ones.
        honolulu.recent_burden = 0;
        honolulu.busy = vec![(monday + Duration::hours(5), monday + Duration::hours(15))];
        let best = suggest_slots(
            &[honolulu, nairobi],
            Duration::hours(1),
            monday,
            monday + Duration::days(1),
            Duration::hours(1),
            WorkingHours::default(),
            1,
        );
        assert!(best[0].conflicts.is_empty(), "{best:?}");
    }
}
