//! What the workbenches count and list: one function per to-do, each a `COUNT` on an index of
//! `20261204000024_workbench.sql` (or of the table's own) and the first few lines of the same
//! rows, never the whole list. Each takes the scope its list has: the bureau all rows, an
//! organisation its own, an expert their own assignments, an account its own messages.
//!
//! The shortfalls of expert draws live here too (their rows, and the one change they know:
//! filled by a later draw).

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::ids::{ApplicationId, DrawId, OrganizationId, ShortfallId, UserId};
use skillbase_domain::review::ShortfallStatus;

use crate::{Db, Result, Tx, from_millis, millis, parse_as, parse_day, parse_id};

/// How many lines a workbench shows of each to-do (the count says how many there are).
pub const LINES: i64 = 5;

/// One line of a to-do: the id its link needs, what it is about, a second line, the day it is
/// due (if it has one) and a number (an amount in fen, how many experts are missing…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoLine {
    pub id: String,
    pub title: String,
    pub note: String,
    pub due_on: Option<NaiveDate>,
    pub number: Option<i64>,
}

/// A to-do: how many rows it has in all, and the first [`LINES`] of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Todo {
    pub count: i64,
    pub lines: Vec<TodoLine>,
}

type LineRow = (String, String, String, Option<String>, Option<i64>);

fn lines(rows: Vec<LineRow>) -> Result<Vec<TodoLine>> {
    rows.into_iter()
        .map(|(id, title, note, due_on, number)| {
            Ok(TodoLine { id, title, note, due_on: due_on.as_deref().map(parse_day).transpose()?, number })
        })
        .collect()
}

/// Runs a to-do's count and its first lines with the same values (the lines' limit is the
/// last placeholder).
macro_rules! count_and_lines {
    ($db:expr, $count:literal, $lines:literal $(, $bind:expr)*) => {{
        let count: i64 = on_pool!($db, |c| sqlx::query_scalar($count)$(.bind($bind))*.fetch_one(c).await)?;
        let rows: Vec<LineRow> = if count == 0 {
            Vec::new()
        } else {
            on_pool!($db, |c| sqlx::query_as($lines)$(.bind($bind))*.bind(LINES).fetch_all(c).await)?
        };
        Ok(Todo { count, lines: lines(rows)? })
    }};
}

// ------------------------------------------------------------------ staff: applications

/// Submitted (or resubmitted) applications waiting to be accepted, the oldest first.
pub async fn applications_to_accept(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM applications a
         WHERE a.submitted_at IS NOT NULL AND a.status IN ('submitted', 'resubmitted')",
        "SELECT a.id, o.name, b.title, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM applications a JOIN organizations o ON o.id = a.organization_id JOIN batches b ON b.id = a.batch_id
         WHERE a.submitted_at IS NOT NULL AND a.status IN ('submitted', 'resubmitted') ORDER BY a.id LIMIT $1"
    )
}

/// Applications returned for supplement, the nearest deadline first.
pub async fn supplements_due(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM applications a WHERE a.status = 'returned'",
        "SELECT a.id, o.name, b.title, a.supplement_due_on, CAST(NULL AS BIGINT)
         FROM applications a JOIN organizations o ON o.id = a.organization_id JOIN batches b ON b.id = a.batch_id
         WHERE a.status = 'returned' ORDER BY a.supplement_due_at, a.id LIMIT $1"
    )
}

/// Accepted applications whose eligibility check staff have still to conclude.
pub async fn eligibility_to_conclude(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM applications a
         WHERE a.submitted_at IS NOT NULL AND a.status = 'accepted'",
        "SELECT a.id, o.name, b.title, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM applications a JOIN organizations o ON o.id = a.organization_id JOIN batches b ON b.id = a.batch_id
         WHERE a.submitted_at IS NOT NULL AND a.status = 'accepted' ORDER BY a.id LIMIT $1"
    )
}

// ------------------------------------------------------------------ staff: review

/// Open shortfalls of applications still in review: the application's id, the organisation,
/// the call, and how many experts are missing.
pub async fn draw_shortfalls(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM review_shortfalls s JOIN applications a ON a.id = s.application_id
         WHERE s.status = 'open' AND a.status = 'in_review'",
        "SELECT a.id, o.name, b.title, CAST(NULL AS TEXT), s.missing
         FROM review_shortfalls s JOIN applications a ON a.id = s.application_id
         JOIN organizations o ON o.id = a.organization_id JOIN batches b ON b.id = a.batch_id
         WHERE s.status = 'open' AND a.status = 'in_review' ORDER BY s.id LIMIT $1"
    )
}

/// Assignments still owed after their deadline (`now`): the application's id, the expert, the
/// organisation, the deadline.
pub async fn scores_overdue(db: &Db, now: DateTime<Utc>) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM assignments s
         WHERE s.status IN ('assigned', 'accepted') AND s.due_at < $1",
        "SELECT s.application_id, e.name, o.name, s.due_on, CAST(NULL AS BIGINT)
         FROM assignments s JOIN experts e ON e.user_id = s.expert_id
         JOIN applications a ON a.id = s.application_id JOIN organizations o ON o.id = a.organization_id
         WHERE s.status IN ('assigned', 'accepted') AND s.due_at < $1 ORDER BY s.due_at, s.id LIMIT $2",
        millis(now)
    )
}

/// Calls in review with no recognition list pending or approved and no application still being
/// scored: the list is staff's to draft.
pub async fn proposals_to_draft(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM batches b WHERE b.status = 'reviewing'
           AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.batch_id = b.id AND p.status IN ('pending', 'approved'))
           AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.batch_id = b.id AND a.status = 'in_review')",
        "SELECT b.id, b.title, CAST(b.year AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM batches b WHERE b.status = 'reviewing'
           AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.batch_id = b.id AND p.status IN ('pending', 'approved'))
           AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.batch_id = b.id AND a.status = 'in_review')
         ORDER BY b.id LIMIT $1"
    )
}

/// Recognition lists waiting for a leader.
pub async fn proposals_to_approve(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM proposals p WHERE p.status = 'pending'",
        "SELECT p.id, b.title, p.note, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM proposals p JOIN batches b ON b.id = p.batch_id WHERE p.status = 'pending' ORDER BY p.id LIMIT $1"
    )
}

// ------------------------------------------------------------------ notices

/// Objections received or under investigation: the notice's id, the receipt, the notice.
pub async fn objections_to_investigate(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM objections j WHERE j.status IN ('received', 'investigating')",
        "SELECT j.notice_id, j.receipt, n.title, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM objections j JOIN notices n ON n.id = j.notice_id
         WHERE j.status IN ('received', 'investigating') ORDER BY j.id LIMIT $1"
    )
}

/// Closed notices waiting for the leader's conclusion.
pub async fn notices_to_conclude(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notices n WHERE n.status = 'closed'",
        "SELECT n.id, n.title, n.last_day, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM notices n WHERE n.status = 'closed' ORDER BY n.id LIMIT $1"
    )
}

// ------------------------------------------------------------------ money

/// Expenses recorded or answered, waiting for staff's audit: the base's id, its name, the payee,
/// the amount in fen.
pub async fn expenses_to_audit(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM expenses x WHERE x.status IN ('recorded', 'answered')",
        "SELECT x.base_id, s.name, x.payee, x.spent_on, x.amount
         FROM expenses x JOIN bases s ON s.id = x.base_id
         WHERE x.status IN ('recorded', 'answered') ORDER BY x.id LIMIT $1"
    )
}

/// Funding requests in one status (`draft`: for the leader to endorse; `submitted`: for the
/// coordination group; `returned`: back with staff), with their totals in fen.
pub async fn funding_requests(db: &Db, status: &str) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM funding_requests f WHERE f.status = $1",
        "SELECT f.id, f.title, COALESCE(f.reason, ''), CAST(NULL AS TEXT), f.total
         FROM funding_requests f WHERE f.status = $1 ORDER BY f.id LIMIT $2",
        status
    )
}

// ------------------------------------------------------------------ certification

/// Certification filings in one status (`submitted` for staff, `recommended` for the leader):
/// the base's id, its name, the occupation.
pub async fn cert_filings(db: &Db, status: &str) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cert_filings f WHERE f.status = $1",
        "SELECT f.base_id, s.name, f.occupation, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM cert_filings f JOIN bases s ON s.id = f.base_id WHERE f.status = $1 ORDER BY f.id LIMIT $2",
        status
    )
}

/// Certification sessions submitted by their bases, for staff to publish or return.
pub async fn cert_sessions_submitted(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM cert_sessions c WHERE c.status = 'submitted'",
        "SELECT c.base_id, s.name, c.occupation, c.held_on, CAST(NULL AS BIGINT)
         FROM cert_sessions c JOIN bases s ON s.id = c.base_id WHERE c.status = 'submitted' ORDER BY c.id LIMIT $1"
    )
}

/// Certificates whose revocation staff proposed, for the leader.
pub async fn revocations_proposed(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM certificates c WHERE c.status = 'revocation_proposed'",
        "SELECT c.base_id, c.number, s.name, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM certificates c JOIN bases s ON s.id = c.base_id
         WHERE c.status = 'revocation_proposed' ORDER BY c.id LIMIT $1"
    )
}

// ------------------------------------------------------------------ one expert, one organisation, one account

/// An expert's own assignments still owed, the nearest deadline first: the assignment's id,
/// the organisation, the call, the deadline.
pub async fn scores_owed(db: &Db, expert: UserId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM assignments s
         WHERE s.expert_id = $1 AND s.status IN ('assigned', 'accepted')",
        "SELECT s.id, o.name, b.title, s.due_on, CAST(NULL AS BIGINT)
         FROM assignments s JOIN applications a ON a.id = s.application_id
         JOIN organizations o ON o.id = a.organization_id JOIN batches b ON b.id = a.batch_id
         WHERE s.expert_id = $1 AND s.status IN ('assigned', 'accepted') ORDER BY s.due_at, s.id LIMIT $2",
        expert.to_string()
    )
}

/// An organisation's applications, newest first: the id, the call, the status (its code), the
/// supplement deadline while returned.
pub async fn organization_applications(db: &Db, organization: OrganizationId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM applications a WHERE a.organization_id = $1",
        "SELECT a.id, b.title, a.status, a.supplement_due_on, CAST(NULL AS BIGINT)
         FROM applications a JOIN batches b ON b.id = a.batch_id
         WHERE a.organization_id = $1 ORDER BY a.id DESC LIMIT $2",
        organization.to_string()
    )
}

/// An organisation's unread notifications, newest first: the application's id ('' for none),
/// the title, the body.
pub async fn unread_notifications(db: &Db, organization: OrganizationId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications n WHERE n.organization_id = $1 AND n.read_at IS NULL",
        "SELECT COALESCE(n.application_id, ''), n.title, n.body, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM notifications n WHERE n.organization_id = $1 AND n.read_at IS NULL ORDER BY n.id DESC LIMIT $2",
        organization.to_string()
    )
}

/// An organisation's bases that are not revoked: the base's id, its name, its plaque number.
pub async fn organization_bases(db: &Db, organization: OrganizationId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bases s WHERE s.organization_id = $1 AND s.status <> 'revoked'",
        "SELECT s.id, s.name, s.number, s.recognised_on, CAST(NULL AS BIGINT)
         FROM bases s WHERE s.organization_id = $1 AND s.status <> 'revoked' ORDER BY s.id DESC LIMIT $2",
        organization.to_string()
    )
}

// ------------------------------------------------------------------ the annual review

/// Annual reports filed or answered, waiting for staff's conclusion, the oldest first.
pub async fn reports_to_conclude(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM annual_reports r WHERE r.status IN ('submitted', 'answered')",
        "SELECT r.id, s.name, r.status, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM annual_reports r JOIN bases s ON s.id = r.base_id
         WHERE r.status IN ('submitted', 'answered') ORDER BY r.id LIMIT $1"
    )
}

/// Reports not filed by their deadline and rectifications not answered by theirs (flagged by
/// the deadline jobs), for staff to chase or propose revocation.
pub async fn reports_overdue(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM annual_reports r
         WHERE (r.status = 'pending' AND r.overdue = 1) OR (r.status = 'rectifying' AND r.escalated_at IS NOT NULL)",
        "SELECT r.id, s.name, r.status,
                CASE WHEN r.status = 'rectifying' THEN r.rectification_due ELSE r.due_on END, CAST(NULL AS BIGINT)
         FROM annual_reports r JOIN bases s ON s.id = r.base_id
         WHERE (r.status = 'pending' AND r.overdue = 1) OR (r.status = 'rectifying' AND r.escalated_at IS NOT NULL)
         ORDER BY r.id LIMIT $1"
    )
}

/// Revocations of bases staff proposed, for a leader.
pub async fn base_revocations_proposed(db: &Db) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM annual_reports r WHERE r.status = 'revocation_proposed'",
        "SELECT r.id, s.name, COALESCE(r.ground, ''), CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM annual_reports r JOIN bases s ON s.id = r.base_id
         WHERE r.status = 'revocation_proposed' ORDER BY r.id LIMIT $1"
    )
}

/// An organisation's annual reports still to file or answer, with their deadline.
pub async fn organization_reports(db: &Db, organization: OrganizationId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM annual_reports r JOIN bases s ON s.id = r.base_id
         WHERE s.organization_id = $1 AND r.status IN ('pending', 'rectifying')",
        "SELECT r.id, s.name, r.status,
                CASE WHEN r.status = 'rectifying' THEN r.rectification_due ELSE r.due_on END, CAST(NULL AS BIGINT)
         FROM annual_reports r JOIN bases s ON s.id = r.base_id
         WHERE s.organization_id = $1 AND r.status IN ('pending', 'rectifying') ORDER BY r.id LIMIT $2",
        organization.to_string()
    )
}

/// An account's unread messages, newest first: the link, the title, the body.
pub async fn unread_messages(db: &Db, user: UserId) -> Result<Todo> {
    count_and_lines!(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) FROM user_notifications n WHERE n.user_id = $1 AND n.read_at IS NULL",
        "SELECT n.link, n.title, n.body, CAST(NULL AS TEXT), CAST(NULL AS BIGINT)
         FROM user_notifications n WHERE n.user_id = $1 AND n.read_at IS NULL ORDER BY n.at DESC, n.id DESC LIMIT $2",
        user.to_string()
    )
}

// ------------------------------------------------------------------ shortfalls of draws

/// A draw that came up short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub id: ShortfallId,
    pub application_id: ApplicationId,
    pub draw_id: Option<DrawId>,
    /// `initial` | `replacement`.
    pub reason: String,
    pub wanted: i64,
    pub drawn: i64,
    pub in_industry: i64,
    pub already_drawn: i64,
    pub conflicted: i64,
    pub eligible: i64,
    pub missing: i64,
    pub status: ShortfallStatus,
    pub recorded_at: DateTime<Utc>,
    pub filled_at: Option<DateTime<Utc>>,
    pub version: i64,
}

pub async fn insert_shortfall(tx: &mut Tx, s: &Shortfall) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO review_shortfalls (id, application_id, draw_id, reason, wanted, drawn, in_industry, already_drawn,
                                        conflicted, eligible, missing, status, recorded_at, filled_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)"
    )
    .bind(s.id.to_string())
    .bind(s.application_id.to_string())
    .bind(s.draw_id.map(|d| d.to_string()))
    .bind(&s.reason)
    .bind(s.wanted)
    .bind(s.drawn)
    .bind(s.in_industry)
    .bind(s.already_drawn)
    .bind(s.conflicted)
    .bind(s.eligible)
    .bind(s.missing)
    .bind(s.status.as_str())
    .bind(millis(s.recorded_at))
    .bind(s.filled_at.map(millis))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type ShortfallRow =
    (String, String, Option<String>, String, i64, i64, i64, i64, i64, i64, i64, String, i64, Option<i64>, i64);

fn shortfall(row: ShortfallRow) -> Result<Shortfall> {
    let (id, application, draw, reason, wanted, drawn, in_industry, already_drawn, conflicted, eligible, missing) =
        (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10);
    Ok(Shortfall {
        id: parse_id(&id)?,
        application_id: parse_id(&application)?,
        draw_id: draw.as_deref().map(parse_id).transpose()?,
        reason,
        wanted,
        drawn,
        in_industry,
        already_drawn,
        conflicted,
        eligible,
        missing,
        status: parse_as(&row.11, ShortfallStatus::parse)?,
        recorded_at: from_millis(row.12)?,
        filled_at: row.13.map(from_millis).transpose()?,
        version: row.14,
    })
}

/// Every shortfall of an application, the first first.
pub async fn shortfalls(db: &Db, application: ApplicationId) -> Result<Vec<Shortfall>> {
    let rows: Vec<ShortfallRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, application_id, draw_id, reason, wanted, drawn, in_industry, already_drawn,
                conflicted, eligible, missing, status, recorded_at, filled_at, version
         FROM review_shortfalls WHERE application_id = $1 ORDER BY id"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(shortfall).collect()
}

/// An application's open shortfalls, the first first, in `tx`.
pub async fn open_shortfalls_in(tx: &mut Tx, application: ApplicationId) -> Result<Vec<Shortfall>> {
    let rows: Vec<ShortfallRow> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, application_id, draw_id, reason, wanted, drawn, in_industry, already_drawn,
                conflicted, eligible, missing, status, recorded_at, filled_at, version
         FROM review_shortfalls WHERE application_id = $1 AND status = 'open' ORDER BY id"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(shortfall).collect()
}

/// A shortfall filled (partly or wholly) by a later draw, as a compare-and-set on its version:
/// `false` when it changed meanwhile.
pub async fn fill_shortfall(
    tx: &mut Tx,
    s: &Shortfall,
    (missing, status): (i64, ShortfallStatus),
    at: DateTime<Utc>,
) -> Result<bool> {
    let filled_at = (status == ShortfallStatus::Filled).then_some(millis(at));
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE review_shortfalls SET missing = $3, status = $4, filled_at = $5, version = version + 1
         WHERE id = $1 AND version = $2"
    )
    .bind(s.id.to_string())
    .bind(s.version)
    .bind(missing)
    .bind(status.as_str())
    .bind(filled_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The active staff accounts (those told of a shortfall).
pub async fn active_staff(tx: &mut Tx) -> Result<Vec<UserId>> {
    let rows: Vec<(String,)> =
        on_tx!(tx, |c| sqlx::query_as("SELECT id FROM users WHERE role = 'staff' AND disabled = $1 ORDER BY id")
            .bind(false)
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(|(id,)| parse_id(&id)).collect()
}

/// Marks all of an account's messages read.
pub async fn mark_messages_read(tx: &mut Tx, user: UserId, at: DateTime<Utc>) -> Result<u64> {
    on_tx!(tx, |c| sqlx::query("UPDATE user_notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user.to_string())
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(Into::into)
}
