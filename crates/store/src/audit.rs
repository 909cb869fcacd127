//! The audit trail: one row per state change, written in the transaction of the change and
//! chained to the row before it (see `skillbase_domain::audit`).

use chrono::{DateTime, Utc};
use skillbase_domain::audit::{ALGORITHM, AuditKey, ChainedRecord, StoredRecord, chain_hash};
use skillbase_domain::ids::AuditId;

use crate::{Db, Page, PageRequest, Result, StoreError, Tx, millis};

/// What happened, as the caller knows it.
#[derive(Debug, Clone, Default)]
pub struct AuditRecord<'a> {
    pub at: DateTime<Utc>,
    /// The acting account's id, or `None` for the system itself (first start, jobs).
    pub actor: Option<&'a str>,
    pub actor_role: Option<&'a str>,
    /// The organisation the actor acted for (applicants).
    pub organization_id: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    /// JSON text: what changed, personal data masked. Never a secret or a full ID number.
    pub detail: &'a str,
}

/// Appends a record to the chain in the caller's transaction. If this fails, the caller's
/// transaction fails with it: nothing is changed without its record (SEC-37).
pub async fn append(tx: &mut Tx, key: &AuditKey, record: &AuditRecord<'_>) -> Result<AuditId> {
    // Taking the head row serialises appends (PostgreSQL row lock; SQLite's single writer).
    let (head_seq, head_hash): (i64, String) =
        on_tx!(tx, |c| sqlx::query_as("UPDATE audit_head SET appends = appends + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(c)
            .await)?;
    let id = AuditId::from_uuid(uuid::Uuid::now_v7());
    let chained = ChainedRecord {
        seq: head_seq + 1,
        at: millis(record.at),
        actor: record.actor.map(str::to_owned),
        actor_role: record.actor_role.map(str::to_owned),
        organization_id: record.organization_id.map(str::to_owned),
        client_ip: record.client_ip.map(str::to_owned),
        request_id: record.request_id.map(str::to_owned),
        action: record.action.to_owned(),
        object_type: record.object_type.to_owned(),
        object_id: record.object_id.map(str::to_owned),
        detail: record.detail.to_owned(),
    };
    let hash = chain_hash(key, &head_hash, &chained);
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO audit_log (id, seq, at, actor, actor_role, organization_id, client_ip, request_id,
             action, object_type, object_id, detail, alg, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(id.to_string())
        .bind(chained.seq)
        .bind(chained.at)
        .bind(&chained.actor)
        .bind(&chained.actor_role)
        .bind(&chained.organization_id)
        .bind(&chained.client_ip)
        .bind(&chained.request_id)
        .bind(&chained.action)
        .bind(&chained.object_type)
        .bind(&chained.object_id)
        .bind(&chained.detail)
        .bind(ALGORITHM)
        .bind(&head_hash)
        .bind(&hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    on_tx!(tx, |c| sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(chained.seq)
        .bind(&hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    seq: i64,
    at: i64,
    actor: Option<String>,
    actor_role: Option<String>,
    organization_id: Option<String>,
    client_ip: Option<String>,
    request_id: Option<String>,
    action: String,
    object_type: String,
    object_id: Option<String>,
    detail: String,
    alg: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for StoredRecord {
    fn from(row: Row) -> Self {
        StoredRecord {
            id: row.id,
            record: ChainedRecord {
                seq: row.seq,
                at: row.at,
                actor: row.actor,
                actor_role: row.actor_role,
                organization_id: row.organization_id,
                client_ip: row.client_ip,
                request_id: row.request_id,
                action: row.action,
                object_type: row.object_type,
                object_id: row.object_id,
                detail: row.detail,
            },
            alg: row.alg,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

/// Records with `seq` in `[from, from + limit)`, in chain order (for verification in pages).
pub async fn chain_page(db: &Db, from: i64, limit: i64) -> Result<Vec<StoredRecord>> {
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, seq, at, actor, actor_role, organization_id, client_ip, request_id, action,
                object_type, object_id, detail, alg, prev_hash, hash
         FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
    )
    .bind(from)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(StoredRecord::from).collect())
}

/// Filters of the audit log search; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub from_seq: i64,
    pub action: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub object_type: Option<&'a str>,
    pub object_id: Option<&'a str>,
    pub limit: i64,
}

/// Records matching the filter, from `from_seq` on, in chain order.
pub async fn search(db: &Db, filter: &AuditFilter<'_>) -> Result<Vec<StoredRecord>> {
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, seq, at, actor, actor_role, organization_id, client_ip, request_id, action,
                object_type, object_id, detail, alg, prev_hash, hash
         FROM audit_log
         WHERE seq >= $1
           AND ($2 IS NULL OR action = $2)
           AND ($3 IS NULL OR actor = $3)
           AND ($4 IS NULL OR object_type = $4)
           AND ($5 IS NULL OR object_id = $5)
         ORDER BY seq LIMIT $6"
    )
    .bind(filter.from_seq)
    .bind(filter.action)
    .bind(filter.actor)
    .bind(filter.object_type)
    .bind(filter.object_id)
    .bind(filter.limit)
    .fetch_all(c)
    .await)?;
    Ok(rows.into_iter().map(StoredRecord::from).collect())
}

/// A page of the records matching the filter, from `from_seq` on, in chain order: at most
/// `limit` (1–500), `total` how many match over the whole trail, `next` the `from_seq` of the
/// following page (as text), `None` on the last one.
pub async fn search_page(db: &Db, filter: &AuditFilter<'_>) -> Result<Page<StoredRecord>> {
    let limit = filter.limit.clamp(1, i64::from(PageRequest::MAX_LIMIT));
    let mut items = search(db, &AuditFilter { limit: limit + 1, ..filter.clone() }).await?;
    let more = items.len() > usize::try_from(limit).unwrap_or(usize::MAX);
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more { items.last().map(|r| (r.record.seq + 1).to_string()) } else { None };
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log
         WHERE ($1 IS NULL OR action = $1)
           AND ($2 IS NULL OR actor = $2)
           AND ($3 IS NULL OR object_type = $3)
           AND ($4 IS NULL OR object_id = $4)"
    )
    .bind(filter.action)
    .bind(filter.actor)
    .bind(filter.object_type)
    .bind(filter.object_id)
    .fetch_one(c)
    .await)?;
    Ok(Page { items, total, next })
}

/// The recorded head of the chain: `(seq, hash)`.
pub async fn head(db: &Db) -> Result<(i64, String)> {
    let head: Option<(i64, String)> =
        on_pool!(db, |c| sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_optional(c).await)?;
    head.ok_or_else(|| StoreError::Corrupt("audit_head row is missing".into()))
}

/// The actions recorded for one object, oldest first.
pub async fn actions_for(db: &Db, object_type: &str, object_id: &str) -> Result<Vec<String>> {
    Ok(on_pool!(db, |c| sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = $1 AND object_id = $2 ORDER BY seq"
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(c)
    .await)?)
}
