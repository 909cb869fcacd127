//! Retention (SEC-33, SEC-38): what is deleted when it is no longer needed. Never the audit
//! trail (append-only; kept for good, beyond the six months CSL 21 requires), the ledger, or
//! any business record.

use chrono::{DateTime, Utc};

use crate::{Result, Tx, millis};

/// How many rows each purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub idempotency_keys: u64,
    pub login_throttle: u64,
    pub invitations: u64,
}

/// Deletes sessions that ended before `sessions_before`, idempotency keys and failed-login
/// counters older than `others_before` (a counter still locking is kept), and invitations that
/// expired unused before `others_before`.
pub async fn purge(tx: &mut Tx, sessions_before: DateTime<Utc>, others_before: DateTime<Utc>) -> Result<Purged> {
    let (sessions_before, others_before) = (millis(sessions_before), millis(others_before));
    let sessions = on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(sessions_before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let idempotency_keys = on_tx!(tx, |c| sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(others_before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let login_throttle = on_tx!(tx, |c| sqlx::query(
        "DELETE FROM login_throttle WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)"
    )
    .bind(others_before)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let invitations =
        on_tx!(tx, |c| sqlx::query("DELETE FROM invitations WHERE accepted_at IS NULL AND expires_at < $1")
            .bind(others_before)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
    Ok(Purged { sessions, idempotency_keys, login_throttle, invitations })
}
