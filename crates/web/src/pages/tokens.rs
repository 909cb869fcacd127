//! 个人 API 令牌 (`/account/tokens`): a signed-in user lists their own tokens, makes one (its
//! value is shown on the answer to that post only, never again) and revokes one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use skillbase_app::AppError;
use skillbase_app::auth::Authenticated;
use skillbase_app::tokens::ApiToken;

use super::Page;
use super::admin::local_time;
use super::kit::{Control, Form, Group, Input, SignedInPost, Who, or_error_page};
use super::{no_store, respond};
use crate::AppState;
use crate::error::PageError;
use crate::i18n::Texts;
use crate::session::Meta;

/// One token as listed (never its value).
#[derive(Debug)]
struct TokenRow {
    id: String,
    name: String,
    created: String,
    expires: String,
    last_used: Option<String>,
    /// Revoked, expired or live, in words.
    state: String,
    live: bool,
}

impl TokenRow {
    fn new(t: &Texts, token: &ApiToken, now: DateTime<Utc>) -> TokenRow {
        let live = token.revoked_at.is_none() && now < token.expires_at;
        let state = match token.revoked_at {
            Some(at) => format!("{} {}", t.token_revoked, local_time(at)),
            None if !live => t.token_expired.to_owned(),
            None => t.token_live.to_owned(),
        };
        TokenRow {
            id: token.id.clone(),
            name: token.name.clone(),
            created: local_time(token.created_at),
            expires: local_time(token.expires_at),
            last_used: token.last_used_at.map(local_time),
            state,
            live,
        }
    }
}

/// A token just made: its value, shown this once.
#[derive(Debug)]
struct Created {
    name: String,
    value: String,
    expires: String,
}

/// What the last post did, shown above the list.
#[derive(Debug, Default)]
struct Outcome {
    created: Option<Created>,
    /// What the last action did (a token revoked).
    notice: Option<&'static str>,
    /// Why the last action failed (a token not found).
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    tokens: Vec<TokenRow>,
    form: Form,
    outcome: Outcome,
}

fn token_form(t: &'static Texts, name: &str, days: &str) -> Form {
    Form::new(vec![Group {
        legend: None,
        fields: vec![
            Input::new("name", t.token_name, Control::Text).value(name).hint(t.token_name_hint).maxlength(50),
            Input::new("expires_in_days", t.token_days, Control::Text)
                .value(days)
                .hint(t.token_days_hint)
                .inputmode("numeric")
                .maxlength(3),
        ],
    }])
}

/// The page with the user's tokens as they are now.
async fn tokens_page(
    state: &AppState,
    page: Page,
    who: &Authenticated,
    form: Form,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let tokens = or_error_page!(state.app.tokens_of(who).await, page);
    let now = state.app.now();
    let tokens = tokens.iter().map(|token| TokenRow::new(page.t, token, now)).collect();
    respond(status, &page.clone(), &TokensPage { page, tokens, form, outcome })
}

/// `GET /account/tokens`.
pub async fn list(State(state): State<AppState>, page: Page, Who(who): Who) -> Response {
    let form = token_form(page.t, "", "90");
    tokens_page(&state, page, &who, form, Outcome::default(), StatusCode::OK).await
}

/// `POST /account/tokens` (name, expires_in_days; with the CSRF token): makes a token and
/// shows its value once.
pub async fn create(State(state): State<AppState>, Meta(meta): Meta, post: SignedInPost) -> Response {
    let SignedInPost { page, who, fields } = post;
    let t = page.t;
    let name = fields.get("name").unwrap_or_default();
    let days_text = fields.get("expires_in_days").unwrap_or_default().trim();
    let mut form = token_form(t, name, days_text);
    match days_text.parse::<i64>() {
        Err(_) => form.set_error("expires_in_days", t.token_days_invalid.to_owned()),
        Ok(days) => match state.app.create_token(&who, name, days, &meta).await {
            Ok((token, value)) => {
                let created = Created { name: token.name.clone(), value, expires: local_time(token.expires_at) };
                let form = token_form(t, "", "90");
                let response = tokens_page(
                    &state,
                    page,
                    &who,
                    form,
                    Outcome { created: Some(created), ..Outcome::default() },
                    StatusCode::OK,
                )
                .await;
                return no_store(response);
            }
            Err(AppError::Fields(errors)) => {
                for error in errors {
                    // The code `name_invalid` names an organisation elsewhere: the words here.
                    let text = match error.field.as_str() {
                        "name" => t.token_name_invalid.to_owned(),
                        _ => t.field_error(error.code, error.message),
                    };
                    form.set_error(&error.field, text);
                }
            }
            Err(error) => return PageError::from_app(page, error).into_response(),
        },
    }
    form.focus_first_error();
    tokens_page(&state, page, &who, form, Outcome::default(), StatusCode::BAD_REQUEST).await
}

/// `POST /account/tokens/{id}/revoke` (with the CSRF token): revokes one of one's own tokens.
pub async fn revoke(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path(id): Path<String>,
    post: SignedInPost,
) -> Response {
    let SignedInPost { page, who, .. } = post;
    let t = page.t;
    let form = token_form(t, "", "90");
    match state.app.revoke_token(&who, &id, &meta).await {
        Ok(()) => {
            tokens_page(
                &state,
                page,
                &who,
                form,
                Outcome { notice: Some(t.token_revoked_notice), ..Outcome::default() },
                StatusCode::OK,
            )
            .await
        }
        Err(AppError::NotFound(_)) => {
            let outcome = Outcome { error: Some(t.token_not_found.to_owned()), ..Outcome::default() };
            tokens_page(&state, page, &who, form, outcome, StatusCode::NOT_FOUND).await
        }
        Err(error) => PageError::from_app(page, error).into_response(),
    }
}
