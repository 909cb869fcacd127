//! The password policy (QUALITY.md §0 decision 1): by default at least 12 characters with three
//! of the four character classes, not the username, not a well-known password, and — for
//! bureau-side accounts — changed every 90 days. The numbers are configurable; the defaults
//! follow 等保2.0 (this deviates from OWASP ASVS, which advises against composition rules and
//! periodic change; the security documentation records why).

use std::sync::LazyLock;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::roles::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// Of: upper-case letters, lower-case letters, digits, other characters.
    pub min_classes: usize,
    /// Bureau-side accounts must change their password after this many days (0 = never).
    pub max_age_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 12, min_classes: 3, max_age_days: 90 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少需要 {min} 个字符")]
    TooShort { min: usize },
    #[error("密码过长（最多 {max} 个字符）")]
    TooLong { max: usize },
    #[error("密码需包含大写字母、小写字母、数字、其他符号中的至少 {min} 类")]
    TooSimple { min: usize },
    #[error("密码不得包含用户名")]
    ContainsUsername,
    #[error("该密码过于常见，容易被猜中，请换一个")]
    Common,
}

impl PasswordError {
    pub fn code(&self) -> &'static str {
        match self {
            PasswordError::TooShort { .. } => "password_too_short",
            PasswordError::TooLong { .. } => "password_too_long",
            PasswordError::TooSimple { .. } => "password_too_simple",
            PasswordError::ContainsUsername => "password_contains_username",
            PasswordError::Common => "password_common",
        }
    }
}

/// Longer inputs are refused before hashing (Argon2 cost grows with input).
const MAX_LENGTH: usize = 128;

static COMMON: LazyLock<Vec<String>> = LazyLock::new(|| {
    include_str!("../data/passwords/common.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

impl PasswordPolicy {
    /// Checks a new password for the account `username`.
    pub fn check(&self, password: &str, username: &str) -> Result<(), PasswordError> {
        let length = password.chars().count();
        if length < self.min_length {
            return Err(PasswordError::TooShort { min: self.min_length });
        }
        if length > MAX_LENGTH {
            return Err(PasswordError::TooLong { max: MAX_LENGTH });
        }
        let classes = [
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            // Symbols, and letters outside ASCII such as Chinese characters.
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .into_iter()
        .filter(|&present| present)
        .count();
        if classes < self.min_classes {
            return Err(PasswordError::TooSimple { min: self.min_classes });
        }
        let lower = password.to_lowercase();
        let username = username.trim().to_lowercase();
        if username.chars().count() >= 3 && lower.contains(&username) {
            return Err(PasswordError::ContainsUsername);
        }
        if COMMON.contains(&lower) {
            return Err(PasswordError::Common);
        }
        Ok(())
    }

    /// Must an account of `role` whose password was set at `changed_at` change it now?
    pub fn expired(&self, role: Role, changed_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.max_age_days > 0
            && role.is_bureau_side()
            && now - changed_at >= TimeDelta::days(i64::from(self.max_age_days))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(password: &str) -> Result<(), PasswordError> {
        PasswordPolicy::default().check(password, "zhangsan")
    }

    #[test]
    fn the_default_policy() {
        assert_eq!(check("Tr4ining-base"), Ok(()));
        assert_eq!(check("青浦区实训基地2024abc"), Ok(()), "Chinese characters count, as the fourth class");
        assert_eq!(check("Short1!"), Err(PasswordError::TooShort { min: 12 }));
        assert_eq!(check("alllowercaseletters"), Err(PasswordError::TooSimple { min: 3 }));
        assert_eq!(check("lowercase1234"), Err(PasswordError::TooSimple { min: 3 }));
        assert_eq!(check("Zhangsan-2024!"), Err(PasswordError::ContainsUsername));
        assert_eq!(check("P@ssw0rd1234"), Err(PasswordError::Common));
        assert_eq!(check("WELCOME@2024"), Err(PasswordError::Common));
        assert_eq!(check("Welcome@2024"), Err(PasswordError::Common), "compared ignoring case");
        assert_eq!(check(&"Aa1!".repeat(40)), Err(PasswordError::TooLong { max: 128 }));
        assert_eq!(PasswordError::Common.code(), "password_common");
    }

    #[test]
    fn every_listed_password_is_refused() {
        for common in COMMON.iter() {
            assert!(check(common).is_err(), "{common}");
            let capitalised: String =
                common.chars().enumerate().map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c }).collect();
            assert!(check(&capitalised).is_err(), "{capitalised}");
        }
    }

    #[test]
    fn bureau_passwords_expire_after_90_days() {
        let policy = PasswordPolicy::default();
        let set = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").expect("instant").to_utc();
        assert!(!policy.expired(Role::Staff, set, set + TimeDelta::days(89)));
        assert!(policy.expired(Role::Staff, set, set + TimeDelta::days(90)));
        assert!(!policy.expired(Role::Applicant, set, set + TimeDelta::days(900)));
        let never = PasswordPolicy { max_age_days: 0, ..policy };
        assert!(!never.expired(Role::Auditor, set, set + TimeDelta::days(900)));
    }

    proptest! {
        #[test]
        fn never_panics(password in ".{0,200}", username in ".{0,20}") {
            let _ = PasswordPolicy::default().check(&password, &username);
        }
    }
}
