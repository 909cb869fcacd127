//! Accounts.

use chrono::{DateTime, Utc};
use skillbase_domain::ids::{OrganizationId, UserId};
use skillbase_domain::roles::Role;

use crate::{Db, Result, StoreError, Tx, from_millis, millis, parse_id};

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub organization_id: Option<OrganizationId>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub organization_id: Option<OrganizationId>,
    pub password_changed_at: DateTime<Utc>,
    /// Sealed (SM4-GCM) Base32 secret; `None` until enrolment starts.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    must_change_password: bool,
    disabled: bool,
    organization_id: Option<String>,
    password_changed_at: Option<i64>,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<User> {
        Ok(User {
            id: parse_id(&row.id)?,
            username: row.username,
            display_name: row.display_name,
            role: row.role.parse().map_err(|_| StoreError::Corrupt(format!("role {:?}", row.role)))?,
            password_hash: row.password_hash,
            must_change_password: row.must_change_password,
            disabled: row.disabled,
            organization_id: row.organization_id.as_deref().map(parse_id).transpose()?,
            password_changed_at: from_millis(row.password_changed_at.unwrap_or(row.created_at))?,
            totp_secret: row.totp_secret,
            totp_enabled: row.totp_enabled,
            totp_last_step: row.totp_last_step,
            created_at: from_millis(row.created_at)?,
        })
    }
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(on_pool!(db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?)
}

pub async fn insert(tx: &mut Tx, user: &NewUser<'_>) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled,
             organization_id, password_changed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, $8, $8)",
        )
        .bind(user.id.to_string())
        .bind(user.username)
        .bind(user.display_name)
        .bind(user.role)
        .bind(user.password_hash)
        .bind(user.must_change_password)
        .bind(user.organization_id.map(|id| id.to_string()))
        .bind(millis(user.at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// The columns of [`UserRow`], spliced into queries at compile time (`concat!`).
macro_rules! user_columns {
    () => {
        "id, username, display_name, role, password_hash, must_change_password, disabled, \
         organization_id, password_changed_at, totp_secret, totp_enabled, totp_last_step, created_at"
    };
}

pub async fn find_by_username(db: &Db, username: &str) -> Result<Option<User>> {
    let row: Option<UserRow> =
        on_pool!(db, |c| sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(c)
            .await)?;
    row.map(User::try_from).transpose()
}

pub async fn find_by_id(db: &Db, id: UserId) -> Result<Option<User>> {
    let row: Option<UserRow> =
        on_pool!(db, |c| sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(c)
            .await)?;
    row.map(User::try_from).transpose()
}

/// A user read inside a transaction (e.g. just created in it).
pub async fn find_by_id_in(tx: &mut Tx, id: UserId) -> Result<User> {
    let row: UserRow =
        on_tx!(tx, |c| sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_one(c)
            .await)?;
    User::try_from(row)
}

/// Sets a new password hash.
pub async fn set_password(
    tx: &mut Tx,
    id: UserId,
    password_hash: &str,
    must_change_password: bool,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4, updated_at = $4
         WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(password_hash)
        .bind(must_change_password)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Every account, by username.
pub async fn list(db: &Db) -> Result<Vec<User>> {
    let rows: Vec<UserRow> =
        on_pool!(db, |c| sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users ORDER BY username"))
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(User::try_from).collect()
}

pub async fn set_disabled(tx: &mut Tx, id: UserId, disabled: bool, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(disabled)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_role(tx: &mut Tx, id: UserId, role: &str, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE users SET role = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_string())
        .bind(role)
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Starts (or restarts) enrolment: a new sealed secret, not yet enabled.
pub async fn set_totp_secret(tx: &mut Tx, id: UserId, sealed: Option<&str>, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_enabled = FALSE, totp_last_step = NULL, updated_at = $3 WHERE id = $1"
    )
    .bind(id.to_string())
    .bind(sealed)
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records a used step (and, on confirmation, enables the second factor). Only a later step
/// than the one stored is written, so two concurrent uses of one code cannot both succeed.
pub async fn use_totp_step(tx: &mut Tx, id: UserId, step: i64, enable: bool, at: DateTime<Utc>) -> Result<bool> {
    let updated = on_tx!(tx, |c| sqlx::query(
        "UPDATE users SET totp_last_step = $2, totp_enabled = (totp_enabled OR $3), updated_at = $4
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)"
    )
    .bind(id.to_string())
    .bind(step)
    .bind(enable)
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}
