use skillbase_domain::CalendarError;
use skillbase_store::StoreError;

/// What a use case can answer besides success. The web layer maps each variant to one HTTP
/// status and a stable `code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input breaks a rule; `code` is stable, `message` is for people (Chinese).
    #[error("{message}")]
    Invalid {
        code: &'static str,
        field: Option<&'static str>,
        message: String,
    },
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
