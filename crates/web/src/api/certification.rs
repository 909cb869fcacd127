//! Skill-level certification (C3.3): `/api/v1/bases/{id}/certification-filings`,
//! `/certification-sessions` and `/certificates` of a base; `/api/v1/certification-filings/{id}`,
//! `/api/v1/certification-sessions/{id}` (+ `/results`), `/api/v1/certificates/{id}`, each with
//! a `/decision` POST (`{"action": …, "comment": …}`) that takes the life cycle's next step.
//!
//! The base files, holds sessions, enters results and submits; staff recommend filings, return
//! or publish sessions and propose revocations; a leader approves filings and revocations.
//! Lists are pages (`after`, `limit`; `{items, total, next}`). Verification is public, at
//! `GET /api/v1/public/verify/{number}?name=` (see `notices.rs`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use skillbase_app::certification::{
    CertificateFilter, CertificateRecord, CertificateView, CertificationDecision, FilingFilter, FilingRecord,
    FilingView, ResultRecord, SessionFilter, SessionRecord, SessionView,
};
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::certification::{
    CertificateAction, CertificateStatus, FilingAction, FilingInput, FilingStatus, ScoresInput, SessionAction,
    SessionInput, SessionStatus,
};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{BaseId, CertificateId, FilingId, ResultId, SessionId};
use utoipa::ToSchema;

use super::training::{body, checked, create, day, id, local, page_request, paged, text};
use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{Meta, SignedIn, SignedInWrite};

fn status_filter<D: Dictionary>(params: &crate::Params, errors: &mut Vec<FieldProblem>) -> Option<D> {
    let code = text(params, "status")?;
    let found = D::parse(&code);
    if found.is_none() {
        errors.push(FieldProblem::new("status", D::UNKNOWN, "status 的取值不在字典中"));
    }
    found
}

// ---------------------------------------------------------------- shapes

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    /// The step: `submit`, `recommend`, `approve`, `refuse`, `create`, `return`, `publish`,
    /// `propose_revocation`, `approve_revocation`, `reject_revocation`.
    pub action: String,
    pub actor: String,
    pub role: String,
    pub comment: Option<String>,
    pub at: String,
}

fn history(items: &[CertificationDecision]) -> Vec<DecisionOut> {
    items
        .iter()
        .map(|d| DecisionOut {
            action: d.action.clone(),
            actor: d.actor_name.clone(),
            role: d.actor_role.as_str().to_owned(),
            comment: d.comment.clone(),
            at: local(d.at),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilingOut {
    pub id: String,
    pub base_id: String,
    pub base_name: String,
    pub occupation: String,
    pub occupation_name: String,
    /// Level codes (`5` … `1`).
    pub levels: Vec<String>,
    pub note: Option<String>,
    /// submitted | recommended | approved | refused.
    pub status: String,
    pub status_label: String,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub filed_at: String,
}

fn filing_out(f: &FilingRecord) -> FilingOut {
    FilingOut {
        id: f.id.to_string(),
        base_id: f.base_id.to_string(),
        base_name: f.base_name.clone(),
        occupation: f.filing.occupation.as_str().to_owned(),
        occupation_name: f.filing.occupation.name().to_owned(),
        levels: f.filing.levels.iter().map(|l| l.code().to_owned()).collect(),
        note: f.filing.note.clone(),
        status: f.status.code().to_owned(),
        status_label: f.status.label().to_owned(),
        valid_from: f.validity.map(|v| day(v.from)),
        valid_until: f.validity.map(|v| day(v.until)),
        filed_at: local(f.filed_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilingDetailOut {
    #[serde(flatten)]
    pub filing: FilingOut,
    /// Approved and valid today.
    pub in_force: bool,
    pub history: Vec<DecisionOut>,
}

fn filing_detail(v: &FilingView) -> FilingDetailOut {
    FilingDetailOut { filing: filing_out(&v.record), in_force: v.in_force, history: history(&v.history) }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: String,
    pub base_id: String,
    pub filing_id: String,
    pub occupation: String,
    pub occupation_name: String,
    /// Level code (`5` … `1`).
    pub level: String,
    pub held_on: String,
    pub place: String,
    pub assessors: Vec<String>,
    /// 自主评价: only the base's own employees are candidates.
    pub self_evaluation: bool,
    /// draft | submitted | returned | published.
    pub status: String,
    pub status_label: String,
    pub candidates: i64,
    pub passed: i64,
}

fn session_out(s: &SessionRecord) -> SessionOut {
    SessionOut {
        id: s.id.to_string(),
        base_id: s.base_id.to_string(),
        filing_id: s.filing_id.to_string(),
        occupation: s.session.occupation.as_str().to_owned(),
        occupation_name: s.session.occupation.name().to_owned(),
        level: s.session.level.code().to_owned(),
        held_on: day(s.session.held_on),
        place: s.session.place.clone(),
        assessors: s.session.assessors.clone(),
        self_evaluation: s.session.self_evaluation,
        status: s.status.code().to_owned(),
        status_label: s.status.label().to_owned(),
        candidates: s.candidates,
        passed: s.passed,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetailOut {
    #[serde(flatten)]
    pub session: SessionOut,
    pub may_edit: bool,
    pub history: Vec<DecisionOut>,
}

fn session_detail(v: &SessionView) -> SessionDetailOut {
    SessionDetailOut { session: session_out(&v.record), may_edit: v.may_edit, history: history(&v.history) }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultOut {
    pub id: String,
    pub trainee_id: String,
    pub name: String,
    /// Masked: `3101**********123X`.
    pub resident_id: String,
    /// Out of 100, at most one decimal, as text (`85.5`).
    pub theory: String,
    pub practical: String,
    pub passed: bool,
    /// The certificate's number once published.
    pub certificate: Option<String>,
}

fn result_out(r: &ResultRecord) -> ResultOut {
    ResultOut {
        id: r.id.to_string(),
        trainee_id: r.trainee_id.to_string(),
        name: r.trainee_name.clone(),
        resident_id: r.masked_id.clone(),
        theory: r.scores.theory.to_string(),
        practical: r.scores.practical.to_string(),
        passed: r.passed,
        certificate: r.certificate.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateOut {
    pub id: String,
    pub number: String,
    pub holder: String,
    /// Masked: `3101**********123X`.
    pub resident_id: String,
    pub occupation: String,
    /// Level code (`5` … `1`).
    pub level: String,
    pub level_label: String,
    pub issued_on: String,
    /// valid | revocation_proposed | revoked.
    pub status: String,
    pub status_label: String,
    pub revoked_on: Option<String>,
    pub verify_path: String,
}

fn certificate_out(c: &CertificateRecord) -> CertificateOut {
    CertificateOut {
        id: c.id.to_string(),
        number: c.number.clone(),
        holder: c.holder_name.clone(),
        resident_id: c.masked_id.clone(),
        occupation: c.occupation.clone(),
        level: c.level.code().to_owned(),
        level_label: c.level.label().to_owned(),
        issued_on: day(c.issued_on),
        status: c.status.code().to_owned(),
        status_label: c.status.label().to_owned(),
        revoked_on: c.revoked_on.map(day),
        verify_path: format!("/verify/{}", c.number),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDetailOut {
    #[serde(flatten)]
    pub certificate: CertificateOut,
    /// The exact text the signature covers (UTF-8).
    pub signed_text: String,
    /// SM2 signature (r ‖ s, hex) with distinguishing id `1234567812345678`.
    pub signature: String,
    /// The bureau's SM2 public key (SEC1 uncompressed, hex).
    pub public_key: String,
    pub history: Vec<DecisionOut>,
}

pub(crate) fn certificate_detail(v: &CertificateView) -> CertificateDetailOut {
    CertificateDetailOut {
        certificate: certificate_out(&v.record),
        signed_text: v.statement.message(),
        signature: v.record.signature.clone(),
        public_key: v.public_key.clone(),
        history: history(&v.history),
    }
}

/// What a public verification shows of a certificate: its facts and what checks its signature
/// offline; nobody's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificatePublicOut {
    pub number: String,
    pub holder: String,
    /// Masked: `3101**********123X`.
    pub resident_id: String,
    pub occupation: String,
    pub occupation_name: String,
    pub level_label: String,
    pub issued_on: String,
    pub issuing_base: String,
    pub status: String,
    pub revoked_on: Option<String>,
    pub signed_text: String,
    pub signature: String,
    pub public_key: String,
}

pub(crate) fn certificate_public(v: &CertificateView) -> CertificatePublicOut {
    CertificatePublicOut {
        number: v.record.number.clone(),
        holder: v.record.holder_name.clone(),
        resident_id: v.record.masked_id.clone(),
        occupation: v.statement.occupation.clone(),
        occupation_name: v.statement.occupation_name.clone(),
        level_label: v.statement.level.clone(),
        issued_on: day(v.record.issued_on),
        issuing_base: v.statement.base_name.clone(),
        status: v.record.status.code().to_owned(),
        revoked_on: v.record.revoked_on.map(day),
        signed_text: v.statement.message(),
        signature: v.record.signature.clone(),
        public_key: v.public_key.clone(),
    }
}

macro_rules! page_struct {
    ($name:ident, $item:ty) => {
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub total: i64,
            pub next: Option<String>,
        }

        impl $name {
            fn json(items: Vec<$item>, total: i64, next: Option<String>) -> serde_json::Value {
                serde_json::to_value($name { items, total, next }).unwrap_or_default()
            }
        }
    };
}

page_struct!(FilingPage, FilingOut);
page_struct!(SessionPage, SessionOut);
page_struct!(ResultPage, ResultOut);
page_struct!(CertificatePage, CertificateOut);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationDecisionBody {
    /// The step to take (see each decision endpoint).
    pub action: String,
    /// Required to refuse, return, propose or reject a revocation.
    #[serde(default)]
    pub comment: String,
}

fn unknown_action(allowed: &str) -> ApiError {
    ApiError::fields(vec![FieldProblem::new("action", "unknown_action", &format!("action 须为 {allowed} 之一"))])
}

// ---------------------------------------------------------------- filings

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFilingBody {
    #[serde(default)]
    pub occupation: String,
    /// Level codes or labels.
    #[serde(default)]
    pub levels: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// File to certify the levels of an occupation (the base). Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/certification-filings", tag = "certification", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewFilingBody, responses((status = 201, body = FilingDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_filing(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/certification-filings {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewFilingBody = body(&bytes)?;
        let input = FilingInput { occupation: b.occupation, levels: b.levels, note: b.note };
        let created = state.app.file_certification(&who, base, &input, &meta).await?;
        Ok(filing_detail(&state.app.filing(&who, created).await?))
    })
    .await
}

/// A base's filings (`status` filters).
#[utoipa::path(get, path = "/api/v1/bases/{id}/certification-filings", tag = "certification", params(("id" = String, Path), ("status" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = FilingPage), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn filings(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = FilingFilter { base: Some(base), status: status_filter::<FilingStatus>(&params, &mut errors) };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.filings(&who, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/certification-filings"), &params, found, filing_out, FilingPage::json))
}

/// One filing with its history.
#[utoipa::path(get, path = "/api/v1/certification-filings/{filing}", tag = "certification", params(("filing" = String, Path)), responses((status = 200, body = FilingDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn filing(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(filing): Path<String>,
) -> Result<Json<FilingDetailOut>, ApiError> {
    Ok(Json(filing_detail(&state.app.filing(&who, id::<FilingId>(&filing)?).await?)))
}

/// Staff: `recommend` or `refuse`; the leader: `approve` or `refuse` (a refusal needs a
/// comment).
#[utoipa::path(post, path = "/api/v1/certification-filings/{filing}/decision", tag = "certification", params(("filing" = String, Path)), request_body = CertificationDecisionBody, responses((status = 200, body = FilingDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn decide_filing(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(filing): Path<String>,
    bytes: Bytes,
) -> Result<Json<FilingDetailOut>, ApiError> {
    let filing: FilingId = id(&filing)?;
    let b: CertificationDecisionBody = body(&bytes)?;
    let action = match b.action.as_str() {
        "recommend" => FilingAction::Recommend,
        "approve" => FilingAction::Approve,
        "refuse" => FilingAction::Refuse,
        _ => return Err(unknown_action("recommend、approve、refuse")),
    };
    state.app.decide_filing(&who, filing, action, &b.comment, &meta).await?;
    Ok(Json(filing_detail(&state.app.filing(&who, filing).await?)))
}

// ---------------------------------------------------------------- sessions

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSessionBody {
    #[serde(default)]
    pub occupation: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub place: String,
    /// The assessors' names.
    #[serde(default)]
    pub assessors: Vec<String>,
    #[serde(default)]
    pub self_evaluation: bool,
}

/// Register a certification session of an approved occupation and level. Honours
/// `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/bases/{id}/certification-sessions", tag = "certification", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewSessionBody, responses((status = 201, body = SessionDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(base): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let fingerprint = format!("POST /api/v1/bases/{base}/certification-sessions {}", sm3_hex(&bytes));
    create(&state, &who, &headers, fingerprint, || async {
        let b: NewSessionBody = body(&bytes)?;
        let input = SessionInput {
            occupation: b.occupation,
            level: b.level,
            held_on: b.held_on,
            place: b.place,
            assessors: b.assessors.join("、"),
            self_evaluation: b.self_evaluation,
        };
        let created = state.app.create_session(&who, base, &input, &meta).await?;
        Ok(session_detail(&state.app.session(&who, created).await?))
    })
    .await
}

/// A base's sessions (`status` filters).
#[utoipa::path(get, path = "/api/v1/bases/{id}/certification-sessions", tag = "certification", params(("id" = String, Path), ("status" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = SessionPage), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn sessions(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let filter = SessionFilter { base: Some(base), status: status_filter::<SessionStatus>(&params, &mut errors) };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.sessions(&who, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/certification-sessions"), &params, found, session_out, SessionPage::json))
}

/// One session with its history.
#[utoipa::path(get, path = "/api/v1/certification-sessions/{session}", tag = "certification", params(("session" = String, Path)), responses((status = 200, body = SessionDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn session(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(session): Path<String>,
) -> Result<Json<SessionDetailOut>, ApiError> {
    Ok(Json(session_detail(&state.app.session(&who, id::<SessionId>(&session)?).await?)))
}

/// The base: `submit`; staff: `return` (with a comment) or `publish` (issues the certificates;
/// needs a recent sign-in).
#[utoipa::path(post, path = "/api/v1/certification-sessions/{session}/decision", tag = "certification", params(("session" = String, Path)), request_body = CertificationDecisionBody, responses((status = 200, body = SessionDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn decide_session(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(session): Path<String>,
    bytes: Bytes,
) -> Result<Json<SessionDetailOut>, ApiError> {
    let session: SessionId = id(&session)?;
    let b: CertificationDecisionBody = body(&bytes)?;
    let action = match b.action.as_str() {
        "submit" => SessionAction::Submit,
        "return" => SessionAction::Return,
        "publish" => SessionAction::Publish,
        _ => return Err(unknown_action("submit、return、publish")),
    };
    state.app.decide_session(&who, session, action, &b.comment, &meta).await?;
    Ok(Json(session_detail(&state.app.session(&who, session).await?)))
}

/// A session's results (`name` filters by part of the candidate's name).
#[utoipa::path(get, path = "/api/v1/certification-sessions/{session}/results", tag = "certification", params(("session" = String, Path), ("name" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = ResultPage), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn results(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(session): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let session: SessionId = id(&session)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.results(&who, session, text(&params, "name").as_deref(), &page).await?;
    Ok(paged(
        &format!("/api/v1/certification-sessions/{session}/results"),
        &params,
        found,
        result_out,
        ResultPage::json,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// The candidate's resident ID number (a trainee of the base).
    #[serde(default)]
    pub resident_id: String,
    /// 0–100, at most one decimal.
    #[serde(default)]
    pub theory: String,
    #[serde(default)]
    pub practical: String,
}

/// Enter (or correct) a candidate's scores while the session is a draft or returned.
#[utoipa::path(post, path = "/api/v1/certification-sessions/{session}/results", tag = "certification", params(("session" = String, Path)), request_body = ResultBody, responses((status = 201, body = ResultOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn put_result(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(session): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let session: SessionId = id(&session)?;
    let b: ResultBody = body(&bytes)?;
    let scores = ScoresInput { theory: b.theory, practical: b.practical };
    let result = state.app.put_result(&who, session, (&b.resident_id, &scores), &meta).await?;
    let found = state.app.results(&who, session, None, &skillbase_app::training::PageRequest::all()).await?;
    let out = found.items.iter().find(|r| r.id == result).map(result_out).ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Remove a candidate's scores while the session is a draft or returned.
#[utoipa::path(delete, path = "/api/v1/certification-sessions/{session}/results/{result}", tag = "certification", params(("session" = String, Path), ("result" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn remove_result(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((session, result)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state.app.remove_result(&who, id::<SessionId>(&session)?, id::<ResultId>(&result)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- certificates

/// A base's certificates (`status`, `holder` part of the name, `session`).
#[utoipa::path(get, path = "/api/v1/bases/{id}/certificates", tag = "certification", params(("id" = String, Path), ("status" = Option<String>, Query), ("holder" = Option<String>, Query), ("session" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = CertificatePage), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn certificates(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(base): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let base: BaseId = id(&base)?;
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let session = match text(&params, "session") {
        None => None,
        Some(s) => match s.parse::<SessionId>() {
            Ok(s) => Some(s),
            Err(_) => {
                errors.push(FieldProblem::new("session", "invalid_id", "session 不是有效的记录编号"));
                None
            }
        },
    };
    let filter = CertificateFilter {
        base: Some(base),
        session,
        status: status_filter::<CertificateStatus>(&params, &mut errors),
        holder: text(&params, "holder"),
    };
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.certificates(&who, &filter, &page).await?;
    Ok(paged(&format!("/api/v1/bases/{base}/certificates"), &params, found, certificate_out, CertificatePage::json))
}

/// One certificate: the signed statement, the signature, the key and its history.
#[utoipa::path(get, path = "/api/v1/certificates/{certificate}", tag = "certification", params(("certificate" = String, Path)), responses((status = 200, body = CertificateDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn certificate(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(certificate): Path<String>,
) -> Result<Json<CertificateDetailOut>, ApiError> {
    Ok(Json(certificate_detail(&state.app.certificate(&who, id::<CertificateId>(&certificate)?).await?)))
}

/// Staff: `propose_revocation` (with the facts); a leader other than the proposer:
/// `approve_revocation` or `reject_revocation` (with a comment).
#[utoipa::path(post, path = "/api/v1/certificates/{certificate}/decision", tag = "certification", params(("certificate" = String, Path)), request_body = CertificationDecisionBody, responses((status = 200, body = CertificateDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn decide_certificate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(certificate): Path<String>,
    bytes: Bytes,
) -> Result<Json<CertificateDetailOut>, ApiError> {
    let certificate: CertificateId = id(&certificate)?;
    let b: CertificationDecisionBody = body(&bytes)?;
    let action = match b.action.as_str() {
        "propose_revocation" => CertificateAction::ProposeRevocation,
        "approve_revocation" => CertificateAction::ApproveRevocation,
        "reject_revocation" => CertificateAction::RejectRevocation,
        _ => return Err(unknown_action("propose_revocation、approve_revocation、reject_revocation")),
    };
    state.app.decide_certificate(&who, certificate, action, &b.comment, &meta).await?;
    Ok(Json(certificate_detail(&state.app.certificate(&who, certificate).await?)))
}
