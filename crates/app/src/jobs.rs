//! The job runner: claims due jobs from the queue and runs their handlers.
//!
//! A handler receives the job and an open transaction and returns the transaction after doing
//! its effect in it; the runner then marks the job done in that same transaction, on condition
//! that it still holds the lease. If the lease was lost (the runner stalled past it and another
//! runner took the job) the transaction is rolled back, so the effect is never committed twice.
//! Handlers must still be idempotent with respect to anything outside the database (e-mail).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use skillbase_domain::ids::JobId;
use skillbase_store::Tx;
use skillbase_store::jobs::{self, ClaimedJob, NewJob};
use tokio::sync::watch;

use crate::{App, Result};

pub type HandlerFuture = Pin<Box<dyn Future<Output = std::result::Result<Tx, String>> + Send>>;

/// A job handler: does the job's effect inside `tx` and gives `tx` back, or fails with a reason.
pub type Handler = Arc<dyn Fn(App, ClaimedJob, Tx) -> HandlerFuture + Send + Sync>;

/// How the runner behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// How long a claim is valid; a runner that dies loses its jobs after this.
    pub lease: TimeDelta,
    /// How long to sleep when no job is due.
    pub poll_interval: Duration,
    /// The first retry waits this long; each further retry twice as long, up to `max_backoff`.
    pub base_backoff: TimeDelta,
    pub max_backoff: TimeDelta,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            lease: TimeDelta::seconds(60),
            poll_interval: Duration::from_secs(1),
            base_backoff: TimeDelta::seconds(10),
            max_backoff: TimeDelta::hours(1),
        }
    }
}

/// What one turn of the runner did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Turn {
    Idle,
    Done(JobId),
    /// Failed and will be retried (or, with `retry: false`, failed for good).
    Failed {
        id: JobId,
        retry: bool,
    },
    /// The lease expired under us; the effect was rolled back.
    LeaseLost(JobId),
}

#[derive(Clone)]
pub struct Runner {
    app: App,
    owner: String,
    config: RunnerConfig,
    handlers: HashMap<String, Handler>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("owner", &self.owner)
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Runner {
    pub fn new(app: App, config: RunnerConfig) -> Self {
        Runner { owner: format!("runner-{}", app.new_id::<JobId>()), app, config, handlers: HashMap::new() }
    }

    /// A runner with every job of the programme registered.
    pub fn business(app: App, config: RunnerConfig) -> Self {
        Runner::new(app, config)
            .handle(crate::applications::LAPSE_JOB, crate::applications::lapse_handler())
            .handle(crate::anchors::ANCHOR_JOB, crate::anchors::anchor_handler())
            .handle(crate::review::REMIND_JOB, crate::review::remind_handler())
            .handle(crate::notices::CLOSE_JOB, crate::notices::close_handler())
            .handle(crate::training::IMPORT_JOB, crate::training::import_handler())
            .handle(crate::annual_review::REMIND_JOB, crate::annual_review::handler())
            .handle(crate::annual_review::OVERDUE_JOB, crate::annual_review::handler())
            .handle(crate::annual_review::RECTIFICATION_JOB, crate::annual_review::handler())
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Registers the handler of one job kind.
    pub fn handle(mut self, kind: &str, handler: Handler) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    fn backoff(&self, attempts: i64) -> TimeDelta {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
        let factor = 2i32.saturating_pow(exponent);
        (self.config.base_backoff * factor).min(self.config.max_backoff)
    }

    /// Claims and runs at most one due job.
    pub async fn run_once(&self) -> Result<Turn> {
        let now = self.app.now();
        let Some(job) = jobs::claim(&self.app.db, &self.owner, now, self.config.lease).await? else {
            return Ok(Turn::Idle);
        };
        let id = job.id;
        let span = tracing::info_span!("job", id = %id, kind = %job.kind, attempt = job.attempts);
        let _enter = span.enter();
        if job.attempts > job.max_attempts {
            // Its runners kept dying: stop trying.
            let reason = "attempts exhausted (runner lost its lease each time)";
            jobs::fail(&self.app.db, id, &self.owner, self.app.now(), reason, None).await?;
            tracing::error!(reason, "job failed for good");
            return Ok(Turn::Failed { id, retry: false });
        }
        let Some(handler) = self.handlers.get(&job.kind).cloned() else {
            let reason = format!("no handler for job kind {}", job.kind);
            jobs::fail(&self.app.db, id, &self.owner, self.app.now(), &reason, None).await?;
            tracing::error!(reason, "job failed for good");
            return Ok(Turn::Failed { id, retry: false });
        };
        let tx = self.app.db.begin().await?;
        let attempts = job.attempts;
        let max_attempts = job.max_attempts;
        match handler(self.app.clone(), job, tx).await {
            Ok(mut tx) => {
                if jobs::complete(&mut tx, id, &self.owner, self.app.now()).await? {
                    tx.commit().await?;
                    tracing::info!("job done");
                    Ok(Turn::Done(id))
                } else {
                    tx.rollback().await?;
                    tracing::warn!("lease lost before completion; effect rolled back");
                    Ok(Turn::LeaseLost(id))
                }
            }
            Err(reason) => {
                let now = self.app.now();
                let retry_at = (attempts < max_attempts).then(|| now + self.backoff(attempts));
                let held = jobs::fail(&self.app.db, id, &self.owner, now, &reason, retry_at).await?;
                tracing::warn!(reason, retry_at = ?retry_at, "job attempt failed");
                if held { Ok(Turn::Failed { id, retry: retry_at.is_some() }) } else { Ok(Turn::LeaseLost(id)) }
            }
        }
    }

    /// Runs jobs until `shutdown` turns true; the job in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(owner = %self.owner, "job runner started");
        while !*shutdown.borrow() {
            match self.run_once().await {
                Ok(Turn::Idle) => {}
                Ok(_) => continue,
                Err(error) => tracing::error!(%error, "job runner turn failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!(owner = %self.owner, "job runner stopped");
    }
}

impl App {
    /// Schedules a job in the caller's transaction (the transaction of its cause).
    pub async fn enqueue(&self, tx: &mut Tx, job: &NewJob<'_>) -> Result<Option<JobId>> {
        Ok(jobs::enqueue(tx, job, self.now()).await?)
    }
}
