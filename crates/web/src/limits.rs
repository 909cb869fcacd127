//! Rate limits per client address and route class (QUALITY.md REL-16): signing in, the public
//! forms, and uploads. Over the limit, the answer is 429 with `Retry-After`.
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
    pub uploads_per_minute: u32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        // Generous: a bureau's staff often share one address behind NAT.
        LimitConfig { sign_in_per_minute: 60, public_writes_per_minute: 20, uploads_per_minute: 60 }
    }
}

#[derive(Debug)]
pub struct RateLimits {
    sign_in: DefaultKeyedRateLimiter<IpAddr>,
    public_writes: DefaultKeyedRateLimiter<IpAddr>,
    uploads: DefaultKeyedRateLimiter<IpAddr>,
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
            uploads: limiter(config.uploads_per_minute),
        }
    }

    /// `Err(seconds to wait)` when `ip` is over the limit of the request's class. Only attempts
    /// count (`Request::Write`): showing the login or registration form does not.
    pub fn check(&self, action: Action, request: Request, ip: IpAddr) -> Result<(), u32> {
        let limiter = match (request, action) {
            (Request::Read, _) => return Ok(()),
            (Request::Upload, _) => &self.uploads,
            (Request::Write, Action::SignIn) => &self.sign_in,
            (
                Request::Write,
                Action::RegisterOrganization | Action::AcceptInvitation | Action::FileObjection | Action::FileDispute,
            ) => &self.public_writes,
            (Request::Write, _) => return Ok(()),
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
        self.uploads.retain_recent();
    }
}

/// What kind of request is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// GET and HEAD: never limited here.
    Read,
    /// Any other method.
    Write,
    /// A file upload (`POST …/attachments`).
    Upload,
}

impl Request {
    pub fn of(method: &axum::http::Method, path: &str) -> Request {
        match *method {
            axum::http::Method::GET | axum::http::Method::HEAD => Request::Read,
            axum::http::Method::POST if path.ends_with("/attachments") => Request::Upload,
            _ => Request::Write,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_and_class_has_its_own_budget() {
        let limits =
            RateLimits::new(LimitConfig { sign_in_per_minute: 3, public_writes_per_minute: 1, uploads_per_minute: 1 });
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert_eq!(limits.check(Action::SignIn, Request::Write, a), Ok(()));
        }
        assert!(limits.check(Action::SignIn, Request::Write, a).is_err_and(|wait| wait >= 1));
        assert_eq!(limits.check(Action::SignIn, Request::Write, b), Ok(()), "another address");
        assert_eq!(limits.check(Action::RegisterOrganization, Request::Write, a), Ok(()), "another class");
        assert!(limits.check(Action::RegisterOrganization, Request::Write, a).is_err());
        // Uploads have their own budget, whoever may upload; reads are never counted.
        assert_eq!(limits.check(Action::DraftApplication, Request::Upload, a), Ok(()));
        assert!(limits.check(Action::DraftApplication, Request::Upload, a).is_err());
        assert_eq!(limits.check(Action::DraftApplication, Request::Write, a), Ok(()), "saving a form is not an upload");
        assert_eq!(limits.check(Action::SignIn, Request::Read, a), Ok(()));
        assert_eq!(Request::of(&axum::http::Method::POST, "/api/v1/applications/x/attachments"), Request::Upload);
        assert_eq!(Request::of(&axum::http::Method::GET, "/api/v1/applications/x/attachments"), Request::Read);
        assert_eq!(limits.check(Action::ReadPublic, Request::Write, a), Ok(()), "reads are not limited here");
        assert_eq!(limits.check(Action::SignIn, Request::Read, a), Ok(()), "showing the form is not an attempt");
    }
}
