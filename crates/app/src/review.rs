//! Expert review (C4.2): the expert pool, drawing experts without conflicts of interest, the
//! declaration before access, score sheets, reopening and withdrawal, reminders, the ranking of
//! a call, and the recognition list staff propose and a leader (never its drafter) approves.
//!
//! Every change is saved with its audit record — and the application's transition, the
//! experts' notifications and the reminder jobs it causes — in one transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillbase_domain::access::{self, Object, Scope};
use skillbase_domain::application::{self, Action, Actor, Status};
use skillbase_domain::batch::{BatchStatus, WindowState};
use skillbase_domain::clock::{shanghai, shanghai_date};
use skillbase_domain::ids::{
    ApplicationId, AssignmentId, AttachmentId, BatchId, DrawId, NotificationId, ProposalId, ShortfallId, UserId,
};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::review::{
    self, Aggregate, AssignmentAction, AssignmentStatus, ExpertProfile, Outcome, PastEmployer, ProposalStatus,
    RankEntry, ScoreItem,
};
pub use skillbase_domain::review::{DEFAULT_REVIEW_DAYS, MAX_EXPERTS, REVIEW_DAYS};
use skillbase_domain::roles::Role;
use skillbase_domain::uscc::Uscc;
use skillbase_store::applications as app_store;
use skillbase_store::jobs::NewJob;
use skillbase_store::review as store;
use skillbase_store::workbench as bench_store;
use skillbase_store::{StoreError, Tx};

use crate::access::{allows, authorize, ensure_not_drafter};
use crate::applications::{ApplicationView, Change, bounded_text, end_of_day, stale, transition_error};
use crate::auth::{Authenticated, RequestMeta};
use crate::batches::BatchView;
use crate::{App, AppError, FieldError, Result};

/// The job that reminds an expert of a deadline (on its day, and once it has passed).
pub const REMIND_JOB: &str = "review.remind";

// ---------------------------------------------------------------------------------------------
// The expert pool

/// A past employer as typed and stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastEmployerEntry {
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    /// YYYY-MM-DD: the last day employed there.
    pub until: String,
}

/// A declared tie to an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieEntry {
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reason: String,
}

/// An expert's profile as staff fill it in.
#[derive(Debug, Clone, Default)]
pub struct ExpertInput {
    pub name: String,
    pub title: String,
    pub employer_name: String,
    /// May be empty (a retired expert, say).
    pub employer_uscc: String,
    pub industries: Vec<String>,
    pub past_employers: Vec<PastEmployerEntry>,
    pub declared_ties: Vec<TieEntry>,
    pub active: bool,
    /// The version read (`None`: a new profile).
    pub version: Option<i64>,
}

/// An expert as the bureau reads the pool, read as the stored profile with its lists opened
/// (read before the stored text).
#[derive(Debug, Clone)]
pub struct ExpertView {
    expert: store::Expert,
    pub industries: Vec<String>,
    pub past_employers: Vec<PastEmployerEntry>,
    pub declared_ties: Vec<TieEntry>,
}
reads_as_record!(ExpertView, expert: store::Expert);

fn expert_view(expert: store::Expert) -> Result<ExpertView> {
    let industries = serde_json::from_str(&expert.industries).map_err(AppError::internal)?;
    let past_employers = serde_json::from_str(&expert.past_employers).map_err(AppError::internal)?;
    let declared_ties = serde_json::from_str(&expert.declared_ties).map_err(AppError::internal)?;
    Ok(ExpertView { expert, industries, past_employers, declared_ties })
}

/// The profile the conflict rules read.
fn profile(e: &ExpertView) -> Result<ExpertProfile> {
    let uscc = |s: &str| Uscc::parse(s).map_err(AppError::internal);
    Ok(ExpertProfile {
        id: e.user_id.to_string(),
        industries: e.industries.clone(),
        employer: e.employer_uscc.as_deref().map(uscc).transpose()?,
        past_employers: e
            .past_employers
            .iter()
            .map(|p| {
                Ok(PastEmployer {
                    uscc: uscc(&p.uscc)?,
                    until: parse_date(&p.until).ok_or_else(|| corrupt("past employer date"))?,
                })
            })
            .collect::<Result<_>>()?,
        declared_ties: e.declared_ties.iter().map(|t| uscc(&t.uscc)).collect::<Result<_>>()?,
    })
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

fn corrupt(what: &str) -> AppError {
    AppError::internal(StoreError::Corrupt(what.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Assignments and progress

/// An assignment with its score sheet, read as the assignment itself.
#[derive(Debug, Clone)]
pub struct AssignmentView {
    assignment: store::Assignment,
    pub sheet: Vec<ScoreItem>,
    /// Past its deadline without a score.
    pub overdue: bool,
    /// More than the policy's outlier points from the panel's median: for discussion.
    pub outlier: bool,
    /// Left out of the mean (the one highest or lowest of five or more).
    pub dropped: bool,
}

reads_as_record!(AssignmentView, assignment: store::Assignment);

fn assignment_view(assignment: store::Assignment, now: DateTime<Utc>) -> Result<AssignmentView> {
    let sheet = match &assignment.scores {
        Some(text) => serde_json::from_str(text).map_err(AppError::internal)?,
        None => Vec::new(),
    };
    let overdue =
        matches!(assignment.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted) && now > assignment.due_at;
    Ok(AssignmentView { assignment, sheet, overdue, outlier: false, dropped: false })
}

/// One application's review as staff follow it.
#[derive(Debug, Clone)]
pub struct ReviewProgress {
    pub application: ApplicationView,
    pub assignments: Vec<AssignmentView>,
    pub draws: Vec<store::Draw>,
    /// Draws that came up short, with what is still missing (open ones first to read).
    pub shortfalls: Vec<ShortfallView>,
    /// Over the submitted scores of experts who did not step aside.
    pub aggregate: Option<Aggregate>,
    pub minimum: usize,
    pub outlier_points: u32,
}

/// A stored shortfall as staff read it: the record and the sentence that explains it.
#[derive(Debug, Clone)]
pub struct ShortfallView {
    pub record: bench_store::Shortfall,
    pub message: String,
}

impl ShortfallView {
    fn of(record: bench_store::Shortfall) -> ShortfallView {
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        let short = review::Shortfall {
            wanted: count(record.wanted),
            drawn: count(record.drawn),
            counts: review::DrawCounts {
                in_industry: count(record.in_industry),
                already_drawn: count(record.already_drawn),
                conflicted: count(record.conflicted),
                eligible: count(record.eligible),
            },
        };
        ShortfallView { message: short.message(), record }
    }

    pub fn is_open(&self) -> bool {
        self.record.status == review::ShortfallStatus::Open
    }
}

/// Scores aggregate over the submitted sheets of active experts, in submission order; marks
/// each view's outlier and dropped flags.
fn aggregate_into(views: &mut [AssignmentView], outlier_points: u32) -> Option<Aggregate> {
    let mut counted: Vec<usize> =
        (0..views.len()).filter(|&i| views[i].status == AssignmentStatus::Scored && views[i].total.is_some()).collect();
    counted.sort_by_key(|&i| (views[i].submitted_at, views[i].id));
    let totals: Vec<u32> =
        counted.iter().map(|&i| u32::try_from(views[i].total.unwrap_or_default()).unwrap_or_default()).collect();
    let aggregate = review::aggregate(&totals, outlier_points)?;
    for &position in &aggregate.outliers {
        views[counted[position]].outlier = true;
    }
    if let Some((hi, lo)) = aggregate.dropped {
        views[counted[hi]].dropped = true;
        views[counted[lo]].dropped = true;
    }
    Some(aggregate)
}

/// What an expert sees of one assignment: the application only once they declared no conflict;
/// other experts' totals only once they submitted their own.
#[derive(Debug, Clone)]
pub struct ExpertAssignment {
    pub assignment: AssignmentView,
    pub batch_title: String,
    pub organization_name: String,
    pub application: Option<ApplicationView>,
    pub attachments: Vec<app_store::Attachment>,
    pub others: Vec<u32>,
    pub policy: PolicyDocument,
}

// ---------------------------------------------------------------------------------------------
// Ranking and proposals

/// One line of a call's ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankLine {
    pub application_id: ApplicationId,
    pub organization_name: String,
    pub organization_uscc: String,
    pub industry: String,
    /// The mean score in hundredths (None: ineligible, not scored).
    pub mean_hundredths: Option<i64>,
    pub scores: usize,
    pub priority_verified: bool,
    /// Among those at or above the threshold.
    pub position: Option<usize>,
    pub outcome: Outcome,
    /// Why, citing the clause.
    pub reason: String,
}

/// A call's ranking, and what still keeps it from being final.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub batch: BatchView,
    pub policy_id: String,
    pub threshold: u32,
    pub quota: usize,
    pub lines: Vec<RankLine>,
    /// Applications still being accepted, checked or reviewed: (id, organisation, status).
    pub unfinished: Vec<(ApplicationId, String, Status)>,
}

impl Ranking {
    pub fn proposed(&self) -> impl Iterator<Item = &RankLine> {
        self.lines.iter().filter(|l| l.outcome == Outcome::Proposed)
    }
}

/// A proposal with its ranking lines opened, read as the proposal itself.
#[derive(Debug, Clone)]
pub struct ProposalView {
    proposal: store::Proposal,
    pub lines: Vec<RankLine>,
}
reads_as_record!(ProposalView, proposal: store::Proposal);

fn proposal_view(proposal: store::Proposal) -> Result<ProposalView> {
    let lines = serde_json::from_str(&proposal.ranking).map_err(AppError::internal)?;
    Ok(ProposalView { proposal, lines })
}

/// Points in hundredths as people read them: 8033 → "80.33".
pub fn points(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, (hundredths % 100).abs())
}

/// Staff organise the review.
fn organizer(who: &Authenticated) -> Result<()> {
    authorize(who, access::Action::OrganizeReview, Object::Any).map(drop)
}

/// Staff and leaders read the review.
fn review_reader(who: &Authenticated) -> Result<()> {
    authorize(who, access::Action::ReadReview, Object::Any).map(drop)
}

/// The message of a review deadline out of [`REVIEW_DAYS`].
fn review_days_out_of_range() -> FieldError {
    FieldError::new(
        "days",
        "days_out_of_range",
        format!("评审期限应为 {} 至 {} 个工作日", REVIEW_DAYS.start(), REVIEW_DAYS.end()),
    )
}

fn assignment_error(e: review::AssignmentError) -> AppError {
    match e {
        review::AssignmentError::NotFromHere { .. } => AppError::WrongState { message: e.to_string() },
        review::AssignmentError::NotYourRole { .. } => AppError::Forbidden { code: e.code(), message: e.to_string() },
    }
}

/// 09:00 of `date` in Shanghai (when a reminder goes out).
fn morning_of(date: NaiveDate) -> DateTime<Utc> {
    let nine = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
    shanghai().from_local_datetime(&nine).single().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| nine.and_utc())
}

impl App {
    // ------------------------------------------------------------ the expert pool

    /// The whole pool (staff).
    pub async fn experts(&self) -> Result<Vec<ExpertView>> {
        store::experts(&self.db).await?.into_iter().map(expert_view).collect()
    }

    pub async fn expert(&self, id: UserId) -> Result<Option<ExpertView>> {
        store::expert(&self.db, id).await?.map(expert_view).transpose()
    }

    /// Accounts with the expert role: (id, username, display name).
    pub async fn expert_accounts(&self) -> Result<Vec<(UserId, String, String)>> {
        Ok(store::expert_accounts(&self.db).await?)
    }

    /// Creates or updates an expert's profile. Every problem is named at once; nothing is saved
    /// unless the whole profile is valid.
    pub async fn save_expert(
        &self,
        who: &Authenticated,
        user: UserId,
        input: &ExpertInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        authorize(who, access::Action::ManageExperts, Object::Any)?;
        let account = skillbase_store::users::find_by_id(&self.db, user).await?;
        if account.as_ref().is_none_or(|a| a.role != Role::Expert) {
            return Err(AppError::Fields(vec![FieldError::new("user", "not_an_expert", "该账户不是评审专家账户")]));
        }
        let policy = self.policy_in_force(shanghai_date(self.now())).await?.1;
        let mut errors = Vec::new();
        let text = |field: &'static str, value: &str, max: usize, required: bool, errors: &mut Vec<FieldError>| {
            let value = value.trim();
            if required && value.is_empty() {
                errors.push(FieldError::new(field, "required", "必填"));
            } else if value.chars().count() > max {
                errors.push(FieldError::new(field, "too_long", format!("不超过 {max} 字")));
            }
            value.to_owned()
        };
        let name = text("name", &input.name, 50, true, &mut errors);
        let title = text("title", &input.title, 50, true, &mut errors);
        let employer_name = text("employer_name", &input.employer_name, 100, false, &mut errors);
        let employer_uscc = match input.employer_uscc.trim() {
            "" => None,
            code => match Uscc::parse(code) {
                Ok(u) => Some(u.as_str().to_owned()),
                Err(e) => {
                    errors.push(FieldError::new("employer_uscc", e.code(), e.to_string()));
                    None
                }
            },
        };
        let mut industries: Vec<String> = Vec::new();
        for (i, industry) in input.industries.iter().enumerate() {
            if policy.industry(industry).is_none() {
                errors.push(FieldError::new(format!("industries[{i}]"), "unknown_industry", "不是政策所列重点产业"));
            } else if !industries.contains(industry) {
                industries.push(industry.clone());
            }
        }
        if industries.is_empty() && errors.iter().all(|e| !e.field.starts_with("industries")) {
            errors.push(FieldError::new("industries", "required", "请至少选择一个评审领域（重点产业）"));
        }
        let today = shanghai_date(self.now());
        let mut past_employers = Vec::new();
        for (i, p) in input.past_employers.iter().enumerate() {
            if p.uscc.trim().is_empty() && p.until.trim().is_empty() && p.name.trim().is_empty() {
                continue;
            }
            match Uscc::parse(p.uscc.trim()) {
                Ok(u) => {
                    let until = parse_date(&p.until);
                    match until {
                        None => errors.push(FieldError::new(
                            format!("past_employers[{i}].until"),
                            "invalid_date",
                            "请填写离职日期（YYYY-MM-DD）",
                        )),
                        Some(d) if d > today => errors.push(FieldError::new(
                            format!("past_employers[{i}].until"),
                            "date_in_future",
                            "离职日期不能晚于今天",
                        )),
                        Some(d) => past_employers.push(PastEmployerEntry {
                            uscc: u.as_str().to_owned(),
                            name: p.name.trim().chars().take(100).collect(),
                            until: d.format("%Y-%m-%d").to_string(),
                        }),
                    }
                }
                Err(e) => errors.push(FieldError::new(format!("past_employers[{i}].uscc"), e.code(), e.to_string())),
            }
        }
        let mut declared_ties = Vec::new();
        for (i, t) in input.declared_ties.iter().enumerate() {
            if t.uscc.trim().is_empty() && t.name.trim().is_empty() && t.reason.trim().is_empty() {
                continue;
            }
            match Uscc::parse(t.uscc.trim()) {
                Ok(u) => declared_ties.push(TieEntry {
                    uscc: u.as_str().to_owned(),
                    name: t.name.trim().chars().take(100).collect(),
                    reason: t.reason.trim().chars().take(200).collect(),
                }),
                Err(e) => errors.push(FieldError::new(format!("declared_ties[{i}].uscc"), e.code(), e.to_string())),
            }
        }
        if past_employers.len() > 20 || declared_ties.len() > 50 {
            errors.push(FieldError::new("declared_ties", "too_many", "任职经历最多 20 条，关联单位最多 50 条"));
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let row = store::Expert {
            user_id: user,
            username: String::new(),
            disabled: false,
            name,
            title,
            employer_name,
            employer_uscc,
            industries: serde_json::to_string(&industries).map_err(AppError::internal)?,
            past_employers: serde_json::to_string(&past_employers).map_err(AppError::internal)?,
            declared_ties: serde_json::to_string(&declared_ties).map_err(AppError::internal)?,
            active: input.active,
            updated_by: who.user.id,
            updated_at: self.now(),
            version: 0,
        };
        let mut tx = self.db.begin().await?;
        if !store::save_expert(&mut tx, &row, input.version).await? {
            return Err(AppError::Conflict { constraint: "experts_version".into() });
        }
        let id = user.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "expert.save",
            ("expert", Some(&id)),
            json!({
                "name": row.name, "employer_uscc": row.employer_uscc, "industries": industries,
                "past_employers": past_employers.len(), "declared_ties": declared_ties.len(), "active": row.active,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ drawing experts

    /// Starts the review of an eligible application: draws `experts` experts (the policy's
    /// default when `None`, at least its minimum) of its industry with no conflict of interest,
    /// each with a deadline of `days` working days from tomorrow.
    pub async fn start_review(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        experts: Option<u32>,
        days: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<Vec<AssignmentId>> {
        organizer(who)?;
        let current = self.application(who, id).await?;
        let to = crate::applications::transition(current.status, Action::StartReview, who)?;
        let (policy_id, policy) = self.judging_policy(&current).await?;
        let minimum = policy.min_experts();
        let wanted = experts.unwrap_or(policy.experts_per_application());
        let days = days.unwrap_or(DEFAULT_REVIEW_DAYS);
        let mut errors = Vec::new();
        if wanted < minimum || wanted > MAX_EXPERTS {
            errors.push(FieldError::new(
                "experts",
                "experts_out_of_range",
                format!("评审专家人数应为 {minimum} 至 {MAX_EXPERTS} 人"),
            ));
        }
        if !REVIEW_DAYS.contains(&days) {
            errors.push(review_days_out_of_range());
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let due = self.review_due(days).await?;
        let mut tx = self.db.begin().await?;
        let drawn = self
            .draw_experts(
                &mut tx,
                &current,
                (wanted as usize, minimum as usize),
                ("initial", Some(who)),
                due,
                (&policy_id, meta),
            )
            .await?;
        self.change(
            &mut tx,
            Change::plain(
                &current,
                Some(who),
                (Action::StartReview, to),
                String::new(),
                json!({ "experts": drawn.len(), "due_on": due.0, "policy": policy_id }),
            ),
            meta,
        )
        .await?;
        tx.commit().await?;
        Ok(drawn)
    }

    /// Draws one more expert for an application under review (after a withdrawal found no
    /// replacement, say).
    pub async fn draw_more(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        days: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<Vec<AssignmentId>> {
        organizer(who)?;
        let current = self.application(who, id).await?;
        if !matches!(current.status, Status::InReview | Status::Scored) {
            return Err(AppError::WrongState {
                message: format!("申报当前为「{}」，不能补抽评审专家", current.status.staff_label()),
            });
        }
        let (policy_id, _) = self.judging_policy(&current).await?;
        let days = days.unwrap_or(DEFAULT_REVIEW_DAYS);
        if !REVIEW_DAYS.contains(&days) {
            return Err(AppError::Fields(vec![review_days_out_of_range()]));
        }
        let due = self.review_due(days).await?;
        let mut tx = self.db.begin().await?;
        let drawn =
            self.draw_experts(&mut tx, &current, (1, 1), ("replacement", Some(who)), due, (&policy_id, meta)).await?;
        self.fill_shortfalls(&mut tx, id, drawn.len(), who, meta).await?;
        self.settle(&mut tx, id, Some(who), meta).await?;
        tx.commit().await?;
        Ok(drawn)
    }

    /// The deadline `days` working days from tomorrow: (date, its last second).
    async fn review_due(&self, days: u32) -> Result<(NaiveDate, DateTime<Utc>)> {
        let due_on = self.due_in_working_days(days).await?;
        Ok((due_on, end_of_day(due_on)))
    }

    /// The draw itself, in `tx`: the pool's active experts, minus everyone already drawn for
    /// this application (scored, withdrawn or waiting), minus conflicts; stored whole and
    /// audited; each drawn expert is notified and reminded by jobs.
    async fn draw_experts(
        &self,
        tx: &mut Tx,
        current: &ApplicationView,
        (wanted, minimum): (usize, usize),
        (reason, who): (&str, Option<&Authenticated>),
        (due_on, due_at): (NaiveDate, DateTime<Utc>),
        (policy_id, meta): (&str, &RequestMeta),
    ) -> Result<Vec<AssignmentId>> {
        let id = current.id;
        let pool: Vec<ExpertProfile> = store::experts_in(tx)
            .await?
            .into_iter()
            .filter(|e| e.active && !e.disabled)
            .map(expert_view)
            .map(|e| e.and_then(|e| profile(&e)))
            .collect::<Result<_>>()?;
        let excluded: Vec<String> =
            store::assignments_in(tx, id).await?.iter().map(|a| a.expert_id.to_string()).collect();
        let applicant = review::Applicant {
            uscc: Uscc::parse(&current.organization_uscc).map_err(AppError::internal)?,
            industry: current.form.profile.industry.clone(),
            supply_chain: current.form.trainees.supply_chain.iter().map(|c| c.uscc.clone()).collect(),
        };
        let seed_bytes: [u8; 8] = crate::random_bytes(8).try_into().map_err(|_| corrupt("seed"))?;
        let seed = u64::from_le_bytes(seed_bytes);
        let today = shanghai_date(self.now());
        let draw = match review::draw(seed, &pool, &applicant, &excluded, today, wanted, minimum) {
            Ok(draw) => draw,
            Err(e @ review::DrawError::NotEnough { counts, .. }) if reason == "replacement" => {
                // A replacement that finds nobody: stored as a shortfall and told to staff,
                // never dropped silently (when staff asked for it by hand, the refusal rolls
                // this back and tells them at once).
                let short = review::Shortfall { wanted, drawn: 0, counts };
                self.record_shortfall(tx, current, None, reason, &short, who, meta).await?;
                return Err(AppError::Invalid {
                    code: "not_enough_experts",
                    field: Some("experts"),
                    message: e.to_string(),
                });
            }
            Err(e) => {
                return Err(AppError::Invalid {
                    code: "not_enough_experts",
                    field: Some("experts"),
                    message: e.to_string(),
                });
            }
        };
        let now = self.now();
        let draw_id = self.new_id::<DrawId>();
        store::insert_draw(
            tx,
            &store::Draw {
                id: draw_id,
                application_id: id,
                seed: seed.to_string(),
                candidates: serde_json::to_string(&draw.candidates).map_err(AppError::internal)?,
                excluded: serde_json::to_string(&excluded).map_err(AppError::internal)?,
                drawn: serde_json::to_string(&draw.drawn).map_err(AppError::internal)?,
                reason: reason.to_owned(),
                wanted: i64::try_from(wanted).unwrap_or(i64::MAX),
                policy_id: policy_id.to_owned(),
                drawn_by: who.map(|w| w.user.id),
                drawn_at: now,
            },
        )
        .await?;
        let mut ids = Vec::new();
        for expert in &draw.drawn {
            let expert_id: UserId = expert.parse().map_err(|_| corrupt("expert id"))?;
            let assignment = self.new_id::<AssignmentId>();
            store::insert_assignment(
                tx,
                &store::NewAssignment {
                    id: assignment,
                    application_id: id,
                    expert_id,
                    draw_id,
                    due_on,
                    due_at,
                    at: now,
                },
            )
            .await?;
            store::insert_user_notification(
                tx,
                &store::UserNotification {
                    id: self.new_id::<NotificationId>(),
                    user_id: expert_id,
                    at: now,
                    title: "新的评审任务".into(),
                    body: format!(
                        "您被抽取为「{}」的评审专家，请先声明是否存在利益冲突，并于 {due_on} 24 时前提交评分。",
                        current.batch_title
                    ),
                    link: format!("/expert/assignments/{assignment}"),
                    read_at: None,
                },
            )
            .await?;
            for (stage, run_at) in [("due", morning_of(due_on)), ("overdue", due_at + chrono::TimeDelta::seconds(1))] {
                if run_at <= now {
                    continue;
                }
                let payload = json!({ "assignment": assignment.to_string(), "stage": stage }).to_string();
                let dedupe = format!("{REMIND_JOB}:{assignment}:{stage}");
                self.enqueue(
                    tx,
                    &NewJob {
                        kind: REMIND_JOB,
                        payload: &payload,
                        dedupe_key: Some(&dedupe),
                        run_at,
                        max_attempts: 10,
                    },
                )
                .await?;
            }
            ids.push(assignment);
        }
        let app_id = id.to_string();
        self.audit(
            tx,
            meta,
            who.map(|w| (&w.user, w.role)),
            "review.draw",
            ("application", Some(&app_id)),
            json!({
                "draw": draw_id.to_string(), "reason": reason, "seed": seed.to_string(),
                "candidates": draw.candidates, "excluded": excluded, "drawn": draw.drawn,
                "wanted": wanted, "due_on": due_on, "policy": policy_id, "counts": draw.counts,
            }),
        )
        .await?;
        if let Some(short) = draw.shortfall(wanted) {
            self.record_shortfall(tx, current, Some(draw_id), reason, &short, who, meta).await?;
        }
        Ok(ids)
    }

    /// Stores a draw's shortfall with its counts, audits it and tells every active staff
    /// account in-app (the workbench counts it until a later draw fills it).
    #[allow(clippy::too_many_arguments)]
    async fn record_shortfall(
        &self,
        tx: &mut Tx,
        current: &ApplicationView,
        draw_id: Option<DrawId>,
        reason: &str,
        short: &review::Shortfall,
        who: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let now = self.now();
        let id = self.new_id::<ShortfallId>();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        bench_store::insert_shortfall(
            tx,
            &bench_store::Shortfall {
                id,
                application_id: current.id,
                draw_id,
                reason: reason.to_owned(),
                wanted: count(short.wanted),
                drawn: count(short.drawn),
                in_industry: count(short.counts.in_industry),
                already_drawn: count(short.counts.already_drawn),
                conflicted: count(short.counts.conflicted),
                eligible: count(short.counts.eligible),
                missing: count(short.missing()),
                status: review::ShortfallStatus::Open,
                recorded_at: now,
                filled_at: None,
                version: 1,
            },
        )
        .await?;
        let link = format!("/bureau/applications/{}/review", current.id);
        for staff in bench_store::active_staff(tx).await? {
            store::insert_user_notification(
                tx,
                &store::UserNotification {
                    id: self.new_id::<NotificationId>(),
                    user_id: staff,
                    at: now,
                    title: "评审专家抽取不足".into(),
                    body: format!("「{}」（{}）：{}", current.organization_name, current.batch_title, short.message()),
                    link: link.clone(),
                    read_at: None,
                },
            )
            .await?;
        }
        let app_id = current.id.to_string();
        self.audit(
            tx,
            meta,
            who.map(|w| (&w.user, w.role)),
            "review.shortfall",
            ("application", Some(&app_id)),
            json!({
                "shortfall": id.to_string(), "draw": draw_id.map(|d| d.to_string()), "reason": reason,
                "wanted": short.wanted, "drawn": short.drawn, "missing": short.missing(), "counts": short.counts,
            }),
        )
        .await
    }

    /// Experts drawn by hand fill the application's open shortfalls, the first first.
    async fn fill_shortfalls(
        &self,
        tx: &mut Tx,
        application: ApplicationId,
        drawn: usize,
        who: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<()> {
        let mut left = drawn;
        for open in bench_store::open_shortfalls_in(tx, application).await? {
            if left == 0 {
                break;
            }
            let missing = usize::try_from(open.missing).unwrap_or(0);
            let (still, used, status) = review::fill_shortfall(open.status, missing, left);
            left -= used;
            let still_i64 = i64::try_from(still).unwrap_or(i64::MAX);
            if !bench_store::fill_shortfall(tx, &open, (still_i64, status), self.now()).await? {
                return Err(stale());
            }
            let app_id = application.to_string();
            self.audit(
                tx,
                meta,
                Some((&who.user, who.role)),
                "review.shortfall_filled",
                ("application", Some(&app_id)),
                json!({ "shortfall": open.id.to_string(), "drawn": used, "missing": still, "status": status.as_str() }),
            )
            .await?;
        }
        Ok(())
    }

    // ------------------------------------------------------------ reading assignments

    /// An assignment, if `who` may see it: the expert their own, the bureau any; otherwise
    /// "not found" (no probing of ids).
    pub async fn assignment(&self, who: &Authenticated, id: AssignmentId) -> Result<AssignmentView> {
        let row = store::assignment(&self.db, id).await?.ok_or(AppError::NotFound("评审任务不存在"))?;
        authorize(who, access::Action::ReadAssignments, Object::AssignedTo(row.expert_id))?;
        assignment_view(row, self.now())
    }

    /// Assignments `who` may see: an expert's own (of any application), the bureau's all of an
    /// application or a call.
    pub async fn assignments(
        &self,
        who: &Authenticated,
        application: Option<ApplicationId>,
        batch: Option<BatchId>,
    ) -> Result<Vec<AssignmentView>> {
        let filter = match authorize(who, access::Action::ReadAssignments, Object::Any) {
            Ok(Scope::Assigned) => store::AssignmentFilter { expert_id: Some(who.user.id), ..Default::default() },
            Ok(Scope::All) => store::AssignmentFilter::default(),
            _ => return Ok(vec![]),
        };
        let filter = store::AssignmentFilter { application_id: application, batch_id: batch, ..filter };
        let now = self.now();
        store::assignments(&self.db, &filter).await?.into_iter().map(|a| assignment_view(a, now)).collect()
    }

    /// One assignment as its expert works on it.
    pub async fn expert_assignment(&self, who: &Authenticated, id: AssignmentId) -> Result<ExpertAssignment> {
        let assignment = self.scored_assignment(who, id).await?;
        let row = app_store::application(&self.db, assignment.application_id)
            .await?
            .ok_or(AppError::NotFound("评审任务不存在"))?;
        let current = row;
        let policy = self.policy_for(&current).await?;
        let opened = matches!(assignment.status, AssignmentStatus::Accepted | AssignmentStatus::Scored);
        let others = if assignment.status == AssignmentStatus::Scored {
            store::assignments(
                &self.db,
                &store::AssignmentFilter { application_id: Some(current.id), ..Default::default() },
            )
            .await?
            .into_iter()
            .filter(|a| a.id != id && a.status == AssignmentStatus::Scored)
            .filter_map(|a| a.total.and_then(|t| u32::try_from(t).ok()))
            .collect()
        } else {
            Vec::new()
        };
        let attachments = if opened { app_store::attachments(&self.db, current.id).await? } else { Vec::new() };
        Ok(ExpertAssignment {
            batch_title: current.batch_title.clone(),
            organization_name: current.organization_name.clone(),
            application: opened.then_some(current),
            attachments,
            others,
            policy,
            assignment,
        })
    }

    /// A file of an assigned application, for its expert once they declared no conflict.
    pub async fn assigned_attachment(
        &self,
        who: &Authenticated,
        id: AssignmentId,
        attachment: AttachmentId,
    ) -> Result<(app_store::Attachment, Vec<u8>)> {
        let work = self.expert_assignment(who, id).await?;
        let found =
            work.attachments.iter().find(|a| a.id == attachment).cloned().ok_or(AppError::NotFound("附件不存在"))?;
        let hash = skillbase_domain::attachment::ContentHash::parse(&found.content_hash)
            .ok_or_else(|| corrupt(&found.content_hash))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((found, bytes))
    }

    /// One application's review (staff and leaders).
    pub async fn review_progress(&self, who: &Authenticated, id: ApplicationId) -> Result<ReviewProgress> {
        review_reader(who)?;
        let application = self.application(who, id).await?;
        let policy = self.policy_for(&application).await?;
        let mut assignments = self.assignments(who, Some(id), None).await?;
        let aggregate = aggregate_into(&mut assignments, policy.outlier_points());
        Ok(ReviewProgress {
            draws: store::draws(&self.db, id).await?,
            shortfalls: bench_store::shortfalls(&self.db, id).await?.into_iter().map(ShortfallView::of).collect(),
            aggregate,
            minimum: policy.min_experts() as usize,
            outlier_points: policy.outlier_points(),
            application,
            assignments,
        })
    }

    /// An expert's notifications.
    pub async fn user_notifications(&self, who: &Authenticated) -> Result<Vec<store::UserNotification>> {
        Ok(store::user_notifications(&self.db, who.user.id, 100).await?)
    }

    // ------------------------------------------------------------ the expert's side

    /// The declaration before access: no conflict (the materials open), or a conflict with its
    /// reason (the expert steps aside and a replacement is drawn at once, if anyone is left).
    /// Returns the replacement's assignment, if one was drawn.
    pub async fn declare(
        &self,
        who: &Authenticated,
        id: AssignmentId,
        conflict: bool,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Option<AssignmentId>> {
        let current = self.scored_assignment(who, id).await?;
        let action = if conflict { AssignmentAction::DeclareConflict } else { AssignmentAction::DeclareNoConflict };
        let to = review::assignment_transition(current.status, action, who.role).map_err(assignment_error)?;
        let reason = bounded_text("reason", reason, 500, conflict)?;
        let application = self.reviewed_application(current.application_id).await?;
        let mut tx = self.db.begin().await?;
        let change = store::AssignmentChange {
            declared: true,
            conflict_reason: conflict.then_some(reason.as_str()),
            ..Default::default()
        };
        self.change_assignment(&mut tx, &current, to, &change).await?;
        let replacement = if conflict { self.replace(&mut tx, &application, Some(who), meta).await? } else { None };
        let assignment = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "review.declare",
            ("assignment", Some(&assignment)),
            json!({
                "application": application.id.to_string(), "conflict": conflict, "reason": reason,
                "replacement": replacement.map(|r| r.to_string()),
            }),
        )
        .await?;
        if conflict {
            self.settle(&mut tx, application.id, None, meta).await?;
        }
        tx.commit().await?;
        Ok(replacement)
    }

    /// The expert submits their score sheet. When it is the last one owed, scoring completes.
    pub async fn submit_score(
        &self,
        who: &Authenticated,
        id: AssignmentId,
        items: &[ScoreItem],
        meta: &RequestMeta,
    ) -> Result<u32> {
        let current = self.scored_assignment(who, id).await?;
        let to = review::assignment_transition(current.status, AssignmentAction::SubmitScore, who.role)
            .map_err(assignment_error)?;
        let application = self.reviewed_application(current.application_id).await?;
        let (policy_id, policy) = self.judging_policy(&application).await?;
        let (sheet, total) = review::check_score_sheet(items, policy.rubric()).map_err(AppError::Fields)?;
        let text = serde_json::to_string(&sheet).map_err(AppError::internal)?;
        let mut tx = self.db.begin().await?;
        store::lock_application(&mut tx, application.id).await?;
        let change = store::AssignmentChange { scores: Some((&text, i64::from(total))), ..Default::default() };
        self.change_assignment(&mut tx, &current, to, &change).await?;
        let assignment = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "review.score",
            ("assignment", Some(&assignment)),
            json!({ "application": application.id.to_string(), "total": total, "sheet": sheet, "policy": policy_id }),
        )
        .await?;
        self.settle(&mut tx, application.id, None, meta).await?;
        tx.commit().await?;
        Ok(total)
    }

    // ------------------------------------------------------------ staff on assignments

    /// Staff reopen a submitted score, with a reason; the application goes back to review.
    pub async fn reopen_score(
        &self,
        who: &Authenticated,
        id: AssignmentId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        organizer(who)?;
        let current = self.assignment(who, id).await?;
        let to = review::assignment_transition(current.status, AssignmentAction::Reopen, who.role)
            .map_err(assignment_error)?;
        let reason = bounded_text("reason", reason, 500, true)?;
        let application = self.reviewed_application(current.application_id).await?;
        let mut tx = self.db.begin().await?;
        store::lock_application(&mut tx, application.id).await?;
        let change = store::AssignmentChange { reopened_reason: Some(&reason), ..Default::default() };
        self.change_assignment(&mut tx, &current, to, &change).await?;
        self.notify_expert(
            &mut tx,
            &current,
            "评分已退回",
            &format!("经办人退回了您提交的评分，请修改后重新提交。理由：{reason}"),
        )
        .await?;
        let assignment = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "review.reopen",
            ("assignment", Some(&assignment)),
            json!({ "application": application.id.to_string(), "reason": reason, "total": current.total }),
        )
        .await?;
        self.settle(&mut tx, application.id, Some(who), meta).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Staff withdraw an expert for a conflict found after the draw (their score, if any, stops
    /// counting) and a replacement is drawn.
    pub async fn withdraw_expert(
        &self,
        who: &Authenticated,
        id: AssignmentId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Option<AssignmentId>> {
        organizer(who)?;
        let current = self.assignment(who, id).await?;
        let to = review::assignment_transition(current.status, AssignmentAction::WithdrawForConflict, who.role)
            .map_err(assignment_error)?;
        let reason = bounded_text("reason", reason, 500, true)?;
        let application = self.reviewed_application(current.application_id).await?;
        let mut tx = self.db.begin().await?;
        store::lock_application(&mut tx, application.id).await?;
        let change = store::AssignmentChange { conflict_reason: Some(&reason), ..Default::default() };
        self.change_assignment(&mut tx, &current, to, &change).await?;
        self.notify_expert(&mut tx, &current, "评审任务已撤回", &format!("因利益冲突，您已被撤换。理由：{reason}"))
            .await?;
        let replacement = self.replace(&mut tx, &application, Some(who), meta).await?;
        let assignment = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "review.withdraw_expert",
            ("assignment", Some(&assignment)),
            json!({
                "application": application.id.to_string(), "reason": reason,
                "score_discarded": current.total, "replacement": replacement.map(|r| r.to_string()),
            }),
        )
        .await?;
        self.settle(&mut tx, application.id, Some(who), meta).await?;
        tx.commit().await?;
        Ok(replacement)
    }

    /// Staff remind an expert who has not scored yet.
    pub async fn remind_expert(&self, who: &Authenticated, id: AssignmentId, meta: &RequestMeta) -> Result<()> {
        organizer(who)?;
        let current = self.assignment(who, id).await?;
        if !matches!(current.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted) {
            return Err(AppError::WrongState {
                message: format!("评审任务为「{}」，无需催办", current.status.label()),
            });
        }
        let mut tx = self.db.begin().await?;
        self.notify_expert(&mut tx, &current, "评审催办", &format!("请于 {} 24 时前完成评审任务。", current.due_on))
            .await?;
        store::mark_reminded(&mut tx, id, self.now()).await?;
        let assignment = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "review.remind",
            ("assignment", Some(&assignment)),
            json!({ "due_on": current.due_on, "overdue": current.overdue }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reminder job: on the deadline's morning and once it has passed, an expert who still
    /// owes a score is told. An assignment that moved on is left alone.
    pub async fn deadline_reminder(&self, tx: &mut Tx, id: AssignmentId, stage: &str) -> Result<bool> {
        let Some(row) = store::assignment_in(tx, id).await? else { return Ok(false) };
        let current = assignment_view(row, self.now())?;
        if !matches!(current.status, AssignmentStatus::Assigned | AssignmentStatus::Accepted) {
            return Ok(false);
        }
        let (title, body) = match stage {
            "overdue" => ("评审已逾期", format!("评审期限 {} 已过，请尽快完成评审，或联系经办人。", current.due_on)),
            _ => ("评审今日到期", format!("您的评审任务今日（{}）24 时到期。", current.due_on)),
        };
        self.notify_expert(tx, &current, title, &body).await?;
        store::mark_reminded(tx, id, self.now()).await?;
        let assignment = id.to_string();
        self.audit(
            tx,
            &RequestMeta::default(),
            None,
            "review.remind",
            ("assignment", Some(&assignment)),
            json!({ "due_on": current.due_on, "stage": stage }),
        )
        .await?;
        Ok(true)
    }

    // ------------------------------------------------------------ ranking and proposals

    /// A call's ranking as it stands: eligible applications at or above the threshold,
    /// priority-verified first (C2.1.P), then by mean score; the quota applied.
    pub async fn ranking(&self, who: &Authenticated, batch: BatchId) -> Result<Ranking> {
        review_reader(who)?;
        let found = self.batch(batch).await?;
        let policy_id = found.policy_id.clone();
        let policy = self.policy(&policy_id).await?;
        let threshold = policy.score_threshold();
        let quota = usize::try_from(found.quota).unwrap_or_default();
        let applications = self.applications(who, Some(batch), None).await?;
        let assignments = self.assignments(who, None, Some(batch)).await?;
        let mut entries = Vec::new();
        let mut facts = std::collections::HashMap::new();
        let mut unfinished = Vec::new();
        for a in &applications {
            let eligible = match a.status {
                Status::Draft | Status::NotAccepted | Status::Lapsed | Status::Withdrawn => continue,
                Status::Submitted
                | Status::Resubmitted
                | Status::Returned
                | Status::Accepted
                | Status::Eligible
                | Status::InReview => {
                    unfinished.push((a.id, a.organization_name.clone(), a.status));
                    continue;
                }
                Status::Ineligible => false,
                _ => true,
            };
            let mut mine: Vec<AssignmentView> =
                assignments.iter().filter(|s| s.application_id == a.id).cloned().collect();
            let aggregate = aggregate_into(&mut mine, policy.outlier_points());
            // Priority (C2.1.P) is a claim staff verified: "passing" the clause without a
            // claim only means nothing was claimed.
            let priority_verified = !a.form.priority_claims.is_empty()
                && app_store::eligibility(&self.db, a.id)
                    .await?
                    .iter()
                    .any(|i| i.clause == "C2.1.P" && i.decided.as_deref() == Some("pass"));
            let mean = aggregate.as_ref().map(|g| g.mean_hundredths);
            entries.push(RankEntry {
                id: a.id.to_string(),
                eligible: eligible && mean.is_some(),
                mean_hundredths: mean.unwrap_or_default(),
                priority_verified,
                submitted_at_ms: a.submitted_at.map_or(i64::MAX, |t| t.timestamp_millis()),
            });
            facts.insert(a.id.to_string(), (a, mean, aggregate.map_or(0, |g| g.counted), priority_verified));
        }
        let mut lines = Vec::new();
        for ranked in review::rank(&entries, threshold, quota) {
            let Some((a, mean, counted, priority)) = facts.get(&ranked.id) else { continue };
            let score = mean.map(points).unwrap_or_default();
            let priority_note = if *priority { "，经核实具备优先认定条件（C2.1.P）" } else { "" };
            let reason = match ranked.outcome {
                Outcome::Proposed => format!(
                    "综合得分 {score} 分，位列第 {} 名，在本批次名额（{quota} 个）以内{priority_note}（C4.2）",
                    ranked.position.unwrap_or_default()
                ),
                Outcome::BeyondQuota => format!(
                    "综合得分 {score} 分，位列第 {} 名，超出本批次名额（{quota} 个）{priority_note}（C4.2）",
                    ranked.position.unwrap_or_default()
                ),
                Outcome::BelowThreshold => format!("综合得分 {score} 分，低于分数线 {threshold} 分（C4.2）"),
                Outcome::Ineligible => "资格审查不通过，不参加排名（C2.1.0）".to_owned(),
            };
            lines.push(RankLine {
                application_id: a.id,
                organization_name: a.organization_name.clone(),
                organization_uscc: a.organization_uscc.clone(),
                industry: policy
                    .industry(&a.form.profile.industry)
                    .map_or(a.form.profile.industry.clone(), |t| t.name().to_owned()),
                mean_hundredths: *mean,
                scores: *counted,
                priority_verified: *priority,
                position: ranked.position,
                outcome: ranked.outcome,
                reason,
            });
        }
        Ok(Ranking { batch: found, policy_id, threshold, quota, lines, unfinished })
    }

    /// Staff draft the recognition list of a closed call from its ranking, for a leader.
    pub async fn draft_proposal(
        &self,
        who: &Authenticated,
        batch: BatchId,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<ProposalId> {
        organizer(who)?;
        let ranking = self.ranking(who, batch).await?;
        let note = bounded_text("note", note, 1000, false)?;
        if ranking.batch.window.state(self.now()) != WindowState::Closed && ranking.batch.status == BatchStatus::Open {
            return Err(AppError::Invalid {
                code: "batch_still_open",
                field: None,
                message: "申报批次尚未截止，不能拟定认定名单".into(),
            });
        }
        if !ranking.unfinished.is_empty() {
            let names: Vec<String> =
                ranking.unfinished.iter().map(|(_, name, s)| format!("{name}（{}）", s.staff_label())).collect();
            return Err(AppError::Invalid {
                code: "review_unfinished",
                field: None,
                message: format!("以下申报尚未完成受理、资格审查或评审：{}", names.join("、")),
            });
        }
        if ranking.lines.is_empty() {
            return Err(AppError::Invalid {
                code: "nothing_to_propose",
                field: None,
                message: "该批次没有可排名的申报".into(),
            });
        }
        let id = self.new_id::<ProposalId>();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inserted = store::insert_proposal(
            &mut tx,
            &store::Proposal {
                id,
                batch_id: batch,
                batch_title: String::new(),
                status: ProposalStatus::Pending,
                ranking: serde_json::to_string(&ranking.lines).map_err(AppError::internal)?,
                policy_id: ranking.policy_id.clone(),
                note: note.clone(),
                drafted_by: who.user.id,
                drafted_by_name: String::new(),
                drafted_at: now,
                decided_by: None,
                decided_at: None,
                decision_note: None,
                version: 1,
            },
        )
        .await;
        match inserted {
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::WrongState {
                    message: "该批次已有待审批或已审批的拟认定名单".into()
                });
            }
            other => other?,
        }
        for line in ranking.proposed() {
            self.move_application(&mut tx, line.application_id, (Action::Propose, Some(who)), &line.reason, meta)
                .await?;
        }
        if let Some(next) = batch_enters_review(ranking.batch.status) {
            app_store::set_batch_status(&mut tx, batch, ranking.batch.status.as_str(), next.as_str()).await?;
        }
        let proposal = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "proposal.draft",
            ("proposal", Some(&proposal)),
            json!({
                "batch": batch.to_string(), "policy": ranking.policy_id, "threshold": ranking.threshold,
                "quota": ranking.quota, "note": note,
                "proposed": ranking.proposed().map(|l| l.application_id.to_string()).collect::<Vec<_>>(),
                "lines": ranking.lines.len(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn proposals(&self, who: &Authenticated, batch: Option<BatchId>) -> Result<Vec<ProposalView>> {
        review_reader(who)?;
        store::proposals(&self.db, batch).await?.into_iter().map(proposal_view).collect()
    }

    pub async fn proposal(&self, who: &Authenticated, id: ProposalId) -> Result<ProposalView> {
        review_reader(who)?;
        proposal_view(store::proposal(&self.db, id).await?.ok_or(AppError::NotFound("拟认定名单不存在"))?)
    }

    /// The leader approves the list: those on it are approved, the others not selected. Never
    /// the person who drafted it (refused with an audit record).
    pub async fn approve_proposal(
        &self,
        who: &Authenticated,
        id: ProposalId,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let proposal = self.decidable_proposal(who, id, "approve", meta).await?;
        let note = bounded_text("note", note, 1000, false)?;
        let mut tx = self.db.begin().await?;
        if !store::decide_proposal(
            &mut tx,
            id,
            (ProposalStatus::Approved, proposal.version),
            who.user.id,
            &note,
            self.now(),
        )
        .await?
        {
            return Err(AppError::Conflict { constraint: "proposals_version".into() });
        }
        for line in &proposal.lines {
            let action = if line.outcome == Outcome::Proposed { Action::Approve } else { Action::NotSelect };
            let found = app_store::application_in(&mut tx, line.application_id).await?.ok_or_else(stale)?;
            // Ineligible (never in the running) and withdrawn applications stay as they are.
            if found.status.is_final() {
                continue;
            }
            self.move_application(&mut tx, line.application_id, (action, Some(who)), &line.reason, meta).await?;
        }
        let proposal_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "proposal.approve",
            ("proposal", Some(&proposal_id)),
            json!({ "batch": proposal.batch_id.to_string(), "drafted_by": proposal.drafted_by.to_string(), "note": note }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The leader sends the list back, with a reason; staff may draft another.
    pub async fn send_back_proposal(
        &self,
        who: &Authenticated,
        id: ProposalId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let proposal = self.decidable_proposal(who, id, "send_back", meta).await?;
        let reason = bounded_text("reason", reason, 1000, true)?;
        let mut tx = self.db.begin().await?;
        if !store::decide_proposal(
            &mut tx,
            id,
            (ProposalStatus::SentBack, proposal.version),
            who.user.id,
            &reason,
            self.now(),
        )
        .await?
        {
            return Err(AppError::Conflict { constraint: "proposals_version".into() });
        }
        for line in proposal.lines.iter().filter(|l| l.outcome == Outcome::Proposed) {
            let found = app_store::application_in(&mut tx, line.application_id).await?.ok_or_else(stale)?;
            // One withdrawn meanwhile stays withdrawn.
            if found.status != Status::Proposed {
                continue;
            }
            self.move_application(&mut tx, line.application_id, (Action::SendBack, Some(who)), &reason, meta).await?;
        }
        let proposal_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "proposal.send_back",
            ("proposal", Some(&proposal_id)),
            json!({ "batch": proposal.batch_id.to_string(), "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ helpers

    /// A proposal a leader may decide now. The drafter is refused (separation of duties), and
    /// the refusal is itself audited.
    async fn decidable_proposal(
        &self,
        who: &Authenticated,
        id: ProposalId,
        what: &str,
        meta: &RequestMeta,
    ) -> Result<ProposalView> {
        authorize(who, access::Action::ApproveProposal, Object::Any)?;
        let proposal = self.proposal(who, id).await?;
        if let Err(conflict) = ensure_not_drafter(proposal.drafted_by, who) {
            let mut tx = self.db.begin().await?;
            let proposal_id = id.to_string();
            self.audit(
                &mut tx,
                meta,
                Some((&who.user, who.role)),
                "proposal.refused_own",
                ("proposal", Some(&proposal_id)),
                json!({ "attempted": what, "code": conflict.code() }),
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden { code: conflict.code(), message: conflict.to_string() });
        }
        if proposal.status != ProposalStatus::Pending {
            return Err(AppError::WrongState {
                message: format!("拟认定名单当前为「{}」，不能再审批", proposal.status.label()),
            });
        }
        Ok(proposal)
    }

    /// An assignment its own expert works on (declares, scores); anyone else finds nothing.
    async fn scored_assignment(&self, who: &Authenticated, id: AssignmentId) -> Result<AssignmentView> {
        let assignment = self.assignment(who, id).await?;
        authorize(who, access::Action::ScoreAssignment, Object::AssignedTo(assignment.expert_id))?;
        Ok(assignment)
    }

    /// An application whose review is under way (its experts may still act on it).
    async fn reviewed_application(&self, id: ApplicationId) -> Result<ApplicationView> {
        let row = app_store::application(&self.db, id).await?.ok_or(AppError::NotFound("申报不存在"))?;
        let current = row;
        if !matches!(current.status, Status::InReview | Status::Scored) {
            return Err(AppError::WrongState {
                message: format!("申报当前为「{}」，评审已结束", current.status.staff_label()),
            });
        }
        Ok(current)
    }

    async fn change_assignment(
        &self,
        tx: &mut Tx,
        current: &AssignmentView,
        to: AssignmentStatus,
        change: &store::AssignmentChange<'_>,
    ) -> Result<()> {
        let changed =
            store::change_assignment(tx, current.id, (current.status, to, current.version), change, self.now()).await?;
        if changed { Ok(()) } else { Err(AppError::Conflict { constraint: "assignments_version".into() }) }
    }

    async fn notify_expert(&self, tx: &mut Tx, a: &AssignmentView, title: &str, body: &str) -> Result<()> {
        store::insert_user_notification(
            tx,
            &store::UserNotification {
                id: self.new_id::<NotificationId>(),
                user_id: a.expert_id,
                at: self.now(),
                title: title.to_owned(),
                body: body.to_owned(),
                link: format!("/expert/assignments/{}", a.id),
                read_at: None,
            },
        )
        .await?;
        Ok(())
    }

    /// A replacement for an expert who stepped aside: one more, drawn by the system, with a
    /// fresh deadline. `None` when nobody is left to draw (staff see the gap on the console).
    async fn replace(
        &self,
        tx: &mut Tx,
        application: &ApplicationView,
        who: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<Option<AssignmentId>> {
        let (policy_id, _) = self.judging_policy(application).await?;
        let due = self.review_due(DEFAULT_REVIEW_DAYS).await?;
        // Staff withdrawing an expert draw the replacement; when an expert steps aside, the system.
        let drawer = who.filter(|w| allows(w, access::Action::OrganizeReview));
        match self.draw_experts(tx, application, (1, 1), ("replacement", drawer), due, (&policy_id, meta)).await {
            Ok(drawn) => Ok(drawn.first().copied()),
            Err(AppError::Invalid { code: "not_enough_experts", .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Puts the application where its assignments say it is: scored when every score owed is
    /// in (the system completes it), back in review when one is owed again.
    async fn settle(
        &self,
        tx: &mut Tx,
        id: ApplicationId,
        who: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let row = app_store::application_in(tx, id).await?.ok_or_else(stale)?;
        let current = row;
        let minimum = self.judging_policy(&current).await?.1.min_experts() as usize;
        let statuses: Vec<AssignmentStatus> = store::assignments_in(tx, id).await?.iter().map(|a| a.status).collect();
        let complete = review::scoring_complete(&statuses, minimum);
        let step = match (current.status, complete) {
            (Status::InReview, true) => Some((Action::CompleteScoring, None)),
            (Status::Scored, false) => Some((Action::ReopenScoring, who)),
            _ => None,
        };
        let Some((action, actor)) = step else { return Ok(()) };
        self.move_application(tx, id, (action, actor), "", meta).await
    }

    /// One transition of an application inside `tx`, read afresh (several may follow each
    /// other in one transaction); the system acts when `who` is `None`.
    async fn move_application(
        &self,
        tx: &mut Tx,
        id: ApplicationId,
        (action, who): (Action, Option<&Authenticated>),
        note: &str,
        meta: &RequestMeta,
    ) -> Result<()> {
        let row = app_store::application_in(tx, id).await?.ok_or_else(stale)?;
        let current = row;
        let actor = who.map_or(Actor::System, |w| Actor::Person(w.role));
        let to = application::transition(current.status, action, actor).map_err(transition_error)?;
        self.change(tx, Change::plain(&current, who, (action, to), note.to_owned(), json!({})), meta).await
    }
}

/// The call enters review when its first recognition list is drafted.
fn batch_enters_review(status: BatchStatus) -> Option<BatchStatus> {
    matches!(status, BatchStatus::Open | BatchStatus::Closed).then_some(BatchStatus::Reviewing)
}

#[derive(Deserialize)]
struct RemindPayload {
    assignment: AssignmentId,
    stage: String,
}

/// The handler of [`REMIND_JOB`].
pub fn remind_handler() -> crate::jobs::Handler {
    std::sync::Arc::new(|app, job, mut tx| {
        Box::pin(async move {
            let payload: RemindPayload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
            app.deadline_reminder(&mut tx, payload.assignment, &payload.stage).await.map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_read_with_two_decimals() {
        assert_eq!(points(8033), "80.33");
        assert_eq!(points(8000), "80.00");
        assert_eq!(points(5), "0.05");
    }

    #[test]
    fn a_call_enters_review_once() {
        assert_eq!(batch_enters_review(BatchStatus::Closed), Some(BatchStatus::Reviewing));
        assert_eq!(batch_enters_review(BatchStatus::Open), Some(BatchStatus::Reviewing));
        assert_eq!(batch_enters_review(BatchStatus::Reviewing), None);
        assert_eq!(batch_enters_review(BatchStatus::Draft), None);
    }
}
