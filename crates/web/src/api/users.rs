//! Accounts for the system administrator (`/api/v1/users`), unlocking for the security
//! administrator, and organisations' profiles within the reader's scope.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use skillbase_app::admin::NewAccount;
use skillbase_domain::ids::{OrganizationId, UserId};
use skillbase_domain::roles::Role;
use skillbase_domain::security::SecuritySettings;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::auth::UserView;
use crate::error::{ApiError, FieldProblem};
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};

/// An id that does not parse names nothing: 404, like an id that exists nowhere.
fn user_id(text: &str) -> Result<UserId, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

fn role(text: &str) -> Result<Role, ApiError> {
    text.parse().map_err(|_| {
        ApiError::fields(vec![FieldProblem {
            field: "role".into(),
            code: "role_invalid".into(),
            message: "角色应为 staff、leader、expert、funding、sysadmin、secadmin 或 auditor".into(),
        }])
    })
}

/// An account in the administrator's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    #[serde(flatten)]
    pub user: UserView,
    pub disabled: bool,
}

/// Every account (system administrator).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", responses((status = 200, body = Vec<AccountView>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<AccountView>>, ApiError> {
    let accounts = state.app.accounts().await?;
    let views = accounts
        .iter()
        .map(|user| AccountView { user: UserView::new(user, user.role), disabled: user.disabled })
        .collect();
    Ok(Json(views))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccountBody {
    pub username: String,
    pub display_name: String,
    /// Any role but `applicant`.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OneTimePassword {
    pub user_id: String,
    /// Shown once; the account must change it at first login.
    pub one_time_password: String,
}

/// Create a bureau-side or expert account with a one-time password (system administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewAccountBody, responses((status = 201, body = OneTimePassword), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    ApiJson(body): ApiJson<NewAccountBody>,
) -> Result<(StatusCode, Json<OneTimePassword>), ApiError> {
    let new = NewAccount { username: body.username, display_name: body.display_name, role: role(&body.role)? };
    let (id, password) = state.app.create_account(&actor, &new, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(OneTimePassword { user_id: id.to_string(), one_time_password: password.expose_secret().to_owned() }),
    ))
}

/// Disable an account; its sessions end at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "accounts", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn disable(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.set_account_disabled(&actor, user_id(&id)?, true, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled account.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "accounts", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn enable(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.set_account_disabled(&actor, user_id(&id)?, false, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    pub role: String,
}

/// Change an account's role (never one administrator role into another); effective on the
/// account's next request.
#[utoipa::path(post, path = "/api/v1/users/{id}/role", tag = "accounts", params(("id" = String, Path)), request_body = RoleBody, responses((status = 204), (status = 403, description = "Separation of duties (code sod_administrator_role_switch)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn change_role(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<StatusCode, ApiError> {
    let id = user_id(&id)?;
    state.app.change_role(&actor, id, role(&body.role)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Give an account a new one-time password; its sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "accounts", params(("id" = String, Path)), responses((status = 200, body = OneTimePassword), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reset_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<OneTimePassword>, ApiError> {
    let id = user_id(&id)?;
    let password = state.app.reset_password(&actor, id, &meta).await?;
    Ok(Json(OneTimePassword { user_id: id.to_string(), one_time_password: password.expose_secret().to_owned() }))
}

/// Lift the lock after repeated failed logins (security administrator).
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "accounts", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn unlock(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.unlock_account(&actor, user_id(&id)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: String,
    pub uscc: String,
    pub name: String,
    pub kind: String,
}

/// An organisation's profile: applicants see only their own (any other id is 404).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = String, Path)), responses((status = 200, body = OrganizationView), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn organization(
    State(state): State<AppState>,
    SignedIn(reader): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<OrganizationView>, ApiError> {
    let id: OrganizationId = id.parse().map_err(|_| ApiError::not_found())?;
    let org = state.app.organization(&reader, id).await?;
    Ok(Json(OrganizationView { id: org.id.to_string(), uscc: org.uscc, name: org.name, kind: org.kind }))
}

/// Unbind an account's authenticator (lost phone); it binds a new one at its next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-totp", tag = "accounts", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reset_totp(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.reset_totp(&actor, user_id(&id)?, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    pub sessions_ended: u64,
}

/// End every session of an account now (it signs in again with its password).
#[utoipa::path(post, path = "/api/v1/users/{id}/end-sessions", tag = "accounts", params(("id" = String, Path)), responses((status = 200, body = SessionsEnded), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn end_sessions(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(actor): SignedInWrite,
    Path(id): Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    let sessions_ended = state.app.end_sessions(&actor, user_id(&id)?, &meta).await?;
    Ok(Json(SessionsEnded { sessions_ended }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InvitationBody {
    /// Who is invited (a name or e-mail, for the inviter's own records).
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCode {
    pub id: String,
    /// Give it to the colleague; shown only now. Valid seven days, once.
    pub code: String,
    pub expires_in_days: i64,
}

/// Invite a colleague into one's own organisation (applicants).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/invitations", tag = "organizations", params(("id" = String, Path)), request_body = InvitationBody, responses((status = 201, body = InvitationCode), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InvitationBody>,
) -> Result<(StatusCode, Json<InvitationCode>), ApiError> {
    let org: OrganizationId = id.parse().map_err(|_| ApiError::not_found())?;
    let (id, code) = state.app.invite_colleague(&who, org, &body.note, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(InvitationCode { id, code, expires_in_days: skillbase_app::invitations::VALID_FOR_DAYS }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptBody {
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Joined {
    pub user_id: String,
    pub organization_id: String,
}

/// Accept an invitation: creates an applicant account in the inviting organisation.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "organizations", request_body = AcceptBody, responses((status = 201, body = Joined), (status = 400, description = "invitation_invalid, username_taken, password_*", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn accept(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<(StatusCode, Json<Joined>), ApiError> {
    let acceptance = skillbase_app::invitations::Acceptance {
        code: body.code,
        username: body.username,
        display_name: body.display_name,
        password: secrecy::SecretString::from(body.password),
    };
    let (user, org) = state.app.accept_invitation(&acceptance, &meta).await?;
    Ok((StatusCode::CREATED, Json(Joined { user_id: user.to_string(), organization_id: org.to_string() })))
}

/// The security settings in force (security administrator).
#[utoipa::path(get, path = "/api/v1/security-settings", tag = "accounts", responses((status = 200, body = Object)))]
pub async fn security_settings(State(state): State<AppState>) -> Result<Json<SecuritySettings>, ApiError> {
    Ok(Json(state.app.security_settings().await?))
}

/// Change the security settings: password policy, lockout, session lifetimes, second factor
/// (security administrator). Each value within its bounds.
#[utoipa::path(put, path = "/api/v1/security-settings", tag = "accounts", request_body = Object, responses((status = 204), (status = 400, description = "A setting out of bounds (setting_out_of_range)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn change_security_settings(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<SecuritySettings>,
) -> Result<StatusCode, ApiError> {
    state.app.change_security_settings(&who, &body, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationListed {
    #[serde(flatten)]
    pub organization: OrganizationView,
    pub accounts: i64,
}

/// Every registered organisation and its number of accounts (system administrator, staff, leader).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", responses((status = 200, body = Vec<OrganizationListed>), (status = 403, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn organizations(State(state): State<AppState>) -> Result<Json<Vec<OrganizationListed>>, ApiError> {
    let list = state.app.organizations().await?;
    Ok(Json(
        list.into_iter()
            .map(|(org, accounts)| OrganizationListed {
                organization: OrganizationView {
                    id: org.id.to_string(),
                    uscc: org.uscc,
                    name: org.name,
                    kind: org.kind,
                },
                accounts,
            })
            .collect(),
    ))
}
