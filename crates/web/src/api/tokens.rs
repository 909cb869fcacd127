//! Personal API tokens: `/api/v1/tokens`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use skillbase_app::tokens::ApiToken;
use skillbase_domain::clock::shanghai;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiError;
use crate::session::{ApiJson, Meta, SignedIn, SignedInWrite};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenBody {
    /// What the token is for (shown in the list).
    pub name: String,
    /// 1–365, default 90.
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    /// RFC 3339, Asia/Shanghai.
    pub created_at: String,
    pub expires_at: String,
    pub revoked: bool,
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenView {
    fn from(token: &ApiToken) -> Self {
        let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&shanghai()).to_rfc3339();
        TokenView {
            id: token.id.clone(),
            name: token.name.clone(),
            created_at: local(token.created_at),
            expires_at: local(token.expires_at),
            revoked: token.revoked_at.is_some(),
            last_used_at: token.last_used_at.map(local),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub view: TokenView,
    /// Send as `Authorization: Bearer <token>`. Shown only now: it is not stored.
    pub token: String,
}

/// Create a personal API token.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewTokenBody, responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let (token, value) = state.app.create_token(&who, &body.name, body.expires_in_days.unwrap_or(90), &meta).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { view: TokenView::from(&token), token: value })))
}

/// One's own tokens (never their values).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = Vec<TokenView>)))]
pub async fn list(State(state): State<AppState>, SignedIn(who): SignedIn) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(state.app.tokens_of(&who).await?.iter().map(TokenView::from).collect()))
}

/// Revoke one of one's own tokens.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = "auth", params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Meta(meta): Meta,
    SignedInWrite(who): SignedInWrite,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_token(&who, &id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
