//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "skillbase API",
        description = "青浦区技能人才培育实训基地管理平台 — JSON API. Errors are RFC 9457 problem documents (`application/problem+json`) whose `code` is stable.",
    ),
    paths(
        crate::api::calendar::add_working_days,
        crate::api::auth::login,
        crate::api::auth::login_totp,
        crate::api::auth::logout,
        crate::api::auth::begin_totp,
        crate::api::auth::confirm_totp,
        crate::api::tokens::list,
        crate::api::tokens::create,
        crate::api::tokens::revoke,
        crate::api::auth::me,
        crate::api::auth::change_password,
        crate::api::auth::register,
        crate::api::users::organization,
        crate::api::users::organizations,
        crate::api::users::invite,
        crate::api::users::accept,
        crate::api::users::list,
        crate::api::users::create,
        crate::api::users::disable,
        crate::api::users::enable,
        crate::api::users::change_role,
        crate::api::users::reset_password,
        crate::api::users::reset_totp,
        crate::api::users::end_sessions,
        crate::api::users::unlock,
        crate::api::users::security_settings,
        crate::api::users::change_security_settings,
        crate::api::applications::policies,
        crate::api::applications::load_policy,
        crate::api::applications::batches,
        crate::api::applications::create_batch,
        crate::api::applications::publish_batch,
        crate::api::applications::close_batch,
        crate::api::applications::list,
        crate::api::applications::create,
        crate::api::applications::get,
        crate::api::applications::save,
        crate::api::applications::submit,
        crate::api::applications::withdraw,
        crate::api::applications::accept,
        crate::api::applications::return_for_supplement,
        crate::api::applications::reject,
        crate::api::applications::timeline,
        crate::api::applications::revisions,
        crate::api::applications::eligibility,
        crate::api::applications::decide,
        crate::api::applications::conclude,
        crate::api::applications::attachments,
        crate::api::applications::upload,
        crate::api::applications::download,
        crate::api::applications::notifications,
        crate::api::applications::read_notifications,
        crate::api::audit::list,
        crate::api::audit::verify,
        crate::api::audit::export,
        crate::api::audit::public_key,
        crate::health::healthz,
        crate::health::readyz,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    tags(
        (name = "calendar", description = "The State Council working-day calendar"),
        (name = "auth", description = "Signing in and out; the signed-in account"),
        (name = "organizations", description = "Applicant organisations"),
        (name = "accounts", description = "Accounts (system administrator) and unlocking (security administrator)"),
        (name = "applications", description = "Policy versions, calls for applications, applications, attachments and notifications"),
        (name = "audit", description = "The tamper-evident audit trail (auditor)"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
