use sqlx::error::ErrorKind;

/// What can go wrong in storage, classified so the layers above can answer properly.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; `constraint` is its name (`users_username_key`) on
    /// both engines, so callers can map it to a field.
    #[error("unique constraint violated: {constraint}")]
    Conflict { constraint: String },
    /// The engine asked us to retry (SQLite BUSY, PostgreSQL serialization failure or deadlock).
    #[error("database busy, retry")]
    Busy,
    /// The database is configured in a way that can lose acknowledged writes.
    #[error("unsafe database setting: {0}")]
    UnsafeSetting(String),
    /// A stored value that cannot be read back into its type.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.kind() == ErrorKind::UniqueViolation {
                let constraint = match db.constraint() {
                    Some(name) => name.to_owned(),
                    // SQLite names no constraint, only "UNIQUE constraint failed: users.username";
                    // constraints are named `<table>_<column>_key`, so rebuild the name. An index
                    // on an expression is named: "UNIQUE constraint failed: index 'name'".
                    None => match db.message().rsplit(": ").next() {
                        Some(cols) => match cols.strip_prefix("index '").and_then(|n| n.strip_suffix('\'')) {
                            Some(index) => index.to_owned(),
                            None => format!("{}_key", cols.replace(['.', ','], "_").replace(' ', "")),
                        },
                        None => String::new(),
                    },
                };
                return StoreError::Conflict { constraint };
            }
            let code = db.code();
            let busy = if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                matches!(code.as_deref().map(str::parse::<i32>), Some(Ok(c)) if matches!(c & 0xff, 5 | 6))
            } else {
                // PostgreSQL: serialization_failure, deadlock_detected.
                matches!(code.as_deref(), Some("40001" | "40P01"))
            };
            if busy {
                return StoreError::Busy;
            }
        }
        if matches!(error, sqlx::Error::PoolTimedOut) {
            return StoreError::Busy;
        }
        StoreError::Database(error)
    }
}
