//! Usernames and people's names, checked the same way wherever an account is created.

/// A username or a name that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("用户名为 3–32 位小写字母、数字或 . _ -")]
    Username,
    #[error("请填写姓名（不超过 50 字）")]
    DisplayName,
}

impl NameError {
    pub fn code(self) -> &'static str {
        match self {
            NameError::Username => "username_invalid",
            NameError::DisplayName => "display_name_invalid",
        }
    }
}

/// 3–32 of `a–z 0–9 . _ -` (after trimming).
pub fn check_username(username: &str) -> Result<&str, NameError> {
    let username = username.trim();
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
    if (3..=32).contains(&username.len()) && username.bytes().all(allowed) {
        Ok(username)
    } else {
        Err(NameError::Username)
    }
}

/// A person's name: not empty, at most 50 characters (after trimming).
pub fn check_display_name(name: &str) -> Result<&str, NameError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 { Err(NameError::DisplayName) } else { Ok(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_names() {
        assert_eq!(check_username(" li.staff "), Ok("li.staff"));
        for bad in ["ab", "Li", "张三", "a b c", &"x".repeat(33)] {
            assert_eq!(check_username(bad), Err(NameError::Username), "{bad}");
        }
        assert_eq!(check_display_name(" 王经理 "), Ok("王经理"));
        assert_eq!(check_display_name("  "), Err(NameError::DisplayName));
        assert_eq!(check_display_name(&"名".repeat(51)), Err(NameError::DisplayName));
    }
}
