//! The security settings the security administrator (安全管理员) may change: password policy,
//! lockout, session lifetimes, the second factor. Each within bounds a 等保 level-3 system may
//! not go beyond.

use serde::{Deserialize, Serialize};

/// The settings, as stored and as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySettings {
    pub password_min_length: usize,
    pub password_min_classes: usize,
    /// Bureau-side passwords expire after this many days (0: never).
    pub password_max_age_days: u32,
    pub max_failed_logins: i64,
    pub lockout_minutes: i64,
    pub idle_timeout_minutes: i64,
    pub session_lifetime_hours: i64,
    pub require_second_factor: bool,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            password_min_length: 12,
            password_min_classes: 3,
            password_max_age_days: 90,
            max_failed_logins: 5,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            session_lifetime_hours: 12,
            require_second_factor: true,
        }
    }
}

/// The lifetimes a personal API token may be given, in days.
pub const TOKEN_DAYS: std::ops::RangeInclusive<i64> = 1..=365;

/// One setting out of its bounds: `(field, code, message)`.
pub type SettingError = (&'static str, &'static str, String);

/// Each numeric setting with its lowest and highest allowed value (forms show them too).
pub const BOUNDS: [(&str, i64, i64); 7] = [
    ("password_min_length", 8, 64),
    ("password_min_classes", 2, 4),
    ("password_max_age_days", 0, 365),
    ("max_failed_logins", 3, 10),
    ("lockout_minutes", 5, 1440),
    ("idle_timeout_minutes", 5, 240),
    ("session_lifetime_hours", 1, 24),
];

impl SecuritySettings {
    /// A numeric setting by its name in [`BOUNDS`].
    pub fn number(&self, name: &str) -> Option<i64> {
        Some(match name {
            "password_min_length" => i64::try_from(self.password_min_length).unwrap_or(i64::MAX),
            "password_min_classes" => i64::try_from(self.password_min_classes).unwrap_or(i64::MAX),
            "password_max_age_days" => i64::from(self.password_max_age_days),
            "max_failed_logins" => self.max_failed_logins,
            "lockout_minutes" => self.lockout_minutes,
            "idle_timeout_minutes" => self.idle_timeout_minutes,
            "session_lifetime_hours" => self.session_lifetime_hours,
            _ => return None,
        })
    }

    /// Every setting outside its bounds.
    pub fn check(&self) -> Vec<SettingError> {
        BOUNDS
            .iter()
            .filter(|(field, low, high)| !self.number(field).is_some_and(|v| (*low..=*high).contains(&v)))
            .map(|&(field, low, high)| (field, "setting_out_of_range", format!("{field} 应在 {low} 至 {high} 之间")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_within_bounds_and_bounds_hold() {
        assert!(SecuritySettings::default().check().is_empty());
        let weak = SecuritySettings {
            password_min_length: 6,
            max_failed_logins: 100,
            idle_timeout_minutes: 0,
            ..Default::default()
        };
        let fields: Vec<_> = weak.check().into_iter().map(|(field, _, _)| field).collect();
        assert_eq!(fields, ["password_min_length", "max_failed_logins", "idle_timeout_minutes"]);
    }
}
