//! Policy versions, calls for applications and applications: `/api/v1/policies`,
//! `/api/v1/batches`, `/api/v1/applications` and their actions, attachments, notifications.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skillbase_app::applications::{ApplicationView, ClauseDecision, ReturnItem};
use skillbase_app::auth::Authenticated;
use skillbase_app::batches::{BatchView, NewBatch};
use skillbase_domain::application::{ApplicationForm, Status};
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::clock::shanghai;
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId};
use skillbase_domain::roles::Role;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{ApiJson, MaybeSignedIn, Meta, SignedIn, SignedInWrite};

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).to_rfc3339()
}

fn id<T: std::str::FromStr>(text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

// ---------------------------------------------------------------- policies

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// `<code>@<version>`.
    pub id: String,
    pub code: String,
    pub version: i64,
    pub title: String,
    pub document_number: String,
    /// YYYY-MM-DD.
    pub effective_from: String,
    /// SM3 of the source text.
    pub fingerprint: String,
    /// `null`: embedded in the binary.
    pub loaded_by: Option<String>,
    pub loaded_at: String,
}

/// Every stored version of the policy document.
#[utoipa::path(get, path = "/api/v1/policies", tag = "applications", responses((status = 200, body = Vec<PolicyView>)))]
pub async fn policies(State(state): State<AppState>) -> Result<Json<Vec<PolicyView>>, ApiError> {
    let all = state.app.policies().await?;
    Ok(Json(
        all.into_iter()
            .map(|(row, doc)| PolicyView {
                id: row.id,
                code: row.code,
                version: row.version,
                title: doc.title().to_owned(),
                document_number: doc.document_number().to_owned(),
                effective_from: row.effective_from,
                fingerprint: row.fingerprint,
                loaded_by: row.loaded_by,
                loaded_at: local(row.loaded_at),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PolicyUpload {
    /// The TOML text of the policy document.
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// Load a new version of the policy document (system administrator). A malformed document is
/// refused with the line and the reason.
#[utoipa::path(post, path = "/api/v1/policies", tag = "applications", request_body = PolicyUpload, responses((status = 201, body = Created), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn load_policy(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<PolicyUpload>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state.app.load_policy(Some(&who), &body.source, &meta).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

// ---------------------------------------------------------------- batches

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOut {
    pub id: String,
    pub year: i64,
    pub title: String,
    /// YYYY-MM-DD, Asia/Shanghai; submissions are accepted from 00:00:00 of `opens_on` to
    /// 23:59:59 of `closes_on`.
    pub opens_on: String,
    pub closes_on: String,
    pub quota: i64,
    pub policy_id: String,
    /// draft | open | closed | reviewing | noticed | done.
    pub status: String,
    pub status_label: String,
    /// Whether a submission would be accepted right now.
    pub accepting: bool,
}

fn batch_out(b: &BatchView, now: DateTime<Utc>) -> BatchOut {
    BatchOut {
        id: b.id.to_string(),
        year: b.year,
        title: b.title.clone(),
        opens_on: b.window.opens_on().to_string(),
        closes_on: b.window.closes_on().to_string(),
        quota: b.quota,
        policy_id: b.policy_id.clone(),
        status: b.status.as_str().to_owned(),
        status_label: b.status.label().to_owned(),
        accepting: skillbase_domain::batch::accepting(b.status, &b.window, now).is_ok(),
    }
}

/// Calls for applications: published ones for everyone, drafts too for the bureau.
#[utoipa::path(get, path = "/api/v1/batches", tag = "applications", responses((status = 200, body = Vec<BatchOut>)))]
pub async fn batches(
    State(state): State<AppState>,
    MaybeSignedIn(who): MaybeSignedIn,
) -> Result<Json<Vec<BatchOut>>, ApiError> {
    let now = state.app.now();
    Ok(Json(state.app.batches(who.as_ref()).await?.iter().map(|b| batch_out(b, now)).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBatchBody {
    pub year: i64,
    pub title: String,
    /// YYYY-MM-DD.
    pub opens_on: String,
    pub closes_on: String,
    pub quota: i64,
    /// A policy version id; by default the one in force on `opens_on`.
    pub policy_id: Option<String>,
}

/// Create a call (as a draft).
#[utoipa::path(post, path = "/api/v1/batches", tag = "applications", request_body = NewBatchBody, responses((status = 201, body = BatchOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<NewBatchBody>,
) -> Result<(StatusCode, Json<BatchOut>), ApiError> {
    let input = NewBatch {
        year: body.year.to_string(),
        title: body.title,
        opens_on: body.opens_on,
        closes_on: body.closes_on,
        quota: body.quota.to_string(),
        policy_id: body.policy_id.unwrap_or_default(),
    };
    let id = state.app.create_batch(&who, &input, &meta).await?;
    let batch = state.app.batch(id).await?;
    Ok((StatusCode::CREATED, Json(batch_out(&batch, state.app.now()))))
}

/// Publish a draft call: it appears on the portal and accepts applications in its window.
#[utoipa::path(post, path = "/api/v1/batches/{id}/publish", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = BatchOut)))]
pub async fn publish_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(batch): Path<String>,
) -> Result<Json<BatchOut>, ApiError> {
    let batch: BatchId = id(&batch)?;
    state.app.publish_batch(&who, batch, &meta).await?;
    Ok(Json(batch_out(&state.app.batch(batch).await?, state.app.now())))
}

/// Close an open call early.
#[utoipa::path(post, path = "/api/v1/batches/{id}/close", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = BatchOut)))]
pub async fn close_batch(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(batch): Path<String>,
) -> Result<Json<BatchOut>, ApiError> {
    let batch: BatchId = id(&batch)?;
    state.app.close_batch(&who, batch, &meta).await?;
    Ok(Json(batch_out(&state.app.batch(batch).await?, state.app.now())))
}

// ---------------------------------------------------------------- applications

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationRef {
    pub id: String,
    pub name: String,
    pub uscc: String,
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: String,
    /// pdf | jpeg | png | xlsx (sniffed from the content).
    pub kind: String,
    pub size: i64,
    pub name: String,
    /// SM3 of the content.
    pub hash: String,
    pub uploaded_at: String,
    pub download: String,
}

impl From<&skillbase_app::applications::Attachment> for AttachmentOut {
    fn from(a: &skillbase_app::applications::Attachment) -> Self {
        AttachmentOut {
            id: a.id.to_string(),
            kind: a.kind.clone(),
            size: a.size,
            name: a.display_name.clone(),
            hash: a.content_hash.clone(),
            uploaded_at: local(a.uploaded_at),
            download: format!("/api/v1/attachments/{}", a.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOut {
    pub id: String,
    pub organization: OrganizationRef,
    pub batch_id: String,
    pub batch_title: String,
    /// The state of PRODUCT.md §3 (draft, submitted, returned, resubmitted, accepted, …).
    pub status: String,
    /// In the reader's words: the applicant's (已提交, 需补正 …) or the bureau's.
    pub status_label: String,
    /// The form (see `ApplicationForm` in the domain crate): profile, sites, team,
    /// rule_documents, priority_claims, projects, trainees, commitment_letter.
    #[schema(value_type = Object)]
    pub form: ApplicationForm,
    /// Send back with a save: a save based on an older version is refused (409).
    pub version: i64,
    pub revisions: i64,
    pub policy_id: Option<String>,
    pub submitted_at: Option<String>,
    /// While returned for supplement: the last day to resubmit (23:59:59 Asia/Shanghai).
    pub supplement_due_on: Option<String>,
    /// While editable: what must still be filled in before submitting.
    pub missing: Vec<FieldProblem>,
}

pub(crate) fn status_label(who: &Authenticated, status: Status) -> &'static str {
    if who.role == Role::Applicant { status.applicant_label() } else { status.staff_label() }
}

pub(crate) async fn application_out(
    state: &AppState,
    who: &Authenticated,
    a: &ApplicationView,
) -> Result<ApplicationOut, ApiError> {
    let missing = if a.status.is_editable() {
        state.app.missing_parts(a).await?.into_iter().map(FieldProblem::from).collect()
    } else {
        Vec::new()
    };
    let r = &a;
    Ok(ApplicationOut {
        id: r.id.to_string(),
        organization: OrganizationRef {
            id: r.organization_id.to_string(),
            name: r.organization_name.clone(),
            uscc: r.organization_uscc.clone(),
            kind: r.organization_kind.clone(),
        },
        batch_id: r.batch_id.to_string(),
        batch_title: r.batch_title.clone(),
        status: a.status.as_str().to_owned(),
        status_label: status_label(who, a.status).to_owned(),
        form: a.form.clone(),
        version: r.version,
        revisions: r.revisions,
        policy_id: r.policy_id.clone(),
        submitted_at: r.submitted_at.map(local),
        supplement_due_on: r.supplement_due_on.map(|d| d.to_string()),
        missing,
    })
}

#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct ListQuery {
    /// A call's id.
    batch: Option<String>,
    /// A status of PRODUCT.md §3.
    status: Option<String>,
}

/// Applications within the reader's scope, newest first: an organisation its own, the bureau
/// every submitted one. A page at a time (`after`, `limit`): the array is the page, the
/// `X-Total-Count` header says how many match in all and `Link` names the next page.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery, super::paging::PageQuery), responses((status = 200, body = Vec<ApplicationOut>, headers(("X-Total-Count" = i64, description = "How many applications match, over all pages"), ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"))), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let batch = params.get("batch").filter(|b| !b.is_empty()).map(id::<BatchId>).transpose()?;
    let status = match params.get("status") {
        None | Some("") => None,
        Some(s) => Some(
            Status::parse(s)
                .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "invalid_status", "未知的申报状态"))?,
        ),
    };
    let request = super::paging::requested_page(&params)?;
    let found = state.app.application_page(&who, (batch, status), &request).await?;
    let mut out = Vec::new();
    for a in &found.items {
        out.push(application_out(&state, &who, a).await?);
    }
    Ok(super::paging::listed("/api/v1/applications", &params, out, found.total, found.next.as_deref()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApplicationBody {
    pub batch_id: String,
}

/// Start an application (a draft) in an open call. Honours `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = NewApplicationBody, params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = ApplicationOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fingerprint = format!("POST /api/v1/applications {}", sm3_hex(&body));
    idempotent(&state, &who, &headers, &fingerprint, || async {
        let body: NewApplicationBody = serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("请求体字段不正确：{e}")))?;
        let batch = body
            .batch_id
            .parse()
            .map_err(|_| ApiError::fields(vec![FieldProblem::new("batch_id", "unknown_batch", "申报批次不存在")]))?;
        let created = state.app.create_application(&who, batch, &meta).await?;
        let a = state.app.application(&who, created).await?;
        Ok((StatusCode::CREATED, serde_json::to_value(application_out(&state, &who, &a).await?).unwrap_or_default()))
    })
    .await
}

/// One application, within the reader's scope (another organisation's id answers 404).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = ApplicationOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let a = state.app.application(&who, id(&application)?).await?;
    Ok(Json(application_out(&state, &who, &a).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveBody {
    #[schema(value_type = Object)]
    pub form: ApplicationForm,
    /// The version read; a save over someone else's newer save is refused (409).
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    pub version: i64,
    pub missing: Vec<FieldProblem>,
}

/// Save the form of a draft or of an application returned for supplement. Invalid values are
/// refused field by field and the saved draft stays as it was.
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)), request_body = SaveBody, responses((status = 200, body = Saved), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn save(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<SaveBody>,
) -> Result<Json<Saved>, ApiError> {
    let application: ApplicationId = id(&application)?;
    let version = state.app.save_form(&who, application, &body.form, body.version, &meta).await?;
    let a = state.app.application(&who, application).await?;
    let missing = state.app.missing_parts(&a).await?.into_iter().map(FieldProblem::from).collect();
    Ok(Json(Saved { version, missing }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Transitioned {
    pub status: String,
    pub status_label: String,
}

fn transitioned(who: &Authenticated, status: Status) -> Json<Transitioned> {
    Json(Transitioned { status: status.as_str().to_owned(), status_label: status_label(who, status).to_owned() })
}

/// Submit (or, after a return, resubmit). Every missing part is listed at once. Honours
/// `Idempotency-Key`: a retried submit answers as the first did.
#[utoipa::path(post, path = "/api/v1/applications/{id}/submit", tag = "applications", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = Transitioned), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    headers: HeaderMap,
    Path(application): Path<String>,
) -> Result<Response, ApiError> {
    let application: ApplicationId = id(&application)?;
    let fingerprint = format!("POST /api/v1/applications/{application}/submit");
    idempotent(&state, &who, &headers, &fingerprint, || async {
        let status = state.app.submit_application(&who, application, &meta).await?;
        Ok((StatusCode::OK, serde_json::to_value(transitioned(&who, status).0).unwrap_or_default()))
    })
    .await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

/// Withdraw (possible until the leader approves).
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "applications", params(("id" = String, Path)), request_body = ReasonBody, responses((status = 200, body = Transitioned)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<Transitioned>, ApiError> {
    let status = state.app.withdraw_application(&who, id(&application)?, &body.reason, &meta).await?;
    Ok(transitioned(&who, status))
}

/// 受理: accept; the eligibility rules then run.
#[utoipa::path(post, path = "/api/v1/applications/{id}/accept", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Transitioned)))]
pub async fn accept(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
) -> Result<Json<Transitioned>, ApiError> {
    let status = state.app.accept_application(&who, id(&application)?, &meta).await?;
    Ok(transitioned(&who, status))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnBody {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<ReturnItem>,
    /// Working days to supplement; the policy's default (5) when absent.
    pub days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnedOut {
    pub status: String,
    /// The last day to resubmit (23:59:59 Asia/Shanghai), by the working-day calendar.
    pub supplement_due_on: String,
}

/// 补正: return for supplement with a reason per item and a deadline in working days.
#[utoipa::path(post, path = "/api/v1/applications/{id}/return", tag = "applications", params(("id" = String, Path)), request_body = ReturnBody, responses((status = 200, body = ReturnedOut)))]
pub async fn return_for_supplement(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<ReturnBody>,
) -> Result<Json<ReturnedOut>, ApiError> {
    let due = state.app.return_application(&who, id(&application)?, &body.items, body.days, &meta).await?;
    Ok(Json(ReturnedOut { status: Status::Returned.as_str().to_owned(), supplement_due_on: due.to_string() }))
}

/// 不予受理: refuse to accept, with the reason the organisation will read.
#[utoipa::path(post, path = "/api/v1/applications/{id}/reject", tag = "applications", params(("id" = String, Path)), request_body = ReasonBody, responses((status = 200, body = Transitioned)))]
pub async fn reject(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<Transitioned>, ApiError> {
    let status = state.app.refuse_application(&who, id(&application)?, &body.reason, &meta).await?;
    Ok(transitioned(&who, status))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub action_label: String,
    pub from: String,
    pub to: String,
    pub to_label: String,
    pub note: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// The timeline of an application.
#[utoipa::path(get, path = "/api/v1/applications/{id}/timeline", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Vec<EventOut>)))]
pub async fn timeline(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<Vec<EventOut>>, ApiError> {
    let events = state.app.timeline(&who, id(&application)?).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| {
                let action = skillbase_domain::application::Action::parse(&e.action);
                let to = Status::parse(&e.to_status);
                EventOut {
                    at: local(e.at),
                    actor: e.actor_name,
                    action_label: action.map_or(e.action.clone(), |a| a.label().to_owned()),
                    action: e.action,
                    from: e.from_status,
                    to_label: to.map_or(String::new(), |s| status_label(&who, s).to_owned()),
                    to: e.to_status,
                    note: e.note,
                    detail: serde_json::from_str(&e.detail).unwrap_or_default(),
                }
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    pub number: i64,
    pub submitted_at: String,
    #[schema(value_type = Object)]
    pub form: ApplicationForm,
    /// What changed since the previous revision: `[path, before, after]`.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<skillbase_domain::application::form::Change>,
}

/// Every submitted revision with its differences from the one before.
#[utoipa::path(get, path = "/api/v1/applications/{id}/revisions", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Vec<RevisionOut>)))]
pub async fn revisions(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<Vec<RevisionOut>>, ApiError> {
    let all = state.app.revisions(&who, id(&application)?).await?;
    let mut out = Vec::new();
    let mut previous: Option<&ApplicationForm> = None;
    for (row, form) in &all {
        out.push(RevisionOut {
            number: row.number,
            submitted_at: local(row.submitted_at),
            form: form.clone(),
            changes: previous.map(|p| p.changes_to(form)).unwrap_or_default(),
        });
        previous = Some(form);
    }
    Ok(Json(out))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityOut {
    pub clause: String,
    pub citation: String,
    pub policy_id: String,
    /// What the rules found: pass | fail | confirm.
    pub computed: String,
    /// What staff decided: pass | fail, or null.
    pub decided: Option<String>,
    pub reason: Option<String>,
    pub evidence: Vec<String>,
    /// For staff, citing the clause; the applicant reads `applicant_explanation`.
    pub explanation: String,
    pub applicant_explanation: String,
}

/// The eligibility trace: each clause with its result, evidence and explanation.
#[utoipa::path(get, path = "/api/v1/applications/{id}/eligibility", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Vec<EligibilityOut>)))]
pub async fn eligibility(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<Vec<EligibilityOut>>, ApiError> {
    let items = state.app.eligibility_trace(&who, id(&application)?).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|i| {
                let applicant = who.role == Role::Applicant;
                EligibilityOut {
                    clause: i.item.clause.clone(),
                    citation: i.citation,
                    policy_id: i.item.policy_id,
                    computed: i.item.computed,
                    decided: i.item.decided,
                    // Staff's internal reasons are not the applicant's reading.
                    reason: if applicant { None } else { i.item.reason },
                    evidence: i.result.evidence,
                    explanation: if applicant { String::new() } else { i.result.explanation },
                    applicant_explanation: i.result.applicant_explanation,
                }
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    pub pass: bool,
    /// Required when overriding what the rules found or deciding an item they left open.
    #[serde(default)]
    pub reason: String,
}

/// Confirm or override one clause of the eligibility trace.
#[utoipa::path(post, path = "/api/v1/applications/{id}/eligibility/{clause}", tag = "applications", params(("id" = String, Path), ("clause" = String, Path)), request_body = DecisionBody, responses((status = 204)))]
pub async fn decide(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((application, clause)): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<StatusCode, ApiError> {
    let decision = ClauseDecision { clause, pass: body.pass, reason: body.reason };
    state.app.decide_clause(&who, id(&application)?, &decision, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Conclude the eligibility check once every clause is decided.
#[utoipa::path(post, path = "/api/v1/applications/{id}/eligibility/conclude", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Transitioned)))]
pub async fn conclude(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
) -> Result<Json<Transitioned>, ApiError> {
    let status = state.app.conclude_eligibility(&who, id(&application)?, &meta).await?;
    Ok(transitioned(&who, status))
}

// ---------------------------------------------------------------- attachments

/// The files of an application.
#[utoipa::path(get, path = "/api/v1/applications/{id}/attachments", tag = "applications", params(("id" = String, Path)), responses((status = 200, body = Vec<AttachmentOut>)))]
pub async fn attachments(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(application): Path<String>,
) -> Result<Json<Vec<AttachmentOut>>, ApiError> {
    let all = state.app.attachments(&who, id(&application)?).await?;
    Ok(Json(all.iter().map(AttachmentOut::from).collect()))
}

/// Remove a file while the application may be edited (a draft, or returned for supplement):
/// the form stops referring to it; a submitted revision still names it, and it still downloads
/// from `/api/v1/attachments/{id}`. Refused with `not_editable` once submitted.
#[utoipa::path(delete, path = "/api/v1/applications/{id}/attachments/{attachment}", tag = "applications", params(("id" = String, Path), ("attachment" = String, Path)), responses((status = 204), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn remove_attachment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((application, attachment)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let attachment: AttachmentId = attachment.parse().map_err(|_| ApiError::not_found())?;
    state.app.remove_attachment(&who, id(&application)?, attachment, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace a file by a new upload (`multipart/form-data`, field `file`, checked as any upload)
/// while the application may be edited: the form refers to the new file wherever it referred
/// to the old one. The answer is the new file; a submitted revision still names the old one.
#[utoipa::path(put, path = "/api/v1/applications/{id}/attachments/{attachment}", tag = "applications", params(("id" = String, Path), ("attachment" = String, Path)), responses((status = 200, body = AttachmentOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn replace_attachment(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path((application, attachment)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<Json<AttachmentOut>, ApiError> {
    let application: ApplicationId = id(&application)?;
    let attachment: AttachmentId = attachment.parse().map_err(|_| ApiError::not_found())?;
    let (name, bytes) = first_file(multipart).await?;
    let stored = state.app.replace_attachment(&who, (application, attachment), (&name, bytes), &meta).await?;
    Ok(Json(AttachmentOut::from(&stored)))
}

/// The first file of a `multipart/form-data` body (field `file`): its name and bytes.
pub(crate) async fn first_file(mut multipart: Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let bad = |message: &str| ApiError::fields(vec![FieldProblem::new("file", "file_missing", message)]);
    while let Some(field) = multipart.next_field().await.map_err(|_| bad("上传内容无法读取，请重新选择文件"))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| bad("上传内容无法读取，请重新选择文件"))?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(bad("请选择要上传的文件"))
}

/// Upload a file (`multipart/form-data`, field `file`): PDF, JPEG, PNG or XLSX, sniffed from the
/// content; the name's extension must match.
#[utoipa::path(post, path = "/api/v1/applications/{id}/attachments", tag = "applications", params(("id" = String, Path)), responses((status = 201, body = AttachmentOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(application): Path<String>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<AttachmentOut>), ApiError> {
    let application: ApplicationId = id(&application)?;
    let (name, bytes) = first_file(multipart).await?;
    let stored = state.app.upload_attachment(&who, application, &name, bytes, &meta).await?;
    Ok((StatusCode::CREATED, Json(AttachmentOut::from(&stored))))
}

/// Download a file: always as an attachment, never rendered inline; the user's file name only
/// in an RFC 6266 `filename*`.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "applications", params(("id" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(attachment): Path<String>,
) -> Result<Response, ApiError> {
    let attachment: AttachmentId = id(&attachment)?;
    let (row, bytes) = state.app.attachment_content(&who, attachment).await?;
    Ok(crate::download::stored_file(&row.kind, &row.display_name, bytes))
}

// ---------------------------------------------------------------- notifications

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: String,
    pub at: String,
    pub title: String,
    pub body: String,
    pub application_id: Option<String>,
    pub read: bool,
}

/// The organisation's in-app notifications, newest first, a page at a time (`after`,
/// `limit`): the array is the page, `X-Total-Count` how many there are, `Link` the next page.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "applications", params(super::paging::PageQuery), responses((status = 200, body = Vec<NotificationOut>, headers(("X-Total-Count" = i64, description = "How many notifications there are, over all pages"), ("Link" = String, description = "`<…>; rel=\"next\"`: the next page, when there is one"))), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn notifications(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let found = state.app.notifications(&who, &super::paging::requested_page(&params)?).await?;
    let items: Vec<NotificationOut> = found
        .items
        .into_iter()
        .map(|n| NotificationOut {
            id: n.id.to_string(),
            at: local(n.at),
            title: n.title,
            body: n.body,
            application_id: n.application_id.map(|a| a.to_string()),
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(super::paging::listed("/api/v1/notifications", &params, items, found.total, found.next.as_deref()))
}

/// Mark every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "applications", responses((status = 204)))]
pub async fn read_notifications(
    State(state): State<AppState>,
    SignedInWrite(who): SignedInWrite,
) -> Result<StatusCode, ApiError> {
    state.app.mark_notifications_read(&who).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- Idempotency-Key

/// Runs a creating request once per `Idempotency-Key`: a retry with the same key and the same
/// request gets the first answer again (`Idempotency-Replayed: true`); the same key with a
/// different request is refused (422). Only successful answers are kept. The effects themselves
/// are also safe to repeat (one live application per organisation and call; a second submit is
/// refused by the state machine), so an answer lost between commit and keeping it cannot
/// double anything.
pub(crate) async fn idempotent<F, Fut>(
    state: &AppState,
    who: &Authenticated,
    headers: &HeaderMap,
    fingerprint: &str,
    run: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => {
            let key = value.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 128);
            Some(key.ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key 应为 1 至 128 个可见字符",
                )
            })?)
        }
    };
    let request_hash = sm3_hex(fingerprint.as_bytes());
    let kept = match key {
        Some(key) => state.app.idempotent_answer(who, key).await?,
        None => None,
    };
    if let Some((hash, status, body)) = kept {
        if hash != request_hash {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "该 Idempotency-Key 已用于另一请求",
            ));
        }
        let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(200)).unwrap_or(StatusCode::OK);
        let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        response.headers_mut().insert("idempotency-replayed", HeaderValue::from_static("true"));
        return Ok(response);
    }
    let (status, body) = run().await?;
    let text = body.to_string();
    if let Some(key) = key {
        state.app.remember_answer(who, key, &request_hash, i64::from(status.as_u16()), &text).await?;
    }
    Ok((status, [(header::CONTENT_TYPE, "application/json")], text).into_response())
}
