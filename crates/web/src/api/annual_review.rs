//! The annual review (C4.4): `/api/v1/annual-reviews` (campaigns: list, open, one, close, its
//! reports), `/api/v1/annual-reports` (the reader's reports; one report with its figures and
//! history; `PUT` saves what the base writes; `POST …/decision` takes the next step) and, for a
//! revoked base, `/api/v1/bases/{id}/recovery` (what it owes back) and `…/recoveries` (a
//! payment back).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use skillbase_app::annual_review::{
    AnnualReportFilter, CampaignView, RecoveryView, ReportRecord, ReportView, StepInput,
};
use skillbase_domain::annual_review::{CampaignInput, ReportAction, ReportInput, ReportStatus};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{AnnualReportId, BaseId, CampaignId};
use utoipa::ToSchema;

use super::training::{body, checked, choice, day, id, local, page_of, page_request, paged};
use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{Meta, SignedIn, SignedInWrite};

// ---------------------------------------------------------------- shapes

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: String,
    pub year: i32,
    pub cut_off: String,
    /// Working days the bases had to file, and the resulting deadline.
    pub days: u32,
    pub due_on: String,
    pub note: Option<String>,
    /// open | closed.
    pub status: String,
    pub status_label: String,
    pub reports: i64,
    /// Reports per status code.
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// Reports not filed by the deadline.
    pub overdue: i64,
}

fn campaign_out(v: &CampaignView) -> CampaignOut {
    CampaignOut {
        id: v.record.id.to_string(),
        year: v.record.year,
        cut_off: day(v.record.cut_off),
        days: v.record.days,
        due_on: day(v.record.due_on),
        note: v.record.note.clone(),
        status: v.record.status.code().to_owned(),
        status_label: v.record.status.label().to_owned(),
        reports: v.total,
        by_status: v.counts.iter().map(|(s, n)| (s.code().to_owned(), *n)).collect(),
        overdue: v.overdue,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    pub id: String,
    pub campaign_id: String,
    pub year: i32,
    pub base_id: String,
    pub base_name: String,
    pub plaque_number: String,
    /// pending | submitted | rectifying | answered | revocation_proposed | passed | revoked.
    pub status: String,
    pub status_label: String,
    pub due_on: String,
    /// Not filed by the deadline (flagged by the deadline job).
    pub overdue: bool,
    pub submitted_at: Option<String>,
    pub rectification: Option<String>,
    pub rectification_due: Option<String>,
    /// The rectification was not answered by its deadline (escalated, not revoked).
    pub escalated: bool,
    pub answer: Option<String>,
    /// A proposed or decided revocation's ground (code).
    pub ground: Option<String>,
    pub decided_on: Option<String>,
}

fn report_out(r: &ReportRecord) -> ReportOut {
    ReportOut {
        id: r.id.to_string(),
        campaign_id: r.campaign_id.to_string(),
        year: r.year,
        base_id: r.base_id.to_string(),
        base_name: r.base_name.clone(),
        plaque_number: r.base_number.clone(),
        status: r.status.code().to_owned(),
        status_label: r.status.label().to_owned(),
        due_on: day(r.due_on),
        overdue: r.overdue,
        submitted_at: r.submitted_at.map(local),
        rectification: r.rectification.clone(),
        rectification_due: r.rectification_due.map(day),
        escalated: r.escalated_at.is_some(),
        answer: r.answer.clone(),
        ground: r.ground.map(|g| g.code().to_owned()),
        decided_on: r.decided_on.map(day),
    }
}

page_of!(ReportPage, ReportOut);

#[derive(Debug, Serialize, ToSchema)]
pub struct FigureOut {
    pub key: String,
    pub label: String,
    /// As pre-filled from the records (fen when `unit` is 元).
    pub value: i64,
    pub unit: String,
    pub source: String,
    /// The base's correction, if any, and its reason.
    pub corrected: Option<i64>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    /// C2.1.1 … C2.1.4.
    pub clause: String,
    /// kept | changed | not_met.
    pub standing: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub action: String,
    /// Empty for the system's own steps (deadline checks).
    pub actor: String,
    pub role: Option<String>,
    pub comment: Option<String>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryOut {
    /// The balance the base held when revoked, what it paid back, what is left (fen).
    pub balance_fen: i64,
    pub recovered_fen: i64,
    pub outstanding_fen: i64,
    pub entries: Vec<RecoveryEntryOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryEntryOut {
    pub id: String,
    pub amount_fen: i64,
    pub paid_on: String,
    pub voucher: String,
}

fn recovery_out(r: &RecoveryView) -> RecoveryOut {
    RecoveryOut {
        balance_fen: r.balance.fen(),
        recovered_fen: r.recovered.fen(),
        outstanding_fen: r.outstanding.fen(),
        entries: r
            .entries
            .iter()
            .map(|e| RecoveryEntryOut {
                id: e.id.to_string(),
                amount_fen: e.amount.fen(),
                paid_on: day(e.paid_on),
                voucher: e.voucher.clone(),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDetailOut {
    #[serde(flatten)]
    pub report: ReportOut,
    /// The figures are as the records hold them today (the report is not filed yet); once
    /// filed they are frozen as filed.
    pub live: bool,
    pub figures: Vec<FigureOut>,
    pub assessment: Vec<AssessmentOut>,
    pub plan: String,
    /// active | rectifying | revoked.
    pub base_status: String,
    pub revoked_on: Option<String>,
    pub recovery: Option<RecoveryOut>,
    pub history: Vec<StepOut>,
}

fn report_detail(v: &ReportView) -> ReportDetailOut {
    let content = &v.record.content;
    ReportDetailOut {
        report: report_out(&v.record),
        live: v.live,
        figures: v
            .lines
            .iter()
            .map(|l| {
                let correction = content.correction(&l.key);
                FigureOut {
                    key: l.key.clone(),
                    label: l.label.clone(),
                    value: l.value,
                    unit: l.unit.clone(),
                    source: l.source.clone(),
                    corrected: correction.map(|c| c.value),
                    reason: correction.map(|c| c.reason.clone()),
                }
            })
            .collect(),
        assessment: content
            .assessment
            .iter()
            .map(|a| AssessmentOut {
                clause: a.clause.code().to_owned(),
                standing: a.standing.code().to_owned(),
                note: a.note.clone(),
            })
            .collect(),
        plan: content.plan.clone(),
        base_status: v.base_status.as_str().to_owned(),
        revoked_on: v.revoked_on.map(day),
        recovery: v.recovery.as_ref().map(recovery_out),
        history: v
            .steps
            .iter()
            .map(|s| StepOut {
                action: s.action.clone(),
                actor: s.actor_name.clone().unwrap_or_default(),
                role: s.actor.map(|(_, r)| r.as_str().to_owned()),
                comment: s.comment.clone(),
                at: local(s.at),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------- campaigns

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignBody {
    /// The year reviewed.
    pub year: i32,
    /// Bases recognised on or before this day and not revoked are reviewed (YYYY-MM-DD).
    #[serde(default)]
    pub cut_off: String,
    /// Working days to file, from the day after opening (5–60).
    pub days: u32,
    #[serde(default)]
    pub note: String,
}

/// Every campaign, newest year first.
#[utoipa::path(get, path = "/api/v1/annual-reviews", tag = "annual-review", responses((status = 200, body = [CampaignOut]), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn campaigns(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
) -> Result<Json<Vec<CampaignOut>>, ApiError> {
    Ok(Json(state.app.campaigns(&who).await?.iter().map(campaign_out).collect()))
}

/// Open the review of a year: every base active on the cut-off day gets a report to file.
#[utoipa::path(post, path = "/api/v1/annual-reviews", tag = "annual-review", request_body = NewCampaignBody, responses((status = 201, body = CampaignOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn open_campaign(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let b: NewCampaignBody = body(&bytes)?;
    let input = CampaignInput { year: b.year.to_string(), cut_off: b.cut_off, days: b.days.to_string(), note: b.note };
    let id = state.app.open_campaign(&who, &input, &meta).await?;
    let view = state.app.campaign(&who, id).await?;
    Ok((StatusCode::CREATED, Json(campaign_out(&view))).into_response())
}

/// One campaign with its progress.
#[utoipa::path(get, path = "/api/v1/annual-reviews/{campaign}", tag = "annual-review", params(("campaign" = String, Path)), responses((status = 200, body = CampaignOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn campaign(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(campaign): Path<String>,
) -> Result<Json<CampaignOut>, ApiError> {
    Ok(Json(campaign_out(&state.app.campaign(&who, id::<CampaignId>(&campaign)?).await?)))
}

/// End a campaign once every report has its conclusion.
#[utoipa::path(post, path = "/api/v1/annual-reviews/{campaign}/close", tag = "annual-review", params(("campaign" = String, Path)), responses((status = 200, body = CampaignOut), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn close_campaign(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(campaign): Path<String>,
) -> Result<Json<CampaignOut>, ApiError> {
    let campaign: CampaignId = id(&campaign)?;
    state.app.close_campaign(&who, campaign, &meta).await?;
    Ok(Json(campaign_out(&state.app.campaign(&who, campaign).await?)))
}

fn report_filter(params: &crate::Params, errors: &mut Vec<FieldProblem>) -> AnnualReportFilter {
    AnnualReportFilter { status: choice::<ReportStatus>(params, "status", errors), ..Default::default() }
}

/// A campaign's reports (`status` filters).
#[utoipa::path(get, path = "/api/v1/annual-reviews/{campaign}/reports", tag = "annual-review", params(("campaign" = String, Path), ("status" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = ReportPage), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn campaign_reports(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(campaign): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let campaign: CampaignId = id(&campaign)?;
    state.app.campaign(&who, campaign).await?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = AnnualReportFilter { campaign: Some(campaign), ..report_filter(&params, &mut errors) };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.annual_reports(&who, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/annual-reviews/{campaign}/reports"), &params, found, report_out, ReportPage::json))
}

// ---------------------------------------------------------------- reports

/// The reader's reports: an organisation its own bases', the bureau every one (`status`).
#[utoipa::path(get, path = "/api/v1/annual-reports", tag = "annual-review", params(("status" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = ReportPage)))]
pub async fn reports(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = report_filter(&params, &mut errors);
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.annual_reports(&who, &filter, &page).await?;
    Ok(paged("/api/v1/annual-reports", &params, found, report_out, ReportPage::json))
}

/// One report: its figures (each with its source and any correction), self-assessment, plan
/// and history.
#[utoipa::path(get, path = "/api/v1/annual-reports/{report}", tag = "annual-review", params(("report" = String, Path)), responses((status = 200, body = ReportDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn report(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(report): Path<String>,
) -> Result<Json<ReportDetailOut>, ApiError> {
    Ok(Json(report_detail(&state.app.annual_report(&who, id::<AnnualReportId>(&report)?).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    pub key: String,
    /// The corrected figure as people write it (元 with two decimals for money).
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentBody {
    /// C2.1.1 … C2.1.4.
    pub clause: String,
    /// kept | changed | not_met.
    pub standing: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    #[serde(default)]
    pub corrections: Vec<CorrectionBody>,
    #[serde(default)]
    pub assessment: Vec<AssessmentBody>,
    #[serde(default)]
    pub plan: String,
}

/// The base saves its corrections, self-assessment and plan while the report is pending.
#[utoipa::path(put, path = "/api/v1/annual-reports/{report}", tag = "annual-review", params(("report" = String, Path)), request_body = ReportBody, responses((status = 200, body = ReportDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn save_report(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(report): Path<String>,
    bytes: Bytes,
) -> Result<Json<ReportDetailOut>, ApiError> {
    let report: AnnualReportId = id(&report)?;
    let b: ReportBody = body(&bytes)?;
    let input = ReportInput {
        corrections: b.corrections.into_iter().map(|c| (c.key, c.value, c.reason)).collect(),
        assessment: b.assessment.into_iter().map(|a| (a.clause, a.standing, a.note)).collect(),
        plan: b.plan,
    };
    state.app.save_annual_report(&who, report, (&input, &[]), &meta).await?;
    Ok(Json(report_detail(&state.app.annual_report(&who, report).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The base: `submit`, `answer`; staff: `pass`, `rectify`, `propose_revocation`; a leader:
    /// `approve_revocation`, `reject_revocation`.
    pub action: String,
    /// What to rectify, the answer, the facts of a revocation, a leader's reason.
    #[serde(default)]
    pub comment: String,
    /// `rectify`: working days (5–90).
    #[serde(default)]
    pub days: Option<u32>,
    /// `propose_revocation`: not_meeting_standard | not_training | missed_report |
    /// failed_rectification | voluntary_exit.
    #[serde(default)]
    pub ground: String,
}

/// Take the report's next step.
#[utoipa::path(post, path = "/api/v1/annual-reports/{report}/decision", tag = "annual-review", params(("report" = String, Path)), request_body = StepBody, responses((status = 200, body = ReportDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 401, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn decide_report(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(report): Path<String>,
    bytes: Bytes,
) -> Result<Json<ReportDetailOut>, ApiError> {
    let report: AnnualReportId = id(&report)?;
    let b: StepBody = body(&bytes)?;
    let Some(action) = ReportAction::parse(b.action.trim()) else {
        let codes: Vec<&str> = ReportAction::ALL.iter().map(|a| a.code()).collect();
        return Err(ApiError::fields(vec![FieldProblem::new(
            "action",
            "unknown_action",
            &format!("action 须为 {} 之一", codes.join("、")),
        )]));
    };
    let input =
        StepInput { comment: b.comment, days: b.days.map(|d| d.to_string()).unwrap_or_default(), ground: b.ground };
    state.app.decide_annual_report(&who, report, action, &input, &meta).await?;
    Ok(Json(report_detail(&state.app.annual_report(&who, report).await?)))
}

// ---------------------------------------------------------------- recovery

/// What a revoked base owes back.
#[utoipa::path(get, path = "/api/v1/bases/{id}/recovery", tag = "annual-review", params(("id" = String, Path)), responses((status = 200, body = RecoveryOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn recovery(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
) -> Result<Json<RecoveryOut>, ApiError> {
    Ok(Json(recovery_out(&state.app.recovery(&who, id::<BaseId>(&base)?).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoveryBody {
    /// 元 with at most two decimals.
    pub amount: String,
    pub paid_on: String,
    /// The payment voucher (缴款凭证号): one per payment.
    pub voucher: String,
}

/// Staff record money a revoked base paid back (never more than it owes).
#[utoipa::path(post, path = "/api/v1/bases/{id}/recoveries", tag = "annual-review", params(("id" = String, Path)), request_body = RecoveryBody, responses((status = 201, body = RecoveryOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn record_recovery(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let b: RecoveryBody = body(&bytes)?;
    state.app.record_recovery(&who, base, (&b.amount, &b.paid_on, &b.voucher), &meta).await?;
    Ok((StatusCode::CREATED, Json(recovery_out(&state.app.recovery(&who, base).await?))).into_response())
}
