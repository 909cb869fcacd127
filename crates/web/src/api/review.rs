//! Expert review: `/api/v1/experts`, `/api/v1/applications/{id}/review`, `/api/v1/assignments`
//! (+ `/conflict`, `/scores`, `/reopen`, `/withdraw`, `/remind`), `/api/v1/batches/{id}/ranking`
//! and `/api/v1/proposals` (+ `/approve`, `/send-back`).
//!
//! What each reader gets is decided by the use cases: an expert sees their own assignments
//! only, the application only after declaring no conflict, and other experts' totals only
//! after submitting their own (blind scoring).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use skillbase_app::review::{
    AssignmentView, ExpertInput, ExpertView, PastEmployerEntry, ProposalView, RankLine, TieEntry, points,
};
use skillbase_domain::ids::{ApplicationId, AssignmentId, AttachmentId, BatchId, ProposalId, UserId};
use skillbase_domain::review::ScoreItem;
use skillbase_domain::roles::Role;
use utoipa::ToSchema;

use super::applications::{ApplicationOut, application_out};
use crate::AppState;
use crate::error::ApiError;
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&skillbase_domain::clock::shanghai()).to_rfc3339()
}

fn id<T: std::str::FromStr>(text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

// ---------------------------------------------------------------- the expert pool

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PastEmployerOut {
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    /// YYYY-MM-DD: the last day employed there (ties for three years after).
    pub until: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TieOut {
    pub uscc: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertOut {
    /// The expert's account id.
    pub id: String,
    pub username: String,
    pub name: String,
    pub title: String,
    pub employer_name: String,
    pub employer_uscc: Option<String>,
    /// Key-industry ids of the policy the expert reviews.
    pub industries: Vec<String>,
    pub past_employers: Vec<PastEmployerOut>,
    pub declared_ties: Vec<TieOut>,
    /// Only active experts with an enabled account are drawn.
    pub active: bool,
    pub account_disabled: bool,
    /// Send back with an update (a stale update is refused, 409).
    pub version: i64,
}

fn expert_out(e: ExpertView) -> ExpertOut {
    ExpertOut {
        id: e.user_id.to_string(),
        username: e.username.clone(),
        name: e.name.clone(),
        title: e.title.clone(),
        employer_name: e.employer_name.clone(),
        employer_uscc: e.employer_uscc.clone(),
        active: e.active,
        account_disabled: e.disabled,
        version: e.version,
        industries: e.industries,
        past_employers: e
            .past_employers
            .into_iter()
            .map(|p| PastEmployerOut { uscc: p.uscc, name: p.name, until: p.until })
            .collect(),
        declared_ties: e
            .declared_ties
            .into_iter()
            .map(|t| TieOut { uscc: t.uscc, name: t.name, reason: t.reason })
            .collect(),
    }
}

/// The expert pool (staff).
#[utoipa::path(get, path = "/api/v1/experts", tag = "review", responses((status = 200, body = Vec<ExpertOut>)))]
pub async fn experts(
    State(state): State<AppState>,
    SignedIn(_who): SignedIn,
) -> Result<Json<Vec<ExpertOut>>, ApiError> {
    Ok(Json(state.app.experts().await?.into_iter().map(expert_out).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertBody {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub employer_name: String,
    /// Empty or a valid 统一社会信用代码.
    #[serde(default)]
    pub employer_uscc: String,
    pub industries: Vec<String>,
    #[serde(default)]
    pub past_employers: Vec<PastEmployerOut>,
    #[serde(default)]
    pub declared_ties: Vec<TieOut>,
    #[serde(default = "yes")]
    pub active: bool,
    /// The version read; absent for a new profile.
    pub version: Option<i64>,
}

fn yes() -> bool {
    true
}

/// Create or update the profile of an account with the expert role (staff). Every problem is
/// named by field at once; nothing is saved unless all is valid.
#[utoipa::path(put, path = "/api/v1/experts/{id}", tag = "review", params(("id" = String, Path)), request_body = ExpertBody, responses((status = 200, body = ExpertOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn save_expert(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(user): Path<String>,
    ApiJson(body): ApiJson<ExpertBody>,
) -> Result<Json<ExpertOut>, ApiError> {
    let user: UserId = id(&user)?;
    let input = ExpertInput {
        name: body.name,
        title: body.title,
        employer_name: body.employer_name,
        employer_uscc: body.employer_uscc,
        industries: body.industries,
        past_employers: body
            .past_employers
            .into_iter()
            .map(|p| PastEmployerEntry { uscc: p.uscc, name: p.name, until: p.until })
            .collect(),
        declared_ties: body
            .declared_ties
            .into_iter()
            .map(|t| TieEntry { uscc: t.uscc, name: t.name, reason: t.reason })
            .collect(),
        active: body.active,
        version: body.version,
    };
    state.app.save_expert(&who, user, &input, &meta).await?;
    let saved = state.app.expert(user).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(expert_out(saved)))
}

// ---------------------------------------------------------------- assignments

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreItemOut {
    /// The rubric item (`site`).
    pub criterion: String,
    pub points: u32,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentOut {
    pub id: String,
    pub application_id: String,
    pub expert_id: String,
    pub expert_name: String,
    /// assigned | accepted | declined_conflict | scored.
    pub status: String,
    pub status_label: String,
    /// The last day to score (23:59:59 Asia/Shanghai).
    pub due_on: String,
    pub overdue: bool,
    pub conflict_reason: Option<String>,
    /// The expert's own total (staff see every expert's).
    pub total: Option<i64>,
    pub submitted_at: Option<String>,
    pub reopened_reason: Option<String>,
    /// Staff only: more than the policy's outlier points from the panel's median.
    pub outlier: bool,
    /// Staff only: left out of the mean (one highest and one lowest of five or more).
    pub dropped: bool,
}

fn assignment_out(a: &AssignmentView) -> AssignmentOut {
    AssignmentOut {
        id: a.id.to_string(),
        application_id: a.application_id.to_string(),
        expert_id: a.expert_id.to_string(),
        expert_name: a.expert_name.clone(),
        status: a.status.as_str().to_owned(),
        status_label: a.status.label().to_owned(),
        due_on: a.due_on.to_string(),
        overdue: a.overdue,
        conflict_reason: a.conflict_reason.clone(),
        total: a.total,
        submitted_at: a.submitted_at.map(local),
        reopened_reason: a.reopened_reason.clone(),
        outlier: a.outlier,
        dropped: a.dropped,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentQuery {
    pub application: Option<String>,
    pub batch: Option<String>,
}

/// Assignments within the reader's scope: an expert their own; the bureau all (of an
/// application or a call).
#[utoipa::path(get, path = "/api/v1/assignments", tag = "review", params(AssignmentQuery), responses((status = 200, body = Vec<AssignmentOut>)))]
pub async fn assignments(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Query(q): Query<AssignmentQuery>,
) -> Result<Json<Vec<AssignmentOut>>, ApiError> {
    let application = q.application.as_deref().map(id::<ApplicationId>).transpose()?;
    let batch = q.batch.as_deref().map(id::<BatchId>).transpose()?;
    Ok(Json(state.app.assignments(&who, application, batch).await?.iter().map(assignment_out).collect()))
}

/// One assignment (another expert's id answers 404).
#[utoipa::path(get, path = "/api/v1/assignments/{id}", tag = "review", params(("id" = String, Path)), responses((status = 200, body = AssignmentOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn assignment(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(assignment): Path<String>,
) -> Result<Json<AssignmentOut>, ApiError> {
    Ok(Json(assignment_out(&state.app.assignment(&who, id(&assignment)?).await?)))
}

/// The assigned application, read-only, for its expert once they declared no conflict.
#[utoipa::path(get, path = "/api/v1/assignments/{id}/application", tag = "review", params(("id" = String, Path)), responses((status = 200, body = ApplicationOut), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn assigned_application(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(assignment): Path<String>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let work = state.app.expert_assignment(&who, id(&assignment)?).await?;
    let Some(application) = work.application else {
        return Err(ApiError::new(StatusCode::CONFLICT, "declaration_required", "请先声明是否存在利益冲突"));
    };
    Ok(Json(application_out(&state, &who, &application).await?))
}

/// A file of the assigned application, for its expert once they declared no conflict.
#[utoipa::path(get, path = "/api/v1/assignments/{id}/attachments/{attachment}", tag = "review", params(("id" = String, Path), ("attachment" = String, Path)), responses((status = 200, description = "the file, as an attachment"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn assigned_attachment(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path((assignment, attachment)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let attachment: AttachmentId = id(&attachment)?;
    let (row, bytes) = state.app.assigned_attachment(&who, id(&assignment)?, attachment).await?;
    Ok(crate::download::stored_file(&row.kind, &row.display_name, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclarationBody {
    /// `false`: no conflict of interest (the materials open); `true`: a conflict (the expert
    /// steps aside and a replacement is drawn).
    pub conflict: bool,
    /// Required with a conflict.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Declared {
    pub status: String,
    /// The replacement's assignment, when one could be drawn.
    pub replacement: Option<String>,
}

/// Declare a conflict of interest, or none, before seeing the application (the expert).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/conflict", tag = "review", params(("id" = String, Path)), request_body = DeclarationBody, responses((status = 200, body = Declared), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn declare(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(assignment): Path<String>,
    ApiJson(body): ApiJson<DeclarationBody>,
) -> Result<Json<Declared>, ApiError> {
    let assignment: AssignmentId = id(&assignment)?;
    let replacement = state.app.declare(&who, assignment, body.conflict, &body.reason, &meta).await?;
    let now = state.app.assignment(&who, assignment).await?;
    Ok(Json(Declared { status: now.status.as_str().to_owned(), replacement: replacement.map(|r| r.to_string()) }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoresOut {
    pub assignment: AssignmentOut,
    /// The submitted (or reopened) sheet, in the rubric's order.
    pub items: Vec<ScoreItemOut>,
    /// Other experts' submitted totals, anonymous: shown to an expert only after they
    /// submitted their own.
    pub others: Vec<u32>,
}

/// An assignment's score sheet: the expert's own (with the others' totals once submitted), or
/// for the bureau any expert's.
#[utoipa::path(get, path = "/api/v1/assignments/{id}/scores", tag = "review", params(("id" = String, Path)), responses((status = 200, body = ScoresOut)))]
pub async fn scores(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(assignment): Path<String>,
) -> Result<Json<ScoresOut>, ApiError> {
    let assignment: AssignmentId = id(&assignment)?;
    let (view, others) = if who.role == Role::Expert {
        let work = state.app.expert_assignment(&who, assignment).await?;
        (work.assignment, work.others)
    } else {
        (state.app.assignment(&who, assignment).await?, Vec::new())
    };
    Ok(Json(ScoresOut {
        items: view
            .sheet
            .iter()
            .map(|i| ScoreItemOut { criterion: i.criterion.clone(), points: i.points, comment: i.comment.clone() })
            .collect(),
        assignment: assignment_out(&view),
        others,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreItemBody {
    pub criterion: String,
    pub points: u32,
    pub comment: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreBody {
    /// One item per rubric criterion, each within its points and with a comment.
    pub items: Vec<ScoreItemBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Scored {
    pub total: u32,
}

/// Submit the score sheet (the expert, after declaring no conflict). The last score owed
/// completes the application's scoring.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/scores", tag = "review", params(("id" = String, Path)), request_body = ScoreBody, responses((status = 200, body = Scored), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn submit_score(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(assignment): Path<String>,
    ApiJson(body): ApiJson<ScoreBody>,
) -> Result<Json<Scored>, ApiError> {
    let items: Vec<ScoreItem> = body
        .items
        .into_iter()
        .map(|i| ScoreItem { criterion: i.criterion, points: i.points, comment: i.comment })
        .collect();
    let total = state.app.submit_score(&who, id(&assignment)?, &items, &meta).await?;
    Ok(Json(Scored { total }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewReasonBody {
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Replaced {
    /// The replacement's assignment, when one could be drawn.
    pub replacement: Option<String>,
}

/// Reopen a submitted score, with a reason (staff); the application goes back to review.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reopen", tag = "review", params(("id" = String, Path)), request_body = ReviewReasonBody, responses((status = 204), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reopen(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(assignment): Path<String>,
    ApiJson(body): ApiJson<ReviewReasonBody>,
) -> Result<StatusCode, ApiError> {
    state.app.reopen_score(&who, id(&assignment)?, &body.reason, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraw an expert for a conflict found after the draw, with a reason (staff): their score
/// stops counting and a replacement is drawn.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/withdraw", tag = "review", params(("id" = String, Path)), request_body = ReviewReasonBody, responses((status = 200, body = Replaced)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(assignment): Path<String>,
    ApiJson(body): ApiJson<ReviewReasonBody>,
) -> Result<Json<Replaced>, ApiError> {
    let replacement = state.app.withdraw_expert(&who, id(&assignment)?, &body.reason, &meta).await?;
    Ok(Json(Replaced { replacement: replacement.map(|r| r.to_string()) }))
}

/// Remind an expert who has not scored yet (staff).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/remind", tag = "review", params(("id" = String, Path)), responses((status = 204)))]
pub async fn remind(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(assignment): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.remind_expert(&who, id(&assignment)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- one application's review

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartReviewBody {
    /// How many experts (default: the policy's, at least its minimum).
    pub experts: Option<u32>,
    /// Working days to score, from tomorrow (default 5).
    pub days: Option<u32>,
}

/// Start the review of an eligible application: experts of its industry with no conflict of
/// interest are drawn at random (the seed and candidates are stored and audited).
#[utoipa::path(post, path = "/api/v1/applications/{id}/review", tag = "review", params(("id" = String, Path)), request_body = StartReviewBody, responses((status = 201, body = Vec<AssignmentOut>), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn start_review(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<StartReviewBody>,
) -> Result<(StatusCode, Json<Vec<AssignmentOut>>), ApiError> {
    let application: ApplicationId = id(&application)?;
    state.app.start_review(&who, application, body.experts, body.days, &meta).await?;
    let all = state.app.assignments(&who, Some(application), None).await?;
    Ok((StatusCode::CREATED, Json(all.iter().map(assignment_out).collect())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawMoreBody {
    pub days: Option<u32>,
}

/// Draw one more expert for an application under review (staff).
#[utoipa::path(post, path = "/api/v1/applications/{id}/review/draw", tag = "review", params(("id" = String, Path)), request_body = DrawMoreBody, responses((status = 201, body = Vec<AssignmentOut>)))]
pub async fn draw_more(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<DrawMoreBody>,
) -> Result<(StatusCode, Json<Vec<AssignmentOut>>), ApiError> {
    let application: ApplicationId = id(&application)?;
    state.app.draw_more(&who, application, body.days, &meta).await?;
    let all = state.app.assignments(&who, Some(application), None).await?;
    Ok((StatusCode::CREATED, Json(all.iter().map(assignment_out).collect())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DrawOut {
    pub id: String,
    /// initial | replacement.
    pub reason: String,
    /// The ChaCha8 seed (decimal): with the candidates, the draw repeats exactly.
    pub seed: String,
    pub candidates: Vec<String>,
    pub excluded: Vec<String>,
    pub drawn: Vec<String>,
    pub policy_id: String,
    pub drawn_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateOut {
    /// The mean of the counted scores, two decimals ("80.33").
    pub mean: String,
    pub mean_hundredths: i64,
    pub counted: usize,
    pub median: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewOut {
    pub application_id: String,
    pub status: String,
    pub status_label: String,
    pub minimum_experts: usize,
    pub outlier_points: u32,
    pub assignments: Vec<AssignmentOut>,
    pub draws: Vec<DrawOut>,
    /// Draws that found fewer experts than asked, with what is still missing.
    pub shortfalls: Vec<ShortfallOut>,
    pub aggregate: Option<AggregateOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShortfallOut {
    pub id: String,
    /// The draw that came up short (none when a replacement found nobody).
    pub draw_id: Option<String>,
    /// initial | replacement.
    pub reason: String,
    pub wanted: i64,
    pub drawn: i64,
    /// Active experts of the industry, those already drawn, those with a conflict, those left.
    pub in_industry: i64,
    pub already_drawn: i64,
    pub conflicted: i64,
    pub eligible: i64,
    /// Still missing (0 once later draws filled it).
    pub missing: i64,
    /// open | filled.
    pub status: String,
    pub message: String,
}

fn json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// One application's review: assignments, draws and the aggregate (staff and leaders).
#[utoipa::path(get, path = "/api/v1/applications/{id}/review", tag = "review", params(("id" = String, Path)), responses((status = 200, body = ReviewOut)))]
pub async fn review(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<ReviewOut>, ApiError> {
    let progress = state.app.review_progress(&who, id(&application)?).await?;
    Ok(Json(ReviewOut {
        application_id: progress.application.id.to_string(),
        status: progress.application.status.as_str().to_owned(),
        status_label: progress.application.status.staff_label().to_owned(),
        minimum_experts: progress.minimum,
        outlier_points: progress.outlier_points,
        assignments: progress.assignments.iter().map(assignment_out).collect(),
        shortfalls: progress
            .shortfalls
            .iter()
            .map(|s| ShortfallOut {
                id: s.record.id.to_string(),
                draw_id: s.record.draw_id.map(|d| d.to_string()),
                reason: s.record.reason.clone(),
                wanted: s.record.wanted,
                drawn: s.record.drawn,
                in_industry: s.record.in_industry,
                already_drawn: s.record.already_drawn,
                conflicted: s.record.conflicted,
                eligible: s.record.eligible,
                missing: s.record.missing,
                status: s.record.status.as_str().to_owned(),
                message: s.message.clone(),
            })
            .collect(),
        draws: progress
            .draws
            .iter()
            .map(|d| DrawOut {
                id: d.id.to_string(),
                reason: d.reason.clone(),
                seed: d.seed.clone(),
                candidates: json_list(&d.candidates),
                excluded: json_list(&d.excluded),
                drawn: json_list(&d.drawn),
                policy_id: d.policy_id.clone(),
                drawn_at: local(d.drawn_at),
            })
            .collect(),
        aggregate: progress.aggregate.map(|a| AggregateOut {
            mean: points(a.mean_hundredths),
            mean_hundredths: a.mean_hundredths,
            counted: a.counted,
            median: points(a.median_hundredths),
        }),
    }))
}

// ---------------------------------------------------------------- ranking and proposals

#[derive(Debug, Serialize, ToSchema)]
pub struct RankLineOut {
    pub application_id: String,
    pub organization_name: String,
    pub organization_uscc: String,
    pub industry: String,
    pub mean: Option<String>,
    pub mean_hundredths: Option<i64>,
    pub scores: usize,
    pub priority_verified: bool,
    pub position: Option<usize>,
    /// proposed | beyond_quota | below_threshold | ineligible.
    pub outcome: String,
    pub outcome_label: String,
    /// Why, citing the clause.
    pub reason: String,
}

fn line_out(l: &RankLine) -> RankLineOut {
    RankLineOut {
        application_id: l.application_id.to_string(),
        organization_name: l.organization_name.clone(),
        organization_uscc: l.organization_uscc.clone(),
        industry: l.industry.clone(),
        mean: l.mean_hundredths.map(points),
        mean_hundredths: l.mean_hundredths,
        scores: l.scores,
        priority_verified: l.priority_verified,
        position: l.position,
        outcome: serde_json::to_value(l.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        outcome_label: l.outcome.label().to_owned(),
        reason: l.reason.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnfinishedOut {
    pub application_id: String,
    pub organization_name: String,
    pub status: String,
    pub status_label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingOut {
    pub batch_id: String,
    pub policy_id: String,
    pub threshold: u32,
    pub quota: usize,
    pub lines: Vec<RankLineOut>,
    /// Applications still being accepted, checked or reviewed: the ranking is not final.
    pub unfinished: Vec<UnfinishedOut>,
}

/// The ranking of a call: eligible applications at or above the threshold, verified priority
/// (C2.1.P) first, then by mean score, then the earlier submission; the quota applied.
#[utoipa::path(get, path = "/api/v1/batches/{id}/ranking", tag = "review", params(("id" = String, Path)), responses((status = 200, body = RankingOut)))]
pub async fn ranking(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(batch): Path<String>,
) -> Result<Json<RankingOut>, ApiError> {
    let ranking = state.app.ranking(&who, id(&batch)?).await?;
    Ok(Json(RankingOut {
        batch_id: ranking.batch.id.to_string(),
        policy_id: ranking.policy_id.clone(),
        threshold: ranking.threshold,
        quota: ranking.quota,
        lines: ranking.lines.iter().map(line_out).collect(),
        unfinished: ranking
            .unfinished
            .iter()
            .map(|(id, name, status)| UnfinishedOut {
                application_id: id.to_string(),
                organization_name: name.clone(),
                status: status.as_str().to_owned(),
                status_label: status.staff_label().to_owned(),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalOut {
    pub id: String,
    pub batch_id: String,
    pub batch_title: String,
    /// pending | approved | sent_back.
    pub status: String,
    pub status_label: String,
    pub policy_id: String,
    pub note: String,
    pub drafted_by: String,
    pub drafted_by_name: String,
    pub drafted_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub lines: Vec<RankLineOut>,
}

fn proposal_out(p: &ProposalView) -> ProposalOut {
    ProposalOut {
        id: p.id.to_string(),
        batch_id: p.batch_id.to_string(),
        batch_title: p.batch_title.clone(),
        status: p.status.as_str().to_owned(),
        status_label: p.status.label().to_owned(),
        policy_id: p.policy_id.clone(),
        note: p.note.clone(),
        drafted_by: p.drafted_by.to_string(),
        drafted_by_name: p.drafted_by_name.clone(),
        drafted_at: local(p.drafted_at),
        decided_by: p.decided_by.map(|u| u.to_string()),
        decided_at: p.decided_at.map(local),
        decision_note: p.decision_note.clone(),
        lines: p.lines.iter().map(line_out).collect(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    pub batch: Option<String>,
}

/// Proposed recognition lists, the newest first (staff and leaders).
#[utoipa::path(get, path = "/api/v1/proposals", tag = "review", params(ProposalQuery), responses((status = 200, body = Vec<ProposalOut>)))]
pub async fn proposals(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Query(q): Query<ProposalQuery>,
) -> Result<Json<Vec<ProposalOut>>, ApiError> {
    let batch = q.batch.as_deref().map(id::<BatchId>).transpose()?;
    Ok(Json(state.app.proposals(&who, batch).await?.iter().map(proposal_out).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProposalBody {
    pub batch_id: String,
    #[serde(default)]
    pub note: String,
}

/// Draft the recognition list of a closed call from its ranking (staff), for a leader.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "review", request_body = NewProposalBody, responses((status = 201, body = ProposalOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn draft_proposal(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<NewProposalBody>,
) -> Result<(StatusCode, Json<ProposalOut>), ApiError> {
    let batch: BatchId = body.batch_id.parse().map_err(|_| {
        ApiError::fields(vec![crate::error::FieldProblem::new("batch_id", "unknown_batch", "申报批次不存在")])
    })?;
    let created = state.app.draft_proposal(&who, batch, &body.note, &meta).await?;
    Ok((StatusCode::CREATED, Json(proposal_out(&state.app.proposal(&who, created).await?))))
}

/// One proposed recognition list.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "review", params(("id" = String, Path)), responses((status = 200, body = ProposalOut)))]
pub async fn proposal(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(proposal): Path<String>,
) -> Result<Json<ProposalOut>, ApiError> {
    Ok(Json(proposal_out(&state.app.proposal(&who, id(&proposal)?).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    pub note: String,
}

/// Approve a recognition list (a leader who did not draft it: the drafter gets 403
/// `sod_own_proposal`). Those on it are approved, the others not selected.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/approve", tag = "review", params(("id" = String, Path)), request_body = ApproveBody, responses((status = 200, body = ProposalOut), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn approve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(proposal): Path<String>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Result<Json<ProposalOut>, ApiError> {
    let proposal: ProposalId = id(&proposal)?;
    state.app.approve_proposal(&who, proposal, &body.note, &meta).await?;
    Ok(Json(proposal_out(&state.app.proposal(&who, proposal).await?)))
}

/// Send a recognition list back with a reason (a leader who did not draft it).
#[utoipa::path(post, path = "/api/v1/proposals/{id}/send-back", tag = "review", params(("id" = String, Path)), request_body = ReviewReasonBody, responses((status = 200, body = ProposalOut), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn send_back(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(proposal): Path<String>,
    ApiJson(body): ApiJson<ReviewReasonBody>,
) -> Result<Json<ProposalOut>, ApiError> {
    let proposal: ProposalId = id(&proposal)?;
    state.app.send_back_proposal(&who, proposal, &body.reason, &meta).await?;
    Ok(Json(proposal_out(&state.app.proposal(&who, proposal).await?)))
}

// ---------------------------------------------------------------- notifications to one account

#[derive(Debug, Serialize, ToSchema)]
pub struct UserNotificationOut {
    pub id: String,
    pub at: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read: bool,
}

/// The signed-in account's own notifications (an expert's assignments and reminders).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "review", responses((status = 200, body = Vec<UserNotificationOut>)))]
pub async fn my_notifications(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Json<Vec<UserNotificationOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .user_notifications(&who)
            .await?
            .into_iter()
            .map(|n| UserNotificationOut {
                id: n.id.to_string(),
                at: local(n.at),
                title: n.title,
                body: n.body,
                link: n.link,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}
