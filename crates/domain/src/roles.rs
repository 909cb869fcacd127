//! The nine kinds of user (PRODUCT.md §2) and the separation-of-duties rules that hold whatever
//! the screen or the API: the three administrator roles are distinct accounts that never touch
//! business data, and nobody approves what they proposed themselves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// An account's role. The public (anonymous) is not a role: it is the absence of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申报单位: bound to one organisation, sees only its data.
    Applicant,
    /// 经办人.
    Staff,
    /// 分管领导.
    Leader,
    /// 评审专家: sees only what is assigned to them.
    Expert,
    /// 协调小组.
    Funding,
    /// 系统管理员: users, roles, calendar, policy versions; no business data.
    Sysadmin,
    /// 安全管理员: security settings, unlocking accounts.
    Secadmin,
    /// 审计管理员: reads and verifies the audit trail, nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Applicant,
        Role::Staff,
        Role::Leader,
        Role::Expert,
        Role::Funding,
        Role::Sysadmin,
        Role::Secadmin,
        Role::Auditor,
    ];

    /// The stored and API form (`applicant`, `staff`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Staff => "staff",
            Role::Leader => "leader",
            Role::Expert => "expert",
            Role::Funding => "funding",
            Role::Sysadmin => "sysadmin",
            Role::Secadmin => "secadmin",
            Role::Auditor => "auditor",
        }
    }

    /// The name people see, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Role::Applicant => "申报单位",
            Role::Staff => "经办人",
            Role::Leader => "分管领导",
            Role::Expert => "评审专家",
            Role::Funding => "协调小组",
            Role::Sysadmin => "系统管理员",
            Role::Secadmin => "安全管理员",
            Role::Auditor => "审计管理员",
        }
    }

    /// The three administrator roles of 等保 level 3 (三员分立).
    pub fn is_administrator(self) -> bool {
        matches!(self, Role::Sysadmin | Role::Secadmin | Role::Auditor)
    }

    /// May this role create, change or decide business records (applications, scores, notices,
    /// money)? Never the administrators.
    pub fn may_touch_business_data(self) -> bool {
        !self.is_administrator()
    }

    /// Bureau-side accounts: a second factor by default and periodic password change.
    pub fn is_bureau_side(self) -> bool {
        matches!(self, Role::Staff | Role::Leader | Role::Funding) || self.is_administrator()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Not one of the nine roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知角色：{0}")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, UnknownRole> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// A separation-of-duties rule was about to be broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DutyConflict {
    #[error("提出人不得审批本人提出的事项")]
    OwnProposal,
    #[error("{0}不得办理业务数据")]
    AdministratorOnBusinessData(&'static str),
    #[error("系统管理员、安全管理员、审计管理员须由不同账号担任，不得由{from}改为{to}")]
    AdministratorRoleSwitch { from: &'static str, to: &'static str },
}

impl DutyConflict {
    pub fn code(&self) -> &'static str {
        match self {
            DutyConflict::OwnProposal => "sod_own_proposal",
            DutyConflict::AdministratorOnBusinessData(_) => "sod_administrator_business_data",
            DutyConflict::AdministratorRoleSwitch { .. } => "sod_administrator_role_switch",
        }
    }
}

/// A proposal (a recognition list, a revocation, a funding request) is approved by someone
/// other than the person who drafted it.
pub fn ensure_not_own_proposal(proposer: UserId, approver: UserId) -> Result<(), DutyConflict> {
    if proposer == approver { Err(DutyConflict::OwnProposal) } else { Ok(()) }
}

/// Business data is never changed by an administrator role.
pub fn ensure_may_touch_business_data(role: Role) -> Result<(), DutyConflict> {
    if role.may_touch_business_data() { Ok(()) } else { Err(DutyConflict::AdministratorOnBusinessData(role.label())) }
}

/// Changing an account's role: one administrator role is never turned into another, so the
/// three stay with three different accounts (and so, in practice, three different people).
pub fn ensure_role_change_allowed(from: Role, to: Role) -> Result<(), DutyConflict> {
    if from != to && from.is_administrator() && to.is_administrator() {
        return Err(DutyConflict::AdministratorRoleSwitch { from: from.label(), to: to.label() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_have_chinese_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert!(!role.label().is_ascii());
        }
        assert_eq!("root".parse::<Role>(), Err(UnknownRole("root".into())));
        assert_eq!(serde_json::to_string(&Role::Secadmin).expect("json"), "\"secadmin\"");
    }

    #[test]
    fn nobody_approves_their_own_proposal() {
        let drafter = UserId::from_parts(1, [1; 10]);
        assert_eq!(ensure_not_own_proposal(drafter, drafter), Err(DutyConflict::OwnProposal));
        assert_eq!(ensure_not_own_proposal(drafter, UserId::from_parts(2, [2; 10])), Ok(()));
    }

    #[test]
    fn administrators_stay_out_of_business_data_and_out_of_each_others_roles() {
        for role in Role::ALL {
            assert_eq!(ensure_may_touch_business_data(role).is_ok(), !role.is_administrator(), "{role}");
            for other in Role::ALL {
                let allowed = ensure_role_change_allowed(role, other).is_ok();
                let forbidden = role != other && role.is_administrator() && other.is_administrator();
                assert_eq!(allowed, !forbidden, "{role} → {other}");
            }
        }
        assert!(Role::Staff.is_bureau_side() && Role::Auditor.is_bureau_side());
        assert!(!Role::Applicant.is_bureau_side() && !Role::Expert.is_bureau_side());
    }
}
