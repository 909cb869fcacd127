//! Public notices with their entries, objections, and recognised bases.
//!
//! Status changes are compare-and-set on (status, version): of two instances closing one notice
//! at once, one changes it and the other changes nothing.

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::ids::{
    ApplicationId, BaseId, BatchId, NoticeId, ObjectionId, OrganizationId, ProposalId, UserId,
};
use skillbase_domain::notice::{BaseStatus, NoticePeriod, NoticeStatus, ObjectionStatus};

use crate::{Db, Result, StoreError, Tx, day, from_millis, millis, parse_as, parse_day, parse_id};

// ---------------------------------------------------------------- notices

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: NoticeId,
    pub batch_id: BatchId,
    pub proposal_id: ProposalId,
    /// As stored: "open" and "closed" follow the clock only as `app` reads them.
    pub status: NoticeStatus,
    pub title: String,
    /// The publish date, first and last days, and the window judged to the second.
    pub period: NoticePeriod,
    pub working_days: i64,
    pub policy_id: String,
    pub published_by: UserId,
    pub published_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub concluded_by: Option<UserId>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    batch_id: String,
    proposal_id: String,
    status: String,
    title: String,
    publish_on: String,
    first_day: String,
    last_day: String,
    working_days: i64,
    opens_at: i64,
    ends_at: i64,
    policy_id: String,
    published_by: String,
    published_at: i64,
    closed_at: Option<i64>,
    concluded_by: Option<String>,
    concluded_at: Option<i64>,
    version: i64,
}

impl TryFrom<NoticeRow> for Notice {
    type Error = StoreError;
    fn try_from(r: NoticeRow) -> Result<Self> {
        Ok(Notice {
            id: parse_id(&r.id)?,
            batch_id: parse_id(&r.batch_id)?,
            proposal_id: parse_id(&r.proposal_id)?,
            status: parse_as(&r.status, NoticeStatus::parse)?,
            title: r.title,
            period: NoticePeriod {
                publish_on: parse_day(&r.publish_on)?,
                first_day: parse_day(&r.first_day)?,
                last_day: parse_day(&r.last_day)?,
                opens_at: from_millis(r.opens_at)?,
                ends_at: from_millis(r.ends_at)?,
            },
            working_days: r.working_days,
            policy_id: r.policy_id,
            published_by: parse_id(&r.published_by)?,
            published_at: from_millis(r.published_at)?,
            closed_at: r.closed_at.map(from_millis).transpose()?,
            concluded_by: r.concluded_by.as_deref().map(parse_id).transpose()?,
            concluded_at: r.concluded_at.map(from_millis).transpose()?,
            version: r.version,
        })
    }
}

macro_rules! notice_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, batch_id, proposal_id, status, title, publish_on, first_day, last_day, working_days, opens_at,
                    ends_at, policy_id, published_by, published_at, closed_at, concluded_by, concluded_at, version
             FROM notices ",
            $tail
        )
    };
}

pub async fn insert_notice(tx: &mut Tx, n: &Notice) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO notices (id, batch_id, proposal_id, status, title, publish_on, first_day, last_day, working_days,
                              opens_at, ends_at, policy_id, published_by, published_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)"
    )
    .bind(n.id.to_string())
    .bind(n.batch_id.to_string())
    .bind(n.proposal_id.to_string())
    .bind(n.status.as_str())
    .bind(&n.title)
    .bind(day(n.period.publish_on))
    .bind(day(n.period.first_day))
    .bind(day(n.period.last_day))
    .bind(n.working_days)
    .bind(millis(n.period.opens_at))
    .bind(millis(n.period.ends_at))
    .bind(&n.policy_id)
    .bind(n.published_by.to_string())
    .bind(millis(n.published_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn notice(db: &Db, id: NoticeId) -> Result<Option<Notice>> {
    let row: Option<NoticeRow> =
        on_pool!(db, |c| sqlx::query_as(notice_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(Notice::try_from).transpose()
}

pub async fn notice_in(tx: &mut Tx, id: NoticeId) -> Result<Option<Notice>> {
    let row: Option<NoticeRow> =
        on_tx!(tx, |c| sqlx::query_as(notice_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(Notice::try_from).transpose()
}

/// Notices, the newest first; only those public by `public_at` when given. All of them: a call
/// has one notice (a second only after a sustained objection), so the list is small by nature
/// and is never cut.
pub async fn notices(db: &Db, public_at: Option<DateTime<Utc>>) -> Result<Vec<Notice>> {
    let rows: Vec<NoticeRow> = on_pool!(db, |c| sqlx::query_as(notice_select!(
        "WHERE ($1 IS NULL OR opens_at <= $1) ORDER BY opens_at DESC, id DESC"
    ))
    .bind(public_at.map(millis))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(Notice::try_from).collect()
}

/// Compare-and-set of a notice's status; `false` when it moved meanwhile. `by` is who
/// concluded it (for `concluded`).
pub async fn change_notice(
    tx: &mut Tx,
    id: NoticeId,
    (from, to, version): (NoticeStatus, NoticeStatus, i64),
    by: Option<UserId>,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE notices SET status = $3, version = version + 1,
                closed_at = CASE WHEN $3 = 'closed' THEN $5 ELSE closed_at END,
                concluded_at = CASE WHEN $3 = 'concluded' THEN $5 ELSE concluded_at END,
                concluded_by = CASE WHEN $3 = 'concluded' THEN $6 ELSE concluded_by END
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(id.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(version)
    .bind(millis(at))
    .bind(by.map(|u| u.to_string()))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub notice_id: NoticeId,
    pub application_id: ApplicationId,
    pub position: i64,
    pub organization_name: String,
    pub uscc: String,
    pub kind: String,
    pub industry: String,
    /// JSON array of the training projects, in words.
    pub projects: String,
    pub priority: String,
}

pub async fn insert_entry(tx: &mut Tx, e: &Entry) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO notice_entries (notice_id, application_id, position, organization_name, uscc, kind, industry,
                                     projects, priority)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(e.notice_id.to_string())
    .bind(e.application_id.to_string())
    .bind(e.position)
    .bind(&e.organization_name)
    .bind(&e.uscc)
    .bind(&e.kind)
    .bind(&e.industry)
    .bind(&e.projects)
    .bind(&e.priority)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

type EntryRow = (String, String, i64, String, String, String, String, String, String);

/// The entries of every notice public by `public_at` (all when `None`), in one read, by notice
/// and position (a list of notices shows each one's bases).
pub async fn all_entries(db: &Db, public_at: Option<DateTime<Utc>>) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT e.notice_id, e.application_id, e.position, e.organization_name, e.uscc, e.kind, e.industry,
                e.projects, e.priority
         FROM notice_entries e JOIN notices n ON n.id = e.notice_id
         WHERE ($1 IS NULL OR n.opens_at <= $1)
         ORDER BY e.notice_id, e.position"
    )
    .bind(public_at.map(millis))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(entry_from).collect()
}

pub async fn entries(db: &Db, notice: NoticeId) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT notice_id, application_id, position, organization_name, uscc, kind, industry, projects, priority
         FROM notice_entries WHERE notice_id = $1 ORDER BY position"
    )
    .bind(notice.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(entry_from).collect()
}

fn entry_from(row: EntryRow) -> Result<Entry> {
    let (notice, app, position, organization_name, uscc, kind, industry, projects, priority) = row;
    Ok(Entry {
        notice_id: parse_id(&notice)?,
        application_id: parse_id(&app)?,
        position,
        organization_name,
        uscc,
        kind,
        industry,
        projects,
        priority,
    })
}

// ---------------------------------------------------------------- objections

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: ObjectionId,
    pub notice_id: NoticeId,
    pub application_id: ApplicationId,
    pub receipt: String,
    pub status: ObjectionStatus,
    pub name_sealed: String,
    pub contact_sealed: String,
    pub contact_masked: String,
    pub organization: Option<String>,
    pub facts: String,
    /// (SM3 content hash, kind, display name) of the attached file.
    pub attachment: Option<(String, String, String)>,
    pub received_at: DateTime<Utc>,
    pub findings: Option<String>,
    pub resolved_by: Option<UserId>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ObjectionRow {
    id: String,
    notice_id: String,
    application_id: String,
    receipt: String,
    status: String,
    name_sealed: String,
    contact_sealed: String,
    contact_masked: String,
    organization: Option<String>,
    facts: String,
    attachment_hash: Option<String>,
    attachment_kind: Option<String>,
    attachment_name: Option<String>,
    received_at: i64,
    findings: Option<String>,
    resolved_by: Option<String>,
    resolved_at: Option<i64>,
    version: i64,
}

impl TryFrom<ObjectionRow> for Objection {
    type Error = StoreError;
    fn try_from(r: ObjectionRow) -> Result<Self> {
        let attachment = match (r.attachment_hash, r.attachment_kind, r.attachment_name) {
            (Some(hash), Some(kind), Some(name)) => Some((hash, kind, name)),
            _ => None,
        };
        Ok(Objection {
            id: parse_id(&r.id)?,
            notice_id: parse_id(&r.notice_id)?,
            application_id: parse_id(&r.application_id)?,
            receipt: r.receipt,
            status: parse_as(&r.status, ObjectionStatus::parse)?,
            name_sealed: r.name_sealed,
            contact_sealed: r.contact_sealed,
            contact_masked: r.contact_masked,
            organization: r.organization,
            facts: r.facts,
            attachment,
            received_at: from_millis(r.received_at)?,
            findings: r.findings,
            resolved_by: r.resolved_by.as_deref().map(parse_id).transpose()?,
            resolved_at: r.resolved_at.map(from_millis).transpose()?,
            version: r.version,
        })
    }
}

macro_rules! objection_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, notice_id, application_id, receipt, status, name_sealed, contact_sealed, contact_masked,
                    organization, facts, attachment_hash, attachment_kind, attachment_name, received_at, findings,
                    resolved_by, resolved_at, version
             FROM objections ",
            $tail
        )
    };
}

pub async fn insert_objection(tx: &mut Tx, o: &Objection) -> Result<()> {
    let (hash, kind, name) = match &o.attachment {
        Some((hash, kind, name)) => (Some(hash.as_str()), Some(kind.as_str()), Some(name.as_str())),
        None => (None, None, None),
    };
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO objections (id, notice_id, application_id, receipt, status, name_sealed, contact_sealed,
                                 contact_masked, organization, facts, attachment_hash, attachment_kind,
                                 attachment_name, received_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)"
    )
    .bind(o.id.to_string())
    .bind(o.notice_id.to_string())
    .bind(o.application_id.to_string())
    .bind(&o.receipt)
    .bind(o.status.as_str())
    .bind(&o.name_sealed)
    .bind(&o.contact_sealed)
    .bind(&o.contact_masked)
    .bind(&o.organization)
    .bind(&o.facts)
    .bind(hash)
    .bind(kind)
    .bind(name)
    .bind(millis(o.received_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn objection(db: &Db, id: ObjectionId) -> Result<Option<Objection>> {
    let row: Option<ObjectionRow> = on_pool!(db, |c| sqlx::query_as(objection_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(Objection::try_from).transpose()
}

pub async fn objection_by_receipt(db: &Db, receipt: &str) -> Result<Option<Objection>> {
    let row: Option<ObjectionRow> = on_pool!(db, |c| sqlx::query_as(objection_select!("WHERE receipt = $1"))
        .bind(receipt)
        .fetch_optional(c)
        .await)?;
    row.map(Objection::try_from).transpose()
}

/// A notice's objections, the first received first.
pub async fn objections(db: &Db, notice: NoticeId) -> Result<Vec<Objection>> {
    let rows: Vec<ObjectionRow> =
        on_pool!(db, |c| sqlx::query_as(objection_select!("WHERE notice_id = $1 ORDER BY received_at, id"))
            .bind(notice.to_string())
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(Objection::try_from).collect()
}

pub async fn objections_in(tx: &mut Tx, notice: NoticeId) -> Result<Vec<Objection>> {
    let rows: Vec<ObjectionRow> =
        on_tx!(tx, |c| sqlx::query_as(objection_select!("WHERE notice_id = $1 ORDER BY received_at, id"))
            .bind(notice.to_string())
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(Objection::try_from).collect()
}

/// Compare-and-set of an objection's status, with the findings and who decided when resolved.
pub async fn change_objection(
    tx: &mut Tx,
    id: ObjectionId,
    (from, to, version): (ObjectionStatus, ObjectionStatus, i64),
    findings: Option<&str>,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE objections SET status = $3, version = version + 1,
                findings = COALESCE($5, findings),
                resolved_by = CASE WHEN $5 IS NULL THEN resolved_by ELSE $6 END,
                resolved_at = CASE WHEN $5 IS NULL THEN resolved_at ELSE $7 END
         WHERE id = $1 AND status = $2 AND version = $4"
    )
    .bind(id.to_string())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(version)
    .bind(findings)
    .bind(by.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// One step taken on an objection, with who took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionStep {
    pub objection_id: ObjectionId,
    /// `investigate`, `sustain` or `dismiss`.
    pub action: String,
    pub actor_id: UserId,
    pub actor_name: String,
    pub actor_role: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn insert_objection_step(tx: &mut Tx, id: &str, s: &ObjectionStep) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO objection_steps (id, objection_id, action, actor_id, actor_role, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(id)
    .bind(s.objection_id.to_string())
    .bind(&s.action)
    .bind(s.actor_id.to_string())
    .bind(&s.actor_role)
    .bind(&s.comment)
    .bind(millis(s.at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

/// The steps on every objection to `notice`, oldest first.
pub async fn objection_steps(db: &Db, notice: NoticeId) -> Result<Vec<ObjectionStep>> {
    type Row = (String, String, String, String, String, Option<String>, i64);
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT s.objection_id, s.action, s.actor_id, u.display_name, s.actor_role, s.comment, s.at
         FROM objection_steps s JOIN objections o ON o.id = s.objection_id JOIN users u ON u.id = s.actor_id
         WHERE o.notice_id = $1 ORDER BY s.id"
    )
    .bind(notice.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(objection, action, actor, name, role, comment, at)| {
            Ok(ObjectionStep {
                objection_id: parse_id(&objection)?,
                action,
                actor_id: parse_id(&actor)?,
                actor_name: name,
                actor_role: role,
                comment,
                at: from_millis(at)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- bases

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub id: BaseId,
    pub application_id: ApplicationId,
    pub organization_id: OrganizationId,
    pub batch_id: BatchId,
    pub notice_id: NoticeId,
    pub number: String,
    pub year: i64,
    pub sequence: i64,
    pub name: String,
    pub uscc: String,
    pub kind: String,
    pub industry: String,
    pub recognised_on: NaiveDate,
    pub status: BaseStatus,
    /// The day the base was revoked (核销), if it was.
    pub revoked_on: Option<NaiveDate>,
    pub policy_id: String,
    pub statement: String,
    pub signature: String,
    pub key_id: String,
    pub recognised_by: UserId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct BaseRow {
    id: String,
    application_id: String,
    organization_id: String,
    batch_id: String,
    notice_id: String,
    number: String,
    year: i64,
    sequence: i64,
    name: String,
    uscc: String,
    kind: String,
    industry: String,
    recognised_on: String,
    status: String,
    revoked_on: Option<String>,
    policy_id: String,
    statement: String,
    signature: String,
    key_id: String,
    recognised_by: String,
    created_at: i64,
    version: i64,
}

impl TryFrom<BaseRow> for Base {
    type Error = StoreError;
    fn try_from(r: BaseRow) -> Result<Self> {
        Ok(Base {
            id: parse_id(&r.id)?,
            application_id: parse_id(&r.application_id)?,
            organization_id: parse_id(&r.organization_id)?,
            batch_id: parse_id(&r.batch_id)?,
            notice_id: parse_id(&r.notice_id)?,
            number: r.number,
            year: r.year,
            sequence: r.sequence,
            name: r.name,
            uscc: r.uscc,
            kind: r.kind,
            industry: r.industry,
            recognised_on: parse_day(&r.recognised_on)?,
            status: parse_as(&r.status, BaseStatus::parse)?,
            revoked_on: r.revoked_on.as_deref().map(parse_day).transpose()?,
            policy_id: r.policy_id,
            statement: r.statement,
            signature: r.signature,
            key_id: r.key_id,
            recognised_by: parse_id(&r.recognised_by)?,
            created_at: from_millis(r.created_at)?,
            version: r.version,
        })
    }
}

macro_rules! base_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, application_id, organization_id, batch_id, notice_id, number, year, sequence, name, uscc, kind,
                    industry, recognised_on, status, revoked_on, policy_id, statement, signature, key_id, recognised_by,
                    created_at, version
             FROM bases ",
            $tail
        )
    };
}

/// The next free sequence number of `year`'s plaques (read in the recognising transaction; the
/// unique keys refuse a duplicate if two recognitions race).
pub async fn next_sequence(tx: &mut Tx, year: i64) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT CAST(COALESCE(MAX(sequence), 0) + 1 AS BIGINT) FROM bases WHERE year = $1"
    )
    .bind(year)
    .fetch_one(c)
    .await)?;
    Ok(n)
}

pub async fn insert_base(tx: &mut Tx, b: &Base) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO bases (id, application_id, organization_id, batch_id, notice_id, number, year, sequence, name, uscc,
                            kind, industry, recognised_on, status, policy_id, statement, signature, key_id,
                            recognised_by, created_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 1)"
    )
    .bind(b.id.to_string())
    .bind(b.application_id.to_string())
    .bind(b.organization_id.to_string())
    .bind(b.batch_id.to_string())
    .bind(b.notice_id.to_string())
    .bind(&b.number)
    .bind(b.year)
    .bind(b.sequence)
    .bind(&b.name)
    .bind(&b.uscc)
    .bind(&b.kind)
    .bind(&b.industry)
    .bind(day(b.recognised_on))
    .bind(b.status.as_str())
    .bind(&b.policy_id)
    .bind(&b.statement)
    .bind(&b.signature)
    .bind(&b.key_id)
    .bind(b.recognised_by.to_string())
    .bind(millis(b.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn base(db: &Db, id: BaseId) -> Result<Option<Base>> {
    let row: Option<BaseRow> =
        on_pool!(db, |c| sqlx::query_as(base_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(Base::try_from).transpose()
}

/// A base, read in a transaction.
pub async fn base_in(tx: &mut Tx, id: BaseId) -> Result<Option<Base>> {
    let row: Option<BaseRow> =
        on_tx!(tx, |c| sqlx::query_as(base_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(Base::try_from).transpose()
}

pub async fn base_by_number(db: &Db, number: &str) -> Result<Option<Base>> {
    let row: Option<BaseRow> =
        on_pool!(db, |c| sqlx::query_as(base_select!("WHERE number = $1")).bind(number).fetch_optional(c).await)?;
    row.map(Base::try_from).transpose()
}

/// Which bases to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaseFilter<'a> {
    pub industry: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub year: Option<i64>,
    pub status: Option<&'a str>,
    pub organization_id: Option<OrganizationId>,
}

/// The bases that match, by year and plaque sequence. All of them: the programme recognises
/// 5–10 bases a year (C1), so the registry is small by nature and is never cut.
pub async fn bases(db: &Db, f: &BaseFilter<'_>) -> Result<Vec<Base>> {
    let rows: Vec<BaseRow> = on_pool!(db, |c| sqlx::query_as(base_select!(
        "WHERE ($1 IS NULL OR industry = $1)
           AND ($2 IS NULL OR kind = $2)
           AND ($3 IS NULL OR year = $3)
           AND ($4 IS NULL OR status = $4)
           AND ($5 IS NULL OR organization_id = $5)
         ORDER BY year DESC, sequence"
    ))
    .bind(f.industry)
    .bind(f.kind)
    .bind(f.year)
    .bind(f.status)
    .bind(f.organization_id.map(|o| o.to_string()))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(Base::try_from).collect()
}
