//! The job queue: leases, retries with backoff, dedupe, and two runners on one database never
//! running one job twice — on both engines.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::TimeDelta;
use skillbase_app::App;
use skillbase_app::jobs::{Handler, Runner, RunnerConfig, Turn};
use skillbase_domain::ids::JobId;
use skillbase_store::jobs::{self, NewJob};
use skillbase_store::{Db, audit};

use crate::helpers::TestApp;
use crate::on_both_engines;

type Runs = Arc<Mutex<HashMap<String, u32>>>;

/// A handler whose effect is an audit row naming the job (so the database shows how often the
/// effect was committed) and which counts how often it was called.
fn recording(runs: Runs) -> Handler {
    Arc::new(move |app: App, job, mut tx| {
        let runs = runs.clone();
        Box::pin(async move {
            *runs.lock().expect("lock").entry(job.id.to_string()).or_default() += 1;
            let id = job.id.to_string();
            audit::append(
                &mut tx,
                &app.audit_key,
                &audit::AuditRecord {
                    at: app.now(),
                    action: "test.effect",
                    object_type: "job",
                    object_id: Some(&id),
                    detail: &job.payload,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}

fn failing() -> Handler {
    Arc::new(|_, _, _tx| Box::pin(async { Err("the remote service said no".to_owned()) }))
}

async fn enqueue(app: &App, kind: &str, dedupe: Option<&str>, delay: TimeDelta) -> Option<JobId> {
    let mut tx = app.db.begin().await.expect("begin");
    let id = app
        .enqueue(
            &mut tx,
            &NewJob { kind, payload: "{}", dedupe_key: dedupe, run_at: app.now() + delay, max_attempts: 3 },
        )
        .await
        .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

async fn effects(db: &Db, id: JobId) -> usize {
    audit::actions_for(db, "job", &id.to_string()).await.expect("audit").len()
}

on_both_engines!(
    due_jobs_run_once_and_duplicates_are_dropped,
    failures_retry_with_backoff_then_give_up,
    a_dead_runners_job_is_picked_up_after_its_lease,
    two_runners_never_run_the_same_job_twice,
);

async fn due_jobs_run_once_and_duplicates_are_dropped(test: TestApp) {
    let app = test.app().clone();
    let runs = Runs::default();
    let runner = Runner::new(app.clone(), RunnerConfig::default()).handle("test", recording(runs.clone()));

    let first = enqueue(&app, "test", Some("notice-close:1"), TimeDelta::zero()).await.expect("enqueued");
    assert_eq!(enqueue(&app, "test", Some("notice-close:1"), TimeDelta::zero()).await, None, "deduplicated");
    let later = enqueue(&app, "test", None, TimeDelta::hours(1)).await.expect("enqueued");

    assert_eq!(runner.run_once().await.expect("turn"), Turn::Done(first));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Idle, "the other job is not due yet");
    test.clock.advance(TimeDelta::hours(1));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Done(later));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Idle);

    assert_eq!(effects(&app.db, first).await, 1);
    assert_eq!(effects(&app.db, later).await, 1);
    assert_eq!(jobs::state(&app.db, first).await.expect("state").expect("row").status, "done");

    // A job of a kind nobody handles fails for good, with the reason recorded.
    let orphan = enqueue(&app, "nobody-handles-this", None, TimeDelta::zero()).await.expect("enqueued");
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Failed { id: orphan, retry: false });
    let state = jobs::state(&app.db, orphan).await.expect("state").expect("row");
    assert_eq!(state.status, "failed");
    assert!(state.last_error.expect("reason").contains("no handler"));
}

async fn failures_retry_with_backoff_then_give_up(test: TestApp) {
    let app = test.app().clone();
    let runner = Runner::new(app.clone(), RunnerConfig::default()).handle("flaky", failing());
    let id = enqueue(&app, "flaky", None, TimeDelta::zero()).await.expect("enqueued");

    assert_eq!(runner.run_once().await.expect("turn"), Turn::Failed { id, retry: true });
    let state = jobs::state(&app.db, id).await.expect("state").expect("row");
    assert_eq!((state.status.as_str(), state.attempts), ("queued", 1));
    assert_eq!(state.run_at, app.now() + TimeDelta::seconds(10), "first backoff: 10 s");
    assert_eq!(state.last_error.as_deref(), Some("the remote service said no"));

    assert_eq!(runner.run_once().await.expect("turn"), Turn::Idle, "not before the backoff");
    test.clock.advance(TimeDelta::seconds(10));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Failed { id, retry: true });
    let state = jobs::state(&app.db, id).await.expect("state").expect("row");
    assert_eq!(state.run_at, app.now() + TimeDelta::seconds(20), "second backoff doubles");

    test.clock.advance(TimeDelta::seconds(20));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Failed { id, retry: false }, "max_attempts = 3");
    let state = jobs::state(&app.db, id).await.expect("state").expect("row");
    assert_eq!((state.status.as_str(), state.attempts), ("failed", 3));
    test.clock.advance(TimeDelta::days(1));
    assert_eq!(runner.run_once().await.expect("turn"), Turn::Idle, "a failed job stays failed");
}

async fn a_dead_runners_job_is_picked_up_after_its_lease(test: TestApp) {
    let app = test.app().clone();
    let runs = Runs::default();
    let id = enqueue(&app, "test", None, TimeDelta::zero()).await.expect("enqueued");

    // A runner claims the job and dies before finishing it.
    let lease = TimeDelta::seconds(60);
    let claimed = jobs::claim(&app.db, "runner-that-dies", app.now(), lease).await.expect("claim").expect("a job");
    assert_eq!(claimed.id, id);

    let survivor = Runner::new(app.clone(), RunnerConfig { lease, ..RunnerConfig::default() })
        .handle("test", recording(runs.clone()));
    assert_eq!(survivor.run_once().await.expect("turn"), Turn::Idle, "the lease still holds");
    test.clock.advance(TimeDelta::seconds(59));
    assert_eq!(survivor.run_once().await.expect("turn"), Turn::Idle, "the lease still holds");
    test.clock.advance(TimeDelta::seconds(2));
    assert_eq!(survivor.run_once().await.expect("turn"), Turn::Done(id), "picked up after the lease expired");
    assert_eq!(effects(&app.db, id).await, 1);

    // The dead runner comes back to life: it can no longer finish the job.
    let mut tx = app.db.begin().await.expect("begin");
    assert!(!jobs::complete(&mut tx, id, "runner-that-dies", app.now()).await.expect("complete"));
    tx.rollback().await.expect("rollback");
    let state = jobs::state(&app.db, id).await.expect("state").expect("row");
    assert_eq!((state.status.as_str(), state.attempts), ("done", 2));
}

async fn two_runners_never_run_the_same_job_twice(test: TestApp) {
    let app = test.app().clone();
    const JOBS: usize = 60;
    let mut ids = Vec::new();
    for _ in 0..JOBS {
        ids.push(enqueue(&app, "test", None, TimeDelta::zero()).await.expect("enqueued"));
    }
    // A second instance: its own connection pool on the same database.
    let other_db = Db::connect(&test.storage.settings().db_options().expect("options"), 5).await.expect("connect");
    let other_app = App { db: other_db, ..app.clone() };

    let runs = Runs::default();
    let mut tasks = Vec::new();
    for instance in [app.clone(), other_app.clone()] {
        for _ in 0..2 {
            let runner = Runner::new(instance.clone(), RunnerConfig::default()).handle("test", recording(runs.clone()));
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                let mut idle_turns = 0;
                while idle_turns < 5 {
                    match runner.run_once().await {
                        Ok(Turn::Done(_)) => {
                            done += 1;
                            idle_turns = 0;
                        }
                        Ok(Turn::Idle) => {
                            idle_turns += 1;
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                        Ok(other) => panic!("unexpected {other:?}"),
                        // SQLite BUSY under contention: the runner just tries again.
                        Err(skillbase_app::AppError::Busy) => {}
                        Err(error) => panic!("{error}"),
                    }
                }
                done
            }));
        }
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("runner task");
    }
    assert_eq!(total, JOBS, "every job done exactly once across runners");
    let runs = runs.lock().expect("lock").clone();
    assert_eq!(runs.len(), JOBS);
    assert!(runs.values().all(|&n| n == 1), "a handler ran twice: {runs:?}");
    for id in ids {
        assert_eq!(effects(&app.db, id).await, 1, "job {id}");
    }
    other_app.db.close().await;
}
