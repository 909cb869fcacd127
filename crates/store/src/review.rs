//! Expert review: the expert pool, draws, assignments with their declarations and score sheets,
//! proposed recognition lists, and notifications to one account.
//!
//! Assignment and proposal changes are compare-and-set on (status, version), like applications:
//! a write based on a stale read changes nothing and the caller answers 409.

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::ids::{ApplicationId, AssignmentId, BatchId, DrawId, NotificationId, ProposalId, UserId};
use skillbase_domain::review::{AssignmentStatus, ProposalStatus};

use crate::{Db, Result, StoreError, Tx, day, from_millis, millis, parse_as, parse_day, parse_id};

// ---------------------------------------------------------------- the expert pool

/// An expert's profile as stored (the lists are JSON text, read by the use cases).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expert {
    pub user_id: UserId,
    pub username: String,
    /// The account is disabled: never drawn.
    pub disabled: bool,
    pub name: String,
    pub title: String,
    pub employer_name: String,
    pub employer_uscc: Option<String>,
    pub industries: String,
    pub past_employers: String,
    pub declared_ties: String,
    pub active: bool,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

type ExpertRow =
    (String, String, bool, String, String, String, Option<String>, String, String, String, bool, String, i64, i64);

macro_rules! expert_select {
    ($tail:literal) => {
        concat!(
            "SELECT e.user_id, u.username, u.disabled, e.name, e.title, e.employer_name, e.employer_uscc,
                    e.industries, e.past_employers, e.declared_ties, e.active, e.updated_by, e.updated_at, e.version
             FROM experts e JOIN users u ON u.id = e.user_id ",
            $tail
        )
    };
}

fn expert_from(row: ExpertRow) -> Result<Expert> {
    let (id, username, disabled, name, title, employer_name, employer_uscc, industries, past, ties, active, by, at, v) =
        row;
    Ok(Expert {
        user_id: parse_id(&id)?,
        username,
        disabled,
        name,
        title,
        employer_name,
        employer_uscc,
        industries,
        past_employers: past,
        declared_ties: ties,
        active,
        updated_by: parse_id(&by)?,
        updated_at: from_millis(at)?,
        version: v,
    })
}

/// Creates a profile, or replaces it if nobody changed it since `version` (`None`: a new
/// profile). `false` on a stale write.
pub async fn save_expert(tx: &mut Tx, e: &Expert, version: Option<i64>) -> Result<bool> {
    let n = match version {
        None => on_tx!(tx, |c| sqlx::query(
            "INSERT INTO experts (user_id, name, title, employer_name, employer_uscc, industries, past_employers,
                                  declared_ties, active, updated_by, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)
             ON CONFLICT (user_id) DO NOTHING"
        )
        .bind(e.user_id.to_string())
        .bind(&e.name)
        .bind(&e.title)
        .bind(&e.employer_name)
        .bind(&e.employer_uscc)
        .bind(&e.industries)
        .bind(&e.past_employers)
        .bind(&e.declared_ties)
        .bind(e.active)
        .bind(e.updated_by.to_string())
        .bind(millis(e.updated_at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
        Some(version) => on_tx!(tx, |c| sqlx::query(
            "UPDATE experts SET name = $2, title = $3, employer_name = $4, employer_uscc = $5, industries = $6,
                    past_employers = $7, declared_ties = $8, active = $9, updated_by = $10, updated_at = $11,
                    version = version + 1
             WHERE user_id = $1 AND version = $12"
        )
        .bind(e.user_id.to_string())
        .bind(&e.name)
        .bind(&e.title)
        .bind(&e.employer_name)
        .bind(&e.employer_uscc)
        .bind(&e.industries)
        .bind(&e.past_employers)
        .bind(&e.declared_ties)
        .bind(e.active)
        .bind(e.updated_by.to_string())
        .bind(millis(e.updated_at))
        .bind(version)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?,
    };
    Ok(n == 1)
}

pub async fn expert(db: &Db, id: UserId) -> Result<Option<Expert>> {
    let row: Option<ExpertRow> = on_pool!(db, |c| sqlx::query_as(expert_select!("WHERE e.user_id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(expert_from).transpose()
}

/// The whole pool, by name.
pub async fn experts(db: &Db) -> Result<Vec<Expert>> {
    let rows: Vec<ExpertRow> =
        on_pool!(db, |c| sqlx::query_as(expert_select!("ORDER BY e.name, e.user_id")).fetch_all(c).await)?;
    rows.into_iter().map(expert_from).collect()
}

/// The pool as a draw reads it, inside the drawing transaction.
pub async fn experts_in(tx: &mut Tx) -> Result<Vec<Expert>> {
    let rows: Vec<ExpertRow> = on_tx!(tx, |c| sqlx::query_as(expert_select!("ORDER BY e.user_id")).fetch_all(c).await)?;
    rows.into_iter().map(expert_from).collect()
}

/// Accounts with the expert role (profile or not): (id, username, display name).
pub async fn expert_accounts(db: &Db) -> Result<Vec<(UserId, String, String)>> {
    let rows: Vec<(String, String, String)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, username, display_name FROM users WHERE role = 'expert' ORDER BY username"
    )
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(|(id, username, name)| Ok((parse_id(&id)?, username, name))).collect()
}

// ---------------------------------------------------------------- draws

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    pub id: DrawId,
    pub application_id: ApplicationId,
    /// The u64 seed in decimal.
    pub seed: String,
    /// JSON arrays of expert ids.
    pub candidates: String,
    pub excluded: String,
    pub drawn: String,
    /// `initial` | `replacement`.
    pub reason: String,
    pub wanted: i64,
    pub policy_id: String,
    pub drawn_by: Option<UserId>,
    pub drawn_at: DateTime<Utc>,
}

pub async fn insert_draw(tx: &mut Tx, d: &Draw) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO review_draws (id, application_id, seed, candidates, excluded, drawn, reason, wanted, policy_id,
                                   drawn_by, drawn_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(d.id.to_string())
    .bind(d.application_id.to_string())
    .bind(&d.seed)
    .bind(&d.candidates)
    .bind(&d.excluded)
    .bind(&d.drawn)
    .bind(&d.reason)
    .bind(d.wanted)
    .bind(&d.policy_id)
    .bind(d.drawn_by.map(|u| u.to_string()))
    .bind(millis(d.drawn_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type DrawRow = (String, String, String, String, String, String, String, i64, String, Option<String>, i64);

/// Every draw for an application, the first first.
pub async fn draws(db: &Db, application: ApplicationId) -> Result<Vec<Draw>> {
    let rows: Vec<DrawRow> = on_pool!(db, |c| {
        sqlx::query_as(
        "SELECT id, application_id, seed, candidates, excluded, drawn, reason, wanted, policy_id, drawn_by, drawn_at
         FROM review_draws WHERE application_id = $1 ORDER BY drawn_at, id"
    )
    .bind(application.to_string())
    .fetch_all(c)
    .await
    })?;
    rows.into_iter()
        .map(|(id, app, seed, candidates, excluded, drawn, reason, wanted, policy_id, by, at)| {
            Ok(Draw {
                id: parse_id(&id)?,
                application_id: parse_id(&app)?,
                seed,
                candidates,
                excluded,
                drawn,
                reason,
                wanted,
                policy_id,
                drawn_by: by.as_deref().map(parse_id).transpose()?,
                drawn_at: from_millis(at)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- assignments

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub application_id: ApplicationId,
    pub expert_id: UserId,
    pub expert_name: String,
    pub draw_id: DrawId,
    pub status: AssignmentStatus,
    pub due_on: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub declared_at: Option<DateTime<Utc>>,
    pub conflict_reason: Option<String>,
    /// JSON of the score sheet.
    pub scores: Option<String>,
    pub total: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub reopened_reason: Option<String>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: String,
    application_id: String,
    expert_id: String,
    expert_name: String,
    draw_id: String,
    status: String,
    due_on: String,
    due_at: i64,
    declared_at: Option<i64>,
    conflict_reason: Option<String>,
    scores: Option<String>,
    total: Option<i64>,
    submitted_at: Option<i64>,
    reopened_reason: Option<String>,
    reminded_at: Option<i64>,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AssignmentRow> for Assignment {
    type Error = StoreError;
    fn try_from(r: AssignmentRow) -> Result<Self> {
        Ok(Assignment {
            id: parse_id(&r.id)?,
            application_id: parse_id(&r.application_id)?,
            expert_id: parse_id(&r.expert_id)?,
            expert_name: r.expert_name,
            draw_id: parse_id(&r.draw_id)?,
            status: parse_as(&r.status, AssignmentStatus::parse)?,
            due_on: parse_day(&r.due_on)?,
            due_at: from_millis(r.due_at)?,
            declared_at: r.declared_at.map(from_millis).transpose()?,
            conflict_reason: r.conflict_reason,
            scores: r.scores,
            total: r.total,
            submitted_at: r.submitted_at.map(from_millis).transpose()?,
            reopened_reason: r.reopened_reason,
            reminded_at: r.reminded_at.map(from_millis).transpose()?,
            version: r.version,
            created_at: from_millis(r.created_at)?,
            updated_at: from_millis(r.updated_at)?,
        })
    }
}

macro_rules! assignment_select {
    ($tail:literal) => {
        concat!(
            "SELECT s.id, s.application_id, s.expert_id, COALESCE(e.name, u.display_name) AS expert_name, s.draw_id,
                    s.status, s.due_on, s.due_at, s.declared_at, s.conflict_reason, s.scores, s.total, s.submitted_at,
                    s.reopened_reason, s.reminded_at, s.version, s.created_at, s.updated_at
             FROM assignments s
             JOIN users u ON u.id = s.expert_id
             LEFT JOIN experts e ON e.user_id = s.expert_id ",
            $tail
        )
    };
}

#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub id: AssignmentId,
    pub application_id: ApplicationId,
    pub expert_id: UserId,
    pub draw_id: DrawId,
    pub due_on: NaiveDate,
    pub due_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

pub async fn insert_assignment(tx: &mut Tx, a: &NewAssignment) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO assignments (id, application_id, expert_id, draw_id, status, due_on, due_at, version,
                                  created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'assigned', $5, $6, 1, $7, $7)"
    )
    .bind(a.id.to_string())
    .bind(a.application_id.to_string())
    .bind(a.expert_id.to_string())
    .bind(a.draw_id.to_string())
    .bind(day(a.due_on))
    .bind(millis(a.due_at))
    .bind(millis(a.at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn assignment(db: &Db, id: AssignmentId) -> Result<Option<Assignment>> {
    let row: Option<AssignmentRow> = on_pool!(db, |c| sqlx::query_as(assignment_select!("WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Assignment::try_from).transpose()
}

pub async fn assignment_in(tx: &mut Tx, id: AssignmentId) -> Result<Option<Assignment>> {
    let row: Option<AssignmentRow> = on_tx!(tx, |c| sqlx::query_as(assignment_select!("WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Assignment::try_from).transpose()
}

/// Which assignments to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssignmentFilter {
    pub application_id: Option<ApplicationId>,
    pub expert_id: Option<UserId>,
    pub batch_id: Option<BatchId>,
}

/// The assignments that match, oldest first: every one, since a call's ranking and progress
/// weigh all of them (a call of 1,000 applications has 5,000).
pub async fn assignments(db: &Db, f: &AssignmentFilter) -> Result<Vec<Assignment>> {
    let rows: Vec<AssignmentRow> = on_pool!(db, |c| sqlx::query_as(assignment_select!(
        "JOIN applications a ON a.id = s.application_id
         WHERE ($1 IS NULL OR s.application_id = $1)
           AND ($2 IS NULL OR s.expert_id = $2)
           AND ($3 IS NULL OR a.batch_id = $3)
         ORDER BY s.created_at, s.id"
    ))
    .bind(f.application_id.map(|a| a.to_string()))
    .bind(f.expert_id.map(|e| e.to_string()))
    .bind(f.batch_id.map(|b| b.to_string()))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(Assignment::try_from).collect()
}

/// An application's assignments inside a transaction (what "every score is in" is decided on).
pub async fn assignments_in(tx: &mut Tx, application: ApplicationId) -> Result<Vec<Assignment>> {
    let rows: Vec<AssignmentRow> =
        on_tx!(tx, |c| sqlx::query_as(assignment_select!("WHERE s.application_id = $1 ORDER BY s.created_at, s.id"))
            .bind(application.to_string())
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(Assignment::try_from).collect()
}

/// What an assignment's change writes besides its status.
#[derive(Debug, Clone, Default)]
pub struct AssignmentChange<'a> {
    pub declared: bool,
    pub conflict_reason: Option<&'a str>,
    /// A submitted score sheet (JSON) and its total. A reopened sheet is kept (the expert
    /// starts from it) until the next submission replaces it.
    pub scores: Option<(&'a str, i64)>,
    pub reopened_reason: Option<&'a str>,
}

/// Compare-and-set of an assignment's status; `false` when it moved meanwhile.
pub async fn change_assignment(
    tx: &mut Tx,
    id: AssignmentId,
    (from, to, version): (AssignmentStatus, AssignmentStatus, i64),
    change: &AssignmentChange<'_>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let (scores, total) = change.scores.unzip();
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE assignments
         SET status = $3, version = version + 1, updated_at = $5,
             declared_at = CASE WHEN $6 THEN $5 ELSE declared_at END,
             conflict_reason = COALESCE($7, conflict_reason),
             scores = COALESCE($8, scores),
             total = COALESCE($9, total),
             submitted_at = CASE WHEN $8 IS NULL THEN submitted_at ELSE $5 END,
             reopened_reason = COALESCE($10, reopened_reason)
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(id.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(version)
    .bind(millis(at))
    .bind(change.declared)
    .bind(change.conflict_reason)
    .bind(scores)
    .bind(total)
    .bind(change.reopened_reason)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn mark_reminded(tx: &mut Tx, id: AssignmentId, at: DateTime<Utc>) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE assignments SET reminded_at = $2 WHERE id = $1")
        .bind(id.to_string())
        .bind(millis(at))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes the application's row lock for the rest of the transaction (PostgreSQL) — SQLite's
/// `BEGIN IMMEDIATE` already serialises writers — so that two experts submitting the last two
/// scores at once are decided one after the other, and one of them sees scoring complete.
pub async fn lock_application(tx: &mut Tx, application: ApplicationId) -> Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE applications SET version = version WHERE id = $1")
        .bind(application.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------- proposals

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub batch_id: BatchId,
    pub batch_title: String,
    pub status: ProposalStatus,
    /// JSON of the ranking lines.
    pub ranking: String,
    pub policy_id: String,
    pub note: String,
    pub drafted_by: UserId,
    pub drafted_by_name: String,
    pub drafted_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    id: String,
    batch_id: String,
    batch_title: String,
    status: String,
    ranking: String,
    policy_id: String,
    note: String,
    drafted_by: String,
    drafted_by_name: String,
    drafted_at: i64,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
    version: i64,
}

impl TryFrom<ProposalRow> for Proposal {
    type Error = StoreError;
    fn try_from(r: ProposalRow) -> Result<Self> {
        Ok(Proposal {
            id: parse_id(&r.id)?,
            batch_id: parse_id(&r.batch_id)?,
            batch_title: r.batch_title,
            status: parse_as(&r.status, ProposalStatus::parse)?,
            ranking: r.ranking,
            policy_id: r.policy_id,
            note: r.note,
            drafted_by: parse_id(&r.drafted_by)?,
            drafted_by_name: r.drafted_by_name,
            drafted_at: from_millis(r.drafted_at)?,
            decided_by: r.decided_by.as_deref().map(parse_id).transpose()?,
            decided_at: r.decided_at.map(from_millis).transpose()?,
            decision_note: r.decision_note,
            version: r.version,
        })
    }
}

macro_rules! proposal_select {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.batch_id, b.title AS batch_title, p.status, p.ranking, p.policy_id, p.note, p.drafted_by,
                    u.display_name AS drafted_by_name, p.drafted_at, p.decided_by, p.decided_at, p.decision_note,
                    p.version
             FROM proposals p
             JOIN batches b ON b.id = p.batch_id
             JOIN users u ON u.id = p.drafted_by ",
            $tail
        )
    };
}

pub async fn insert_proposal(tx: &mut Tx, p: &Proposal) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO proposals (id, batch_id, status, ranking, policy_id, note, drafted_by, drafted_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)"
    )
    .bind(p.id.to_string())
    .bind(p.batch_id.to_string())
    .bind(p.status.as_str())
    .bind(&p.ranking)
    .bind(&p.policy_id)
    .bind(&p.note)
    .bind(p.drafted_by.to_string())
    .bind(millis(p.drafted_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn proposal(db: &Db, id: ProposalId) -> Result<Option<Proposal>> {
    let row: Option<ProposalRow> = on_pool!(db, |c| sqlx::query_as(proposal_select!("WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Proposal::try_from).transpose()
}

/// Proposals, the newest first; of one call when `batch` is given. All of them: a call has one
/// recognition list (another only after a send-back), so the list is small by nature.
pub async fn proposals(db: &Db, batch: Option<BatchId>) -> Result<Vec<Proposal>> {
    let rows: Vec<ProposalRow> = on_pool!(db, |c| sqlx::query_as(proposal_select!(
        "WHERE ($1 IS NULL OR p.batch_id = $1) ORDER BY p.drafted_at DESC, p.id DESC"
    ))
    .bind(batch.map(|b| b.to_string()))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(Proposal::try_from).collect()
}

/// Compare-and-set of a proposal's decision; `false` when it was decided meanwhile.
pub async fn decide_proposal(
    tx: &mut Tx,
    id: ProposalId,
    (to, version): (ProposalStatus, i64),
    by: UserId,
    note: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE proposals SET status = $2, decided_by = $4, decided_at = $5, decision_note = $6, version = version + 1
         WHERE id = $1 AND status = 'pending' AND version = $3"
    )
    .bind(id.to_string())
    .bind(to.as_str())
    .bind(version)
    .bind(by.to_string())
    .bind(millis(at))
    .bind(note)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- notifications to one account

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserNotification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub at: DateTime<Utc>,
    pub title: String,
    pub body: String,
    /// A local path to what it is about.
    pub link: String,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn insert_user_notification(tx: &mut Tx, n: &UserNotification) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO user_notifications (id, user_id, at, title, body, link, read_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)"
    )
    .bind(n.id.to_string())
    .bind(n.user_id.to_string())
    .bind(millis(n.at))
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type UserNotificationRow = (String, String, i64, String, String, String, Option<i64>);

/// An account's notifications, newest first.
pub async fn user_notifications(db: &Db, user: UserId, limit: i64) -> Result<Vec<UserNotification>> {
    let rows: Vec<UserNotificationRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, user_id, at, title, body, link, read_at FROM user_notifications
         WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
    )
    .bind(user.to_string())
    .bind(limit)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id, user, at, title, body, link, read_at)| {
            Ok(UserNotification {
                id: parse_id(&id)?,
                user_id: parse_id(&user)?,
                at: from_millis(at)?,
                title,
                body,
                link,
                read_at: read_at.map(from_millis).transpose()?,
            })
        })
        .collect()
}
