//! The two engines' migrations stay in step: `crates/store/migrations/` is shared, and every
//! migration of `migrations-sqlite/` has its counterpart of the same version and name in
//! `migrations-postgres/` (and the other way round), unless it is listed below as one engine's
//! only, with the reason; no shared version is reused by an engine's own. And once both engines
//! are migrated they hold the same tables with the same columns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use skillbase_store::Db;

use crate::helpers::Storage;

/// Migrations only one engine has: (folder, file name, why the other needs none). None so far.
const ENGINE_ONLY: &[(&str, &str, &str)] = &[];

/// The `(version, file name)` of each migration in a folder of the store crate.
fn migrations(folder: &str) -> Vec<(i64, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store").join(folder);
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let name = entry.expect("an entry").file_name().into_string().expect("a UTF-8 name");
        let version = name
            .strip_suffix(".sql")
            .and_then(|stem| stem.split_once('_'))
            .and_then(|(version, _)| version.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("{folder}/{name} is not VERSION_name.sql"));
        found.push((version, name));
    }
    found.sort();
    found
}

#[test]
fn each_engine_s_own_migrations_have_their_counterparts() {
    let shared = migrations("migrations");
    let sqlite = migrations("migrations-sqlite");
    let postgres = migrations("migrations-postgres");
    assert!(!shared.is_empty() && !sqlite.is_empty(), "the folders are found");

    for (folder, list) in [("migrations", &shared), ("migrations-sqlite", &sqlite), ("migrations-postgres", &postgres)]
    {
        let versions: BTreeSet<i64> = list.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions.len(), list.len(), "{folder}: a version used twice: {list:?}");
    }
    // An engine's own migration never takes a shared version: they are merged into one migrator.
    let shared_versions: BTreeSet<i64> = shared.iter().map(|(v, _)| *v).collect();
    for (version, name) in sqlite.iter().chain(&postgres) {
        assert!(!shared_versions.contains(version), "{name} reuses the version of a shared migration");
    }
    // Each engine's own migration has its counterpart: the same version and name in the other.
    let listed = |folder: &str, name: &str| ENGINE_ONLY.iter().any(|(f, n, _)| *f == folder && *n == name);
    for (folder, mine, other_folder, other) in [
        ("migrations-sqlite", &sqlite, "migrations-postgres", &postgres),
        ("migrations-postgres", &postgres, "migrations-sqlite", &sqlite),
    ] {
        for (version, name) in mine.iter() {
            if listed(folder, name) {
                assert!(
                    !other.iter().any(|(v, _)| v == version),
                    "{name} is listed as {folder} only, yet has a counterpart"
                );
                continue;
            }
            assert!(
                other.iter().any(|(v, n)| v == version && n == name),
                "{folder}/{name} has no counterpart {other_folder}/{name} (write it, or list it in ENGINE_ONLY with the reason)"
            );
        }
    }
    for (folder, name, why) in ENGINE_ONLY {
        assert!(!why.is_empty(), "{folder}/{name} says why it is one engine's only");
    }
}

/// Every table of the database and its columns.
async fn tables(db: &Db, schema: Option<&str>) -> BTreeMap<String, BTreeSet<String>> {
    let rows: Vec<(String, String)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(
            "SELECT t.name, c.name FROM sqlite_master AS t JOIN pragma_table_info(t.name) AS c \
             WHERE t.type = 'table' AND t.name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(pool)
        .await
        .expect("SQLite's tables"),
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT c.table_name::TEXT, c.column_name::TEXT FROM information_schema.columns AS c \
             JOIN information_schema.tables AS t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
             WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'",
        )
        .bind(schema.expect("a schema"))
        .fetch_all(pool)
        .await
        .expect("PostgreSQL's tables"),
    };
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (table, column) in rows {
        tables.entry(table).or_default().insert(column);
    }
    tables
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(skillbase_postgres),
    ignore = "PostgreSQL (SKILLBASE_TEST_DATABASE_URL) did not answer when the tests were built"
)]
async fn both_engines_migrate_to_the_same_tables_and_columns() {
    let Some(postgres) = Storage::postgres().await else { return };
    let sqlite = Storage::sqlite();
    let open = |storage: &Storage| {
        let options = storage.settings().db_options().expect("options");
        async move { Db::open(&options, 1).await.expect("opens and migrates") }
    };
    let (on_sqlite, on_postgres) = (open(&sqlite).await, open(&postgres).await);
    let schema = postgres.postgres.as_ref().map(|(_, schema)| schema.as_str());
    let (sqlite_tables, postgres_tables) = (tables(&on_sqlite, None).await, tables(&on_postgres, schema).await);
    assert!(sqlite_tables.len() > 20 && sqlite_tables.contains_key("audit_log"), "{sqlite_tables:?}");
    let names = |tables: &BTreeMap<String, BTreeSet<String>>| tables.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sqlite_tables), names(&postgres_tables), "the same tables on both engines");
    for (table, columns) in &sqlite_tables {
        assert_eq!(Some(columns), postgres_tables.get(table), "the columns of {table} (SQLite, then PostgreSQL)");
    }
    on_sqlite.close().await;
    on_postgres.close().await;
}
