//! The job queue: every later effect is a row, claimed by a runner with a lease.
//!
//! *Claim* sets a lease (`lease_owner`, `lease_until`) in one UPDATE whose WHERE clause is
//! re-checked on the row it locks, so two runners can never both win a job: on PostgreSQL the
//! loser's UPDATE re-evaluates the condition after the winner commits and matches nothing; on
//! SQLite writers are serialised. A runner that dies leaves its lease to expire, after which the
//! job is claimable again. *Finishing* a job is conditional on still holding the lease, and is
//! done in the transaction of the job's own effect, so the effect happens exactly once.
//!
//! The claim is plain SQL on both engines. On PostgreSQL, `FOR UPDATE SKIP LOCKED` in the
//! sub-select would let concurrent runners take different jobs instead of one of them coming back
//! empty-handed; that is an optimisation for many runners, not needed for correctness.

use chrono::{DateTime, TimeDelta, Utc};
use skillbase_domain::ids::JobId;

use crate::{Db, Result, Tx, from_millis, millis, parse_id};

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// JSON text.
    pub payload: &'a str,
    /// Enqueueing the same effect again leaves one row (e.g. `notice-close:<id>`).
    pub dedupe_key: Option<&'a str>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
}

/// A job this runner holds the lease on.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    /// How many times it has been claimed, this claim included.
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: String,
    pub attempts: i64,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Adds a job; `None` when a job with the same dedupe key already exists.
pub async fn enqueue(tx: &mut Tx, job: &NewJob<'_>, now: DateTime<Utc>) -> Result<Option<JobId>> {
    let id = JobId::from_uuid(uuid::Uuid::now_v7());
    let inserted = on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO jobs (id, kind, payload, dedupe_key, status, run_at, attempts, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, $7)
         ON CONFLICT (dedupe_key) DO NOTHING"
    )
    .bind(id.to_string())
    .bind(job.kind)
    .bind(job.payload)
    .bind(job.dedupe_key)
    .bind(millis(job.run_at))
    .bind(i64::from(job.max_attempts))
    .bind(millis(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok((inserted == 1).then_some(id))
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: String,
    kind: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
    lease_until: i64,
}

/// Takes the lease on the next due job, if any.
pub async fn claim(db: &Db, owner: &str, now: DateTime<Utc>, lease: TimeDelta) -> Result<Option<ClaimedJob>> {
    let row: Option<ClaimRow> = on_pool!(db, |c| sqlx::query_as(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2,
             attempts = attempts + 1, updated_at = $3
         WHERE id = (
             SELECT id FROM jobs
             WHERE (status = 'queued' AND run_at <= $3) OR (status = 'running' AND lease_until < $3)
             ORDER BY run_at, id
             LIMIT 1
         )
         AND ((status = 'queued' AND run_at <= $3) OR (status = 'running' AND lease_until < $3))
         RETURNING id, kind, payload, attempts, max_attempts, lease_until"
    )
    .bind(owner)
    .bind(millis(now + lease))
    .bind(millis(now))
    .fetch_optional(c)
    .await)?;
    row.map(|row| {
        Ok(ClaimedJob {
            id: parse_id(&row.id)?,
            kind: row.kind,
            payload: row.payload,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            lease_until: from_millis(row.lease_until)?,
        })
    })
    .transpose()
}

/// Marks the job done, in the transaction of its effect. `false` when the lease was lost (it
/// expired and another runner took the job): the caller must roll back.
pub async fn complete(tx: &mut Tx, id: JobId, owner: &str, now: DateTime<Utc>) -> Result<bool> {
    let updated = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE jobs SET status = 'done', lease_owner = NULL, lease_until = NULL, last_error = NULL, updated_at = $3
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'"
    )
    .bind(id.to_string())
    .bind(owner)
    .bind(millis(now))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(updated == 1)
}

/// Records a failed attempt: back in the queue at `retry_at`, or failed for good when `None`.
/// `false` when the lease was lost.
pub async fn fail(
    db: &Db,
    id: JobId,
    owner: &str,
    now: DateTime<Utc>,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    let (status, run_at) = match retry_at {
        Some(at) => ("queued", Some(millis(at))),
        None => ("failed", None),
    };
    let updated = on_pool!(db, |c| sqlx::query(
        "UPDATE jobs SET status = $4, run_at = COALESCE($5, run_at), last_error = $6,
             lease_owner = NULL, lease_until = NULL, updated_at = $3
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'"
    )
    .bind(id.to_string())
    .bind(owner)
    .bind(millis(now))
    .bind(status)
    .bind(run_at)
    .bind(error)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

#[derive(sqlx::FromRow)]
struct StateRow {
    status: String,
    attempts: i64,
    run_at: i64,
    last_error: Option<String>,
}

pub async fn state(db: &Db, id: JobId) -> Result<Option<JobState>> {
    let row: Option<StateRow> =
        on_pool!(db, |c| sqlx::query_as("SELECT status, attempts, run_at, last_error FROM jobs WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(c)
            .await)?;
    row.map(|r| {
        Ok(JobState {
            status: r.status,
            attempts: r.attempts,
            run_at: from_millis(r.run_at)?,
            last_error: r.last_error,
        })
    })
    .transpose()
}

/// How many jobs are in each status (for `/metrics` and tests).
pub async fn counts(db: &Db) -> Result<Vec<(String, i64)>> {
    Ok(on_pool!(db, |c| sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")
        .fetch_all(c)
        .await)?)
}
