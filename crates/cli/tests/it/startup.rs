//! First start, restart, graceful stop.

use skillbase_store::{audit, users};

use crate::helpers::{ADMIN_PASSWORD, Engine, Storage, TestApp};
use crate::on_both_storages;

on_both_storages!(first_start_creates_the_administrator_once);

async fn first_start_creates_the_administrator_once(engine: Engine) {
    let Some(storage) = Storage::for_engine(engine).await else {
        return;
    };
    let app = TestApp::start(storage).await;
    let admin = users::find_by_username(&app.app().db, "admin").await.expect("query").expect("admin exists");
    assert_eq!(admin.role.as_str(), "sysadmin");
    assert!(admin.must_change_password, "a password someone else chose must be changed");
    assert!(skillbase_app::accounts::verify_password(ADMIN_PASSWORD, &admin.password_hash));
    assert!(!admin.password_hash.contains(ADMIN_PASSWORD));
    let actions = audit::actions_for(&app.app().db, "user", &admin.id.to_string()).await.expect("audit");
    assert_eq!(actions, ["user.bootstrap"], "the creation is audited");

    // A restart on the same data neither creates another account nor changes this one.
    let storage = app.stop().await;
    let app = TestApp::start_with(storage, |s| s.initial_admin_password = Some("Another-password-99".into())).await;
    assert_eq!(users::count(&app.app().db).await.expect("count"), 1);
    let again = users::find_by_username(&app.app().db, "admin").await.expect("query").expect("admin");
    assert_eq!(again.password_hash, admin.password_hash);
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_releases_the_port_and_checkpoints_sqlite() {
    let app = TestApp::sqlite().await.expect("sqlite");
    let addr = app.base.clone();
    for _ in 0..20 {
        app.get("/api/v1/calendar/add-working-days?start=2024-09-30&days=5").await;
    }
    let wal = app.storage.dir.path().join("skillbase.db-wal");
    let storage = app.stop().await;
    assert!(reqwest::get(format!("{addr}/healthz")).await.is_err(), "no longer listening");
    // Closing the last connection checkpoints the WAL into the database and removes it.
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "the WAL was checkpointed on close");
    assert!(storage.dir.path().join("skillbase.db").exists());
    assert!(storage.dir.path().join("files").is_dir(), "files live under the data directory");
}

/// REL-01: a PostgreSQL session that would acknowledge commits it has not made durable is
/// refused (the server-wide settings are checked the same way).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(skillbase_postgres),
    ignore = "PostgreSQL (SKILLBASE_TEST_DATABASE_URL) did not answer when the tests were built"
)]
async fn unsafe_postgres_settings_are_refused() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let skillbase_store::Db::Postgres(pool) = &app.app().db else { unreachable!("postgres") };
    let mut conn = pool.acquire().await.expect("connection");
    skillbase_store::check_postgres(&mut conn).await.expect("the test server is safe");
    sqlx_raw(&mut conn, "SET synchronous_commit TO off").await;
    let refused = skillbase_store::check_postgres(&mut conn).await;
    assert!(matches!(refused, Err(skillbase_store::StoreError::UnsafeSetting(_))), "{refused:?}");
    sqlx_raw(&mut conn, "SET synchronous_commit TO on").await;
}

async fn sqlx_raw(conn: &mut sqlx::PgConnection, sql: &'static str) {
    use sqlx::Executor;
    conn.execute(sql).await.expect("executes");
}
