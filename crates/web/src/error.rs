//! The one place where errors become responses: RFC 9457 problem+json under `/api`, an error
//! page for people everywhere else. Internal errors are logged with the request id and never
//! shown; the response carries only that id.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use skillbase_app::AppError;
use skillbase_domain::CalendarError;
use skillbase_domain::subsidy::REPEAT_CODES;
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

/// The status and the stable code of a use case's refusal. This is the one mapping: the API's
/// problems, the error pages and a refused form's page all take their status (and code) from here.
pub(crate) fn classify(error: &AppError) -> (StatusCode, &'static str) {
    match error {
        AppError::Invalid { code, .. } => (StatusCode::BAD_REQUEST, code),
        AppError::WrongState { .. } => (StatusCode::CONFLICT, "invalid_state"),
        // A field another record already holds (the same invoice, the same receipt): 409.
        AppError::Fields(errors) => match errors.first() {
            Some(first) if REPEAT_CODES.contains(&first.code) => (StatusCode::CONFLICT, first.code),
            first => (StatusCode::BAD_REQUEST, first.map_or("invalid_request", |e| e.code)),
        },
        AppError::Unauthenticated { code, .. } => (StatusCode::UNAUTHORIZED, code),
        AppError::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
        AppError::Locked { .. } => (StatusCode::FORBIDDEN, "account_locked"),
        AppError::Calendar(e @ CalendarError::YearUnknown { .. }) => (StatusCode::UNPROCESSABLE_ENTITY, e.code()),
        AppError::Calendar(e) => (StatusCode::BAD_REQUEST, e.code()),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        AppError::Conflict { constraint } if constraint == "applications_version" => {
            (StatusCode::CONFLICT, "edit_conflict")
        }
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let (status, code) = classify(&error);
        let mut api = ApiError::new(status, code, error.to_string());
        match error {
            AppError::Invalid { code, field: Some(field), message } => {
                api.errors = vec![FieldProblem { field: field.to_owned(), code: code.to_owned(), message }];
            }
            AppError::Fields(errors) => {
                let mut api = ApiError::fields(errors.into_iter().map(FieldProblem::from).collect());
                api.status = status;
                return api;
            }
            AppError::Locked { retry_after_secs } => api.retry_after = Some(retry_after_secs),
            AppError::Conflict { constraint } if constraint == "applications_version" => {
                api.detail = "申报已被他人修改或状态已变化，请刷新后重试".to_owned();
            }
            AppError::Conflict { constraint } => api.detail = format!("与已有记录冲突（{constraint}）"),
            AppError::Busy => return ApiError::unavailable("系统繁忙，请稍后重试"),
            AppError::Internal(e) => return ApiError::internal(&e),
            _ => {}
        }
        api
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
        let (status, _) = classify(&error);
        if let AppError::Internal(e) = &error {
            tracing::error!(error = %e, "internal error");
        }
        PageError { page, status, reauth }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.reauth && self.page.posted.is_some() {
            // The password is asked for here, and what was posted is kept to be sent again.
            return crate::pages::reauth_for_post(self.page);
        }
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
        error_response(&self.page, self.status, title, message)
    }
}

/// The error page with this title and message (and the request id to quote).
pub(crate) fn error_response(page: &Page, status: StatusCode, title: &str, message: &str) -> Response {
    match (ErrorPage { page, title, message, request_id: current_request_id() }).render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            (status, message.to_owned()).into_response()
        }
    }
}
