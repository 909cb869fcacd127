//! A refused post as a page shows it: the errors keyed by field (what no field claims is said
//! above the form), a use case's refusal turned into them with its status, and the error pages.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use skillbase_app::AppError;

use crate::error::{PageError, classify};
use crate::pages::Page;

pub(crate) fn error_page(page: Page, error: AppError) -> Response {
    PageError::from_app(page, error).into_response()
}

pub(crate) fn not_found(page: Page) -> Response {
    PageError::new(page, StatusCode::NOT_FOUND).into_response()
}

/// The errors of a post, keyed by field; what no field claims is said above the form.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) general: Vec<String>,
}

impl Errors {
    pub(crate) fn take(&mut self, field: &str) -> Option<String> {
        let i = self.fields.iter().position(|(f, _)| f == field)?;
        Some(self.fields.remove(i).1)
    }

    /// Every error of a field and of the fields below it (`industries`, `industries[1]`).
    pub(crate) fn take_under(&mut self, field: &str) -> Option<String> {
        let under = |f: &str| f == field || f.strip_prefix(field).is_some_and(|rest| rest.starts_with('['));
        let taken: Vec<String> =
            self.fields.iter().filter(|(f, _)| under(f)).map(|(_, message)| message.clone()).collect();
        self.fields.retain(|(f, _)| !under(f));
        (!taken.is_empty()).then(|| taken.join("；"))
    }

    /// Whatever is left once the fields have taken theirs.
    pub(crate) fn rest(self) -> Vec<String> {
        self.general.into_iter().chain(self.fields.into_iter().map(|(_, message)| message)).collect()
    }

    pub(crate) fn field(field: &str, message: impl Into<String>) -> Errors {
        Errors { fields: vec![(field.to_owned(), message.into())], general: Vec::new() }
    }
}

/// A use case's refusal as the page shows it: its status (and stable code) from the one mapping
/// in `error.rs`, with the errors by field; `Err` for what only an error page can say (a missing
/// record, a sign-in needed, an internal failure).
pub(crate) fn refusal(error: AppError) -> Result<(StatusCode, Errors), AppError> {
    refusal_with_code(error).map(|(status, errors, _)| (status, errors))
}

/// The same, with the refusal's stable code (a page that shows it, say, for a client reading
/// `data-code`).
pub(crate) fn refusal_with_code(error: AppError) -> Result<(StatusCode, Errors, &'static str), AppError> {
    let (status, code) = classify(&error);
    let general = |message: String| Errors { fields: Vec::new(), general: vec![message] };
    let errors = match error {
        AppError::Fields(errors) => {
            Errors { fields: errors.into_iter().map(|e| (e.field, e.message)).collect(), general: Vec::new() }
        }
        AppError::Invalid { field: Some(field), message, .. } => Errors::field(field, message),
        AppError::Invalid { message, .. } | AppError::WrongState { message } | AppError::Forbidden { message, .. } => {
            general(message)
        }
        AppError::Conflict { .. } => general("该记录刚被他人处理过，请查看最新状态后再操作。".to_owned()),
        AppError::Calendar(error) => general(error.to_string()),
        error => return Err(error),
    };
    Ok((status, errors, code))
}

/// The value of a use case's answer or, returning from the handler, the error page for its
/// refusal: `let ctx = or_error_page!(context(&state, &who, id).await, page);`.
macro_rules! or_error_page {
    ($result:expr, $page:expr) => {
        match $result {
            Ok(value) => value,
            Err(error) => return $crate::pages::kit::error_page($page, error),
        }
    };
}
pub(crate) use or_error_page;
