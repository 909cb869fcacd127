//! An application (申报) for recognition as a training base: its life cycle (PRODUCT.md §3) and
//! its form.
//!
//! The life cycle is one table, [`transition`]: a (state, action, actor) triple either names the
//! next state or is refused with the reason. Nothing else in the system changes an application's
//! state, so the diagram cannot be bypassed by a handler that forgot a check.

pub mod form;

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// The supplement deadlines (补正期限) staff may give, in working days from the next day; the
/// policy's `supplement_working_days` is the default.
pub const SUPPLEMENT_DAYS: RangeInclusive<u32> = 1..=30;

/// The most items one return for supplement may list.
pub const MAX_RETURN_ITEMS: usize = 50;

pub use form::{ApplicationForm, FieldError};

/// Every state of PRODUCT.md §3. The first group belongs to acceptance (受理, C4.1); the rest
/// to review, notice and recognition (C4.2, C4.3), driven by later stages of the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being filled in; only the organisation sees it.
    Draft,
    /// Sent to the bureau, waiting for acceptance.
    Submitted,
    /// Sent back for supplement (补正) with reasons and a deadline.
    Returned,
    /// Supplemented and sent again.
    Resubmitted,
    /// Accepted (受理).
    Accepted,
    /// Refused acceptance (不予受理), with a reason.
    NotAccepted,
    /// The supplement deadline passed without a resubmission.
    Lapsed,
    /// Withdrawn by the organisation.
    Withdrawn,
    /// Staff confirmed every eligibility item: eligible.
    Eligible,
    /// Staff confirmed that at least one clause is not met.
    Ineligible,
    /// Experts are reviewing it.
    InReview,
    /// Every required score is in.
    Scored,
    /// On the recognition list staff propose.
    Proposed,
    /// Not on the list (below the threshold or beyond the quota).
    NotSelected,
    /// The leader approved the list.
    Approved,
    /// In public notice (公示).
    InNotice,
    /// Recognised: a base exists.
    Recognised,
    /// A sustained objection removed it from the recognition.
    RejectedAfterObjection,
}

impl Status {
    pub const ALL: [Status; 18] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Resubmitted,
        Status::Accepted,
        Status::NotAccepted,
        Status::Lapsed,
        Status::Withdrawn,
        Status::Eligible,
        Status::Ineligible,
        Status::InReview,
        Status::Scored,
        Status::Proposed,
        Status::NotSelected,
        Status::Approved,
        Status::InNotice,
        Status::Recognised,
        Status::RejectedAfterObjection,
    ];

    /// The furthest step of the programme's pipeline an application in this state has
    /// reached (an index into [`FUNNEL`]); `None` for a draft, which has not entered it.
    pub fn funnel_stage(self) -> Option<usize> {
        use Status as S;
        Some(match self {
            S::Draft => return None,
            S::Submitted | S::Returned | S::Resubmitted | S::NotAccepted | S::Lapsed | S::Withdrawn => 0,
            S::Accepted | S::Ineligible => 1,
            S::Eligible | S::InReview => 2,
            S::Scored | S::NotSelected => 3,
            S::Proposed | S::Approved | S::InNotice | S::RejectedAfterObjection => 4,
            S::Recognised => 5,
        })
    }

    /// The stored spelling (the `status` column's CHECK lists exactly these).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Resubmitted => "resubmitted",
            Status::Accepted => "accepted",
            Status::NotAccepted => "not_accepted",
            Status::Lapsed => "lapsed",
            Status::Withdrawn => "withdrawn",
            Status::Eligible => "eligible",
            Status::Ineligible => "ineligible",
            Status::InReview => "in_review",
            Status::Scored => "scored",
            Status::Proposed => "proposed",
            Status::NotSelected => "not_selected",
            Status::Approved => "approved",
            Status::InNotice => "in_notice",
            Status::Recognised => "recognised",
            Status::RejectedAfterObjection => "rejected_after_objection",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// What bureau staff see: the full state machine.
    pub fn staff_label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "待受理",
            Status::Returned => "已退回补正",
            Status::Resubmitted => "补正后待受理",
            Status::Accepted => "已受理（待资格审查）",
            Status::NotAccepted => "不予受理",
            Status::Lapsed => "补正逾期",
            Status::Withdrawn => "已撤回",
            Status::Eligible => "资格审查通过",
            Status::Ineligible => "资格审查不通过",
            Status::InReview => "专家评审中",
            Status::Scored => "评分完成",
            Status::Proposed => "拟认定",
            Status::NotSelected => "未入选",
            Status::Approved => "领导已审批",
            Status::InNotice => "公示中",
            Status::Recognised => "已认定",
            Status::RejectedAfterObjection => "公示异议成立，不予认定",
        }
    }

    /// What the applicant sees: its own progress, without the bureau's internal steps (a
    /// proposal before the leader's approval is not news an applicant should read first in
    /// the software).
    pub fn applicant_label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "已提交",
            Status::Resubmitted => "受理中",
            Status::Returned => "需补正",
            Status::Accepted => "已受理",
            Status::NotAccepted => "不予受理",
            Status::Lapsed => "补正逾期，申报已终止",
            Status::Withdrawn => "已撤回",
            Status::Eligible | Status::InReview | Status::Scored | Status::Proposed | Status::Approved => "评审中",
            Status::Ineligible => "不符合申报条件",
            Status::NotSelected => "未入选",
            Status::InNotice => "公示中",
            Status::Recognised => "已认定",
            Status::RejectedAfterObjection => "未予认定",
        }
    }

    /// While in these states the organisation may edit the form.
    pub fn is_editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }

    /// No action leads out of these.
    pub fn is_final(self) -> bool {
        Action::ALL.iter().all(|&action| {
            [Actor::System, Actor::Person(Role::Applicant), Actor::Person(Role::Staff), Actor::Person(Role::Leader)]
                .into_iter()
                .all(|actor| transition(self, action, actor).is_err())
        })
    }
}

/// Who acts: a person in a role, or the system itself (a deadline passing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    Person(Role),
    System,
}

/// The pipeline of a call, step by step (the programme dashboard's funnel): how many reached
/// each step, judged by where each application stands (one withdrawn counts as submitted only).
pub const FUNNEL: [&str; 6] = ["提交申报", "受理", "通过资格审查", "完成专家评审", "列入拟认定名单", "认定"];

/// Everything that can happen to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    Resubmit,
    Withdraw,
    Accept,
    Return,
    RefuseAcceptance,
    Lapse,
    ConfirmEligible,
    ConfirmIneligible,
    StartReview,
    CompleteScoring,
    ReopenScoring,
    Propose,
    NotSelect,
    Approve,
    SendBack,
    PublishNotice,
    Recognise,
    RejectAfterObjection,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::Submit,
        Action::Resubmit,
        Action::Withdraw,
        Action::Accept,
        Action::Return,
        Action::RefuseAcceptance,
        Action::Lapse,
        Action::ConfirmEligible,
        Action::ConfirmIneligible,
        Action::StartReview,
        Action::CompleteScoring,
        Action::ReopenScoring,
        Action::Propose,
        Action::NotSelect,
        Action::Approve,
        Action::SendBack,
        Action::PublishNotice,
        Action::Recognise,
        Action::RejectAfterObjection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Resubmit => "resubmit",
            Action::Withdraw => "withdraw",
            Action::Accept => "accept",
            Action::Return => "return",
            Action::RefuseAcceptance => "refuse_acceptance",
            Action::Lapse => "lapse",
            Action::ConfirmEligible => "confirm_eligible",
            Action::ConfirmIneligible => "confirm_ineligible",
            Action::StartReview => "start_review",
            Action::CompleteScoring => "complete_scoring",
            Action::ReopenScoring => "reopen_scoring",
            Action::Propose => "propose",
            Action::NotSelect => "not_select",
            Action::Approve => "approve",
            Action::SendBack => "send_back",
            Action::PublishNotice => "publish_notice",
            Action::Recognise => "recognise",
            Action::RejectAfterObjection => "reject_after_objection",
        }
    }

    /// The action a stored spelling names (the timeline keeps `as_str`).
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The timeline's words for it.
    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "提交申报",
            Action::Resubmit => "补正后重新提交",
            Action::Withdraw => "撤回申报",
            Action::Accept => "受理",
            Action::Return => "退回补正",
            Action::RefuseAcceptance => "不予受理",
            Action::Lapse => "补正期限届满，申报终止",
            Action::ConfirmEligible => "资格审查通过",
            Action::ConfirmIneligible => "资格审查不通过",
            Action::StartReview => "进入专家评审",
            Action::CompleteScoring => "评分完成",
            Action::ReopenScoring => "重新评分",
            Action::Propose => "列入拟认定名单",
            Action::NotSelect => "未列入拟认定名单",
            Action::Approve => "领导审批通过",
            Action::SendBack => "领导退回",
            Action::PublishNotice => "进入公示",
            Action::Recognise => "认定授牌",
            Action::RejectAfterObjection => "异议成立，不予认定",
        }
    }

    /// The clause the action rests on (cited in the audit record and the timeline).
    pub fn clause(self) -> &'static str {
        match self {
            Action::Submit
            | Action::Resubmit
            | Action::Withdraw
            | Action::Accept
            | Action::Return
            | Action::RefuseAcceptance
            | Action::Lapse => "C4.1",
            Action::ConfirmEligible | Action::ConfirmIneligible => "C2.1.0",
            Action::StartReview
            | Action::CompleteScoring
            | Action::ReopenScoring
            | Action::Propose
            | Action::NotSelect
            | Action::Approve
            | Action::SendBack
            | Action::PublishNotice => "C4.2",
            Action::Recognise | Action::RejectAfterObjection => "C4.3",
        }
    }

    /// The title and the sentence of the applicant's notification of this step. Three steps
    /// leave the applicant's label at 「评审中」; each says what happened in its own words.
    pub fn applicant_news(self, to: Status) -> (String, Option<&'static str>) {
        match self {
            Action::ConfirmEligible => {
                ("申报通过资格审查".to_owned(), Some("经审查，您单位符合申报条件，将组织专家评审。"))
            }
            Action::StartReview => {
                ("申报进入专家评审".to_owned(), Some("专家评审已开始，评审期间请保持联系方式畅通。"))
            }
            Action::Approve => {
                ("申报列入拟认定名单".to_owned(), Some("您单位已经审定列入拟认定名单，将按规定进行公示。"))
            }
            _ => (format!("申报{}", to.applicant_label()), None),
        }
    }

    /// Does the applicant hear about it (an in-app notification)? Everything that changes what
    /// the applicant sees does; the bureau's internal steps before a decision do not.
    pub fn notifies_applicant(self) -> bool {
        !matches!(
            self,
            Action::Submit
                | Action::Resubmit
                | Action::Withdraw
                | Action::CompleteScoring
                | Action::ReopenScoring
                | Action::Propose
                | Action::SendBack
        )
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("当前状态为「{}」，不能{}", .from.staff_label(), .action.label())]
    NotFromHere { from: Status, action: Action },
    #[error("无权执行：{}", .action.label())]
    NotYourRole { action: Action },
}

impl TransitionError {
    pub fn code(self) -> &'static str {
        match self {
            TransitionError::NotFromHere { .. } => "invalid_state",
            TransitionError::NotYourRole { .. } => "forbidden_transition",
        }
    }
}

/// The life cycle: from `from`, may `actor` do `action`, and where does it lead?
pub fn transition(from: Status, action: Action, actor: Actor) -> Result<Status, TransitionError> {
    use Status as S;
    let (who, to): (&[Actor], Option<Status>) = match action {
        Action::Submit => (APPLICANT, (from == S::Draft).then_some(S::Submitted)),
        Action::Resubmit => (APPLICANT, (from == S::Returned).then_some(S::Resubmitted)),
        // "An applicant may withdraw until approved."
        Action::Withdraw => (
            APPLICANT,
            matches!(
                from,
                S::Draft
                    | S::Submitted
                    | S::Returned
                    | S::Resubmitted
                    | S::Accepted
                    | S::Eligible
                    | S::InReview
                    | S::Scored
                    | S::Proposed
            )
            .then_some(S::Withdrawn),
        ),
        Action::Accept => (STAFF, matches!(from, S::Submitted | S::Resubmitted).then_some(S::Accepted)),
        Action::Return => (STAFF, matches!(from, S::Submitted | S::Resubmitted).then_some(S::Returned)),
        Action::RefuseAcceptance => (STAFF, matches!(from, S::Submitted | S::Resubmitted).then_some(S::NotAccepted)),
        Action::Lapse => (SYSTEM, (from == S::Returned).then_some(S::Lapsed)),
        Action::ConfirmEligible => (STAFF, (from == S::Accepted).then_some(S::Eligible)),
        Action::ConfirmIneligible => (STAFF, (from == S::Accepted).then_some(S::Ineligible)),
        Action::StartReview => (STAFF, (from == S::Eligible).then_some(S::InReview)),
        Action::CompleteScoring => (STAFF_OR_SYSTEM, (from == S::InReview).then_some(S::Scored)),
        // A score reopened, or an expert withdrawn for a conflict found late: back to review.
        Action::ReopenScoring => (STAFF, (from == S::Scored).then_some(S::InReview)),
        Action::Propose => (STAFF, (from == S::Scored).then_some(S::Proposed)),
        // Those left off the list are not selected when the leader approves the list.
        Action::NotSelect => (LEADER, (from == S::Scored).then_some(S::NotSelected)),
        Action::Approve => (LEADER, (from == S::Proposed).then_some(S::Approved)),
        Action::SendBack => (LEADER, (from == S::Proposed).then_some(S::Scored)),
        Action::PublishNotice => (STAFF, (from == S::Approved).then_some(S::InNotice)),
        Action::Recognise => (LEADER, (from == S::InNotice).then_some(S::Recognised)),
        // The leader's recognition decision after the notice rejects what a sustained
        // objection removed.
        Action::RejectAfterObjection => (LEADER, (from == S::InNotice).then_some(S::RejectedAfterObjection)),
    };
    if !who.contains(&actor) {
        return Err(TransitionError::NotYourRole { action });
    }
    to.ok_or(TransitionError::NotFromHere { from, action })
}

const APPLICANT: &[Actor] = &[Actor::Person(Role::Applicant)];
const STAFF: &[Actor] = &[Actor::Person(Role::Staff)];
const LEADER: &[Actor] = &[Actor::Person(Role::Leader)];
const SYSTEM: &[Actor] = &[Actor::System];
const STAFF_OR_SYSTEM: &[Actor] = &[Actor::Person(Role::Staff), Actor::System];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;

    use super::*;

    /// The diagram of PRODUCT.md §3, written out edge by edge, independently of `transition`.
    fn diagram() -> HashSet<(Status, Status)> {
        use Status as S;
        let mut edges: HashSet<(Status, Status)> = [
            (S::Draft, S::Submitted),
            (S::Submitted, S::Accepted),
            (S::Submitted, S::Returned),
            (S::Submitted, S::NotAccepted),
            (S::Returned, S::Resubmitted),
            (S::Returned, S::Lapsed),
            (S::Resubmitted, S::Accepted),
            (S::Resubmitted, S::Returned),
            (S::Resubmitted, S::NotAccepted),
            (S::Accepted, S::Eligible),
            (S::Accepted, S::Ineligible),
            (S::Eligible, S::InReview),
            (S::InReview, S::Scored),
            (S::Scored, S::InReview),
            (S::Scored, S::Proposed),
            (S::Scored, S::NotSelected),
            (S::Proposed, S::Approved),
            (S::Proposed, S::Scored),
            (S::Approved, S::InNotice),
            (S::InNotice, S::Recognised),
            (S::InNotice, S::RejectedAfterObjection),
        ]
        .into_iter()
        .collect();
        for from in [
            S::Draft,
            S::Submitted,
            S::Returned,
            S::Resubmitted,
            S::Accepted,
            S::Eligible,
            S::InReview,
            S::Scored,
            S::Proposed,
        ] {
            edges.insert((from, S::Withdrawn));
        }
        edges
    }

    fn actors() -> Vec<Actor> {
        let mut all: Vec<Actor> = Role::ALL.into_iter().map(Actor::Person).collect();
        all.push(Actor::System);
        all
    }

    proptest! {
        /// Random sequences of actions by random actors only ever walk edges of the diagram,
        /// and a refused action leaves the state as it was.
        #[test]
        fn random_walks_stay_on_the_diagram(steps in proptest::collection::vec((0..Action::ALL.len(), 0..9usize), 1..60)) {
            let edges = diagram();
            let actors = actors();
            let mut state = Status::Draft;
            for (a, who) in steps {
                let (action, actor) = (Action::ALL[a], actors[who]);
                if let Ok(next) = transition(state, action, actor) {
                    prop_assert!(edges.contains(&(state, next)), "{state:?} -{action:?}-> {next:?} is not in the diagram");
                    state = next;
                }
            }
        }
    }

    #[test]
    fn every_edge_of_the_diagram_is_reachable_by_someone() {
        let mut found = HashSet::new();
        for from in Status::ALL {
            for action in Action::ALL {
                for actor in actors() {
                    if let Ok(to) = transition(from, action, actor) {
                        found.insert((from, to));
                    }
                }
            }
        }
        assert_eq!(found, diagram());
    }

    #[test]
    fn only_the_named_roles_act() {
        let mut roles: HashMap<Action, HashSet<Actor>> = HashMap::new();
        for from in Status::ALL {
            for action in Action::ALL {
                for actor in actors() {
                    if transition(from, action, actor).is_ok() {
                        roles.entry(action).or_default().insert(actor);
                    }
                }
            }
        }
        let applicant = Actor::Person(Role::Applicant);
        assert_eq!(roles[&Action::Submit], HashSet::from([applicant]));
        assert_eq!(roles[&Action::Accept], HashSet::from([Actor::Person(Role::Staff)]));
        assert_eq!(roles[&Action::Approve], HashSet::from([Actor::Person(Role::Leader)]));
        assert_eq!(roles[&Action::Lapse], HashSet::from([Actor::System]));
        for separated in [Role::Sysadmin, Role::Secadmin, Role::Auditor, Role::Expert, Role::Funding] {
            assert!(
                roles.values().all(|actors| !actors.contains(&Actor::Person(separated))),
                "{separated:?} changes an application"
            );
        }
    }

    #[test]
    fn refusals_say_why() {
        let err = transition(Status::Accepted, Action::Return, Actor::Person(Role::Staff)).expect_err("refused");
        assert_eq!(err.code(), "invalid_state");
        assert_eq!(err.to_string(), "当前状态为「已受理（待资格审查）」，不能退回补正");
        let err = transition(Status::Submitted, Action::Accept, Actor::Person(Role::Applicant)).expect_err("refused");
        assert_eq!(err.code(), "forbidden_transition");
    }

    #[test]
    fn final_and_editable_states() {
        let finals: HashSet<Status> = Status::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            HashSet::from([
                Status::NotAccepted,
                Status::Lapsed,
                Status::Withdrawn,
                Status::Ineligible,
                Status::NotSelected,
                Status::Recognised,
                Status::RejectedAfterObjection
            ])
        );
        assert!(Status::Returned.is_editable() && !Status::Submitted.is_editable());
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
    }

    /// Every step the applicant is told of has a title of its own: two different steps never
    /// reach the applicant under the same words (three once all read 「申报评审中」).
    #[test]
    fn every_notified_step_has_a_title_of_its_own() {
        let actors: Vec<Actor> = Role::ALL.into_iter().map(Actor::Person).chain([Actor::System]).collect();
        let mut seen: HashMap<String, (Action, Status)> = HashMap::new();
        for from in Status::ALL {
            for action in Action::ALL.into_iter().filter(|a| a.notifies_applicant()) {
                let Some(to) = actors.iter().find_map(|&who| transition(from, action, who).ok()) else {
                    continue;
                };
                let (title, _) = action.applicant_news(to);
                if let Some(&(other, other_to)) = seen.get(&title) {
                    assert!(
                        other == action && other_to == to,
                        "{title} names both {other:?}→{other_to:?} and {action:?}→{to:?}"
                    );
                }
                seen.insert(title, (action, to));
            }
        }
        assert!(seen.contains_key("申报通过资格审查") && seen.contains_key("申报进入专家评审"));
    }

    #[test]
    fn the_funnel_follows_the_life_cycle() {
        // Every transition moves an application forward in the funnel, or leaves it where it
        // was (a return, a lapse, a rejection), never back past a step it had reached — except
        // reopening a score and sending a list back, which undo a step not yet concluded, and a
        // withdrawal, which ends it.
        let actors: Vec<Actor> = Role::ALL.into_iter().map(Actor::Person).chain([Actor::System]).collect();
        for from in Status::ALL {
            for action in Action::ALL {
                for &who in &actors {
                    let Ok(to) = transition(from, action, who) else { continue };
                    let undo = matches!(action, Action::ReopenScoring | Action::SendBack | Action::Withdraw);
                    if from != Status::Draft && !undo {
                        assert!(to.funnel_stage() >= from.funnel_stage(), "{from:?} → {to:?} goes back");
                    }
                }
            }
        }
        assert_eq!(Status::Draft.funnel_stage(), None);
        assert_eq!(Status::Recognised.funnel_stage(), Some(FUNNEL.len() - 1));
    }
}
