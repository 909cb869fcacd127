//! What the bureau's pages share about a refused post: the errors keyed by field (what no
//! field claims is said above the form), a use case's refusal turned into them with its HTTP
//! status, and the error pages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use skillbase_app::AppError;

use super::Page;
use crate::error::PageError;

pub(super) fn error_page(page: Page, error: AppError) -> Response {
    PageError::from_app(page, error).into_response()
}

pub(super) fn not_found(page: Page) -> Response {
    PageError::new(page, StatusCode::NOT_FOUND).into_response()
}

/// The errors of a post, keyed by field; what no field claims is said above the form.
#[derive(Debug, Default)]
pub(super) struct Errors {
    pub(super) fields: Vec<(String, String)>,
    pub(super) general: Vec<String>,
}

impl Errors {
    pub(super) fn take(&mut self, field: &str) -> Option<String> {
        let i = self.fields.iter().position(|(f, _)| f == field)?;
        Some(self.fields.remove(i).1)
    }

    /// Every error of a field and of the fields below it (`industries`, `industries[1]`).
    pub(super) fn take_under(&mut self, field: &str) -> Option<String> {
        let under = |f: &str| f == field || f.strip_prefix(field).is_some_and(|rest| rest.starts_with('['));
        let taken: Vec<String> =
            self.fields.iter().filter(|(f, _)| under(f)).map(|(_, message)| message.clone()).collect();
        self.fields.retain(|(f, _)| !under(f));
        (!taken.is_empty()).then(|| taken.join("；"))
    }

    /// Whatever is left once the fields have taken theirs.
    pub(super) fn rest(self) -> Vec<String> {
        self.general.into_iter().chain(self.fields.into_iter().map(|(_, message)| message)).collect()
    }

    pub(super) fn field(field: &str, message: impl Into<String>) -> Errors {
        Errors { fields: vec![(field.to_owned(), message.into())], general: Vec::new() }
    }
}

/// A use case's refusal as the page shows it, with its status; `Err` for what only an error
/// page can say (a missing record, an internal failure).
pub(super) fn refusal(error: AppError) -> Result<(StatusCode, Errors), AppError> {
    refusal_with_code(error).map(|(status, errors, _)| (status, errors))
}

/// The same, with the refusal's stable code when it has one (a page that shows it, say, for a
/// client reading `data-code`).
pub(super) fn refusal_with_code(error: AppError) -> Result<(StatusCode, Errors, Option<&'static str>), AppError> {
    let general =
        |status, message: String, code| Ok((status, Errors { fields: Vec::new(), general: vec![message] }, code));
    match error {
        AppError::Fields(errors) => Ok((
            StatusCode::BAD_REQUEST,
            Errors { fields: errors.into_iter().map(|e| (e.field, e.message)).collect(), general: Vec::new() },
            None,
        )),
        AppError::WrongState { message } => general(StatusCode::CONFLICT, message, Some("invalid_state")),
        AppError::Invalid { code, field, message } => match field {
            Some(field) => Ok((StatusCode::BAD_REQUEST, Errors::field(field, message), Some(code))),
            None => general(StatusCode::BAD_REQUEST, message, Some(code)),
        },
        AppError::Forbidden { code, message } => general(StatusCode::FORBIDDEN, message, Some(code)),
        AppError::Conflict { .. } => {
            general(StatusCode::CONFLICT, "该记录刚被他人处理过，请查看最新状态后再操作。".to_owned(), Some("conflict"))
        }
        AppError::Calendar(error) => {
            general(StatusCode::UNPROCESSABLE_ENTITY, error.to_string(), Some("calendar_year_unknown"))
        }
        error => Err(error),
    }
}
