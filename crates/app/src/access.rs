//! Authorisation, decided once. A use case does not check roles itself: it asks [`authorize`],
//! which is the policy table of `domain::access` — the one the route guard consults before the
//! handler runs — with the record in hand, so the data scope is judged against the record
//! itself (its organisation, its expert, its account).
//!
//! A refusal reads as it always has. What lies outside the reader's scope is "not found", like a
//! record that does not exist, so ids cannot be probed; so is a record of a kind the role never
//! reads. A role the table gives nothing for an action that changes something is told so: 403
//! with the action's stable code.
//!
//! Rules that are not "who may do this" — separation of duties, such as "not the drafter of
//! this proposal" — stay domain rules (`roles.rs`), asked from [`ensure_not_drafter`].

use skillbase_domain::access::{self, Action, Actor, Object, Refusal, Scope};
use skillbase_domain::ids::{OrganizationId, UserId};
use skillbase_domain::roles::{self, DutyConflict};

use crate::auth::Authenticated;
use crate::{AppError, Result};

/// `who` as the policy sees them.
pub fn actor(who: &Authenticated) -> Actor {
    Actor { role: who.role, user: who.user.id, organization: who.user.organization_id }
}

/// May `who` do `action` to `object`? The scope the table grants (a list is filtered by it),
/// or the refusal.
pub fn authorize(who: &Authenticated, action: Action, object: Object) -> Result<Scope> {
    access::authorize(&actor(who), action, object).map_err(|refusal| refused(action, refusal))
}

/// Does the table give `who` anything for `action` (what a list shows them)?
pub fn allows(who: &Authenticated, action: Action) -> bool {
    authorize(who, action, Object::Any).is_ok()
}

/// The organisation `who` acts for under `action`, an action the table grants applicants for
/// their own organisation; anyone else is refused as the action says.
pub fn own_organization(who: &Authenticated, action: Action) -> Result<OrganizationId> {
    match (authorize(who, action, Object::Any)?, who.user.organization_id) {
        (Scope::OwnOrganization, Some(organization)) => Ok(organization),
        _ => Err(refused(action, Refusal::Role)),
    }
}

/// Separation of duties: a proposal (a recognition list, a funding request) is decided by
/// someone other than its drafter.
pub fn ensure_not_drafter(drafter: UserId, who: &Authenticated) -> Result<(), DutyConflict> {
    roles::ensure_not_own_proposal(drafter, who.user.id)
}

/// The answer to a refused `action`.
fn refused(action: Action, refusal: Refusal) -> AppError {
    let (missing, forbidden) = refusals(action);
    match (refusal, forbidden) {
        (Refusal::Role, Some((code, message))) => AppError::Forbidden { code, message: message.to_owned() },
        _ => AppError::NotFound(missing),
    }
}

const APPLICANT_ONLY: Option<(&str, &str)> = Some(("applicant_only", "仅申报单位可以操作"));
const STAFF_ONLY: Option<(&str, &str)> = Some(("staff_only", "仅经办人可以操作"));

/// For each action: what a reader outside its scope does not find; and, for an action that
/// changes something, the code and message of its refusal to a role the table does not list
/// (`None`: that role finds nothing either).
fn refusals(action: Action) -> (&'static str, Option<(&'static str, &'static str)>) {
    use Action::*;
    match action {
        ReadApplication => ("申报不存在", None),
        DraftApplication => ("申报不存在", APPLICANT_ONLY),
        ReadNotifications => ("通知不存在", APPLICANT_ONLY),
        ReadOrganization | InviteColleague => ("单位不存在", None),
        ReadAssignments | ScoreAssignment => ("评审任务不存在", None),
        ReadReview => ("评审信息不存在", None),
        ManageExperts => ("评审专家不存在", STAFF_ONLY),
        OrganizeReview => ("评审信息不存在", STAFF_ONLY),
        ApproveProposal => ("拟认定名单不存在", Some(("leader_only", "仅分管领导可以审批"))),
        ReadNotices => ("公示不存在", None),
        PublishNotice | HandleObjections => ("公示不存在", STAFF_ONLY),
        ConcludeNotice => ("公示不存在", Some(("leader_only", "认定须经分管领导审批"))),
        ReadBase => ("基地不存在", None),
        ReadFunds => ("资金申请不存在", None),
        ManageFunding => ("基地不存在", Some(("role_required", "仅经办人可以办理资金申请、拨付和支出审核"))),
        RecordExpense => ("基地不存在", Some(("role_required", "支出由基地登记和说明"))),
        RecordTraining => ("基地不存在", Some(("role_required", "培训记录由基地登记"))),
        ReadTraining => ("基地不存在", None),
        DecideCertification => {
            ("认定记录不存在", Some(("role_required", "职业技能等级认定由经办人审核、分管领导审批")))
        }
        ReadAnnualReview => ("年度报告不存在", None),
        ReadProgram => ("统计不存在", None),
        FileAnnualReport => ("年度报告不存在", Some(("role_required", "年度报告由基地填报"))),
        RunAnnualReview => ("年度报告不存在", Some(("role_required", "年度复核由经办人办理、核销由分管领导审批"))),
        ResolveDisputes => ("归属争议不存在", STAFF_ONLY),
        ReadPublic
        | RegisterOrganization
        | FileDispute
        | SignIn
        | ManageOwnAccount
        | ReadWorkbench
        | ReadAudit
        | VerifyAudit
        | ManageAccounts
        | UnlockAccounts
        | AcceptInvitation
        | ManageSecuritySettings
        | ListOrganizations
        | ManagePolicies
        | ManageBatches
        | DecideAcceptance
        | DecideFunding
        | FileObjection
        | ReadDraftBatches => ("记录不存在", Some(("forbidden", "您的角色无权进行此操作"))),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use skillbase_domain::roles::Role;
    use skillbase_store::identity::Session;
    use skillbase_store::users::User;

    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-09-27T10:00:00+08:00").expect("valid").to_utc()
    }

    fn who(role: Role, user: u64, organization: Option<OrganizationId>) -> Authenticated {
        let id = UserId::from_parts(user, [0; 10]);
        Authenticated {
            user: User {
                id,
                username: format!("u{user}"),
                display_name: String::new(),
                role,
                password_hash: String::new(),
                must_change_password: false,
                disabled: false,
                organization_id: organization,
                password_changed_at: at(),
                totp_secret: None,
                totp_enabled: false,
                totp_last_step: None,
                created_at: at(),
            },
            role,
            session: Session {
                user_id: id,
                pending_second_factor: false,
                csrf_token: String::new(),
                created_at: at(),
                last_seen_at: at(),
                expires_at: at(),
                reauthenticated_at: None,
            },
            session_hash: String::new(),
            via_token: None,
        }
    }

    fn code(result: Result<Scope>) -> Option<&'static str> {
        match result {
            Err(AppError::Forbidden { code, .. }) => Some(code),
            Err(AppError::NotFound(_)) => Some("not_found"),
            _ => None,
        }
    }

    #[test]
    fn another_organisations_record_is_not_found_and_ones_own_is_reached() {
        let ours = OrganizationId::from_parts(1, [1; 10]);
        let theirs = OrganizationId::from_parts(2, [2; 10]);
        let applicant = who(Role::Applicant, 1, Some(ours));
        for action in [Action::ReadApplication, Action::DraftApplication, Action::ReadBase, Action::RecordExpense] {
            assert_eq!(authorize(&applicant, action, Object::OfOrganization(ours)).ok(), Some(Scope::OwnOrganization));
            assert_eq!(code(authorize(&applicant, action, Object::OfOrganization(theirs))), Some("not_found"));
        }
        assert_eq!(own_organization(&applicant, Action::DraftApplication).ok(), Some(ours));
        let staff = who(Role::Staff, 2, None);
        assert_eq!(authorize(&staff, Action::ReadApplication, Object::OfOrganization(theirs)).ok(), Some(Scope::All));
    }

    #[test]
    fn another_experts_assignment_is_not_found() {
        let expert = who(Role::Expert, 3, None);
        let other = UserId::from_parts(4, [0; 10]);
        for action in [Action::ReadAssignments, Action::ScoreAssignment] {
            let own = authorize(&expert, action, Object::AssignedTo(expert.user.id));
            assert_eq!(own.ok(), Some(Scope::Assigned));
            assert_eq!(code(authorize(&expert, action, Object::AssignedTo(other))), Some("not_found"));
        }
        // Staff read every assignment but score none: that is not found either (no probing).
        let staff = who(Role::Staff, 5, None);
        assert_eq!(authorize(&staff, Action::ReadAssignments, Object::AssignedTo(other)).ok(), Some(Scope::All));
        assert_eq!(code(authorize(&staff, Action::ScoreAssignment, Object::AssignedTo(other))), Some("not_found"));
    }

    #[test]
    fn ones_own_account_only() {
        let expert = who(Role::Expert, 3, None);
        let own = authorize(&expert, Action::ManageOwnAccount, Object::Account(expert.user.id));
        assert_eq!(own.ok(), Some(Scope::OwnAccount));
        let other = UserId::from_parts(9, [0; 10]);
        assert_eq!(code(authorize(&expert, Action::ManageOwnAccount, Object::Account(other))), Some("not_found"));
    }

    #[test]
    fn a_role_the_table_does_not_list_gets_the_actions_code_or_finds_nothing() {
        let expert = who(Role::Expert, 3, None);
        let applicant = who(Role::Applicant, 1, Some(OrganizationId::from_parts(1, [1; 10])));
        let leader = who(Role::Leader, 6, None);
        let staff = who(Role::Staff, 5, None);
        let cases = [
            (&expert, Action::DraftApplication, Some("applicant_only")),
            (&staff, Action::ReadNotifications, Some("applicant_only")),
            (&leader, Action::OrganizeReview, Some("staff_only")),
            (&leader, Action::ManageExperts, Some("staff_only")),
            (&leader, Action::PublishNotice, Some("staff_only")),
            (&leader, Action::HandleObjections, Some("staff_only")),
            (&staff, Action::ApproveProposal, Some("leader_only")),
            (&staff, Action::ConcludeNotice, Some("leader_only")),
            (&leader, Action::ManageFunding, Some("role_required")),
            (&staff, Action::RecordExpense, Some("role_required")),
            // Reading: the record is simply not there for this reader.
            (&expert, Action::ReadApplication, Some("not_found")),
            (&applicant, Action::ReadReview, Some("not_found")),
            (&applicant, Action::ReadNotices, Some("not_found")),
            (&applicant, Action::ReadFunds, Some("not_found")),
            (&expert, Action::ReadBase, Some("not_found")),
            (&applicant, Action::ScoreAssignment, Some("not_found")),
            (&expert, Action::InviteColleague, Some("not_found")),
        ];
        for (who, action, expected) in cases {
            assert_eq!(code(authorize(who, action, Object::Any)), expected, "{} {action:?}", who.role);
            assert!(!allows(who, action));
        }
        assert!(code(own_organization(&staff, Action::DraftApplication).map(|_| Scope::All)) == Some("applicant_only"));
    }

    #[test]
    fn the_drafter_never_decides() {
        let leader = who(Role::Leader, 6, None);
        assert_eq!(ensure_not_drafter(leader.user.id, &leader), Err(DutyConflict::OwnProposal));
        assert_eq!(ensure_not_drafter(UserId::from_parts(7, [0; 10]), &leader), Ok(()));
    }
}
