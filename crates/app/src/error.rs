use skillbase_domain::CalendarError;
use skillbase_store::StoreError;

/// What a use case can answer besides success. The web layer maps each variant to one HTTP
/// status and a stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; `code` is stable, `message` is for people (Chinese).
    #[error("{message}")]
    Invalid { code: &'static str, field: Option<&'static str>, message: String },
    /// The record's state does not allow this (a transition the life cycle refuses from here):
    /// code `invalid_state`, answered 409 everywhere.
    #[error("{message}")]
    WrongState { message: String },
    /// Several fields are wrong at once (a form): each with its stable code.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("输入有误"))]
    Fields(Vec<FieldError>),
    /// No valid session or credentials.
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// Authenticated, but this is not allowed.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Too many failed logins: try again after `retry_after_secs`.
    #[error("登录失败次数过多，账户已锁定，请 {} 分钟后再试", .retry_after_secs.div_ceil(60))]
    Locked { retry_after_secs: u32 },
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("conflict: {constraint}")]
    Conflict { constraint: String },
    /// The database asked to retry and the retries ran out.
    #[error("service busy")]
    Busy,
    /// An unexpected failure: logged in full with the request id, shown to nobody.
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

pub use skillbase_domain::fields::FieldError;

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { constraint } => AppError::Conflict { constraint },
            StoreError::Busy => AppError::Busy,
            other => AppError::Internal(Box::new(other)),
        }
    }
}

impl AppError {
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Internal(Box::new(error))
    }
}
