//! Each role's workbench (工作台): the to-dos of its duties, each a count and its first lines,
//! linking to the work. What a role sees is decided by the policy table (`access`) and, where
//! a record's next step belongs to one role, by the life cycle's transition table — never by a
//! list of roles here. Each to-do is read in the scope of the list it links to: the bureau all
//! rows, an organisation its own, an expert their own assignments, an account its own messages.
//!
//! A to-do is one declaration in [`TODOS`] (what it is called, the list it links to, each
//! line's link, who has it) and one arm of [`App::todo`] naming its store query.

use chrono::NaiveDate;
use skillbase_domain::access::{Action, Decision, Scope, decide};
use skillbase_domain::annual_review::{Ground, ReportAction, ReportStatus, report_transition};
use skillbase_domain::application::Status;
use skillbase_domain::certification::{
    CertificateAction, CertificateStatus, FilingAction, FilingStatus, SessionAction, SessionStatus,
    certificate_transition, filing_transition, session_transition,
};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::money::Money;
use skillbase_domain::roles::Role;
use skillbase_domain::subsidy::{FundingAction, FundingStatus, funding_transition};
use skillbase_store::workbench as store;

use crate::access::authorize;
use crate::auth::Authenticated;
use crate::{App, Result};

/// Every to-do a workbench may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ApplicationsToAccept,
    SupplementsDue,
    EligibilityToConclude,
    DrawShortfalls,
    ScoresOverdue,
    ProposalsToDraft,
    ProposalsToApprove,
    ObjectionsToInvestigate,
    NoticesToConclude,
    ExpensesToAudit,
    FundingReturned,
    FundingToEndorse,
    FundingToApprove,
    FilingsToRecommend,
    FilingsToApprove,
    SessionsToDecide,
    RevocationsToApprove,
    ReportsToConclude,
    ReportsOverdue,
    BaseRevocationsToApprove,
    ScoresOwed,
    OwnApplications,
    OwnNotifications,
    OwnBases,
    OwnReports,
    Messages,
}

/// One to-do as declared: its name, the list it links to, each line's link (`{id}` is the
/// line's id), and whether a role has it.
#[derive(Debug)]
pub struct Todo {
    pub kind: Kind,
    pub label: &'static str,
    pub list: &'static str,
    pub line: &'static str,
    /// The action the list it links to needs; the to-do is read in that action's scope.
    pub action: Action,
    /// Whose it is, beyond the action: the life cycle's answer where one role takes the next
    /// step (`None`: whoever the action allows).
    pub step: Option<fn(Role) -> bool>,
}

/// The to-dos, in the order a workbench shows them.
pub const TODOS: &[Todo] = &[
    Todo {
        kind: Kind::ApplicationsToAccept,
        label: "待受理的申报",
        list: "/bureau/applications?status=submitted",
        line: "/bureau/applications/{id}",
        action: Action::DecideAcceptance,
        step: None,
    },
    Todo {
        kind: Kind::SupplementsDue,
        label: "补正中的申报（截止日期）",
        list: "/bureau/applications?status=returned",
        line: "/bureau/applications/{id}",
        action: Action::DecideAcceptance,
        step: None,
    },
    Todo {
        kind: Kind::EligibilityToConclude,
        label: "待作出资格审查结论",
        list: "/bureau/applications?status=accepted",
        line: "/bureau/applications/{id}",
        action: Action::DecideAcceptance,
        step: None,
    },
    Todo {
        kind: Kind::DrawShortfalls,
        label: "评审专家抽取不足",
        list: "/bureau/review",
        line: "/bureau/applications/{id}/review",
        action: Action::OrganizeReview,
        step: None,
    },
    Todo {
        kind: Kind::ScoresOverdue,
        label: "逾期未评分",
        list: "/bureau/review",
        line: "/bureau/applications/{id}/review",
        action: Action::OrganizeReview,
        step: None,
    },
    Todo {
        kind: Kind::ProposalsToDraft,
        label: "待拟定认定名单的批次",
        list: "/bureau/review",
        line: "/bureau/review?batch={id}",
        action: Action::OrganizeReview,
        step: None,
    },
    Todo {
        kind: Kind::ProposalsToApprove,
        label: "待审批的拟认定名单",
        list: "/bureau/proposals",
        line: "/bureau/proposals/{id}",
        action: Action::ApproveProposal,
        step: None,
    },
    Todo {
        kind: Kind::ObjectionsToInvestigate,
        label: "待调查的异议",
        list: "/bureau/notices",
        line: "/bureau/notices/{id}",
        action: Action::HandleObjections,
        step: None,
    },
    Todo {
        kind: Kind::NoticesToConclude,
        label: "公示期满待认定",
        list: "/bureau/notices",
        line: "/bureau/notices/{id}",
        action: Action::ConcludeNotice,
        step: None,
    },
    Todo {
        kind: Kind::ExpensesToAudit,
        label: "待审核的支出",
        list: "/funds/bases",
        line: "/funds/bases/{id}",
        action: Action::ManageFunding,
        step: None,
    },
    Todo {
        kind: Kind::FundingReturned,
        label: "被退回的资金申请",
        list: "/funds/requests",
        line: "/funds/requests/{id}",
        action: Action::ManageFunding,
        step: None,
    },
    Todo {
        kind: Kind::FundingToEndorse,
        label: "待审核的资金申请",
        list: "/funds/requests",
        line: "/funds/requests/{id}",
        action: Action::DecideFunding,
        step: Some(|role| funding_transition(FundingStatus::Draft, FundingAction::Endorse, role).is_ok()),
    },
    Todo {
        kind: Kind::FundingToApprove,
        label: "待协调小组审批的资金申请",
        list: "/funds/requests",
        line: "/funds/requests/{id}",
        action: Action::DecideFunding,
        step: Some(|role| funding_transition(FundingStatus::Submitted, FundingAction::Approve, role).is_ok()),
    },
    Todo {
        kind: Kind::FilingsToRecommend,
        label: "待审核的职业技能等级认定备案",
        list: "/bureau/certification",
        line: "/training/{id}/certification",
        action: Action::DecideCertification,
        step: Some(|role| filing_transition(FilingStatus::Submitted, FilingAction::Recommend, role).is_ok()),
    },
    Todo {
        kind: Kind::FilingsToApprove,
        label: "待审批的职业技能等级认定备案",
        list: "/bureau/certification",
        line: "/training/{id}/certification",
        action: Action::DecideCertification,
        step: Some(|role| filing_transition(FilingStatus::Recommended, FilingAction::Approve, role).is_ok()),
    },
    Todo {
        kind: Kind::SessionsToDecide,
        label: "待审核的认定考评",
        list: "/bureau/certification/sessions",
        line: "/training/{id}/certification/sessions",
        action: Action::DecideCertification,
        step: Some(|role| session_transition(SessionStatus::Submitted, SessionAction::Publish, role).is_ok()),
    },
    Todo {
        kind: Kind::RevocationsToApprove,
        label: "待审批的证书撤销",
        list: "/bureau/certification/certificates",
        line: "/training/{id}/certification/certificates",
        action: Action::DecideCertification,
        step: Some(|role| {
            certificate_transition(CertificateStatus::RevocationProposed, CertificateAction::ApproveRevocation, role)
                .is_ok()
        }),
    },
    Todo {
        kind: Kind::ReportsToConclude,
        label: "待作出复核结论的年度报告",
        list: "/annual-reviews",
        line: "/annual-reports/{id}",
        action: Action::RunAnnualReview,
        step: Some(|role| report_transition(ReportStatus::Submitted, ReportAction::Pass, role, None).is_ok()),
    },
    Todo {
        kind: Kind::ReportsOverdue,
        label: "逾期未报的年度报告和逾期未答复的整改",
        list: "/annual-reviews",
        line: "/annual-reports/{id}",
        action: Action::RunAnnualReview,
        step: Some(|role| {
            report_transition(ReportStatus::Pending, ReportAction::ProposeRevocation, role, None).is_ok()
        }),
    },
    Todo {
        kind: Kind::BaseRevocationsToApprove,
        label: "待审批的基地核销",
        list: "/annual-reviews",
        line: "/annual-reports/{id}",
        action: Action::RunAnnualReview,
        step: Some(|role| {
            report_transition(ReportStatus::RevocationProposed, ReportAction::ApproveRevocation, role, None).is_ok()
        }),
    },
    Todo {
        kind: Kind::ScoresOwed,
        label: "待完成的评审任务",
        list: "/expert",
        line: "/expert/assignments/{id}",
        action: Action::ScoreAssignment,
        step: None,
    },
    Todo {
        kind: Kind::OwnApplications,
        label: "本单位的申报",
        list: "/applications",
        line: "/applications/{id}",
        action: Action::DraftApplication,
        step: None,
    },
    Todo {
        kind: Kind::OwnNotifications,
        label: "未读通知",
        list: "/notifications",
        line: "/notifications",
        action: Action::ReadNotifications,
        step: None,
    },
    Todo {
        kind: Kind::OwnBases,
        label: "本单位的实训基地",
        list: "/training",
        line: "/training/{id}",
        action: Action::RecordTraining,
        step: None,
    },
    Todo {
        kind: Kind::OwnReports,
        label: "待填报或整改的年度报告",
        list: "/annual-reviews",
        line: "/annual-reports/{id}",
        action: Action::FileAnnualReport,
        step: None,
    },
    Todo {
        kind: Kind::Messages,
        label: "未读消息",
        list: "/workbench",
        line: "{id}",
        action: Action::ManageOwnAccount,
        step: None,
    },
];

impl Todo {
    /// Does `role` have this to-do?
    pub fn is_for(&self, role: Role) -> bool {
        matches!(decide(Some(role), self.action), Decision::Allow(_)) && self.step.is_none_or(|step| step(role))
    }
}

/// The to-dos `role` has, in order.
pub fn todos_of(role: Role) -> impl Iterator<Item = &'static Todo> {
    TODOS.iter().filter(move |t| t.is_for(role))
}

/// One line as a workbench shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub title: String,
    pub note: String,
    pub due_on: Option<NaiveDate>,
    /// Past its day (Asia/Shanghai).
    pub overdue: bool,
    pub href: String,
}

/// One to-do of a workbench: its declaration, how many in all, its first lines.
#[derive(Debug, Clone)]
pub struct Item {
    pub todo: &'static Todo,
    pub count: i64,
    pub lines: Vec<Line>,
}

impl App {
    /// `who`'s workbench: every to-do of their role, each read in the scope of its list.
    pub async fn workbench(&self, who: &Authenticated) -> Result<Vec<Item>> {
        authorize(who, Action::ReadWorkbench, skillbase_domain::access::Object::Account(who.user.id))?;
        let today = shanghai_date(self.now());
        let mut items = Vec::new();
        for todo in todos_of(who.role) {
            let scope = authorize(who, todo.action, skillbase_domain::access::Object::Any)?;
            let found = self.todo(who, todo.kind, scope).await?;
            let lines = found
                .lines
                .into_iter()
                .map(|line| Line {
                    href: match todo.kind {
                        Kind::OwnNotifications if !line.id.is_empty() => format!("/applications/{}", line.id),
                        _ if line.id.is_empty() => todo.list.to_owned(),
                        _ => todo.line.replace("{id}", &line.id),
                    },
                    title: line.title,
                    note: note(todo.kind, line.note, line.number),
                    overdue: line.due_on.is_some_and(|d| d < today),
                    due_on: line.due_on,
                })
                .collect();
            items.push(Item { todo, count: found.count, lines });
        }
        Ok(items)
    }

    /// Marks all of `who`'s own messages read (the workbench's 全部标为已读).
    pub async fn mark_messages_read(&self, who: &Authenticated) -> Result<u64> {
        authorize(who, Action::ManageOwnAccount, skillbase_domain::access::Object::Account(who.user.id))?;
        let mut tx = self.db.begin().await?;
        let n = store::mark_messages_read(&mut tx, who.user.id, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The store's query for one to-do, in `scope`.
    async fn todo(&self, who: &Authenticated, kind: Kind, scope: Scope) -> Result<store::Todo> {
        let db = &self.db;
        // A to-do is read only in its list's scope; outside it there is nothing to count.
        let organization = match (scope, who.user.organization_id) {
            (Scope::OwnOrganization, Some(organization)) => Some(organization),
            _ => None,
        };
        let bureau = scope == Scope::All;
        let empty = store::Todo::default();
        Ok(match kind {
            Kind::ApplicationsToAccept
            | Kind::SupplementsDue
            | Kind::EligibilityToConclude
            | Kind::DrawShortfalls
            | Kind::ScoresOverdue
            | Kind::ProposalsToDraft
            | Kind::ProposalsToApprove
            | Kind::ObjectionsToInvestigate
            | Kind::NoticesToConclude
            | Kind::ExpensesToAudit
            | Kind::FundingReturned
            | Kind::FundingToEndorse
            | Kind::FundingToApprove
            | Kind::FilingsToRecommend
            | Kind::FilingsToApprove
            | Kind::SessionsToDecide
            | Kind::RevocationsToApprove
            | Kind::ReportsToConclude
            | Kind::ReportsOverdue
            | Kind::BaseRevocationsToApprove
                if !bureau =>
            {
                empty
            }
            Kind::ApplicationsToAccept => store::applications_to_accept(db).await?,
            Kind::SupplementsDue => store::supplements_due(db).await?,
            Kind::EligibilityToConclude => store::eligibility_to_conclude(db).await?,
            Kind::DrawShortfalls => store::draw_shortfalls(db).await?,
            Kind::ScoresOverdue => store::scores_overdue(db, self.now()).await?,
            Kind::ProposalsToDraft => store::proposals_to_draft(db).await?,
            Kind::ProposalsToApprove => store::proposals_to_approve(db).await?,
            Kind::ObjectionsToInvestigate => store::objections_to_investigate(db).await?,
            Kind::NoticesToConclude => store::notices_to_conclude(db).await?,
            Kind::ExpensesToAudit => store::expenses_to_audit(db).await?,
            Kind::FundingReturned => store::funding_requests(db, FundingStatus::Returned.as_str()).await?,
            Kind::FundingToEndorse => store::funding_requests(db, FundingStatus::Draft.as_str()).await?,
            Kind::FundingToApprove => store::funding_requests(db, FundingStatus::Submitted.as_str()).await?,
            Kind::FilingsToRecommend => store::cert_filings(db, FilingStatus::Submitted.code()).await?,
            Kind::FilingsToApprove => store::cert_filings(db, FilingStatus::Recommended.code()).await?,
            Kind::SessionsToDecide => store::cert_sessions_submitted(db).await?,
            Kind::RevocationsToApprove => store::revocations_proposed(db).await?,
            Kind::ReportsToConclude => store::reports_to_conclude(db).await?,
            Kind::ReportsOverdue => store::reports_overdue(db).await?,
            Kind::BaseRevocationsToApprove => store::base_revocations_proposed(db).await?,
            // An expert's own assignments only (the scope is "assigned").
            Kind::ScoresOwed => store::scores_owed(db, who.user.id).await?,
            Kind::OwnApplications | Kind::OwnNotifications | Kind::OwnBases | Kind::OwnReports => match organization {
                None => empty,
                Some(o) if kind == Kind::OwnReports => store::organization_reports(db, o).await?,
                Some(o) if kind == Kind::OwnApplications => store::organization_applications(db, o).await?,
                Some(o) if kind == Kind::OwnNotifications => store::unread_notifications(db, o).await?,
                Some(o) => store::organization_bases(db, o).await?,
            },
            Kind::Messages => store::unread_messages(db, who.user.id).await?,
        })
    }
}

/// A line's second line in words: an application's status as its organisation reads it, an
/// amount, how many experts are missing.
fn note(kind: Kind, note: String, number: Option<i64>) -> String {
    match (kind, number) {
        (Kind::OwnApplications, _) => Status::parse(&note).map_or(note, |s| s.applicant_label().to_owned()),
        (Kind::ReportsToConclude | Kind::ReportsOverdue | Kind::OwnReports, _) => {
            ReportStatus::parse(&note).map_or(note, |s| s.label().to_owned())
        }
        (Kind::BaseRevocationsToApprove, _) => Ground::parse(&note).map_or(note, |g| g.label().to_owned()),
        (Kind::DrawShortfalls, Some(missing)) => format!("{note} · 还缺 {missing} 名专家"),
        (
            Kind::ExpensesToAudit | Kind::FundingReturned | Kind::FundingToEndorse | Kind::FundingToApprove,
            Some(fen),
        ) => {
            let amount = Money::from_fen(fen);
            if note.is_empty() { amount.to_string() } else { format!("{note} · {amount}") }
        }
        (Kind::NoticesToConclude, _) => format!("公示截止 {note}"),
        _ => note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(role: Role) -> Vec<Kind> {
        todos_of(role).map(|t| t.kind).collect()
    }

    #[test]
    fn each_role_has_the_to_dos_of_its_duties() {
        use Kind::*;
        assert_eq!(
            kinds(Role::Staff),
            [
                ApplicationsToAccept,
                SupplementsDue,
                EligibilityToConclude,
                DrawShortfalls,
                ScoresOverdue,
                ProposalsToDraft,
                ObjectionsToInvestigate,
                ExpensesToAudit,
                FundingReturned,
                FilingsToRecommend,
                SessionsToDecide,
                ReportsToConclude,
                ReportsOverdue,
                Messages
            ]
        );
        assert_eq!(
            kinds(Role::Leader),
            [
                ProposalsToApprove,
                NoticesToConclude,
                FundingToEndorse,
                FilingsToApprove,
                RevocationsToApprove,
                BaseRevocationsToApprove,
                Messages
            ]
        );
        assert_eq!(kinds(Role::Funding), [FundingToApprove, Messages]);
        assert_eq!(kinds(Role::Expert), [ScoresOwed, Messages]);
        assert_eq!(kinds(Role::Applicant), [OwnApplications, OwnNotifications, OwnBases, OwnReports, Messages]);
        for role in [Role::Sysadmin, Role::Secadmin, Role::Auditor] {
            assert_eq!(kinds(role), [Messages], "{role}: no business to-do");
        }
    }

    #[test]
    fn every_to_do_is_declared_once() {
        for (i, a) in TODOS.iter().enumerate() {
            assert!(TODOS[i + 1..].iter().all(|b| b.kind != a.kind), "{:?}", a.kind);
        }
    }
}
