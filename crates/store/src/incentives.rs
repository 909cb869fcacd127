//! A base's incentive records (C3.2): appointments of chief technicians and skill-master
//! studios, awards and other incentives, in one table. Rows come back as domain values; a stored
//! value that no longer parses, or a row whose columns do not make its kind, is
//! [`StoreError::Corrupt`]. The list is a keyset [`Page`], newest first, like the training
//! records'; [`year_summary`] gives the figures of one year.

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{BaseId, IncentiveId, UserId};
use skillbase_domain::incentive::{
    Appointment, Award, AwardLevel, Benefit, Incentive, IncentiveKind, OtherIncentive, Post, YearSummary,
};
use skillbase_domain::money::Money;
use skillbase_domain::occupation::OccupationCode;

use crate::training::{Page, PageRequest, StoredFile};
use crate::{Db, Result, StoreError, Tx, day, from_millis, millis, parse_as, parse_day, parse_id};

/// An incentive record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncentiveRecord {
    pub id: IncentiveId,
    pub base_id: BaseId,
    pub incentive: Incentive,
    /// An appointment's document, if one was uploaded.
    pub document: Option<StoredFile>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct IncentiveRow {
    id: String,
    base_id: String,
    kind: String,
    person: String,
    occupation: Option<String>,
    studio: Option<String>,
    title: Option<String>,
    level: Option<String>,
    awarded_by: Option<String>,
    benefit: Option<String>,
    description: Option<String>,
    starts_on: String,
    ends_on: Option<String>,
    allowance_fen: Option<i64>,
    funds_fen: Option<i64>,
    amount_fen: Option<i64>,
    document_hash: Option<String>,
    document_kind: Option<String>,
    document_name: Option<String>,
    created_by: String,
    created_at: i64,
}

/// A column the row's kind fills.
fn required<T>(value: Option<T>, column: &str, id: &str) -> Result<T> {
    value.ok_or_else(|| StoreError::Corrupt(format!("incentive {id:?} has no {column}")))
}

impl TryFrom<IncentiveRow> for IncentiveRecord {
    type Error = StoreError;
    fn try_from(r: IncentiveRow) -> Result<Self> {
        let kind = parse_as(&r.kind, IncentiveKind::parse)?;
        let starts_on = parse_day(&r.starts_on)?;
        let money = |fen: Option<i64>| fen.map(Money::from_fen);
        let incentive = match kind {
            IncentiveKind::ChiefTechnician | IncentiveKind::MasterStudio => {
                let occupation = required(r.occupation, "occupation", &r.id)?;
                Incentive::Appointment(Appointment {
                    post: if kind == IncentiveKind::MasterStudio {
                        Post::MasterStudio { studio: required(r.studio, "studio", &r.id)? }
                    } else {
                        Post::ChiefTechnician
                    },
                    person: r.person,
                    occupation: OccupationCode::parse(&occupation)
                        .map_err(|_| StoreError::Corrupt(format!("occupation {occupation:?}")))?,
                    starts_on,
                    ends_on: parse_day(&required(r.ends_on, "ends_on", &r.id)?)?,
                    allowance: Money::from_fen(required(r.allowance_fen, "allowance", &r.id)?),
                    funds: money(r.funds_fen),
                })
            }
            IncentiveKind::Award => Incentive::Award(Award {
                person: r.person,
                title: required(r.title, "title", &r.id)?,
                level: parse_as(&required(r.level, "level", &r.id)?, AwardLevel::parse)?,
                awarded_on: starts_on,
                awarded_by: required(r.awarded_by, "awarded_by", &r.id)?,
                amount: money(r.amount_fen),
            }),
            IncentiveKind::Other => Incentive::Other(OtherIncentive {
                benefit: parse_as(&required(r.benefit, "benefit", &r.id)?, Benefit::parse)?,
                person: r.person,
                given_on: starts_on,
                description: required(r.description, "description", &r.id)?,
                cost: money(r.amount_fen),
            }),
        };
        let document = match (r.document_hash, r.document_kind, r.document_name) {
            (Some(hash), Some(kind), Some(name)) => Some(StoredFile { hash, kind, name }),
            _ => None,
        };
        Ok(IncentiveRecord {
            id: parse_id(&r.id)?,
            base_id: parse_id(&r.base_id)?,
            incentive,
            document,
            created_by: parse_id(&r.created_by)?,
            created_at: from_millis(r.created_at)?,
        })
    }
}

/// The columns of a record, each kind filling its own.
struct Columns<'a> {
    occupation: Option<&'a str>,
    studio: Option<&'a str>,
    title: Option<&'a str>,
    level: Option<&'static str>,
    awarded_by: Option<&'a str>,
    benefit: Option<&'static str>,
    description: Option<&'a str>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    allowance: Option<i64>,
    funds: Option<i64>,
    amount: Option<i64>,
}

fn columns(incentive: &Incentive) -> Columns<'_> {
    let none = |starts_on| Columns {
        occupation: None,
        studio: None,
        title: None,
        level: None,
        awarded_by: None,
        benefit: None,
        description: None,
        starts_on,
        ends_on: None,
        allowance: None,
        funds: None,
        amount: None,
    };
    match incentive {
        Incentive::Appointment(a) => Columns {
            occupation: Some(a.occupation.as_str()),
            studio: match &a.post {
                Post::MasterStudio { studio } => Some(studio),
                Post::ChiefTechnician => None,
            },
            ends_on: Some(a.ends_on),
            allowance: Some(a.allowance.fen()),
            funds: a.funds.map(Money::fen),
            ..none(a.starts_on)
        },
        Incentive::Award(a) => Columns {
            title: Some(&a.title),
            level: Some(a.level.code()),
            awarded_by: Some(&a.awarded_by),
            amount: a.amount.map(Money::fen),
            ..none(a.awarded_on)
        },
        Incentive::Other(o) => Columns {
            benefit: Some(o.benefit.code()),
            description: Some(&o.description),
            amount: o.cost.map(Money::fen),
            ..none(o.given_on)
        },
    }
}

pub async fn insert_incentive(tx: &mut Tx, r: &IncentiveRecord) -> Result<()> {
    let c = columns(&r.incentive);
    let document = r.document.as_ref();
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO incentives (id, base_id, kind, person, occupation, studio, title, level, awarded_by, benefit,
                                 description, starts_on, ends_on, allowance_fen, funds_fen, amount_fen,
                                 document_hash, document_kind, document_name, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
    )
    .bind(r.id.to_string())
    .bind(r.base_id.to_string())
    .bind(r.incentive.kind().code())
    .bind(r.incentive.person())
    .bind(c.occupation)
    .bind(c.studio)
    .bind(c.title)
    .bind(c.level)
    .bind(c.awarded_by)
    .bind(c.benefit)
    .bind(c.description)
    .bind(day(c.starts_on))
    .bind(c.ends_on.map(day))
    .bind(c.allowance)
    .bind(c.funds)
    .bind(c.amount)
    .bind(document.map(|d| d.hash.as_str()))
    .bind(document.map(|d| d.kind.as_str()))
    .bind(document.map(|d| d.name.as_str()))
    .bind(r.created_by.to_string())
    .bind(millis(r.created_at))
    .execute(conn)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

macro_rules! incentive_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, base_id, kind, person, occupation, studio, title, level, awarded_by, benefit, description,
                    starts_on, ends_on, allowance_fen, funds_fen, amount_fen, document_hash, document_kind,
                    document_name, created_by, created_at
             FROM incentives ",
            $tail
        )
    };
}

/// Which incentive records to list.
#[derive(Debug, Clone, Default)]
pub struct IncentiveFilter {
    pub kind: Option<IncentiveKind>,
}

pub async fn incentives(
    db: &Db,
    base: BaseId,
    f: &IncentiveFilter,
    page: &PageRequest,
) -> Result<Page<IncentiveRecord>> {
    let base = base.to_string();
    let kind = f.kind.map(Dictionary::code);
    let rows: Vec<IncentiveRow> = on_pool!(db, |c| sqlx::query_as(incentive_select!(
        "WHERE base_id = $1 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR id < $3)
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(&base)
    .bind(kind)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM incentives WHERE base_id = $1 AND ($2 IS NULL OR kind = $2)"
    )
    .bind(&base)
    .bind(kind)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(IncentiveRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

pub async fn incentive(db: &Db, id: IncentiveId) -> Result<Option<IncentiveRecord>> {
    let row: Option<IncentiveRow> = on_pool!(db, |c| sqlx::query_as(incentive_select!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(IncentiveRecord::try_from).transpose()
}

/// One group of a year's records: a kind, an award's level or another incentive's kind, how many,
/// and their amounts in fen.
#[derive(sqlx::FromRow)]
struct GroupRow {
    kind: String,
    level: Option<String>,
    benefit: Option<String>,
    count: i64,
    fen: i64,
}

/// The figures of `year`: appointments whose term has a day in the year, awards and other
/// incentives dated in it (dates are `YYYY-MM-DD` text, so they compare as dates).
pub async fn year_summary(db: &Db, base: BaseId, year: i32) -> Result<YearSummary> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).map(day);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).map(day);
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(YearSummary::new(year));
    };
    let rows: Vec<GroupRow> = on_pool!(db, |c| sqlx::query_as(
        "SELECT kind, level, benefit, COUNT(*) AS count, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS fen
         FROM incentives
         WHERE base_id = $1
           AND ((kind IN ('chief_technician', 'master_studio') AND starts_on <= $3 AND ends_on >= $2)
             OR (kind IN ('award', 'other') AND starts_on >= $2 AND starts_on <= $3))
         GROUP BY kind, level, benefit"
    )
    .bind(base.to_string())
    .bind(&first)
    .bind(&last)
    .fetch_all(c)
    .await)?;
    let mut summary = YearSummary::new(year);
    for GroupRow { kind, level, benefit, count, fen } in rows {
        match parse_as(&kind, IncentiveKind::parse)? {
            IncentiveKind::Award => {
                let level = parse_as(&required(level, "level", &kind)?, AwardLevel::parse)?;
                summary.add_awards(level, count, Money::from_fen(fen));
            }
            IncentiveKind::Other => {
                let benefit = parse_as(&required(benefit, "benefit", &kind)?, Benefit::parse)?;
                summary.add_others(benefit, count, Money::from_fen(fen));
            }
            appointment => summary.add_appointments(appointment, count),
        }
    }
    Ok(summary)
}
