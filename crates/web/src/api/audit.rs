//! The audit trail for the auditor: `GET /api/v1/audit`, `GET /api/v1/audit/verify`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::Serialize;
use skillbase_app::audit::{AuditFilter, AuditReport};
use skillbase_domain::audit::StoredRecord;
use skillbase_domain::clock::shanghai;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldProblem};
use crate::{AppState, Params};

#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "documents the parameters for OpenAPI; the handler parses them itself")]
pub struct AuditQuery {
    /// First sequence number to return (default 1).
    from: Option<i64>,
    /// At most this many records a page (1–500, default 100; the export holds every record).
    limit: Option<i64>,
    action: Option<String>,
    /// An account id.
    actor: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
}

/// One audit record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: String,
    /// RFC 3339, Asia/Shanghai.
    pub at: String,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub organization_id: Option<String>,
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub alg: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// How many records match the filters, over the whole trail.
    pub total: i64,
    /// Pass as `from` for the next page; absent on the last page.
    pub next_from: Option<i64>,
}

fn entry_out(stored: StoredRecord) -> AuditEntry {
    let at = chrono::DateTime::from_timestamp_millis(stored.record.at)
        .map(|t| t.with_timezone(&shanghai()).to_rfc3339())
        .unwrap_or_default();
    AuditEntry {
        seq: stored.record.seq,
        id: stored.id,
        at,
        actor: stored.record.actor,
        actor_role: stored.record.actor_role,
        organization_id: stored.record.organization_id,
        client_ip: stored.record.client_ip,
        request_id: stored.record.request_id,
        action: stored.record.action,
        object_type: stored.record.object_type,
        object_id: stored.record.object_id,
        detail: serde_json::from_str(&stored.record.detail).unwrap_or(serde_json::Value::Null),
        alg: stored.alg,
        hash: stored.hash,
    }
}

/// The filters of a query (`from`, `limit`, `action`, `actor`, `object_type`, `object_id`).
fn filter_of(params: &Params) -> Result<AuditFilter<'_>, ApiError> {
    let number = |name: &str, default: i64| -> Result<i64, FieldProblem> {
        match params.get(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(text) => text.parse().map_err(|_| FieldProblem {
                field: name.to_owned(),
                code: "invalid_integer".to_owned(),
                message: format!("{name} 应为整数"),
            }),
        }
    };
    let (from, limit) = match (number("from", 1), number("limit", 100)) {
        (Ok(from), Ok(limit)) => (from, limit),
        (from, limit) => {
            return Err(ApiError::fields(from.err().into_iter().chain(limit.err()).collect()));
        }
    };
    let text = |name: &str| params.get(name).filter(|v| !v.is_empty());
    Ok(AuditFilter {
        from_seq: from,
        limit,
        action: text("action"),
        actor: text("actor"),
        object_type: text("object_type"),
        object_id: text("object_id"),
    })
}

/// Search the audit trail, oldest first, a page at a time (auditor only).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = AuditPage),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the auditor (code forbidden)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<AuditPage>, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let filter = filter_of(&params)?;
    let page = state.app.audit_page(&filter).await?;
    Ok(Json(AuditPage {
        total: page.total,
        next_from: page.next.and_then(|next| next.parse().ok()),
        items: page.items.into_iter().map(entry_out).collect(),
    }))
}

/// The verdict of `verify` (also `skillbase audit verify`).
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyAnswer {
    pub intact: bool,
    pub checked: u64,
    pub head_seq: i64,
    /// The first broken link: `{kind, seq, …}`.
    #[schema(value_type = Option<Object>)]
    pub first_break: Option<serde_json::Value>,
    pub message: Option<String>,
    /// Daily SM2-signed heads checked against the chain.
    pub anchors_checked: u64,
}

/// Walk the hash chain and report the first broken link (auditor only).
#[utoipa::path(
    get,
    path = "/api/v1/audit/verify",
    tag = "audit",
    responses(
        (status = 200, body = VerifyAnswer),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify(State(state): State<AppState>) -> Result<Json<VerifyAnswer>, ApiError> {
    let AuditReport { checked, head_seq, intact, first_break, message, anchors_checked } =
        state.app.verify_audit().await?;
    Ok(Json(VerifyAnswer {
        intact,
        checked,
        head_seq,
        first_break: first_break.map(|b| serde_json::to_value(b).unwrap_or_default()),
        message,
        anchors_checked,
    }))
}

/// The audit trail as an Excel workbook: every record the filters match from `from` on (by
/// default the whole trail), read page after page, whatever `limit` says; the export itself is
/// audited.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export.xlsx",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    crate::session::Meta(meta): crate::session::Meta,
    crate::session::SignedIn(who): crate::session::SignedIn,
    RawQuery(query): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    let params = crate::query_params(query.as_deref())?;
    let filter = filter_of(&params)?;
    let entries: Vec<AuditEntry> = state.app.every_audit_entry(&filter).await?.into_iter().map(entry_out).collect();
    let header = [
        "序号 seq",
        "时间 time",
        "操作人 actor",
        "角色 role",
        "单位 organization",
        "IP",
        "请求编号 request id",
        "操作 action",
        "对象类型 object type",
        "对象 object id",
        "内容 detail",
        "哈希 hash",
    ];
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.at.clone(),
                e.actor.clone().unwrap_or_default(),
                e.actor_role.clone().unwrap_or_default(),
                e.organization_id.clone().unwrap_or_default(),
                e.client_ip.clone().unwrap_or_default(),
                e.request_id.clone().unwrap_or_default(),
                e.action.clone(),
                e.object_type.clone(),
                e.object_id.clone().unwrap_or_default(),
                e.detail.to_string(),
                e.hash.clone(),
            ]
        })
        .collect();
    let bytes = crate::xlsx::sheet("审计日志", &header, &rows)
        .map_err(|e| ApiError::from(skillbase_app::AppError::internal(e)))?;
    state.app.record_export(&who, "audit_log", rows.len(), &meta).await?;
    Ok(crate::download::download(bytes, crate::download::XLSX, "audit-log.xlsx"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKeyView {
    pub algorithm: &'static str,
    /// The SM2 distinguishing identifier used when signing.
    pub dist_id: &'static str,
    /// SEC1 uncompressed point, hexadecimal.
    pub public_key: String,
}

/// The bureau's SM2 public key: it signs the daily head of the audit chain (and, later, the
/// plaques), so anyone can check them offline.
#[utoipa::path(get, path = "/.well-known/skillbase-sm2.json", tag = "audit", responses((status = 200, body = PublicKeyView)))]
pub async fn public_key(State(state): State<AppState>) -> Result<Json<PublicKeyView>, ApiError> {
    Ok(Json(PublicKeyView {
        algorithm: "SM2",
        dist_id: skillbase_domain::anchor::DIST_ID,
        public_key: state.app.bureau_public_key().await?,
    }))
}
