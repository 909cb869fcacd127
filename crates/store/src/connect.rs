//! Opening the database safely (QUALITY.md REL-01): settings that can lose acknowledged writes
//! are refused, and SQLite's pragmas are asserted on every new connection.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::{Db, Result, StoreError};

/// Migrations shared by both engines (almost all of them).
static SHARED: Migrator = sqlx::migrate!("./migrations");
/// What only one engine can say (triggers). Version numbers never collide with the shared ones.
static SQLITE_ONLY: Migrator = sqlx::migrate!("./migrations-sqlite");
static POSTGRES_ONLY: Migrator = sqlx::migrate!("./migrations-postgres");

/// The shared migrations and the engine's own, in version order.
fn migrator(engine: Engine) -> Migrator {
    let own = match engine {
        Engine::Sqlite => &SQLITE_ONLY,
        Engine::Postgres => &POSTGRES_ONLY,
    };
    let mut migrations: Vec<_> = SHARED.iter().chain(own.iter()).cloned().collect();
    migrations.sort_by_key(|m| m.version);
    Migrator { migrations: std::borrow::Cow::Owned(migrations), ..Migrator::DEFAULT }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// Where the database is.
#[derive(Debug, Clone)]
pub enum DbOptions {
    Sqlite {
        path: PathBuf,
    },
    Postgres {
        url: String,
        /// A schema to work in instead of `public` (tests give each run its own).
        schema: Option<String>,
    },
}

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Connects, checks the durability settings and applies pending migrations.
    pub async fn open(options: &DbOptions, max_connections: u32) -> Result<Db> {
        let db = Db::connect(options, max_connections).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects and checks the durability settings, without migrating.
    pub async fn connect(options: &DbOptions, max_connections: u32) -> Result<Db> {
        match options {
            DbOptions::Sqlite { path } => {
                let connect = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // NORMAL can lose the last commits on power loss.
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT)
                    .pragma("secure_delete", "ON");
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|conn, _| Box::pin(async move { check_sqlite(conn).await.map_err(to_sqlx) }))
                    .connect_with(connect)
                    .await?;
                Ok(Db::Sqlite(pool))
            }
            DbOptions::Postgres { url, schema } => {
                let mut connect = PgConnectOptions::from_str(url)?;
                if let Some(schema) = schema {
                    connect = connect.options([("search_path", schema.as_str())]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(|conn, _| Box::pin(async move { check_postgres(conn).await.map_err(to_sqlx) }))
                    .connect_with(connect)
                    .await?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = migrator(self.engine());
        on_pool!(self, |c| migrator.run(c).await)?;
        Ok(())
    }

    /// True when every migration embedded in this binary has been applied successfully.
    pub async fn migrations_current(&self) -> Result<bool> {
        let applied: Vec<i64> = on_pool!(self, |c| sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version"
        )
        .fetch_all(c)
        .await)?;
        Ok(migrator(self.engine()).iter().all(|m| applied.contains(&m.version)))
    }
}

fn to_sqlx(error: StoreError) -> sqlx::Error {
    match error {
        StoreError::Database(e) => e,
        other => sqlx::Error::Configuration(Box::new(other)),
    }
}

/// Refuses a SQLite connection whose pragmas could lose or corrupt data.
pub async fn check_sqlite(conn: &mut SqliteConnection) -> Result<()> {
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await?;
    if !journal.eq_ignore_ascii_case("wal") {
        return Err(StoreError::UnsafeSetting(format!("SQLite journal_mode is {journal}, expected wal")));
    }
    // 2 = FULL, 3 = EXTRA.
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await?;
    if synchronous < 2 {
        return Err(StoreError::UnsafeSetting(format!(
            "SQLite synchronous is {synchronous}, expected FULL (2) or EXTRA (3)"
        )));
    }
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await?;
    if foreign_keys != 1 {
        return Err(StoreError::UnsafeSetting("SQLite foreign_keys is off".into()));
    }
    let busy_timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await?;
    if busy_timeout <= 0 {
        return Err(StoreError::UnsafeSetting("SQLite busy_timeout is not set".into()));
    }
    Ok(())
}

/// Refuses a PostgreSQL server that may acknowledge a commit it has not made durable.
pub async fn check_postgres(conn: &mut PgConnection) -> Result<()> {
    for (setting, expected) in [("fsync", "on"), ("full_page_writes", "on"), ("data_sync_retry", "off")] {
        let value: String =
            sqlx::query_scalar("SELECT current_setting($1)").bind(setting).fetch_one(&mut *conn).await?;
        if value != expected {
            return Err(StoreError::UnsafeSetting(format!("PostgreSQL {setting} is {value}, expected {expected}")));
        }
    }
    let commit: String =
        sqlx::query_scalar("SELECT current_setting('synchronous_commit')").fetch_one(&mut *conn).await?;
    if commit == "off" {
        return Err(StoreError::UnsafeSetting("PostgreSQL synchronous_commit is off".into()));
    }
    Ok(())
}

/// Creates the schema a PostgreSQL test run works in (test support).
pub async fn create_postgres_schema(url: &str, schema: &str) -> Result<()> {
    schema_ddl(url, "CREATE SCHEMA IF NOT EXISTS", schema).await
}

/// Drops a test schema and everything in it (test support).
pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<()> {
    schema_ddl(url, "DROP SCHEMA IF EXISTS", schema).await
}

async fn schema_ddl(url: &str, statement: &'static str, schema: &str) -> Result<()> {
    // Identifiers cannot be bound: the name is checked to be a plain identifier instead.
    if schema.is_empty() || !schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(StoreError::UnsafeSetting(format!("schema name {schema:?} is not a plain identifier")));
    }
    let cascade = if statement.starts_with("DROP") { " CASCADE" } else { "" };
    let mut conn = PgConnection::connect(url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("{statement} {schema}{cascade}"))).execute(&mut conn).await?;
    conn.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unsafe_sqlite_pragmas_are_refused() {
        let dir = std::env::temp_dir().join(format!("skillbase-pragma-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = Db::open(&DbOptions::Sqlite { path: dir.join("t.db") }, 1).await.expect("opens");
        let Db::Sqlite(pool) = &db else { unreachable!() };
        let mut conn = pool.acquire().await.expect("connection");
        check_sqlite(&mut conn).await.expect("safe as opened");
        for (unsafe_pragma, restore) in [
            ("PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"),
            ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"),
            ("PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = WAL"),
            ("PRAGMA busy_timeout = 0", "PRAGMA busy_timeout = 5000"),
        ] {
            sqlx::raw_sql(unsafe_pragma).execute(&mut *conn).await.expect("pragma");
            let refused = check_sqlite(&mut conn).await;
            assert!(matches!(refused, Err(StoreError::UnsafeSetting(_))), "{unsafe_pragma}: {refused:?}");
            sqlx::raw_sql(restore).execute(&mut *conn).await.expect("pragma");
        }
        drop(conn);
        db.close().await;
        std::fs::remove_dir_all(dir).ok();
    }
}
