//! The one place where errors become responses: RFC 9457 problem+json under `/api`, an error
//! page for people everywhere else. Internal errors are logged with the request id and never
//! shown; the response carries only that id.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use skillbase_app::AppError;
use skillbase_domain::CalendarError;
use utoipa::ToSchema;

use crate::pages::Page;

tokio::task_local! {
    /// The id of the request being served (set by the request-context middleware).
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An RFC 9457 problem document, with skillbase's stable `code` and field errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the stable identifier of the problem is `code`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong, for people (Chinese).
    pub detail: String,
    /// Stable, machine-readable: clients branch on this.
    pub code: String,
    /// Quote this when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// One entry per offending field or parameter, in the order they were checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: &str, code: &str, message: &str) -> Self {
        FieldProblem { field: field.to_owned(), code: code.to_owned(), message: message.to_owned() }
    }
}

impl From<skillbase_app::FieldError> for FieldProblem {
    fn from(e: skillbase_app::FieldError) -> Self {
        FieldProblem { field: e.field, code: e.code.to_owned(), message: e.message }
    }
}

/// An error answered by the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiError { status, code: code.to_owned(), detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    /// A 400 for one or more bad fields; the first one's code becomes the problem's code.
    pub fn fields(errors: Vec<FieldProblem>) -> Self {
        let (code, detail) = match errors.first() {
            Some(first) => (first.code.clone(), first.message.clone()),
            None => ("invalid_request".to_owned(), "请求有误".to_owned()),
        };
        ApiError { status: StatusCode::BAD_REQUEST, code, detail, errors, retry_after: None }
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "请求的资源不存在")
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "该地址不支持此请求方法")
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        let mut error = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", detail);
        error.retry_after = Some(5);
        error
    }

    fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "服务器内部错误，请凭请求编号联系管理员")
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid { code, field, message } => match field {
                Some(field) => {
                    ApiError::fields(vec![FieldProblem { field: field.to_owned(), code: code.to_owned(), message }])
                }
                None => ApiError::new(StatusCode::BAD_REQUEST, code, message),
            },
            AppError::WrongState { message } => ApiError::new(StatusCode::CONFLICT, "invalid_state", message),
            AppError::Fields(errors) => ApiError::fields(errors.into_iter().map(FieldProblem::from).collect()),
            AppError::Unauthenticated { code, message } => ApiError::new(StatusCode::UNAUTHORIZED, code, message),
            AppError::Forbidden { code, message } => ApiError::new(StatusCode::FORBIDDEN, code, message),
            e @ AppError::Locked { retry_after_secs } => {
                let mut error = ApiError::new(StatusCode::FORBIDDEN, "account_locked", e.to_string());
                error.retry_after = Some(retry_after_secs);
                error
            }
            AppError::Calendar(e @ CalendarError::YearUnknown { .. }) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            }
            AppError::Calendar(e) => ApiError::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()),
            AppError::NotFound(what) => ApiError::new(StatusCode::NOT_FOUND, "not_found", what),
            AppError::Conflict { constraint } if constraint == "applications_version" => {
                ApiError::new(StatusCode::CONFLICT, "edit_conflict", "申报已被他人修改或状态已变化，请刷新后重试")
            }
            AppError::Conflict { constraint } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("与已有记录冲突（{constraint}）"))
            }
            AppError::Busy => ApiError::unavailable("系统繁忙，请稍后重试"),
            AppError::Internal(e) => ApiError::internal(&e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            request_id: current_request_id(),
            errors: self.errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// An error answered with a page.
#[derive(Debug)]
pub struct PageError {
    pub page: Page,
    pub status: StatusCode,
    /// The action needs a recent sign-in: send the person to type their password again.
    pub reauth: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: &'a Page,
    title: &'a str,
    message: &'a str,
    request_id: Option<String>,
}

impl PageError {
    pub fn new(page: Page, status: StatusCode) -> Self {
        PageError { page, status, reauth: false }
    }

    pub fn from_app(page: Page, error: AppError) -> Self {
        let reauth = matches!(&error, AppError::Unauthenticated { code: "reauth_required", .. });
        let status = match &error {
            AppError::Invalid { .. } | AppError::Fields(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } | AppError::Locked { .. } => StatusCode::FORBIDDEN,
            AppError::Calendar(CalendarError::YearUnknown { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Calendar(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } | AppError::WrongState { .. } => StatusCode::CONFLICT,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        PageError { page, status, reauth }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.reauth {
            // Back to where the person was once they have typed their password again.
            let back = self.page.back.clone().unwrap_or_else(|| "/".to_owned());
            let next = crate::routes::url_escape(&back);
            return axum::response::Redirect::to(&format!("/account/reauth?next={next}")).into_response();
        }
        let t = self.page.t;
        let (title, message) = match self.status {
            StatusCode::NOT_FOUND => (t.not_found_title, t.not_found),
            StatusCode::METHOD_NOT_ALLOWED => (t.bad_request_title, t.method_not_allowed),
            StatusCode::FORBIDDEN => (t.forbidden_title, t.forbidden),
            StatusCode::TOO_MANY_REQUESTS => (t.unavailable_title, t.too_many_requests),
            StatusCode::SERVICE_UNAVAILABLE => (t.unavailable_title, t.unavailable),
            s if s.is_server_error() => (t.internal_title, t.internal),
            _ => (t.bad_request_title, t.bad_request),
        };
        let page = ErrorPage { page: &self.page, title, message, request_id: current_request_id() };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "error page failed to render");
                (self.status, message).into_response()
            }
        }
    }
}
