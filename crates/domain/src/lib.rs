//! The policy of 青人社〔2023〕17号 as types and rules.
//!
//! Everything here is pure: no I/O, no database, no HTTP. Values are parsed once at the
//! boundary (`Uscc::parse`, `Money::parse`, …) and travel inward already valid; rules are
//! functions of their inputs and of an explicit "now" taken from a [`clock::Clock`].

pub mod access;
pub mod anchor;
pub mod application;
pub mod attachment;
pub mod audit;
pub mod batch;
pub mod calendar;
pub mod clock;
pub mod eligibility;
pub mod fields;
pub mod ids;
pub mod money;
pub mod names;
pub mod notice;
pub mod occupation;
pub mod password;
pub mod policy;
pub mod resident_id;
pub mod review;
pub mod roles;
pub mod seal;
pub mod security;
pub mod subsidy;
pub mod totp;
pub mod uscc;

pub use calendar::{CalendarError, HolidayYear, WorkingCalendar};
pub use clock::{Clock, FixedClock, SystemClock};
pub use money::{Money, MoneyError};
pub use occupation::{Occupation, OccupationCode, OccupationError};
pub use resident_id::{ResidentId, ResidentIdError, Sex};
pub use uscc::{Uscc, UsccError};
