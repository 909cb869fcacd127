//! Organisations, sessions and the login throttle.

use chrono::{DateTime, Utc};
use skillbase_domain::ids::{OrganizationId, UserId};

use crate::{Db, Result, Tx, from_millis, millis, parse_id};

#[derive(Debug, Clone)]
pub struct NewOrganization<'a> {
    pub id: OrganizationId,
    pub uscc: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub contact_email: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn insert_organization(tx: &mut Tx, org: &NewOrganization<'_>) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO organizations (id, uscc, name, kind, contact_name, contact_phone, contact_email, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.id.to_string())
        .bind(org.uscc)
        .bind(org.name)
        .bind(org.kind)
        .bind(org.contact_name)
        .bind(org.contact_phone)
        .bind(org.contact_email)
        .bind(millis(org.at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub uscc: String,
    pub name: String,
    pub kind: String,
}

/// Every organisation with its number of accounts, by name.
pub async fn organizations(db: &Db) -> Result<Vec<(Organization, i64)>> {
    let rows: Vec<(String, String, String, String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT o.id, o.uscc, o.name, o.kind, COUNT(u.id)
         FROM organizations o LEFT JOIN users u ON u.organization_id = o.id
         GROUP BY o.id, o.uscc, o.name, o.kind
         ORDER BY o.name"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id, uscc, name, kind, accounts)| {
            let id = parse_id(&id)?;
            Ok((Organization { id, uscc, name, kind }, accounts))
        })
        .collect()
}

pub async fn organization(db: &Db, id: OrganizationId) -> Result<Option<Organization>> {
    let row: Option<(String, String, String, String)> =
        on_pool!(db, |c| sqlx::query_as("SELECT id, uscc, name, kind FROM organizations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(c)
            .await)?;
    row.map(|(id, uscc, name, kind)| Ok(Organization { id: parse_id(&id)?, uscc, name, kind })).transpose()
}

/// A stored session, found by the hash of its cookie value.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    /// Opened by the password; waiting for the TOTP code.
    pub pending_second_factor: bool,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When the owner last typed their password again in this session.
    pub reauthenticated_at: Option<DateTime<Utc>>,
}

impl Session {
    /// When the owner last proved who they are: the sign-in (the session is renewed then) or a
    /// later re-authentication.
    pub fn authenticated_at(&self) -> DateTime<Utc> {
        self.reauthenticated_at.map_or(self.created_at, |at| at.max(self.created_at))
    }
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub pending_second_factor: bool,
    pub user_id: UserId,
    pub csrf_token: &'a str,
    pub at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub client_ip: Option<&'a str>,
}

pub async fn insert_session(tx: &mut Tx, session: &NewSession<'_>) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, client_ip,
             pending_second_factor)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(session.id_hash)
        .bind(session.user_id.to_string())
        .bind(session.csrf_token)
        .bind(millis(session.at))
        .bind(millis(session.expires_at))
        .bind(session.client_ip)
        .bind(session.pending_second_factor)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn session(db: &Db, id_hash: &str) -> Result<Option<Session>> {
    let row: Option<SessionRow> = on_pool!(db, |c| {
        sqlx::query_as(
            "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at, pending_second_factor,
                    reauthenticated_at
             FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(c)
        .await
    })?;
    row.map(|(user_id, csrf_token, created, seen, expires, pending_second_factor, reauthenticated)| {
        Ok(Session {
            user_id: parse_id(&user_id)?,
            pending_second_factor,
            csrf_token,
            created_at: from_millis(created)?,
            last_seen_at: from_millis(seen)?,
            expires_at: from_millis(expires)?,
            reauthenticated_at: reauthenticated.map(from_millis).transpose()?,
        })
    })
    .transpose()
}

type SessionRow = (String, String, i64, i64, i64, bool, Option<i64>);

/// Records that the session's owner typed their password again.
pub async fn set_reauthenticated(tx: &mut Tx, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE sessions SET reauthenticated_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn touch_session(db: &Db, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
    on_pool!(db, |c| sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends one session; `false` if there was none.
pub async fn delete_session(tx: &mut Tx, id_hash: &str) -> Result<bool> {
    let deleted = on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(deleted == 1)
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn delete_user_sessions(tx: &mut Tx, user_id: UserId, keep: Option<&str>) -> Result<u64> {
    Ok(on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> COALESCE($2, '')")
        .bind(user_id.to_string())
        .bind(keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?)
}

/// The throttle of one username: `(failures, locked_until)`.
pub async fn throttle(db: &Db, username: &str) -> Result<(i64, Option<DateTime<Utc>>)> {
    let row: Option<(i64, Option<i64>)> =
        on_pool!(db, |c| sqlx::query_as("SELECT failures, locked_until FROM login_throttle WHERE username = $1")
            .bind(username)
            .fetch_optional(c)
            .await)?;
    match row {
        None => Ok((0, None)),
        Some((failures, locked)) => Ok((failures, locked.map(from_millis).transpose()?)),
    }
}

/// Counts a failure; returns the new number of consecutive failures.
pub async fn record_failure(tx: &mut Tx, username: &str, at: DateTime<Utc>) -> Result<i64> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_scalar(
            "INSERT INTO login_throttle (username, failures, locked_until, updated_at) VALUES ($1, 1, NULL, $2)
         ON CONFLICT (username) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = excluded.updated_at
         RETURNING failures",
        )
        .bind(username)
        .bind(millis(at))
        .fetch_one(c)
        .await
    })?)
}

pub async fn lock(tx: &mut Tx, username: &str, until: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE login_throttle SET locked_until = $2 WHERE username = $1")
        .bind(username)
        .bind(millis(until))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Forgets the failures of a username (a successful login, an unlock, an expired lock).
pub async fn clear_throttle(tx: &mut Tx, username: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM login_throttle WHERE username = $1")
        .bind(username)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// An invitation waiting to be accepted: `(id, organization_id, expires_at)`.
pub async fn open_invitation(db: &Db, code_hash: &str) -> Result<Option<(String, OrganizationId, DateTime<Utc>)>> {
    let row: Option<(String, String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, organization_id, expires_at FROM invitations WHERE code_hash = $1 AND accepted_at IS NULL"
    )
    .bind(code_hash)
    .fetch_optional(c)
    .await)?;
    row.map(|(id, org, expires)| Ok((id, parse_id(&org)?, from_millis(expires)?))).transpose()
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_invitation(
    tx: &mut Tx,
    id: &str,
    organization_id: OrganizationId,
    note: &str,
    code_hash: &str,
    created_by: UserId,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO invitations (id, organization_id, note, code_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(organization_id.to_string())
    .bind(note)
    .bind(code_hash)
    .bind(created_by.to_string())
    .bind(millis(at))
    .bind(millis(expires_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Marks the invitation used; `false` if it was used meanwhile (two people, one code).
pub async fn accept_invitation(tx: &mut Tx, id: &str, user_id: UserId, at: DateTime<Utc>) -> Result<bool> {
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE invitations SET accepted_at = $3, accepted_user_id = $2 WHERE id = $1 AND accepted_at IS NULL"
    )
    .bind(id)
    .bind(user_id.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// The stored security settings (JSON), if any.
pub async fn security_settings(db: &Db) -> Result<Option<String>> {
    Ok(on_pool!(db, |c| sqlx::query_scalar("SELECT data FROM security_settings WHERE id = 1").fetch_optional(c).await)?)
}

pub async fn put_security_settings(tx: &mut Tx, data: &str, at: DateTime<Utc>, by: &str) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO security_settings (id, data, updated_at, updated_by) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by"
    )
    .bind(data)
    .bind(millis(at))
    .bind(by)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
