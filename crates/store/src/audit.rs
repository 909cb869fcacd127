//! The audit trail: one row per state change, written in the transaction of the change.

use chrono::{DateTime, Utc};
use skillbase_domain::ids::AuditId;

use crate::{Db, Result, Tx, millis};

#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    pub at: DateTime<Utc>,
    /// The acting account's id, or `None` for the system itself (first start, jobs).
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    /// JSON text: what changed. Never a secret or a full ID number.
    pub detail: &'a str,
    pub request_id: Option<&'a str>,
}

pub async fn append(tx: &mut Tx, record: &AuditRecord<'_>) -> Result<AuditId> {
    let id = AuditId::new();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, detail, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(id.to_string())
    .bind(millis(record.at))
    .bind(record.actor)
    .bind(record.action)
    .bind(record.object_type)
    .bind(record.object_id)
    .bind(record.detail)
    .bind(record.request_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// The actions recorded for one object, oldest first.
pub async fn actions_for(db: &Db, object_type: &str, object_id: &str) -> Result<Vec<String>> {
    Ok(on_pool!(db, |c| sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY at, id"
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(c)
    .await)?)
}
