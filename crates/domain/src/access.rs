//! Who may do what: one table, consulted for every request; whatever it does not allow is
//! denied. Each action names the roles that may perform it and the *data scope* they get
//! (all records, their own organisation's, only what is assigned to them, their own account).
//!
//! The route guard asks [`decide`] before a handler runs; a use case asks [`authorize`], the
//! same table with the record in hand, so the scope is judged against the record itself.

use serde::Serialize;

use crate::ids::{OrganizationId, UserId};
use crate::roles::Role;

/// Everything a request can ask to do. Every route declares exactly one; a use case may ask
/// about another on the way (what a list shows its reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Public pages and assets, the calendar, probes, the API description.
    ReadPublic,
    /// Register an applicant organisation and its first account.
    RegisterOrganization,
    /// Sign in.
    SignIn,
    /// Sign out, read one's own account, change one's own password.
    ManageOwnAccount,
    /// Read the audit trail.
    ReadAudit,
    /// Verify the audit chain.
    VerifyAudit,
    /// Create, disable, enable accounts, change roles, reset passwords (system administrator).
    ManageAccounts,
    /// Lift the lock of an account after failed logins (security administrator).
    UnlockAccounts,
    /// Read an organisation's profile.
    ReadOrganization,
    /// Invite a colleague into one's own organisation.
    InviteColleague,
    /// Accept an invitation (creates an applicant account).
    AcceptInvitation,
    /// Read and change password policy, lockout, session and second-factor settings.
    ManageSecuritySettings,
    /// List every registered organisation (who applies; not their applications).
    ListOrganizations,
    /// Load a new version of the policy document (system administrator: a dictionary, not
    /// business data).
    ManagePolicies,
    /// Create, publish and close calls for applications (申报批次).
    ManageBatches,
    /// Draft, fill in, upload to, submit and withdraw one's own organisation's applications.
    DraftApplication,
    /// Read applications: the organisation its own, the bureau every submitted one.
    ReadApplication,
    /// Accept (受理), return for supplement (补正), refuse, and decide eligibility.
    DecideAcceptance,
    /// Read and clear one's organisation's in-app notifications.
    ReadNotifications,
    /// Keep the expert pool: profiles, industries, employers, declared ties (staff).
    ManageExperts,
    /// Organise expert review: draw experts, reopen a score, withdraw a conflicted expert,
    /// remind, draft the recognition list (staff).
    OrganizeReview,
    /// Read review progress, scores, the ranking and proposals (staff and leaders).
    ReadReview,
    /// Read assignments: an expert only their own; the bureau all of them.
    ReadAssignments,
    /// Declare a conflict of interest (or none) and score an assigned application (experts,
    /// only their own assignments).
    ScoreAssignment,
    /// Approve or send back a proposed recognition list (leaders; never the drafter).
    ApproveProposal,
    /// Publish the notice of an approved list, and close it once it has ended (staff).
    PublishNotice,
    /// Read notices with their objections (staff and leaders).
    ReadNotices,
    /// Investigate and resolve objections (staff).
    HandleObjections,
    /// Conclude a closed notice: recognise the bases, reject those a sustained objection
    /// removed (leaders).
    ConcludeNotice,
    /// File an objection during a notice, or look up its outcome (anyone, no account).
    FileObjection,
    /// Read a recognised base and print its plaque: the bureau, and the base's own organisation.
    ReadBase,
    /// Draft funding requests, record disbursements, audit and reverse expenses (staff).
    ManageFunding,
    /// Decide funding requests: the leader endorses or returns, the coordination group approves
    /// or rejects.
    DecideFunding,
    /// Read funding requests and fund reports (staff, leaders, the coordination group).
    ReadFunds,
    /// Record the base's expenses and answer staff's questions (the base's own organisation).
    RecordExpense,
    /// See calls for applications still in draft, before they are published (staff and
    /// leaders; everyone else sees the published ones).
    ReadDraftBatches,
    /// Record the base's training: projects, classes, trainees, enrolments, master–apprentice
    /// pairs, competitions, roster imports (the base's own organisation).
    RecordTraining,
    /// Read a base's training records (the base's own organisation; staff and leaders all).
    ReadTraining,
    /// Decide on skill-level certification (C3.3): staff check filings and sessions, publish
    /// results and propose revocations; leaders approve filings and revocations. Which step
    /// is whose is the certification life cycles' (`certification.rs`).
    DecideCertification,
    /// Run the annual review (C4.4): staff open campaigns, conclude reports and propose
    /// revocations, record money paid back; leaders approve or reject revocations. Which step
    /// is whose is the report's life cycle (`annual_review.rs`).
    RunAnnualReview,
    /// Read annual reviews: the base's own organisation its reports, the bureau all of them.
    ReadAnnualReview,
    /// Fill in, submit and answer the base's own annual report (the base's own organisation).
    FileAnnualReport,
    /// Read the programme dashboard (C1): bases against the target, the pipeline, the subsidy
    /// and training outcomes (staff, leaders, the coordination group).
    ReadProgram,
    /// Read one's own workbench: the to-do counts and short lists of one's role, each scoped as
    /// the list it links to.
    ReadWorkbench,
    /// Claim a 统一社会信用代码 someone else registered first, with the business licence
    /// (归属争议): anyone, like registering.
    FileDispute,
    /// See disputes over a USCC with both parties and the licence, and resolve them: transfer
    /// the organisation to the claimant or refuse (staff, who check applicants' identity).
    ResolveDisputes,
}

impl Action {
    pub const ALL: [Action; 46] = [
        Action::ReadPublic,
        Action::RegisterOrganization,
        Action::SignIn,
        Action::ManageOwnAccount,
        Action::ReadAudit,
        Action::VerifyAudit,
        Action::ManageAccounts,
        Action::UnlockAccounts,
        Action::ReadOrganization,
        Action::InviteColleague,
        Action::AcceptInvitation,
        Action::ManageSecuritySettings,
        Action::ListOrganizations,
        Action::ManagePolicies,
        Action::ManageBatches,
        Action::DraftApplication,
        Action::ReadApplication,
        Action::DecideAcceptance,
        Action::ReadNotifications,
        Action::ManageExperts,
        Action::OrganizeReview,
        Action::ReadReview,
        Action::ReadAssignments,
        Action::ScoreAssignment,
        Action::ApproveProposal,
        Action::PublishNotice,
        Action::ReadNotices,
        Action::HandleObjections,
        Action::ConcludeNotice,
        Action::FileObjection,
        Action::ReadBase,
        Action::ManageFunding,
        Action::DecideFunding,
        Action::ReadFunds,
        Action::RecordExpense,
        Action::ReadDraftBatches,
        Action::RecordTraining,
        Action::ReadTraining,
        Action::DecideCertification,
        Action::RunAnnualReview,
        Action::ReadAnnualReview,
        Action::FileAnnualReport,
        Action::ReadProgram,
        Action::ReadWorkbench,
        Action::FileDispute,
        Action::ResolveDisputes,
    ];
}

/// Which records an allowed actor reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every record (bureau roles for their duties; the public for public records).
    All,
    /// Only records of the actor's own organisation (applicants).
    OwnOrganization,
    /// Only items assigned to the actor (experts).
    Assigned,
    /// Only the actor's own account.
    OwnAccount,
}

/// The rule of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account, with this scope.
    AnySignedIn(Scope),
    /// Only these roles, each with its scope.
    Roles(&'static [(Role, Scope)]),
}

/// The policy table.
pub fn rule(action: Action) -> Rule {
    match action {
        Action::ReadPublic
        | Action::RegisterOrganization
        | Action::SignIn
        | Action::AcceptInvitation
        | Action::FileObjection
        | Action::FileDispute => Rule::Public,
        Action::ManageOwnAccount | Action::ReadWorkbench => Rule::AnySignedIn(Scope::OwnAccount),
        // The auditor reads and verifies the trail; nobody else (三员分立).
        Action::ReadAudit | Action::VerifyAudit => Rule::Roles(&[(Role::Auditor, Scope::All)]),
        Action::ManageAccounts => Rule::Roles(&[(Role::Sysadmin, Scope::All)]),
        Action::UnlockAccounts | Action::ManageSecuritySettings => Rule::Roles(&[(Role::Secadmin, Scope::All)]),
        Action::InviteColleague => Rule::Roles(&[(Role::Applicant, Scope::OwnOrganization)]),
        Action::ListOrganizations => {
            Rule::Roles(&[(Role::Sysadmin, Scope::All), (Role::Staff, Scope::All), (Role::Leader, Scope::All)])
        }
        Action::ManagePolicies => Rule::Roles(&[(Role::Sysadmin, Scope::All)]),
        Action::ManageBatches | Action::DecideAcceptance | Action::ResolveDisputes => {
            Rule::Roles(&[(Role::Staff, Scope::All)])
        }
        Action::DraftApplication | Action::ReadNotifications => {
            Rule::Roles(&[(Role::Applicant, Scope::OwnOrganization)])
        }
        Action::ReadApplication => Rule::Roles(&[
            (Role::Applicant, Scope::OwnOrganization),
            (Role::Staff, Scope::All),
            (Role::Leader, Scope::All),
        ]),
        Action::ManageExperts | Action::OrganizeReview => Rule::Roles(&[(Role::Staff, Scope::All)]),
        Action::ReadReview => Rule::Roles(&[(Role::Staff, Scope::All), (Role::Leader, Scope::All)]),
        Action::ReadAssignments => {
            Rule::Roles(&[(Role::Expert, Scope::Assigned), (Role::Staff, Scope::All), (Role::Leader, Scope::All)])
        }
        Action::ScoreAssignment => Rule::Roles(&[(Role::Expert, Scope::Assigned)]),
        Action::ApproveProposal | Action::ConcludeNotice => Rule::Roles(&[(Role::Leader, Scope::All)]),
        Action::PublishNotice | Action::HandleObjections | Action::ManageFunding => {
            Rule::Roles(&[(Role::Staff, Scope::All)])
        }
        Action::DecideFunding => Rule::Roles(&[(Role::Leader, Scope::All), (Role::Funding, Scope::All)]),
        Action::ReadFunds | Action::ReadProgram => {
            Rule::Roles(&[(Role::Staff, Scope::All), (Role::Leader, Scope::All), (Role::Funding, Scope::All)])
        }
        Action::RecordExpense | Action::RecordTraining | Action::FileAnnualReport => {
            Rule::Roles(&[(Role::Applicant, Scope::OwnOrganization)])
        }
        Action::ReadTraining | Action::ReadAnnualReview => Rule::Roles(&[
            (Role::Applicant, Scope::OwnOrganization),
            (Role::Staff, Scope::All),
            (Role::Leader, Scope::All),
        ]),
        Action::ReadNotices | Action::ReadDraftBatches | Action::DecideCertification | Action::RunAnnualReview => {
            Rule::Roles(&[(Role::Staff, Scope::All), (Role::Leader, Scope::All)])
        }
        Action::ReadBase => Rule::Roles(&[
            (Role::Applicant, Scope::OwnOrganization),
            (Role::Staff, Scope::All),
            (Role::Leader, Scope::All),
            (Role::Funding, Scope::All),
        ]),
        Action::ReadOrganization => Rule::Roles(&[
            (Role::Applicant, Scope::OwnOrganization),
            (Role::Staff, Scope::All),
            (Role::Leader, Scope::All),
        ]),
    }
}

/// The answer for one actor and one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow(Option<Scope>),
    /// Not signed in, and the action needs an account.
    SignInRequired,
    Deny,
}

/// Decides for an actor (`None`: not signed in).
pub fn decide(role: Option<Role>, action: Action) -> Decision {
    match (rule(action), role) {
        (Rule::Public, _) => Decision::Allow(None),
        (_, None) => Decision::SignInRequired,
        (Rule::AnySignedIn(scope), Some(_)) => Decision::Allow(Some(scope)),
        (Rule::Roles(allowed), Some(role)) => {
            allowed.iter().find(|(r, _)| *r == role).map_or(Decision::Deny, |(_, scope)| Decision::Allow(Some(*scope)))
        }
    }
}

/// Who asks, as far as data scope is concerned: their role, their account and the organisation
/// the account is bound to (applicants only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub user: UserId,
    pub organization: Option<OrganizationId>,
}

/// The record an action is about, by what its scope is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// No record in particular: a list (which the scope then filters), a new record, a console.
    Any,
    /// A record of an organisation: its profile, applications, bases, their ledgers and
    /// expenses.
    OfOrganization(OrganizationId),
    /// A record assigned to one account (an expert's assignment).
    AssignedTo(UserId),
    /// An account.
    Account(UserId),
}

impl Scope {
    /// Does this scope reach `object` for `actor`? A scope narrower than "all" reaches only
    /// the kind of record it names, and only the actor's own.
    pub fn reaches(self, actor: &Actor, object: Object) -> bool {
        match (self, object) {
            (_, Object::Any) | (Scope::All, _) => true,
            (Scope::OwnOrganization, Object::OfOrganization(organization)) => actor.organization == Some(organization),
            (Scope::Assigned, Object::AssignedTo(user)) | (Scope::OwnAccount, Object::Account(user)) => {
                actor.user == user
            }
            (Scope::OwnOrganization | Scope::Assigned | Scope::OwnAccount, _) => false,
        }
    }
}

/// Why [`authorize`] said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The table gives the actor's role nothing for this action.
    Role,
    /// The role may, but this record is outside its scope (another organisation's, another
    /// expert's).
    Scope,
}

/// May `actor` do `action` to `object`? The table's answer for the role, then its scope
/// against the record. The scope granted comes back (a public action reaches every public
/// record: [`Scope::All`]), so a list can be filtered by it.
pub fn authorize(actor: &Actor, action: Action, object: Object) -> Result<Scope, Refusal> {
    match decide(Some(actor.role), action) {
        Decision::Allow(scope) => {
            let scope = scope.unwrap_or(Scope::All);
            if scope.reaches(actor, object) { Ok(scope) } else { Err(Refusal::Scope) }
        }
        Decision::SignInRequired | Decision::Deny => Err(Refusal::Role),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default_and_public_for_everyone() {
        for action in Action::ALL {
            match rule(action) {
                Rule::Public => {
                    assert_eq!(decide(None, action), Decision::Allow(None));
                    for role in Role::ALL {
                        assert_eq!(decide(Some(role), action), Decision::Allow(None));
                    }
                }
                Rule::AnySignedIn(scope) => {
                    assert_eq!(decide(None, action), Decision::SignInRequired);
                    for role in Role::ALL {
                        assert_eq!(decide(Some(role), action), Decision::Allow(Some(scope)));
                    }
                }
                Rule::Roles(allowed) => {
                    assert_eq!(decide(None, action), Decision::SignInRequired);
                    for role in Role::ALL {
                        let listed = allowed.iter().any(|(r, _)| *r == role);
                        assert_eq!(
                            matches!(decide(Some(role), action), Decision::Allow(_)),
                            listed,
                            "{role} {action:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_auditor_reads_the_audit_trail() {
        for role in Role::ALL {
            let expected = if role == Role::Auditor { Decision::Allow(Some(Scope::All)) } else { Decision::Deny };
            assert_eq!(decide(Some(role), Action::ReadAudit), expected, "{role}");
            assert_eq!(decide(Some(role), Action::VerifyAudit), expected, "{role}");
        }
    }

    #[test]
    fn administrators_are_never_granted_business_actions() {
        // Every action an administrator role may perform is an account, security or audit action.
        let administrative = [
            Action::ManageOwnAccount,
            Action::ReadAudit,
            Action::VerifyAudit,
            Action::ManageAccounts,
            Action::UnlockAccounts,
            Action::ManageSecuritySettings,
            Action::ListOrganizations,
            // Policy versions are dictionaries (PRODUCT.md §2), not business data.
            Action::ManagePolicies,
        ];
        for action in Action::ALL {
            if let Rule::Roles(allowed) = rule(action) {
                for (role, _) in allowed {
                    assert!(!role.is_administrator() || administrative.contains(&action), "{role} {action:?}");
                }
            }
        }
    }

    fn actor(role: Role, n: u64) -> Actor {
        Actor { role, user: UserId::from_parts(n, [1; 10]), organization: None }
    }

    #[test]
    fn authorize_is_decide_with_the_record_in_hand() {
        for action in Action::ALL {
            for role in Role::ALL {
                let answer = authorize(&actor(role, 1), action, Object::Any);
                match decide(Some(role), action) {
                    Decision::Allow(scope) => assert_eq!(answer, Ok(scope.unwrap_or(Scope::All)), "{role} {action:?}"),
                    _ => assert_eq!(answer, Err(Refusal::Role), "{role} {action:?}"),
                }
            }
        }
    }

    #[test]
    fn each_scope_reaches_only_the_actors_own_records() {
        let ours = OrganizationId::from_parts(1, [1; 10]);
        let theirs = OrganizationId::from_parts(2, [2; 10]);
        let applicant = Actor { organization: Some(ours), ..actor(Role::Applicant, 1) };
        let unbound = actor(Role::Applicant, 1);
        let expert = actor(Role::Expert, 3);
        let other_expert = UserId::from_parts(4, [4; 10]);
        let staff = actor(Role::Staff, 5);

        // Own organisation: an applicant reaches its organisation's records, no other's.
        for action in [Action::ReadApplication, Action::DraftApplication, Action::ReadBase, Action::RecordExpense] {
            assert_eq!(authorize(&applicant, action, Object::OfOrganization(ours)), Ok(Scope::OwnOrganization));
            assert_eq!(authorize(&applicant, action, Object::OfOrganization(theirs)), Err(Refusal::Scope));
            assert_eq!(authorize(&unbound, action, Object::OfOrganization(ours)), Err(Refusal::Scope));
        }
        assert_eq!(authorize(&applicant, Action::InviteColleague, Object::OfOrganization(theirs)), Err(Refusal::Scope));
        // Assigned: an expert reaches their own assignments, nobody else's.
        for action in [Action::ReadAssignments, Action::ScoreAssignment] {
            assert_eq!(authorize(&expert, action, Object::AssignedTo(expert.user)), Ok(Scope::Assigned));
            assert_eq!(authorize(&expert, action, Object::AssignedTo(other_expert)), Err(Refusal::Scope));
        }
        // Own account: anyone signed in reaches their own account only.
        for who in [applicant, expert, staff] {
            assert_eq!(authorize(&who, Action::ManageOwnAccount, Object::Account(who.user)), Ok(Scope::OwnAccount));
            assert_eq!(authorize(&who, Action::ManageOwnAccount, Object::Account(other_expert)), Err(Refusal::Scope));
        }
        // All: the bureau reaches every organisation's records and every assignment.
        assert_eq!(authorize(&staff, Action::ReadApplication, Object::OfOrganization(theirs)), Ok(Scope::All));
        assert_eq!(authorize(&staff, Action::ReadAssignments, Object::AssignedTo(other_expert)), Ok(Scope::All));
        // A narrow scope never reaches another kind of record.
        assert_eq!(
            authorize(&applicant, Action::ReadApplication, Object::AssignedTo(applicant.user)),
            Err(Refusal::Scope)
        );
        assert_eq!(authorize(&expert, Action::ReadAssignments, Object::OfOrganization(ours)), Err(Refusal::Scope));
        // The role comes first: a role the table does not list is refused whatever the record.
        assert_eq!(authorize(&expert, Action::ReadApplication, Object::Any), Err(Refusal::Role));
        assert_eq!(authorize(&staff, Action::ScoreAssignment, Object::AssignedTo(staff.user)), Err(Refusal::Role));
    }
}
