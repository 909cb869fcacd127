//! A recognised base records its incentives (C3.2, 激励): chief technicians and skill-master
//! studios it appoints (with an optional appointment document), awards and commendations, and
//! its other incentives; staff and leaders read them. Who may do what is the training records'
//! (`Action::RecordTraining`, `Action::ReadTraining` on the base): another organisation finds
//! nothing, a revoked base records nothing new. Each record is written with its audit record in
//! one transaction.

use serde_json::json;
use skillbase_domain::access::Action;
use skillbase_domain::attachment;
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::ids::{BaseId, IncentiveId};
use skillbase_domain::incentive::{self, Incentive, IncentiveInput, IncentiveKind, YearSummary};
use skillbase_store::incentives as store;
pub use skillbase_store::incentives::{IncentiveFilter, IncentiveRecord};
use skillbase_store::training::{Page, PageRequest, StoredFile};

use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

/// The audit action of a new record of `kind`.
fn created(kind: IncentiveKind) -> &'static str {
    match kind {
        IncentiveKind::ChiefTechnician | IncentiveKind::MasterStudio => "incentive.appointment_create",
        IncentiveKind::Award => "incentive.award_create",
        IncentiveKind::Other => "incentive.other_create",
    }
}

impl App {
    /// Records an incentive of the base; an appointment may bring its document (PDF or image),
    /// no other kind does.
    pub async fn create_incentive(
        &self,
        who: &Authenticated,
        base: BaseId,
        input: &IncentiveInput,
        document: Option<(String, Vec<u8>)>,
        meta: &RequestMeta,
    ) -> Result<IncentiveId> {
        let found = self.training_base(who, base, Action::RecordTraining).await?;
        let mut errors = Vec::new();
        let checked = incentive::check_incentive(input, shanghai_date(self.now())).map_err(|e| errors.extend(e)).ok();
        let document = document.filter(|(_, bytes)| !bytes.is_empty());
        let upload = match &document {
            None => None,
            Some(_) if checked.as_ref().is_some_and(|i| !matches!(i, Incentive::Appointment(_))) => {
                errors.push(FieldError::new(
                    "document",
                    "not_applicable",
                    "只有首席技师和技能大师工作室可上传聘任文件",
                ));
                None
            }
            Some((name, bytes)) => {
                let policy = self.policy(&found.policy_id).await?;
                attachment::check_upload(name, bytes, policy.max_attachment_bytes())
                    .map_err(|e| errors.push(FieldError::new("document", e.code(), e.to_string())))
                    .ok()
            }
        };
        let (Some(incentive), true) = (checked, errors.is_empty()) else {
            return Err(AppError::Fields(errors));
        };
        let document = match (upload, document) {
            (Some(upload), Some((_, bytes))) => {
                let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
                Some(StoredFile {
                    hash: hash.as_str().to_owned(),
                    kind: upload.kind.as_str().to_owned(),
                    name: upload.display_name,
                })
            }
            _ => None,
        };
        let record = IncentiveRecord {
            id: self.new_id(),
            base_id: base,
            incentive,
            document,
            created_by: who.user.id,
            created_at: self.now(),
        };
        let kind = record.incentive.kind();
        let mut tx = self.db.begin().await?;
        store::insert_incentive(&mut tx, &record).await?;
        let detail = json!({
            "incentive": record.id, "kind": kind, "person": record.incentive.person(),
            "document": record.document.as_ref().map(|d| d.hash.clone()),
        });
        let actor = Some((&who.user, who.role));
        self.audit(&mut tx, meta, actor, created(kind), ("base", Some(&base.to_string())), detail).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    pub async fn incentives(
        &self,
        who: &Authenticated,
        base: BaseId,
        filter: &IncentiveFilter,
        page: &PageRequest,
    ) -> Result<Page<IncentiveRecord>> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::incentives(&self.db, base, filter, page).await?)
    }

    /// One incentive record of the base (another base's is "not found").
    pub async fn incentive(&self, who: &Authenticated, base: BaseId, id: IncentiveId) -> Result<IncentiveRecord> {
        self.training_base(who, base, Action::ReadTraining).await?;
        store::incentive(&self.db, id).await?.filter(|r| r.base_id == base).ok_or(AppError::NotFound("激励记录不存在"))
    }

    /// An appointment's document: (name, sniffed kind, bytes).
    pub async fn incentive_document(
        &self,
        who: &Authenticated,
        base: BaseId,
        id: IncentiveId,
    ) -> Result<(String, String, Vec<u8>)> {
        let record = self.incentive(who, base, id).await?;
        let document = record.document.ok_or(AppError::NotFound("该记录没有上传聘任文件"))?;
        let hash = attachment::ContentHash::parse(&document.hash)
            .ok_or_else(|| AppError::internal(Corrupt(document.hash.clone())))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((document.name, document.kind, bytes))
    }

    /// The base's incentive figures of `year` (the annual review reads them).
    pub async fn incentive_summary(&self, who: &Authenticated, base: BaseId, year: i32) -> Result<YearSummary> {
        self.training_base(who, base, Action::ReadTraining).await?;
        Ok(store::year_summary(&self.db, base, year).await?)
    }
}

/// A stored content address that does not read back.
#[derive(Debug, thiserror::Error)]
#[error("corrupt stored content address {0:?}")]
struct Corrupt(String);
