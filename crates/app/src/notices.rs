//! Public notice (公示, C4.2), objections (异议), and recognition with a signed plaque (认定授牌,
//! C4.3).
//!
//! A notice is published for an approved recognition list; its period comes from the
//! working-day calendar and objections are judged against it to the second. A job closes it
//! when it ends. Once every objection is resolved a leader concludes it: each base without a
//! sustained objection is recognised — a permanent plaque number and an SM2 signature by the
//! bureau's key — and the others are rejected citing the objection. Every change is saved with
//! its audit record (and the applications' transitions) in one transaction.

use chrono::{Datelike, NaiveDate, Utc};
use serde_json::json;
use skillbase_domain::access::{self, Object};
use skillbase_domain::application::{self, Action, Actor, Status};
use skillbase_domain::attachment::{self, ContentHash};
use skillbase_domain::batch::BatchStatus;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{BaseId, NoticeId, ObjectionId, ProposalId};
use skillbase_domain::notice::{
    self, BaseStatus, NoticeStatus, ObjectionInput, ObjectionStatus, Phase, PlaqueStatement, Verdict,
};
use skillbase_domain::review::{Outcome, ProposalStatus};
use skillbase_store::applications as app_store;
use skillbase_store::jobs::NewJob;
use skillbase_store::notices as store;
use skillbase_store::{StoreError, Tx};

use crate::access::{allows, authorize};
use crate::applications::{Change, bounded_text, stale, transition_error};
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result, named};

pub use skillbase_store::notices::BaseFilter;

/// The job that closes a notice when its last second has passed.
pub const CLOSE_JOB: &str = "notice.close";
/// Who issues the plaque.
pub const ISSUER: &str = "上海市青浦区人力资源和社会保障局";
/// What the plaque says the base is (C4.3).
pub const PLAQUE_TITLE: &str = "青浦区技能人才培育实训基地";

/// A notice with its entries, read as the notice itself.
#[derive(Debug, Clone)]
pub struct NoticeView {
    notice: store::Notice,
    /// The stored state, with "open" and "closed" following the clock to the second (read
    /// before the record's own).
    pub status: NoticeStatus,
    pub entries: Vec<store::Entry>,
}
reads_as_record!(NoticeView, notice: store::Notice);

impl NoticeView {
    /// The state as stored, which a change compares against.
    pub fn stored_status(&self) -> NoticeStatus {
        self.notice.status
    }
}

/// An objection as the bureau reads it: the name opened, the contact masked.
#[derive(Debug, Clone)]
pub struct ObjectionView {
    objection: store::Objection,
    pub name: String,
    /// The base concerned, by the organisation's name.
    pub concerning: String,
    /// Every step taken on it, oldest first, each with its actor, time and comment.
    pub steps: Vec<store::ObjectionStep>,
}
reads_as_record!(ObjectionView, objection: store::Objection);

/// What the objector may look up with the receipt and their contact.
#[derive(Debug, Clone)]
pub struct ObjectionOutcome {
    pub receipt: String,
    pub status: ObjectionStatus,
    pub concerning: String,
    pub received_at: chrono::DateTime<Utc>,
    pub findings: Option<String>,
}

/// A recognised base.
pub type BaseView = store::Base;

/// A plaque: the base, the statement its signature covers, the signature, and the key to check
/// it with.
#[derive(Debug, Clone)]
pub struct Plaque {
    pub base: BaseView,
    pub statement: PlaqueStatement,
    pub signature: String,
    pub public_key: String,
}

fn corrupt(what: &str) -> AppError {
    AppError::internal(StoreError::Corrupt(what.to_owned()))
}

fn effective(stored: NoticeStatus, phase: Phase) -> NoticeStatus {
    match (stored, phase) {
        (NoticeStatus::Scheduled | NoticeStatus::Open, Phase::NotYetOpen) => NoticeStatus::Scheduled,
        (NoticeStatus::Scheduled | NoticeStatus::Open, Phase::Open) => NoticeStatus::Open,
        (NoticeStatus::Scheduled | NoticeStatus::Open, Phase::Over) => NoticeStatus::Closed,
        (other, _) => other,
    }
}

fn seal_context(id: ObjectionId, field: &str) -> String {
    format!("objections:{id}:{field}")
}

impl App {
    fn notice_view(&self, notice: store::Notice, entries: Vec<store::Entry>) -> NoticeView {
        let status = effective(notice.status, notice.period.phase(self.now()));
        NoticeView { notice, status, entries }
    }

    // ------------------------------------------------------------ publishing

    /// Publishes the notice of an approved recognition list from `publish_on` (today or
    /// later) for the policy's number of working days; every base on it enters the notice.
    pub async fn publish_notice(
        &self,
        who: &Authenticated,
        proposal: ProposalId,
        publish_on: &str,
        meta: &RequestMeta,
    ) -> Result<String> {
        authorize(who, access::Action::PublishNotice, Object::Any)?;
        let found = self.proposal(who, proposal).await?;
        if found.status != ProposalStatus::Approved {
            return Err(AppError::WrongState {
                message: format!("拟认定名单当前为「{}」，领导审批后方可公示", found.status.label()),
            });
        }
        let today = shanghai_date(self.now());
        let publish_on = match NaiveDate::parse_from_str(publish_on.trim(), "%Y-%m-%d") {
            Ok(d) if d < today => {
                return Err(AppError::Fields(vec![FieldError::new(
                    "publish_on",
                    "date_in_past",
                    "公示日期不能早于今天",
                )]));
            }
            Ok(d) => d,
            Err(_) => {
                return Err(AppError::Fields(vec![FieldError::new(
                    "publish_on",
                    "invalid_date",
                    "请填写公示日期（YYYY-MM-DD）",
                )]));
            }
        };
        let policy = self.policy(&found.policy_id).await?;
        let calendar = self.working_calendar().await?;
        let period = notice::period(&calendar, publish_on, policy.notice_working_days())?;
        let batch = self.batch(found.batch_id).await?;
        let id = self.new_id::<NoticeId>();
        let now = self.now();
        let title = format!("关于{}拟认定{}的公示", batch.title, PLAQUE_TITLE);
        let mut tx = self.db.begin().await?;
        let inserted = store::insert_notice(
            &mut tx,
            &store::Notice {
                id,
                batch_id: found.batch_id,
                proposal_id: proposal,
                status: NoticeStatus::Scheduled,
                title: title.clone(),
                period,
                working_days: i64::from(policy.notice_working_days()),
                policy_id: found.policy_id.clone(),
                published_by: who.user.id,
                published_at: now,
                closed_at: None,
                concluded_by: None,
                concluded_at: None,
                version: 1,
            },
        )
        .await;
        match inserted {
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::WrongState { message: "该名单已发布公示".into() });
            }
            other => other?,
        }
        let mut position = 0;
        for line in found.lines.iter().filter(|l| l.outcome == Outcome::Proposed) {
            let row = app_store::application_in(&mut tx, line.application_id).await?.ok_or_else(stale)?;
            let current = row;
            // One withdrawn before approval is not on the notice.
            if current.status != Status::Approved {
                continue;
            }
            position += 1;
            let projects: Vec<String> = current
                .form
                .projects
                .iter()
                .map(|p| format!("{}（{}）", p.occupation.name(), p.occupation.as_str()))
                .collect();
            let priority = if line.priority_verified {
                current
                    .form
                    .priority_claims
                    .iter()
                    .filter_map(|c| policy.priority_basis(&c.basis).map(|b| b.name().to_owned()))
                    .collect::<Vec<_>>()
                    .join("；")
            } else {
                String::new()
            };
            store::insert_entry(
                &mut tx,
                &store::Entry {
                    notice_id: id,
                    application_id: current.id,
                    position,
                    organization_name: current.organization_name.clone(),
                    uscc: current.organization_uscc.clone(),
                    kind: policy
                        .kind(&current.organization_kind)
                        .map_or(current.organization_kind.clone(), |k| k.name().to_owned()),
                    industry: line.industry.clone(),
                    projects: serde_json::to_string(&projects).map_err(AppError::internal)?,
                    priority,
                },
            )
            .await?;
            let to = crate::applications::transition(current.status, Action::PublishNotice, who)?;
            let note = format!("公示期 {} 至 {}", period.first_day, period.last_day);
            self.change(
                &mut tx,
                Change::plain(
                    &current,
                    Some(who),
                    (Action::PublishNotice, to),
                    note,
                    json!({ "notice": id.to_string() }),
                ),
                meta,
            )
            .await?;
        }
        if position == 0 {
            return Err(AppError::Invalid {
                code: "nothing_to_notice",
                field: None,
                message: "名单中没有可公示的基地".into(),
            });
        }
        if batch.status == BatchStatus::Reviewing {
            app_store::set_batch_status(
                &mut tx,
                batch.id,
                BatchStatus::Reviewing.as_str(),
                BatchStatus::Noticed.as_str(),
            )
            .await?;
        }
        let payload = json!({ "notice": id.to_string() }).to_string();
        let dedupe = format!("{CLOSE_JOB}:{id}");
        self.enqueue(
            &mut tx,
            &NewJob {
                kind: CLOSE_JOB,
                payload: &payload,
                dedupe_key: Some(&dedupe),
                run_at: period.ends_at + chrono::TimeDelta::seconds(1),
                max_attempts: 20,
            },
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "notice.publish",
            ("notice", Some(&id.to_string())),
            json!({
                "proposal": proposal.to_string(), "publish_on": period.publish_on, "first_day": period.first_day,
                "last_day": period.last_day, "working_days": policy.notice_working_days(), "entries": position,
                "policy": found.policy_id,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(id.to_string())
    }

    // ------------------------------------------------------------ reading

    /// Notices: the public sees those published (from their first second); the bureau all.
    pub async fn notices(&self, who: Option<&Authenticated>) -> Result<Vec<NoticeView>> {
        let bureau_reader = who.is_some_and(|w| allows(w, access::Action::ReadNotices));
        let public_at = (!bureau_reader).then(|| self.now());
        let rows = store::notices(&self.db, public_at).await?;
        let mut entries: std::collections::HashMap<NoticeId, Vec<store::Entry>> = std::collections::HashMap::new();
        for entry in store::all_entries(&self.db, public_at).await? {
            entries.entry(entry.notice_id).or_default().push(entry);
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let mine = entries.remove(&row.id).unwrap_or_default();
                self.notice_view(row, mine)
            })
            .collect())
    }

    pub async fn notice(&self, who: Option<&Authenticated>, id: &str) -> Result<NoticeView> {
        let id: NoticeId = named(id, "公示不存在")?;
        let row = store::notice(&self.db, id).await?.ok_or(AppError::NotFound("公示不存在"))?;
        let bureau_reader = who.is_some_and(|w| allows(w, access::Action::ReadNotices));
        if !bureau_reader && row.period.opens_at > self.now() {
            return Err(AppError::NotFound("公示不存在"));
        }
        let entries = store::entries(&self.db, id).await?;
        Ok(self.notice_view(row, entries))
    }

    // ------------------------------------------------------------ objections

    /// Files an objection from the public page. Received only while the notice is open, by the
    /// server's clock to the second. Returns the receipt number.
    pub async fn file_objection(
        &self,
        notice_id: &str,
        input: &ObjectionInput,
        file: Option<(String, Vec<u8>)>,
        meta: &RequestMeta,
    ) -> Result<String> {
        let notice = self.notice(None, notice_id).await?;
        match notice.period.phase(self.now()) {
            Phase::Open => {}
            Phase::NotYetOpen => return Err(AppError::NotFound("公示不存在")),
            Phase::Over => {
                return Err(AppError::Invalid {
                    code: "notice_closed",
                    field: None,
                    message: format!(
                        "公示期已于 {} 24 时结束，不再受理异议。如有问题请联系区人社局。",
                        notice.period.last_day
                    ),
                });
            }
        }
        let entries: Vec<String> = notice.entries.iter().map(|e| e.application_id.to_string()).collect();
        let checked = notice::check_objection(input, &entries).map_err(AppError::Fields)?;
        let policy = self.policy(&notice.policy_id).await?;
        let stored_file = match file {
            Some((name, bytes)) if !bytes.is_empty() => {
                let upload = attachment::check_upload(&name, &bytes, policy.max_attachment_bytes())
                    .map_err(|e| AppError::Fields(vec![FieldError::new("file", e.code(), e.to_string())]))?;
                let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
                Some((hash.as_str().to_owned(), upload.kind.as_str().to_owned(), upload.display_name))
            }
            _ => None,
        };
        let id = self.new_id::<ObjectionId>();
        let random: [u8; 5] = crate::random_bytes(5).try_into().map_err(|_| corrupt("random"))?;
        let receipt = notice::receipt_number(notice.period.publish_on.year(), random);
        let nonce = || -> [u8; 12] { crate::random_bytes(12).try_into().unwrap_or([0; 12]) };
        let row = store::Objection {
            id,
            notice_id: notice.id,
            application_id: checked.concerning.parse().map_err(|_| corrupt("entry id"))?,
            receipt: receipt.clone(),
            status: ObjectionStatus::Received,
            name_sealed: self.data_key.seal(nonce(), checked.name.as_bytes(), &seal_context(id, "name")),
            contact_sealed: self.data_key.seal(
                nonce(),
                checked.contact.as_str().as_bytes(),
                &seal_context(id, "contact"),
            ),
            contact_masked: checked.contact.masked(),
            organization: checked.organization.clone(),
            facts: checked.facts.clone(),
            attachment: stored_file,
            received_at: self.now(),
            findings: None,
            resolved_by: None,
            resolved_at: None,
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        store::insert_objection(&mut tx, &row).await?;
        self.audit(
            &mut tx,
            meta,
            None,
            "objection.file",
            ("objection", Some(&id.to_string())),
            json!({
                "notice": notice_id, "concerning": checked.concerning, "receipt": receipt,
                "contact": row.contact_masked, "organization": checked.organization,
                "attachment": row.attachment.as_ref().map(|(hash, _, _)| hash),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(receipt)
    }

    /// The objector looks up the outcome with the receipt and the contact they gave; a wrong
    /// contact answers like an unknown receipt.
    pub async fn lookup_objection(&self, receipt: &str, contact: &str) -> Result<ObjectionOutcome> {
        let unknown = AppError::NotFound("未查到该回执，请核对回执编号和联系方式");
        let row =
            store::objection_by_receipt(&self.db, receipt.trim().to_uppercase().as_str()).await?.ok_or(unknown)?;
        let given = notice::Contact::parse(contact).map(|c| c.as_str().to_owned()).unwrap_or_default();
        let stored =
            self.data_key.open(&row.contact_sealed, &seal_context(row.id, "contact")).map_err(AppError::internal)?;
        if given.is_empty() || given.as_bytes() != stored.as_slice() {
            return Err(AppError::NotFound("未查到该回执，请核对回执编号和联系方式"));
        }
        let status = row.status;
        let concerning = store::entries(&self.db, row.notice_id)
            .await?
            .into_iter()
            .find(|e| e.application_id == row.application_id)
            .map(|e| e.organization_name)
            .unwrap_or_default();
        Ok(ObjectionOutcome {
            receipt: row.receipt,
            status,
            concerning,
            received_at: row.received_at,
            findings: status.is_resolved().then_some(row.findings).flatten(),
        })
    }

    /// A notice's objections (staff and leaders): names opened, contacts masked.
    pub async fn objections(&self, who: &Authenticated, notice_id: &str) -> Result<Vec<ObjectionView>> {
        authorize(who, access::Action::ReadNotices, Object::Any)?;
        let notice = self.notice(Some(who), notice_id).await?;
        let steps = store::objection_steps(&self.db, notice.id).await?;
        store::objections(&self.db, notice.id)
            .await?
            .into_iter()
            .map(|row| {
                let mut view = self.objection_view(row, &notice)?;
                view.steps = steps.iter().filter(|s| s.objection_id == view.id).cloned().collect();
                Ok(view)
            })
            .collect()
    }

    fn objection_view(&self, objection: store::Objection, notice: &NoticeView) -> Result<ObjectionView> {
        let name = self
            .data_key
            .open(&objection.name_sealed, &seal_context(objection.id, "name"))
            .map_err(AppError::internal)?;
        let concerning = notice
            .entries
            .iter()
            .find(|e| e.application_id == objection.application_id)
            .map(|e| e.organization_name.clone())
            .unwrap_or_default();
        Ok(ObjectionView {
            name: String::from_utf8_lossy(&name).into_owned(),
            concerning,
            objection,
            steps: Vec::new(),
        })
    }

    /// The objection's file, for the bureau.
    pub async fn objection_file(&self, who: &Authenticated, id: &str) -> Result<(String, String, Vec<u8>)> {
        authorize(who, access::Action::ReadNotices, Object::Any)?;
        let id: ObjectionId = named(id, "异议不存在")?;
        let row = store::objection(&self.db, id).await?.ok_or(AppError::NotFound("异议不存在"))?;
        let (hash, kind, name) = row.attachment.ok_or(AppError::NotFound("附件不存在"))?;
        let content = ContentHash::parse(&hash).ok_or_else(|| corrupt(&hash))?;
        let bytes = self.files.get(&content).await.map_err(AppError::internal)?;
        Ok((kind, name, bytes))
    }

    /// Staff take up an objection, or conclude it (sustained or dismissed) with findings.
    pub async fn decide_objection(
        &self,
        who: &Authenticated,
        id: &str,
        decision: Option<bool>,
        findings: &str,
        meta: &RequestMeta,
    ) -> Result<ObjectionStatus> {
        authorize(who, access::Action::HandleObjections, Object::Any)?;
        let id: ObjectionId = named(id, "异议不存在")?;
        let row = store::objection(&self.db, id).await?.ok_or(AppError::NotFound("异议不存在"))?;
        let notice = self.notice(Some(who), &row.notice_id.to_string()).await?;
        if notice.status == NoticeStatus::Concluded {
            return Err(AppError::WrongState { message: "该公示已办结，不能再处理异议".into() });
        }
        let current = row.status;
        let (to, findings) = match decision {
            None => (current.investigate(), None),
            Some(sustained) => (current.resolve(sustained), Some(bounded_text("findings", findings, 2000, true)?)),
        };
        let to = to.ok_or_else(|| AppError::WrongState {
            message: format!("异议当前为「{}」，不能再办理", current.label()),
        })?;
        let mut tx = self.db.begin().await?;
        if !store::change_objection(
            &mut tx,
            id,
            (current, to, row.version),
            findings.as_deref(),
            who.user.id,
            self.now(),
        )
        .await?
        {
            return Err(AppError::Conflict { constraint: "objections_version".into() });
        }
        let step = store::ObjectionStep {
            objection_id: id,
            action: match decision {
                None => "investigate",
                Some(true) => "sustain",
                Some(false) => "dismiss",
            }
            .to_owned(),
            actor_id: who.user.id,
            actor_name: who.user.display_name.clone(),
            actor_role: who.role.as_str().to_owned(),
            comment: findings.clone(),
            at: self.now(),
        };
        store::insert_objection_step(&mut tx, &self.new_id::<ObjectionId>().to_string(), &step).await?;
        let event = if decision.is_some() { "objection.resolve" } else { "objection.investigate" };
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            event,
            ("objection", Some(&id.to_string())),
            json!({ "notice": row.notice_id.to_string(), "receipt": row.receipt, "from": current.as_str(), "to": to.as_str(), "findings": findings }),
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    // ------------------------------------------------------------ closing and concluding

    /// Closes a notice whose last second has passed (the job, or staff by hand). `false` when
    /// there was nothing to do (not over yet, or already closed — by another instance, say).
    pub async fn close_notice(&self, who: Option<&Authenticated>, id: &str, meta: &RequestMeta) -> Result<bool> {
        if let Some(who) = who {
            authorize(who, access::Action::PublishNotice, Object::Any)?;
        }
        let mut tx = self.db.begin().await?;
        let closed = self.close_notice_in(&mut tx, id, who, meta).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// The same, inside `tx` (the job's transaction).
    pub async fn close_notice_in(
        &self,
        tx: &mut Tx,
        id: &str,
        who: Option<&Authenticated>,
        meta: &RequestMeta,
    ) -> Result<bool> {
        let id: NoticeId = named(id, "公示不存在")?;
        let notice = store::notice_in(tx, id).await?.ok_or(AppError::NotFound("公示不存在"))?;
        let stored = notice.status;
        if notice.period.phase(self.now()) != Phase::Over {
            if who.is_some() {
                return Err(AppError::WrongState {
                    message: format!("公示期至 {} 24 时，期满后方可结束", notice.period.last_day),
                });
            }
            return Ok(false);
        }
        if !matches!(stored, NoticeStatus::Scheduled | NoticeStatus::Open) {
            return Ok(false);
        }
        let changed =
            store::change_notice(tx, id, (stored, NoticeStatus::Closed, notice.version), None, self.now()).await?;
        if !changed {
            return Ok(false);
        }
        let objections = store::objections_in(tx, id).await?.len();
        self.audit(
            tx,
            meta,
            who.map(|w| (&w.user, w.role)),
            "notice.close",
            ("notice", Some(&id.to_string())),
            json!({ "last_day": notice.period.last_day, "objections": objections }),
        )
        .await?;
        Ok(true)
    }

    /// The leader concludes a closed notice whose objections are all resolved: each base
    /// without a sustained objection is recognised (plaque number, SM2-signed statement), the
    /// others rejected citing the objection. Returns the new bases' ids.
    pub async fn conclude_notice(&self, who: &Authenticated, id: &str, meta: &RequestMeta) -> Result<Vec<String>> {
        authorize(who, access::Action::ConcludeNotice, Object::Any)?;
        // Issuing plaques: only after a recent sign-in (SEC-08).
        self.require_recent_authentication(who)?;
        let notice = self.notice(Some(who), id).await?;
        match notice.status {
            NoticeStatus::Closed => {}
            NoticeStatus::Concluded => return Err(AppError::WrongState { message: "该公示已办结".into() }),
            _ => {
                return Err(AppError::WrongState {
                    message: format!("公示期至 {} 24 时，公示期间不得认定", notice.period.last_day),
                });
            }
        }
        let objections = store::objections(&self.db, notice.id).await?;
        let open: Vec<&str> =
            objections.iter().filter(|o| !o.status.is_resolved()).map(|o| o.receipt.as_str()).collect();
        if !open.is_empty() {
            return Err(AppError::Invalid {
                code: "objections_unresolved",
                field: None,
                message: format!("尚有异议未办结：{}", open.join("、")),
            });
        }
        let (key_id, key) = self.bureau_key().await?;
        let today = shanghai_date(self.now());
        let mut tx = self.db.begin().await?;
        // The job may not have run yet: close it first, in the same transaction.
        self.close_notice_in(&mut tx, id, None, meta).await?;
        let row = store::notice_in(&mut tx, notice.id).await?.ok_or_else(stale)?;
        if !store::change_notice(
            &mut tx,
            notice.id,
            (NoticeStatus::Closed, NoticeStatus::Concluded, row.version),
            Some(who.user.id),
            self.now(),
        )
        .await?
        {
            return Err(AppError::Conflict { constraint: "notices_version".into() });
        }
        let mut bases = Vec::new();
        for entry in &notice.entries {
            let row = app_store::application_in(&mut tx, entry.application_id).await?.ok_or_else(stale)?;
            let current = row;
            if current.status != Status::InNotice {
                continue;
            }
            let sustained: Vec<&store::Objection> = objections
                .iter()
                .filter(|o| o.application_id == entry.application_id && o.status == ObjectionStatus::Sustained)
                .collect();
            if !sustained.is_empty() {
                let note = sustained
                    .iter()
                    .map(|o| format!("异议成立（回执 {}）：{}", o.receipt, o.findings.clone().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join("；");
                self.move_in_notice(&mut tx, &current, Action::RejectAfterObjection, who, note, meta).await?;
                continue;
            }
            let year = i64::from(today.year());
            let sequence = store::next_sequence(&mut tx, year).await?;
            let number = notice::plaque_number(today.year(), u32::try_from(sequence).unwrap_or(u32::MAX));
            let statement = PlaqueStatement {
                number: number.clone(),
                base_name: current.organization_name.clone(),
                uscc: current.organization_uscc.clone(),
                recognised_on: today,
                issuer: ISSUER.to_owned(),
                title: PLAQUE_TITLE.to_owned(),
            };
            let base_id = self.new_id::<BaseId>();
            store::insert_base(
                &mut tx,
                &store::Base {
                    id: base_id,
                    application_id: current.id,
                    organization_id: current.organization_id,
                    batch_id: current.batch_id,
                    notice_id: notice.id,
                    number: number.clone(),
                    year,
                    sequence,
                    name: current.organization_name.clone(),
                    uscc: current.organization_uscc.clone(),
                    kind: current.organization_kind.clone(),
                    industry: current.form.profile.industry.clone(),
                    recognised_on: today,
                    status: BaseStatus::Active,
                    revoked_on: None,
                    policy_id: notice.policy_id.clone(),
                    statement: serde_json::to_string(&statement).map_err(AppError::internal)?,
                    signature: key.sign_text(&statement.message()),
                    key_id: key_id.clone(),
                    recognised_by: who.user.id,
                    created_at: self.now(),
                    version: 1,
                },
            )
            .await?;
            self.move_in_notice(
                &mut tx,
                &current,
                Action::Recognise,
                who,
                format!("认定为{PLAQUE_TITLE}，牌匾编号 {number}"),
                meta,
            )
            .await?;
            self.audit(
                &mut tx,
                meta,
                Some((&who.user, who.role)),
                "base.recognise",
                ("base", Some(&base_id.to_string())),
                json!({ "number": number, "application": current.id.to_string(), "notice": id, "key": key_id }),
            )
            .await?;
            bases.push(base_id.to_string());
        }
        app_store::set_batch_status(
            &mut tx,
            notice.batch_id,
            BatchStatus::Noticed.as_str(),
            BatchStatus::Done.as_str(),
        )
        .await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "notice.conclude",
            ("notice", Some(id)),
            json!({ "recognised": bases.len(), "entries": notice.entries.len(), "objections": objections.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(bases)
    }

    async fn move_in_notice(
        &self,
        tx: &mut Tx,
        current: &crate::applications::ApplicationView,
        action: Action,
        who: &Authenticated,
        note: String,
        meta: &RequestMeta,
    ) -> Result<()> {
        let to = application::transition(current.status, action, Actor::Person(who.role)).map_err(transition_error)?;
        self.change(tx, Change::plain(current, Some(who), (action, to), note, json!({})), meta).await
    }

    // ------------------------------------------------------------ bases and plaques

    /// The public registry: every recognised base, revoked ones shown as revoked.
    pub async fn registry(&self, filter: &store::BaseFilter<'_>) -> Result<Vec<BaseView>> {
        Ok(store::bases(&self.db, filter).await?)
    }

    /// A base, for the bureau or its own organisation.
    pub async fn base(&self, who: &Authenticated, id: &str) -> Result<BaseView> {
        let base = store::base(&self.db, named(id, "基地不存在")?).await?.ok_or(AppError::NotFound("基地不存在"))?;
        authorize(who, access::Action::ReadBase, Object::OfOrganization(base.organization_id))?;
        Ok(base)
    }

    /// The plaque of a base: its signed statement, the signature and the public key.
    pub async fn plaque(&self, who: &Authenticated, id: &str) -> Result<Plaque> {
        let base = self.base(who, id).await?;
        self.plaque_of(base).await
    }

    async fn plaque_of(&self, base: BaseView) -> Result<Plaque> {
        let statement: PlaqueStatement = serde_json::from_str(&base.statement).map_err(AppError::internal)?;
        Ok(Plaque { signature: base.signature.clone(), public_key: self.bureau_public_key().await?, statement, base })
    }

    /// Verification by plaque number, for anyone: the standing, and for a known plaque its
    /// signed statement. Nothing personal.
    pub async fn verify_plaque(&self, number: &str) -> Result<(Verdict, Option<Plaque>)> {
        let number = number.trim().to_uppercase();
        let found = if number.len() <= 20 { store::base_by_number(&self.db, &number).await? } else { None };
        match found {
            None => Ok((Verdict::Unknown, None)),
            Some(base) => {
                let verdict = Verdict::of(Some(base.status));
                Ok((verdict, Some(self.plaque_of(base).await?)))
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct ClosePayload {
    notice: String,
}

/// The handler of [`CLOSE_JOB`].
pub fn close_handler() -> crate::jobs::Handler {
    std::sync::Arc::new(|app, job, mut tx| {
        Box::pin(async move {
            let payload: ClosePayload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
            app.close_notice_in(&mut tx, &payload.notice, None, &RequestMeta::default())
                .await
                .map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_state_follows_the_clock() {
        assert_eq!(effective(NoticeStatus::Scheduled, Phase::NotYetOpen), NoticeStatus::Scheduled);
        assert_eq!(effective(NoticeStatus::Scheduled, Phase::Open), NoticeStatus::Open);
        assert_eq!(effective(NoticeStatus::Scheduled, Phase::Over), NoticeStatus::Closed);
        assert_eq!(effective(NoticeStatus::Concluded, Phase::Over), NoticeStatus::Concluded);
    }
}
