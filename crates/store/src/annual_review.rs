//! The annual review (C4.4): campaigns, the reports of bases with their steps, money paid back
//! by revoked bases, and the figures a report is pre-filled with. Rows come back as domain
//! values; a report changes only by compare-and-set on (status, version).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use skillbase_domain::annual_review::{CampaignStatus, Ground, Line, ReportContent, ReportStatus};
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{AnnualReportId, BaseId, CampaignId, OrganizationId, RecoveryId, ReportStepId, UserId};
use skillbase_domain::money::Money;
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::roles::Role;
use skillbase_domain::training::{Category, Mode};

use crate::training::{code, corrupt, date, day, id};
use crate::{Db, Page, PageRequest, Result, Tx, from_millis, millis};

fn optional_date(value: Option<String>) -> Result<Option<NaiveDate>> {
    value.as_deref().map(date).transpose()
}

fn optional_instant(value: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    value.map(from_millis).transpose()
}

fn lines_from(text: &str) -> Result<Vec<Line>> {
    serde_json::from_str(text).map_err(|_| corrupt("lines", text))
}

fn content_from(text: &str) -> Result<ReportContent> {
    serde_json::from_str(text).map_err(|_| corrupt("content", text))
}

fn lines_json(lines: &Vec<Line>) -> String {
    serde_json::to_string(lines).unwrap_or_default()
}

fn content_json(content: &ReportContent) -> String {
    serde_json::to_string(content).unwrap_or_default()
}

// ---------------------------------------------------------------- campaigns

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignRecord {
    pub id: CampaignId,
    pub year: i32,
    pub cut_off: NaiveDate,
    pub days: u32,
    pub due_on: NaiveDate,
    pub note: Option<String>,
    pub status: CampaignStatus,
    pub opened_by: UserId,
    pub opened_at: DateTime<Utc>,
    pub version: i64,
}

type CampaignRow = (String, i64, String, i64, String, Option<String>, String, String, i64, i64);

fn campaign_from(row: CampaignRow) -> Result<CampaignRecord> {
    let (id_, year, cut_off, days, due_on, note, status, opened_by, opened_at, version) = row;
    Ok(CampaignRecord {
        id: id(&id_)?,
        year: i32::try_from(year).map_err(|_| corrupt("year", &year.to_string()))?,
        cut_off: date(&cut_off)?,
        days: u32::try_from(days).map_err(|_| corrupt("days", &days.to_string()))?,
        due_on: date(&due_on)?,
        note,
        status: code(&status)?,
        opened_by: id(&opened_by)?,
        opened_at: from_millis(opened_at)?,
        version,
    })
}

macro_rules! campaign_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, year, cut_off, days, due_on, note, status, opened_by, opened_at, version FROM review_campaigns ",
            $tail
        )
    };
}

pub async fn insert_campaign(tx: &mut Tx, c_: &CampaignRecord) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO review_campaigns (id, year, cut_off, days, due_on, note, status, opened_by, opened_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)"
    )
    .bind(c_.id.to_string())
    .bind(i64::from(c_.year))
    .bind(day(c_.cut_off))
    .bind(i64::from(c_.days))
    .bind(day(c_.due_on))
    .bind(&c_.note)
    .bind(c_.status.code())
    .bind(c_.opened_by.to_string())
    .bind(millis(c_.opened_at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

/// Every campaign, newest year first (one a year: the list is small by nature).
pub async fn campaigns(db: &Db) -> Result<Vec<CampaignRecord>> {
    let rows: Vec<CampaignRow> =
        on_pool!(db, |c| sqlx::query_as(campaign_select!("ORDER BY year DESC")).fetch_all(c).await)?;
    rows.into_iter().map(campaign_from).collect()
}

pub async fn campaign(db: &Db, campaign: CampaignId) -> Result<Option<CampaignRecord>> {
    let row: Option<CampaignRow> = on_pool!(db, |c| sqlx::query_as(campaign_select!("WHERE id = $1"))
        .bind(campaign.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(campaign_from).transpose()
}

pub async fn change_campaign(
    tx: &mut Tx,
    campaign: CampaignId,
    (from, to, version): (CampaignStatus, CampaignStatus, i64),
) -> Result<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE review_campaigns SET status = $1, version = version + 1 WHERE id = $2 AND status = $3 AND version = $4"
    )
    .bind(to.code())
    .bind(campaign.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// The bases a campaign reviews: recognised on or before `cut_off` and not revoked.
pub async fn bases_to_review(tx: &mut Tx, cut_off: NaiveDate) -> Result<Vec<BaseId>> {
    let rows: Vec<(String,)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT id FROM bases WHERE recognised_on <= $1 AND status <> 'revoked' ORDER BY year, sequence"
    )
    .bind(day(cut_off))
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(|(b,)| id(&b)).collect()
}

// ---------------------------------------------------------------- reports

/// A base's report, with what the lists show of its campaign and base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: AnnualReportId,
    pub campaign_id: CampaignId,
    pub year: i32,
    pub base_id: BaseId,
    pub base_name: String,
    pub base_number: String,
    pub organization_id: OrganizationId,
    pub status: ReportStatus,
    pub due_on: NaiveDate,
    pub overdue: bool,
    /// The figures as filed; `None` while pending (the live figures are shown then).
    pub lines: Option<Vec<Line>>,
    pub content: ReportContent,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rectification: Option<String>,
    pub rectification_due: Option<NaiveDate>,
    pub answer: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub ground: Option<Ground>,
    pub proposed_from: Option<ReportStatus>,
    pub proposed_by: Option<UserId>,
    pub decided_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    campaign_id: String,
    year: i64,
    base_id: String,
    base_name: String,
    base_number: String,
    organization_id: String,
    status: String,
    due_on: String,
    overdue: i64,
    lines: Option<String>,
    content: String,
    submitted_at: Option<i64>,
    rectification: Option<String>,
    rectification_due: Option<String>,
    answer: Option<String>,
    escalated_at: Option<i64>,
    ground: Option<String>,
    proposed_from: Option<String>,
    proposed_by: Option<String>,
    decided_on: Option<String>,
    updated_at: i64,
    version: i64,
}

impl TryFrom<ReportRow> for ReportRecord {
    type Error = crate::StoreError;
    fn try_from(r: ReportRow) -> Result<Self> {
        Ok(ReportRecord {
            id: id(&r.id)?,
            campaign_id: id(&r.campaign_id)?,
            year: i32::try_from(r.year).map_err(|_| corrupt("year", &r.year.to_string()))?,
            base_id: id(&r.base_id)?,
            base_name: r.base_name,
            base_number: r.base_number,
            organization_id: id(&r.organization_id)?,
            status: code(&r.status)?,
            due_on: date(&r.due_on)?,
            overdue: r.overdue != 0,
            lines: r.lines.as_deref().map(lines_from).transpose()?,
            content: content_from(&r.content)?,
            submitted_at: optional_instant(r.submitted_at)?,
            rectification: r.rectification,
            rectification_due: optional_date(r.rectification_due)?,
            answer: r.answer,
            escalated_at: optional_instant(r.escalated_at)?,
            ground: r.ground.as_deref().map(code).transpose()?,
            proposed_from: r.proposed_from.as_deref().map(code).transpose()?,
            proposed_by: r.proposed_by.as_deref().map(id).transpose()?,
            decided_on: optional_date(r.decided_on)?,
            updated_at: from_millis(r.updated_at)?,
            version: r.version,
        })
    }
}

macro_rules! report_select {
    ($tail:literal) => {
        concat!(
            "SELECT r.id, r.campaign_id, k.year, r.base_id, b.name AS base_name, b.number AS base_number,
                    b.organization_id, r.status, r.due_on, r.overdue, r.lines, r.content, r.submitted_at,
                    r.rectification, r.rectification_due, r.answer, r.escalated_at, r.ground, r.proposed_from,
                    r.proposed_by, r.decided_on, r.updated_at, r.version
             FROM annual_reports r JOIN review_campaigns k ON k.id = r.campaign_id JOIN bases b ON b.id = r.base_id ",
            $tail
        )
    };
}

/// A new pending report of `base` in `campaign`, due on `due_on`.
pub async fn insert_report(
    tx: &mut Tx,
    (report, campaign, base): (AnnualReportId, CampaignId, BaseId),
    due_on: NaiveDate,
    at: DateTime<Utc>,
) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO annual_reports (id, campaign_id, base_id, status, due_on, overdue, lines, content, updated_at,
                                     version)
         VALUES ($1, $2, $3, 'pending', $4, 0, NULL, $5, $6, 1)"
    )
    .bind(report.to_string())
    .bind(campaign.to_string())
    .bind(base.to_string())
    .bind(day(due_on))
    .bind(content_json(&ReportContent::default()))
    .bind(millis(at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

pub async fn report(db: &Db, report: AnnualReportId) -> Result<Option<ReportRecord>> {
    let row: Option<ReportRow> = on_pool!(db, |c| sqlx::query_as(report_select!("WHERE r.id = $1"))
        .bind(report.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(ReportRecord::try_from).transpose()
}

pub async fn report_in(tx: &mut Tx, report: AnnualReportId) -> Result<Option<ReportRecord>> {
    let row: Option<ReportRow> = on_tx!(tx, |c| sqlx::query_as(report_select!("WHERE r.id = $1"))
        .bind(report.to_string())
        .fetch_optional(c)
        .await)?;
    row.map(ReportRecord::try_from).transpose()
}

/// Which reports to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    pub campaign: Option<CampaignId>,
    pub base: Option<BaseId>,
    pub organization: Option<OrganizationId>,
    pub status: Option<ReportStatus>,
}

pub async fn reports(db: &Db, f: &ReportFilter, page: &PageRequest) -> Result<Page<ReportRecord>> {
    let campaign = f.campaign.map(|c| c.to_string());
    let base = f.base.map(|b| b.to_string());
    let organization = f.organization.map(|o| o.to_string());
    let status = f.status.map(Dictionary::code);
    let rows: Vec<ReportRow> = on_pool!(db, |c| sqlx::query_as(report_select!(
        "WHERE ($1 IS NULL OR r.campaign_id = $1) AND ($2 IS NULL OR r.base_id = $2)
           AND ($3 IS NULL OR b.organization_id = $3) AND ($4 IS NULL OR r.status = $4)
           AND ($5 IS NULL OR r.id < $5)
         ORDER BY r.id DESC LIMIT $6"
    ))
    .bind(&campaign)
    .bind(&base)
    .bind(&organization)
    .bind(status)
    .bind(&page.after)
    .bind(page.fetch())
    .fetch_all(c)
    .await)?;
    let total: i64 = on_pool!(db, |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM annual_reports r JOIN bases b ON b.id = r.base_id
         WHERE ($1 IS NULL OR r.campaign_id = $1) AND ($2 IS NULL OR r.base_id = $2)
           AND ($3 IS NULL OR b.organization_id = $3) AND ($4 IS NULL OR r.status = $4)"
    )
    .bind(&campaign)
    .bind(&base)
    .bind(&organization)
    .bind(status)
    .fetch_one(c)
    .await)?;
    let rows = rows.into_iter().map(ReportRecord::try_from).collect::<Result<Vec<_>>>()?;
    Ok(page.page(rows, total, |r| r.id.to_string()))
}

/// How many of a campaign's reports were not filed by their deadline.
pub async fn overdue_count(db: &Db, campaign: CampaignId) -> Result<i64> {
    Ok(on_pool!(db, |c| sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM annual_reports WHERE campaign_id = $1 AND overdue = 1"
    )
    .bind(campaign.to_string())
    .fetch_one(c)
    .await)?)
}

/// How many of a campaign's reports stand in each state.
pub async fn report_counts(db: &Db, campaign: CampaignId) -> Result<BTreeMap<ReportStatus, i64>> {
    let rows: Vec<(String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT status, COUNT(*) FROM annual_reports WHERE campaign_id = $1 GROUP BY status"
    )
    .bind(campaign.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter().map(|(s, n)| Ok((code(&s)?, n))).collect()
}

/// Writes a report's changed state, if it still stands as it was read (`status`, `version`).
pub async fn update_report(tx: &mut Tx, r: &ReportRecord, (from, version): (ReportStatus, i64)) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE annual_reports
         SET status = $1, overdue = $2, lines = $3, content = $4, submitted_at = $5, rectification = $6,
             rectification_due = $7, answer = $8, escalated_at = $9, ground = $10, proposed_from = $11,
             proposed_by = $12, decided_on = $13, updated_at = $14, version = version + 1
         WHERE id = $15 AND status = $16 AND version = $17"
    )
    .bind(r.status.code())
    .bind(i64::from(r.overdue))
    .bind(r.lines.as_ref().map(lines_json))
    .bind(content_json(&r.content))
    .bind(r.submitted_at.map(millis))
    .bind(&r.rectification)
    .bind(r.rectification_due.map(day))
    .bind(&r.answer)
    .bind(r.escalated_at.map(millis))
    .bind(r.ground.map(Dictionary::code))
    .bind(r.proposed_from.map(Dictionary::code))
    .bind(r.proposed_by.map(|u| u.to_string()))
    .bind(r.decided_on.map(day))
    .bind(millis(r.updated_at))
    .bind(r.id.to_string())
    .bind(from.code())
    .bind(version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Changes a base's standing, if it still stands as `from`; the day of a revocation is kept
/// (the ledger refuses expenses dated after it).
pub async fn change_base(
    tx: &mut Tx,
    base: BaseId,
    (from, to): (BaseStatus, BaseStatus),
    revoked_on: Option<NaiveDate>,
) -> Result<bool> {
    let n = on_tx!(tx, |c| sqlx::query(
        "UPDATE bases SET status = $1, revoked_on = $2, version = version + 1 WHERE id = $3 AND status = $4"
    )
    .bind(to.as_str())
    .bind(revoked_on.map(day))
    .bind(base.to_string())
    .bind(from.as_str())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- steps

/// One step taken on a report; `actor` is `None` for the deadline jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: ReportStepId,
    pub report_id: AnnualReportId,
    pub action: String,
    pub actor: Option<(UserId, Role)>,
    pub actor_name: Option<String>,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn insert_step(tx: &mut Tx, s: &Step) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO annual_report_steps (id, report_id, action, actor_id, actor_role, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(s.id.to_string())
    .bind(s.report_id.to_string())
    .bind(&s.action)
    .bind(s.actor.map(|(u, _)| u.to_string()))
    .bind(s.actor.map(|(_, r)| r.as_str()))
    .bind(&s.comment)
    .bind(millis(s.at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

/// A report's history, oldest first.
pub async fn steps(db: &Db, report: AnnualReportId) -> Result<Vec<Step>> {
    type Row = (String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, i64);
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT s.id, s.report_id, s.action, s.actor_id, u.display_name, s.actor_role, s.comment, s.at
         FROM annual_report_steps s LEFT JOIN users u ON u.id = s.actor_id
         WHERE s.report_id = $1 ORDER BY s.id"
    )
    .bind(report.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id_, report_id, action, actor, name, role, comment, at)| {
            let actor = match (actor, role) {
                (Some(a), Some(r)) => Some((id(&a)?, r.parse::<Role>().map_err(|_| corrupt("role", &r))?)),
                _ => None,
            };
            Ok(Step {
                id: id(&id_)?,
                report_id: id(&report_id)?,
                action,
                actor,
                actor_name: name,
                comment,
                at: from_millis(at)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- recoveries

/// Money a revoked base paid back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub id: RecoveryId,
    pub base_id: BaseId,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub voucher: String,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

pub async fn insert_recovery(tx: &mut Tx, r: &Recovery) -> Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO base_recoveries (id, base_id, amount, paid_on, voucher, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(r.id.to_string())
    .bind(r.base_id.to_string())
    .bind(r.amount.fen())
    .bind(day(r.paid_on))
    .bind(&r.voucher)
    .bind(r.recorded_by.to_string())
    .bind(millis(r.recorded_at))
    .execute(c)
    .await
    .map(drop))?;
    Ok(())
}

pub async fn recoveries(db: &Db, base: BaseId) -> Result<Vec<Recovery>> {
    type Row = (String, String, i64, String, String, String, i64);
    let rows: Vec<Row> = on_pool!(db, |c| sqlx::query_as(
        "SELECT id, base_id, amount, paid_on, voucher, recorded_by, recorded_at FROM base_recoveries
         WHERE base_id = $1 ORDER BY id"
    )
    .bind(base.to_string())
    .fetch_all(c)
    .await)?;
    rows.into_iter()
        .map(|(id_, base, amount, paid_on, voucher, by, at)| {
            Ok(Recovery {
                id: id(&id_)?,
                base_id: id(&base)?,
                amount: Money::from_fen(amount),
                paid_on: date(&paid_on)?,
                voucher,
                recorded_by: id(&by)?,
                recorded_at: from_millis(at)?,
            })
        })
        .collect()
}

/// What has been paid back so far, read in the recording transaction (after the base's lock).
pub async fn recovered_in(tx: &mut Tx, base: BaseId) -> Result<Money> {
    let (fen,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM base_recoveries WHERE base_id = $1"
    )
    .bind(base.to_string())
    .fetch_one(c)
    .await)?;
    Ok(Money::from_fen(fen))
}

// ---------------------------------------------------------------- figures

/// What a base's training records hold for `year` (the rest of a report's figures come from
/// the certification, incentive and ledger stores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrainingFigures {
    pub trainees: BTreeMap<Category, i64>,
    pub supply_chain: i64,
    pub classes: BTreeMap<Mode, (i64, i64)>,
    pub enrolments: i64,
    pub completed: i64,
    pub apprenticeships: i64,
    pub competitions: i64,
    pub entries: i64,
    pub awards: i64,
}

/// The year's training: classes starting in it, the trainees and enrolments of those classes,
/// pairs with a day in it, competitions held in it.
pub async fn training_figures(db: &Db, base: BaseId, year: i32) -> Result<TrainingFigures> {
    let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Ok(TrainingFigures::default());
    };
    let (base, first, last) = (base.to_string(), day(first), day(last));
    let by_mode: Vec<(String, i64, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT mode, COUNT(*), CAST(COALESCE(SUM(hours), 0) AS BIGINT) FROM training_classes
         WHERE base_id = $1 AND starts_on >= $2 AND starts_on <= $3 GROUP BY mode"
    )
    .bind(&base)
    .bind(&first)
    .bind(&last)
    .fetch_all(c)
    .await)?;
    let by_category: Vec<(String, i64)> = on_pool!(db, |c| sqlx::query_as(
        "SELECT t.category, COUNT(DISTINCT t.id) FROM trainees t
         JOIN enrolments e ON e.trainee_id = t.id JOIN training_classes k ON k.id = e.class_id
         WHERE k.base_id = $1 AND k.starts_on >= $2 AND k.starts_on <= $3 GROUP BY t.category"
    )
    .bind(&base)
    .bind(&first)
    .bind(&last)
    .fetch_all(c)
    .await)?;
    let row: (i64, i64, i64, i64, i64, i64, i64) = on_pool!(db, |c| sqlx::query_as(
        "SELECT
           (SELECT COUNT(DISTINCT t.id) FROM trainees t
              JOIN enrolments e ON e.trainee_id = t.id JOIN training_classes k ON k.id = e.class_id
             WHERE k.base_id = $1 AND k.starts_on >= $2 AND k.starts_on <= $3
               AND t.relation IN ('upstream', 'downstream')),
           (SELECT COUNT(*) FROM enrolments e JOIN training_classes k ON k.id = e.class_id
             WHERE k.base_id = $1 AND k.starts_on >= $2 AND k.starts_on <= $3),
           (SELECT COUNT(*) FROM enrolments e JOIN training_classes k ON k.id = e.class_id
             WHERE k.base_id = $1 AND k.starts_on >= $2 AND k.starts_on <= $3 AND e.completion = 'completed'),
           (SELECT COUNT(*) FROM apprenticeships WHERE base_id = $1 AND starts_on <= $3 AND ends_on >= $2),
           (SELECT COUNT(*) FROM competitions WHERE base_id = $1 AND held_on >= $2 AND held_on <= $3),
           (SELECT COUNT(*) FROM competition_entries x JOIN competitions m ON m.id = x.competition_id
             WHERE m.base_id = $1 AND m.held_on >= $2 AND m.held_on <= $3),
           (SELECT COUNT(*) FROM competition_entries x JOIN competitions m ON m.id = x.competition_id
             WHERE m.base_id = $1 AND m.held_on >= $2 AND m.held_on <= $3
               AND x.award IS NOT NULL AND x.award <> '')"
    )
    .bind(&base)
    .bind(&first)
    .bind(&last)
    .fetch_one(c)
    .await)?;
    let (supply_chain, enrolments, completed, apprenticeships, competitions, entries, awards) = row;
    Ok(TrainingFigures {
        trainees: by_category.into_iter().map(|(c, n)| Ok((code(&c)?, n))).collect::<Result<_>>()?,
        supply_chain,
        classes: by_mode.into_iter().map(|(m, n, h)| Ok((code(&m)?, (n, h)))).collect::<Result<_>>()?,
        enrolments,
        completed,
        apprenticeships,
        competitions,
        entries,
        awards,
    })
}
