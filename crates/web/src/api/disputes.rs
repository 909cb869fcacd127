//! Disputes over who holds a 统一社会信用代码 (归属争议): `POST /api/v1/organization-disputes`
//! (anyone: the registration that `POST /api/v1/organizations` refused as `uscc_taken`, as
//! `multipart/form-data` parts, with the business licence as the file `licence`), and for staff
//! the list, one dispute with both parties, its licence and the decision (`transfer` or
//! `refuse`, with a `reason`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use skillbase_app::auth::Registration;
use skillbase_app::disputes::DisputeRecord;
use skillbase_app::disputes::DisputeView;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::dispute::{DisputeDecision, DisputeStatus};
use skillbase_domain::ids::DisputeId;
use utoipa::ToSchema;

use super::paging::paged;
use super::training::{body, checked, id, local, page_request, text};
use crate::AppState;
use crate::error::{ApiError, FieldProblem};
use crate::session::{Meta, SignedIn, SignedInWrite};

/// One dispute in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeOut {
    pub id: String,
    pub uscc: String,
    /// filed | transferred | refused.
    pub status: String,
    pub status_label: String,
    pub organization_id: String,
    /// The first registrant's name when the dispute was filed.
    pub holder_name: String,
    /// The claimant's name.
    pub claimant_name: String,
    /// Asia/Shanghai, RFC 3339.
    pub filed_at: String,
    pub resolved_at: Option<String>,
    pub reason: Option<String>,
}

fn dispute_out(d: &DisputeRecord) -> DisputeOut {
    DisputeOut {
        id: d.id.to_string(),
        uscc: d.uscc.clone(),
        status: d.status.code().to_owned(),
        status_label: d.status.label().to_owned(),
        organization_id: d.organization_id.to_string(),
        holder_name: d.holder_name.clone(),
        claimant_name: d.claimant_name.clone(),
        filed_at: local(d.filed_at),
        resolved_at: d.resolved_at.map(local),
        reason: d.reason.clone(),
    }
}

/// One party of a dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartyOut {
    pub name: String,
    /// enterprise | vocational_college | social_organization.
    pub kind: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
}

/// A dispute with both parties and its licence.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeDetailOut {
    #[serde(flatten)]
    pub dispute: DisputeOut,
    /// The claimant as it registered, with the username its account will have.
    pub claimant: PartyOut,
    pub claimant_username: String,
    /// The first registrant as it stood when the dispute was filed.
    pub holder_at_filing: PartyOut,
    /// The organisation as it stands now.
    pub organization: PartyOut,
    /// The licence: its name, type and download path.
    pub licence_name: String,
    pub licence_kind: String,
    pub licence_url: String,
    /// The claimant's account, once transferred.
    pub claimant_user_id: Option<String>,
}

fn detail_out(v: &DisputeView) -> DisputeDetailOut {
    let o = &v.organization;
    DisputeDetailOut {
        dispute: dispute_out(&v.record),
        claimant: PartyOut {
            name: v.claimant_name.clone(),
            kind: v.claimant_kind.clone(),
            contact_name: v.contact_name.clone(),
            contact_phone: v.contact_phone.clone(),
            contact_email: v.contact_email.clone(),
        },
        claimant_username: v.username.clone(),
        holder_at_filing: PartyOut {
            name: v.holder_name.clone(),
            kind: o.kind.clone(),
            contact_name: v.holder_contact_name.clone(),
            contact_phone: v.holder_contact_phone.clone(),
            contact_email: None,
        },
        organization: PartyOut {
            name: o.name.clone(),
            kind: o.kind.clone(),
            contact_name: o.contact_name.clone(),
            contact_phone: o.contact_phone.clone(),
            contact_email: o.contact_email.clone(),
        },
        licence_name: v.licence_name.clone(),
        licence_kind: v.licence_kind.clone(),
        licence_url: format!("/api/v1/organization-disputes/{}/licence", v.id),
        claimant_user_id: v.claimant_user_id.map(|u| u.to_string()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputePage {
    pub items: Vec<DisputeOut>,
    pub total: i64,
    pub next: Option<String>,
}

/// `POST /api/v1/organization-disputes` as `multipart/form-data`: the registration's fields,
/// each a part, and the licence.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the form for OpenAPI; the handler reads the parts itself")]
pub struct DisputeForm {
    uscc: String,
    name: String,
    /// enterprise | vocational_college | social_organization.
    kind: String,
    contact_name: String,
    contact_phone: String,
    contact_email: Option<String>,
    /// The account the claimant will have if the organisation is transferred to it.
    username: String,
    password: String,
    /// The business licence (营业执照): PDF, JPEG or PNG.
    #[schema(value_type = String, format = Binary)]
    licence: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisputeFiled {
    pub id: String,
    /// filed.
    pub status: String,
}

/// Claim a USCC someone else registered first, with the business licence. Field errors as for
/// registering, plus `licence_required`, the upload checks' codes on `licence`, and
/// `uscc_not_registered` (register instead).
#[utoipa::path(post, path = "/api/v1/organization-disputes", tag = "auth", request_body(content = DisputeForm, content_type = "multipart/form-data"), responses((status = 201, body = DisputeFiled), (status = 400, description = "Field errors", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn file_dispute(
    State(state): State<AppState>,
    Meta(meta): Meta,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<DisputeFiled>), ApiError> {
    let unreadable =
        || ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "请求体无法读取：应为 multipart/form-data");
    let mut multipart = multipart.map_err(|_| unreadable())?;
    let (mut fields, mut licence) = (Vec::<(String, String)>::new(), None);
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "licence" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            licence = Some((filename, bytes.to_vec()));
        } else {
            let text = field.text().await.map_err(|_| unreadable())?;
            fields.push((name, text));
        }
    }
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let email = get("contact_email");
    let registration = Registration {
        uscc: get("uscc").trim().to_owned(),
        name: get("name"),
        kind: get("kind"),
        contact_name: get("contact_name"),
        contact_phone: get("contact_phone"),
        contact_email: (!email.trim().is_empty()).then_some(email),
        username: get("username"),
        password: SecretString::from(get("password")),
    };
    let id = state.app.file_dispute(&registration, licence, &meta).await?;
    Ok((StatusCode::CREATED, Json(DisputeFiled { id: id.to_string(), status: DisputeStatus::Filed.code().to_owned() })))
}

/// Disputes, newest first (`status` filters): staff only.
#[utoipa::path(get, path = "/api/v1/organization-disputes", tag = "auth", params(("status" = Option<String>, Query), super::training::PageQuery), responses((status = 200, body = DisputePage), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn list_disputes(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let mut errors = Vec::new();
    let status = text(&params, "status").and_then(|code| {
        let found = DisputeStatus::parse(&code);
        if found.is_none() {
            errors.push(FieldProblem::new("status", DisputeStatus::UNKNOWN, "status 的取值不在字典中"));
        }
        found
    });
    let page = checked(page_request(&params, &mut errors), errors)?;
    let found = state.app.disputes(&who, status, &page).await?;
    Ok(paged("/api/v1/organization-disputes", &params, found, dispute_out, |items, total, next| {
        serde_json::to_value(DisputePage { items, total, next }).unwrap_or_default()
    }))
}

/// One dispute with both parties and the licence: staff only.
#[utoipa::path(get, path = "/api/v1/organization-disputes/{id}", tag = "auth", params(("id" = String, Path)), responses((status = 200, body = DisputeDetailOut), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn dispute(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(dispute): Path<String>,
) -> Result<Json<DisputeDetailOut>, ApiError> {
    let dispute: DisputeId = id(&dispute)?;
    Ok(Json(detail_out(&state.app.dispute(&who, dispute).await?)))
}

/// The business licence (always as an attachment): staff only.
#[utoipa::path(get, path = "/api/v1/organization-disputes/{id}/licence", tag = "auth", params(("id" = String, Path)), responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn dispute_licence(
    State(state): State<AppState>,
    SignedIn(who): SignedIn,
    Path(dispute): Path<String>,
) -> Result<Response, ApiError> {
    let dispute: DisputeId = id(&dispute)?;
    let (name, kind, bytes) = state.app.dispute_licence(&who, dispute).await?;
    Ok(crate::download::stored_file(&kind, &name, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisputeResolveBody {
    /// transfer | refuse.
    pub decision: String,
    /// Why (required).
    #[serde(default)]
    pub reason: String,
}

/// Resolve a filed dispute: `transfer` (the first registrant's accounts are disabled, the
/// claimant's account is created in the organisation and its profile replaces the old one) or
/// `refuse`. 409 `invalid_state` once resolved.
#[utoipa::path(post, path = "/api/v1/organization-disputes/{id}/resolve", tag = "auth", params(("id" = String, Path)), request_body = DisputeResolveBody, responses((status = 200, body = DisputeDetailOut), (status = 400, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, body = crate::error::Problem, content_type = "application/problem+json"), (status = 404, body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn resolve_dispute(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(dispute): Path<String>,
    bytes: Bytes,
) -> Result<Json<DisputeDetailOut>, ApiError> {
    let dispute: DisputeId = id(&dispute)?;
    let b: DisputeResolveBody = body(&bytes)?;
    let Some(decision) = DisputeDecision::parse(&b.decision) else {
        return Err(ApiError::fields(vec![FieldProblem::new(
            "decision",
            "unknown_decision",
            "decision 须为 transfer、refuse 之一",
        )]));
    };
    state.app.resolve_dispute(&who, dispute, decision, &b.reason, &meta).await?;
    Ok(Json(detail_out(&state.app.dispute(&who, dispute).await?)))
}
