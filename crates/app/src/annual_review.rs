//! The annual review (年度复核, C4.4): staff open the campaign of a year; every base active on
//! its cut-off day gets a report, pre-filled from its records, to file by a deadline in working
//! days; reminders go out before the deadline and a report still missing after it is flagged and
//! told (never skipped). Staff conclude pass, rectify (with what and a deadline — a missed one
//! escalates, never revokes by itself) or propose revocation; a leader other than the proposer
//! approves it. Revocation takes effect at once: the base's standing, the registry and plaque
//! verification, no expense dated after it, and the balance to be recovered (追回).
//!
//! Every step goes through the report's life cycle, in one transaction with its step record
//! (the history shown on the report), the base's change, the notification and the audit record.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use serde_json::json;
use skillbase_domain::access::{Action, Object, Scope};
use skillbase_domain::annual_review::{
    self as domain, CampaignInput, CampaignStatus, Figures, Ground, Line, ReportAction, ReportInput, ReportStatus,
};
use skillbase_domain::certification::StepError;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{AnnualReportId, BaseId, CampaignId, RecoveryId, ReportStepId};
use skillbase_domain::money::Money;
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::roles::Role;
use skillbase_domain::subsidy::{Entry, Totals};
use skillbase_store::annual_review::{self as store, ReportFilter, Step};
pub use skillbase_store::annual_review::{
    CampaignRecord, Recovery, ReportFilter as AnnualReportFilter, ReportRecord, Step as ReportStep,
};
use skillbase_store::jobs::NewJob;
use skillbase_store::{Page, PageRequest, StoreError, Tx};

use crate::access::{authorize, ensure_not_drafter};
use crate::applications::end_of_day;
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

/// Reminds the bases whose report is still pending, a few working days before the deadline.
pub const REMIND_JOB: &str = "annual_review.remind";
/// Flags the reports still missing once the deadline has passed.
pub const OVERDUE_JOB: &str = "annual_review.overdue";
/// Escalates a rectification left unanswered past its deadline.
pub const RECTIFICATION_JOB: &str = "annual_review.rectification_due";

/// Who opens and closes campaigns (the leader decides revocations, never opens a campaign).
const CAMPAIGN_OFFICER: Role = Role::Staff;

fn step_error(e: StepError) -> AppError {
    match e {
        StepError::NotFromHere { .. } => AppError::WrongState { message: e.to_string() },
        StepError::NotYourRole { .. } => AppError::Forbidden { code: "forbidden_transition", message: e.to_string() },
    }
}

fn stale() -> AppError {
    AppError::Conflict { constraint: "annual_report_version".into() }
}

fn field(name: &str, code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Fields(vec![FieldError::new(name, code, message)])
}

fn not_found() -> AppError {
    AppError::NotFound("年度报告不存在")
}

/// A campaign with how far its reports have come.
#[derive(Debug, Clone)]
pub struct CampaignView {
    pub record: CampaignRecord,
    pub counts: BTreeMap<ReportStatus, i64>,
    pub total: i64,
    /// Reports not filed by the deadline.
    pub overdue: i64,
}

impl CampaignView {
    pub fn count(&self, status: ReportStatus) -> i64 {
        self.counts.get(&status).copied().unwrap_or(0)
    }
}

/// What a revoked base owes back: the balance it held, what it has paid, what is left.
#[derive(Debug, Clone)]
pub struct RecoveryView {
    pub balance: Money,
    pub recovered: Money,
    pub outstanding: Money,
    pub entries: Vec<Recovery>,
}

/// A report as its reader sees it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub record: ReportRecord,
    /// The figures as filed, or (while pending) as the records hold them today.
    pub lines: Vec<Line>,
    /// `lines` are live (the report is not filed yet).
    pub live: bool,
    pub steps: Vec<Step>,
    /// The base may fill in and submit (pending) or answer (rectifying).
    pub may_file: bool,
    /// The reader takes the bureau's steps.
    pub may_decide: bool,
    pub base_status: BaseStatus,
    pub revoked_on: Option<NaiveDate>,
    /// For a revoked base.
    pub recovery: Option<RecoveryView>,
}

/// A photo a base sends with its self-assessment: (clause code, file name, bytes).
pub type PhotoUpload = (String, String, Vec<u8>);

/// What a step carries, as posted.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    /// The comment: a rectification's what, an answer, a revocation's reason, a leader's note.
    pub comment: String,
    /// A rectification's deadline in working days.
    pub days: String,
    /// A revocation's ground (code).
    pub ground: String,
}

impl App {
    // ------------------------------------------------------------ campaigns

    /// Opens the review of a year: a report for every base active on the cut-off day, each
    /// base told, reminders and the deadline check queued.
    pub async fn open_campaign(
        &self,
        who: &Authenticated,
        input: &CampaignInput,
        meta: &RequestMeta,
    ) -> Result<CampaignId> {
        authorize(who, Action::RunAnnualReview, Object::Any)?;
        if who.role != CAMPAIGN_OFFICER {
            return Err(AppError::Forbidden {
                code: "forbidden_transition", message: "年度复核由经办人开启".into()
            });
        }
        let now = self.now();
        let today = shanghai_date(now);
        let campaign = domain::check_campaign(input, today).map_err(AppError::Fields)?;
        let tomorrow = self.tomorrow()?;
        let due_on = self.due_in_working_days(campaign.days).await?;
        let remind_on = self.working_days_before(due_on, domain::REMIND_BEFORE_DAYS).await?.max(tomorrow);
        let record = CampaignRecord {
            id: self.new_id(),
            year: campaign.year,
            cut_off: campaign.cut_off,
            days: campaign.days,
            due_on,
            note: campaign.note,
            status: CampaignStatus::Open,
            opened_by: who.user.id,
            opened_at: now,
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        match store::insert_campaign(&mut tx, &record).await {
            Err(StoreError::Conflict { constraint }) if constraint == "review_campaigns_year_key" => {
                return Err(field("year", "campaign_exists", format!("{} 年度的复核已经开启", record.year)));
            }
            other => other?,
        }
        let bases = store::bases_to_review(&mut tx, record.cut_off).await?;
        for &base in &bases {
            let report = self.new_id::<AnnualReportId>();
            store::insert_report(&mut tx, (report, record.id, base), due_on, now).await?;
            let found = store::report_in(&mut tx, report).await?.ok_or_else(not_found)?;
            let body = format!(
                "{} 年度复核已开启。请于 {} 24 时前在「年度复核」中核对系统预填的培训、认定、激励和资金数据，完成自评并提交年度报告。",
                record.year, due_on
            );
            self.notify_report(&mut tx, &found, &format!("请提交 {} 年度报告", record.year), &body).await?;
        }
        for (kind, run_at) in [
            (REMIND_JOB, end_of_day(remind_on) - TimeDelta::hours(15)),
            (OVERDUE_JOB, end_of_day(due_on) + TimeDelta::seconds(1)),
        ] {
            let payload = json!({ "campaign": record.id }).to_string();
            let dedupe = format!("{kind}:{}", record.id);
            self.enqueue(
                &mut tx,
                &NewJob { kind, payload: &payload, dedupe_key: Some(&dedupe), run_at, max_attempts: 10 },
            )
            .await?;
        }
        let detail = json!({ "year": record.year, "cut_off": record.cut_off, "days": record.days,
                             "due_on": due_on, "bases": bases.len() });
        let id = record.id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "annual_review.campaign_open",
            ("review_campaign", Some(&id)),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(record.id)
    }

    /// The day `days` working days before `day` (when reminders go out).
    async fn working_days_before(&self, day: NaiveDate, days: u32) -> Result<NaiveDate> {
        let calendar = self.working_calendar().await?;
        let (mut at, mut left) = (day, days);
        while left > 0 {
            at = at.pred_opt().ok_or_else(|| AppError::internal(StoreError::Corrupt("date".into())))?;
            if calendar.is_working_day(at)? {
                left -= 1;
            }
        }
        Ok(at)
    }

    /// Every campaign with its progress (the bureau).
    pub async fn campaigns(&self, who: &Authenticated) -> Result<Vec<CampaignView>> {
        authorize(who, Action::RunAnnualReview, Object::Any)?;
        let mut out = Vec::new();
        for record in store::campaigns(&self.db).await? {
            out.push(self.campaign_view(record).await?);
        }
        Ok(out)
    }

    async fn campaign_view(&self, record: CampaignRecord) -> Result<CampaignView> {
        let counts = store::report_counts(&self.db, record.id).await?;
        let total = counts.values().sum();
        let overdue = store::overdue_count(&self.db, record.id).await?;
        Ok(CampaignView { record, counts, total, overdue })
    }

    pub async fn campaign(&self, who: &Authenticated, id: CampaignId) -> Result<CampaignView> {
        authorize(who, Action::RunAnnualReview, Object::Any)?;
        let record = store::campaign(&self.db, id).await?.ok_or(AppError::NotFound("年度复核不存在"))?;
        self.campaign_view(record).await
    }

    /// Ends a campaign once every report has been concluded (none is left unfiled or open).
    pub async fn close_campaign(&self, who: &Authenticated, id: CampaignId, meta: &RequestMeta) -> Result<()> {
        let view = self.campaign(who, id).await?;
        if who.role != CAMPAIGN_OFFICER {
            return Err(AppError::Forbidden {
                code: "forbidden_transition", message: "年度复核由经办人结束".into()
            });
        }
        if view.record.status != CampaignStatus::Open {
            return Err(AppError::WrongState { message: "该年度复核已经结束".into() });
        }
        let open = view.total - view.count(ReportStatus::Passed) - view.count(ReportStatus::Revoked);
        if open > 0 {
            return Err(AppError::WrongState {
                message: format!("还有 {open} 份年度报告尚未作出复核结论（含未提交的），不能结束本年度复核"),
            });
        }
        let mut tx = self.db.begin().await?;
        if !store::change_campaign(&mut tx, id, (CampaignStatus::Open, CampaignStatus::Closed, view.record.version))
            .await?
        {
            return Err(stale());
        }
        let id_text = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "annual_review.campaign_close",
            ("review_campaign", Some(&id_text)),
            json!({ "year": view.record.year }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ reports

    /// Reports: an organisation only its own bases', the bureau any (filtered).
    pub async fn annual_reports(
        &self,
        who: &Authenticated,
        filter: &AnnualReportFilter,
        page: &PageRequest,
    ) -> Result<Page<ReportRecord>> {
        let mut filter = filter.clone();
        if authorize(who, Action::ReadAnnualReview, Object::Any)? == Scope::OwnOrganization {
            let Some(own) = who.user.organization_id else { return Err(not_found()) };
            filter.organization = Some(own);
        }
        Ok(store::reports(&self.db, &filter, page).await?)
    }

    async fn readable_report(&self, who: &Authenticated, id: AnnualReportId) -> Result<ReportRecord> {
        let record = store::report(&self.db, id).await?.ok_or_else(not_found)?;
        authorize(who, Action::ReadAnnualReview, Object::OfOrganization(record.organization_id))?;
        Ok(record)
    }

    /// The figures a base's records hold for `year` today, as report lines.
    pub async fn annual_figures(&self, base: BaseId, year: i32) -> Result<Vec<Line>> {
        let training = store::training_figures(&self.db, base, year).await?;
        let certificates =
            skillbase_store::certification::certificates_by_level(&self.db, base, i64::from(year)).await?;
        let incentives = skillbase_store::incentives::year_summary(&self.db, base, year).await?;
        let entries: Vec<Entry> =
            skillbase_store::subsidy::entries(&self.db, base).await?.iter().map(|e| e.entry()).collect();
        let totals = Totals::of(&entries);
        let (_, policy) = self.policy_in_force(shanghai_date(self.now())).await?;
        let names: BTreeMap<String, String> =
            policy.expense_categories().iter().map(|c| (c.id().to_owned(), c.name().to_owned())).collect();
        let mut spent_by_category: BTreeMap<String, Money> = names.keys().map(|id| (id.clone(), Money::ZERO)).collect();
        for (category, fen) in &totals.spent_by_category {
            spent_by_category.insert(category.clone(), Money::from_fen(*fen));
        }
        let figures = Figures {
            year,
            trainees: training.trainees,
            supply_chain: training.supply_chain,
            classes: training.classes,
            enrolments: training.enrolments,
            completed: training.completed,
            certificates: certificates.into_iter().collect(),
            apprenticeships: training.apprenticeships,
            competitions: training.competitions,
            entries: training.entries,
            awards: training.awards,
            incentives,
            granted: Money::from_fen(totals.granted),
            disbursed: Money::from_fen(totals.disbursed),
            spent_by_category,
            balance: Money::from_fen(totals.balance),
        };
        Ok(figures.lines(&names))
    }

    pub async fn annual_report(&self, who: &Authenticated, id: AnnualReportId) -> Result<ReportView> {
        let record = self.readable_report(who, id).await?;
        let base = skillbase_store::notices::base(&self.db, record.base_id).await?.ok_or_else(not_found)?;
        let (lines, live) = match &record.lines {
            Some(lines) => (lines.clone(), false),
            None => (self.annual_figures(record.base_id, record.year).await?, true),
        };
        let own = authorize(who, Action::FileAnnualReport, Object::OfOrganization(record.organization_id)).is_ok();
        let may_file = own && matches!(record.status, ReportStatus::Pending | ReportStatus::Rectifying);
        let may_decide = authorize(who, Action::RunAnnualReview, Object::Any).is_ok() && !record.status.is_final();
        let recovery =
            if base.status == BaseStatus::Revoked { Some(self.recovery_of(record.base_id).await?) } else { None };
        Ok(ReportView {
            steps: store::steps(&self.db, id).await?,
            record,
            lines,
            live,
            may_file,
            may_decide,
            base_status: base.status,
            revoked_on: base.revoked_on,
            recovery,
        })
    }

    async fn recovery_of(&self, base: BaseId) -> Result<RecoveryView> {
        let entries: Vec<Entry> =
            skillbase_store::subsidy::entries(&self.db, base).await?.iter().map(|e| e.entry()).collect();
        let balance = Money::from_fen(Totals::of(&entries).balance);
        let recovered = store::recoveries(&self.db, base).await?;
        let paid = Money::from_fen(recovered.iter().map(|r| r.amount.fen()).sum());
        Ok(RecoveryView {
            balance,
            recovered: paid,
            outstanding: balance.checked_sub(paid).unwrap_or(Money::ZERO),
            entries: recovered,
        })
    }

    /// The base saves what it writes into its pending report (corrections, self-assessment
    /// with a new photo per clause if it gives one, plan); nothing is required until it submits.
    /// `photos` are (clause code, file name, bytes); a clause without a new one keeps its last.
    pub async fn save_annual_report(
        &self,
        who: &Authenticated,
        id: AnnualReportId,
        (input, photos): (&ReportInput, &[PhotoUpload]),
        meta: &RequestMeta,
    ) -> Result<()> {
        let view = self.annual_report(who, id).await?;
        authorize(who, Action::FileAnnualReport, Object::OfOrganization(view.record.organization_id))?;
        if !view.record.status.is_draft() {
            return Err(AppError::WrongState {
                message: format!("年度报告当前为「{}」，不能再修改", view.record.status.label()),
            });
        }
        let checked = domain::check_report(input, &view.lines);
        let (_, policy) = self.policy_in_force(shanghai_date(self.now())).await?;
        let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
        let mut uploads = Vec::new();
        for (clause, name, bytes) in photos.iter().filter(|(_, _, bytes)| !bytes.is_empty()) {
            let field = format!("assessment.{clause}.photo");
            match skillbase_domain::attachment::check_upload(name, bytes, policy.max_attachment_bytes()) {
                Ok(upload) if upload.kind != skillbase_domain::attachment::FileKind::Xlsx => {
                    uploads.push((clause.clone(), upload, bytes.clone()));
                }
                Ok(_) => errors.push(FieldError::new(field, "photo_type", "请上传照片（JPEG 或 PNG）或 PDF")),
                Err(e) => errors.push(FieldError::new(field, e.code(), e.to_string())),
            }
        }
        let mut content = match checked {
            Ok(content) if errors.is_empty() => content,
            _ => return Err(AppError::Fields(errors)),
        };
        for a in &mut content.assessment {
            a.photo = view
                .record
                .content
                .assessment
                .iter()
                .find(|old| old.clause == a.clause)
                .and_then(|old| old.photo.clone());
        }
        for (clause, upload, bytes) in uploads {
            let Some(a) = content.assessment.iter_mut().find(|a| a.clause.code() == clause) else {
                return Err(field(
                    &format!("assessment.{clause}.photo"),
                    "required",
                    "请先选择该条款是否仍符合，再上传照片",
                ));
            };
            let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
            a.photo = Some(domain::Photo {
                hash: hash.as_str().to_owned(),
                kind: upload.kind.as_str().to_owned(),
                name: upload.display_name,
            });
        }
        let mut changed = view.record.clone();
        changed.content = content;
        changed.updated_at = self.now();
        let mut tx = self.db.begin().await?;
        if !store::update_report(&mut tx, &changed, (view.record.status, view.record.version)).await? {
            return Err(stale());
        }
        let detail = json!({ "base": changed.base_id, "year": changed.year,
                             "corrections": changed.content.corrections.len() });
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "annual_review.report_save",
            ("annual_report", Some(&id.to_string())),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A self-assessment's photo: (name, sniffed kind, bytes), for whoever reads the report.
    pub async fn annual_report_photo(
        &self,
        who: &Authenticated,
        id: AnnualReportId,
        clause: &str,
    ) -> Result<(String, String, Vec<u8>)> {
        let record = self.readable_report(who, id).await?;
        let photo = record
            .content
            .assessment
            .into_iter()
            .find(|a| a.clause.code() == clause)
            .and_then(|a| a.photo)
            .ok_or(AppError::NotFound("照片不存在"))?;
        let hash = skillbase_domain::attachment::ContentHash::parse(&photo.hash)
            .ok_or_else(|| AppError::internal(StoreError::Corrupt("photo hash".into())))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((photo.name, photo.kind, bytes))
    }

    /// Takes the report's next step: the base submits or answers a rectification; staff pass,
    /// order rectification or propose revocation; a leader other than the proposer approves or
    /// rejects a revocation.
    pub async fn decide_annual_report(
        &self,
        who: &Authenticated,
        id: AnnualReportId,
        action: ReportAction,
        input: &StepInput,
        meta: &RequestMeta,
    ) -> Result<ReportStatus> {
        let view = self.annual_report(who, id).await?;
        let current = &view.record;
        match action {
            ReportAction::Submit | ReportAction::Answer => {
                authorize(who, Action::FileAnnualReport, Object::OfOrganization(current.organization_id))?
            }
            _ => authorize(who, Action::RunAnnualReview, Object::Any)?,
        };
        let to =
            domain::report_transition(current.status, action, who.role, current.proposed_from).map_err(step_error)?;
        let now = self.now();
        let today = shanghai_date(now);
        let comment = input.comment.trim();
        if comment.chars().count() > 2000 {
            return Err(field("comment", "too_long", "意见不能超过 2000 字"));
        }
        let mut next = current.clone();
        next.status = to;
        next.updated_at = now;
        let mut job = None;
        let news = match action {
            ReportAction::Submit => {
                let missing = current.content.missing();
                if !missing.is_empty() {
                    return Err(AppError::Fields(missing));
                }
                next.lines = Some(view.lines.clone());
                next.submitted_at = Some(now);
                None
            }
            ReportAction::Pass => Some((
                format!("{} 年度复核通过", current.year),
                format!("您单位基地「{}」{} 年度复核通过。{comment}", current.base_name, current.year),
            )),
            ReportAction::Rectify => {
                let (what, days) = domain::check_rectification(comment, &input.days).map_err(AppError::Fields)?;
                let due = self.due_in_working_days(days).await?;
                next.rectification = Some(what.clone());
                next.rectification_due = Some(due);
                next.answer = None;
                next.escalated_at = None;
                job = Some(due);
                Some((
                    format!("{} 年度复核：请限期整改", current.year),
                    format!(
                        "您单位基地「{}」{} 年度复核需要整改：{what}。请于 {due} 24 时前在年度报告中提交整改情况。",
                        current.base_name, current.year
                    ),
                ))
            }
            ReportAction::Answer => {
                if comment.is_empty() {
                    return Err(field("comment", "required", "请写明整改情况"));
                }
                next.answer = Some(comment.to_owned());
                None
            }
            ReportAction::ProposeRevocation => {
                let Some(ground) = Ground::parse(input.ground.trim()) else {
                    return Err(field("ground", Ground::UNKNOWN, "请选择核销理由"));
                };
                if comment.is_empty() {
                    return Err(field("comment", "required", "请写明提请核销的事实和依据"));
                }
                next.ground = Some(ground);
                next.proposed_from = Some(current.status);
                next.proposed_by = Some(who.user.id);
                None
            }
            ReportAction::ApproveRevocation => {
                if let Some(proposer) = current.proposed_by
                    && let Err(conflict) = ensure_not_drafter(proposer, who)
                {
                    return Err(AppError::Forbidden { code: conflict.code(), message: conflict.to_string() });
                }
                self.require_recent_authentication(who)?;
                next.decided_on = Some(today);
                let ground = current.ground.map(Dictionary::label).unwrap_or_default();
                Some((
                    "基地认定已核销".to_owned(),
                    format!(
                        "根据{}，您单位基地「{}」（牌匾编号 {}）的认定自 {today} 起核销，理由：{ground}。已登记的培训记录仍可查阅；自该日起不得再列支补助资金，结余资金须按规定退回。",
                        domain::CLAUSE,
                        current.base_name,
                        current.base_number
                    ),
                ))
            }
            ReportAction::RejectRevocation => {
                if comment.is_empty() {
                    return Err(field("comment", "required", "请写明不同意核销的意见"));
                }
                next.ground = None;
                next.proposed_from = None;
                next.proposed_by = None;
                None
            }
        };
        let mut tx = self.db.begin().await?;
        if !store::update_report(&mut tx, &next, (current.status, current.version)).await? {
            return Err(stale());
        }
        if let Some(after) = domain::base_status_after(to)
            && after != view.base_status
        {
            let revoked_on = (after == BaseStatus::Revoked).then_some(today);
            if !store::change_base(&mut tx, current.base_id, (view.base_status, after), revoked_on).await? {
                return Err(AppError::Conflict { constraint: "bases_status".into() });
            }
        }
        if let Some(due) = job {
            let payload = json!({ "report": id, "version": current.version + 1 }).to_string();
            let dedupe = format!("{RECTIFICATION_JOB}:{id}:{}", current.version + 1);
            self.enqueue(
                &mut tx,
                &NewJob {
                    kind: RECTIFICATION_JOB,
                    payload: &payload,
                    dedupe_key: Some(&dedupe),
                    run_at: end_of_day(due) + TimeDelta::seconds(1),
                    max_attempts: 10,
                },
            )
            .await?;
        }
        let step = Step {
            id: self.new_id::<ReportStepId>(),
            report_id: id,
            action: action.code().to_owned(),
            actor: Some((who.user.id, who.role)),
            actor_name: None,
            comment: (!comment.is_empty()).then(|| comment.to_owned()),
            at: now,
        };
        store::insert_step(&mut tx, &step).await?;
        if let Some((title, body)) = news {
            self.notify_report(&mut tx, current, &title, &body).await?;
        }
        let detail = json!({
            "base": current.base_id, "year": current.year, "step": action.code(),
            "from": current.status.code(), "to": to.code(), "comment": step.comment,
            "ground": next.ground.map(Dictionary::code), "rectification_due": next.rectification_due,
            "clause": "C4.4",
        });
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "annual_review.report_step",
            ("annual_report", Some(&id.to_string())),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// An in-app notification to the base's organisation about its report.
    async fn notify_report(&self, tx: &mut Tx, report: &ReportRecord, title: &str, body: &str) -> Result<()> {
        let base = skillbase_store::notices::base_in(tx, report.base_id).await?.ok_or_else(not_found)?;
        self.notify_base(tx, &base, title, body).await
    }

    // ------------------------------------------------------------ recovery

    /// Staff record money a revoked base paid back: never more than what it still owes.
    pub async fn record_recovery(
        &self,
        who: &Authenticated,
        base: BaseId,
        (amount, paid_on, voucher): (&str, &str, &str),
        meta: &RequestMeta,
    ) -> Result<RecoveryId> {
        authorize(who, Action::ManageFunding, Object::Any)?;
        let found = skillbase_store::notices::base(&self.db, base).await?.ok_or(AppError::NotFound("基地不存在"))?;
        if found.status != BaseStatus::Revoked {
            return Err(AppError::WrongState { message: "只有已核销的基地才需要退回结余资金".into() });
        }
        let mut errors = Vec::new();
        let amount = match Money::parse(amount) {
            Ok(m) if m.fen() > 0 => Some(m),
            _ => {
                errors.push(FieldError::new("amount", "invalid_amount", "请填写退回金额（元），最多两位小数"));
                None
            }
        };
        let today = shanghai_date(self.now());
        let paid_on = match NaiveDate::parse_from_str(paid_on.trim(), "%Y-%m-%d") {
            Ok(d) if d <= today => Some(d),
            Ok(_) => {
                errors.push(FieldError::new("paid_on", "future_date", "退回日期不能晚于今天"));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("paid_on", "invalid_date", "请填写退回日期，格式如 2026-12-31"));
                None
            }
        };
        let voucher = voucher.trim();
        if voucher.is_empty() || voucher.chars().count() > 64 {
            errors.push(FieldError::new("voucher", "required", "请填写缴款凭证号（不超过 64 字）"));
        }
        let (Some(amount), Some(paid_on), true) = (amount, paid_on, errors.is_empty()) else {
            return Err(AppError::Fields(errors));
        };
        let mut tx = self.db.begin().await?;
        skillbase_store::subsidy::lock_base(&mut tx, base).await?;
        let entries: Vec<Entry> =
            skillbase_store::subsidy::entries_in(&mut tx, base).await?.iter().map(|e| e.entry()).collect();
        let balance = Money::from_fen(Totals::of(&entries).balance);
        let outstanding = balance.checked_sub(store::recovered_in(&mut tx, base).await?).unwrap_or(Money::ZERO);
        if amount > outstanding {
            return Err(field("amount", "over_outstanding", format!("退回金额超过待追回的 {outstanding} 元")));
        }
        let recovery = Recovery {
            id: self.new_id(),
            base_id: base,
            amount,
            paid_on,
            voucher: voucher.to_owned(),
            recorded_by: who.user.id,
            recorded_at: self.now(),
        };
        match store::insert_recovery(&mut tx, &recovery).await {
            Err(StoreError::Conflict { constraint }) if constraint == "base_recoveries_voucher_key" => {
                return Err(field("voucher", "duplicate_voucher", "该凭证号已经登记过"));
            }
            other => other?,
        }
        let detail = json!({ "base": base, "amount_fen": amount.fen(), "paid_on": paid_on, "voucher": voucher,
                             "outstanding_fen": outstanding.fen() - amount.fen() });
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "annual_review.recovery",
            ("base", Some(&base.to_string())),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(recovery.id)
    }

    /// What a revoked base owes back (the bureau, or the base's own organisation).
    pub async fn recovery(&self, who: &Authenticated, base: BaseId) -> Result<RecoveryView> {
        let found = self.base(who, &base.to_string()).await?;
        self.recovery_of(found.id).await
    }

    // ------------------------------------------------------------ jobs

    /// Reminds every base whose report of `campaign` is still pending.
    async fn remind_pending(&self, tx: &mut Tx, campaign: CampaignId) -> Result<()> {
        let Some(record) = store::campaign(&self.db, campaign).await? else { return Ok(()) };
        let pending = store::reports(
            &self.db,
            &ReportFilter { campaign: Some(campaign), status: Some(ReportStatus::Pending), ..Default::default() },
            &PageRequest::all(),
        )
        .await?;
        for report in &pending.items {
            let body = format!(
                "您单位基地「{}」的 {} 年度报告尚未提交，截止时间为 {} 24 时，请尽快核对数据、完成自评并提交。",
                report.base_name, record.year, report.due_on
            );
            self.notify_report(tx, report, &format!("{} 年度报告即将截止", record.year), &body).await?;
        }
        self.audit(
            tx,
            &RequestMeta::default(),
            None,
            "annual_review.report_overdue",
            ("review_campaign", Some(&campaign.to_string())),
            json!({ "reminded": pending.items.len(), "stage": "before_deadline" }),
        )
        .await
    }

    /// Flags every report of `campaign` still pending after its deadline, tells the base and
    /// leaves a step on the report: the bureau sees it and decides; nothing is skipped.
    async fn flag_overdue(&self, tx: &mut Tx, campaign: CampaignId) -> Result<()> {
        let pending = store::reports(
            &self.db,
            &ReportFilter { campaign: Some(campaign), status: Some(ReportStatus::Pending), ..Default::default() },
            &PageRequest::all(),
        )
        .await?;
        let now = self.now();
        let mut flagged = 0;
        for report in pending.items.iter().filter(|r| !r.overdue && shanghai_date(now) > r.due_on) {
            let mut next = report.clone();
            next.overdue = true;
            next.updated_at = now;
            if !store::update_report(tx, &next, (report.status, report.version)).await? {
                continue;
            }
            store::insert_step(
                tx,
                &Step {
                    id: self.new_id(),
                    report_id: report.id,
                    action: "overdue".into(),
                    actor: None,
                    actor_name: None,
                    comment: Some(format!("截至 {} 24 时未提交年度报告", report.due_on)),
                    at: now,
                },
            )
            .await?;
            let body = format!(
                "您单位基地「{}」的 {} 年度报告已逾期（截止 {}）。请立即提交；逾期未报的，可能被提请核销。",
                report.base_name, report.year, report.due_on
            );
            self.notify_report(tx, report, &format!("{} 年度报告已逾期", report.year), &body).await?;
            flagged += 1;
        }
        self.audit(
            tx,
            &RequestMeta::default(),
            None,
            "annual_review.report_overdue",
            ("review_campaign", Some(&campaign.to_string())),
            json!({ "flagged": flagged, "stage": "after_deadline" }),
        )
        .await
    }

    /// A rectification still unanswered after its deadline is escalated: marked, told to the
    /// base, left on the report for staff and the leader. It never revokes by itself.
    async fn escalate_rectification(&self, tx: &mut Tx, report: AnnualReportId, version: i64) -> Result<()> {
        let Some(current) = store::report_in(tx, report).await? else { return Ok(()) };
        if current.status != ReportStatus::Rectifying || current.version != version {
            return Ok(());
        }
        let now = self.now();
        let mut next = current.clone();
        next.escalated_at = Some(now);
        next.updated_at = now;
        if !store::update_report(tx, &next, (current.status, current.version)).await? {
            return Ok(());
        }
        let due = current.rectification_due.map(|d| d.to_string()).unwrap_or_default();
        store::insert_step(
            tx,
            &Step {
                id: self.new_id(),
                report_id: report,
                action: "rectification_overdue".into(),
                actor: None,
                actor_name: None,
                comment: Some(format!("整改期限 {due} 已过，未提交整改情况，已提醒经办人和分管领导")),
                at: now,
            },
        )
        .await?;
        let body = format!(
            "您单位基地「{}」的整改期限（{due}）已过，尚未提交整改情况。请立即提交；整改不到位的，可能被提请核销。",
            current.base_name
        );
        self.notify_report(tx, &current, "整改已逾期", &body).await?;
        self.audit(
            tx,
            &RequestMeta::default(),
            None,
            "annual_review.rectification_overdue",
            ("annual_report", Some(&report.to_string())),
            json!({ "base": current.base_id, "due": due }),
        )
        .await
    }
}

#[derive(serde::Deserialize)]
struct CampaignPayload {
    campaign: CampaignId,
}

#[derive(serde::Deserialize)]
struct ReportPayload {
    report: AnnualReportId,
    version: i64,
}

/// The handler of the review's three jobs ([`REMIND_JOB`], [`OVERDUE_JOB`],
/// [`RECTIFICATION_JOB`]), told apart by the job's kind.
pub fn handler() -> crate::jobs::Handler {
    fn payload<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
    std::sync::Arc::new(|app, job, mut tx| {
        Box::pin(async move {
            let done = match job.kind.as_str() {
                REMIND_JOB => app.remind_pending(&mut tx, payload::<CampaignPayload>(&job.payload)?.campaign).await,
                OVERDUE_JOB => app.flag_overdue(&mut tx, payload::<CampaignPayload>(&job.payload)?.campaign).await,
                _ => {
                    let p: ReportPayload = payload(&job.payload)?;
                    app.escalate_rectification(&mut tx, p.report, p.version).await
                }
            };
            done.map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}
