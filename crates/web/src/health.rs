//! Liveness and readiness probes for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready` (able to serve).
    pub status: &'static str,
    /// `sqlite` or `postgres`; only on readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is alive (no dependency is checked).
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", database: None })
}

/// The database answers and every migration of this binary is applied.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "Not ready (code service_unavailable)", body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let db = &state.app.db;
    if let Err(error) = db.ping().await {
        tracing::warn!(%error, "readiness: database unreachable");
        return Err(ApiError::unavailable("数据库不可用"));
    }
    match db.migrations_current().await {
        Ok(true) => Ok(Json(Health { status: "ready", database: Some(db.engine().as_str()) })),
        Ok(false) => Err(ApiError::unavailable("数据库迁移未完成")),
        Err(error) => {
            tracing::warn!(%error, "readiness: cannot read migrations");
            Err(ApiError::unavailable("数据库迁移状态不可读"))
        }
    }
}
