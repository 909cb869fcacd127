//! Where ids and the real clock come from. The domain builds an id from the parts it is given
//! and reads no clock or random source itself; here the parts are taken: the instant from the
//! injected [`Clock`](skillbase_domain::Clock), a counter that keeps the ids of one process in
//! the order they were made (RFC 9562 §6.2, method 1: a 12-bit counter; should it run out
//! within one millisecond, the next millisecond is borrowed), and the rest from the operating
//! system's random source.
//!
//! The counter is the process's, like the one `Uuid::now_v7` keeps: two ids made one after the
//! other sort in that order even when the clock stands still (a fixed clock in tests and demos),
//! whichever `App` made them. Lists ordered by (instant, id) keep their order by it.

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rand::RngCore;
use skillbase_domain::Clock;
use skillbase_domain::ids::TypedId;

/// The largest value of the counter (12 bits, UUIDv7's `rand_a`).
const COUNTER_MAX: u16 = 0x0FFF;

/// The last (millisecond, counter) handed out in this process.
static LAST: Mutex<(u64, u16)> = Mutex::new((0, 0));

/// The real clock (`serve` without `--clock`).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The (millisecond, counter) of the next id at `now_ms`: later than every earlier one.
fn next_instant(now_ms: u64) -> (u64, u16) {
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    let (ms, counter) = *last;
    *last = if now_ms > ms {
        (now_ms, 0)
    } else if counter < COUNTER_MAX {
        (ms, counter + 1)
    } else {
        (ms + 1, 0)
    };
    *last
}

/// A fresh id at instant `at`.
pub fn id_at<T: TypedId>(at: DateTime<Utc>) -> T {
    let now_ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    let (ms, counter) = next_instant(now_ms);
    let mut parts = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut parts);
    let [high, low] = counter.to_be_bytes();
    parts[0] = high;
    parts[1] = low;
    T::from_parts(ms, parts)
}

impl crate::App {
    /// A fresh id, at the injected clock's instant.
    pub fn new_id<T: TypedId>(&self) -> T {
        id_at(self.now())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use skillbase_domain::ids::JobId;

    use super::*;

    fn instant() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-09-27T10:00:00+08:00").expect("valid").to_utc()
    }

    #[test]
    fn ids_keep_the_order_they_were_made_in_even_when_the_clock_stands_still() {
        let at = instant();
        let ids: Vec<JobId> = (0..5000).map(|_| id_at(at)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "each id sorts after the one before");
        let later: JobId = id_at(at + TimeDelta::seconds(1));
        assert!(ids.iter().all(|id| *id < later));
        // The instant is the clock's (to the millisecond, give or take what a full counter
        // borrowed, and what other tests of this process made meanwhile).
        let second = u64::try_from(at.timestamp()).expect("after 1970") + 1;
        let seconds = later.as_uuid().get_timestamp().map(|t| t.to_unix().0);
        assert!(seconds.is_some_and(|s| (second..second + 2).contains(&s)), "{seconds:?}");
        // A clock set back never makes an id that sorts before an earlier one.
        let earlier: JobId = id_at(at - TimeDelta::days(1));
        assert!(later < earlier);
    }
}
