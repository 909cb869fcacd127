//! Policy versions, calls for applications (批次), applications with their revisions, timeline,
//! attachments and eligibility items, notifications, and idempotency keys.
//!
//! Status changes are compare-and-set (`WHERE status = $from AND version = $version`): a write
//! based on a stale read changes nothing and the caller answers 409, so two staff members acting
//! on one application at once cannot both succeed.

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::application::{ApplicationForm, Status};
use skillbase_domain::batch::{BatchStatus, Window};
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId, NotificationId, OrganizationId, UserId};

use crate::{Db, Page, PageRequest, Result, StoreError, Tx, day, from_millis, millis, parse_as, parse_day, parse_id};

// ---------------------------------------------------------------- policy versions

#[derive(Debug, Clone)]
pub struct StoredPolicy {
    pub id: String,
    pub code: String,
    pub version: i64,
    pub effective_from: String,
    pub fingerprint: String,
    pub source: String,
    pub loaded_by: Option<String>,
    pub loaded_at: DateTime<Utc>,
}

/// Stores a version; `false` when (code, version) is already stored.
pub async fn insert_policy(tx: &mut Tx, p: &StoredPolicy) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO policy_versions (id, code, version, effective_from, fingerprint, source, loaded_by, loaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code, version) DO NOTHING"
    )
    .bind(&p.id)
    .bind(&p.code)
    .bind(p.version)
    .bind(&p.effective_from)
    .bind(&p.fingerprint)
    .bind(&p.source)
    .bind(&p.loaded_by)
    .bind(millis(p.loaded_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

type PolicyRow = (String, String, i64, String, String, String, Option<String>, i64);

fn policy_from(row: PolicyRow) -> Result<StoredPolicy> {
    let (id, code, version, effective_from, fingerprint, source, loaded_by, at) = row;
    Ok(StoredPolicy { id, code, version, effective_from, fingerprint, source, loaded_by, loaded_at: from_millis(at)? })
}

/// One stored version.
pub async fn policy(db: &Db, id: &str) -> Result<Option<StoredPolicy>> {
    let row: Option<PolicyRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, code, version, effective_from, fingerprint, source, loaded_by, loaded_at
         FROM policy_versions WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    row.map(policy_from).transpose()
}

/// Every stored version, oldest effective date first.
pub async fn policies(db: &Db) -> Result<Vec<StoredPolicy>> {
    let rows: Vec<PolicyRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, code, version, effective_from, fingerprint, source, loaded_by, loaded_at
         FROM policy_versions ORDER BY effective_from, code, version"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(policy_from).collect()
}

// ---------------------------------------------------------------- batches

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub id: BatchId,
    pub year: i64,
    pub title: String,
    /// From its first day to its closing day.
    pub window: Window,
    pub quota: i64,
    pub policy_id: String,
    pub status: BatchStatus,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_batch(tx: &mut Tx, b: &Batch) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO batches (id, year, title, opens_on, closes_on, quota, policy_id, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(b.id.to_string())
    .bind(b.year)
    .bind(&b.title)
    .bind(day(b.window.opens_on()))
    .bind(day(b.window.closes_on()))
    .bind(b.quota)
    .bind(&b.policy_id)
    .bind(b.status.as_str())
    .bind(b.created_by.to_string())
    .bind(millis(b.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type BatchRow = (String, i64, String, String, String, i64, String, String, String, i64);

macro_rules! batch_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, year, title, opens_on, closes_on, quota, policy_id, status, created_by, created_at FROM batches ",
            $tail
        )
    };
}

fn batch_from(row: BatchRow) -> Result<Batch> {
    let (id, year, title, opens_on, closes_on, quota, policy_id, status, created_by, at) = row;
    Ok(Batch {
        id: parse_id(&id)?,
        year,
        title,
        window: Window::new(parse_day(&opens_on)?, parse_day(&closes_on)?)
            .map_err(|_| StoreError::Corrupt(format!("window {opens_on} to {closes_on}")))?,
        quota,
        policy_id,
        status: parse_as(&status, BatchStatus::parse)?,
        created_by: parse_id(&created_by)?,
        created_at: from_millis(at)?,
    })
}

pub async fn batch(db: &Db, id: BatchId) -> Result<Option<Batch>> {
    let row: Option<BatchRow> =
        on_pool!(db, |c| sqlx::query_as(batch_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(batch_from).transpose()
}

/// Every call, the newest first.
pub async fn batches(db: &Db) -> Result<Vec<Batch>> {
    let rows: Vec<BatchRow> =
        on_pool!(db, |c| sqlx::query_as(batch_select!("ORDER BY opens_on DESC, created_at DESC")).fetch_all(c).await)?;
    rows.into_iter().map(batch_from).collect()
}

/// Compare-and-set of a batch's status.
pub async fn set_batch_status(tx: &mut Tx, id: BatchId, from: &str, to: &str) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query("UPDATE batches SET status = $3 WHERE id = $1 AND status = $2")
        .bind(id.to_string())
        .bind(from)
        .bind(to)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- applications

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: ApplicationId,
    pub organization_id: OrganizationId,
    pub organization_name: String,
    pub organization_uscc: String,
    pub organization_kind: String,
    pub batch_id: BatchId,
    pub batch_title: String,
    pub status: Status,
    pub form: ApplicationForm,
    pub policy_id: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub revisions: i64,
    pub supplement_due_on: Option<NaiveDate>,
    pub supplement_due_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: String,
    organization_id: String,
    organization_name: String,
    organization_uscc: String,
    organization_kind: String,
    batch_id: String,
    batch_title: String,
    status: String,
    form: String,
    policy_id: Option<String>,
    submitted_at: Option<i64>,
    revisions: i64,
    supplement_due_on: Option<String>,
    supplement_due_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;
    fn try_from(r: ApplicationRow) -> Result<Self> {
        Ok(Application {
            id: parse_id(&r.id)?,
            organization_id: parse_id(&r.organization_id)?,
            organization_name: r.organization_name,
            organization_uscc: r.organization_uscc,
            organization_kind: r.organization_kind,
            batch_id: parse_id(&r.batch_id)?,
            batch_title: r.batch_title,
            status: parse_as(&r.status, Status::parse)?,
            form: serde_json::from_str(&r.form).map_err(|e| StoreError::Corrupt(format!("form: {e}")))?,
            policy_id: r.policy_id,
            submitted_at: r.submitted_at.map(from_millis).transpose()?,
            revisions: r.revisions,
            supplement_due_on: r.supplement_due_on.as_deref().map(parse_day).transpose()?,
            supplement_due_at: r.supplement_due_at.map(from_millis).transpose()?,
            version: r.version,
            created_at: from_millis(r.created_at)?,
            updated_at: from_millis(r.updated_at)?,
        })
    }
}

macro_rules! application_select {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.organization_id, o.name AS organization_name, o.uscc AS organization_uscc,
                    o.kind AS organization_kind, a.batch_id, b.title AS batch_title, a.status, a.form, a.policy_id,
                    a.submitted_at, a.revisions, a.supplement_due_on, a.supplement_due_at, a.version,
                    a.created_at, a.updated_at
             FROM applications a
             JOIN organizations o ON o.id = a.organization_id
             JOIN batches b ON b.id = a.batch_id ",
            $tail
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewApplication<'a> {
    pub id: ApplicationId,
    pub organization_id: OrganizationId,
    pub batch_id: BatchId,
    pub form: &'a str,
    pub created_by: UserId,
    pub at: DateTime<Utc>,
}

/// A new draft. A second live application of one organisation in one call is refused by the
/// partial unique index (`Conflict { constraint: "applications_live_key" }`).
pub async fn insert_application(tx: &mut Tx, a: &NewApplication<'_>) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO applications (id, organization_id, batch_id, status, form, revisions, version, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'draft', $4, 0, 1, $5, $6, $6)"
    )
    .bind(a.id.to_string())
    .bind(a.organization_id.to_string())
    .bind(a.batch_id.to_string())
    .bind(a.form)
    .bind(a.created_by.to_string())
    .bind(millis(a.at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn application(db: &Db, id: ApplicationId) -> Result<Option<Application>> {
    let row: Option<ApplicationRow> = on_pool!(db, |c| sqlx::query_as(application_select!("WHERE a.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Application::try_from).transpose()
}

/// The same read inside a transaction (what a transition decides on).
pub async fn application_in(tx: &mut Tx, id: ApplicationId) -> Result<Option<Application>> {
    let row: Option<ApplicationRow> = on_tx!(tx, |c| sqlx::query_as(application_select!("WHERE a.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Application::try_from).transpose()
}

/// Whose applications a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationScope {
    /// One organisation's, drafts too.
    Organization(OrganizationId),
    /// Every submitted one (the bureau does not see drafts).
    Submitted,
}

/// Which applications to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub scope: ApplicationScope,
    pub batch_id: Option<BatchId>,
    pub status: Option<Status>,
}

impl ApplicationFilter {
    pub fn of(scope: ApplicationScope) -> Self {
        ApplicationFilter { scope, batch_id: None, status: None }
    }
}

/// An application as a list shows it: what its own row and its organisation's and call's
/// names say, never the form (reading and parsing every form to show a table is what a list
/// must not do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationSummary {
    pub id: ApplicationId,
    pub organization_id: OrganizationId,
    pub organization_name: String,
    pub organization_uscc: String,
    pub batch_id: BatchId,
    pub batch_title: String,
    pub status: Status,
    pub submitted_at: Option<DateTime<Utc>>,
    pub revisions: i64,
    pub supplement_due_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    organization_id: String,
    organization_name: String,
    organization_uscc: String,
    batch_id: String,
    batch_title: String,
    status: String,
    submitted_at: Option<i64>,
    revisions: i64,
    supplement_due_on: Option<String>,
    updated_at: i64,
}

impl TryFrom<SummaryRow> for ApplicationSummary {
    type Error = StoreError;
    fn try_from(r: SummaryRow) -> Result<Self> {
        Ok(ApplicationSummary {
            id: parse_id(&r.id)?,
            organization_id: parse_id(&r.organization_id)?,
            organization_name: r.organization_name,
            organization_uscc: r.organization_uscc,
            batch_id: parse_id(&r.batch_id)?,
            batch_title: r.batch_title,
            status: parse_as(&r.status, Status::parse)?,
            submitted_at: r.submitted_at.map(from_millis).transpose()?,
            revisions: r.revisions,
            supplement_due_on: r.supplement_due_on.as_deref().map(parse_day).transpose()?,
            updated_at: from_millis(r.updated_at)?,
        })
    }
}

macro_rules! summary_select {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.organization_id, o.name AS organization_name, o.uscc AS organization_uscc, a.batch_id,
                    b.title AS batch_title, a.status, a.submitted_at, a.revisions, a.supplement_due_on, a.updated_at
             FROM applications a
             JOIN organizations o ON o.id = a.organization_id
             JOIN batches b ON b.id = a.batch_id ",
            $tail
        )
    };
}

/// A cursor before every id: the first page reads `id < FIRST`, so every page is one range of
/// the index. UUIDv7 ids carry a 7 where this has an f, so all of them sort below it.
const FIRST: &str = "ffffffff-ffff-ffff-ffff-ffffffffffff";

/// The statements of one list, chosen by the filter's shape: one statement per shape, each on
/// its own index (`20261203000021_list_indexes.sql`), rather than optional conditions a planner
/// that prepares without the values cannot use an index for. Gives the page's statement (the
/// filter's values, then the cursor and the row count), the count's (the values alone) and the
/// values.
macro_rules! application_statements {
    ($select:ident, $f:expr) => {{
        let batch = $f.batch_id.map(|b| b.to_string());
        let status = $f.status.map(|s| s.as_str().to_owned());
        let (rows, count, values): (&'static str, &'static str, Vec<Option<String>>) = match ($f.scope, batch, status) {
            (ApplicationScope::Organization(o), batch, status) => (
                $select!(
                    "WHERE a.organization_id = $1 AND ($2 IS NULL OR a.batch_id = $2) AND ($3 IS NULL OR a.status = $3)
                       AND a.id < $4 ORDER BY a.id DESC LIMIT $5"
                ),
                "SELECT COUNT(*) FROM applications a
                 WHERE a.organization_id = $1 AND ($2 IS NULL OR a.batch_id = $2) AND ($3 IS NULL OR a.status = $3)",
                vec![Some(o.to_string()), batch, status],
            ),
            (ApplicationScope::Submitted, None, None) => (
                $select!("WHERE a.submitted_at IS NOT NULL AND a.id < $1 ORDER BY a.id DESC LIMIT $2"),
                "SELECT COUNT(*) FROM applications a WHERE a.submitted_at IS NOT NULL",
                vec![],
            ),
            (ApplicationScope::Submitted, Some(batch), None) => (
                $select!(
                    "WHERE a.submitted_at IS NOT NULL AND a.batch_id = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3"
                ),
                "SELECT COUNT(*) FROM applications a WHERE a.submitted_at IS NOT NULL AND a.batch_id = $1",
                vec![Some(batch)],
            ),
            (ApplicationScope::Submitted, None, Some(status)) => (
                $select!(
                    "WHERE a.submitted_at IS NOT NULL AND a.status = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3"
                ),
                "SELECT COUNT(*) FROM applications a WHERE a.submitted_at IS NOT NULL AND a.status = $1",
                vec![Some(status)],
            ),
            (ApplicationScope::Submitted, Some(batch), Some(status)) => (
                $select!(
                    "WHERE a.submitted_at IS NOT NULL AND a.batch_id = $1 AND a.status = $2 AND a.id < $3
                     ORDER BY a.id DESC LIMIT $4"
                ),
                "SELECT COUNT(*) FROM applications a
                 WHERE a.submitted_at IS NOT NULL AND a.batch_id = $1 AND a.status = $2",
                vec![Some(batch), Some(status)],
            ),
        };
        (rows, count, values)
    }};
}

/// Reads one page of `rows` (its values, then the cursor and the row count) and the count.
macro_rules! read_page {
    ($db:expr, $row:ty, $statements:expr, $page:expr) => {{
        let (rows_sql, count_sql, values) = $statements;
        let after = $page.after.clone().unwrap_or_else(|| FIRST.to_owned());
        let rows: Vec<$row> = on_pool!($db, |c| {
            let mut query = sqlx::query_as(rows_sql);
            for value in &values {
                query = query.bind(value);
            }
            query.bind(&after).bind($page.fetch()).fetch_all(c).await
        })?;
        let total: i64 = on_pool!($db, |c| {
            let mut query = sqlx::query_scalar(count_sql);
            for value in &values {
                query = query.bind(value);
            }
            query.fetch_one(c).await
        })?;
        (rows, total)
    }};
}

/// One page of the list, newest first, as a list shows it (no form read).
pub async fn application_list(db: &Db, f: &ApplicationFilter, page: &PageRequest) -> Result<Page<ApplicationSummary>> {
    let (rows, total) = read_page!(db, SummaryRow, application_statements!(summary_select, f), page);
    let rows = rows.into_iter().map(ApplicationSummary::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |a| a.id.to_string()))
}

/// One page of the list, newest first, each application whole (with its form).
pub async fn applications(db: &Db, f: &ApplicationFilter, page: &PageRequest) -> Result<Page<Application>> {
    let (rows, total) = read_page!(db, ApplicationRow, application_statements!(application_select, f), page);
    let rows = rows.into_iter().map(Application::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |a| a.id.to_string()))
}

/// How many submitted applications each call has in each status (the calls' overview).
pub async fn status_counts(db: &Db) -> Result<Vec<(BatchId, Status, i64)>> {
    let rows: Vec<(String, String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT batch_id, status, COUNT(*) FROM applications WHERE submitted_at IS NOT NULL
         GROUP BY batch_id, status"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(|(b, s, n)| Ok((parse_id(&b)?, parse_as(&s, Status::parse)?, n))).collect()
}

/// Saves the form if nobody changed the application since `version` was read and it is still
/// in `status`; returns the new version, or `None` on a stale write.
pub async fn save_form(
    tx: &mut Tx,
    id: ApplicationId,
    status: &str,
    version: i64,
    form: &str,
    at: DateTime<Utc>,
) -> Result<Option<i64>> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE applications SET form = $4, version = version + 1, updated_at = $5
         WHERE id = $1 AND status = $2 AND version = $3"
    )
    .bind(id.to_string())
    .bind(status)
    .bind(version)
    .bind(form)
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok((n == 1).then_some(version + 1))
}

/// A status change with what comes with it.
#[derive(Debug, Clone)]
pub struct StatusChange<'a> {
    pub id: ApplicationId,
    pub from: &'a str,
    pub to: &'a str,
    pub version: i64,
    pub at: DateTime<Utc>,
    /// On a submission: the policy version it is judged under and the new revision count.
    pub submission: Option<(&'a str, i64)>,
    /// The supplement deadline (set on return, cleared otherwise).
    pub supplement_due: Option<(&'a str, DateTime<Utc>)>,
}

/// Compare-and-set of the status; `false` when the application moved meanwhile.
pub async fn change_status(tx: &mut Tx, s: &StatusChange<'_>) -> Result<bool> {
    let (policy_id, revisions) = s.submission.unzip();
    let (due_on, due_at) = s.supplement_due.unzip();
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE applications
         SET status = $3, version = version + 1, updated_at = $5,
             policy_id = COALESCE(policy_id, $6),
             submitted_at = CASE WHEN $6 IS NULL THEN submitted_at ELSE $5 END,
             revisions = COALESCE($7, revisions),
             supplement_due_on = $8, supplement_due_at = $9
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(s.id.to_string())
    .bind(s.from)
    .bind(s.to)
    .bind(s.version)
    .bind(millis(s.at))
    .bind(policy_id)
    .bind(revisions)
    .bind(due_on)
    .bind(due_at.map(millis))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- revisions and timeline

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub number: i64,
    pub form: String,
    pub submitted_by: UserId,
    pub submitted_at: DateTime<Utc>,
}

pub async fn insert_revision(tx: &mut Tx, application: ApplicationId, r: &Revision) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO application_revisions (application_id, number, form, submitted_by, submitted_at)
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(application.to_string())
    .bind(r.number)
    .bind(&r.form)
    .bind(r.submitted_by.to_string())
    .bind(millis(r.submitted_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn revisions(db: &Db, application: ApplicationId) -> Result<Vec<Revision>> {
    let rows: Vec<(i64, String, String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT number, form, submitted_by, submitted_at FROM application_revisions
         WHERE application_id = $1 ORDER BY number"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(number, form, by, at)| {
            Ok(Revision { number, form, submitted_by: parse_id(&by)?, submitted_at: from_millis(at)? })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub note: String,
    pub detail: String,
}

pub async fn insert_event(tx: &mut Tx, application: ApplicationId, e: &Event) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO application_events (id, application_id, at, actor_id, action, from_status, to_status, note, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(application.to_string())
    .bind(millis(e.at))
    .bind(e.actor_id.map(|u| u.to_string()))
    .bind(&e.action)
    .bind(&e.from_status)
    .bind(&e.to_status)
    .bind(&e.note)
    .bind(&e.detail)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

type EventRow = (i64, Option<String>, Option<String>, String, String, String, String, String);

/// The timeline, oldest first.
pub async fn events(db: &Db, application: ApplicationId) -> Result<Vec<Event>> {
    let rows: Vec<EventRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT e.at, e.actor_id, u.display_name, e.action, e.from_status, e.to_status, e.note, e.detail
         FROM application_events e LEFT JOIN users u ON u.id = e.actor_id
         WHERE e.application_id = $1 ORDER BY e.at, e.id"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(at, actor, name, action, from_status, to_status, note, detail)| {
            Ok(Event {
                at: from_millis(at)?,
                actor_id: actor.as_deref().map(parse_id).transpose()?,
                actor_name: name,
                action,
                from_status,
                to_status,
                note,
                detail,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- attachments

/// A file of an application. A removed one stays (a submitted revision may name it), marked
/// with when it was removed and, if it was replaced, by which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub application_id: ApplicationId,
    pub organization_id: OrganizationId,
    pub content_hash: String,
    pub kind: String,
    pub size: i64,
    pub display_name: String,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub replaced_by: Option<AttachmentId>,
}

pub async fn insert_attachment(tx: &mut Tx, a: &Attachment) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO attachments (id, application_id, organization_id, content_hash, kind, size, display_name, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(a.id.to_string())
    .bind(a.application_id.to_string())
    .bind(a.organization_id.to_string())
    .bind(&a.content_hash)
    .bind(&a.kind)
    .bind(a.size)
    .bind(&a.display_name)
    .bind(a.uploaded_by.to_string())
    .bind(millis(a.uploaded_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: String,
    application_id: String,
    organization_id: String,
    content_hash: String,
    kind: String,
    size: i64,
    display_name: String,
    uploaded_by: String,
    uploaded_at: i64,
    removed_at: Option<i64>,
    replaced_by: Option<String>,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = StoreError;
    fn try_from(r: AttachmentRow) -> Result<Self> {
        Ok(Attachment {
            id: parse_id(&r.id)?,
            application_id: parse_id(&r.application_id)?,
            organization_id: parse_id(&r.organization_id)?,
            content_hash: r.content_hash,
            kind: r.kind,
            size: r.size,
            display_name: r.display_name,
            uploaded_by: parse_id(&r.uploaded_by)?,
            uploaded_at: from_millis(r.uploaded_at)?,
            removed_at: r.removed_at.map(from_millis).transpose()?,
            replaced_by: r.replaced_by.as_deref().map(parse_id).transpose()?,
        })
    }
}

macro_rules! attachment_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, application_id, organization_id, content_hash, kind, size, display_name, uploaded_by,
                    uploaded_at, removed_at, replaced_by
             FROM attachments ",
            $tail
        )
    };
}

/// One file, removed or not (a revision may name a removed one).
pub async fn attachment(db: &Db, id: AttachmentId) -> Result<Option<Attachment>> {
    let row: Option<AttachmentRow> = on_pool!(db, |c| {
        sqlx::query_as(attachment_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await
    })?;
    row.map(Attachment::try_from).transpose()
}

/// The application's files as they are now: none removed.
pub async fn attachments(db: &Db, application: ApplicationId) -> Result<Vec<Attachment>> {
    let rows: Vec<AttachmentRow> = on_pool!(db, |c| {
        sqlx::query_as(attachment_select!("WHERE application_id = $1 AND removed_at IS NULL ORDER BY uploaded_at, id"))
            .bind(application.to_string())
            .fetch_all(c)
            .await
    })?;
    rows.into_iter().map(Attachment::try_from).collect()
}

/// Every file the application ever had, the removed ones too: what its revisions name.
pub async fn attachments_ever(db: &Db, application: ApplicationId) -> Result<Vec<Attachment>> {
    let rows: Vec<AttachmentRow> = on_pool!(db, |c| {
        sqlx::query_as(attachment_select!("WHERE application_id = $1 ORDER BY uploaded_at, id"))
            .bind(application.to_string())
            .fetch_all(c)
            .await
    })?;
    rows.into_iter().map(Attachment::try_from).collect()
}

/// Marks a file removed (by `by`, at `at`), replaced by `replacement` if one is given. False if
/// it was removed already (someone else was first).
pub async fn remove_attachment(
    tx: &mut Tx,
    id: AttachmentId,
    (by, at): (UserId, DateTime<Utc>),
    replacement: Option<AttachmentId>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE attachments SET removed_at = $2, removed_by = $3, replaced_by = $4
         WHERE id = $1 AND removed_at IS NULL"
    )
    .bind(id.to_string())
    .bind(millis(at))
    .bind(by.to_string())
    .bind(replacement.map(|r| r.to_string()))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- eligibility

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityItem {
    pub clause: String,
    pub policy_id: String,
    pub computed: String,
    pub trace: String,
    pub computed_at: DateTime<Utc>,
    pub decided: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Replaces the computed items of an application (a recomputation forgets earlier decisions:
/// they were about other evidence).
pub async fn replace_eligibility(tx: &mut Tx, application: ApplicationId, items: &[EligibilityItem]) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM eligibility_items WHERE application_id = $1")
        .bind(application.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    for item in items {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO eligibility_items (application_id, clause, policy_id, computed, trace, computed_at)
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(application.to_string())
        .bind(&item.clause)
        .bind(&item.policy_id)
        .bind(&item.computed)
        .bind(&item.trace)
        .bind(millis(item.computed_at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

type EligibilityRow =
    (String, String, String, String, i64, Option<String>, Option<String>, Option<String>, Option<i64>);

pub async fn eligibility(db: &Db, application: ApplicationId) -> Result<Vec<EligibilityItem>> {
    let rows: Vec<EligibilityRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT clause, policy_id, computed, trace, computed_at, decided, reason, decided_by, decided_at
         FROM eligibility_items WHERE application_id = $1 ORDER BY clause"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(clause, policy_id, computed, trace, at, decided, reason, by, decided_at)| {
            Ok(EligibilityItem {
                clause,
                policy_id,
                computed,
                trace,
                computed_at: from_millis(at)?,
                decided,
                reason,
                decided_by: by.as_deref().map(parse_id).transpose()?,
                decided_at: decided_at.map(from_millis).transpose()?,
            })
        })
        .collect()
}

/// Staff's decision on one clause; `false` when the application has no such item.
pub async fn decide_eligibility(
    tx: &mut Tx,
    application: ApplicationId,
    clause: &str,
    decided: &str,
    reason: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE eligibility_items SET decided = $3, reason = $4, decided_by = $5, decided_at = $6
         WHERE application_id = $1 AND clause = $2"
    )
    .bind(application.to_string())
    .bind(clause)
    .bind(decided)
    .bind(reason)
    .bind(by.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- notifications

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub organization_id: OrganizationId,
    pub application_id: Option<ApplicationId>,
    pub at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn insert_notification(tx: &mut Tx, n: &Notification) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO notifications (id, organization_id, application_id, at, title, body, read_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)"
    )
    .bind(n.id.to_string())
    .bind(n.organization_id.to_string())
    .bind(n.application_id.map(|a| a.to_string()))
    .bind(millis(n.at))
    .bind(&n.title)
    .bind(&n.body)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type NotificationRow = (String, String, Option<String>, i64, String, String, Option<i64>);

/// A page of an organisation's notifications, newest first (by id: each is made at the
/// instant it is sent), with how many it has in all.
pub async fn notifications(db: &Db, organization: OrganizationId, page: &PageRequest) -> Result<Page<Notification>> {
    let rows: Vec<NotificationRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, organization_id, application_id, at, title, body, read_at FROM notifications
         WHERE organization_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    )
    .bind(organization.to_string())
    .bind(page.after.as_deref().unwrap_or(FIRST))
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 =
        on_pool!(db, |c| sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE organization_id = $1")
            .bind(organization.to_string())
            .fetch_one(c)
            .await)?;
    let items = rows
        .into_iter()
        .map(|(id, org, application, at, title, body, read_at)| {
            Ok(Notification {
                id: parse_id(&id)?,
                organization_id: parse_id(&org)?,
                application_id: application.as_deref().map(parse_id).transpose()?,
                at: from_millis(at)?,
                title,
                body,
                read_at: read_at.map(from_millis).transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(page.page(items, total, |n| n.id.to_string()))
}

pub async fn unread_notifications(db: &Db, organization: OrganizationId) -> Result<i64> {
    let (n,): (i64,) = on_pool!(db, |c| sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE organization_id = $1 AND read_at IS NULL"
    )
    .bind(organization.to_string())
    .fetch_one(c)
    .await)?;
    Ok(n)
}

/// Marks all of an organisation's notifications read.
pub async fn mark_notifications_read(tx: &mut Tx, organization: OrganizationId, at: DateTime<Utc>) -> Result<u64> {
    on_tx!(tx, |c| sqlx::query("UPDATE notifications SET read_at = $2 WHERE organization_id = $1 AND read_at IS NULL")
        .bind(organization.to_string())
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(Into::into)
}

// ---------------------------------------------------------------- idempotency keys

/// A stored first answer: (request hash, HTTP status, body).
pub async fn idempotent_answer(db: &Db, user: UserId, key: &str) -> Result<Option<(String, i64, String)>> {
    let row = on_pool!(db, |c| sqlx::query_as(
        "SELECT request_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2"
    )
    .bind(user.to_string())
    .bind(key)
    .fetch_optional(c)
    .await)?;
    Ok(row)
}

/// Keeps the first answer, in the transaction of the effect it answers for; `false` when the key
/// was taken meanwhile (the caller rolls back and replays the stored answer).
pub async fn remember_answer(
    tx: &mut Tx,
    user: UserId,
    key: &str,
    request_hash: &str,
    status: i64,
    body: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, key) DO NOTHING"
    )
    .bind(user.to_string())
    .bind(key)
    .bind(request_hash)
    .bind(status)
    .bind(body)
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
