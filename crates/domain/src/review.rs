//! Expert review (C4.2) as rules: who may judge an applicant (conflicts of interest computed from
//! data, all keyed by 统一社会信用代码), a reproducible random draw, how scores aggregate, and how
//! the ranking with its quota comes out. Pure: the use cases of the review stage call these and
//! store what they return.

use std::cmp::Ordering;
use std::ops::RangeInclusive;

use chrono::{Months, NaiveDate};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::fields::FieldError;
use crate::policy::RubricItem;
use crate::roles::Role;
use crate::uscc::Uscc;

/// How long a past employment still ties an expert to that employer.
pub const PAST_EMPLOYER_YEARS: u32 = 3;

/// Working days an expert has to score, unless staff choose otherwise.
pub const DEFAULT_REVIEW_DAYS: u32 = 5;

/// The review deadlines staff may give, in working days from the day after the draw.
pub const REVIEW_DAYS: RangeInclusive<u32> = 1..=30;

/// The most experts one application may be given (the fewest is the policy's `min_experts`).
pub const MAX_EXPERTS: u32 = 15;

/// An expert as the pool knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertProfile {
    /// A stable id (the account's).
    pub id: String,
    /// Key-industry ids of the policy the expert reviews.
    pub industries: Vec<String>,
    pub employer: Option<Uscc>,
    pub past_employers: Vec<PastEmployer>,
    /// Organisations the expert declared a tie with.
    pub declared_ties: Vec<Uscc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastEmployer {
    pub uscc: Uscc,
    /// The last day employed there.
    pub until: NaiveDate,
}

/// What the draw needs to know about the applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    pub uscc: Uscc,
    pub industry: String,
    /// Upstream and downstream companies it listed (C2.3).
    pub supply_chain: Vec<Uscc>,
}

/// Why an expert may not judge an applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Works for the applicant.
    SameEmployer,
    /// Worked for the applicant until `until`, within the last three years.
    RecentPastEmployer { until: NaiveDate },
    /// Declared a tie with the applicant.
    DeclaredTie,
    /// Works for (or recently worked for, or declared a tie with) one of the applicant's
    /// upstream or downstream companies.
    SupplyChain { uscc: String },
}

impl Conflict {
    pub fn label(&self) -> String {
        match self {
            Conflict::SameEmployer => "现任职于申报单位".to_owned(),
            Conflict::RecentPastEmployer { until } => format!("三年内曾任职于申报单位（至 {until}）"),
            Conflict::DeclaredTie => "本人声明与申报单位存在关联".to_owned(),
            Conflict::SupplyChain { uscc } => format!("与申报单位的上下游企业（{uscc}）存在关联"),
        }
    }
}

/// Every tie between `expert` and `applicant` on `today`.
pub fn conflicts(expert: &ExpertProfile, applicant: &Applicant, today: NaiveDate) -> Vec<Conflict> {
    let since = today.checked_sub_months(Months::new(12 * PAST_EMPLOYER_YEARS)).unwrap_or(NaiveDate::MIN);
    let tied_to = |org: &Uscc| -> Option<Conflict> {
        if expert.employer.as_ref() == Some(org) {
            return Some(Conflict::SameEmployer);
        }
        if let Some(past) = expert.past_employers.iter().find(|p| &p.uscc == org && p.until >= since) {
            return Some(Conflict::RecentPastEmployer { until: past.until });
        }
        expert.declared_ties.contains(org).then_some(Conflict::DeclaredTie)
    };
    let mut found: Vec<Conflict> = tied_to(&applicant.uscc).into_iter().collect();
    for company in &applicant.supply_chain {
        if tied_to(company).is_some() {
            found.push(Conflict::SupplyChain { uscc: company.as_str().to_owned() });
        }
    }
    found
}

/// A draw, kept whole so anyone can repeat it: the seed, the candidates in their canonical
/// order, and who was drawn — and how the pool came down to the candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub seed: u64,
    pub candidates: Vec<String>,
    pub drawn: Vec<String>,
    #[serde(default)]
    pub counts: DrawCounts,
}

/// How the pool came down to the candidates of a draw: the active experts of the applicant's
/// industry, those of them already drawn for the application (or withdrawn), those with a
/// conflict of interest, and who was left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawCounts {
    pub in_industry: usize,
    pub already_drawn: usize,
    pub conflicted: usize,
    pub eligible: usize,
}

impl std::fmt::Display for DrawCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "本行业在库专家 {} 名，其中已抽取过 {} 名、存在利益冲突 {} 名，符合条件的 {} 名",
            self.in_industry, self.already_drawn, self.conflicted, self.eligible
        )
    }
}

impl Draw {
    /// Fewer drawn than `wanted`: how many and why (`None` when the draw is complete).
    pub fn shortfall(&self, wanted: usize) -> Option<Shortfall> {
        (self.drawn.len() < wanted).then_some(Shortfall { wanted, drawn: self.drawn.len(), counts: self.counts })
    }
}

/// A draw that found fewer experts than it was asked for (issue: 5 asked, 4 drawn, and nobody
/// was told). Stored, shown to staff and put on their to-do until a later draw fills it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    pub wanted: usize,
    pub drawn: usize,
    pub counts: DrawCounts,
}

impl Shortfall {
    pub fn missing(&self) -> usize {
        self.wanted.saturating_sub(self.drawn)
    }

    /// The sentence staff read: how many were drawn, and why not more.
    pub fn message(&self) -> String {
        format!(
            "需抽取 {} 名评审专家，只抽到 {} 名，还缺 {} 名：{}。请补充专家库后补抽。",
            self.wanted,
            self.drawn,
            self.missing(),
            self.counts
        )
    }
}

/// A shortfall's life: open until later draws have brought the missing experts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortfallStatus {
    Open,
    Filled,
}

impl ShortfallStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ShortfallStatus::Open => "open",
            ShortfallStatus::Filled => "filled",
        }
    }

    pub fn parse(s: &str) -> Option<ShortfallStatus> {
        [ShortfallStatus::Open, ShortfallStatus::Filled].into_iter().find(|v| v.as_str() == s)
    }
}

/// The one transition of a shortfall: `drawn` more experts arrive for an open shortfall still
/// missing `missing`; the answer is what is still missing, how many of the drawn it used, and
/// its state. A filled shortfall takes nothing.
pub fn fill_shortfall(status: ShortfallStatus, missing: usize, drawn: usize) -> (usize, usize, ShortfallStatus) {
    match status {
        ShortfallStatus::Filled => (0, 0, ShortfallStatus::Filled),
        ShortfallStatus::Open => {
            let used = drawn.min(missing);
            let left = missing - used;
            (left, used, if left == 0 { ShortfallStatus::Filled } else { ShortfallStatus::Open })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("符合条件且无利益冲突的专家只有 {available} 名，不足 {needed} 名（{counts}）")]
    NotEnough { available: usize, needed: usize, counts: DrawCounts },
}

/// Draws `n` experts of the applicant's industry with no conflict, leaving out `excluded` (those
/// already drawn or withdrawn). The candidates are sorted by id before a ChaCha8 shuffle seeded
/// with `seed` (`shuffle` below), so the same inputs always give the same draw on any machine and
/// with any version of the `rand` crates. Fewer than `n` candidates is an error unless at least
/// `minimum` remain (then all of them are drawn, and [`Draw::shortfall`] says so).
pub fn draw(
    seed: u64,
    pool: &[ExpertProfile],
    applicant: &Applicant,
    excluded: &[String],
    today: NaiveDate,
    n: usize,
    minimum: usize,
) -> Result<Draw, DrawError> {
    let in_industry: Vec<&ExpertProfile> = pool.iter().filter(|e| e.industries.contains(&applicant.industry)).collect();
    let fresh: Vec<&ExpertProfile> = in_industry.iter().copied().filter(|e| !excluded.contains(&e.id)).collect();
    let mut candidates: Vec<String> =
        fresh.iter().filter(|e| conflicts(e, applicant, today).is_empty()).map(|e| e.id.clone()).collect();
    candidates.sort();
    candidates.dedup();
    let counts = DrawCounts {
        in_industry: in_industry.len(),
        already_drawn: in_industry.len() - fresh.len(),
        conflicted: fresh.len() - candidates.len(),
        eligible: candidates.len(),
    };
    if candidates.len() < minimum.max(1) {
        return Err(DrawError::NotEnough { available: candidates.len(), needed: minimum.max(1), counts });
    }
    let mut shuffled = candidates.clone();
    shuffle(&mut shuffled, seed);
    shuffled.truncate(n);
    Ok(Draw { seed, candidates, drawn: shuffled, counts })
}

/// The draw's shuffle, written out here so that no upgrade of `rand` can change a draw (its
/// `SliceRandom::shuffle` is not promised to stay the same between versions, and it did change):
/// the ChaCha8 stream keyed by `chacha_key`, then Durstenfeld's Fisher–Yates from the last
/// place down, each place swapped with one drawn uniformly at or below it by `index_below`.
/// These are exactly the steps `rand` 0.8's `shuffle` took with `ChaCha8Rng::seed_from_u64`,
/// which made the draws stored so far, so they keep recomputing identically.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut stream = rand_chacha::ChaCha8Rng::from_seed(chacha_key(seed));
    for i in (1..items.len()).rev() {
        let bound = u32::try_from(i + 1).expect("fewer than 2^32 candidates");
        items.swap(i, index_below(&mut stream, bound) as usize);
    }
}

/// A uniform number in `0..bound` from the next 32-bit word(s) of the stream, without modulo
/// bias: the high half of `word × bound`, rejecting the words whose low half falls outside the
/// largest `bound × 2^k` that fits in 32 bits (Lemire's multiply-and-reject).
fn index_below(stream: &mut impl RngCore, bound: u32) -> u32 {
    let zone = (bound << bound.leading_zeros()).wrapping_sub(1);
    loop {
        let product = u64::from(stream.next_u32()) * u64::from(bound);
        let (high, low) = ((product >> 32) as u32, product as u32);
        if low <= zone {
            return high;
        }
    }
}

/// The 32-byte ChaCha8 key for a 64-bit seed: eight outputs of PCG32 (XSH RR) started from the
/// seed, each little-endian (what `rand_core` 0.6's `seed_from_u64` does, written out).
fn chacha_key(mut state: u64) -> [u8; 32] {
    const MULTIPLIER: u64 = 6_364_136_223_846_793_005;
    const INCREMENT: u64 = 11_634_580_027_462_260_723;
    let mut key = [0u8; 32];
    for word in key.chunks_exact_mut(4) {
        state = state.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
        let xorshifted = (((state >> 18) ^ state) >> 27) as u32;
        word.copy_from_slice(&xorshifted.rotate_right((state >> 59) as u32).to_le_bytes());
    }
    key
}

/// The aggregate of one application's scores (each a whole number of points, 0–100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregate {
    /// The mean of the counted scores in hundredths of a point (8 033 = 80.33), rounded half up.
    pub mean_hundredths: i64,
    /// How many scores count (with five or more, the highest and lowest one are dropped).
    pub counted: usize,
    /// The positions (in the input) of the dropped highest and lowest score.
    pub dropped: Option<(usize, usize)>,
    /// The median of all scores, in hundredths.
    pub median_hundredths: i64,
    /// Positions of scores more than `outlier_points` from the median: for discussion.
    pub outliers: Vec<usize>,
}

/// Aggregates scores: the mean; with five or more, one highest and one lowest are dropped
/// first; a score more than `outlier_points` from the median is flagged. `None` without scores.
pub fn aggregate(scores: &[u32], outlier_points: u32) -> Option<Aggregate> {
    if scores.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by_key(|&i| (scores[i], i));
    let dropped = (scores.len() >= 5).then(|| (order[order.len() - 1], order[0]));
    let counted: Vec<i64> = (0..scores.len())
        .filter(|i| dropped.is_none_or(|(hi, lo)| *i != hi && *i != lo))
        .map(|i| i64::from(scores[i]))
        .collect();
    let n = i64::try_from(counted.len()).unwrap_or(1);
    let sum: i64 = counted.iter().sum();
    // Round half up: (sum*100 + n/2) / n, all integers.
    let mean_hundredths = (sum * 100 + n / 2) / n;
    let sorted: Vec<i64> = order.iter().map(|&i| i64::from(scores[i]) * 100).collect();
    let mid = sorted.len() / 2;
    let median_hundredths = if sorted.len() % 2 == 1 { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2 };
    let limit = i64::from(outlier_points) * 100;
    let outliers =
        (0..scores.len()).filter(|&i| (i64::from(scores[i]) * 100 - median_hundredths).abs() > limit).collect();
    Some(Aggregate { mean_hundredths, counted: counted.len(), dropped, median_hundredths, outliers })
}

/// One application entering the ranking of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankEntry {
    pub id: String,
    pub eligible: bool,
    pub mean_hundredths: i64,
    /// A priority qualification (C2.1.P) verified by staff.
    pub priority_verified: bool,
    /// Tie-breaker: the earlier complete submission first.
    pub submitted_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Proposed,
    BeyondQuota,
    BelowThreshold,
    Ineligible,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Proposed => "拟认定",
            Outcome::BeyondQuota => "超出名额",
            Outcome::BelowThreshold => "未达分数线",
            Outcome::Ineligible => "不符合申报条件",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub id: String,
    /// 1-based among those at or above the threshold; `None` for the others.
    pub position: Option<usize>,
    pub outcome: Outcome,
}

/// The documented order: priority-verified applications first (C2.1.P), then the higher mean,
/// then the earlier submission, then the id (so the order is total and never depends on input
/// order).
pub fn rank_order(a: &RankEntry, b: &RankEntry) -> Ordering {
    b.priority_verified
        .cmp(&a.priority_verified)
        .then(b.mean_hundredths.cmp(&a.mean_hundredths))
        .then(a.submitted_at_ms.cmp(&b.submitted_at_ms))
        .then(a.id.cmp(&b.id))
}

/// Ranks a call: eligible applications at or above `threshold_points` in [`rank_order`], the
/// first `quota` proposed; then the others with the reason they are not.
pub fn rank(entries: &[RankEntry], threshold_points: u32, quota: usize) -> Vec<Ranked> {
    let threshold = i64::from(threshold_points) * 100;
    let mut above: Vec<&RankEntry> = entries.iter().filter(|e| e.eligible && e.mean_hundredths >= threshold).collect();
    above.sort_by(|a, b| rank_order(a, b));
    let mut out: Vec<Ranked> = above
        .iter()
        .enumerate()
        .map(|(i, e)| Ranked {
            id: e.id.clone(),
            position: Some(i + 1),
            outcome: if i < quota { Outcome::Proposed } else { Outcome::BeyondQuota },
        })
        .collect();
    let mut rest: Vec<&RankEntry> =
        entries.iter().filter(|e| !(e.eligible && e.mean_hundredths >= threshold)).collect();
    rest.sort_by(|a, b| rank_order(a, b));
    out.extend(rest.into_iter().map(|e| Ranked {
        id: e.id.clone(),
        position: None,
        outcome: if e.eligible { Outcome::BelowThreshold } else { Outcome::Ineligible },
    }));
    out
}

// ---------------------------------------------------------------------------------------------
// An expert's assignment (PRODUCT.md §3): assigned → {declined_conflict | accepted → scored}.

/// Where one expert's work on one application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Drawn; has not yet declared whether they have a conflict. Sees nothing of the application.
    Assigned,
    /// Declared no conflict of interest: reads the materials and scores.
    Accepted,
    /// Declared a conflict, or was withdrawn by staff for one: their score never counts, and a
    /// replacement is drawn.
    DeclinedConflict,
    /// Submitted their score.
    Scored,
}

impl AssignmentStatus {
    pub const ALL: [AssignmentStatus; 4] = [
        AssignmentStatus::Assigned,
        AssignmentStatus::Accepted,
        AssignmentStatus::DeclinedConflict,
        AssignmentStatus::Scored,
    ];

    /// The stored spelling (the `status` column's CHECK lists exactly these).
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Assigned => "assigned",
            AssignmentStatus::Accepted => "accepted",
            AssignmentStatus::DeclinedConflict => "declined_conflict",
            AssignmentStatus::Scored => "scored",
        }
    }

    pub fn parse(s: &str) -> Option<AssignmentStatus> {
        AssignmentStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AssignmentStatus::Assigned => "待声明回避",
            AssignmentStatus::Accepted => "评分中",
            AssignmentStatus::DeclinedConflict => "已回避",
            AssignmentStatus::Scored => "已评分",
        }
    }

    /// Does this assignment still owe a score (it counts towards "every score is in")?
    pub fn is_active(self) -> bool {
        self != AssignmentStatus::DeclinedConflict
    }
}

/// Everything that happens to an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentAction {
    /// The expert declares no conflict of interest (before seeing anything).
    DeclareNoConflict,
    /// The expert declares a conflict: withdrawn, a replacement is drawn.
    DeclareConflict,
    /// The expert submits their score sheet.
    SubmitScore,
    /// Staff reopen a submitted score, with a reason.
    Reopen,
    /// Staff withdraw the expert for a conflict found later, with a reason; the score, if any,
    /// stops counting.
    WithdrawForConflict,
}

impl AssignmentAction {
    pub fn label(self) -> &'static str {
        match self {
            AssignmentAction::DeclareNoConflict => "声明无利益冲突",
            AssignmentAction::DeclareConflict => "声明存在利益冲突并回避",
            AssignmentAction::SubmitScore => "提交评分",
            AssignmentAction::Reopen => "退回重新评分",
            AssignmentAction::WithdrawForConflict => "因利益冲突撤换专家",
        }
    }
}

/// Why an assignment's transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    #[error("评审任务当前为「{}」，不能{}", .from.label(), .action.label())]
    NotFromHere { from: AssignmentStatus, action: AssignmentAction },
    #[error("无权执行：{}", .action.label())]
    NotYourRole { action: AssignmentAction },
}

impl AssignmentError {
    pub fn code(self) -> &'static str {
        match self {
            AssignmentError::NotFromHere { .. } => "invalid_state",
            AssignmentError::NotYourRole { .. } => "forbidden_transition",
        }
    }
}

/// The assignment's life cycle: from `from`, may `role` do `action`, and where does it lead?
/// The expert declares and scores; staff reopen and withdraw.
pub fn assignment_transition(
    from: AssignmentStatus,
    action: AssignmentAction,
    role: Role,
) -> Result<AssignmentStatus, AssignmentError> {
    use AssignmentAction as A;
    use AssignmentStatus as S;
    let (who, to) = match action {
        A::DeclareNoConflict => (Role::Expert, (from == S::Assigned).then_some(S::Accepted)),
        A::DeclareConflict => (Role::Expert, (from == S::Assigned).then_some(S::DeclinedConflict)),
        A::SubmitScore => (Role::Expert, (from == S::Accepted).then_some(S::Scored)),
        A::Reopen => (Role::Staff, (from == S::Scored).then_some(S::Accepted)),
        A::WithdrawForConflict => (Role::Staff, from.is_active().then_some(S::DeclinedConflict)),
    };
    if role != who {
        return Err(AssignmentError::NotYourRole { action });
    }
    to.ok_or(AssignmentError::NotFromHere { from, action })
}

// ---------------------------------------------------------------------------------------------
// The score sheet

/// One criterion of an expert's score sheet: points within the rubric's bounds, and a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreItem {
    /// The rubric item's id (`site`).
    pub criterion: String,
    pub points: u32,
    pub comment: String,
}

/// The longest comment on one criterion.
pub const MAX_COMMENT_CHARS: usize = 500;

/// Checks a score sheet against the rubric: every criterion exactly once, each within
/// 0..=its points, each with a comment. Returns the sheet in the rubric's order and its total,
/// or every problem at once (by field path `items[i].points`).
pub fn check_score_sheet(items: &[ScoreItem], rubric: &[RubricItem]) -> Result<(Vec<ScoreItem>, u32), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match rubric.iter().find(|r| r.id() == item.criterion) {
            None => errors.push(FieldError::new(
                format!("items[{i}].criterion"),
                "unknown_criterion",
                "评分项不在评分标准中",
            )),
            Some(r) if item.points > r.points() => errors.push(FieldError::new(
                format!("items[{i}].points"),
                "points_out_of_range",
                format!("「{}」的得分应在 0 至 {} 分之间", r.name(), r.points()),
            )),
            Some(_) => {}
        }
        let comment = item.comment.trim();
        if comment.is_empty() {
            errors.push(FieldError::new(format!("items[{i}].comment"), "required", "请填写评分意见"));
        } else if comment.chars().count() > MAX_COMMENT_CHARS {
            errors.push(FieldError::new(
                format!("items[{i}].comment"),
                "too_long",
                format!("评分意见不超过 {MAX_COMMENT_CHARS} 字"),
            ));
        }
        if items[..i].iter().any(|earlier| earlier.criterion == item.criterion) {
            errors.push(FieldError::new(
                format!("items[{i}].criterion"),
                "duplicate_criterion",
                "同一评分项只能评一次",
            ));
        }
    }
    for r in rubric {
        if !items.iter().any(|item| item.criterion == r.id()) {
            errors.push(FieldError::new("items", "criterion_missing", format!("缺少评分项「{}」", r.name())));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let sheet: Vec<ScoreItem> = rubric
        .iter()
        .filter_map(|r| items.iter().find(|item| item.criterion == r.id()))
        .map(|item| ScoreItem { comment: item.comment.trim().to_owned(), ..item.clone() })
        .collect();
    let total = sheet.iter().map(|item| item.points).sum();
    Ok((sheet, total))
}

/// Is every required score in? Every assignment still active (not withdrawn for a conflict) has
/// scored, and at least `minimum` of them.
pub fn scoring_complete(statuses: &[AssignmentStatus], minimum: usize) -> bool {
    let active: Vec<&AssignmentStatus> = statuses.iter().filter(|s| s.is_active()).collect();
    active.len() >= minimum.max(1) && active.iter().all(|s| **s == AssignmentStatus::Scored)
}

/// The state of a recognition list (拟认定名单) proposed for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Drafted by staff, waiting for the leader.
    Pending,
    /// Approved by a leader who did not draft it.
    Approved,
    /// Sent back by the leader; staff may draft another.
    SentBack,
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 3] = [ProposalStatus::Pending, ProposalStatus::Approved, ProposalStatus::SentBack];

    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "pending",
            ProposalStatus::Approved => "approved",
            ProposalStatus::SentBack => "sent_back",
        }
    }

    pub fn parse(s: &str) -> Option<ProposalStatus> {
        ProposalStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProposalStatus::Pending => "待领导审批",
            ProposalStatus::Approved => "已审批",
            ProposalStatus::SentBack => "已退回",
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::seq::SliceRandom;

    use super::*;

    const APPLICANT: &str = "91310118MA1G00011T";
    const SUPPLIER: &str = "52310118MJ0000AA5B";
    const ELSEWHERE: &str = "123101184250000147";

    fn uscc(s: &str) -> Uscc {
        Uscc::parse(s).expect("a valid code")
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    fn applicant() -> Applicant {
        Applicant { uscc: uscc(APPLICANT), industry: "digital".into(), supply_chain: vec![uscc(SUPPLIER)] }
    }

    fn expert(id: &str) -> ExpertProfile {
        ExpertProfile {
            id: id.into(),
            industries: vec!["digital".into()],
            employer: Some(uscc(ELSEWHERE)),
            past_employers: vec![],
            declared_ties: vec![],
        }
    }

    /// One expert tied to the applicant in each listed way, and one tied in no way.
    fn tied_pool() -> Vec<ExpertProfile> {
        let today = day("2024-10-08");
        vec![
            ExpertProfile { employer: Some(uscc(APPLICANT)), ..expert("employee") },
            ExpertProfile {
                past_employers: vec![PastEmployer { uscc: uscc(APPLICANT), until: day("2022-01-01") }],
                ..expert("former")
            },
            ExpertProfile { declared_ties: vec![uscc(APPLICANT)], ..expert("declared") },
            ExpertProfile { employer: Some(uscc(SUPPLIER)), ..expert("supplier") },
            ExpertProfile {
                past_employers: vec![PastEmployer { uscc: uscc(APPLICANT), until: today - Months::new(37) }],
                ..expert("long-ago")
            },
            expert("free"),
        ]
    }

    #[test]
    fn each_kind_of_tie_is_found() {
        let today = day("2024-10-08");
        let found: Vec<(String, Vec<Conflict>)> =
            tied_pool().iter().map(|e| (e.id.clone(), conflicts(e, &applicant(), today))).collect();
        assert_eq!(found[0].1, [Conflict::SameEmployer]);
        assert_eq!(found[1].1, [Conflict::RecentPastEmployer { until: day("2022-01-01") }]);
        assert_eq!(found[2].1, [Conflict::DeclaredTie]);
        assert_eq!(found[3].1, [Conflict::SupplyChain { uscc: SUPPLIER.into() }]);
        assert!(found[4].1.is_empty(), "more than three years ago is no tie");
        assert!(found[5].1.is_empty());
        assert!(found[1].1[0].label().contains("2022-01-01"));
    }

    proptest! {
        /// Across many seeds, a tied expert is never drawn, and the draw repeats exactly.
        #[test]
        fn a_tied_expert_is_never_drawn(seed in any::<u64>(), extra in 0usize..8) {
            let mut pool = tied_pool();
            for i in 0..extra {
                pool.push(expert(&format!("free-{i}")));
            }
            let today = day("2024-10-08");
            match draw(seed, &pool, &applicant(), &[], today, 5, 1) {
                Ok(d) => {
                    for id in ["employee", "former", "declared", "supplier"] {
                        prop_assert!(!d.drawn.iter().any(|x| x == id) && !d.candidates.iter().any(|x| x == id));
                    }
                    prop_assert_eq!(d.drawn.len(), d.candidates.len().min(5));
                    prop_assert_eq!(draw(seed, &pool, &applicant(), &[], today, 5, 1).ok(), Some(d));
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }

    /// The draw pinned for fixed seeds and a fixed pool: the exact orders below were computed
    /// once, by the shuffle the first draws were stored with (`rand` 0.8's), and must never
    /// change, whatever the version of the `rand` crates.
    #[test]
    fn the_draw_is_pinned_for_fixed_seeds() {
        let pool: Vec<ExpertProfile> = (1..=12).map(|i| expert(&format!("e{i:02}"))).collect();
        let drawn =
            |seed: u64, n: usize| draw(seed, &pool, &applicant(), &[], day("2024-10-08"), n, 1).expect("draws").drawn;
        let golden: [(u64, [&str; 12]); 5] = [
            (0, ["e04", "e11", "e10", "e03", "e08", "e02", "e01", "e05", "e07", "e06", "e12", "e09"]),
            (1, ["e09", "e08", "e10", "e01", "e11", "e12", "e02", "e04", "e06", "e03", "e05", "e07"]),
            (20_241_008, ["e02", "e01", "e07", "e08", "e03", "e11", "e10", "e09", "e05", "e04", "e12", "e06"]),
            (
                0x5EED_CAFE_F00D_BEEF,
                ["e11", "e08", "e03", "e02", "e04", "e05", "e07", "e10", "e12", "e09", "e01", "e06"],
            ),
            (u64::MAX, ["e02", "e09", "e07", "e06", "e12", "e03", "e10", "e04", "e01", "e05", "e08", "e11"]),
        ];
        for (seed, order) in golden {
            assert_eq!(drawn(seed, 12), order, "seed {seed}");
            assert_eq!(drawn(seed, 5), order[..5], "seed {seed}, five drawn");
        }
        // A longer list reaches more bounds of the index draw.
        let mut forty: Vec<u32> = (0..40).collect();
        shuffle(&mut forty, 42);
        assert_eq!(
            forty,
            [
                11, 8, 30, 31, 19, 28, 2, 0, 17, 35, 20, 15, 12, 1, 4, 7, 38, 32, 3, 14, 16, 39, 25, 21, 9, 13, 6, 36,
                22, 18, 24, 33, 34, 5, 10, 26, 23, 29, 37, 27
            ]
        );
    }

    #[test]
    fn an_index_is_drawn_below_its_bound_without_bias() {
        // Every value of a small bound comes up about equally often.
        let mut stream = rand_chacha::ChaCha8Rng::from_seed(chacha_key(5));
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[index_below(&mut stream, 3) as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_500..10_500).contains(&c)), "{counts:?}");
        // A word whose low half is past the zone is rejected and the next one used.
        struct Words(Vec<u32>);
        impl rand_chacha::rand_core::RngCore for Words {
            fn next_u32(&mut self) -> u32 {
                self.0.remove(0)
            }
            fn next_u64(&mut self) -> u64 {
                unreachable!("only 32-bit words are drawn")
            }
            fn fill_bytes(&mut self, _: &mut [u8]) {
                unreachable!("only 32-bit words are drawn")
            }
            fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), rand_chacha::rand_core::Error> {
                unreachable!("only 32-bit words are drawn")
            }
        }
        // bound 3: the zone is 3·2^30 − 1; u32::MAX × 3 has low half 2^32 − 3, past it.
        assert_eq!(index_below(&mut Words(vec![u32::MAX, 0x8000_0000]), 3), 1);
    }

    #[test]
    fn a_withdrawn_expert_is_replaced_and_too_few_is_refused() {
        let today = day("2024-10-08");
        let pool: Vec<ExpertProfile> = (0..6).map(|i| expert(&format!("e{i}"))).collect();
        let first = draw(7, &pool, &applicant(), &[], today, 5, 3).expect("enough");
        let gone = first.drawn[0].clone();
        // The replacement comes from those not drawn yet and not withdrawn.
        let excluded: Vec<String> = first.drawn.clone();
        let replacement = draw(8, &pool, &applicant(), &excluded, today, 1, 1).expect("one left");
        assert_eq!(replacement.drawn.len(), 1);
        assert!(!first.drawn.contains(&replacement.drawn[0]) && replacement.drawn[0] != gone);
        let other_industry = Applicant { industry: "health".into(), ..applicant() };
        assert_eq!(
            draw(7, &pool, &other_industry, &[], today, 5, 3),
            Err(DrawError::NotEnough { available: 0, needed: 3, counts: DrawCounts::default() })
        );
    }

    #[test]
    fn a_draw_short_of_experts_says_how_many_and_why() {
        let today = day("2024-10-08");
        // Six of the industry: one drawn before, one tied to the applicant, four left for five.
        let mut pool: Vec<ExpertProfile> = (0..4).map(|i| expert(&format!("e{i}"))).collect();
        pool.push(expert("before"));
        pool.push(tied_pool().remove(0));
        let five = draw(7, &pool, &applicant(), &["before".to_owned()], today, 5, 3).expect("four are enough");
        assert_eq!(five.drawn.len(), 4);
        let counts = DrawCounts { in_industry: 6, already_drawn: 1, conflicted: 1, eligible: 4 };
        assert_eq!(five.counts, counts);
        let short = five.shortfall(5).expect("one short");
        assert_eq!((short.wanted, short.drawn, short.missing()), (5, 4, 1));
        assert!(
            short.message().contains("只抽到 4 名") && short.message().contains("存在利益冲突 1 名"),
            "{}",
            short.message()
        );
        assert_eq!(draw(7, &pool, &applicant(), &[], today, 4, 3).expect("enough").shortfall(4), None);
        // A replacement with nobody left says why as well.
        let excluded: Vec<String> = pool.iter().map(|e| e.id.clone()).collect();
        let Err(DrawError::NotEnough { counts, .. }) = draw(8, &pool, &applicant(), &excluded, today, 1, 1) else {
            panic!("nobody is left");
        };
        assert_eq!((counts.in_industry, counts.already_drawn, counts.eligible), (6, 6, 0));
        // Later draws fill it, and a filled one takes no more.
        assert_eq!(fill_shortfall(ShortfallStatus::Open, 2, 1), (1, 1, ShortfallStatus::Open));
        assert_eq!(fill_shortfall(ShortfallStatus::Open, 1, 3), (0, 1, ShortfallStatus::Filled));
        assert_eq!(fill_shortfall(ShortfallStatus::Filled, 0, 1), (0, 0, ShortfallStatus::Filled));
    }

    #[test]
    fn aggregates_follow_the_rule_for_three_four_five_and_seven_scores() {
        let three = aggregate(&[80, 70, 90], 15).expect("scores");
        assert_eq!((three.mean_hundredths, three.counted, three.dropped), (8000, 3, None));
        let four = aggregate(&[80, 71, 90, 60], 15).expect("scores");
        assert_eq!((four.mean_hundredths, four.counted), (7525, 4));
        assert_eq!(four.median_hundredths, 7550);
        // Five: drop 96 (position 1) and 40 (position 4); mean of 80, 78, 82 = 80.00.
        let five = aggregate(&[80, 96, 78, 82, 40], 15).expect("scores");
        assert_eq!((five.mean_hundredths, five.counted, five.dropped), (8000, 3, Some((1, 4))));
        assert_eq!(five.median_hundredths, 8000);
        assert_eq!(five.outliers, [1, 4], "96 and 40 are more than 15 from the median 80");
        // Exactly 15 away is not "more than 15".
        assert_eq!(aggregate(&[80, 95, 78, 82, 79], 15).expect("scores").outliers, Vec::<usize>::new());
        assert_eq!(aggregate(&[80, 95, 80], 15).expect("scores").outliers, Vec::<usize>::new());
        // Seven: drop one 90 (the later) and the 60; mean of 70, 75, 80, 85, 90 = 80.00.
        let seven = aggregate(&[70, 90, 75, 60, 80, 85, 90], 15).expect("scores");
        assert_eq!((seven.mean_hundredths, seven.counted, seven.dropped), (8000, 5, Some((6, 3))));
        // Rounding half up in hundredths: 80, 80, 81 → 80.333… → 8033.
        assert_eq!(aggregate(&[80, 80, 81], 15).expect("scores").mean_hundredths, 8033);
        assert_eq!(aggregate(&[], 15), None);
    }

    fn entry(id: &str, mean: i64, priority: bool, at: i64) -> RankEntry {
        RankEntry {
            id: id.into(),
            eligible: true,
            mean_hundredths: mean,
            priority_verified: priority,
            submitted_at_ms: at,
        }
    }

    #[test]
    fn priority_ranks_first_then_score_then_the_earlier_submission() {
        let entries = vec![
            entry("high", 9000, false, 3),
            entry("priority", 7000, true, 5),
            entry("tie-late", 8000, false, 9),
            entry("tie-early", 8000, false, 1),
            entry("low", 5900, false, 1),
            RankEntry { eligible: false, ..entry("ineligible", 9900, true, 1) },
        ];
        let ranked = rank(&entries, 60, 3);
        let order: Vec<(&str, Option<usize>, Outcome)> =
            ranked.iter().map(|r| (r.id.as_str(), r.position, r.outcome)).collect();
        assert_eq!(
            order,
            [
                ("priority", Some(1), Outcome::Proposed),
                ("high", Some(2), Outcome::Proposed),
                ("tie-early", Some(3), Outcome::Proposed),
                ("tie-late", Some(4), Outcome::BeyondQuota),
                ("ineligible", None, Outcome::Ineligible),
                ("low", None, Outcome::BelowThreshold),
            ]
        );
    }

    proptest! {
        /// The ranking never depends on the order the entries come in, and proposes at most the quota.
        #[test]
        fn the_ranking_is_a_function_of_the_entries(means in proptest::collection::vec((0i64..10_000, any::<bool>(), any::<bool>()), 0..12), quota in 0usize..6, seed in any::<u64>()) {
            let entries: Vec<RankEntry> = means.iter().enumerate().map(|(i, (m, p, e))| RankEntry {
                id: format!("a{i}"), eligible: *e, mean_hundredths: *m, priority_verified: *p, submitted_at_ms: 0,
            }).collect();
            let mut shuffled = entries.clone();
            shuffled.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
            let a = rank(&entries, 60, quota);
            prop_assert_eq!(&a, &rank(&shuffled, 60, quota));
            prop_assert!(a.iter().filter(|r| r.outcome == Outcome::Proposed).count() <= quota);
            prop_assert_eq!(a.len(), entries.len());
        }
    }

    #[test]
    fn the_assignment_life_cycle() {
        use AssignmentAction as A;
        use AssignmentStatus as S;
        let expert = Role::Expert;
        assert_eq!(assignment_transition(S::Assigned, A::DeclareNoConflict, expert), Ok(S::Accepted));
        assert_eq!(assignment_transition(S::Assigned, A::DeclareConflict, expert), Ok(S::DeclinedConflict));
        assert_eq!(assignment_transition(S::Accepted, A::SubmitScore, expert), Ok(S::Scored));
        assert_eq!(assignment_transition(S::Scored, A::Reopen, Role::Staff), Ok(S::Accepted));
        assert_eq!(assignment_transition(S::Scored, A::WithdrawForConflict, Role::Staff), Ok(S::DeclinedConflict));
        // Scoring before declaring, twice, or by someone else is refused.
        assert!(assignment_transition(S::Assigned, A::SubmitScore, expert).is_err());
        assert!(assignment_transition(S::Scored, A::SubmitScore, expert).is_err());
        assert_eq!(
            assignment_transition(S::Scored, A::Reopen, expert),
            Err(AssignmentError::NotYourRole { action: A::Reopen })
        );
        assert_eq!(
            assignment_transition(S::Accepted, A::SubmitScore, Role::Staff).map_err(|e| e.code()),
            Err("forbidden_transition")
        );
        // Nothing leads out of a withdrawal.
        for action in [A::DeclareNoConflict, A::DeclareConflict, A::SubmitScore, A::Reopen, A::WithdrawForConflict] {
            for role in Role::ALL {
                assert!(assignment_transition(S::DeclinedConflict, action, role).is_err());
            }
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_score_sheet_is_checked_against_the_rubric() {
        let policy = crate::policy::PolicyDocument::builtin();
        let rubric = policy.rubric();
        let full: Vec<ScoreItem> = rubric
            .iter()
            .rev()
            .map(|r| ScoreItem {
                criterion: r.id().into(),
                points: r.points() - 2,
                comment: format!(" {} 良好 ", r.name()),
            })
            .collect();
        let (sheet, total) = check_score_sheet(&full, rubric).expect("valid");
        assert_eq!(total, 100 - 2 * 5);
        assert_eq!(sheet[0].criterion, rubric[0].id(), "put in the rubric's order");
        assert!(!sheet[0].comment.starts_with(' '));

        let mut bad = full.clone();
        bad[0].points = 21; // the first (rubric reversed) is 培育项目, 20 points at most
        bad[1].comment = "  ".into();
        bad.push(ScoreItem { criterion: "charm".into(), points: 1, comment: "x".into() });
        bad.remove(2);
        let errors = check_score_sheet(&bad, rubric).expect_err("invalid");
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(codes.contains(&("items[0].points", "points_out_of_range")), "{codes:?}");
        assert!(codes.contains(&("items[1].comment", "required")), "{codes:?}");
        assert!(codes.iter().any(|(_, c)| *c == "unknown_criterion"), "{codes:?}");
        assert!(codes.contains(&("items", "criterion_missing")), "{codes:?}");
        let twice = [full.clone(), vec![full[0].clone()]].concat();
        assert!(check_score_sheet(&twice, rubric).expect_err("dup").iter().any(|e| e.code == "duplicate_criterion"));
    }

    #[test]
    fn scoring_is_complete_when_every_active_expert_scored() {
        use AssignmentStatus as S;
        assert!(scoring_complete(&[S::Scored, S::Scored, S::Scored, S::DeclinedConflict], 3));
        assert!(!scoring_complete(&[S::Scored, S::Scored, S::Accepted], 3));
        assert!(!scoring_complete(&[S::Scored, S::Scored, S::DeclinedConflict], 3), "fewer than the minimum");
        assert!(!scoring_complete(&[], 0));
    }
}
