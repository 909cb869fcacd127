//! The annual review (年度复核, C4.4 四(四) 动态管理): every year the bureau re-reviews each
//! recognised base; a base that no longer trains or no longer meets the standard is revoked
//! (核销).
//!
//! A campaign of year Y gives every base active on its cut-off day a report to file by a
//! deadline in working days. The report is pre-filled from the base's records ([`Figures`]);
//! the base may correct a figure with a reason (both values stay), assesses itself against
//! C2.1.1–C2.1.4 and states its plan. Staff conclude pass, rectify (整改, with what and a
//! deadline) or propose revocation; a leader other than the proposer approves or rejects a
//! revocation. Voluntary exit is a revocation on that ground, with the same four eyes.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::certification::{StepError, step};
use crate::dictionary::Dictionary;
use crate::fields::FieldError;
use crate::incentive::YearSummary;
use crate::money::Money;
use crate::notice::BaseStatus;
use crate::roles::Role;
use crate::training::{Category, Level, Mode};

/// The clause every revocation cites.
pub const CLAUSE: &str = "四(四) 动态管理：每年复核一次，对不能继续发挥培养作用或不符合建设标准的予以核销";

/// How many working days a base has to file its report, from the day after the campaign opens.
pub const REPORT_DAYS: RangeInclusive<u32> = 5..=60;
/// How many working days a rectification may be given, from the day after the decision.
pub const RECTIFICATION_DAYS: RangeInclusive<u32> = 5..=90;
/// Reminders go out this many working days before a report's deadline.
pub const REMIND_BEFORE_DAYS: u32 = 3;

crate::dictionary! {
    /// Where a campaign stands.
    CampaignStatus {
        Open = ("open", "进行中"),
        Closed = ("closed", "已结束"),
    }

    /// Where a base's annual report stands.
    ReportStatus {
        Pending = ("pending", "待填报"),
        Submitted = ("submitted", "待复核"),
        Rectifying = ("rectifying", "整改中"),
        Answered = ("answered", "整改待复核"),
        RevocationProposed = ("revocation_proposed", "核销待审批"),
        Passed = ("passed", "复核通过"),
        Revoked = ("revoked", "已核销"),
    }

    /// Every step of a report.
    ReportAction {
        Submit = ("submit", "提交年度报告"),
        Pass = ("pass", "复核通过"),
        Rectify = ("rectify", "责令整改"),
        Answer = ("answer", "提交整改情况"),
        ProposeRevocation = ("propose_revocation", "提请核销"),
        ApproveRevocation = ("approve_revocation", "批准核销"),
        RejectRevocation = ("reject_revocation", "不同意核销"),
    }

    /// Why a base is revoked.
    Ground {
        NotMeetingStandard = ("not_meeting_standard", "不符合建设标准"),
        NotTraining = ("not_training", "不能继续发挥培养作用"),
        MissedReport = ("missed_report", "未按期提交年度报告"),
        FailedRectification = ("failed_rectification", "整改不到位"),
        VoluntaryExit = ("voluntary_exit", "基地申请退出"),
    }

    /// How a base stands against one clause of C2.1 today.
    Standing {
        Kept = ("kept", "仍符合"),
        Changed = ("changed", "有变化，仍符合"),
        NotMet = ("not_met", "已不符合"),
    }

    /// The clauses of 二(一) the self-assessment answers.
    Clause {
        Body = ("C2.1.1", "建设主体"),
        Site = ("C2.1.2", "实训场地设备"),
        Team = ("C2.1.3", "师资管理团队"),
        Rules = ("C2.1.4", "规范管理制度（制度上墙）"),
    }
}

impl ReportStatus {
    /// The base may still fill in its report (its figures are live until it submits).
    pub fn is_draft(self) -> bool {
        self == ReportStatus::Pending
    }

    /// The review of this report has ended.
    pub fn is_final(self) -> bool {
        matches!(self, ReportStatus::Passed | ReportStatus::Revoked)
    }
}

/// The report's life cycle. `proposed_from` is where a proposed revocation came from: a
/// rejected proposal returns there.
pub fn report_transition(
    from: ReportStatus,
    action: ReportAction,
    role: Role,
    proposed_from: Option<ReportStatus>,
) -> Result<ReportStatus, StepError> {
    use ReportStatus as S;
    let (who, to) = match action {
        ReportAction::Submit => (Role::Applicant, (from == S::Pending).then_some(S::Submitted)),
        ReportAction::Pass => (Role::Staff, matches!(from, S::Submitted | S::Answered).then_some(S::Passed)),
        ReportAction::Rectify => (Role::Staff, matches!(from, S::Submitted | S::Answered).then_some(S::Rectifying)),
        ReportAction::Answer => (Role::Applicant, (from == S::Rectifying).then_some(S::Answered)),
        ReportAction::ProposeRevocation => (
            Role::Staff,
            matches!(from, S::Pending | S::Submitted | S::Rectifying | S::Answered).then_some(S::RevocationProposed),
        ),
        ReportAction::ApproveRevocation => (Role::Leader, (from == S::RevocationProposed).then_some(S::Revoked)),
        ReportAction::RejectRevocation => {
            (Role::Leader, (from == S::RevocationProposed).then(|| proposed_from.unwrap_or(S::Submitted)))
        }
    };
    step(from, action.label(), role, &[who], to)
}

/// What a report's new state makes of its base, if anything.
pub fn base_status_after(to: ReportStatus) -> Option<BaseStatus> {
    match to {
        ReportStatus::Passed => Some(BaseStatus::Active),
        ReportStatus::Rectifying => Some(BaseStatus::Rectifying),
        ReportStatus::Revoked => Some(BaseStatus::Revoked),
        _ => None,
    }
}

// ---------------------------------------------------------------- campaign

/// A campaign as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CampaignInput {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub cut_off: String,
    #[serde(default)]
    pub days: String,
    #[serde(default)]
    pub note: String,
}

/// A campaign checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub year: i32,
    /// Bases active on this day are reviewed.
    pub cut_off: NaiveDate,
    /// Working days to file, from the day after opening.
    pub days: u32,
    pub note: Option<String>,
}

fn text(value: &str, field: &str, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max {
        errors.push(FieldError::new(field, "too_long", format!("不能超过 {max} 字")));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

fn days(value: &str, field: &str, range: &RangeInclusive<u32>, errors: &mut Vec<FieldError>) -> u32 {
    match value.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            errors.push(FieldError::new(
                field,
                "days_out_of_range",
                format!("期限应为 {} 至 {} 个工作日", range.start(), range.end()),
            ));
            0
        }
    }
}

/// Checks a campaign to open on `today`: the year reviewed has begun, the cut-off day lies in
/// it or after it and not after today.
pub fn check_campaign(input: &CampaignInput, today: NaiveDate) -> Result<Campaign, Vec<FieldError>> {
    let mut errors = Vec::new();
    let year = match input.year.trim().parse::<i32>() {
        Ok(y) if (2023..=today.year()).contains(&y) => y,
        _ => {
            errors.push(FieldError::new("year", "invalid_year", format!("复核年度应为 2023 至 {} 年", today.year())));
            0
        }
    };
    let cut_off = match NaiveDate::parse_from_str(input.cut_off.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            errors.push(FieldError::new("cut_off", "future_cut_off", "截止日不能晚于今天"));
            d
        }
        Ok(d) if year != 0 && d.year() < year => {
            errors.push(FieldError::new("cut_off", "before_year", format!("截止日应在 {year} 年内或其后")));
            d
        }
        Ok(d) => d,
        Err(_) => {
            errors.push(FieldError::new("cut_off", "invalid_date", "请填写截止日，格式如 2026-12-31"));
            today
        }
    };
    let days = days(&input.days, "days", &REPORT_DAYS, &mut errors);
    let note = text(&input.note, "note", 1000, &mut errors);
    if errors.is_empty() { Ok(Campaign { year, cut_off, days, note }) } else { Err(errors) }
}

// ---------------------------------------------------------------- figures

/// What a base's records hold for one year, as the store counts them. Everything else the
/// report shows is derived from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub year: i32,
    /// Distinct trainees enrolled in the year's classes, by category.
    pub trainees: BTreeMap<Category, i64>,
    /// Of them, workers of an upstream or downstream company (C2.3).
    pub supply_chain: i64,
    /// Classes starting in the year, by mode: (classes, hours).
    pub classes: BTreeMap<Mode, (i64, i64)>,
    /// Enrolments in those classes, and how many completed.
    pub enrolments: i64,
    pub completed: i64,
    /// Certificates issued in the year and not revoked, by level.
    pub certificates: BTreeMap<Level, i64>,
    /// Master–apprentice pairs with a day in the year.
    pub apprenticeships: i64,
    /// Competitions held in the year, their entries and the entries with an award.
    pub competitions: i64,
    pub entries: i64,
    pub awards: i64,
    pub incentives: YearSummary,
    /// The ledger as it stands: granted, disbursed, spent (by category) and the balance.
    pub granted: Money,
    pub disbursed: Money,
    pub spent_by_category: BTreeMap<String, Money>,
    pub balance: Money,
}

/// One figure of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// Stable key (`trainees.own_employee`, `classes.self_run.hours`, `spent.3` …).
    pub key: String,
    pub label: String,
    /// A count, hours, or fen when `unit` is 元.
    pub value: i64,
    pub unit: String,
    /// Where the figure comes from (培训记录、技能等级认定、资金台账 …).
    pub source: String,
}

impl Line {
    fn new(key: String, label: String, value: i64, unit: &str, source: &str) -> Line {
        Line { key, label, value, unit: unit.to_owned(), source: source.to_owned() }
    }

    pub fn is_money(&self) -> bool {
        self.unit == "元"
    }

    /// The value as people read it (元 with two decimals).
    pub fn shown(value: i64, unit: &str) -> String {
        if unit == "元" { Money::from_fen(value).to_string() } else { value.to_string() }
    }
}

impl Figures {
    /// Nothing recorded.
    pub fn empty(year: i32) -> Figures {
        Figures {
            year,
            trainees: BTreeMap::new(),
            supply_chain: 0,
            classes: BTreeMap::new(),
            enrolments: 0,
            completed: 0,
            certificates: BTreeMap::new(),
            apprenticeships: 0,
            competitions: 0,
            entries: 0,
            awards: 0,
            incentives: YearSummary::new(year),
            granted: Money::ZERO,
            disbursed: Money::ZERO,
            spent_by_category: BTreeMap::new(),
            balance: Money::ZERO,
        }
    }

    pub fn trainee_total(&self) -> i64 {
        self.trainees.values().sum()
    }

    /// The report's lines, in the order it prints them; every dictionary value is listed, zero
    /// when there is none. `category_names` names the ledger's spending categories.
    pub fn lines(&self, category_names: &BTreeMap<String, String>) -> Vec<Line> {
        const TRAINING: &str = "培训记录";
        let mut out = vec![Line::new("trainees".into(), "培训学员（人）".into(), self.trainee_total(), "人", TRAINING)];
        for &c in Category::ALL {
            let n = self.trainees.get(&c).copied().unwrap_or(0);
            out.push(Line::new(format!("trainees.{}", c.code()), format!("其中：{}", c.label()), n, "人", TRAINING));
        }
        out.push(Line::new(
            "supply_chain".into(),
            "其中：产业链上下游企业职工（按工作单位关系）".into(),
            self.supply_chain,
            "人",
            TRAINING,
        ));
        for &m in Mode::ALL {
            let (classes, hours) = self.classes.get(&m).copied().unwrap_or((0, 0));
            out.push(Line::new(
                format!("classes.{}", m.code()),
                format!("{}：班次", m.label()),
                classes,
                "个",
                TRAINING,
            ));
            out.push(Line::new(
                format!("classes.{}.hours", m.code()),
                format!("{}：学时", m.label()),
                hours,
                "学时",
                TRAINING,
            ));
        }
        out.push(Line::new("enrolments".into(), "参训人次".into(), self.enrolments, "人次", TRAINING));
        out.push(Line::new("completed".into(), "结业人次".into(), self.completed, "人次", TRAINING));
        for &l in Level::ALL {
            let n = self.certificates.get(&l).copied().unwrap_or(0);
            out.push(Line::new(
                format!("certificates.{}", l.code()),
                format!("取得职业技能等级证书：{}", l.label()),
                n,
                "人",
                "技能等级认定",
            ));
        }
        out.push(Line::new("apprenticeships".into(), "高师带徒（对）".into(), self.apprenticeships, "对", TRAINING));
        out.push(Line::new("competitions".into(), "举办或参加技能竞赛".into(), self.competitions, "项", TRAINING));
        out.push(Line::new("competition_entries".into(), "参赛人次".into(), self.entries, "人次", TRAINING));
        out.push(Line::new("competition_awards".into(), "获奖人次".into(), self.awards, "人次", TRAINING));
        const INCENTIVES: &str = "激励记录";
        let i = &self.incentives;
        out.push(Line::new("chief_technicians".into(), "首席技师".into(), i.chief_technicians, "人", INCENTIVES));
        out.push(Line::new("master_studios".into(), "技能大师工作室".into(), i.master_studios, "个", INCENTIVES));
        let (awards, amount) = i.awards.iter().fold((0, 0), |(n, fen), t| (n + t.count, fen + t.amount.fen()));
        out.push(Line::new("incentive_awards".into(), "表彰奖励".into(), awards, "项", INCENTIVES));
        out.push(Line::new("incentive_awards.amount".into(), "表彰奖励金额".into(), amount, "元", INCENTIVES));
        const LEDGER: &str = "资金台账";
        out.push(Line::new("granted".into(), "核定资助".into(), self.granted.fen(), "元", LEDGER));
        out.push(Line::new("disbursed".into(), "已拨付".into(), self.disbursed.fen(), "元", LEDGER));
        for (category, spent) in &self.spent_by_category {
            let name = category_names.get(category).cloned().unwrap_or_else(|| category.clone());
            out.push(Line::new(format!("spent.{category}"), format!("支出：{name}"), spent.fen(), "元", LEDGER));
        }
        let spent: i64 = self.spent_by_category.values().map(|m| m.fen()).sum();
        out.push(Line::new("spent".into(), "支出合计".into(), spent, "元", LEDGER));
        out.push(Line::new("balance".into(), "结余".into(), self.balance.fen(), "元", LEDGER));
        out
    }
}

/// A figure the base corrects, with its reason; the pre-filled value stays beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub key: String,
    pub value: i64,
    pub reason: String,
}

/// One clause of the self-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub clause: Clause,
    pub standing: Standing,
    pub note: String,
    /// A new photo (the site, the team, the rules on the wall) as evidence, if one was given.
    #[serde(default)]
    pub photo: Option<Photo>,
}

/// A file kept as a self-assessment's evidence: its content address, sniffed kind and the
/// name to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub hash: String,
    pub kind: String,
    pub name: String,
}

/// What the base writes into its report, as posted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportInput {
    /// Per line key: the corrected value as typed (blank: no correction) and its reason.
    pub corrections: Vec<(String, String, String)>,
    /// Per clause code: the standing code and a note.
    pub assessment: Vec<(String, String, String)>,
    pub plan: String,
}

/// What the base writes into its report, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportContent {
    pub corrections: Vec<Correction>,
    pub assessment: Vec<Assessment>,
    pub plan: String,
}

impl ReportContent {
    /// Ready to submit: every clause assessed and a plan written.
    pub fn missing(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        for &c in Clause::ALL {
            if !self.assessment.iter().any(|a| a.clause == c) {
                out.push(FieldError::new(
                    format!("assessment.{}", c.code()),
                    "required",
                    format!("请对照{}（{}）作出自评", c.code(), c.label()),
                ));
            }
        }
        if self.plan.trim().is_empty() {
            out.push(FieldError::new("plan", "required", "请填写下一年度培育计划"));
        }
        out
    }

    pub fn correction(&self, key: &str) -> Option<&Correction> {
        self.corrections.iter().find(|c| c.key == key)
    }
}

/// Checks what the base wrote against the report's lines: a corrected figure must be a line of
/// the report, a whole non-negative number (元 with at most two decimals) and carry a reason; a
/// clause not kept must say what changed.
pub fn check_report(input: &ReportInput, lines: &[Line]) -> Result<ReportContent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut corrections = Vec::new();
    for (key, value, reason) in &input.corrections {
        let (value, reason) = (value.trim(), reason.trim());
        if value.is_empty() && reason.is_empty() {
            continue;
        }
        let field = format!("corrections.{key}");
        let Some(line) = lines.iter().find(|l| &l.key == key) else {
            errors.push(FieldError::new(field, "unknown_figure", "报告中没有这一项数据"));
            continue;
        };
        let parsed = if line.is_money() {
            Money::parse(value).ok().filter(|m| !m.is_negative()).map(Money::fen)
        } else {
            value.parse::<i64>().ok().filter(|n| *n >= 0)
        };
        let Some(parsed) = parsed else {
            let hint = if line.is_money() {
                "请填写金额（元），最多两位小数"
            } else {
                "请填写不小于 0 的整数"
            };
            errors.push(FieldError::new(field, "invalid_number", hint));
            continue;
        };
        if reason.is_empty() {
            errors.push(FieldError::new(format!("{field}.reason"), "required", "更正数据须写明理由"));
            continue;
        }
        if reason.chars().count() > 500 {
            errors.push(FieldError::new(format!("{field}.reason"), "too_long", "理由不能超过 500 字"));
            continue;
        }
        if parsed != line.value {
            corrections.push(Correction { key: key.clone(), value: parsed, reason: reason.to_owned() });
        }
    }
    let mut assessment = Vec::new();
    for (clause, standing, note) in &input.assessment {
        let field = format!("assessment.{clause}");
        let Some(clause) = Clause::parse(clause) else {
            errors.push(FieldError::new(field, "unknown_clause", "没有这一条款"));
            continue;
        };
        if standing.trim().is_empty() {
            continue;
        }
        let Some(standing) = Standing::parse(standing.trim()) else {
            errors.push(FieldError::new(field, Standing::UNKNOWN, "请选择是否仍符合"));
            continue;
        };
        let note = note.trim();
        if standing != Standing::Kept && note.is_empty() {
            errors.push(FieldError::new(format!("{field}.note"), "required", "有变化或已不符合的，请说明情况"));
            continue;
        }
        if note.chars().count() > 1000 {
            errors.push(FieldError::new(format!("{field}.note"), "too_long", "说明不能超过 1000 字"));
            continue;
        }
        assessment.push(Assessment { clause, standing, note: note.to_owned(), photo: None });
    }
    let plan = input.plan.trim();
    if plan.chars().count() > 3000 {
        errors.push(FieldError::new("plan", "too_long", "培育计划不能超过 3000 字"));
    }
    if errors.is_empty() { Ok(ReportContent { corrections, assessment, plan: plan.to_owned() }) } else { Err(errors) }
}

/// A rectification order as posted, checked: what to fix and how many working days.
pub fn check_rectification(what: &str, days_text: &str) -> Result<(String, u32), Vec<FieldError>> {
    let mut errors = Vec::new();
    let what = what.trim();
    if what.is_empty() {
        errors.push(FieldError::new("comment", "required", "请写明整改事项"));
    } else if what.chars().count() > 1000 {
        errors.push(FieldError::new("comment", "too_long", "整改事项不能超过 1000 字"));
    }
    let days = days(days_text, "days", &RECTIFICATION_DAYS, &mut errors);
    if errors.is_empty() { Ok((what.to_owned(), days)) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_life_cycle_of_a_report() {
        use ReportAction as A;
        use ReportStatus as S;
        let staff = Role::Staff;
        assert_eq!(report_transition(S::Pending, A::Submit, Role::Applicant, None), Ok(S::Submitted));
        assert_eq!(report_transition(S::Submitted, A::Rectify, staff, None), Ok(S::Rectifying));
        assert_eq!(report_transition(S::Rectifying, A::Answer, Role::Applicant, None), Ok(S::Answered));
        assert_eq!(report_transition(S::Answered, A::Pass, staff, None), Ok(S::Passed));
        assert_eq!(report_transition(S::Pending, A::ProposeRevocation, staff, None), Ok(S::RevocationProposed));
        assert_eq!(
            report_transition(S::RevocationProposed, A::RejectRevocation, Role::Leader, Some(S::Pending)),
            Ok(S::Pending)
        );
        assert_eq!(report_transition(S::RevocationProposed, A::ApproveRevocation, Role::Leader, None), Ok(S::Revoked));
        // Staff never approve a revocation; a leader never passes a report; nothing leaves the end.
        assert!(matches!(
            report_transition(S::RevocationProposed, A::ApproveRevocation, staff, None),
            Err(StepError::NotYourRole { .. })
        ));
        assert!(matches!(
            report_transition(S::Submitted, A::Pass, Role::Leader, None),
            Err(StepError::NotYourRole { .. })
        ));
        for action in ReportAction::ALL {
            for role in Role::ALL {
                for end in [S::Passed, S::Revoked] {
                    assert!(report_transition(end, *action, role, None).is_err(), "{end:?} {action:?}");
                }
            }
        }
        // A pending report cannot be passed without being filed.
        assert!(matches!(report_transition(S::Pending, A::Pass, staff, None), Err(StepError::NotFromHere { .. })));
        assert_eq!(base_status_after(S::Rectifying), Some(BaseStatus::Rectifying));
        assert_eq!(base_status_after(S::Revoked), Some(BaseStatus::Revoked));
        assert_eq!(base_status_after(S::Answered), None);
    }

    #[test]
    fn a_campaign_is_checked() {
        let today = d("2027-01-10");
        let ok =
            CampaignInput { year: "2026".into(), cut_off: "2026-12-31".into(), days: "20".into(), note: "".into() };
        assert_eq!(
            check_campaign(&ok, today),
            Ok(Campaign { year: 2026, cut_off: d("2026-12-31"), days: 20, note: None })
        );
        let bad =
            CampaignInput { year: "2028".into(), cut_off: "2027-02-01".into(), days: "3".into(), note: "".into() };
        let errors = check_campaign(&bad, today).expect_err("refused");
        let codes: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("year", "invalid_year"), ("cut_off", "future_cut_off"), ("days", "days_out_of_range")]);
        let early = CampaignInput { cut_off: "2025-12-31".into(), ..ok };
        assert_eq!(check_campaign(&early, today).expect_err("refused")[0].code, "before_year");
    }

    fn sample() -> Figures {
        let mut f = Figures::empty(2026);
        f.trainees.insert(Category::OwnEmployee, 3);
        f.trainees.insert(Category::SupplyChain, 2);
        f.supply_chain = 2;
        f.classes.insert(Mode::SelfRun, (2, 80));
        f.spent_by_category.insert("3".into(), Money::from_fen(12_345));
        f.balance = Money::from_fen(99_000);
        f
    }

    #[test]
    fn lines_list_every_value_with_its_source() {
        let names = BTreeMap::from([("3".to_owned(), "设备购置".to_owned())]);
        let lines = sample().lines(&names);
        let get = |k: &str| lines.iter().find(|l| l.key == k).map(|l| l.value);
        assert_eq!(get("trainees"), Some(5));
        assert_eq!(get("trainees.student"), Some(0));
        assert_eq!(get("classes.self_run.hours"), Some(80));
        assert_eq!(get("classes.targeted"), Some(0));
        assert_eq!(get("certificates.1"), Some(0));
        assert_eq!(get("spent"), Some(12_345));
        let spent = lines.iter().find(|l| l.key == "spent.3").expect("category line");
        assert_eq!((spent.label.as_str(), spent.source.as_str()), ("支出：设备购置", "资金台账"));
        let keys: std::collections::HashSet<_> = lines.iter().map(|l| &l.key).collect();
        assert_eq!(keys.len(), lines.len(), "keys are unique");
        assert_eq!(Line::shown(12_345, "元"), "¥123.45");
    }

    #[test]
    fn corrections_keep_a_reason_and_assessment_says_what_changed() {
        let lines = sample().lines(&BTreeMap::new());
        let input = ReportInput {
            corrections: vec![
                ("trainees.own_employee".into(), "4".into(), "一名学员漏登".into()),
                ("balance".into(), "990.00".into(), "与台账一致".into()),
                ("trainees.student".into(), "".into(), "".into()),
            ],
            assessment: vec![
                ("C2.1.1".into(), "kept".into(), "".into()),
                ("C2.1.2".into(), "changed".into(), "新增实训室".into()),
            ],
            plan: "继续开展培训".into(),
        };
        let content = check_report(&input, &lines).expect("valid");
        // A "correction" equal to the pre-filled figure is no correction.
        assert_eq!(
            content.corrections,
            vec![Correction { key: "trainees.own_employee".into(), value: 4, reason: "一名学员漏登".into() }]
        );
        let missing: Vec<_> = content.missing().into_iter().map(|e| e.field).collect();
        assert_eq!(missing, ["assessment.C2.1.3", "assessment.C2.1.4"]);
        let bad = ReportInput {
            corrections: vec![
                ("trainees".into(), "-1".into(), "x".into()),
                ("trainees.student".into(), "2".into(), "".into()),
                ("nothing".into(), "2".into(), "x".into()),
                ("balance".into(), "1.234".into(), "x".into()),
            ],
            assessment: vec![("C2.1.4".into(), "not_met".into(), "".into())],
            plan: String::new(),
        };
        let codes: Vec<_> =
            check_report(&bad, &lines).expect_err("refused").into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            [
                ("corrections.trainees".to_owned(), "invalid_number"),
                ("corrections.trainees.student.reason".to_owned(), "required"),
                ("corrections.nothing".to_owned(), "unknown_figure"),
                ("corrections.balance".to_owned(), "invalid_number"),
                ("assessment.C2.1.4.note".to_owned(), "required"),
            ]
        );
    }

    #[test]
    fn a_rectification_says_what_and_when() {
        assert_eq!(check_rectification(" 补拍制度上墙照片 ", "10"), Ok(("补拍制度上墙照片".to_owned(), 10)));
        let codes: Vec<_> = check_rectification("", "200").expect_err("refused").into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["required", "days_out_of_range"]);
    }
}
