//! The policy of 青人社〔2023〕17号 as types and rules.
//!
//! Everything here is pure: no I/O, no database, no HTTP. Values are parsed once at the
//! boundary (`Uscc::parse`, `Money::parse`, …) and travel inward already valid; rules are
//! functions of their inputs and of an explicit "now" taken from a [`clock::Clock`].

pub mod access;
pub mod anchor;
pub mod annual_review;
pub mod application;
pub mod attachment;
pub mod audit;
pub mod batch;
pub mod calendar;
pub mod certification;
pub mod clock;
pub mod dictionary;
pub mod dispute;
pub mod eligibility;
pub mod fields;
pub mod ids;
pub mod incentive;
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
pub mod training;
pub mod uscc;

pub use calendar::{CalendarError, HolidayYear, WorkingCalendar};
pub use clock::{Clock, FixedClock};
pub use money::{Money, MoneyError};
pub use occupation::{Occupation, OccupationCode, OccupationError};
pub use resident_id::{ResidentId, ResidentIdError, Sex};
pub use uscc::{Uscc, UsccError};

#[cfg(test)]
mod tests {
    /// This crate reads no clock and no random source of its own: "now" is a [`crate::Clock`],
    /// ids and keys are made from the parts and the RNG their caller gives.
    #[test]
    fn the_domain_reads_no_clock_or_random_source() {
        // Spelt in two halves, so this file does not find itself.
        let forbidden = [
            concat!("Utc", "::now"),
            concat!("Local", "::now"),
            concat!("System", "Time"),
            concat!("Instant", "::now"),
            concat!("now", "_v7"),
            concat!("new", "_v4"),
            concat!("new", "_v7"),
            concat!("Os", "Rng"),
            concat!("thread", "_rng"),
            concat!("rand::", "random"),
            concat!("get", "random"),
        ];
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("the sources") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file");
                    for word in forbidden {
                        assert!(!text.contains(word), "{} uses {word}", path.display());
                    }
                    files += 1;
                }
            }
        }
        assert!(files > 20, "the sources were found ({files} files)");
    }
}
