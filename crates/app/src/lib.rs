//! Use cases. Each one loads what it needs, asks the domain, and saves the result together with
//! its audit record (and any job it schedules) in **one** transaction.

use std::path::PathBuf;
use std::sync::Arc;

use skillbase_domain::Clock;
use skillbase_domain::audit::AuditKey;
use skillbase_domain::seal::DataKey;
use skillbase_store::Db;

/// A view that adds what a use case works out to a stored record reads as the record too:
/// `view.title` is the record's title, and a field of the view's own (a status that follows the
/// clock, say) is read before the record's.
macro_rules! reads_as_record {
    ($view:ty, $field:ident: $record:ty) => {
        impl std::ops::Deref for $view {
            type Target = $record;
            fn deref(&self) -> &$record {
                &self.$field
            }
        }
    };
}

pub mod access;
pub mod accounts;
pub mod admin;
pub mod anchors;
pub mod annual_review;
pub mod applications;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod calendar;
pub mod certification;
pub mod disputes;
mod error;
pub mod events;
pub mod files;
pub mod ids;
pub mod incentives;
pub mod invitations;
pub mod jobs;
pub mod notices;
pub mod program;
pub mod review;
pub mod roster;
pub mod subsidy;
pub mod tokens;
pub mod training;
pub mod workbench;

pub use error::{AppError, FieldError};
pub use ids::SystemClock;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

pub use skillbase_store::{Page, PageRequest};

/// Every row of a list, page after page of the largest size until none is left: what reads a
/// whole list (an export, a ranking, a count) uses, so nothing stops at a page.
pub async fn every<T, F, Fut>(mut read: F) -> Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>>>,
{
    let mut all = Vec::new();
    let mut request = PageRequest::all();
    loop {
        let page = read(request.clone()).await?;
        all.extend(page.items);
        match page.next {
            Some(next) => request.after = Some(next),
            None => return Ok(all),
        }
    }
}

/// The id a caller gives as text; text that is no id at all names nothing, so it is `missing`.
pub(crate) fn named<T: std::str::FromStr>(text: &str, missing: &'static str) -> Result<T> {
    text.parse().map_err(|_| AppError::NotFound(missing))
}

/// The keys kept outside the database.
#[derive(Debug, Clone)]
pub struct Keys {
    pub audit: AuditKey,
    pub data: DataKey,
}

/// Everything a use case needs, passed explicitly (no globals).
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// Where uploaded and generated files live (local object storage).
    pub files_dir: PathBuf,
    /// Uploaded files, content-addressed (local directory or S3-compatible storage).
    pub files: files::FileStore,
    /// The key of the audit chain (kept outside the database).
    pub audit_key: Arc<AuditKey>,
    /// The key that seals sensitive values at rest (kept outside the database).
    pub data_key: Arc<DataKey>,
    /// Password policy, lockout and session lifetimes.
    pub auth: Arc<auth::AuthSettings>,
    /// The cost of new password hashes (Argon2id).
    pub password_hashing: accounts::PasswordHashing,
    /// Where the daily signed head of the audit chain is also written (a mount of another
    /// machine); `None`: kept in the database only.
    pub anchor_dir: Option<PathBuf>,
    /// Where objections on paper go: the bureau office's postal address and telephone, as the
    /// printed notice shows them (configured; `None`: the notice names the issuer only).
    pub objection_contact: Option<String>,
    /// How far the roster imports this instance is running have come.
    pub imports: Arc<training::ImportProgress>,
    /// Policy versions already parsed, by id (see [`batches::PolicyCache`]).
    pub policies: Arc<batches::PolicyCache>,
    /// The working-day calendar last built (see [`calendar::CalendarCache`]).
    pub calendars: Arc<calendar::CalendarCache>,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>, files_dir: PathBuf, files: files::FileStore, keys: Keys) -> Self {
        App {
            db,
            clock,
            files_dir,
            files,
            audit_key: Arc::new(keys.audit),
            data_key: Arc::new(keys.data),
            auth: Arc::new(auth::AuthSettings::default()),
            password_hashing: accounts::PasswordHashing::default(),
            anchor_dir: None,
            objection_contact: None,
            imports: Arc::default(),
            policies: Arc::default(),
            calendars: Arc::default(),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

impl App {
    /// `value` sealed under the data key with a fresh nonce, bound to `context` (the table,
    /// column and row it belongs to).
    pub fn seal(&self, value: &[u8], context: &str) -> String {
        let nonce: [u8; 12] = random_bytes(12).try_into().unwrap_or([0; 12]);
        self.data_key.seal(nonce, value, context)
    }
}

/// `len` bytes from the operating system's random source (keys, tokens, nonces).
pub fn random_bytes(len: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
