//! SEC-38 / SEC-33: the daily retention purge removes ended sessions and other temporary rows,
//! and never the audit trail — a 181-day-old audit record survives it, and the chain still
//! verifies — on both engines.

use chrono::TimeDelta;
use skillbase_app::jobs::{Runner, RunnerConfig, Turn};
use skillbase_domain::roles::Role;
use skillbase_store::audit::AuditFilter;

use crate::helpers::TestApp;
use crate::on_both_engines;
use crate::samples::USCC;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    match &app.app().db {
        skillbase_store::Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("count"),
        skillbase_store::Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.expect("count"),
    }
}

async fn the_purge_keeps_the_audit_trail(app: TestApp) {
    app.sign_in_as(Role::Staff).await;
    app.register_applicant(USCC, "qingpu-hr").await;
    let first = skillbase_store::audit::search(
        &app.app().db,
        &AuditFilter { from_seq: 1, limit: 100_000, ..AuditFilter::default() },
    )
    .await
    .expect("trail");
    assert!(count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions").await >= 2);

    // 181 days on, the day's maintenance runs.
    app.clock.advance(TimeDelta::days(181));
    app.app().ensure_anchor_scheduled().await.expect("scheduled");
    let runner = Runner::business(app.app().clone(), RunnerConfig::default());
    while runner.run_once().await.expect("turn") != Turn::Idle {}

    assert_eq!(count(&app, "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions").await, 0, "ended sessions are gone");
    let after = skillbase_store::audit::search(
        &app.app().db,
        &AuditFilter { from_seq: 1, limit: 100_000, ..AuditFilter::default() },
    )
    .await
    .expect("trail");
    assert!(after.len() > first.len());
    for (old, kept) in first.iter().zip(&after) {
        assert_eq!(
            (old.id.as_str(), old.hash.as_str()),
            (kept.id.as_str(), kept.hash.as_str()),
            "a 181-day-old record survives"
        );
    }
    let purge = after.iter().find(|r| r.record.action == "retention.purge").expect("the purge is audited");
    assert!(
        purge.record.detail.contains("\"sessions\":2") || purge.record.detail.contains("\"sessions\":3"),
        "{}",
        purge.record.detail
    );
    assert!(app.app().verify_audit().await.expect("verifies").intact);
}

on_both_engines!(the_purge_keeps_the_audit_trail);
