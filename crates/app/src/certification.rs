//! Skill-level certification (C3.3): a recognised base files to certify an occupation's levels,
//! holds sessions and enters their results; staff check, a leader approves; publishing issues
//! signed certificates anyone can verify by number and name; revoking one takes staff and a
//! leader. Every step goes through the domain's life cycle, in one transaction with its
//! decision record (the history shown on the object) and its audit record.

use chrono::Datelike;
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::certification::{
    self as domain, BaseNews, CertificateAction, CertificateStatement, CertificateStatus, CertificateVerdict,
    CertificationRule, FilingAction, FilingInput, FilingStatus, ScoresInput, SessionAction, SessionInput,
    SessionStatus, StepError, Validity,
};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::ids::{BaseId, CertificateId, FilingId, NotificationId, OrganizationId, ResultId, SessionId};
use skillbase_domain::resident_id::ResidentId;
use skillbase_domain::training::Category;
use skillbase_store::Tx;
use skillbase_store::certification::{self as store, Decision};
pub use skillbase_store::certification::{
    CertificateFilter, CertificateRecord, Decision as CertificationDecision, FilingFilter, FilingRecord, ResultRecord,
    SessionFilter, SessionRecord,
};
use skillbase_store::training::{self as training_store, Page, PageRequest, TraineeFilter};

use crate::access::{authorize, ensure_not_drafter};
use crate::auth::{Authenticated, RequestMeta};
use crate::notices::ISSUER;
use crate::training::ID_INDEX;
use crate::{App, AppError, FieldError, Result};

fn step_error(e: StepError) -> AppError {
    match e {
        StepError::NotFromHere { .. } => AppError::WrongState { message: e.to_string() },
        StepError::NotYourRole { .. } => AppError::Forbidden { code: "forbidden_transition", message: e.to_string() },
    }
}

fn stale() -> AppError {
    AppError::Conflict { constraint: "certification_version".into() }
}

fn field(name: &str, code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Fields(vec![FieldError::new(name, code, message)])
}

/// A comment a refusal, a return or a revocation must carry.
fn reason(comment: &str, what: &str) -> Result<Option<String>> {
    let comment = comment.trim();
    if comment.chars().count() > 1000 {
        return Err(field("comment", "too_long", "意见不能超过 1000 字"));
    }
    if comment.is_empty() && !what.is_empty() {
        return Err(field("comment", "required", format!("请填写{what}")));
    }
    Ok((!comment.is_empty()).then(|| comment.to_owned()))
}

/// A filing with its history.
#[derive(Debug, Clone)]
pub struct FilingView {
    pub record: FilingRecord,
    pub history: Vec<CertificationDecision>,
    /// Approved and valid today.
    pub in_force: bool,
}

/// A session with its history.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub record: SessionRecord,
    pub history: Vec<CertificationDecision>,
    /// May the reader enter results and submit (the base, while the session is editable)?
    pub may_edit: bool,
}

/// A certificate with what checks it offline.
#[derive(Debug, Clone)]
pub struct CertificateView {
    pub record: CertificateRecord,
    pub statement: CertificateStatement,
    pub public_key: String,
    pub history: Vec<CertificationDecision>,
}

impl App {
    /// The certification rule of the policy in force on `day`.
    pub async fn certification_rule(&self, day: chrono::NaiveDate) -> Result<CertificationRule> {
        Ok(self.policy_in_force(day).await?.1.certification())
    }

    async fn decide(
        &self,
        tx: &mut Tx,
        (who, meta): (&Authenticated, &RequestMeta),
        (subject_kind, subject): (&str, String),
        (event, action): (&str, &str),
        (comment, detail): (Option<String>, serde_json::Value),
    ) -> Result<()> {
        let decision = Decision {
            id: self.new_id::<skillbase_domain::ids::FilingId>().to_string(),
            subject_id: subject.clone(),
            action: action.to_owned(),
            actor_id: who.user.id,
            actor_name: who.user.display_name.clone(),
            actor_role: who.role,
            comment: comment.clone(),
            at: self.now(),
        };
        store::insert_decision(tx, &decision).await?;
        let mut detail = detail;
        detail["step"] = json!(action);
        detail["comment"] = json!(comment);
        self.audit(tx, meta, Some((&who.user, who.role)), event, (subject_kind, Some(&subject)), detail).await
    }

    /// The organisation of a base the reader reaches.
    async fn base_organization(&self, who: &Authenticated, base: BaseId) -> Result<OrganizationId> {
        Ok(self.training_base(who, base, Action::ReadTraining).await?.organization_id)
    }

    /// Tells the base's organisation of a step staff or a leader took (an in-app notification,
    /// in the step's transaction).
    async fn tell_base(
        &self,
        tx: &mut Tx,
        organization: OrganizationId,
        (news, body): (BaseNews, String),
    ) -> Result<()> {
        let notification = skillbase_store::applications::Notification {
            id: self.new_id::<NotificationId>(),
            organization_id: organization,
            application_id: None,
            at: self.now(),
            title: news.title().to_owned(),
            body,
            read_at: None,
        };
        skillbase_store::applications::insert_notification(tx, &notification).await?;
        Ok(())
    }

    // ------------------------------------------------------------ filings

    pub async fn file_certification(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &FilingInput,
        meta: &RequestMeta,
    ) -> Result<FilingId> {
        let found = self.training_base(who, base, Action::RecordTraining).await?;
        let filing = domain::check_filing(input).map_err(AppError::Fields)?;
        let record = FilingRecord {
            id: self.new_id(),
            base_id: base,
            base_name: found.name.clone(),
            filing,
            status: FilingStatus::Submitted,
            validity: None,
            filed_by: who.user.id,
            filed_at: self.now(),
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        store::insert_filing(&mut tx, &record).await?;
        let detail = json!({
            "base": base, "occupation": record.filing.occupation.as_str(),
            "levels": record.filing.levels,
        });
        self.decide(
            &mut tx,
            (who, meta),
            ("cert_filing", record.id.to_string()),
            ("certification.filing_create", "submit"),
            (None, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(record.id)
    }

    /// Filings: a base's own (the applicant must name its base), or any for the bureau.
    pub async fn filings(
        &self,
        who: &Authenticated,
        filter: &FilingFilter,
        page: &PageRequest,
    ) -> Result<Page<FilingRecord>> {
        self.certification_scope(who, filter.base).await?;
        Ok(store::filings(&self.db, filter, page).await?)
    }

    /// The reader's reach: the bureau reads every base's certification; a base only its own.
    async fn certification_scope(&self, who: &Authenticated, base: Option<BaseId>) -> Result<()> {
        match base {
            Some(base) => self.training_base(who, base, Action::ReadTraining).await.map(drop),
            None => authorize(who, Action::DecideCertification, Object::Any).map(drop),
        }
    }

    pub async fn filing(&self, who: &Authenticated, id: FilingId) -> Result<FilingView> {
        let record = store::filing(&self.db, id).await?.ok_or(AppError::NotFound("认定备案不存在"))?;
        self.training_base(who, record.base_id, Action::ReadTraining)
            .await
            .map_err(|_| AppError::NotFound("认定备案不存在"))?;
        let today = shanghai_date(self.now());
        Ok(FilingView {
            in_force: record.status == FilingStatus::Approved && record.validity.is_some_and(|v| v.covers(today)),
            history: store::decisions(&self.db, &id.to_string()).await?,
            record,
        })
    }

    /// Staff recommend or refuse; the leader approves or refuses. The leader is never the
    /// person who recommended (separation of duties).
    pub async fn decide_filing(
        &self,
        who: &Authenticated,
        id: FilingId,
        action: FilingAction,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<FilingStatus> {
        authorize(who, Action::DecideCertification, Object::Any)?;
        let view = self.filing(who, id).await?;
        let to = domain::filing_transition(view.record.status, action, who.role).map_err(step_error)?;
        let comment = reason(comment, if action == FilingAction::Refuse { "不予核准的理由" } else { "" })?;
        if action == FilingAction::Approve
            && let Some(recommended) = view.history.iter().rev().find(|d| d.action == "recommend")
            && let Err(conflict) = ensure_not_drafter(recommended.actor_id, who)
        {
            return Err(AppError::Forbidden { code: conflict.code(), message: conflict.to_string() });
        }
        let today = shanghai_date(self.now());
        let validity = if to == FilingStatus::Approved {
            let rule = self.certification_rule(today).await?;
            Some(Validity { from: today, until: rule.valid_until(today) })
        } else {
            None
        };
        let organization = self.base_organization(who, view.record.base_id).await?;
        let mut tx = self.db.begin().await?;
        if !store::change_filing(&mut tx, id, (view.record.status, to, view.record.version), validity).await? {
            return Err(stale());
        }
        let detail = json!({ "base": view.record.base_id, "from": view.record.status, "to": to,
                             "valid_until": validity.map(|v| v.until) });
        let step = match action {
            FilingAction::Recommend => "recommend",
            FilingAction::Approve => "approve",
            FilingAction::Refuse => "refuse",
        };
        self.decide(
            &mut tx,
            (who, meta),
            ("cert_filing", id.to_string()),
            ("certification.filing_decide", step),
            (comment.clone(), detail),
        )
        .await?;
        if let Some(news) = BaseNews::of_filing(to) {
            let f = &view.record.filing;
            let levels: Vec<&str> = f.levels.iter().map(|l| l.label()).collect();
            let mut body = format!(
                "您单位申请认定 {} {}（{}）的备案{}。",
                f.occupation.as_str(),
                f.occupation.name(),
                levels.join("、"),
                if to == FilingStatus::Approved { "已获批准" } else { "未予核准" }
            );
            if let Some(v) = validity {
                body.push_str(&format!("有效期 {} 至 {}，期内可组织该职业（工种）相应等级的考评。", v.from, v.until));
            }
            if let Some(comment) = &comment {
                body.push_str(&format!("意见：{comment}"));
            }
            self.tell_base(&mut tx, organization, (news, body)).await?;
        }
        tx.commit().await?;
        Ok(to)
    }

    // ------------------------------------------------------------ sessions

    pub async fn create_session(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &SessionInput,
        meta: &RequestMeta,
    ) -> Result<SessionId> {
        let found = self.training_base(who, base, Action::RecordTraining).await?;
        let rule = self.certification_rule(shanghai_date(self.now())).await?;
        let session = domain::check_session(input, &rule).map_err(AppError::Fields)?;
        let filings = store::approved_filings(&self.db, base).await?;
        let Some(filing) = filings.iter().find(|f| {
            domain::filing_allows(
                &f.filing,
                (f.status, f.validity),
                (&session.occupation, session.level, session.held_on),
            )
        }) else {
            return Err(field(
                "level",
                "not_approved",
                format!(
                    "本基地在 {} 没有获准认定 {} {} 的{}：请先申请认定备案并经审批",
                    session.held_on,
                    session.occupation.as_str(),
                    session.occupation.name(),
                    session.level.label()
                ),
            ));
        };
        let record = SessionRecord {
            id: self.new_id(),
            base_id: base,
            base_name: found.name.clone(),
            filing_id: filing.id,
            session,
            status: SessionStatus::Draft,
            candidates: 0,
            passed: 0,
            created_by: who.user.id,
            created_at: self.now(),
            version: 1,
        };
        let mut tx = self.db.begin().await?;
        store::insert_session(&mut tx, &record).await?;
        let detail = json!({ "base": base, "filing": filing.id, "occupation": record.session.occupation.as_str(),
                             "level": record.session.level, "held_on": record.session.held_on });
        self.decide(
            &mut tx,
            (who, meta),
            ("cert_session", record.id.to_string()),
            ("certification.session_create", "create"),
            (None, detail),
        )
        .await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn sessions(
        &self,
        who: &Authenticated,
        filter: &SessionFilter,
        page: &PageRequest,
    ) -> Result<Page<SessionRecord>> {
        self.certification_scope(who, filter.base).await?;
        Ok(store::sessions(&self.db, filter, page).await?)
    }

    pub async fn session(&self, who: &Authenticated, id: SessionId) -> Result<SessionView> {
        let record = store::session(&self.db, id).await?.ok_or(AppError::NotFound("考评不存在"))?;
        let base = self
            .training_base(who, record.base_id, Action::ReadTraining)
            .await
            .map_err(|_| AppError::NotFound("考评不存在"))?;
        let may_edit = record.status.editable()
            && authorize(who, Action::RecordTraining, Object::OfOrganization(base.organization_id)).is_ok();
        Ok(SessionView { history: store::decisions(&self.db, &id.to_string()).await?, record, may_edit })
    }

    /// The session, for the base to change its results.
    async fn editable_session(&self, who: &Authenticated, id: SessionId) -> Result<SessionRecord> {
        let view = self.session(who, id).await?;
        self.training_base(who, view.record.base_id, Action::RecordTraining).await?;
        if !view.record.status.editable() {
            return Err(AppError::WrongState {
                message: format!("考评当前为「{}」，不能再修改成绩", view.record.status.label()),
            });
        }
        Ok(view.record)
    }

    /// Enters (or corrects) a candidate's scores, the candidate named by resident ID number.
    pub async fn put_result(
        &self,
        who: &Authenticated,
        session: SessionId,
        (resident_id, input): (&str, &ScoresInput),
        meta: &RequestMeta,
    ) -> Result<ResultId> {
        let record = self.editable_session(who, session).await?;
        let rule = self.certification_rule(record.session.held_on).await?;
        let scores = domain::check_scores(input);
        let trainee = self.trainee_by_number(record.base_id, resident_id).await;
        let (scores, trainee) = match (scores, trainee) {
            (Ok(s), Ok(t)) => (s, t),
            (scores, trainee) => {
                let mut errors = match trainee {
                    Err(AppError::Fields(e)) => e,
                    Err(other) => return Err(other),
                    Ok(_) => Vec::new(),
                };
                errors.extend(scores.err().unwrap_or_default());
                return Err(AppError::Fields(errors));
            }
        };
        if record.session.self_evaluation && trainee.category != Category::OwnEmployee {
            return Err(field(
                "resident_id",
                "not_own_employee",
                format!("自主评价只面向本单位职工；该学员登记为「{}」", trainee.category.label()),
            ));
        }
        let passed = rule.passes(scores.theory, scores.practical);
        let result = ResultRecord {
            id: self.new_id(),
            session_id: session,
            base_id: record.base_id,
            trainee_id: trainee.id,
            trainee_name: trainee.name.clone(),
            masked_id: trainee.resident_id_masked.clone(),
            category: trainee.category,
            scores,
            passed,
            certificate: None,
            created_by: who.user.id,
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        if !store::lock_editable_session(&mut tx, session).await? {
            return Err(AppError::WrongState { message: "考评已提交，不能再修改成绩".into() });
        }
        let id = store::put_result(&mut tx, &result).await?;
        let detail = json!({ "session": session, "result": id, "trainee": trainee.id,
                             "theory": scores.theory, "practical": scores.practical, "passed": passed });
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "certification.result_put",
            ("cert_session", Some(&session.to_string())),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_result(
        &self,
        who: &Authenticated,
        session: SessionId,
        result: ResultId,
        meta: &RequestMeta,
    ) -> Result<()> {
        self.editable_session(who, session).await?;
        let mut tx = self.db.begin().await?;
        if !store::lock_editable_session(&mut tx, session).await? {
            return Err(AppError::WrongState { message: "考评已提交，不能再修改成绩".into() });
        }
        if !store::delete_result(&mut tx, session, result).await? {
            return Err(AppError::NotFound("成绩不存在"));
        }
        let detail = json!({ "session": session, "result": result });
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "certification.result_remove",
            ("cert_session", Some(&session.to_string())),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn results(
        &self,
        who: &Authenticated,
        session: SessionId,
        name: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ResultRecord>> {
        self.session(who, session).await?;
        Ok(store::results(&self.db, session, name.map(str::trim).filter(|n| !n.is_empty()), page).await?)
    }

    /// The base's trainee with this number (found through the blind index).
    async fn trainee_by_number(&self, base: BaseId, number: &str) -> Result<training_store::TraineeRecord> {
        let id = ResidentId::parse(number.trim()).map_err(|e| field("resident_id", e.code(), e.to_string()))?;
        let filter =
            TraineeFilter { index: Some(self.data_key.blind_index(ID_INDEX, id.expose())), ..TraineeFilter::default() };
        let found = training_store::trainees(&self.db, base, &filter, &PageRequest::first(1)).await?;
        found.items.into_iter().next().ok_or_else(|| {
            field("resident_id", "unknown_trainee", "本基地没有该身份证号码的学员，请先在「学员」中登记")
        })
    }

    /// The base submits (results complete), staff return it with a reason or publish it.
    /// Publishing issues a signed certificate to every candidate who passed.
    pub async fn decide_session(
        &self,
        who: &Authenticated,
        id: SessionId,
        action: SessionAction,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<(SessionStatus, Vec<String>)> {
        let view = self.session(who, id).await?;
        let record = view.record;
        match action {
            SessionAction::Submit => {
                self.training_base(who, record.base_id, Action::RecordTraining).await?;
            }
            SessionAction::Return | SessionAction::Publish => {
                authorize(who, Action::DecideCertification, Object::Any)?;
            }
        }
        let to = domain::session_transition(record.status, action, who.role).map_err(step_error)?;
        let comment = reason(comment, if action == SessionAction::Return { "退回的理由" } else { "" })?;
        let today = shanghai_date(self.now());
        if action == SessionAction::Submit {
            let problems =
                domain::submission_problems(&record.session, usize::try_from(record.candidates).unwrap_or(0), today);
            if !problems.is_empty() {
                return Err(AppError::Invalid {
                    code: "session_incomplete",
                    field: None,
                    message: problems.join("；"),
                });
            }
        }
        if action == SessionAction::Publish {
            // Issuing signed certificates: only after a recent sign-in, as plaques.
            self.require_recent_authentication(who)?;
        }
        let key = if action == SessionAction::Publish { Some(self.bureau_key().await?) } else { None };
        let organization = self.base_organization(who, record.base_id).await?;
        let mut tx = self.db.begin().await?;
        if !store::change_session(&mut tx, id, (record.status, to, record.version)).await? {
            return Err(stale());
        }
        let mut numbers = Vec::new();
        if let Some((key_id, key)) = &key {
            for result in store::results_in(&mut tx, id).await?.into_iter().filter(|r| r.passed) {
                let year = today.year();
                let sequence = store::next_certificate_sequence(&mut tx, i64::from(year)).await?;
                let number = domain::certificate_number(year, u32::try_from(sequence).unwrap_or(u32::MAX));
                let statement = CertificateStatement {
                    number: number.clone(),
                    holder: result.trainee_name.clone(),
                    masked_id: result.masked_id.clone(),
                    occupation: record.session.occupation.as_str().to_owned(),
                    occupation_name: record.session.occupation.name().to_owned(),
                    level: record.session.level.label().to_owned(),
                    issued_on: today,
                    base_name: record.base_name.clone(),
                    issuer: ISSUER.to_owned(),
                };
                let certificate = CertificateRecord {
                    id: self.new_id::<CertificateId>(),
                    number: number.clone(),
                    year: i64::from(year),
                    sequence,
                    base_id: record.base_id,
                    session_id: id,
                    result_id: result.id,
                    trainee_id: result.trainee_id,
                    holder_name: result.trainee_name.clone(),
                    masked_id: result.masked_id.clone(),
                    occupation: record.session.occupation.as_str().to_owned(),
                    level: record.session.level,
                    issued_on: today,
                    statement: serde_json::to_string(&statement).map_err(AppError::internal)?,
                    signature: key.sign_text(&statement.message()),
                    key_id: key_id.clone(),
                    status: CertificateStatus::Valid,
                    revoked_on: None,
                    created_at: self.now(),
                    version: 1,
                };
                store::insert_certificate(&mut tx, &certificate).await?;
                let detail = json!({ "number": number, "session": id, "trainee": result.trainee_id, "key": key_id });
                self.audit(
                    &mut tx,
                    meta,
                    Some((&who.user, who.role)),
                    "certification.certificate_issue",
                    ("certificate", Some(&certificate.id.to_string())),
                    detail,
                )
                .await?;
                numbers.push(number);
            }
        }
        let step = match action {
            SessionAction::Submit => "submit",
            SessionAction::Return => "return",
            SessionAction::Publish => "publish",
        };
        let detail = json!({ "base": record.base_id, "from": record.status, "to": to,
                             "candidates": record.candidates, "certificates": numbers.len() });
        self.decide(
            &mut tx,
            (who, meta),
            ("cert_session", id.to_string()),
            ("certification.session_decide", step),
            (comment.clone(), detail),
        )
        .await?;
        if let Some(news) = BaseNews::of_session(to) {
            let s = &record.session;
            let mut body = format!(
                "您单位 {} 举行的 {} {}（{}）考评",
                s.held_on,
                s.occupation.as_str(),
                s.occupation.name(),
                s.level.label()
            );
            if to == SessionStatus::Published {
                body.push_str(&format!("结果已审核公布，向合格的 {} 名考生颁发职业技能等级证书", numbers.len()));
                if let (Some(first), Some(last)) = (numbers.first(), numbers.last()) {
                    body.push_str(&format!(
                        "（编号 {first}{}）",
                        if first == last { String::new() } else { format!(" 至 {last}") }
                    ));
                }
                body.push('。');
            } else {
                body.push_str("结果被退回，请修改后重新提交。");
            }
            if let Some(comment) = &comment {
                body.push_str(&format!("意见：{comment}"));
            }
            self.tell_base(&mut tx, organization, (news, body)).await?;
        }
        tx.commit().await?;
        Ok((to, numbers))
    }

    // ------------------------------------------------------------ certificates

    pub async fn certificates(
        &self,
        who: &Authenticated,
        filter: &CertificateFilter,
        page: &PageRequest,
    ) -> Result<Page<CertificateRecord>> {
        self.certification_scope(who, filter.base).await?;
        Ok(store::certificates(&self.db, filter, page).await?)
    }

    async fn certificate_view(&self, record: CertificateRecord) -> Result<CertificateView> {
        let statement: CertificateStatement = serde_json::from_str(&record.statement).map_err(AppError::internal)?;
        Ok(CertificateView {
            statement,
            public_key: self.bureau_public_key().await?,
            history: store::decisions(&self.db, &record.id.to_string()).await?,
            record,
        })
    }

    pub async fn certificate(&self, who: &Authenticated, id: CertificateId) -> Result<CertificateView> {
        let record = store::certificate(&self.db, id).await?.ok_or(AppError::NotFound("证书不存在"))?;
        self.training_base(who, record.base_id, Action::ReadTraining)
            .await
            .map_err(|_| AppError::NotFound("证书不存在"))?;
        self.certificate_view(record).await
    }

    /// Staff propose a revocation with the facts; a leader other than the proposer approves or
    /// rejects it. A revocation shows at once in every verification.
    pub async fn decide_certificate(
        &self,
        who: &Authenticated,
        id: CertificateId,
        action: CertificateAction,
        comment: &str,
        meta: &RequestMeta,
    ) -> Result<CertificateStatus> {
        authorize(who, Action::DecideCertification, Object::Any)?;
        let view = self.certificate(who, id).await?;
        let record = &view.record;
        let to = domain::certificate_transition(record.status, action, who.role).map_err(step_error)?;
        let comment = reason(
            comment,
            match action {
                CertificateAction::ProposeRevocation => "撤销的事实和理由",
                CertificateAction::RejectRevocation => "不予撤销的理由",
                CertificateAction::ApproveRevocation => "",
            },
        )?;
        if action == CertificateAction::ApproveRevocation
            && let Some(proposed) = view.history.iter().rev().find(|d| d.action == "propose_revocation")
            && let Err(conflict) = ensure_not_drafter(proposed.actor_id, who)
        {
            return Err(AppError::Forbidden { code: conflict.code(), message: conflict.to_string() });
        }
        let revoked_on = (to == CertificateStatus::Revoked).then(|| shanghai_date(self.now()));
        let organization = self.base_organization(who, record.base_id).await?;
        let mut tx = self.db.begin().await?;
        if !store::change_certificate(&mut tx, id, (record.status, to, record.version), revoked_on).await? {
            return Err(stale());
        }
        let step = match action {
            CertificateAction::ProposeRevocation => "propose_revocation",
            CertificateAction::ApproveRevocation => "approve_revocation",
            CertificateAction::RejectRevocation => "reject_revocation",
        };
        let detail = json!({ "number": record.number, "from": record.status, "to": to });
        self.decide(
            &mut tx,
            (who, meta),
            ("certificate", id.to_string()),
            ("certification.certificate_decide", step),
            (comment, detail),
        )
        .await?;
        if let Some(news) = BaseNews::of_certificate(to) {
            let reason = view
                .history
                .iter()
                .rev()
                .find(|d| d.action == "propose_revocation")
                .and_then(|d| d.comment.clone())
                .map(|c| format!("撤销理由：{c}"))
                .unwrap_or_default();
            let body = format!(
                "{} 持有的职业技能等级证书 {}（{}）已于 {} 撤销，公开核验即显示为已撤销。{reason}",
                record.holder_name,
                record.number,
                record.level.label(),
                revoked_on.map(|d| d.to_string()).unwrap_or_default()
            );
            self.tell_base(&mut tx, organization, (news, body)).await?;
        }
        tx.commit().await?;
        Ok(to)
    }

    /// Verification by number and the holder's name, for anyone. A wrong name is told so and
    /// learns nothing else; only the right name sees the certificate's signed statement.
    pub async fn verify_certificate(
        &self,
        number: &str,
        name: &str,
    ) -> Result<(CertificateVerdict, Option<CertificateView>)> {
        let number = number.trim().to_uppercase();
        let found = if domain::is_certificate_number(&number) {
            store::certificate_by_number(&self.db, &number).await?
        } else {
            None
        };
        let verdict = CertificateVerdict::of(found.as_ref().map(|c| (c.holder_name.as_str(), c.status)), name);
        match (verdict, found) {
            (CertificateVerdict::Valid | CertificateVerdict::Revoked, Some(record)) => {
                Ok((verdict, Some(self.certificate_view(record).await?)))
            }
            _ => Ok((verdict, None)),
        }
    }
}
