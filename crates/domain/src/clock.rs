//! "Now", injected. Business code never reads the system clock itself: it asks a [`Clock`], so
//! tests and demos can travel in time (QUALITY.md REL-10) and every deadline is reproducible.
//! The real clock is `app`'s (`SystemClock`): this crate reads none.
//!
//! Instants are UTC; business dates are dates in Asia/Shanghai. China has kept UTC+8 all year
//! since 1991, so the zone is the fixed offset [`shanghai()`] for every date the platform reasons
//! about (applications start in 2023).

use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};

/// Asia/Shanghai (UTC+08:00, no daylight saving since 1991).
pub fn shanghai() -> FixedOffset {
    const EIGHT_HOURS: i32 = 8 * 3600;
    FixedOffset::east_opt(EIGHT_HOURS).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// The calendar date in Shanghai at instant `at`.
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Asia/Shanghai.
    fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }
}

/// A clock that stands still at a chosen instant until moved (`serve --clock`, tests).
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self { at: Mutex::new(at) }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.lock() = at;
    }

    pub fn advance(&self, by: TimeDelta) {
        let mut at = self.lock();
        *at += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A poisoned lock only means another thread panicked while holding it; the instant
        // inside is still a valid value.
        self.at.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_date_rolls_over_at_midnight_local_time() {
        let just_before = DateTime::parse_from_rfc3339("2024-10-11T23:59:59+08:00").expect("valid");
        let midnight = DateTime::parse_from_rfc3339("2024-10-11T16:00:00Z").expect("valid");
        assert_eq!(shanghai_date(just_before.to_utc()), NaiveDate::from_ymd_opt(2024, 10, 11).expect("valid"));
        assert_eq!(shanghai_date(midnight.to_utc()), NaiveDate::from_ymd_opt(2024, 10, 12).expect("valid"));
    }

    #[test]
    fn fixed_clock_stands_still_until_moved() {
        let start = DateTime::parse_from_rfc3339("2024-10-11T23:59:00+08:00").expect("valid").to_utc();
        let clock = FixedClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start);
        clock.advance(TimeDelta::seconds(60));
        assert_eq!(clock.now(), start + TimeDelta::seconds(60));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2024, 10, 12).expect("valid"));
    }
}
