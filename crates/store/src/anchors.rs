//! The bureau's signing keys and the signed daily heads of the audit chain.

use chrono::{DateTime, Utc};

use crate::{Db, Result, Tx, from_millis, millis};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub id: String,
    pub purpose: String,
    pub public_key: String,
    pub sealed_secret: String,
    pub created_at: DateTime<Utc>,
}

/// Stores a key unless one exists for its purpose; `false` when another was there first.
pub async fn insert_key(tx: &mut Tx, key: &StoredKey) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO signing_keys (id, purpose, public_key, sealed_secret, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (purpose) DO NOTHING"
    )
    .bind(&key.id)
    .bind(&key.purpose)
    .bind(&key.public_key)
    .bind(&key.sealed_secret)
    .bind(millis(key.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn key(db: &Db, purpose: &str) -> Result<Option<StoredKey>> {
    let row: Option<(String, String, String, String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, purpose, public_key, sealed_secret, created_at FROM signing_keys WHERE purpose = $1"
    )
    .bind(purpose)
    .fetch_optional(c)
    .await)?;
    row.map(|(id, purpose, public_key, sealed_secret, at)| {
        Ok(StoredKey { id, purpose, public_key, sealed_secret, created_at: from_millis(at)? })
    })
    .transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub day: String,
    pub seq: i64,
    pub hash: String,
    pub key_id: String,
    pub signature: String,
    pub created_at: DateTime<Utc>,
}

/// Records a day's anchor once; `false` when the day is already anchored.
pub async fn insert_anchor(tx: &mut Tx, a: &Anchor) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_anchors (day, seq, hash, key_id, signature, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (day) DO NOTHING"
    )
    .bind(&a.day)
    .bind(a.seq)
    .bind(&a.hash)
    .bind(&a.key_id)
    .bind(&a.signature)
    .bind(millis(a.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Every anchor with the public key that signed it, oldest first.
pub async fn anchors(db: &Db) -> Result<Vec<(Anchor, String)>> {
    let rows: Vec<(String, i64, String, String, String, i64, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT a.day, a.seq, a.hash, a.key_id, a.signature, a.created_at, k.public_key
         FROM audit_anchors a JOIN signing_keys k ON k.id = a.key_id ORDER BY a.day"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(day, seq, hash, key_id, signature, at, public_key)| {
            Ok((Anchor { day, seq, hash, key_id, signature, created_at: from_millis(at)? }, public_key))
        })
        .collect()
}

/// The hash recorded for chain position `seq`, if there is such a record.
pub async fn chain_hash_at(db: &Db, seq: i64) -> Result<Option<String>> {
    let row: Option<(String,)> = on_pool!(db, |c| sqlx::query_as("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(c)
        .await)?;
    Ok(row.map(|(h,)| h))
}
