//! Disputes over who holds a 统一社会信用代码 (归属争议), and what a transfer changes of the
//! organisation: its profile, its accounts, its open invitations.

use chrono::{DateTime, Utc};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::dispute::DisputeStatus;
use skillbase_domain::ids::{DisputeId, OrganizationId, UserId};

use crate::page::{Page, PageRequest};
use crate::{Db, Result, Tx, from_millis, millis, parse_as, parse_id};

/// A dispute as stored (the claimant's password hash is never read back here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeRecord {
    pub id: DisputeId,
    pub organization_id: OrganizationId,
    pub uscc: String,
    pub status: DisputeStatus,
    pub claimant_name: String,
    pub claimant_kind: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
    pub username: String,
    pub licence_hash: String,
    pub licence_kind: String,
    pub licence_name: String,
    pub holder_name: String,
    pub holder_contact_name: String,
    pub holder_contact_phone: String,
    pub filed_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<UserId>,
    pub reason: Option<String>,
    pub claimant_user_id: Option<UserId>,
    pub version: i64,
}

/// A new dispute: the record (status filed, version 0) and the claimant's password hash.
#[derive(Debug, Clone)]
pub struct NewDispute<'a> {
    pub record: &'a DisputeRecord,
    pub password_hash: &'a str,
}

#[derive(sqlx::FromRow)]
struct DisputeRow {
    id: String,
    organization_id: String,
    uscc: String,
    status: String,
    claimant_name: String,
    claimant_kind: String,
    contact_name: String,
    contact_phone: String,
    contact_email: Option<String>,
    username: String,
    licence_hash: String,
    licence_kind: String,
    licence_name: String,
    holder_name: String,
    holder_contact_name: String,
    holder_contact_phone: String,
    filed_at: i64,
    resolved_at: Option<i64>,
    resolved_by: Option<String>,
    reason: Option<String>,
    claimant_user_id: Option<String>,
    version: i64,
}

impl TryFrom<DisputeRow> for DisputeRecord {
    type Error = crate::StoreError;

    fn try_from(r: DisputeRow) -> Result<Self> {
        Ok(DisputeRecord {
            id: parse_id(&r.id)?,
            organization_id: parse_id(&r.organization_id)?,
            uscc: r.uscc,
            status: parse_as(&r.status, DisputeStatus::parse)?,
            claimant_name: r.claimant_name,
            claimant_kind: r.claimant_kind,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            username: r.username,
            licence_hash: r.licence_hash,
            licence_kind: r.licence_kind,
            licence_name: r.licence_name,
            holder_name: r.holder_name,
            holder_contact_name: r.holder_contact_name,
            holder_contact_phone: r.holder_contact_phone,
            filed_at: from_millis(r.filed_at)?,
            resolved_at: r.resolved_at.map(from_millis).transpose()?,
            resolved_by: r.resolved_by.as_deref().map(parse_id).transpose()?,
            reason: r.reason,
            claimant_user_id: r.claimant_user_id.as_deref().map(parse_id).transpose()?,
            version: r.version,
        })
    }
}

macro_rules! dispute_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, organization_id, uscc, status, claimant_name, claimant_kind, contact_name, contact_phone,
                    contact_email, username, licence_hash, licence_kind, licence_name, holder_name,
                    holder_contact_name, holder_contact_phone, filed_at, resolved_at, resolved_by, reason,
                    claimant_user_id, version
             FROM organization_disputes ",
            $tail
        )
    };
}

pub async fn insert_dispute(tx: &mut Tx, new: &NewDispute<'_>) -> Result<()> {
    let d = new.record;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO organization_disputes (id, organization_id, uscc, status, claimant_name, claimant_kind,
                contact_name, contact_phone, contact_email, username, password_hash, licence_hash, licence_kind,
                licence_name, holder_name, holder_contact_name, holder_contact_phone, filed_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 0)"
    )
    .bind(d.id.to_string())
    .bind(d.organization_id.to_string())
    .bind(&d.uscc)
    .bind(d.status.code())
    .bind(&d.claimant_name)
    .bind(&d.claimant_kind)
    .bind(&d.contact_name)
    .bind(&d.contact_phone)
    .bind(&d.contact_email)
    .bind(&d.username)
    .bind(new.password_hash)
    .bind(&d.licence_hash)
    .bind(&d.licence_kind)
    .bind(&d.licence_name)
    .bind(&d.holder_name)
    .bind(&d.holder_contact_name)
    .bind(&d.holder_contact_phone)
    .bind(millis(d.filed_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Disputes, newest first; `status` narrows them to one state.
pub async fn disputes(db: &Db, status: Option<DisputeStatus>, page: &PageRequest) -> Result<Page<DisputeRecord>> {
    let status = status.map(Dictionary::code);
    let rows: Vec<DisputeRow> = on_pool!(db, |c| sqlx::query_as(dispute_select!(
        "WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    ))
    .bind(status)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM organization_disputes WHERE ($1 IS NULL OR status = $1)"
    )
    .bind(status)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(DisputeRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

pub async fn dispute(db: &Db, id: DisputeId) -> Result<Option<DisputeRecord>> {
    let row: Option<DisputeRow> = on_pool!(db, |c| sqlx::query_as(dispute_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(DisputeRecord::try_from).transpose()
}

/// The claimant's password hash of a dispute still filed, read in the resolving transaction.
pub async fn claimant_password_hash(tx: &mut Tx, id: DisputeId) -> Result<Option<String>> {
    let hash: Option<Option<String>> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT password_hash FROM organization_disputes WHERE id = $1 AND status = 'filed'"
    )
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    Ok(hash.flatten())
}

/// What a resolution writes.
#[derive(Debug, Clone)]
pub struct Resolution<'a> {
    pub to: DisputeStatus,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub reason: &'a str,
    pub claimant_user_id: Option<UserId>,
}

/// Resolves a dispute as a compare-and-set on (status, version); the password hash is dropped.
/// `false` when someone else changed it first.
pub async fn resolve_dispute(
    tx: &mut Tx,
    id: DisputeId,
    (from, version): (DisputeStatus, i64),
    r: &Resolution<'_>,
) -> Result<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE organization_disputes SET status = $1, resolved_by = $2, resolved_at = $3, reason = $4,
                claimant_user_id = $5, password_hash = NULL, version = version + 1
         WHERE id = $6 AND status = $7 AND version = $8"
    )
    .bind(r.to.code())
    .bind(r.by.to_string())
    .bind(millis(r.at))
    .bind(r.reason)
    .bind(r.claimant_user_id.map(|u| u.to_string()))
    .bind(id.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// An organisation's full profile (what a dispute compares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: OrganizationId,
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
}

type ProfileRow = (String, String, String, String, String, String, Option<String>);

fn profile(row: ProfileRow) -> Result<Profile> {
    let (id, uscc, name, kind, contact_name, contact_phone, contact_email) = row;
    Ok(Profile { id: parse_id(&id)?, uscc, name, kind, contact_name, contact_phone, contact_email })
}

/// The organisation registered under `uscc`.
pub async fn organization_by_uscc(db: &Db, uscc: &str) -> Result<Option<Profile>> {
    let row: Option<ProfileRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, uscc, name, kind, contact_name, contact_phone, contact_email FROM organizations WHERE uscc = $1"
    )
    .bind(uscc)
    .fetch_optional(c)
    .await)?;
    row.map(profile).transpose()
}

/// The organisation's profile, read (and its row locked on PostgreSQL) in a transaction.
pub async fn organization_profile_in(tx: &mut Tx, id: OrganizationId) -> Result<Option<Profile>> {
    let row: Option<ProfileRow> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, uscc, name, kind, contact_name, contact_phone, contact_email FROM organizations WHERE id = $1"
    )
    .bind(id.to_string())
    .fetch_optional(c)
    .await)?;
    row.map(profile).transpose()
}

/// The profile the claimant typed becomes the organisation's.
pub async fn replace_profile(tx: &mut Tx, p: &Profile) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE organizations SET name = $2, kind = $3, contact_name = $4, contact_phone = $5, contact_email = $6
         WHERE id = $1"
    )
    .bind(p.id.to_string())
    .bind(&p.name)
    .bind(&p.kind)
    .bind(&p.contact_name)
    .bind(&p.contact_phone)
    .bind(&p.contact_email)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The enabled accounts of an organisation: `(id, username)`.
pub async fn enabled_accounts_in(tx: &mut Tx, organization: OrganizationId) -> Result<Vec<(UserId, String)>> {
    let rows: Vec<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, username FROM users WHERE organization_id = $1 AND disabled = FALSE ORDER BY id"
    )
    .bind(organization.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(|(id, name)| Ok((parse_id(&id)?, name))).collect()
}

/// Invitations of the organisation not yet accepted end now; how many did.
pub async fn end_open_invitations(tx: &mut Tx, organization: OrganizationId, at: DateTime<Utc>) -> Result<u64> {
    Ok(on_tx!(tx, |c| sqlx::query(
        "UPDATE invitations SET expires_at = $2 WHERE organization_id = $1 AND accepted_at IS NULL AND expires_at > $2"
    )
    .bind(organization.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?)
}
