//! Skill-level certification (C3.3): filings, sessions and their results, certificates, and the
//! decisions on each. Rows come back as domain values; a status changes only by compare-and-set
//! on (status, version), so two people acting at once cannot both succeed.

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::certification::{
    CertificateStatus, Filing, FilingStatus, Score, Scores, Session, SessionStatus, Validity,
};
use skillbase_domain::dictionary::{Dictionary, join_codes};
use skillbase_domain::ids::{BaseId, CertificateId, FilingId, ResultId, SessionId, TraineeId, UserId};
use skillbase_domain::roles::Role;
use skillbase_domain::training::{Category, Level};

use crate::training::{Page, PageRequest, code, codes, corrupt, date, day, id, like, occupation};
use crate::{Db, Result, StoreError, Tx, from_millis, millis};

fn score(tenths: i64) -> Result<Score> {
    Score::from_tenths(tenths).ok_or_else(|| corrupt("score", &tenths.to_string()))
}

fn optional_date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value.as_deref().map(date).transpose()
}

// ---------------------------------------------------------------- decisions

/// One step taken on a filing, a session or a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub subject_id: String,
    /// The step's code (`recommend`, `approve`, `submit`, `propose_revocation` …).
    pub action: String,
    pub actor_id: UserId,
    pub actor_name: String,
    pub actor_role: Role,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn insert_decision(tx: &mut Tx, d: &Decision) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO cert_decisions (id, subject_id, action, actor_id, actor_role, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(&d.id)
    .bind(&d.subject_id)
    .bind(&d.action)
    .bind(d.actor_id.to_string())
    .bind(d.actor_role.as_str())
    .bind(&d.comment)
    .bind(millis(d.at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

/// The history of one subject, oldest first.
pub async fn decisions(db: &Db, subject_id: &str) -> Result<Vec<Decision>> {
    type Row = (String, String, String, String, String, String, Option<String>, i64);
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT d.id, d.subject_id, d.action, d.actor_id, u.display_name, d.actor_role, d.comment, d.at
         FROM cert_decisions d JOIN users u ON u.id = d.actor_id
         WHERE d.subject_id = $1 ORDER BY d.id"
    )
    .bind(subject_id)
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id_, subject_id, action, actor, actor_name, role, comment, at)| {
            Ok(Decision {
                id: id_,
                subject_id,
                action,
                actor_id: id(&actor)?,
                actor_name,
                actor_role: role.parse::<Role>().map_err(|_| corrupt("role", &role))?,
                comment,
                at: from_millis(at)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- filings

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingRecord {
    pub id: FilingId,
    pub base_id: BaseId,
    pub base_name: String,
    pub filing: Filing,
    pub status: FilingStatus,
    pub validity: Option<Validity>,
    pub filed_by: UserId,
    pub filed_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct FilingRow {
    id: String,
    base_id: String,
    base_name: String,
    occupation: String,
    levels: String,
    note: Option<String>,
    status: String,
    valid_from: Option<String>,
    valid_until: Option<String>,
    filed_by: String,
    filed_at: i64,
    version: i64,
}

impl TryFrom<FilingRow> for FilingRecord {
    type Error = StoreError;
    fn try_from(r: FilingRow) -> Result<Self> {
        let validity = match (optional_date(r.valid_from)?, optional_date(r.valid_until)?) {
            (Some(from), Some(until)) => Some(Validity { from, until }),
            _ => None,
        };
        Ok(FilingRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            base_name: r.base_name,
            filing: Filing { occupation: occupation(&r.occupation)?, levels: codes(&r.levels)?, note: r.note },
            status: code(&r.status)?,
            validity,
            filed_by: id(&r.filed_by)?,
            filed_at: from_millis(r.filed_at)?,
            version: r.version,
        })
    }
}

pub async fn insert_filing(tx: &mut Tx, f: &FilingRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO cert_filings (id, base_id, occupation, levels, note, status, filed_by, filed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(f.id.to_string())
    .bind(f.base_id.to_string())
    .bind(f.filing.occupation.as_str())
    .bind(join_codes(&f.filing.levels))
    .bind(&f.filing.note)
    .bind(f.status.code())
    .bind(f.filed_by.to_string())
    .bind(millis(f.filed_at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

macro_rules! filing_select {
    ($tail:literal) => {
        concat!(
            "SELECT f.id, f.base_id, b.name AS base_name, f.occupation, f.levels, f.note, f.status, f.valid_from,
                    f.valid_until, f.filed_by, f.filed_at, f.version
             FROM cert_filings f JOIN bases b ON b.id = f.base_id ",
            $tail
        )
    };
}

/// Which filings to list: of one base, in one status.
#[derive(Debug, Clone, Default)]
pub struct FilingFilter {
    pub base: Option<BaseId>,
    pub status: Option<FilingStatus>,
}

pub async fn filings(db: &Db, f: &FilingFilter, page: &PageRequest) -> Result<Page<FilingRecord>> {
    let base = f.base.map(|b| b.to_string());
    let status = f.status.map(Dictionary::code);
    let rows: Vec<FilingRow> = on_pool!(db, |c| sqlx::query_as(filing_select!(
        "WHERE ($1 IS NULL OR f.base_id = $1) AND ($2 IS NULL OR f.status = $2) AND ($3 IS NULL OR f.id < $3)
         ORDER BY f.id DESC LIMIT $4"
    ))
    .bind(&base)
    .bind(status)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM cert_filings f WHERE ($1 IS NULL OR f.base_id = $1) AND ($2 IS NULL OR f.status = $2)"
    )
    .bind(&base)
    .bind(status)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(FilingRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

pub async fn filing(db: &Db, id: FilingId) -> Result<Option<FilingRecord>> {
    let row: Option<FilingRow> = on_pool!(db, |c| sqlx::query_as(filing_select!("WHERE f.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(FilingRecord::try_from).transpose()
}

/// The approved filings of a base (to find the one a session falls under).
pub async fn approved_filings(db: &Db, base: BaseId) -> Result<Vec<FilingRecord>> {
    let rows: Vec<FilingRow> = on_pool!(db, |c| sqlx::query_as(filing_select!(
        "WHERE f.base_id = $1 AND f.status = 'approved' ORDER BY f.id DESC"
    ))
    .bind(base.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(FilingRecord::try_from).collect()
}

/// Moves a filing from one status to another if nobody moved it first; an approval sets its
/// period.
pub async fn change_filing(
    tx: &mut Tx,
    id: FilingId,
    (from, to, version): (FilingStatus, FilingStatus, i64),
    validity: Option<Validity>,
) -> Result<bool> {
    let (valid_from, valid_until) = match validity {
        Some(v) => (Some(day(v.from)), Some(day(v.until))),
        None => (None, None),
    };
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE cert_filings SET status = $1, valid_from = COALESCE($2, valid_from),
                valid_until = COALESCE($3, valid_until), version = version + 1
         WHERE id = $4 AND status = $5 AND version = $6"
    )
    .bind(to.code())
    .bind(valid_from)
    .bind(valid_until)
    .bind(id.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

// ---------------------------------------------------------------- sessions

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub base_id: BaseId,
    pub base_name: String,
    pub filing_id: FilingId,
    pub session: Session,
    pub status: SessionStatus,
    /// Candidates entered, and how many of them passed.
    pub candidates: i64,
    pub passed: i64,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    base_id: String,
    base_name: String,
    filing_id: String,
    occupation: String,
    level: String,
    held_on: String,
    place: String,
    assessors: String,
    self_evaluation: i64,
    status: String,
    candidates: i64,
    passed: i64,
    created_by: String,
    created_at: i64,
    version: i64,
}

/// Assessors are stored joined by 、 (a name never holds one: the domain splits on it).
const ASSESSOR_SEPARATOR: &str = "、";

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self> {
        Ok(SessionRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            base_name: r.base_name,
            filing_id: id(&r.filing_id)?,
            session: Session {
                occupation: occupation(&r.occupation)?,
                level: code::<Level>(&r.level)?,
                held_on: date(&r.held_on)?,
                place: r.place,
                assessors: r.assessors.split(ASSESSOR_SEPARATOR).map(str::to_owned).collect(),
                self_evaluation: r.self_evaluation == 1,
            },
            status: code(&r.status)?,
            candidates: r.candidates,
            passed: r.passed,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
            version: r.version,
        })
    }
}

pub async fn insert_session(tx: &mut Tx, s: &SessionRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO cert_sessions (id, base_id, filing_id, occupation, level, held_on, place, assessors,
                                    self_evaluation, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(s.id.to_string())
    .bind(s.base_id.to_string())
    .bind(s.filing_id.to_string())
    .bind(s.session.occupation.as_str())
    .bind(s.session.level.code())
    .bind(day(s.session.held_on))
    .bind(&s.session.place)
    .bind(s.session.assessors.join(ASSESSOR_SEPARATOR))
    .bind(i64::from(s.session.self_evaluation))
    .bind(s.status.code())
    .bind(s.created_by.to_string())
    .bind(millis(s.created_at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

macro_rules! session_select {
    ($tail:literal) => {
        concat!(
            "SELECT s.id, s.base_id, b.name AS base_name, s.filing_id, s.occupation, s.level, s.held_on, s.place,
                    s.assessors, s.self_evaluation, s.status,
                    (SELECT COUNT(*) FROM cert_results r WHERE r.session_id = s.id) AS candidates,
                    (SELECT COUNT(*) FROM cert_results r WHERE r.session_id = s.id AND r.passed = 1) AS passed,
                    s.created_by, s.created_at, s.version
             FROM cert_sessions s JOIN bases b ON b.id = s.base_id ",
            $tail
        )
    };
}

/// Which sessions to list: of one base, in one status.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub base: Option<BaseId>,
    pub status: Option<SessionStatus>,
}

pub async fn sessions(db: &Db, f: &SessionFilter, page: &PageRequest) -> Result<Page<SessionRecord>> {
    let base = f.base.map(|b| b.to_string());
    let status = f.status.map(Dictionary::code);
    let rows: Vec<SessionRow> = on_pool!(db, |c| sqlx::query_as(session_select!(
        "WHERE ($1 IS NULL OR s.base_id = $1) AND ($2 IS NULL OR s.status = $2) AND ($3 IS NULL OR s.id < $3)
         ORDER BY s.id DESC LIMIT $4"
    ))
    .bind(&base)
    .bind(status)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM cert_sessions s WHERE ($1 IS NULL OR s.base_id = $1) AND ($2 IS NULL OR s.status = $2)"
    )
    .bind(&base)
    .bind(status)
    .fetch_one(c)
    .await
    })?;
    let rows = rows.into_iter().map(SessionRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

pub async fn session(db: &Db, id: SessionId) -> Result<Option<SessionRecord>> {
    let row: Option<SessionRow> = on_pool!(db, |c| sqlx::query_as(session_select!("WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(SessionRecord::try_from).transpose()
}

pub async fn session_in(tx: &mut Tx, id: SessionId) -> Result<Option<SessionRecord>> {
    let row: Option<SessionRow> = on_tx!(tx, |c| sqlx::query_as(session_select!("WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(SessionRecord::try_from).transpose()
}

/// Takes the session for a change of its results: true if it is still editable (the row is
/// then locked until the transaction ends, so a submission cannot slip in between).
pub async fn lock_editable_session(tx: &mut Tx, id: SessionId) -> Result<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE cert_sessions SET version = version + 1 WHERE id = $1 AND status IN ('draft', 'returned')"
    )
    .bind(id.to_string())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

pub async fn change_session(
    tx: &mut Tx,
    id: SessionId,
    (from, to, version): (SessionStatus, SessionStatus, i64),
) -> Result<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE cert_sessions SET status = $1, version = version + 1 WHERE id = $2 AND status = $3 AND version = $4"
    )
    .bind(to.code())
    .bind(id.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

// ---------------------------------------------------------------- results

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    pub id: ResultId,
    pub session_id: SessionId,
    pub base_id: BaseId,
    pub trainee_id: TraineeId,
    pub trainee_name: String,
    pub masked_id: String,
    pub category: Category,
    pub scores: Scores,
    pub passed: bool,
    /// The certificate issued on publication, if the candidate passed.
    pub certificate: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ResultRow {
    id: String,
    session_id: String,
    base_id: String,
    trainee_id: String,
    trainee_name: String,
    masked_id: String,
    category: String,
    theory: i64,
    practical: i64,
    passed: i64,
    certificate: Option<String>,
    created_by: String,
    created_at: i64,
}

impl TryFrom<ResultRow> for ResultRecord {
    type Error = StoreError;
    fn try_from(r: ResultRow) -> Result<Self> {
        Ok(ResultRecord {
            id: id(&r.id)?,
            session_id: id(&r.session_id)?,
            base_id: id(&r.base_id)?,
            trainee_id: id(&r.trainee_id)?,
            trainee_name: r.trainee_name,
            masked_id: r.masked_id,
            category: code(&r.category)?,
            scores: Scores { theory: score(r.theory)?, practical: score(r.practical)? },
            passed: r.passed == 1,
            certificate: r.certificate,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

macro_rules! result_select {
    ($tail:literal) => {
        concat!(
            "SELECT r.id, r.session_id, r.base_id, r.trainee_id, t.name AS trainee_name,
                    t.resident_id_masked AS masked_id, t.category, r.theory, r.practical, r.passed,
                    c.number AS certificate, r.created_by, r.created_at
             FROM cert_results r JOIN trainees t ON t.id = r.trainee_id
             LEFT JOIN certificates c ON c.result_id = r.id ",
            $tail
        )
    };
}

/// Enters a candidate's scores, or replaces those already entered for the same trainee.
/// Returns the result's id.
pub async fn put_result(tx: &mut Tx, r: &ResultRecord) -> Result<ResultId> {
    let existing: Option<String> =
        on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM cert_results WHERE session_id = $1 AND trainee_id = $2")
            .bind(r.session_id.to_string())
            .bind(r.trainee_id.to_string())
            .fetch_optional(c)
            .await)?;
    if let Some(existing) = existing {
        on_tx!(tx, |c| sqlx::query("UPDATE cert_results SET theory = $1, practical = $2, passed = $3 WHERE id = $4")
            .bind(r.scores.theory.tenths())
            .bind(r.scores.practical.tenths())
            .bind(i64::from(r.passed))
            .bind(&existing)
            .execute(c)
            .await
            .map(drop))?;
        return id(&existing);
    }
    on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO cert_results (id, session_id, base_id, trainee_id, theory, practical, passed, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(r.id.to_string())
    .bind(r.session_id.to_string())
    .bind(r.base_id.to_string())
    .bind(r.trainee_id.to_string())
    .bind(r.scores.theory.tenths())
    .bind(r.scores.practical.tenths())
    .bind(i64::from(r.passed))
    .bind(r.created_by.to_string())
    .bind(millis(r.created_at))
    .execute(c)
    .await
    .map(drop)
    })?;
    Ok(r.id)
}

pub async fn delete_result(tx: &mut Tx, session: SessionId, result: ResultId) -> Result<bool> {
    let deleted = on_tx!(tx, |c| sqlx::query("DELETE FROM cert_results WHERE id = $1 AND session_id = $2")
        .bind(result.to_string())
        .bind(session.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(deleted == 1)
}

/// One page of a session's results, by candidate name contains.
pub async fn results(
    db: &Db,
    session: SessionId,
    name: Option<&str>,
    page: &PageRequest,
) -> Result<Page<ResultRecord>> {
    let session = session.to_string();
    let name = name.map(like);
    let rows: Vec<ResultRow> = on_pool!(db, |c| sqlx::query_as(result_select!(
        "WHERE r.session_id = $1 AND ($2 IS NULL OR t.name LIKE $2) AND ($3 IS NULL OR r.id < $3)
         ORDER BY r.id DESC LIMIT $4"
    ))
    .bind(&session)
    .bind(&name)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM cert_results r JOIN trainees t ON t.id = r.trainee_id
         WHERE r.session_id = $1 AND ($2 IS NULL OR t.name LIKE $2)"
    )
    .bind(&session)
    .bind(&name)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(ResultRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

/// Every result of a session, in the transaction that publishes it.
pub async fn results_in(tx: &mut Tx, session: SessionId) -> Result<Vec<ResultRecord>> {
    let rows: Vec<ResultRow> = on_tx!(tx, |c| sqlx::query_as(result_select!("WHERE r.session_id = $1 ORDER BY r.id"))
        .bind(session.to_string())
        .fetch_all(c)
        .await)?;
    rows.into_iter().map(ResultRecord::try_from).collect()
}

// ---------------------------------------------------------------- certificates

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub id: CertificateId,
    pub number: String,
    pub year: i64,
    pub sequence: i64,
    pub base_id: BaseId,
    pub session_id: SessionId,
    pub result_id: ResultId,
    pub trainee_id: TraineeId,
    pub holder_name: String,
    pub masked_id: String,
    pub occupation: String,
    pub level: Level,
    pub issued_on: NaiveDate,
    /// The signed statement, as JSON.
    pub statement: String,
    pub signature: String,
    pub key_id: String,
    pub status: CertificateStatus,
    pub revoked_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct CertificateRow {
    id: String,
    number: String,
    year: i64,
    sequence: i64,
    base_id: String,
    session_id: String,
    result_id: String,
    trainee_id: String,
    holder_name: String,
    masked_id: String,
    occupation: String,
    level: String,
    issued_on: String,
    statement: String,
    signature: String,
    key_id: String,
    status: String,
    revoked_on: Option<String>,
    created_at: i64,
    version: i64,
}

impl TryFrom<CertificateRow> for CertificateRecord {
    type Error = StoreError;
    fn try_from(r: CertificateRow) -> Result<Self> {
        Ok(CertificateRecord {
            id: id(&r.id)?,
            number: r.number,
            year: r.year,
            sequence: r.sequence,
            base_id: id(&r.base_id)?,
            session_id: id(&r.session_id)?,
            result_id: id(&r.result_id)?,
            trainee_id: id(&r.trainee_id)?,
            holder_name: r.holder_name,
            masked_id: r.masked_id,
            occupation: r.occupation,
            level: code(&r.level)?,
            issued_on: date(&r.issued_on)?,
            statement: r.statement,
            signature: r.signature,
            key_id: r.key_id,
            status: code(&r.status)?,
            revoked_on: optional_date(r.revoked_on)?,
            created_at: from_millis(r.created_at)?,
            version: r.version,
        })
    }
}

macro_rules! certificate_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, number, year, sequence, base_id, session_id, result_id, trainee_id, holder_name,
                    masked_id, occupation, level, issued_on, statement, signature, key_id, status, revoked_on,
                    created_at, version
             FROM certificates ",
            $tail
        )
    };
}

/// The next sequence number of `year`'s certificates.
pub async fn next_certificate_sequence(tx: &mut Tx, year: i64) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT CAST(COALESCE(MAX(sequence), 0) + 1 AS BIGINT) FROM certificates WHERE year = $1"
    )
    .bind(year)
    .fetch_one(c)
    .await)?;
    Ok(n)
}

pub async fn insert_certificate(tx: &mut Tx, c_: &CertificateRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO certificates (id, number, year, sequence, base_id, session_id, result_id, trainee_id, holder_name,
                                   masked_id, occupation, level, issued_on, statement, signature, key_id, status,
                                   revoked_on, created_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    )
    .bind(c_.id.to_string())
    .bind(&c_.number)
    .bind(c_.year)
    .bind(c_.sequence)
    .bind(c_.base_id.to_string())
    .bind(c_.session_id.to_string())
    .bind(c_.result_id.to_string())
    .bind(c_.trainee_id.to_string())
    .bind(&c_.holder_name)
    .bind(&c_.masked_id)
    .bind(&c_.occupation)
    .bind(c_.level.code())
    .bind(day(c_.issued_on))
    .bind(&c_.statement)
    .bind(&c_.signature)
    .bind(&c_.key_id)
    .bind(c_.status.code())
    .bind(c_.revoked_on.map(day))
    .bind(millis(c_.created_at))
    .bind(c_.version)
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

pub async fn certificate(db: &Db, id: CertificateId) -> Result<Option<CertificateRecord>> {
    let row: Option<CertificateRow> = on_pool!(db, |c| sqlx::query_as(certificate_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(CertificateRecord::try_from).transpose()
}

pub async fn certificate_by_number(db: &Db, number: &str) -> Result<Option<CertificateRecord>> {
    let row: Option<CertificateRow> = on_pool!(db, |c| sqlx::query_as(certificate_select!("WHERE number = $1"))
        .bind(number)
        .fetch_optional(c)
        .await)?;
    row.map(CertificateRecord::try_from).transpose()
}

/// Which certificates to list.
#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    pub base: Option<BaseId>,
    pub session: Option<SessionId>,
    pub status: Option<CertificateStatus>,
    /// Part of the holder's name.
    pub holder: Option<String>,
}

pub async fn certificates(db: &Db, f: &CertificateFilter, page: &PageRequest) -> Result<Page<CertificateRecord>> {
    let base = f.base.map(|b| b.to_string());
    let session = f.session.map(|s| s.to_string());
    let status = f.status.map(Dictionary::code);
    let holder = f.holder.as_deref().map(like);
    let rows: Vec<CertificateRow> = on_pool!(db, |c| sqlx::query_as(certificate_select!(
        "WHERE ($1 IS NULL OR base_id = $1) AND ($2 IS NULL OR session_id = $2) AND ($3 IS NULL OR status = $3)
           AND ($4 IS NULL OR holder_name LIKE $4) AND ($5 IS NULL OR id < $5)
         ORDER BY id DESC LIMIT $6"
    ))
    .bind(&base)
    .bind(&session)
    .bind(status)
    .bind(&holder)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM certificates
         WHERE ($1 IS NULL OR base_id = $1) AND ($2 IS NULL OR session_id = $2) AND ($3 IS NULL OR status = $3)
           AND ($4 IS NULL OR holder_name LIKE $4)"
    )
    .bind(&base)
    .bind(&session)
    .bind(status)
    .bind(&holder)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(CertificateRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

pub async fn change_certificate(
    tx: &mut Tx,
    id: CertificateId,
    (from, to, version): (CertificateStatus, CertificateStatus, i64),
    revoked_on: Option<NaiveDate>,
) -> Result<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE certificates SET status = $1, revoked_on = $2, version = version + 1
         WHERE id = $3 AND status = $4 AND version = $5"
    )
    .bind(to.code())
    .bind(revoked_on.map(day))
    .bind(id.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// A base's certificates issued in `year` by level, revoked ones not counted (for the annual
/// review).
pub async fn certificates_by_level(db: &Db, base: BaseId, year: i64) -> Result<Vec<(Level, i64)>> {
    let rows: Vec<(String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT level, COUNT(*) FROM certificates WHERE base_id = $1 AND year = $2 AND status <> 'revoked'
         GROUP BY level"
    )
    .bind(base.to_string())
    .bind(year)
    .fetch_all(c)
    .await)?;
    let mut counts: Vec<(Level, i64)> =
        rows.into_iter().map(|(level, n)| Ok((code::<Level>(&level)?, n))).collect::<Result<_>>()?;
    counts.sort();
    Ok(counts)
}
