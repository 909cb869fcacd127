//! `/api/v1/auth/login`, `/api/v1/auth/logout`, `/api/v1/me`, `/api/v1/me/password`,
//! `POST /api/v1/organizations` (self-registration).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use skillbase_app::auth::Registration;
use skillbase_app::auth::User;
use skillbase_domain::roles::Role;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite, clear_session_cookie, session_cookie};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    pub username: String,
    pub password: String,
}

/// An account as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    /// `applicant`, `staff`, `leader`, `expert`, `funding`, `sysadmin`, `secadmin` or `auditor`.
    pub role: String,
    /// The role's Chinese name.
    pub role_label: String,
    pub organization_id: Option<String>,
    /// When true, only changing the password (and signing out) is possible.
    pub must_change_password: bool,
}

impl UserView {
    pub(crate) fn new(user: &User, role: Role) -> Self {
        UserView {
            id: user.id.to_string(),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: role.as_str().to_owned(),
            role_label: role.label().to_owned(),
            organization_id: user.organization_id.map(|o| o.to_string()),
            must_change_password: user.must_change_password,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginAnswer {
    /// True when the account has a second factor: send the code to `/api/v1/auth/totp` with
    /// the cookie just set; until then the session grants nothing.
    pub totp_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
    /// Send it as `X-CSRF-Token` with every write made with the session cookie.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

impl LoginAnswer {
    fn from(logged_in: skillbase_app::auth::LoggedIn) -> Self {
        if logged_in.second_factor_required {
            LoginAnswer { totp_required: true, user: None, csrf_token: None }
        } else {
            LoginAnswer {
                totp_required: false,
                user: Some(UserView::new(&logged_in.user, logged_in.role)),
                csrf_token: Some(logged_in.csrf_token),
            }
        }
    }
}

/// Sign in: sets the session cookie. Five failures in a row lock the username for 15 minutes.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = LoginAnswer),
        (status = 401, description = "Wrong username or password (code invalid_credentials)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Locked after repeated failures (code account_locked, Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let logged_in = state.app.login(&body.username, &body.password, &meta).await?;
    use secrecy::ExposeSecret;
    let cookie = session_cookie(logged_in.session_token.expose_secret(), state.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Json(LoginAnswer::from(logged_in))).into_response())
}

/// Sign out: ends the session on the server and clears the cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Signed out"), (status = 401, body = crate::error::Problem, content_type = "application/problem+json"), (status = 403, description = "Missing or wrong CSRF token (code csrf_failed)", body = crate::error::Problem, content_type = "application/problem+json"))
)]
pub async fn logout(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
) -> Result<Response, ApiError> {
    state.app.logout(&who, &meta).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_session_cookie(state.secure_cookies))]).into_response())
}

/// The signed-in account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    responses((status = 200, body = UserView), (status = 401, description = "Not signed in (code unauthenticated)", body = crate::error::Problem, content_type = "application/problem+json"))
)]
pub async fn me(SignedIn(who): SignedIn) -> Json<UserView> {
    Json(UserView::new(&who.user, who.role))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

/// Change one's own password (policy: 12+ characters, 3 of 4 classes, not common). Other
/// sessions of the account end.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "auth",
    request_body = PasswordBody,
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Changed"), (status = 400, description = "Field errors (current_password_wrong, password_too_short, password_too_simple, password_common, …)", body = crate::error::Problem, content_type = "application/problem+json"))
)]
pub async fn change_password(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    state.app.change_password(&who, &body.current_password, &SecretString::from(body.new_password), &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthBody {
    pub password: String,
}

/// Type the password again (SEC-08): paying subsidy out, approving a disbursement and issuing
/// plaques need a sign-in or re-authentication within the last 5 minutes (else 401
/// `reauth_required`). Browser sessions only: a personal API token cannot re-authenticate.
#[utoipa::path(post, path = "/api/v1/me/reauth", tag = "auth", request_body = ReauthBody, responses((status = 204, description = "Re-authenticated"), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn reauthenticate(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<ReauthBody>,
) -> Result<StatusCode, ApiError> {
    state.app.reauthenticate(&who, &body.password, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationBody {
    /// 统一社会信用代码 (GB 32100-2015).
    pub uscc: String,
    pub name: String,
    /// `enterprise`, `vocational_college` or `social_organization`.
    pub kind: String,
    pub contact_name: String,
    /// 11-digit mobile number.
    pub contact_phone: String,
    pub contact_email: Option<String>,
    /// The first account's username (3–32 of a–z, 0–9, `.`, `_`, `-`).
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredView {
    pub organization_id: String,
    pub uscc: String,
    pub user_id: String,
}

/// Register an applicant organisation and its first account (no sign-in needed).
#[utoipa::path(
    post,
    path = "/api/v1/organizations",
    tag = "organizations",
    request_body = RegistrationBody,
    responses(
        (status = 201, body = RegisteredView),
        (status = 400, description = "Field errors (uscc_check, uscc_taken, username_taken, phone_invalid, password_*, …)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Meta(meta): Meta,
    ApiJson(body): ApiJson<RegistrationBody>,
) -> Result<(StatusCode, Json<RegisteredView>), ApiError> {
    let registered = state
        .app
        .register_organization(
            &Registration {
                uscc: body.uscc,
                name: body.name,
                kind: body.kind,
                contact_name: body.contact_name,
                contact_phone: body.contact_phone,
                contact_email: body.contact_email,
                username: body.username,
                password: SecretString::from(body.password),
            },
            &meta,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredView {
            organization_id: registered.organization_id.to_string(),
            uscc: registered.uscc.to_string(),
            user_id: registered.user_id.to_string(),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeBody {
    /// The 6 digits the authenticator app shows.
    pub code: String,
}

/// Second step of signing in: the TOTP code, with the cookie set by `/api/v1/auth/login`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/totp",
    tag = "auth",
    request_body = CodeBody,
    responses(
        (status = 200, description = "Signed in", body = LoginAnswer),
        (status = 401, description = "Wrong code (invalid_totp) or no pending sign-in (no_pending_login)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Locked (account_locked)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login_totp(
    State(state): State<AppState>,
    Meta(meta): Meta,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<Response, ApiError> {
    let token = crate::session::session_token(&headers, state.secure_cookies).unwrap_or_default();
    let logged_in = state.app.complete_second_factor(token, &body.code, &meta).await?;
    use secrecy::ExposeSecret;
    // A new session id now that the second factor is in.
    let cookie = session_cookie(logged_in.session_token.expose_secret(), state.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Json(LoginAnswer::from(logged_in))).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32, for typing into the app.
    pub secret: String,
    /// For a QR code.
    pub otpauth_uri: String,
}

/// Start binding an authenticator app; confirm with a first code.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "auth", responses((status = 200, body = TotpEnrolment), (status = 403, description = "Already bound (totp_already_enabled)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn begin_totp(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
) -> Result<Json<TotpEnrolment>, ApiError> {
    let (secret, otpauth_uri) = state.app.begin_totp_enrolment(&who, &meta).await?;
    Ok(Json(TotpEnrolment { secret, otpauth_uri }))
}

/// Confirm the binding with a code from the app.
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "auth", request_body = CodeBody, responses((status = 204), (status = 400, description = "Wrong code (invalid_totp)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn confirm_totp(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<CodeBody>,
) -> Result<StatusCode, ApiError> {
    state.app.confirm_totp(&who, &body.code, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
