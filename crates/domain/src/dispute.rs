//! Disputes over who holds a 统一社会信用代码 (归属争议, issue #17 item 13).
//!
//! An organisation is registered by whoever types its USCC first. When the rightful holder comes
//! second, it files a dispute with its business licence (营业执照) and the registration it would
//! have made; staff compare the licence with both parties and either transfer the organisation
//! to the claimant or refuse the claim, always with a reason. The life cycle is one table,
//! [`dispute_transition`]: filed → transferred | refused, both final.

use crate::dictionary::Dictionary;
use crate::fields::FieldError;
use crate::roles::Role;

crate::dictionary! {
    /// Where a dispute over a USCC stands.
    DisputeStatus {
        Filed = ("filed", "待处理"),
        Transferred = ("transferred", "已转归申请方"),
        Refused = ("refused", "已驳回"),
    }

    /// What staff decide on a dispute.
    DisputeDecision {
        Transfer = ("transfer", "转归申请方"),
        Refuse = ("refuse", "驳回"),
    }
}

/// A step the dispute's life cycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisputeStepError {
    /// Only staff resolve disputes (403).
    #[error("归属争议由经办人处理")]
    NotYourRole,
    /// The dispute was already resolved (409).
    #[error("该归属争议已处理（{0}），不能再次处理")]
    Resolved(&'static str),
}

/// The dispute's life cycle: staff resolve a filed dispute once, either way.
///
/// # Errors
///
/// [`DisputeStepError::NotYourRole`] for anyone but staff; [`DisputeStepError::Resolved`] for a
/// dispute no longer filed.
pub fn dispute_transition(
    from: DisputeStatus,
    decision: DisputeDecision,
    role: Role,
) -> Result<DisputeStatus, DisputeStepError> {
    if role != Role::Staff {
        return Err(DisputeStepError::NotYourRole);
    }
    match (from, decision) {
        (DisputeStatus::Filed, DisputeDecision::Transfer) => Ok(DisputeStatus::Transferred),
        (DisputeStatus::Filed, DisputeDecision::Refuse) => Ok(DisputeStatus::Refused),
        (resolved, _) => Err(DisputeStepError::Resolved(resolved.label())),
    }
}

/// The reason staff give for a decision: required, at most 500 characters.
///
/// # Errors
///
/// A field error on `reason` when it is empty or too long.
pub fn check_reason(reason: &str) -> Result<String, FieldError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FieldError::new("reason", "reason_required", "请填写处理理由"));
    }
    if reason.chars().count() > 500 {
        return Err(FieldError::new("reason", "reason_too_long", "处理理由不超过 500 字"));
    }
    Ok(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_resolve_a_filed_dispute_once() {
        use DisputeDecision as D;
        use DisputeStatus as S;
        assert_eq!(dispute_transition(S::Filed, D::Transfer, Role::Staff), Ok(S::Transferred));
        assert_eq!(dispute_transition(S::Filed, D::Refuse, Role::Staff), Ok(S::Refused));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Staff) {
            for &decision in D::ALL {
                assert_eq!(dispute_transition(S::Filed, decision, role), Err(DisputeStepError::NotYourRole), "{role}");
            }
        }
        for from in [S::Transferred, S::Refused] {
            for &decision in D::ALL {
                assert_eq!(
                    dispute_transition(from, decision, Role::Staff),
                    Err(DisputeStepError::Resolved(from.label()))
                );
            }
        }
    }

    #[test]
    fn a_decision_needs_a_reason() {
        assert_eq!(check_reason("  营业执照与登记信息一致 "), Ok("营业执照与登记信息一致".to_owned()));
        assert_eq!(check_reason("   ").expect_err("empty").code, "reason_required");
        assert_eq!(check_reason(&"字".repeat(501)).expect_err("too long").code, "reason_too_long");
    }
}
