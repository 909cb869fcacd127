//! Public notices, objections, recognised bases and plaques.
//!
//! The public side (`/api/v1/public/…`) shows notice fields and base facts only — never the
//! objectors' names or contacts; the bureau's side (`/api/v1/notices`, `/api/v1/objections`,
//! `/api/v1/bases`) adds objections with names, masked contacts and findings.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use skillbase_app::notices::{BaseFilter, BaseView, NoticeView, ObjectionView, Plaque};
use skillbase_domain::ids::ProposalId;
use skillbase_domain::notice::{ObjectionInput, Verdict};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};

fn local(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&skillbase_domain::clock::shanghai()).to_rfc3339()
}

// ---------------------------------------------------------------- notices

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeEntryOut {
    pub application_id: String,
    pub position: i64,
    pub organization_name: String,
    pub uscc: String,
    /// 重点企业 | 职业院校 | 社会组织.
    pub kind: String,
    pub industry: String,
    pub projects: Vec<String>,
    /// The verified priority basis ('' for none).
    pub priority: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: String,
    pub title: String,
    /// scheduled | open | closed | concluded — open and closed to the second by the server's clock.
    pub status: String,
    pub status_label: String,
    pub publish_on: String,
    /// The first working day of the notice.
    pub first_day: String,
    /// The last working day: objections are received until 23:59:59 (Asia/Shanghai).
    pub last_day: String,
    pub working_days: i64,
    pub opens_at: String,
    pub ends_at: String,
    pub accepting_objections: bool,
    pub entries: Vec<NoticeEntryOut>,
}

fn notice_out(n: &NoticeView, now: chrono::DateTime<chrono::Utc>) -> NoticeOut {
    NoticeOut {
        id: n.id.to_string(),
        title: n.title.clone(),
        status: n.status.as_str().to_owned(),
        status_label: n.status.label().to_owned(),
        publish_on: n.period.publish_on.to_string(),
        first_day: n.period.first_day.to_string(),
        last_day: n.period.last_day.to_string(),
        working_days: n.working_days,
        opens_at: local(n.period.opens_at),
        ends_at: local(n.period.ends_at),
        accepting_objections: n.period.phase(now) == skillbase_domain::notice::Phase::Open,
        entries: n
            .entries
            .iter()
            .map(|e| NoticeEntryOut {
                application_id: e.application_id.to_string(),
                position: e.position,
                organization_name: e.organization_name.clone(),
                uscc: e.uscc.clone(),
                kind: e.kind.clone(),
                industry: e.industry.clone(),
                projects: serde_json::from_str(&e.projects).unwrap_or_default(),
                priority: e.priority.clone(),
            })
            .collect(),
    }
}

/// Published notices, open and closed (anyone).
#[utoipa::path(get, path = "/api/v1/public/notices", tag = "notices", responses((status = 200, body = Vec<NoticeOut>)))]
pub async fn public_notices(State(state): State<AppState>) -> Result<Json<Vec<NoticeOut>>, ApiError> {
    let now = state.app.now();
    Ok(Json(state.app.notices(None).await?.iter().map(|n| notice_out(n, now)).collect()))
}

/// One published notice (anyone).
#[utoipa::path(get, path = "/api/v1/public/notices/{id}", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = NoticeOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn public_notice(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<NoticeOut>, ApiError> {
    let notice = state.app.notice(None, &id).await?;
    Ok(Json(notice_out(&notice, state.app.now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    /// The objector's real name.
    pub name: String,
    /// An 11-digit mobile number or an e-mail address.
    pub contact: String,
    /// When an organisation objects in its own name.
    #[serde(default)]
    pub organization: String,
    /// The entry concerned (its `application_id`).
    pub concerning: String,
    pub facts: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// Keep it: with the contact given, it looks up the outcome.
    pub receipt: String,
}

/// File an objection while the notice is open (no account needed; rate-limited). Judged by
/// the server's clock to the second: 23:59:59 of the last day is received, 00:00:00 of the
/// next day is refused with `notice_closed`.
#[utoipa::path(post, path = "/api/v1/public/notices/{id}/objections", tag = "notices", params(("id" = String, Path)), request_body = ObjectionBody, responses((status = 201, body = Receipt), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 429, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn file_objection(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ObjectionBody>,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let input = ObjectionInput {
        name: body.name,
        contact: body.contact,
        organization: body.organization,
        concerning: body.concerning,
        facts: body.facts,
    };
    let receipt = state.app.file_objection(&id, &input, None, &meta).await?;
    Ok((StatusCode::CREATED, Json(Receipt { receipt })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupBody {
    pub receipt: String,
    /// The contact given with the objection.
    pub contact: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeOut {
    pub receipt: String,
    /// received | investigating | sustained | dismissed.
    pub status: String,
    pub status_label: String,
    /// The base concerned.
    pub concerning: String,
    pub received_at: String,
    /// Once resolved.
    pub findings: Option<String>,
}

/// Look up an objection's outcome with its receipt and contact (anyone; rate-limited). A wrong
/// contact answers 404 like an unknown receipt.
#[utoipa::path(post, path = "/api/v1/public/objections/lookup", tag = "notices", request_body = LookupBody, responses((status = 200, body = OutcomeOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn lookup_objection(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LookupBody>,
) -> Result<Json<OutcomeOut>, ApiError> {
    let o = state.app.lookup_objection(&body.receipt, &body.contact).await?;
    Ok(Json(OutcomeOut {
        receipt: o.receipt,
        status: o.status.as_str().to_owned(),
        status_label: o.status.label().to_owned(),
        concerning: o.concerning,
        received_at: local(o.received_at),
        findings: o.findings,
    }))
}

/// Every notice (staff and leaders).
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", responses((status = 200, body = Vec<NoticeOut>)))]
pub async fn notices(State(state): State<AppState>, SignedIn(who): SignedIn) -> Result<Json<Vec<NoticeOut>>, ApiError> {
    let now = state.app.now();
    Ok(Json(state.app.notices(Some(&who)).await?.iter().map(|n| notice_out(n, now)).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// An approved recognition list.
    pub proposal_id: String,
    /// YYYY-MM-DD, today or later.
    pub publish_on: String,
}

/// Publish the notice of an approved recognition list (staff). Its period comes from the
/// working-day calendar: a year without calendar data is refused (422 `calendar_year_unknown`).
#[utoipa::path(post, path = "/api/v1/notices", tag = "notices", request_body = PublishBody, responses((status = 201, body = NoticeOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 422, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn publish(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<PublishBody>,
) -> Result<(StatusCode, Json<NoticeOut>), ApiError> {
    let proposal: ProposalId = body.proposal_id.parse().map_err(|_| {
        ApiError::fields(vec![FieldProblem::new("proposal_id", "unknown_proposal", "拟认定名单不存在")])
    })?;
    let id = state.app.publish_notice(&who, proposal, &body.publish_on, &meta).await?;
    let notice = state.app.notice(Some(&who), &id).await?;
    Ok((StatusCode::CREATED, Json(notice_out(&notice, state.app.now()))))
}

/// One notice (staff and leaders).
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = NoticeOut)))]
pub async fn notice(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<NoticeOut>, ApiError> {
    let notice = state.app.notice(Some(&who), &id).await?;
    Ok(Json(notice_out(&notice, state.app.now())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Closed {
    /// `false`: it had been closed already (by the job, or another instance).
    pub closed: bool,
}

/// Close a notice whose last second has passed (staff; the close job does it by itself).
#[utoipa::path(post, path = "/api/v1/notices/{id}/close", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = Closed), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<Closed>, ApiError> {
    Ok(Json(Closed { closed: state.app.close_notice(Some(&who), &id, &meta).await? }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Concluded {
    /// The bases recognised.
    pub bases: Vec<String>,
}

/// Conclude a closed notice whose objections are all resolved (a leader): every base without a
/// sustained objection is recognised, the others rejected citing the objection.
#[utoipa::path(post, path = "/api/v1/notices/{id}/conclude", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = Concluded), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<Concluded>, ApiError> {
    Ok(Json(Concluded { bases: state.app.conclude_notice(&who, &id, &meta).await? }))
}

// ---------------------------------------------------------------- objections (bureau)

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionOut {
    pub id: String,
    pub receipt: String,
    pub concerning_application: String,
    pub concerning: String,
    pub status: String,
    pub status_label: String,
    pub name: String,
    /// Masked (138****5678).
    pub contact: String,
    pub organization: Option<String>,
    pub facts: String,
    pub attachment: Option<String>,
    pub received_at: String,
    pub findings: Option<String>,
    pub resolved_at: Option<String>,
}

fn objection_out(o: &ObjectionView) -> ObjectionOut {
    ObjectionOut {
        id: o.id.to_string(),
        receipt: o.receipt.clone(),
        concerning_application: o.application_id.to_string(),
        concerning: o.concerning.clone(),
        status: o.status.as_str().to_owned(),
        status_label: o.status.label().to_owned(),
        name: o.name.clone(),
        contact: o.contact_masked.clone(),
        organization: o.organization.clone(),
        facts: o.facts.clone(),
        attachment: o.attachment.as_ref().map(|(_, _, name)| name.clone()),
        received_at: local(o.received_at),
        findings: o.findings.clone(),
        resolved_at: o.resolved_at.map(local),
    }
}

/// A notice's objections (staff and leaders).
#[utoipa::path(get, path = "/api/v1/notices/{id}/objections", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = Vec<ObjectionOut>)))]
pub async fn objections(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<Vec<ObjectionOut>>, ApiError> {
    Ok(Json(state.app.objections(&who, &id).await?.iter().map(objection_out).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionState {
    pub status: String,
    pub status_label: String,
}

/// Take an objection up for investigation (staff).
#[utoipa::path(post, path = "/api/v1/objections/{id}/investigate", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = ObjectionState)))]
pub async fn investigate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<ObjectionState>, ApiError> {
    let status = state.app.decide_objection(&who, &id, None, "", &meta).await?;
    Ok(Json(ObjectionState { status: status.as_str().to_owned(), status_label: status.label().to_owned() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `true`: sustained (the base is not recognised); `false`: dismissed.
    pub sustained: bool,
    pub findings: String,
}

/// Conclude an objection with findings (staff).
#[utoipa::path(post, path = "/api/v1/objections/{id}/resolve", tag = "notices", params(("id" = String, Path)), request_body = ResolveBody, responses((status = 200, body = ObjectionState), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn resolve(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> Result<Json<ObjectionState>, ApiError> {
    let status = state.app.decide_objection(&who, &id, Some(body.sustained), &body.findings, &meta).await?;
    Ok(Json(ObjectionState { status: status.as_str().to_owned(), status_label: status.label().to_owned() }))
}

// ---------------------------------------------------------------- bases and plaques

#[derive(Debug, Serialize, ToSchema)]
pub struct BaseOut {
    pub id: String,
    /// The plaque number, e.g. QPJD-2024-001.
    pub number: String,
    pub name: String,
    pub uscc: String,
    pub kind: String,
    pub industry: String,
    pub year: i64,
    pub recognised_on: String,
    /// active | rectifying | revoked.
    pub status: String,
    pub status_label: String,
    /// The day the base was revoked (核销), if it was.
    pub revoked_on: Option<String>,
}

fn base_out(b: &BaseView) -> BaseOut {
    BaseOut {
        id: b.id.to_string(),
        number: b.number.clone(),
        name: b.name.clone(),
        uscc: b.uscc.clone(),
        kind: b.kind.clone(),
        industry: b.industry.clone(),
        year: b.year,
        recognised_on: b.recognised_on.to_string(),
        status: b.status.as_str().to_owned(),
        status_label: b.status.label().to_owned(),
        revoked_on: b.revoked_on.map(|d| d.to_string()),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryQuery {
    /// A key-industry id of the policy.
    pub industry: Option<String>,
    /// enterprise | vocational_college | social_organization.
    pub kind: Option<String>,
    pub year: Option<i64>,
    /// active | rectifying | revoked.
    pub status: Option<String>,
}

/// The public registry of recognised bases (revoked ones shown as revoked).
#[utoipa::path(get, path = "/api/v1/public/bases", tag = "notices", params(RegistryQuery), responses((status = 200, body = Vec<BaseOut>)))]
pub async fn registry(
    State(state): State<AppState>,
    Query(q): Query<RegistryQuery>,
) -> Result<Json<Vec<BaseOut>>, ApiError> {
    let blank = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let (industry, kind, status) = (blank(&q.industry), blank(&q.kind), blank(&q.status));
    let filter = BaseFilter {
        industry: industry.as_deref(),
        kind: kind.as_deref(),
        year: q.year,
        status: status.as_deref(),
        organization_id: None,
    };
    Ok(Json(state.app.registry(&filter).await?.iter().map(base_out).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaqueOut {
    pub base: BaseOut,
    /// The exact text the signature covers (UTF-8).
    pub signed_text: String,
    /// SM2 signature (r ‖ s, hex) with distinguishing id `1234567812345678`.
    pub signature: String,
    /// The bureau's SM2 public key (SEC1 uncompressed, hex), also at
    /// `/.well-known/skillbase-sm2.json`.
    pub public_key: String,
    /// The public verification page the plaque's QR code points at.
    pub verify_path: String,
}

fn plaque_out(p: &Plaque) -> PlaqueOut {
    PlaqueOut {
        base: base_out(&p.base),
        signed_text: p.statement.message(),
        signature: p.signature.clone(),
        public_key: p.public_key.clone(),
        verify_path: format!("/verify/{}", p.base.number),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyOut {
    pub number: String,
    /// A plaque: valid | rectifying | revoked | unknown. A skill certificate (`QPZS-…`): valid |
    /// revoked | name_mismatch | unknown.
    pub verdict: String,
    pub verdict_label: String,
    /// For a known plaque: the base and the signed statement, to check offline.
    pub plaque: Option<PlaqueOut>,
    /// For a certificate whose holder's name was given right: its facts and signed statement.
    pub certificate: Option<crate::api::certification::CertificatePublicOut>,
}

/// The holder's name a certificate is verified with.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyQuery {
    /// The holder's name, required for a skill certificate (a plaque needs none).
    pub name: Option<String>,
}

/// Verify a plaque by its number, or a skill certificate by its number **and** the holder's
/// name (anyone): the standing, with the signed statement to check offline. A wrong name is
/// told so and shown nothing else.
#[utoipa::path(get, path = "/api/v1/public/verify/{number}", tag = "notices", params(("number" = String, Path), VerifyQuery), responses((status = 200, body = VerifyOut)))]
pub async fn verify(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<VerifyQuery>,
) -> Result<Json<VerifyOut>, ApiError> {
    let shown = number.trim().to_uppercase();
    if skillbase_domain::certification::is_certificate_number(&shown) {
        let (verdict, found) = state.app.verify_certificate(&shown, q.name.as_deref().unwrap_or_default()).await?;
        return Ok(Json(VerifyOut {
            number: shown,
            verdict: verdict.code().to_owned(),
            verdict_label: verdict.label().to_owned(),
            plaque: None,
            certificate: found.as_ref().map(crate::api::certification::certificate_public),
        }));
    }
    let (verdict, plaque) = state.app.verify_plaque(&number).await?;
    Ok(Json(VerifyOut {
        number: shown,
        verdict: verdict_code(verdict).to_owned(),
        verdict_label: verdict.label().to_owned(),
        plaque: plaque.as_ref().map(plaque_out),
        certificate: None,
    }))
}

pub(crate) fn verdict_code(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "valid",
        Verdict::Rectifying => "rectifying",
        Verdict::Revoked => "revoked",
        Verdict::Unknown => "unknown",
    }
}

/// Recognised bases: the bureau's all, an organisation its own.
#[utoipa::path(get, path = "/api/v1/bases", tag = "notices", responses((status = 200, body = Vec<BaseOut>)))]
pub async fn bases(State(state): State<AppState>, SignedIn(who): SignedIn) -> Result<Json<Vec<BaseOut>>, ApiError> {
    let organization_id = match who.role {
        skillbase_domain::roles::Role::Applicant => Some(who.user.organization_id.ok_or_else(ApiError::not_found)?),
        _ => None,
    };
    let filter = BaseFilter { organization_id, ..BaseFilter::default() };
    Ok(Json(state.app.registry(&filter).await?.iter().map(base_out).collect()))
}

/// One base (the bureau, or its own organisation).
#[utoipa::path(get, path = "/api/v1/bases/{id}", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = BaseOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn base(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<BaseOut>, ApiError> {
    Ok(Json(base_out(&state.app.base(&who, &id).await?)))
}

/// A base's plaque: the signed statement, the SM2 signature and the public key.
#[utoipa::path(get, path = "/api/v1/bases/{id}/plaque", tag = "notices", params(("id" = String, Path)), responses((status = 200, body = PlaqueOut)))]
pub async fn plaque(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<PlaqueOut>, ApiError> {
    Ok(Json(plaque_out(&state.app.plaque(&who, &id).await?)))
}
