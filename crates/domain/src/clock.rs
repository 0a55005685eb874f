//! "Now", as an input. Every layer that needs the current time asks a [`Clock`] handed to it
//! at start-up instead of reading the system clock itself, so tests can pin time (and move
//! it) and stay valid whatever the date of the machine that runs them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

/// The current time: the system clock, shifted by an offset that is zero in production.
///
/// Cloning shares the offset, so a test that moves its clock moves it for the server, the
/// store and the mail worker at once.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Microseconds added to the system time.
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock, unshifted.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and then runs at the system clock's pace: tests keep
    /// their calendar (meetings on fixed future dates) whatever day they run on.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set(start);
        clock
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::microseconds(self.offset_micros.load(Ordering::Relaxed));
        Utc::now()
            .checked_add_signed(offset)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moves the clock forward (or back, for a negative step).
    pub fn advance(&self, step: TimeDelta) {
        let micros = step.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Makes the clock read `instant` now.
    pub fn set(&self, instant: DateTime<Utc>) {
        let offset = instant.signed_duration_since(Utc::now());
        self.offset_micros.store(
            offset.num_microseconds().unwrap_or(i64::MAX),
            Ordering::Relaxed,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_reads_its_start_and_moves_on() {
        let start = DateTime::parse_from_rfc3339("2031-06-01T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let clock = Clock::starting_at(start);
        let read = clock.now();
        assert!(read >= start && read - start < TimeDelta::seconds(5));

        let shared = clock.clone();
        clock.advance(TimeDelta::days(2));
        assert!(shared.now() - start >= TimeDelta::days(2));
    }

    #[test]
    fn the_system_clock_is_unshifted() {
        let before = Utc::now();
        let read = Clock::system().now();
        assert!(read >= before && read - before < TimeDelta::seconds(5));
    }
}
