//! Rate limits per client address and route class (QUALITY.md REL-16): signing in and the
//! public forms. Over the limit, the answer is 429 with `Retry-After`.
//!
//! The counters live in each instance's memory: with several instances behind a load balancer
//! the effective limit is that many times higher, which is acceptable for throttling brute force
//! (the per-username lockout, kept in the database, is the real guard).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use skillbase_domain::access::Action;

/// Requests per minute and client address.
#[derive(Debug, Clone, Copy)]
pub struct LimitConfig {
    pub sign_in_per_minute: u32,
    pub public_writes_per_minute: u32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        // Generous: a bureau's staff often share one address behind NAT.
        LimitConfig { sign_in_per_minute: 60, public_writes_per_minute: 20 }
    }
}

#[derive(Debug)]
pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    public_writes: DefaultKeyedRateLimiter<IpAddr>,
}

fn limiter(per_minute: u32) -> DefaultKeyedRateLimiter<IpAddr> {
    let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::keyed(Quota::per_minute(per_minute))
}

impl RateLimits {
    pub fn new(config: LimitConfig) -> Self {
        RateLimits {
            sign_in: limiter(config.sign_in_per_minute),
            public_writes: limiter(config.public_writes_per_minute),
        }
    }

    /// `Err(seconds to wait)` when `ip` is over the limit of the action's class. Only attempts
    /// count (`is_write`): showing the login or registration form does not.
    pub fn check(&self, action: Action, is_write: bool, ip: IpAddr) -> Result<(), u32> {
        if !is_write {
            return Ok(());
        }
        let limiter = match action {
            Action::SignIn => &self.sign_in,
            Action::RegisterOrganization | Action::AcceptInvitation => &self.public_writes,
            _ => return Ok(()),
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX)
        })
    }

    /// Forgets addresses that are back under their limits (called now and then).
    pub fn shrink(&self) {
        self.sign_in.retain_recent();
        self.public_writes.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_and_class_has_its_own_budget() {
        let limits = RateLimits::new(LimitConfig { sign_in_per_minute: 3, public_writes_per_minute: 1 });
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert_eq!(limits.check(Action::SignIn, true, a), Ok(()));
        }
        assert!(limits.check(Action::SignIn, true, a).is_err_and(|wait| wait >= 1));
        assert_eq!(limits.check(Action::SignIn, true, b), Ok(()), "another address");
        assert_eq!(limits.check(Action::RegisterOrganization, true, a), Ok(()), "another class");
        assert!(limits.check(Action::RegisterOrganization, true, a).is_err());
        assert_eq!(limits.check(Action::ReadPublic, true, a), Ok(()), "reads are not limited here");
        assert_eq!(limits.check(Action::SignIn, false, a), Ok(()), "showing the form is not an attempt");
    }
}
