//! Storage: the only crate that knows SQL.
//!
//! One [`Db`] handle wraps the native pool of either engine: SQLite (embedded, the default) or
//! PostgreSQL. Every query is written **once**, with `$1…$n` placeholders, and run on whichever
//! pool is in use through the private `on_pool!`/`on_tx!` macros, which expand the same text
//! once per engine so both arms are type-checked. Column types are chosen to read back the same
//! on both engines (see the first migration).

use sqlx::{Postgres, Sqlite, Transaction};

/// Runs `$body` with `$c` bound to the engine's pool; the body is compiled once per engine.
macro_rules! on_pool {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite($c) => $body,
            $crate::Db::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut` per engine).
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.0 {
            $crate::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub mod anchors;
pub mod annual_review;
pub mod applications;
pub mod audit;
pub mod calendar;
pub mod certification;
mod connect;
pub mod disputes;
mod error;
pub mod identity;
pub mod incentives;
pub mod jobs;
pub mod notices;
pub mod page;
pub mod program;
pub mod retention;
pub mod review;
pub mod subsidy;
pub mod tokens;
pub mod training;
pub mod users;
pub mod workbench;

pub use connect::{DbOptions, Engine, check_postgres, check_sqlite, create_postgres_schema, drop_postgres_schema};
pub use error::StoreError;
pub use page::{Page, PageRequest};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database: a pool of one engine or the other.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// One business operation's transaction. On SQLite it is opened with `BEGIN IMMEDIATE`, so the
/// write lock is taken up front and two writers never deadlock upgrading a read lock.
#[derive(Debug)]
pub struct Tx(TxInner);

#[derive(Debug)]
enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx(match self {
            Db::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        }))
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> Result<()> {
        let one: i64 = on_pool!(self, |c| sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(c).await)?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |c| c.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.0 {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.0 {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }
}

/// Milliseconds since the Unix epoch: how instants are stored.
pub(crate) fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("instant {ms} out of range")))
}

/// A stored id read back into its type.
pub(crate) fn parse_id<T: std::str::FromStr>(s: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

/// A stored day (`YYYY-MM-DD`) read back.
pub(crate) fn parse_day(s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("bad day {s:?}")))
}

/// How a day is stored.
pub(crate) fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored status (or other enumerated text) read back with its type's `parse`.
pub(crate) fn parse_as<T>(s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown value {s:?}")))
}
