//! A recognised base records its training (PRODUCT.md §4; C2.2, C2.3, C3.1); staff and leaders
//! read it. Another organisation finds nothing ("基地不存在"), experts are refused by the table.
//!
//! A trainee's resident ID number is checked (GB 11643), sealed under the data key bound to the
//! trainee's row, found again through a keyed blind index (one person is one trainee of a base),
//! and shown masked everywhere; the full number is handed out only after a recent
//! re-authentication, and every such reveal is audited. No audit record, log line or error
//! message carries the number.

use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::attachment;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{
    BaseId, ClassId, CompetitionId, EnrolmentId, PairId, ProjectId, RosterImportId, TraineeId, UserId,
};
use skillbase_domain::notice::BaseStatus;
use skillbase_domain::resident_id::ResidentId;
use skillbase_domain::training::{
    self, Category, ClassInput, CompetitionInput, EnrolmentInput, EntryInput, PairInput, ProjectInput, Relation,
    TraineeInput,
};
use skillbase_store::Tx;
use skillbase_store::jobs::NewJob;
use skillbase_store::training::{self as store, NewClass, NewEnrolment, StoredFile, TraineeFilter};
pub use skillbase_store::training::{
    ClassFilter, ClassRecord, CompetitionFilter, CompetitionRecord, Counts, EnrolmentFilter, EnrolmentRecord,
    EntryRecord, ImportRecord, ImportStatus, Page, PageRequest, PairFilter, PairRecord, ProjectRecord, TraineeRecord,
};

use crate::access::authorize;
use crate::auth::{Authenticated, RequestMeta};
use crate::notices::BaseView;
use crate::roster::{self, Problem, RosterKind};
use crate::{App, AppError, FieldError, Result};

/// The purpose of the resident-ID blind index (keeps its digests apart from any other's).
pub const ID_INDEX: &str = "trainees.resident_id";

fn id_context(trainee: TraineeId) -> String {
    format!("trainees:{trainee}:resident_id")
}

fn phone_context(trainee: TraineeId) -> String {
    format!("trainees:{trainee}:phone")
}

fn field(field: &str, code: &'static str, message: impl Into<String>) -> AppError {
    AppError::Fields(vec![FieldError::new(field, code, message)])
}

/// A base's training at a glance.
#[derive(Debug, Clone)]
pub struct TrainingOverview {
    pub base_id: BaseId,
    pub base: BaseView,
    pub counts: Counts,
    pub projects: Vec<ProjectRecord>,
    /// May the reader record (the base's own organisation, while it is not revoked)?
    pub may_record: bool,
}

/// How to find trainees.
#[derive(Debug, Clone, Default)]
pub struct TraineeQuery {
    pub name: Option<String>,
    /// An exact resident ID number (searched through the blind index, never stored).
    pub resident_id: Option<String>,
    pub category: Option<Category>,
    pub relation: Option<Relation>,
}

impl App {
    /// The base, for `action` on its training. Outside the reader's scope it does not exist;
    /// a revoked base's records stay readable, but nothing new is recorded for it.
    pub async fn training_base(&self, who: &Authenticated, base: BaseId, action: Action) -> Result<BaseView> {
        let found = self.base(who, &base.to_string()).await.map_err(|_| AppError::NotFound("基地不存在"))?;
        authorize(who, action, Object::OfOrganization(found.organization_id))?;
        if action == Action::RecordTraining && found.status == BaseStatus::Revoked {
            return Err(AppError::WrongState {
                message: "基地已核销，不能再登记培训记录；已有记录仍可查阅".to_owned(),
            });
        }
        Ok(found)
    }

    pub async fn training_overview(&self, who: &Authenticated, base: BaseId) -> Result<TrainingOverview> {
        let found = self.training_base(who, base, Action::ReadTraining).await?;
        let may_record = authorize(who, Action::RecordTraining, Object::OfOrganization(found.organization_id)).is_ok()
            && found.status != BaseStatus::Revoked;
        Ok(TrainingOverview {
            base_id: base,
            counts: store::counts(&self.db, base).await?,
            projects: store::projects(&self.db, base).await?,
            base: found,
            may_record,
        })
    }

    /// Writes `detail` as the audit record of `action` on `base`, in `tx`.
    async fn audit_training(
        &self,
        tx: &mut Tx,
        (who, meta): (&Authenticated, &RequestMeta),
        action: &str,
        base: BaseId,
        detail: serde_json::Value,
    ) -> Result<()> {
        self.audit(tx, meta, Some((&who.user, who.role)), action, ("base", Some(&base.to_string())), detail).await
    }

    // ------------------------------------------------------------ projects

    pub async fn create_project(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &ProjectInput,
        meta: &RequestMeta,
    ) -> Result<ProjectId> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let project = training::check_project(input).map_err(AppError::Fields)?;
        let record = ProjectRecord {
            id: self.new_id(),
            base_id: base,
            project,
            created_by: who.user.id,
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        store::insert_project(&mut tx, &record).await?;
        let detail = json!({
            "project": record.id, "occupation": record.project.occupation.as_str(),
            "levels": record.project.levels, "criteria": record.project.criteria,
        });
        self.audit_training(&mut tx, (who, meta), "training.project_create", base, detail).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn projects(&self, who: &Authenticated, base: BaseId) -> Result<Vec<ProjectRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::projects(&self.db, base).await?)
    }

    /// The base's project (another base's is "not found").
    async fn project_of(&self, base: BaseId, id: &str, field_name: &str) -> Result<ProjectRecord> {
        let found = match id.parse::<ProjectId>() {
            Ok(id) => store::project(&self.db, id).await?,
            Err(_) => None,
        };
        found
            .filter(|p| p.base_id == base)
            .ok_or_else(|| field(field_name, "unknown_project", "请选择本基地的培训项目"))
    }

    // ------------------------------------------------------------ classes

    pub async fn create_class(
        &self,
        who: &Authenticated,
        base: BaseId,
        project: &str,
        input: &ClassInput,
        meta: &RequestMeta,
    ) -> Result<ClassId> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let project = self.project_of(base, project, "project").await;
        let checked = training::check_class(input);
        let (project, class) = match (project, checked) {
            (Ok(project), Ok(class)) => (project, class),
            (project, checked) => {
                let mut errors = match project {
                    Err(AppError::Fields(e)) => e,
                    _ => Vec::new(),
                };
                errors.extend(checked.err().unwrap_or_default());
                return Err(AppError::Fields(errors));
            }
        };
        let id: ClassId = self.new_id();
        let mut tx = self.db.begin().await?;
        if store::class_named(&mut tx, base, &class.name).await?.is_some() {
            return Err(field("name", "duplicate_class", "本基地已有同名的培训班，请换一个名称"));
        }
        let new = NewClass {
            id,
            base_id: base,
            project_id: project.id,
            class: &class,
            created_by: who.user.id,
            created_at: self.now(),
        };
        store::insert_class(&mut tx, &new).await?;
        let detail = json!({
            "class": id, "project": project.id, "name": class.name, "mode": class.mode,
            "starts_on": class.starts_on, "ends_on": class.ends_on, "hours": class.hours,
        });
        self.audit_training(&mut tx, (who, meta), "training.class_create", base, detail).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn classes(
        &self,
        who: &Authenticated,
        base: BaseId,
        filter: &ClassFilter,
        page: &PageRequest,
    ) -> Result<Page<ClassRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::classes(&self.db, base, filter, page).await?)
    }

    pub async fn class(&self, who: &Authenticated, base: BaseId, id: ClassId) -> Result<ClassRecord> {
        self.training_base(who, base, Action::ReadTraining).await?;
        store::class(&self.db, id).await?.filter(|k| k.base_id == base).ok_or(AppError::NotFound("培训班不存在"))
    }

    // ------------------------------------------------------------ trainees

    /// The stored form of a checked trainee: the number and phone sealed to the row.
    pub(crate) fn trainee_record(
        &self,
        (id, base): (TraineeId, BaseId),
        trainee: &training::Trainee,
        created_by: UserId,
    ) -> TraineeRecord {
        TraineeRecord {
            id,
            base_id: base,
            name: trainee.name.clone(),
            resident_id_sealed: self.seal(trainee.resident_id.expose().as_bytes(), &id_context(id)),
            resident_id_index: self.data_key.blind_index(ID_INDEX, trainee.resident_id.expose()),
            resident_id_masked: trainee.resident_id.masked(),
            phone_sealed: trainee.phone.as_ref().map(|p| self.seal(p.expose().as_bytes(), &phone_context(id))),
            phone_masked: trainee.phone.as_ref().map(training::Phone::masked),
            employer: trainee.employer.clone(),
            employer_uscc: trainee.employer_uscc.as_ref().map(|u| u.as_str().to_owned()),
            relation: trainee.relation,
            category: trainee.category,
            created_by,
            created_at: self.now(),
        }
    }

    pub async fn register_trainee(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &TraineeInput,
        meta: &RequestMeta,
    ) -> Result<TraineeId> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let trainee = training::check_trainee(input, shanghai_date(self.now())).map_err(AppError::Fields)?;
        let record = self.trainee_record((self.new_id(), base), &trainee, who.user.id);
        let mut tx = self.db.begin().await?;
        let existing = store::trainees_by_index(&mut tx, base, std::slice::from_ref(&record.resident_id_index)).await?;
        if let Some(existing) = existing.first() {
            return Err(field(
                "resident_id",
                "duplicate_trainee",
                format!("该身份证号码已登记为本基地学员（{}），同一人只登记一次", existing.name),
            ));
        }
        store::insert_trainee(&mut tx, &record).await?;
        let detail = json!({
            "trainee": record.id, "resident_id": record.resident_id_masked, "category": record.category,
            "relation": record.relation,
        });
        self.audit_training(&mut tx, (who, meta), "training.trainee_create", base, detail).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn trainees(
        &self,
        who: &Authenticated,
        base: BaseId,
        query: &TraineeQuery,
        page: &PageRequest,
    ) -> Result<Page<TraineeRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        let index = match query.resident_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(number) => match ResidentId::parse(number) {
                Ok(id) => Some(self.data_key.blind_index(ID_INDEX, id.expose())),
                Err(e) => return Err(field("resident_id", e.code(), e.to_string())),
            },
        };
        let filter = TraineeFilter {
            name: query.name.clone().filter(|n| !n.trim().is_empty()).map(|n| n.trim().to_owned()),
            index,
            category: query.category,
            relation: query.relation,
        };
        Ok(store::trainees(&self.db, base, &filter, page).await?)
    }

    pub async fn trainee(&self, who: &Authenticated, base: BaseId, id: TraineeId) -> Result<TraineeRecord> {
        self.training_base(who, base, Action::ReadTraining).await?;
        store::trainee(&self.db, id).await?.filter(|t| t.base_id == base).ok_or(AppError::NotFound("学员不存在"))
    }

    /// The full resident ID number of a trainee, after a recent re-authentication; audited.
    pub async fn reveal_resident_id(
        &self,
        who: &Authenticated,
        base: BaseId,
        id: TraineeId,
        meta: &RequestMeta,
    ) -> Result<String> {
        let trainee = self.trainee(who, base, id).await?;
        self.require_recent_authentication(who)?;
        let number = self
            .data_key
            .open(&trainee.resident_id_sealed, &id_context(id))
            .map_err(AppError::internal)
            .and_then(|bytes| String::from_utf8(bytes).map_err(AppError::internal))?;
        let mut tx = self.db.begin().await?;
        let detail = json!({ "trainee": id, "resident_id": trainee.resident_id_masked });
        self.audit_training(&mut tx, (who, meta), "training.trainee_reveal", base, detail).await?;
        tx.commit().await?;
        Ok(number)
    }

    // ------------------------------------------------------------ enrolments

    /// Enrols a trainee of the base in a class of the base.
    pub async fn enrol(
        &self,
        who: &Authenticated,
        base: BaseId,
        (class, trainee): (&str, &str),
        input: &EnrolmentInput,
        meta: &RequestMeta,
    ) -> Result<EnrolmentId> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let class = match class.parse::<ClassId>() {
            Ok(id) => store::class(&self.db, id).await?.filter(|k| k.base_id == base),
            Err(_) => None,
        }
        .ok_or_else(|| field("class", "unknown_class", "请选择本基地的培训班"))?;
        let trainee = match trainee.parse::<TraineeId>() {
            Ok(id) => store::trainee(&self.db, id).await?.filter(|t| t.base_id == base),
            Err(_) => None,
        }
        .ok_or_else(|| field("trainee", "unknown_trainee", "请选择本基地已登记的学员"))?;
        let enrolment = training::check_enrolment(input, class.class.hours).map_err(AppError::Fields)?;
        let id: EnrolmentId = self.new_id();
        let mut tx = self.db.begin().await?;
        if store::is_enrolled(&mut tx, class.id, trainee.id).await? {
            return Err(field("trainee", "already_enrolled", format!("{} 已在该培训班中", trainee.name)));
        }
        let new = NewEnrolment {
            id,
            base_id: base,
            class_id: class.id,
            trainee_id: trainee.id,
            enrolment,
            created_by: who.user.id,
            created_at: self.now(),
        };
        store::insert_enrolment(&mut tx, &new).await?;
        let detail = json!({
            "enrolment": id, "class": class.id, "trainee": trainee.id, "hours": enrolment.hours,
            "completion": enrolment.completion, "outcome": enrolment.outcome,
        });
        self.audit_training(&mut tx, (who, meta), "training.enrolment_create", base, detail).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records attendance, completion and the result of an enrolment.
    pub async fn update_enrolment(
        &self,
        who: &Authenticated,
        base: BaseId,
        id: EnrolmentId,
        input: &EnrolmentInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let found = store::enrolment(&self.db, id)
            .await?
            .filter(|e| e.base_id == base)
            .ok_or(AppError::NotFound("报名记录不存在"))?;
        let class = store::class(&self.db, found.class_id).await?.ok_or(AppError::NotFound("培训班不存在"))?;
        let enrolment = training::check_enrolment(input, class.class.hours).map_err(AppError::Fields)?;
        let mut tx = self.db.begin().await?;
        if !store::update_enrolment(&mut tx, id, &enrolment, self.now()).await? {
            return Err(AppError::NotFound("报名记录不存在"));
        }
        let detail = json!({
            "enrolment": id, "hours": [found.enrolment.hours, enrolment.hours],
            "completion": [found.enrolment.completion, enrolment.completion],
            "outcome": [found.enrolment.outcome, enrolment.outcome],
        });
        self.audit_training(&mut tx, (who, meta), "training.enrolment_update", base, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn enrolments(
        &self,
        who: &Authenticated,
        base: BaseId,
        filter: &EnrolmentFilter,
        page: &PageRequest,
    ) -> Result<Page<EnrolmentRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::enrolments(&self.db, base, filter, page).await?)
    }

    /// One enrolment of the base.
    pub async fn enrolment(&self, who: &Authenticated, base: BaseId, id: EnrolmentId) -> Result<EnrolmentRecord> {
        self.training_base(who, base, Action::ReadTraining).await?;
        store::enrolment(&self.db, id).await?.filter(|e| e.base_id == base).ok_or(AppError::NotFound("报名记录不存在"))
    }

    // ------------------------------------------------------------ master–apprentice pairs

    /// Records a master–apprentice pair with its signed agreement (PDF or image).
    pub async fn create_pair(
        &self,
        who: &Authenticated,
        base: BaseId,
        apprentice: &str,
        input: &PairInput,
        agreement: Option<(String, Vec<u8>)>,
        meta: &RequestMeta,
    ) -> Result<PairId> {
        let found = self.training_base(who, base, Action::RecordTraining).await?;
        let mut errors = Vec::new();
        let apprentice = match apprentice.parse::<TraineeId>() {
            Ok(id) => store::trainee(&self.db, id).await?.filter(|t| t.base_id == base),
            Err(_) => None,
        };
        if apprentice.is_none() {
            errors.push(FieldError::new("apprentice", "unknown_trainee", "请选择本基地已登记的学员作为徒弟"));
        }
        let pair = training::check_pair(input).map_err(|e| errors.extend(e)).ok();
        let policy = self.policy(&found.policy_id).await?;
        let upload = match &agreement {
            Some((name, bytes)) if !bytes.is_empty() => {
                attachment::check_upload(name, bytes, policy.max_attachment_bytes())
                    .map_err(|e| errors.push(FieldError::new("agreement", e.code(), e.to_string())))
                    .ok()
            }
            _ => {
                errors.push(FieldError::new("agreement", "required", "请上传师带徒协议（PDF、JPEG 或 PNG）"));
                None
            }
        };
        let (Some(apprentice), Some(pair), Some(upload), true) = (apprentice, pair, upload, errors.is_empty()) else {
            return Err(AppError::Fields(errors));
        };
        let (_, bytes) = agreement.unwrap_or_default();
        let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
        let record = PairRecord {
            id: self.new_id(),
            base_id: base,
            apprentice_id: apprentice.id,
            apprentice_name: apprentice.name.clone(),
            pair,
            agreement: StoredFile {
                hash: hash.as_str().to_owned(),
                kind: upload.kind.as_str().to_owned(),
                name: upload.display_name,
            },
            created_by: who.user.id,
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        store::insert_pair(&mut tx, &record).await?;
        let detail = json!({
            "pair": record.id, "apprentice": apprentice.id, "master": record.pair.master,
            "occupation": record.pair.occupation.as_str(), "agreement": hash.as_str(),
        });
        self.audit_training(&mut tx, (who, meta), "training.pair_create", base, detail).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn pairs(
        &self,
        who: &Authenticated,
        base: BaseId,
        filter: &PairFilter,
        page: &PageRequest,
    ) -> Result<Page<PairRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::pairs(&self.db, base, filter, page).await?)
    }

    /// One master–apprentice pair of the base.
    pub async fn pair(&self, who: &Authenticated, base: BaseId, id: PairId) -> Result<PairRecord> {
        self.training_base(who, base, Action::ReadTraining).await?;
        store::pair(&self.db, id).await?.filter(|p| p.base_id == base).ok_or(AppError::NotFound("师带徒记录不存在"))
    }

    /// A pair's agreement file: (name, sniffed kind, bytes).
    pub async fn pair_agreement(
        &self,
        who: &Authenticated,
        base: BaseId,
        id: PairId,
    ) -> Result<(String, String, Vec<u8>)> {
        self.training_base(who, base, Action::ReadTraining).await?;
        let pair = store::pair(&self.db, id)
            .await?
            .filter(|p| p.base_id == base)
            .ok_or(AppError::NotFound("师带徒记录不存在"))?;
        let hash = attachment::ContentHash::parse(&pair.agreement.hash).ok_or_else(|| AppError::internal(Corrupt))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((pair.agreement.name, pair.agreement.kind, bytes))
    }

    // ------------------------------------------------------------ competitions

    pub async fn create_competition(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &CompetitionInput,
        meta: &RequestMeta,
    ) -> Result<CompetitionId> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let competition = training::check_competition(input, shanghai_date(self.now())).map_err(AppError::Fields)?;
        let record = CompetitionRecord {
            id: self.new_id(),
            base_id: base,
            competition,
            participants: 0,
            created_by: who.user.id,
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        store::insert_competition(&mut tx, &record).await?;
        let detail = json!({
            "competition": record.id, "name": record.competition.name, "level": record.competition.level,
            "held_on": record.competition.held_on,
        });
        self.audit_training(&mut tx, (who, meta), "training.competition_create", base, detail).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn competitions(
        &self,
        who: &Authenticated,
        base: BaseId,
        filter: &CompetitionFilter,
        page: &PageRequest,
    ) -> Result<Page<CompetitionRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::competitions(&self.db, base, filter, page).await?)
    }

    /// A competition of the base with its participants' results.
    pub async fn competition(
        &self,
        who: &Authenticated,
        base: BaseId,
        id: CompetitionId,
    ) -> Result<(CompetitionRecord, Vec<EntryRecord>)> {
        self.training_base(who, base, Action::ReadTraining).await?;
        let competition = store::competition(&self.db, id)
            .await?
            .filter(|m| m.base_id == base)
            .ok_or(AppError::NotFound("竞赛记录不存在"))?;
        Ok((competition, store::entries(&self.db, id).await?))
    }

    /// Every result of every competition of the base (an export).
    pub async fn competition_entries(&self, who: &Authenticated, base: BaseId) -> Result<Vec<EntryRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::entries_of_base(&self.db, base).await?)
    }

    /// Records a trainee's result in a competition of the base.
    pub async fn add_entry(
        &self,
        who: &Authenticated,
        base: BaseId,
        (competition, trainee): (CompetitionId, &str),
        input: &EntryInput,
        meta: &RequestMeta,
    ) -> Result<()> {
        self.training_base(who, base, Action::RecordTraining).await?;
        store::competition(&self.db, competition)
            .await?
            .filter(|m| m.base_id == base)
            .ok_or(AppError::NotFound("竞赛记录不存在"))?;
        let trainee = match trainee.parse::<TraineeId>() {
            Ok(id) => store::trainee(&self.db, id).await?.filter(|t| t.base_id == base),
            Err(_) => None,
        };
        let entry = training::check_entry(input);
        let (Some(trainee), Ok(entry)) = (&trainee, &entry) else {
            let mut errors = entry.err().unwrap_or_default();
            if trainee.is_none() {
                errors.insert(0, FieldError::new("trainee", "unknown_trainee", "请选择本基地已登记的学员"));
            }
            return Err(AppError::Fields(errors));
        };
        let mut tx = self.db.begin().await?;
        if !store::insert_entry(&mut tx, competition, trainee.id, entry, (who.user.id, self.now())).await? {
            return Err(field("trainee", "already_entered", format!("已登记 {} 在本竞赛的成绩", trainee.name)));
        }
        let detail = json!({
            "competition": competition, "trainee": trainee.id, "result": entry.result, "award": entry.award,
        });
        self.audit_training(&mut tx, (who, meta), "training.entry_create", base, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A stored value that does not read back.
#[derive(Debug, thiserror::Error)]
#[error("corrupt stored value")]
struct Corrupt;

// ---------------------------------------------------------------- roster imports

/// How a roster import ended.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    /// Every row stored.
    Imported { id: RosterImportId, rows: usize },
    /// Nothing stored: every problem of the file, by row and column.
    Refused { id: RosterImportId, problems: Vec<Problem> },
    /// A large roster, left to a job: [`App::import_status`] follows it.
    Queued { id: RosterImportId },
}

/// What a failed import's page says.
const FAILED: &str = "导入过程中出错，未导入任何一行；请重新上传，如仍失败请凭导入编号联系管理员";

/// The job that imports a large roster.
pub const IMPORT_JOB: &str = "roster.import";

/// Rosters with more rows than this are imported by a job, the page following its progress.
pub const QUEUED_ROWS: usize = 2_000;

#[derive(serde::Serialize, serde::Deserialize)]
struct ImportPayload {
    import: RosterImportId,
}

/// How far the imports running on this instance have come: (rows prepared, rows in all).
/// Kept in memory: the job's rows are written in one transaction at its end, so the database
/// has nothing to show meanwhile (another instance's page shows 「处理中」 without a figure).
#[derive(Debug, Default)]
pub struct ImportProgress(std::sync::Mutex<std::collections::HashMap<RosterImportId, (usize, usize)>>);

impl ImportProgress {
    fn set(&self, id: RosterImportId, done: usize, total: usize) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(id, (done, total));
        }
    }

    fn clear(&self, id: RosterImportId) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&id);
        }
    }

    pub fn of(&self, id: RosterImportId) -> Option<(usize, usize)> {
        self.0.lock().ok().and_then(|map| map.get(&id).copied())
    }
}

/// An import as its page shows it.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub record: ImportRecord,
    /// Rows prepared so far, while it runs on this instance.
    pub progress: Option<(usize, usize)>,
    pub problems: Vec<Problem>,
}

/// A checked roster's outcome, before it is recorded.
struct Settled {
    refused: bool,
    problems: Vec<Problem>,
    stored: usize,
    sealed_report: Option<String>,
}

pub fn import_handler() -> crate::jobs::Handler {
    std::sync::Arc::new(|app, job, mut tx| {
        Box::pin(async move {
            let payload: ImportPayload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
            let outcome = app.run_queued_import(&mut tx, payload.import).await;
            app.imports.clear(payload.import);
            match outcome {
                Ok(()) => Ok(tx),
                // Retried while attempts are left; after the last one the import ends as failed
                // (nothing stored, in a transaction of its own: the failed one may be aborted),
                // so its page stops saying 「处理中」.
                Err(error) if job.attempts >= job.max_attempts => {
                    tracing::error!(%error, import = %payload.import, "roster import failed for good");
                    tx.rollback().await.map_err(|e| e.to_string())?;
                    let mut tx = app.db.begin().await.map_err(|e| e.to_string())?;
                    let reason =
                        [Problem { line: 0, column: String::new(), value: String::new(), reason: FAILED.to_owned() }];
                    let report = serde_json::to_string(&reason).map_err(|e| e.to_string())?;
                    store::finish_import(&mut tx, payload.import, ImportStatus::Failed, (0, &report, None), app.now())
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(tx)
                }
                Err(error) => Err(error.to_string()),
            }
        })
    })
}

fn import_context(id: RosterImportId) -> String {
    format!("roster_imports:{id}:report")
}

/// What an accepted roster stores.
enum Rows {
    Trainees(Vec<TraineeRecord>),
    Classes(Vec<(ClassId, ProjectId, training::Class)>),
    Enrolments(Vec<NewEnrolment>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Trainees(rows) => rows.len(),
            Rows::Classes(rows) => rows.len(),
            Rows::Enrolments(rows) => rows.len(),
        }
    }
}

/// A problem of `line` in the column of `field`.
fn problem(kind: RosterKind, line: u32, field: &str, (value, reason): (String, String)) -> Problem {
    Problem { line, column: roster::column_of_field(kind, field).unwrap_or_default().to_owned(), value, reason }
}

impl App {
    /// Imports a trainee roster (see [`App::import_roster`]).
    pub async fn import_trainees(
        &self,
        who: &Authenticated,
        base: BaseId,
        file: (&str, &[u8]),
        meta: &RequestMeta,
    ) -> Result<ImportOutcome> {
        self.import_roster(who, base, RosterKind::Trainees, file, meta).await
    }

    /// Imports a roster of trainees, classes or enrolments, all rows or none: any problem of
    /// any row — the domain's checks, a person or class twice in the file, one already on file,
    /// a class or trainee the base does not have — refuses the whole file with the report, and
    /// the refused file's report workbook is kept sealed for its uploader. Checked and written
    /// in one transaction, so what was on file when checking is what the rows are stored
    /// against.
    pub async fn import_roster(
        &self,
        who: &Authenticated,
        base: BaseId,
        kind: RosterKind,
        (file_name, bytes): (&str, &[u8]),
        meta: &RequestMeta,
    ) -> Result<ImportOutcome> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let parsed = roster::read(kind, bytes).map_err(|e| field("file", e.code(), e.to_string()))?;
        let id: RosterImportId = self.new_id();
        let total = i64::try_from(parsed.rows.len()).unwrap_or(i64::MAX);
        let file_name = attachment::check_upload(file_name, bytes, u64::MAX)
            .map_or_else(|_| format!("{}.xlsx", kind.label()), |u| u.display_name);
        let queued = parsed.rows.len() > QUEUED_ROWS;
        let mut tx = self.db.begin().await?;
        let settled = if queued {
            None
        } else {
            Some(self.settle_roster(&mut tx, (who.user.id, base, kind), (id, &parsed, bytes)).await?)
        };
        let now = self.now();
        let record = match &settled {
            // The workbook waits for its job sealed: it holds ID numbers.
            None => ImportRecord {
                id,
                base_id: base,
                kind: kind.code().to_owned(),
                status: ImportStatus::Queued,
                file_name,
                sealed_file: Some(self.seal(bytes, &upload_context(id))),
                total_rows: total,
                done_rows: 0,
                imported_rows: 0,
                report: "[]".to_owned(),
                created_by: who.user.id,
                created_at: now,
                finished_at: None,
            },
            Some(settled) => ImportRecord {
                id,
                base_id: base,
                kind: kind.code().to_owned(),
                status: if settled.refused { ImportStatus::Refused } else { ImportStatus::Imported },
                file_name,
                sealed_file: settled.sealed_report.clone(),
                total_rows: total,
                done_rows: total,
                imported_rows: i64::try_from(settled.stored).unwrap_or(i64::MAX),
                report: serde_json::to_string(&settled.problems).map_err(AppError::internal)?,
                created_by: who.user.id,
                created_at: now,
                finished_at: Some(now),
            },
        };
        store::insert_import(&mut tx, &record).await?;
        if queued {
            let payload = serde_json::to_string(&ImportPayload { import: id }).map_err(AppError::internal)?;
            let key = format!("roster-import:{id}");
            let job =
                NewJob { kind: IMPORT_JOB, payload: &payload, dedupe_key: Some(&key), run_at: now, max_attempts: 3 };
            self.enqueue(&mut tx, &job).await?;
        }
        let detail = json!({
            "import": id, "kind": kind.code(), "rows": total, "queued": queued,
            "imported": settled.as_ref().is_some_and(|s| !s.refused),
            "problems": settled.as_ref().map_or(0, |s| s.problems.len()),
        });
        self.audit_training(&mut tx, (who, meta), "training.roster_import", base, detail).await?;
        tx.commit().await?;
        Ok(match settled {
            None => ImportOutcome::Queued { id },
            Some(Settled { refused: true, problems, .. }) => ImportOutcome::Refused { id, problems },
            Some(Settled { stored, .. }) => ImportOutcome::Imported { id, rows: stored },
        })
    }

    /// Checks a read roster against the domain and what is on file, and stores every row or
    /// none, in `tx`.
    async fn settle_roster(
        &self,
        tx: &mut Tx,
        (by, base, kind): (UserId, BaseId, RosterKind),
        (id, parsed, bytes): (RosterImportId, &roster::Roster, &[u8]),
    ) -> Result<Settled> {
        let mut problems = roster::check_rows(kind, parsed, shanghai_date(self.now()));
        let rows = if problems.is_empty() {
            self.roster_rows(tx, (by, base, kind, id), parsed, &mut problems).await?
        } else {
            Rows::Trainees(Vec::new())
        };
        if !problems.is_empty() {
            let workbook = roster::report_workbook(kind, bytes, &problems).map_err(AppError::internal)?;
            let sealed_report = Some(self.seal(&workbook, &import_context(id)));
            return Ok(Settled { refused: true, problems, stored: 0, sealed_report });
        }
        let stored = rows.len();
        match &rows {
            Rows::Trainees(records) => store::insert_trainees(tx, records).await?,
            Rows::Classes(classes) => {
                let now = self.now();
                for (class_id, project_id, class) in classes {
                    let new = NewClass {
                        id: *class_id,
                        base_id: base,
                        project_id: *project_id,
                        class,
                        created_by: by,
                        created_at: now,
                    };
                    store::insert_class(tx, &new).await?;
                }
            }
            Rows::Enrolments(enrolments) => {
                for new in enrolments {
                    store::insert_enrolment(tx, new).await?;
                }
            }
        }
        Ok(Settled { refused: false, problems, stored, sealed_report: None })
    }

    /// The job's half of a large import: the sealed workbook opened, checked and stored (or
    /// refused) in the job's transaction, as its uploader, and audited.
    async fn run_queued_import(&self, tx: &mut Tx, id: RosterImportId) -> Result<()> {
        let Some(record) = store::import(&self.db, id).await? else { return Ok(()) };
        if record.status.is_finished() {
            return Ok(());
        }
        let kind = RosterKind::parse(&record.kind).ok_or_else(|| AppError::internal(Corrupt))?;
        let sealed = record.sealed_file.as_deref().ok_or_else(|| AppError::internal(Corrupt))?;
        let bytes = self.data_key.open(sealed, &upload_context(id)).map_err(AppError::internal)?;
        let uploader = skillbase_store::users::find_by_id_in(tx, record.created_by).await?;
        let base = store_base_status(self, record.base_id).await?;
        let now = self.now();
        let settled = if base == BaseStatus::Revoked {
            let reason = "基地已核销，名册未导入".to_owned();
            Settled {
                refused: true,
                problems: vec![Problem { line: 0, column: String::new(), value: String::new(), reason }],
                stored: 0,
                sealed_report: None,
            }
        } else {
            let parsed = roster::read(kind, &bytes).map_err(|e| field("file", e.code(), e.to_string()))?;
            self.settle_roster(tx, (uploader.id, record.base_id, kind), (id, &parsed, &bytes)).await?
        };
        let report = serde_json::to_string(&settled.problems).map_err(AppError::internal)?;
        let status = if settled.refused { ImportStatus::Refused } else { ImportStatus::Imported };
        let stored = i64::try_from(settled.stored).unwrap_or(i64::MAX);
        store::finish_import(tx, id, status, (stored, &report, settled.sealed_report.as_deref()), now).await?;
        let detail = json!({
            "import": id, "kind": kind.code(), "rows": record.total_rows, "queued": true,
            "imported": !settled.refused, "problems": settled.problems.len(),
        });
        let role = uploader.role;
        let meta = RequestMeta::default();
        self.audit(
            tx,
            &meta,
            Some((&uploader, role)),
            "training.roster_import",
            ("base", Some(&record.base_id.to_string())),
            detail,
        )
        .await
    }

    /// An import of the base, with its progress and problems.
    pub async fn import_status(&self, who: &Authenticated, base: BaseId, id: RosterImportId) -> Result<ImportView> {
        self.training_base(who, base, Action::ReadTraining).await?;
        let record = store::import(&self.db, id)
            .await?
            .filter(|i| i.base_id == base)
            .ok_or(AppError::NotFound("导入记录不存在"))?;
        let problems = serde_json::from_str(&record.report).map_err(AppError::internal)?;
        Ok(ImportView { progress: self.imports.of(id), problems, record })
    }

    /// The rows of a roster whose every row passed the domain's checks, checked against what
    /// the base has on file (in `tx`); what does not fit is added to `problems`.
    async fn roster_rows(
        &self,
        tx: &mut Tx,
        (by, base, kind, id): (UserId, BaseId, RosterKind, RosterImportId),
        parsed: &roster::Roster,
        problems: &mut Vec<Problem>,
    ) -> Result<Rows> {
        let total = parsed.rows.len();
        let today = shanghai_date(self.now());
        match kind {
            RosterKind::Trainees => {
                let mut records = Vec::new();
                for (done, row) in parsed.rows.iter().enumerate() {
                    if let Ok(trainee) = training::check_trainee(&roster::trainee_input(row), today) {
                        records.push((row.line, self.trainee_record((self.new_id(), base), &trainee, by)));
                    }
                    if done % 1_000 == 0 {
                        self.imports.set(id, done, total);
                    }
                }
                self.imports.set(id, total, total);
                let indexes: Vec<String> = records.iter().map(|(_, r)| r.resident_id_index.clone()).collect();
                let existing = store::trainees_by_index(tx, base, &indexes).await?;
                for (line, record) in &records {
                    if let Some(on_file) = existing.iter().find(|e| e.resident_id_index == record.resident_id_index) {
                        let reason = format!("该身份证号码已登记为本基地学员（{}）", on_file.name);
                        problems.push(problem(kind, *line, "resident_id", (record.resident_id_masked.clone(), reason)));
                    }
                }
                Ok(Rows::Trainees(records.into_iter().map(|(_, r)| r).collect()))
            }
            RosterKind::Classes => {
                let projects = store::projects(&self.db, base).await?;
                let mut classes = Vec::new();
                for row in &parsed.rows {
                    let (occupation, input) = roster::class_input(row);
                    let Ok(class) = training::check_class(&input) else { continue };
                    let project = projects.iter().find(|p| p.project.occupation.as_str() == occupation.trim());
                    let Some(project) = project else {
                        let reason = "本基地没有该职业（工种）的培育项目，请先登记培育项目".to_owned();
                        problems.push(problem(kind, row.line, "project", (occupation.clone(), reason)));
                        continue;
                    };
                    if store::class_named(tx, base, &class.name).await?.is_some() {
                        let reason = "本基地已有同名的培训班".to_owned();
                        problems.push(problem(kind, row.line, "name", (class.name.clone(), reason)));
                        continue;
                    }
                    classes.push((self.new_id(), project.id, class));
                }
                Ok(Rows::Classes(classes))
            }
            RosterKind::Enrolments => {
                let mut wanted = Vec::new();
                for row in &parsed.rows {
                    let (class, number, input) = roster::enrolment_input(row);
                    if let Ok(id) = ResidentId::parse(&number) {
                        wanted.push((row.line, class, self.data_key.blind_index(ID_INDEX, id.expose()), id, input));
                    }
                }
                let indexes: Vec<String> = wanted.iter().map(|w| w.2.clone()).collect();
                let people = store::trainees_by_index(tx, base, &indexes).await?;
                let mut classes: std::collections::HashMap<String, Option<ClassRecord>> = Default::default();
                let mut enrolments = Vec::new();
                for (line, class_name, index, number, input) in wanted {
                    let class = match classes.get(&class_name) {
                        Some(found) => found.clone(),
                        None => {
                            let found = store::class_named(tx, base, class_name.trim()).await?;
                            classes.insert(class_name.clone(), found.clone());
                            found
                        }
                    };
                    let Some(class) = class else {
                        let reason = "本基地没有该名称的培训班".to_owned();
                        problems.push(problem(kind, line, "class", (class_name, reason)));
                        continue;
                    };
                    let Some(person) = people.iter().find(|p| p.resident_id_index == index) else {
                        let reason = "本基地没有该身份证号码的学员，请先导入或登记学员".to_owned();
                        problems.push(problem(kind, line, "resident_id", (number.masked(), reason)));
                        continue;
                    };
                    let enrolment = match training::check_enrolment(&input, class.class.hours) {
                        Ok(enrolment) => enrolment,
                        Err(errors) => {
                            for e in errors {
                                let value = roster_value(parsed, line, kind, &e.field);
                                problems.push(problem(kind, line, &e.field, (value, e.message)));
                            }
                            continue;
                        }
                    };
                    if store::is_enrolled(tx, class.id, person.id).await? {
                        let reason = format!("{} 已在该培训班中", person.name);
                        problems.push(problem(kind, line, "resident_id", (number.masked(), reason)));
                        continue;
                    }
                    enrolments.push(NewEnrolment {
                        id: self.new_id(),
                        base_id: base,
                        class_id: class.id,
                        trainee_id: person.id,
                        enrolment,
                        created_by: by,
                        created_at: self.now(),
                    });
                }
                problems.sort_by_key(|p| p.line);
                Ok(Rows::Enrolments(enrolments))
            }
        }
    }

    /// A refused import's report workbook (the uploaded rows with their problems), for the base.
    pub async fn import_report(&self, who: &Authenticated, base: BaseId, id: RosterImportId) -> Result<Vec<u8>> {
        self.training_base(who, base, Action::RecordTraining).await?;
        let found = store::import(&self.db, id)
            .await?
            .filter(|i| i.base_id == base)
            .ok_or(AppError::NotFound("导入记录不存在"))?;
        let sealed = found.sealed_file.ok_or(AppError::NotFound("该次导入没有错误报告"))?;
        self.data_key.open(&sealed, &import_context(id)).map_err(AppError::internal)
    }
}

/// What `line` of the roster says in the column of `field`.
fn roster_value(parsed: &roster::Roster, line: u32, kind: RosterKind, field: &str) -> String {
    parsed.rows.iter().find(|r| r.line == line).map(|r| r.get(kind, field)).unwrap_or_default()
}

fn upload_context(id: RosterImportId) -> String {
    format!("roster_imports:{id}:upload")
}

/// The standing of a base, read without a reader (the job acts for its uploader).
async fn store_base_status(app: &App, base: BaseId) -> Result<BaseStatus> {
    let found = skillbase_store::notices::base(&app.db, base).await?.ok_or(AppError::NotFound("基地不存在"))?;
    Ok(found.status)
}
