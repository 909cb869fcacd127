//! Personal API tokens (hashes only).

use chrono::{DateTime, Utc};
use skillbase_domain::ids::UserId;

use crate::{Db, Result, Tx, from_millis, millis, parse_id};

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: String,
    pub user_id: UserId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

type Row = (String, String, String, i64, i64, Option<i64>, Option<i64>);

fn from_row((id, user_id, name, created, expires, revoked, used): Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id,
        user_id: parse_id(&user_id)?,
        name,
        created_at: from_millis(created)?,
        expires_at: from_millis(expires)?,
        revoked_at: revoked.map(from_millis).transpose()?,
        last_used_at: used.map(from_millis).transpose()?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    user_id: UserId,
    name: &str,
    token_hash: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(user_id.to_string())
    .bind(name)
    .bind(token_hash)
    .bind(millis(at))
    .bind(millis(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn by_hash(db: &Db, token_hash: &str) -> Result<Option<ApiToken>> {
    let row: Option<Row> = on_pool!(db, |c| {
        sqlx::query_as(
        "SELECT id, user_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1"
    )
    .bind(token_hash)
    .fetch_optional(c)
    .await
    })?;
    row.map(from_row).transpose()
}

pub async fn of_user(db: &Db, user_id: UserId) -> Result<Vec<ApiToken>> {
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, user_id, name, created_at, expires_at, revoked_at, last_used_at FROM api_tokens
         WHERE user_id = $1 ORDER BY created_at"
    )
    .bind(user_id.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(from_row).collect()
}

/// Revokes a token of this user; `false` if the user has no such live token.
pub async fn revoke(tx: &mut Tx, id: &str, user_id: UserId, at: DateTime<Utc>) -> Result<bool> {
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"
    )
    .bind(id)
    .bind(user_id.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

pub async fn touch(db: &Db, id: &str, at: DateTime<Utc>) -> Result<()> {
    on_pool!(db, |c| sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
