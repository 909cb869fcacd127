//! A base's training records: projects, classes, trainees, enrolments, master–apprentice pairs,
//! competitions and roster imports. Rows come back as domain values (typed ids, dictionaries,
//! dates); a stored value that no longer parses is [`StoreError::Corrupt`], never a default.
//!
//! Lists are read a page at a time, newest first, by keyset (see [`crate::page`]).

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::dictionary::{Dictionary, join_codes, split_codes};
use skillbase_domain::ids::{
    BaseId, ClassId, CompetitionId, EnrolmentId, PairId, ProjectId, RosterImportId, TraineeId, UserId,
};
use skillbase_domain::occupation::OccupationCode;
use skillbase_domain::training::{
    Category, Class, Competition, CompetitionLevel, Completion, Enrolment, Entry, Mode, Outcome, Pair, PairOutcome,
    Project, Relation,
};

use crate::{Db, Result, StoreError, Tx, from_millis, millis};

// ---------------------------------------------------------------- reading values back

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

pub(crate) fn id<T: std::str::FromStr>(value: &str) -> Result<T> {
    value.parse().map_err(|_| corrupt("id", value))
}

pub(crate) fn code<D: Dictionary>(value: &str) -> Result<D> {
    D::parse(value).ok_or_else(|| corrupt("code", value))
}

pub(crate) fn codes<D: Dictionary>(value: &str) -> Result<Vec<D>> {
    split_codes(value).ok_or_else(|| corrupt("codes", value))
}

pub(crate) fn date(value: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| corrupt("date", value))
}

pub(crate) fn occupation(value: &str) -> Result<OccupationCode> {
    OccupationCode::parse(value).map_err(|_| corrupt("occupation", value))
}

fn count(value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| corrupt("count", &value.to_string()))
}

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------- pages

pub use crate::page::{Page, PageRequest};

// ---------------------------------------------------------------- projects

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    pub id: ProjectId,
    pub base_id: BaseId,
    pub project: Project,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: String,
    base_id: String,
    occupation: String,
    levels: String,
    criteria: String,
    description: Option<String>,
    created_by: String,
    created_at: i64,
}

impl TryFrom<ProjectRow> for ProjectRecord {
    type Error = StoreError;
    fn try_from(r: ProjectRow) -> Result<Self> {
        Ok(ProjectRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            project: Project {
                occupation: occupation(&r.occupation)?,
                levels: codes(&r.levels)?,
                criteria: codes(&r.criteria)?,
                description: r.description,
            },
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

pub async fn insert_project(tx: &mut Tx, p: &ProjectRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO training_projects (id, base_id, occupation, levels, criteria, description, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(p.id.to_string())
    .bind(p.base_id.to_string())
    .bind(p.project.occupation.as_str())
    .bind(join_codes(&p.project.levels))
    .bind(join_codes(&p.project.criteria))
    .bind(&p.project.description)
    .bind(p.created_by.to_string())
    .bind(millis(p.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! project_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, base_id, occupation, levels, criteria, description, created_by, created_at FROM training_projects ",
            $tail
        )
    };
}

/// The base's projects, newest first (a base has a handful).
pub async fn projects(db: &Db, base: BaseId) -> Result<Vec<ProjectRecord>> {
    let rows: Vec<ProjectRow> =
        on_pool!(db, |c| sqlx::query_as(project_select!("WHERE base_id = $1 ORDER BY id DESC"))
            .bind(base.to_string())
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(ProjectRecord::try_from).collect()
}

pub async fn project(db: &Db, id: ProjectId) -> Result<Option<ProjectRecord>> {
    let row: Option<ProjectRow> = on_pool!(db, |c| sqlx::query_as(project_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(ProjectRecord::try_from).transpose()
}

// ---------------------------------------------------------------- classes

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRecord {
    pub id: ClassId,
    pub base_id: BaseId,
    pub project_id: ProjectId,
    /// The project's occupation (read with the class).
    pub occupation: OccupationCode,
    pub class: Class,
    /// How many trainees are enrolled.
    pub enrolled: i64,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ClassRow {
    id: String,
    base_id: String,
    project_id: String,
    occupation: String,
    name: String,
    mode: String,
    college: Option<String>,
    target_group: Option<String>,
    starts_on: String,
    ends_on: String,
    hours: i64,
    place: String,
    teachers: String,
    innovations: String,
    enrolled: i64,
    created_by: String,
    created_at: i64,
}

impl TryFrom<ClassRow> for ClassRecord {
    type Error = StoreError;
    fn try_from(r: ClassRow) -> Result<Self> {
        Ok(ClassRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            project_id: id(&r.project_id)?,
            occupation: occupation(&r.occupation)?,
            class: Class {
                name: r.name,
                mode: code(&r.mode)?,
                college: r.college,
                target_group: r.target_group.as_deref().map(code).transpose()?,
                starts_on: date(&r.starts_on)?,
                ends_on: date(&r.ends_on)?,
                hours: count(r.hours)?,
                place: r.place,
                teachers: r.teachers,
                innovations: codes(&r.innovations)?,
            },
            enrolled: r.enrolled,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

/// A new class (its project is the caller's to check).
#[derive(Debug, Clone)]
pub struct NewClass<'a> {
    pub id: ClassId,
    pub base_id: BaseId,
    pub project_id: ProjectId,
    pub class: &'a Class,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_class(tx: &mut Tx, n: &NewClass<'_>) -> Result<()> {
    let k = n.class;
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO training_classes (id, base_id, project_id, name, mode, college, target_group, starts_on, ends_on,
                                       hours, place, teachers, innovations, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )
    .bind(n.id.to_string())
    .bind(n.base_id.to_string())
    .bind(n.project_id.to_string())
    .bind(&k.name)
    .bind(k.mode.code())
    .bind(&k.college)
    .bind(k.target_group.map(Dictionary::code))
    .bind(day(k.starts_on))
    .bind(day(k.ends_on))
    .bind(i64::from(k.hours))
    .bind(&k.place)
    .bind(&k.teachers)
    .bind(join_codes(&k.innovations))
    .bind(n.created_by.to_string())
    .bind(millis(n.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! class_select {
    ($tail:literal) => {
        concat!(
            "SELECT k.id, k.base_id, k.project_id, p.occupation, k.name, k.mode, k.college, k.target_group, k.starts_on,
                    k.ends_on, k.hours, k.place, k.teachers, k.innovations,
                    (SELECT COUNT(*) FROM enrolments e WHERE e.class_id = k.id) AS enrolled,
                    k.created_by, k.created_at
             FROM training_classes k JOIN training_projects p ON p.id = k.project_id ",
            $tail
        )
    };
}

/// Which classes to list.
#[derive(Debug, Clone, Default)]
pub struct ClassFilter {
    pub project: Option<ProjectId>,
    pub mode: Option<Mode>,
    /// Part of the name.
    pub name: Option<String>,
}

pub async fn classes(db: &Db, base: BaseId, f: &ClassFilter, page: &PageRequest) -> Result<Page<ClassRecord>> {
    let base = base.to_string();
    let project = f.project.map(|p| p.to_string());
    let mode = f.mode.map(Dictionary::code);
    let name = f.name.as_deref().map(like);
    let rows: Vec<ClassRow> = on_pool!(db, |c| sqlx::query_as(class_select!(
        "WHERE k.base_id = $1 AND ($2 IS NULL OR k.project_id = $2) AND ($3 IS NULL OR k.mode = $3)
           AND ($4 IS NULL OR k.name LIKE $4) AND ($5 IS NULL OR k.id < $5)
         ORDER BY k.id DESC LIMIT $6"
    ))
    .bind(&base)
    .bind(&project)
    .bind(mode)
    .bind(&name)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM training_classes k
         WHERE k.base_id = $1 AND ($2 IS NULL OR k.project_id = $2) AND ($3 IS NULL OR k.mode = $3)
           AND ($4 IS NULL OR k.name LIKE $4)"
    )
    .bind(&base)
    .bind(&project)
    .bind(mode)
    .bind(&name)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(ClassRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |k| k.id.to_string()))
}

pub async fn class(db: &Db, id: ClassId) -> Result<Option<ClassRecord>> {
    let row: Option<ClassRow> = on_pool!(db, |c| sqlx::query_as(class_select!("WHERE k.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(ClassRecord::try_from).transpose()
}

/// The base's class of this name (rosters name classes).
pub async fn class_named(tx: &mut Tx, base: BaseId, name: &str) -> Result<Option<ClassRecord>> {
    let row: Option<ClassRow> = on_tx!(tx, |c| sqlx::query_as(class_select!("WHERE k.base_id = $1 AND k.name = $2"))
        .bind(base.to_string())
        .bind(name)
        .fetch_optional(c)
        .await)?;
    row.map(ClassRecord::try_from).transpose()
}

/// `%text%` for LIKE, with the pattern characters of `text` taken literally.
pub(crate) fn like(text: &str) -> String {
    let escaped: String = text.chars().filter(|c| !matches!(c, '%' | '_' | '\\')).collect();
    format!("%{escaped}%")
}

// ---------------------------------------------------------------- trainees

/// A trainee as stored: the ID number and phone only sealed and masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraineeRecord {
    pub id: TraineeId,
    pub base_id: BaseId,
    pub name: String,
    /// `sm4gcm:…`, bound to the trainee's id (see `app`).
    pub resident_id_sealed: String,
    /// The keyed blind index of the number (exact search, one person per base).
    pub resident_id_index: String,
    pub resident_id_masked: String,
    pub phone_sealed: Option<String>,
    pub phone_masked: Option<String>,
    pub employer: Option<String>,
    pub employer_uscc: Option<String>,
    pub relation: Relation,
    pub category: Category,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TraineeRow {
    id: String,
    base_id: String,
    name: String,
    resident_id_sealed: String,
    resident_id_index: String,
    resident_id_masked: String,
    phone_sealed: Option<String>,
    phone_masked: Option<String>,
    employer: Option<String>,
    employer_uscc: Option<String>,
    relation: String,
    category: String,
    created_by: String,
    created_at: i64,
}

impl TryFrom<TraineeRow> for TraineeRecord {
    type Error = StoreError;
    fn try_from(r: TraineeRow) -> Result<Self> {
        Ok(TraineeRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            name: r.name,
            resident_id_sealed: r.resident_id_sealed,
            resident_id_index: r.resident_id_index,
            resident_id_masked: r.resident_id_masked,
            phone_sealed: r.phone_sealed,
            phone_masked: r.phone_masked,
            employer: r.employer,
            employer_uscc: r.employer_uscc,
            relation: code(&r.relation)?,
            category: code(&r.category)?,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

macro_rules! trainee_columns {
    () => {
        "id, base_id, name, resident_id_sealed, resident_id_index, resident_id_masked, phone_sealed, phone_masked, employer,
         employer_uscc, relation, category, created_by, created_at"
    };
}

macro_rules! trainee_where {
    () => {
        "WHERE base_id = $1 AND ($2 IS NULL OR name LIKE $2) AND ($3 IS NULL OR resident_id_index = $3)
           AND ($4 IS NULL OR category = $4) AND ($5 IS NULL OR relation = $5)"
    };
}

pub async fn insert_trainee(tx: &mut Tx, t: &TraineeRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(concat!(
        "INSERT INTO trainees (",
        trainee_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    ))
    .bind(t.id.to_string())
    .bind(t.base_id.to_string())
    .bind(&t.name)
    .bind(&t.resident_id_sealed)
    .bind(&t.resident_id_index)
    .bind(&t.resident_id_masked)
    .bind(&t.phone_sealed)
    .bind(&t.phone_masked)
    .bind(&t.employer)
    .bind(&t.employer_uscc)
    .bind(t.relation.code())
    .bind(t.category.code())
    .bind(t.created_by.to_string())
    .bind(millis(t.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Rows per statement of [`insert_trainees`] on PostgreSQL: 14 values a row, so 14,000
/// parameters, within its 65,535 (and SQLite's 32,766).
const TRAINEES_PER_INSERT: usize = 1_000;

/// Many trainees (an import). On PostgreSQL a multi-row `INSERT` per [`TRAINEES_PER_INSERT`]
/// rows: one round trip per chunk instead of one per row (100,000 rows: 14.1 s → 4.3 s, see
/// bench/RESULTS.md). On SQLite one row a statement: there is no round trip to save, and with
/// statements of 1,000 rows the import took four times as long (6.1 s → 26.7 s).
pub async fn insert_trainees(tx: &mut Tx, trainees: &[TraineeRecord]) -> Result<()> {
    if matches!(tx.0, crate::TxInner::Sqlite(_)) {
        for t in trainees {
            insert_trainee(tx, t).await?;
        }
        return Ok(());
    }
    let mut sql = String::new();
    let mut sql_rows = 0;
    for chunk in trainees.chunks(TRAINEES_PER_INSERT) {
        // Only placeholders are spliced in: the values are bound. Every full chunk reuses one
        // statement text (and so one prepared statement).
        if sql_rows != chunk.len() {
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let marks: Vec<String> = (1..=14).map(|c| format!("${}", r * 14 + c)).collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            sql = format!(concat!("INSERT INTO trainees (", trainee_columns!(), ") VALUES {}"), rows.join(", "));
            sql_rows = chunk.len();
        }
        on_tx!(tx, |c| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for t in chunk {
                query = query
                    .bind(t.id.to_string())
                    .bind(t.base_id.to_string())
                    .bind(&t.name)
                    .bind(&t.resident_id_sealed)
                    .bind(&t.resident_id_index)
                    .bind(&t.resident_id_masked)
                    .bind(&t.phone_sealed)
                    .bind(&t.phone_masked)
                    .bind(&t.employer)
                    .bind(&t.employer_uscc)
                    .bind(t.relation.code())
                    .bind(t.category.code())
                    .bind(t.created_by.to_string())
                    .bind(millis(t.created_at));
            }
            query.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

/// Which trainees to list.
#[derive(Debug, Clone, Default)]
pub struct TraineeFilter {
    /// Part of the name.
    pub name: Option<String>,
    /// The blind index of an exact ID number.
    pub index: Option<String>,
    pub category: Option<Category>,
    pub relation: Option<Relation>,
}

pub async fn trainees(db: &Db, base: BaseId, f: &TraineeFilter, page: &PageRequest) -> Result<Page<TraineeRecord>> {
    let base = base.to_string();
    // The exact search has its own statement, on the unique key: a planner that prepares the
    // optional filters below without their values (SQLite) would scan the base's rows.
    if let Some(index) = &f.index {
        let row: Option<TraineeRow> = on_pool!(db, |c| sqlx::query_as(concat!(
            "SELECT ",
            trainee_columns!(),
            " FROM trainees WHERE base_id = $1 AND resident_id_index = $2"
        ))
        .bind(&base)
        .bind(index)
        .fetch_optional(c)
        .await)?;
        let items: Vec<TraineeRecord> = row
            .map(TraineeRecord::try_from)
            .transpose()?
            .into_iter()
            .filter(|t| f.name.as_deref().is_none_or(|n| t.name.contains(n)))
            .filter(|t| f.category.is_none_or(|c| t.category == c))
            .filter(|t| f.relation.is_none_or(|r| t.relation == r))
            .filter(|_| page.after.is_none())
            .collect();
        let total = i64::try_from(items.len()).unwrap_or_default();
        return Ok(Page { items, total, next: None });
    }
    let name = f.name.as_deref().map(like);
    let category = f.category.map(Dictionary::code);
    let relation = f.relation.map(Dictionary::code);
    let rows: Vec<TraineeRow> = on_pool!(db, |c| sqlx::query_as(concat!(
        "SELECT ",
        trainee_columns!(),
        " FROM trainees ",
        trainee_where!(),
        " AND ($6 IS NULL OR id < $6) ORDER BY id DESC LIMIT $7"
    ))
    .bind(&base)
    .bind(&name)
    .bind(&f.index)
    .bind(category)
    .bind(relation)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(concat!("SELECT COUNT(*) FROM trainees ", trainee_where!()))
        .bind(&base)
        .bind(&name)
        .bind(&f.index)
        .bind(category)
        .bind(relation)
        .fetch_one(c)
        .await)?;
    let rows = rows.into_iter().map(TraineeRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |t| t.id.to_string()))
}

pub async fn trainee(db: &Db, id: TraineeId) -> Result<Option<TraineeRecord>> {
    let row: Option<TraineeRow> =
        on_pool!(db, |c| sqlx::query_as(concat!("SELECT ", trainee_columns!(), " FROM trainees WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(c)
            .await)?;
    row.map(TraineeRecord::try_from).transpose()
}

/// The base's trainees with these blind indexes (an import's duplicates, an enrolment roster's
/// people), read inside the writing transaction.
pub async fn trainees_by_index(tx: &mut Tx, base: BaseId, indexes: &[String]) -> Result<Vec<TraineeRecord>> {
    let mut found = Vec::new();
    // In chunks, so the statement stays within both engines' parameter limits.
    for chunk in indexes.chunks(500) {
        let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        // Only placeholders are spliced in: the values are bound.
        let sql = format!(
            concat!("SELECT ", trainee_columns!(), " FROM trainees WHERE base_id = $1 AND resident_id_index IN ({})"),
            marks.join(", ")
        );
        let rows: Vec<TraineeRow> = on_tx!(tx, |c| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(base.to_string());
            for index in chunk {
                query = query.bind(index);
            }
            query.fetch_all(c).await
        })?;
        for row in rows {
            found.push(TraineeRecord::try_from(row)?);
        }
    }
    Ok(found)
}

// ---------------------------------------------------------------- enrolments

/// An enrolment with the names a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentRecord {
    pub id: EnrolmentId,
    pub base_id: BaseId,
    pub class_id: ClassId,
    pub class_name: String,
    pub trainee_id: TraineeId,
    pub trainee_name: String,
    pub trainee_masked: String,
    pub enrolment: Enrolment,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct EnrolmentRow {
    id: String,
    base_id: String,
    class_id: String,
    class_name: String,
    trainee_id: String,
    trainee_name: String,
    trainee_masked: String,
    hours: i64,
    completion: String,
    outcome: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<EnrolmentRow> for EnrolmentRecord {
    type Error = StoreError;
    fn try_from(r: EnrolmentRow) -> Result<Self> {
        Ok(EnrolmentRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            class_id: id(&r.class_id)?,
            class_name: r.class_name,
            trainee_id: id(&r.trainee_id)?,
            trainee_name: r.trainee_name,
            trainee_masked: r.trainee_masked,
            enrolment: Enrolment {
                hours: count(r.hours)?,
                completion: code::<Completion>(&r.completion)?,
                outcome: code::<Outcome>(&r.outcome)?,
            },
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
            updated_at: from_millis(r.updated_at)?,
        })
    }
}

/// A new enrolment.
#[derive(Debug, Clone)]
pub struct NewEnrolment {
    pub id: EnrolmentId,
    pub base_id: BaseId,
    pub class_id: ClassId,
    pub trainee_id: TraineeId,
    pub enrolment: Enrolment,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_enrolment(tx: &mut Tx, n: &NewEnrolment) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO enrolments (id, base_id, class_id, trainee_id, hours, completion, outcome, created_by, created_at,
                                 updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"
    )
    .bind(n.id.to_string())
    .bind(n.base_id.to_string())
    .bind(n.class_id.to_string())
    .bind(n.trainee_id.to_string())
    .bind(i64::from(n.enrolment.hours))
    .bind(n.enrolment.completion.code())
    .bind(n.enrolment.outcome.code())
    .bind(n.created_by.to_string())
    .bind(millis(n.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Records attendance and the result; `false` if there is no such enrolment.
pub async fn update_enrolment(tx: &mut Tx, id: EnrolmentId, enrolment: &Enrolment, at: DateTime<Utc>) -> Result<bool> {
    let changed = on_tx!(tx, |c| sqlx::query(
        "UPDATE enrolments SET hours = $2, completion = $3, outcome = $4, updated_at = $5, version = version + 1
         WHERE id = $1"
    )
    .bind(id.to_string())
    .bind(i64::from(enrolment.hours))
    .bind(enrolment.completion.code())
    .bind(enrolment.outcome.code())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

macro_rules! enrolment_select {
    ($tail:literal) => {
        concat!(
            "SELECT e.id, e.base_id, e.class_id, k.name AS class_name, e.trainee_id, t.name AS trainee_name,
                    t.resident_id_masked AS trainee_masked, e.hours, e.completion, e.outcome, e.created_by,
                    e.created_at, e.updated_at
             FROM enrolments e JOIN training_classes k ON k.id = e.class_id JOIN trainees t ON t.id = e.trainee_id ",
            $tail
        )
    };
}

/// Which enrolments to list.
#[derive(Debug, Clone, Default)]
pub struct EnrolmentFilter {
    pub class: Option<ClassId>,
    pub trainee: Option<TraineeId>,
    pub completion: Option<Completion>,
}

pub async fn enrolments(
    db: &Db,
    base: BaseId,
    f: &EnrolmentFilter,
    page: &PageRequest,
) -> Result<Page<EnrolmentRecord>> {
    let base = base.to_string();
    let class = f.class.map(|k| k.to_string());
    let trainee = f.trainee.map(|t| t.to_string());
    let completion = f.completion.map(Dictionary::code);
    let rows: Vec<EnrolmentRow> = on_pool!(db, |c| sqlx::query_as(enrolment_select!(
        "WHERE e.base_id = $1 AND ($2 IS NULL OR e.class_id = $2) AND ($3 IS NULL OR e.trainee_id = $3)
           AND ($4 IS NULL OR e.completion = $4) AND ($5 IS NULL OR e.id < $5)
         ORDER BY e.id DESC LIMIT $6"
    ))
    .bind(&base)
    .bind(&class)
    .bind(&trainee)
    .bind(completion)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments e
         WHERE e.base_id = $1 AND ($2 IS NULL OR e.class_id = $2) AND ($3 IS NULL OR e.trainee_id = $3)
           AND ($4 IS NULL OR e.completion = $4)"
    )
    .bind(&base)
    .bind(&class)
    .bind(&trainee)
    .bind(completion)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(EnrolmentRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |e| e.id.to_string()))
}

pub async fn enrolment(db: &Db, id: EnrolmentId) -> Result<Option<EnrolmentRecord>> {
    let row: Option<EnrolmentRow> = on_pool!(db, |c| sqlx::query_as(enrolment_select!("WHERE e.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(EnrolmentRecord::try_from).transpose()
}

/// Is this trainee already in this class?
pub async fn is_enrolled(tx: &mut Tx, class: ClassId, trainee: TraineeId) -> Result<bool> {
    let n: i64 =
        on_tx!(tx, |c| sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE class_id = $1 AND trainee_id = $2")
            .bind(class.to_string())
            .bind(trainee.to_string())
            .fetch_one(c)
            .await)?;
    Ok(n > 0)
}

// ---------------------------------------------------------------- master–apprentice pairs

/// A stored file: content address, sniffed type, sanitised name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub hash: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRecord {
    pub id: PairId,
    pub base_id: BaseId,
    pub apprentice_id: TraineeId,
    pub apprentice_name: String,
    pub pair: Pair,
    pub agreement: StoredFile,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    id: String,
    base_id: String,
    apprentice_id: String,
    apprentice_name: String,
    master: String,
    master_title: Option<String>,
    occupation: String,
    starts_on: String,
    ends_on: String,
    outcome: String,
    agreement_hash: String,
    agreement_kind: String,
    agreement_name: String,
    created_by: String,
    created_at: i64,
}

impl TryFrom<PairRow> for PairRecord {
    type Error = StoreError;
    fn try_from(r: PairRow) -> Result<Self> {
        Ok(PairRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            apprentice_id: id(&r.apprentice_id)?,
            apprentice_name: r.apprentice_name,
            pair: Pair {
                master: r.master,
                master_title: r.master_title,
                occupation: occupation(&r.occupation)?,
                starts_on: date(&r.starts_on)?,
                ends_on: date(&r.ends_on)?,
                outcome: code::<PairOutcome>(&r.outcome)?,
            },
            agreement: StoredFile { hash: r.agreement_hash, kind: r.agreement_kind, name: r.agreement_name },
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

pub async fn insert_pair(tx: &mut Tx, p: &PairRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO apprenticeships (id, base_id, master, master_title, apprentice_id, occupation, starts_on, ends_on,
                                      outcome, agreement_hash, agreement_kind, agreement_name, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )
    .bind(p.id.to_string())
    .bind(p.base_id.to_string())
    .bind(&p.pair.master)
    .bind(&p.pair.master_title)
    .bind(p.apprentice_id.to_string())
    .bind(p.pair.occupation.as_str())
    .bind(day(p.pair.starts_on))
    .bind(day(p.pair.ends_on))
    .bind(p.pair.outcome.code())
    .bind(&p.agreement.hash)
    .bind(&p.agreement.kind)
    .bind(&p.agreement.name)
    .bind(p.created_by.to_string())
    .bind(millis(p.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! pair_select {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.base_id, a.apprentice_id, t.name AS apprentice_name, a.master, a.master_title,
                    a.occupation, a.starts_on, a.ends_on, a.outcome, a.agreement_hash, a.agreement_kind,
                    a.agreement_name, a.created_by, a.created_at
             FROM apprenticeships a JOIN trainees t ON t.id = a.apprentice_id ",
            $tail
        )
    };
}

/// Which master–apprentice pairs to list.
#[derive(Debug, Clone, Default)]
pub struct PairFilter {
    pub outcome: Option<PairOutcome>,
    /// Part of the master's name.
    pub master: Option<String>,
}

pub async fn pairs(db: &Db, base: BaseId, f: &PairFilter, page: &PageRequest) -> Result<Page<PairRecord>> {
    let base = base.to_string();
    let outcome = f.outcome.map(Dictionary::code);
    let master = f.master.as_deref().map(like);
    let rows: Vec<PairRow> = on_pool!(db, |c| sqlx::query_as(pair_select!(
        "WHERE a.base_id = $1 AND ($2 IS NULL OR a.outcome = $2) AND ($3 IS NULL OR a.master LIKE $3)
           AND ($4 IS NULL OR a.id < $4)
         ORDER BY a.id DESC LIMIT $5"
    ))
    .bind(&base)
    .bind(outcome)
    .bind(&master)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM apprenticeships a
         WHERE a.base_id = $1 AND ($2 IS NULL OR a.outcome = $2) AND ($3 IS NULL OR a.master LIKE $3)"
    )
    .bind(&base)
    .bind(outcome)
    .bind(&master)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(PairRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |p| p.id.to_string()))
}

pub async fn pair(db: &Db, id: PairId) -> Result<Option<PairRecord>> {
    let row: Option<PairRow> =
        on_pool!(db, |c| sqlx::query_as(pair_select!("WHERE a.id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(PairRecord::try_from).transpose()
}

// ---------------------------------------------------------------- competitions

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompetitionRecord {
    pub id: CompetitionId,
    pub base_id: BaseId,
    pub competition: Competition,
    /// How many of the base's trainees took part.
    pub participants: i64,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CompetitionRow {
    id: String,
    base_id: String,
    name: String,
    level: String,
    held_on: String,
    organizer: Option<String>,
    participants: i64,
    created_by: String,
    created_at: i64,
}

impl TryFrom<CompetitionRow> for CompetitionRecord {
    type Error = StoreError;
    fn try_from(r: CompetitionRow) -> Result<Self> {
        Ok(CompetitionRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            competition: Competition {
                name: r.name,
                level: code::<CompetitionLevel>(&r.level)?,
                held_on: date(&r.held_on)?,
                organizer: r.organizer,
            },
            participants: r.participants,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

pub async fn insert_competition(tx: &mut Tx, r: &CompetitionRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO competitions (id, base_id, name, level, held_on, organizer, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(r.id.to_string())
    .bind(r.base_id.to_string())
    .bind(&r.competition.name)
    .bind(r.competition.level.code())
    .bind(day(r.competition.held_on))
    .bind(&r.competition.organizer)
    .bind(r.created_by.to_string())
    .bind(millis(r.created_at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! competition_select {
    ($tail:literal) => {
        concat!(
            "SELECT m.id, m.base_id, m.name, m.level, m.held_on, m.organizer,
                    (SELECT COUNT(*) FROM competition_entries x WHERE x.competition_id = m.id) AS participants,
                    m.created_by, m.created_at
             FROM competitions m ",
            $tail
        )
    };
}

/// Which competitions to list.
#[derive(Debug, Clone, Default)]
pub struct CompetitionFilter {
    pub level: Option<CompetitionLevel>,
    /// Part of the name.
    pub name: Option<String>,
}

pub async fn competitions(
    db: &Db,
    base: BaseId,
    f: &CompetitionFilter,
    page: &PageRequest,
) -> Result<Page<CompetitionRecord>> {
    let base = base.to_string();
    let level = f.level.map(Dictionary::code);
    let name = f.name.as_deref().map(like);
    let rows: Vec<CompetitionRow> = on_pool!(db, |c| sqlx::query_as(competition_select!(
        "WHERE m.base_id = $1 AND ($2 IS NULL OR m.level = $2) AND ($3 IS NULL OR m.name LIKE $3)
           AND ($4 IS NULL OR m.id < $4)
         ORDER BY m.id DESC LIMIT $5"
    ))
    .bind(&base)
    .bind(level)
    .bind(&name)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM competitions m
         WHERE m.base_id = $1 AND ($2 IS NULL OR m.level = $2) AND ($3 IS NULL OR m.name LIKE $3)"
    )
    .bind(&base)
    .bind(level)
    .bind(&name)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(CompetitionRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |m| m.id.to_string()))
}

pub async fn competition(db: &Db, id: CompetitionId) -> Result<Option<CompetitionRecord>> {
    let row: Option<CompetitionRow> = on_pool!(db, |c| sqlx::query_as(competition_select!("WHERE m.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(CompetitionRecord::try_from).transpose()
}

/// A participant's result, with the trainee's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRecord {
    pub competition_id: CompetitionId,
    pub trainee_id: TraineeId,
    pub trainee_name: String,
    pub trainee_masked: String,
    pub entry: Entry,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    competition_id: String,
    trainee_id: String,
    trainee_name: String,
    trainee_masked: String,
    result: String,
    award: Option<String>,
    created_at: i64,
}

/// Records a participant's result; `false` if the trainee already has one in this competition.
pub async fn insert_entry(
    tx: &mut Tx,
    competition: CompetitionId,
    trainee: TraineeId,
    entry: &Entry,
    (by, at): (UserId, DateTime<Utc>),
) -> Result<bool> {
    let inserted = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO competition_entries (competition_id, trainee_id, result, award, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (competition_id, trainee_id) DO NOTHING"
    )
    .bind(competition.to_string())
    .bind(trainee.to_string())
    .bind(&entry.result)
    .bind(&entry.award)
    .bind(by.to_string())
    .bind(millis(at))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(inserted == 1)
}

macro_rules! entry_select {
    ($tail:literal) => {
        concat!(
            "SELECT x.competition_id, x.trainee_id, t.name AS trainee_name, t.resident_id_masked AS trainee_masked,
                    x.result, x.award, x.created_at
             FROM competition_entries x JOIN trainees t ON t.id = x.trainee_id ",
            $tail
        )
    };
}

impl TryFrom<EntryRow> for EntryRecord {
    type Error = StoreError;
    fn try_from(r: EntryRow) -> Result<Self> {
        Ok(EntryRecord {
            competition_id: id(&r.competition_id)?,
            trainee_id: id(&r.trainee_id)?,
            trainee_name: r.trainee_name,
            trainee_masked: r.trainee_masked,
            entry: Entry { result: r.result, award: r.award },
            created_at: from_millis(r.created_at)?,
        })
    }
}

/// One competition's results, in the order they were recorded.
pub async fn entries(db: &Db, competition: CompetitionId) -> Result<Vec<EntryRecord>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(entry_select!(
        "WHERE x.competition_id = $1 ORDER BY x.created_at, x.trainee_id"
    ))
    .bind(competition.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(EntryRecord::try_from).collect()
}

/// Every result of every competition of a base, in one read (an export).
pub async fn entries_of_base(db: &Db, base: BaseId) -> Result<Vec<EntryRecord>> {
    let rows: Vec<EntryRow> = on_pool!(db, |c| sqlx::query_as(entry_select!(
        "JOIN competitions m ON m.id = x.competition_id
         WHERE m.base_id = $1 ORDER BY x.competition_id, x.created_at, x.trainee_id"
    ))
    .bind(base.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(EntryRecord::try_from).collect()
}

// ---------------------------------------------------------------- roster imports

/// Where an import stands. A queued import stays queued while its job runs: the job's rows
/// are written in one transaction at its end (the table's CHECK also allows `running`, never
/// written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Queued,
    Imported,
    Refused,
    Failed,
}

impl ImportStatus {
    pub const ALL: [ImportStatus; 4] =
        [ImportStatus::Queued, ImportStatus::Imported, ImportStatus::Refused, ImportStatus::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Queued => "queued",
            ImportStatus::Imported => "imported",
            ImportStatus::Refused => "refused",
            ImportStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<ImportStatus> {
        ImportStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_finished(self) -> bool {
        matches!(self, ImportStatus::Imported | ImportStatus::Refused | ImportStatus::Failed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: RosterImportId,
    pub base_id: BaseId,
    /// `trainees`, `classes` or `enrolments`.
    pub kind: String,
    pub status: ImportStatus,
    pub file_name: String,
    /// The workbook, sealed, until the import has run.
    pub sealed_file: Option<String>,
    pub total_rows: i64,
    pub done_rows: i64,
    pub imported_rows: i64,
    /// The problems found, as JSON (row, column, value, reason).
    pub report: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    id: String,
    base_id: String,
    kind: String,
    status: String,
    file_name: String,
    sealed_file: Option<String>,
    total_rows: i64,
    done_rows: i64,
    imported_rows: i64,
    report: String,
    created_by: String,
    created_at: i64,
    finished_at: Option<i64>,
}

impl TryFrom<ImportRow> for ImportRecord {
    type Error = StoreError;
    fn try_from(r: ImportRow) -> Result<Self> {
        Ok(ImportRecord {
            id: id(&r.id)?,
            base_id: id(&r.base_id)?,
            kind: r.kind,
            status: ImportStatus::parse(&r.status).ok_or_else(|| corrupt("import status", &r.status))?,
            file_name: r.file_name,
            sealed_file: r.sealed_file,
            total_rows: r.total_rows,
            done_rows: r.done_rows,
            imported_rows: r.imported_rows,
            report: r.report,
            created_by: id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
            finished_at: r.finished_at.map(from_millis).transpose()?,
        })
    }
}

pub async fn insert_import(tx: &mut Tx, r: &ImportRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO roster_imports (id, base_id, kind, status, file_name, sealed_file, total_rows, done_rows,
                                     imported_rows, report, created_by, created_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )
    .bind(r.id.to_string())
    .bind(r.base_id.to_string())
    .bind(&r.kind)
    .bind(r.status.as_str())
    .bind(&r.file_name)
    .bind(&r.sealed_file)
    .bind(r.total_rows)
    .bind(r.done_rows)
    .bind(r.imported_rows)
    .bind(&r.report)
    .bind(r.created_by.to_string())
    .bind(millis(r.created_at))
    .bind(r.finished_at.map(millis))
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! import_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, base_id, kind, status, file_name, sealed_file, total_rows, done_rows, imported_rows, report,
                    created_by, created_at, finished_at FROM roster_imports ",
            $tail
        )
    };
}

pub async fn import(db: &Db, id: RosterImportId) -> Result<Option<ImportRecord>> {
    let row: Option<ImportRow> =
        on_pool!(db, |c| sqlx::query_as(import_select!("WHERE id = $1")).bind(id.to_string()).fetch_optional(c).await)?;
    row.map(ImportRecord::try_from).transpose()
}

/// The base's latest imports.
pub async fn imports(db: &Db, base: BaseId, limit: i64) -> Result<Vec<ImportRecord>> {
    let rows: Vec<ImportRow> =
        on_pool!(db, |c| sqlx::query_as(import_select!("WHERE base_id = $1 ORDER BY id DESC LIMIT $2"))
            .bind(base.to_string())
            .bind(limit)
            .fetch_all(c)
            .await)?;
    rows.into_iter().map(ImportRecord::try_from).collect()
}

/// An import's end: its status, what it stored, its report, and in place of the uploaded
/// workbook the sealed report workbook of a refused one (`None`: nothing kept).
pub async fn finish_import(
    tx: &mut Tx,
    id: RosterImportId,
    status: ImportStatus,
    (imported_rows, report, sealed_report): (i64, &str, Option<&str>),
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE roster_imports SET status = $2, imported_rows = $3, report = $4, finished_at = $5, sealed_file = $6,
                done_rows = total_rows
         WHERE id = $1"
    )
    .bind(id.to_string())
    .bind(status.as_str())
    .bind(imported_rows)
    .bind(report)
    .bind(millis(at))
    .bind(sealed_report)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---------------------------------------------------------------- figures

/// What a base has recorded, in numbers (its training page, the annual review, the dashboard).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub projects: i64,
    pub classes: i64,
    pub trainees: i64,
    pub enrolments: i64,
    pub completed: i64,
    pub pairs: i64,
    pub competitions: i64,
}

pub async fn counts(db: &Db, base: BaseId) -> Result<Counts> {
    let row: (i64, i64, i64, i64, i64, i64, i64) = on_pool!(db, |c| sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM training_projects WHERE base_id = $1),
                (SELECT COUNT(*) FROM training_classes WHERE base_id = $1),
                (SELECT COUNT(*) FROM trainees WHERE base_id = $1),
                (SELECT COUNT(*) FROM enrolments WHERE base_id = $1),
                (SELECT COUNT(*) FROM enrolments WHERE base_id = $1 AND completion = 'completed'),
                (SELECT COUNT(*) FROM apprenticeships WHERE base_id = $1),
                (SELECT COUNT(*) FROM competitions WHERE base_id = $1)"
    )
    .bind(base.to_string())
    .fetch_one(c)
    .await)?;
    let (projects, classes, trainees, enrolments, completed, pairs, competitions) = row;
    Ok(Counts { projects, classes, trainees, enrolments, completed, pairs, competitions })
}
