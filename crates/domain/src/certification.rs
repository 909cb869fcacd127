//! Skill-level certification (职业技能等级认定, clause C3.3) and the certificates it issues.
//!
//! - A base **files** to certify the levels of an occupation (认定备案); staff check it and
//!   recommend it, a leader approves it (four eyes: two roles, so two people) or either refuses
//!   it with a reason. An approval is valid for the policy's number of years; only an approved,
//!   valid filing's occupation and levels may be certified.
//! - A **session** (考评) of an approved occupation and level has its assessors and candidates
//!   (trainees of the base) with a theory and a practical score each; the base enters or imports
//!   them, submits, and staff publish (or return with a reason). The pass rule is the policy's.
//! - **Publishing** gives each passing candidate a certificate with a permanent number
//!   (`QPZS-<year>-<nnnnnn>`) and an SM2 signature over [`CertificateStatement::message`];
//!   anyone verifies it by number **and** the holder's name. Revoking one (fraud found) is
//!   proposed by staff and approved by a leader.
//!
//! Every life cycle is one transition table here; `app` writes each step with its audit record.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::dictionary::Dictionary;
use crate::fields::FieldError;
use crate::occupation::OccupationCode;
use crate::roles::Role;
use crate::training::{Checks, Level};

crate::dictionary! {
    /// Where a base's certification filing stands.
    FilingStatus {
        Submitted = ("submitted", "待经办审核"),
        Recommended = ("recommended", "待领导审批"),
        Approved = ("approved", "已核准"),
        Refused = ("refused", "未核准"),
    }

    /// Where a certification session stands.
    SessionStatus {
        Draft = ("draft", "录入中"),
        Submitted = ("submitted", "待审核"),
        Returned = ("returned", "已退回"),
        Published = ("published", "已公布"),
    }

    /// Where a certificate stands.
    CertificateStatus {
        Valid = ("valid", "有效"),
        RevocationProposed = ("revocation_proposed", "撤销待审批"),
        Revoked = ("revoked", "已撤销"),
    }
}

/// The policy's certification rule (the `[certification]` section of the policy file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CertificationRule {
    /// The lowest passing theory score (理论知识考试).
    pub theory_pass: Score,
    /// The lowest passing practical score (操作技能考核).
    pub practical_pass: Score,
    /// The fewest assessors (考评人员) a session needs.
    pub min_assessors: u32,
    /// How many years an approved filing is valid.
    pub approval_years: u32,
}

impl CertificationRule {
    /// Both scores at or above their pass marks.
    pub fn passes(&self, theory: Score, practical: Score) -> bool {
        theory >= self.theory_pass && practical >= self.practical_pass
    }

    /// The last day of an approval given on `approved_on`.
    pub fn valid_until(&self, approved_on: NaiveDate) -> NaiveDate {
        let end = approved_on.checked_add_months(Months::new(self.approval_years * 12)).unwrap_or(NaiveDate::MAX);
        end.pred_opt().unwrap_or(end)
    }
}

// ---------------------------------------------------------------- scores

/// A score out of 100 with at most one decimal, held in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Score(u16);

impl Score {
    /// The highest score, in tenths.
    pub const MAX_TENTHS: u16 = 1000;

    /// A score from tenths (0 to 1000).
    pub fn from_tenths(tenths: i64) -> Option<Score> {
        u16::try_from(tenths).ok().filter(|t| *t <= Self::MAX_TENTHS).map(Score)
    }

    /// A whole-point score.
    pub fn points(points: u16) -> Option<Score> {
        Score::from_tenths(i64::from(points) * 10)
    }

    pub fn tenths(self) -> i64 {
        i64::from(self.0)
    }

    /// `85`, `85.5`, `100` (a workbook cell may bring `85.0`).
    pub fn parse(text: &str) -> Option<Score> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((_, "")) => return None,
            Some((w, f)) => (w, f.trim_end_matches('0')),
            None => (text, ""),
        };
        if whole.is_empty() || whole.len() > 3 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if fraction.len() > 1 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let tenth: i64 = if fraction.is_empty() { 0 } else { fraction.parse().ok()? };
        Score::from_tenths(whole * 10 + tenth)
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_multiple_of(10) {
            write!(f, "{}", self.0 / 10)
        } else {
            write!(f, "{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

impl From<Score> for String {
    fn from(s: Score) -> String {
        s.to_string()
    }
}

// ---------------------------------------------------------------- life cycles

/// What may be done to a filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FilingAction {
    /// Staff: checked, recommended to the leader.
    Recommend,
    /// The leader: approved.
    Approve,
    /// Staff (before recommending) or the leader (after): refused with a reason.
    Refuse,
}

/// What may be done to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionAction {
    /// The base: results complete, sent to staff.
    Submit,
    /// Staff: sent back with a reason.
    Return,
    /// Staff: checked and published; certificates are issued.
    Publish,
}

/// What may be done to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateAction {
    /// Staff: revocation proposed with the facts.
    ProposeRevocation,
    /// The leader: revoked.
    ApproveRevocation,
    /// The leader: the proposal turned down; the certificate stays valid.
    RejectRevocation,
}

impl FilingAction {
    pub fn label(self) -> &'static str {
        match self {
            FilingAction::Recommend => "审核通过，报领导审批",
            FilingAction::Approve => "批准",
            FilingAction::Refuse => "不予核准",
        }
    }
}

impl SessionAction {
    pub fn label(self) -> &'static str {
        match self {
            SessionAction::Submit => "提交审核",
            SessionAction::Return => "退回",
            SessionAction::Publish => "审核通过并公布",
        }
    }
}

impl CertificateAction {
    pub fn label(self) -> &'static str {
        match self {
            CertificateAction::ProposeRevocation => "提请撤销",
            CertificateAction::ApproveRevocation => "批准撤销",
            CertificateAction::RejectRevocation => "不予撤销",
        }
    }
}

/// What the base is told in its notifications (an in-app message to its organisation): a step
/// staff or a leader took on its filing, session or certificate that changes what it may do.
/// Its own steps, and the bureau's internal ones before a decision (a recommendation, a
/// proposed revocation), tell it nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseNews {
    FilingApproved,
    FilingRefused,
    SessionReturned,
    SessionPublished,
    CertificateRevoked,
}

impl BaseNews {
    pub const ALL: [BaseNews; 5] = [
        BaseNews::FilingApproved,
        BaseNews::FilingRefused,
        BaseNews::SessionReturned,
        BaseNews::SessionPublished,
        BaseNews::CertificateRevoked,
    ];

    /// The news of a filing now in `to`.
    pub fn of_filing(to: FilingStatus) -> Option<BaseNews> {
        match to {
            FilingStatus::Approved => Some(BaseNews::FilingApproved),
            FilingStatus::Refused => Some(BaseNews::FilingRefused),
            FilingStatus::Submitted | FilingStatus::Recommended => None,
        }
    }

    /// The news of a session now in `to`.
    pub fn of_session(to: SessionStatus) -> Option<BaseNews> {
        match to {
            SessionStatus::Returned => Some(BaseNews::SessionReturned),
            SessionStatus::Published => Some(BaseNews::SessionPublished),
            SessionStatus::Draft | SessionStatus::Submitted => None,
        }
    }

    /// The news of a certificate now in `to`.
    pub fn of_certificate(to: CertificateStatus) -> Option<BaseNews> {
        (to == CertificateStatus::Revoked).then_some(BaseNews::CertificateRevoked)
    }

    /// The notification's title: each step in its own words.
    pub fn title(self) -> &'static str {
        match self {
            BaseNews::FilingApproved => "等级认定备案已获批准",
            BaseNews::FilingRefused => "等级认定备案未予核准",
            BaseNews::SessionReturned => "考评结果被退回修改",
            BaseNews::SessionPublished => "考评结果已公布，证书已颁发",
            BaseNews::CertificateRevoked => "职业技能等级证书已撤销",
        }
    }
}

/// A step the life cycle does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// Another role takes this step (403).
    #[error("「{action}」不是当前角色可办理的事项")]
    NotYourRole { action: &'static str },
    /// Not from the current state (409).
    #[error("当前状态为「{from}」，不能{action}")]
    NotFromHere { from: &'static str, action: &'static str },
}

pub(crate) fn step<S: Dictionary>(
    from: S,
    action: &'static str,
    role: Role,
    who: &[Role],
    to: Option<S>,
) -> Result<S, StepError> {
    if !who.contains(&role) {
        return Err(StepError::NotYourRole { action });
    }
    to.ok_or(StepError::NotFromHere { from: from.label(), action })
}

/// The filing's life cycle.
pub fn filing_transition(from: FilingStatus, action: FilingAction, role: Role) -> Result<FilingStatus, StepError> {
    use FilingStatus as S;
    let to = match (action, role, from) {
        (FilingAction::Recommend, _, S::Submitted) => Some(S::Recommended),
        (FilingAction::Approve, _, S::Recommended) => Some(S::Approved),
        (FilingAction::Refuse, Role::Staff, S::Submitted) | (FilingAction::Refuse, Role::Leader, S::Recommended) => {
            Some(S::Refused)
        }
        _ => None,
    };
    let who: &[Role] = match action {
        FilingAction::Recommend => &[Role::Staff],
        FilingAction::Approve => &[Role::Leader],
        FilingAction::Refuse => &[Role::Staff, Role::Leader],
    };
    step(from, action.label(), role, who, to)
}

/// The session's life cycle.
pub fn session_transition(from: SessionStatus, action: SessionAction, role: Role) -> Result<SessionStatus, StepError> {
    use SessionStatus as S;
    let (who, to) = match action {
        SessionAction::Submit => (Role::Applicant, matches!(from, S::Draft | S::Returned).then_some(S::Submitted)),
        SessionAction::Return => (Role::Staff, (from == S::Submitted).then_some(S::Returned)),
        SessionAction::Publish => (Role::Staff, (from == S::Submitted).then_some(S::Published)),
    };
    step(from, action.label(), role, &[who], to)
}

impl SessionStatus {
    /// The base may still enter or change results.
    pub fn editable(self) -> bool {
        matches!(self, SessionStatus::Draft | SessionStatus::Returned)
    }
}

/// The certificate's life cycle.
pub fn certificate_transition(
    from: CertificateStatus,
    action: CertificateAction,
    role: Role,
) -> Result<CertificateStatus, StepError> {
    use CertificateStatus as S;
    let (who, to) = match action {
        CertificateAction::ProposeRevocation => (Role::Staff, (from == S::Valid).then_some(S::RevocationProposed)),
        CertificateAction::ApproveRevocation => (Role::Leader, (from == S::RevocationProposed).then_some(S::Revoked)),
        CertificateAction::RejectRevocation => (Role::Leader, (from == S::RevocationProposed).then_some(S::Valid)),
    };
    step(from, action.label(), role, &[who], to)
}

// ---------------------------------------------------------------- records and their checks

/// A filing: one occupation and the levels the base asks to certify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    pub occupation: OccupationCode,
    pub levels: Vec<Level>,
    /// What the base says of its assessors, site and question bank.
    pub note: Option<String>,
}

/// A filing as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingInput {
    pub occupation: String,
    pub levels: Vec<String>,
    pub note: String,
}

pub fn check_filing(input: &FilingInput) -> Result<Filing, Vec<FieldError>> {
    let mut checks = Checks::new();
    let occupation = checks.occupation("occupation", &input.occupation);
    let levels = checks.choices::<Level>("levels", &input.levels, "认定等级", true);
    let note = checks.optional_text("note", &input.note, "考评人员、场地和题库情况", 1000);
    checks.finish(occupation.map(|occupation| Filing { occupation, levels, note }))
}

/// An approval's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Validity {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.until
    }
}

/// Whether an approved filing allows a session of `occupation` at `level` on `day`.
pub fn filing_allows(
    filing: &Filing,
    (status, validity): (FilingStatus, Option<Validity>),
    (occupation, level, day): (&OccupationCode, Level, NaiveDate),
) -> bool {
    status == FilingStatus::Approved
        && validity.is_some_and(|v| v.covers(day))
        && &filing.occupation == occupation
        && filing.levels.contains(&level)
}

/// A session of certification (考评).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub occupation: OccupationCode,
    pub level: Level,
    pub held_on: NaiveDate,
    pub place: String,
    pub assessors: Vec<String>,
    /// 自主评价: the base evaluates its own workers (only own employees may be candidates).
    pub self_evaluation: bool,
}

/// A session as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionInput {
    pub occupation: String,
    pub level: String,
    pub held_on: String,
    pub place: String,
    /// Names separated by 、 , ， ; or new lines.
    pub assessors: String,
    pub self_evaluation: bool,
}

pub fn check_session(input: &SessionInput, rule: &CertificationRule) -> Result<Session, Vec<FieldError>> {
    let mut checks = Checks::new();
    let occupation = checks.occupation("occupation", &input.occupation);
    let level = checks.choice::<Level>("level", &input.level, "认定等级");
    let held_on = checks.date("held_on", &input.held_on, "考评日期");
    let place = checks.text("place", &input.place, "考评地点", 100);
    let mut assessors: Vec<String> = Vec::new();
    for name in input.assessors.split(['、', ',', '，', ';', '；', '\n']).map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > 50 {
            checks.fail("assessors", "too_long", "每位考评人员的姓名不能超过 50 字");
        } else if assessors.iter().any(|a| a == name) {
            checks.fail("assessors", "duplicate", format!("考评人员「{name}」重复"));
        } else {
            assessors.push(name.to_owned());
        }
    }
    if assessors.len() < rule.min_assessors as usize {
        checks.fail(
            "assessors",
            "too_few_assessors",
            format!(
                "每场考评至少 {} 名考评人员（已填 {} 名），姓名之间用顿号分隔",
                rule.min_assessors,
                assessors.len()
            ),
        );
    }
    let session = match (occupation, level, held_on) {
        (Some(occupation), Some(level), Some(held_on)) => {
            Some(Session { occupation, level, held_on, place, assessors, self_evaluation: input.self_evaluation })
        }
        _ => None,
    };
    checks.finish(session)
}

/// A candidate's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scores {
    pub theory: Score,
    pub practical: Score,
}

/// Scores as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoresInput {
    pub theory: String,
    pub practical: String,
}

pub fn check_scores(input: &ScoresInput) -> Result<Scores, Vec<FieldError>> {
    let mut checks = Checks::new();
    let mut score = |field: &str, value: &str, label: &str| {
        if value.trim().is_empty() {
            checks.fail(field, "required", format!("请填写{label}"));
            return None;
        }
        let score = Score::parse(value);
        if score.is_none() {
            checks.fail(field, "invalid_score", format!("{label}须为 0 至 100 之间的分数，最多一位小数"));
        }
        score
    };
    let theory = score("theory", &input.theory, "理论知识成绩");
    let practical = score("practical", &input.practical, "操作技能成绩");
    let scores = match (theory, practical) {
        (Some(theory), Some(practical)) => Some(Scores { theory, practical }),
        _ => None,
    };
    checks.finish(scores)
}

/// Why a session may not be submitted yet: every problem at once.
pub fn submission_problems(session: &Session, candidates: usize, today: NaiveDate) -> Vec<String> {
    let mut problems = Vec::new();
    if session.held_on > today {
        problems.push(format!("考评日期 {} 尚未到，考评结束后才能提交成绩", session.held_on));
    }
    if candidates == 0 {
        problems.push("尚未录入考生成绩".to_owned());
    }
    problems
}

// ---------------------------------------------------------------- certificates

/// The issuer named on every certificate.
pub const CERTIFICATE_TITLE: &str = "职业技能等级证书";

/// A certificate number, unique and permanent: `QPZS-<year>-<nnnnnn>`.
pub fn certificate_number(year: i32, sequence: u32) -> String {
    format!("QPZS-{year}-{sequence:06}")
}

/// Whether `text` has the shape of a certificate number (so that verification knows which
/// register to look in).
pub fn is_certificate_number(text: &str) -> bool {
    let mut parts = text.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("QPZS"), Some(year), Some(seq), None)
            if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit())
                && seq.len() == 6 && seq.bytes().all(|b| b.is_ascii_digit())
    )
}

/// What a certificate's SM2 signature covers — the exact bytes are
/// [`CertificateStatement::message`]. The ID number appears only masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CertificateStatement {
    pub number: String,
    pub holder: String,
    pub masked_id: String,
    pub occupation: String,
    pub occupation_name: String,
    pub level: String,
    pub issued_on: NaiveDate,
    pub base_name: String,
    pub issuer: String,
}

impl CertificateStatement {
    /// Versioned, one field per line, nothing left to interpretation.
    pub fn message(&self) -> String {
        format!(
            "skillbase-certificate:v1\n{}\n{}\n{}\n{}\n{} {}\n{}\n{}\n{}\n{}\n",
            self.number,
            CERTIFICATE_TITLE,
            self.holder,
            self.masked_id,
            self.occupation,
            self.occupation_name,
            self.level,
            self.issued_on.format("%Y-%m-%d"),
            self.base_name,
            self.issuer
        )
    }

    pub fn year(&self) -> i32 {
        self.issued_on.year()
    }
}

/// What verifying a certificate answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateVerdict {
    Valid,
    Revoked,
    /// The number exists but the name given is not its holder's: nothing else is said.
    NameMismatch,
    Unknown,
}

impl CertificateVerdict {
    /// The verdict of a stored certificate (if any) for the name given.
    pub fn of(found: Option<(&str, CertificateStatus)>, name: &str) -> CertificateVerdict {
        match found {
            None => CertificateVerdict::Unknown,
            Some((holder, _)) if !same_name(holder, name) => CertificateVerdict::NameMismatch,
            Some((_, CertificateStatus::Revoked)) => CertificateVerdict::Revoked,
            Some(_) => CertificateVerdict::Valid,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            CertificateVerdict::Valid => "valid",
            CertificateVerdict::Revoked => "revoked",
            CertificateVerdict::NameMismatch => "name_mismatch",
            CertificateVerdict::Unknown => "unknown",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            CertificateVerdict::Valid => "有效",
            CertificateVerdict::Revoked => "已撤销",
            CertificateVerdict::NameMismatch => "姓名不符",
            CertificateVerdict::Unknown => "未查到",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CertificateVerdict::Valid => "有效：该证书由本区技能人才培育实训基地颁发，信息如下",
            CertificateVerdict::Revoked => "已撤销：该证书已被撤销，不再有效",
            CertificateVerdict::NameMismatch => "姓名与该证书不符：请核对证书上的姓名后重新查询",
            CertificateVerdict::Unknown => "未查到：该编号不是本平台颁发的职业技能等级证书编号",
        }
    }
}

/// Names compared as people type them: surrounding and inner spaces (half- or full-width) and
/// the middle dot of minority names written either way do not count.
pub fn same_name(holder: &str, given: &str) -> bool {
    fn norm(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).map(|c| if c == '•' || c == '．' { '·' } else { c }).collect()
    }
    let given = norm(given);
    !given.is_empty() && norm(holder) == given
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CertificationRule {
        CertificationRule {
            theory_pass: Score::points(60).expect("score"),
            practical_pass: Score::points(60).expect("score"),
            min_assessors: 3,
            approval_years: 3,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn every_step_the_base_is_told_of_has_its_own_title() {
        let titles: std::collections::BTreeSet<&str> = BaseNews::ALL.iter().map(|n| n.title()).collect();
        assert_eq!(titles.len(), BaseNews::ALL.len());
        let filings: Vec<_> = FilingStatus::ALL.iter().filter_map(|s| BaseNews::of_filing(*s)).collect();
        assert_eq!(filings, [BaseNews::FilingApproved, BaseNews::FilingRefused]);
        let sessions: Vec<_> = SessionStatus::ALL.iter().filter_map(|s| BaseNews::of_session(*s)).collect();
        assert_eq!(sessions, [BaseNews::SessionReturned, BaseNews::SessionPublished]);
        let certificates: Vec<_> = CertificateStatus::ALL.iter().filter_map(|s| BaseNews::of_certificate(*s)).collect();
        assert_eq!(certificates, [BaseNews::CertificateRevoked]);
    }

    #[test]
    fn scores_have_at_most_one_decimal_and_stay_within_100() {
        assert_eq!(Score::parse("85").map(Score::tenths), Some(850));
        assert_eq!(Score::parse(" 85.5 ").map(Score::tenths), Some(855));
        assert_eq!(Score::parse("85.50").map(Score::tenths), Some(855), "a workbook's trailing zero");
        assert_eq!(Score::parse("100").map(Score::tenths), Some(1000));
        assert_eq!(Score::parse("0").map(Score::tenths), Some(0));
        for bad in ["", "100.1", "101", "-1", "85.55", "八十", "1e2", ".5", "5.", "0x10"] {
            assert_eq!(Score::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Score::parse("59.9").map(|s| s.to_string()).as_deref(), Some("59.9"));
        assert_eq!(Score::parse("60.0").map(|s| s.to_string()).as_deref(), Some("60"));
    }

    #[test]
    fn a_pass_needs_both_scores_at_their_marks() {
        let r = rule();
        let s = |t: &str| Score::parse(t).expect("score");
        assert!(r.passes(s("60"), s("60")));
        assert!(!r.passes(s("59.9"), s("100")));
        assert!(!r.passes(s("100"), s("59.9")));
    }

    #[test]
    fn an_approval_lasts_the_policys_years_to_the_day_before() {
        assert_eq!(rule().valid_until(day("2026-12-03")), day("2029-12-02"));
        assert_eq!(rule().valid_until(day("2024-02-29")), day("2027-02-27"));
        let v = Validity { from: day("2026-12-03"), until: day("2029-12-02") };
        assert!(v.covers(day("2029-12-02")) && !v.covers(day("2029-12-03")) && !v.covers(day("2026-12-02")));
    }

    #[test]
    fn the_filing_takes_two_people_of_two_roles() {
        use FilingAction as A;
        use FilingStatus as S;
        assert_eq!(filing_transition(S::Submitted, A::Recommend, Role::Staff), Ok(S::Recommended));
        assert_eq!(filing_transition(S::Recommended, A::Approve, Role::Leader), Ok(S::Approved));
        assert_eq!(filing_transition(S::Submitted, A::Refuse, Role::Staff), Ok(S::Refused));
        assert_eq!(filing_transition(S::Recommended, A::Refuse, Role::Leader), Ok(S::Refused));
        assert!(matches!(
            filing_transition(S::Submitted, A::Approve, Role::Leader),
            Err(StepError::NotFromHere { .. })
        ));
        assert!(matches!(filing_transition(S::Submitted, A::Approve, Role::Staff), Err(StepError::NotYourRole { .. })));
        assert!(matches!(
            filing_transition(S::Recommended, A::Refuse, Role::Staff),
            Err(StepError::NotFromHere { .. })
        ));
        assert!(matches!(
            filing_transition(S::Submitted, A::Recommend, Role::Applicant),
            Err(StepError::NotYourRole { .. })
        ));
        for from in [S::Approved, S::Refused] {
            for action in [A::Recommend, A::Approve, A::Refuse] {
                for role in [Role::Staff, Role::Leader] {
                    assert!(filing_transition(from, action, role).is_err(), "{from:?} is final");
                }
            }
        }
    }

    #[test]
    fn sessions_and_certificates_follow_their_tables() {
        use SessionAction as A;
        use SessionStatus as S;
        assert_eq!(session_transition(S::Draft, A::Submit, Role::Applicant), Ok(S::Submitted));
        assert_eq!(session_transition(S::Returned, A::Submit, Role::Applicant), Ok(S::Submitted));
        assert_eq!(session_transition(S::Submitted, A::Return, Role::Staff), Ok(S::Returned));
        assert_eq!(session_transition(S::Submitted, A::Publish, Role::Staff), Ok(S::Published));
        assert!(session_transition(S::Draft, A::Publish, Role::Staff).is_err());
        assert!(session_transition(S::Submitted, A::Publish, Role::Applicant).is_err());
        assert!(session_transition(S::Published, A::Return, Role::Staff).is_err(), "published is final");
        assert!(S::Draft.editable() && S::Returned.editable() && !S::Submitted.editable() && !S::Published.editable());

        use CertificateAction as C;
        use CertificateStatus as V;
        assert_eq!(certificate_transition(V::Valid, C::ProposeRevocation, Role::Staff), Ok(V::RevocationProposed));
        assert_eq!(certificate_transition(V::RevocationProposed, C::ApproveRevocation, Role::Leader), Ok(V::Revoked));
        assert_eq!(certificate_transition(V::RevocationProposed, C::RejectRevocation, Role::Leader), Ok(V::Valid));
        assert!(certificate_transition(V::Valid, C::ApproveRevocation, Role::Leader).is_err(), "staff first");
        assert!(certificate_transition(V::RevocationProposed, C::ApproveRevocation, Role::Staff).is_err());
        assert!(certificate_transition(V::Revoked, C::ProposeRevocation, Role::Staff).is_err());
    }

    #[test]
    fn a_session_needs_its_assessors_and_says_every_problem_at_once() {
        let input = SessionInput {
            occupation: "6-99".into(),
            level: "九级".into(),
            held_on: "2026-13-01".into(),
            place: String::new(),
            assessors: "张三、张三".into(),
            self_evaluation: false,
        };
        let errors = check_session(&input, &rule()).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for field in ["occupation", "level", "held_on", "place", "assessors"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        assert!(errors.iter().any(|e| e.code == "too_few_assessors"));
        let good = SessionInput {
            occupation: "6-31-01-02".into(),
            level: "三级/高级工".into(),
            held_on: "2026-11-20".into(),
            place: "实训楼 201".into(),
            assessors: "张三、李四，王五\n赵六".into(),
            self_evaluation: true,
        };
        let session = check_session(&good, &rule()).expect("accepted");
        assert_eq!(session.assessors, ["张三", "李四", "王五", "赵六"]);
        assert_eq!(session.level, Level::Three);
    }

    #[test]
    fn only_an_approved_filing_in_force_allows_its_occupation_and_levels() {
        let occupation = OccupationCode::parse("6-31-01-02").expect("code");
        let other = OccupationCode::parse("4-01-02-01").expect("code");
        let filing = Filing { occupation, levels: vec![Level::Four, Level::Three], note: None };
        let valid = Some(Validity { from: day("2026-01-01"), until: day("2028-12-31") });
        let on = day("2026-11-20");
        assert!(filing_allows(&filing, (FilingStatus::Approved, valid), (&occupation, Level::Three, on)));
        assert!(!filing_allows(&filing, (FilingStatus::Approved, valid), (&occupation, Level::Two, on)));
        assert!(!filing_allows(&filing, (FilingStatus::Approved, valid), (&other, Level::Three, on)));
        assert!(!filing_allows(&filing, (FilingStatus::Recommended, valid), (&occupation, Level::Three, on)));
        assert!(!filing_allows(
            &filing,
            (FilingStatus::Approved, valid),
            (&occupation, Level::Three, day("2029-01-01"))
        ));
    }

    #[test]
    fn numbers_are_permanent_and_recognisable() {
        assert_eq!(certificate_number(2026, 1), "QPZS-2026-000001");
        assert!(is_certificate_number("QPZS-2026-000001"));
        for other in ["QPJD-2024-001", "QPZS-2026-1", "QPZS-26-000001", "QPZS-2026-000001-1", ""] {
            assert!(!is_certificate_number(other), "{other}");
        }
    }

    #[test]
    fn the_signed_text_of_a_certificate_is_fixed() {
        let s = CertificateStatement {
            number: "QPZS-2026-000001".into(),
            holder: "王小明".into(),
            masked_id: "3101**********123X".into(),
            occupation: "6-31-01-02".into(),
            occupation_name: "机修钳工".into(),
            level: "三级/高级工".into(),
            issued_on: day("2026-12-03"),
            base_name: "上海某某科技有限公司".into(),
            issuer: "上海市青浦区人力资源和社会保障局".into(),
        };
        assert_eq!(
            s.message(),
            "skillbase-certificate:v1\nQPZS-2026-000001\n职业技能等级证书\n王小明\n3101**********123X\n6-31-01-02 机修钳工\n三级/高级工\n2026-12-03\n上海某某科技有限公司\n上海市青浦区人力资源和社会保障局\n"
        );
    }

    #[test]
    fn a_verification_needs_the_holders_name_and_a_wrong_one_says_only_that() {
        use CertificateStatus as S;
        use CertificateVerdict as V;
        assert_eq!(V::of(Some(("王小明", S::Valid)), "王小明"), V::Valid);
        assert_eq!(V::of(Some(("王小明", S::Valid)), " 王 小明 "), V::Valid, "spaces typed do not count");
        assert_eq!(V::of(Some(("王小明", S::RevocationProposed)), "王小明"), V::Valid, "until the leader decides");
        assert_eq!(V::of(Some(("王小明", S::Revoked)), "王小明"), V::Revoked);
        assert_eq!(V::of(Some(("王小明", S::Revoked)), "王晓明"), V::NameMismatch, "a revoked one too");
        assert_eq!(V::of(Some(("王小明", S::Valid)), ""), V::NameMismatch);
        assert_eq!(V::of(None, "王小明"), V::Unknown);
        assert!(same_name("阿依古丽·买买提", "阿依古丽•买买提"));
    }

    #[test]
    fn a_filing_names_an_occupation_and_at_least_one_level() {
        let errors = check_filing(&FilingInput { occupation: String::new(), levels: vec![], note: String::new() })
            .expect_err("no");
        assert!(errors.iter().any(|e| e.field == "occupation") && errors.iter().any(|e| e.field == "levels"));
        let f = check_filing(&FilingInput {
            occupation: "6-31-01-02".into(),
            levels: vec!["3".into(), "四级/中级工".into()],
            note: "考评员 6 名".into(),
        })
        .expect("accepted");
        assert_eq!(f.levels, vec![Level::Four, Level::Three]);
    }

    #[test]
    fn scores_and_submission_say_what_is_missing() {
        let errors = check_scores(&ScoresInput { theory: "101".into(), practical: String::new() }).expect_err("no");
        assert_eq!(errors.len(), 2);
        let session = Session {
            occupation: OccupationCode::parse("6-31-01-02").expect("code"),
            level: Level::Three,
            held_on: day("2026-12-10"),
            place: "实训楼".into(),
            assessors: vec!["甲".into(), "乙".into(), "丙".into()],
            self_evaluation: false,
        };
        assert_eq!(submission_problems(&session, 0, day("2026-12-03")).len(), 2);
        assert!(submission_problems(&session, 3, day("2026-12-10")).is_empty());
    }
}
