//! Applications (C2, C4.1): drafts, attachments, submission, acceptance (受理), return for
//! supplement (补正), refusal (不予受理), withdrawal, lapse, and the eligibility check.
//!
//! Every state change goes through [`application::transition`], and is saved — status
//! (compare-and-set), timeline event, audit record, notification and any deadline job — in one
//! transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::json;
use skillbase_domain::access::{self, Object, Scope};
use skillbase_domain::application::{self, Action, Actor, ApplicationForm, MAX_RETURN_ITEMS, SUPPLEMENT_DAYS, Status};
use skillbase_domain::attachment::{self, ContentHash};
use skillbase_domain::clock::{shanghai, shanghai_date};
use skillbase_domain::eligibility;
use skillbase_domain::ids::{ApplicationId, AttachmentId, BatchId, NotificationId, OrganizationId};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::uscc::Uscc;
use skillbase_store::applications::{self as store, StatusChange};
use skillbase_store::jobs::NewJob;
use skillbase_store::{Page, PageRequest, StoreError, Tx};

use crate::access::{authorize, own_organization};
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result, every};

/// The job that lapses a returned application whose supplement deadline passed.
pub const LAPSE_JOB: &str = "application.lapse";

/// An application as its reader may see it.
pub type ApplicationView = store::Application;

/// One return item: which part of the form (a field path such as `sites[0].photos`, or a
/// section such as `sites`), optionally which material within it, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReturnItem {
    pub field: String,
    pub reason: String,
    /// The material within the part, in words (场地照片).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Staff's decision on one eligibility clause.
#[derive(Debug, Clone)]
pub struct ClauseDecision {
    pub clause: String,
    pub pass: bool,
    pub reason: String,
}

impl App {
    // ------------------------------------------------------------ reading, with data scope

    /// The application if `who` may see it; otherwise "not found", never "forbidden" (SEC-11:
    /// another organisation's ids reveal nothing).
    pub async fn application(&self, who: &Authenticated, id: ApplicationId) -> Result<ApplicationView> {
        let row = store::application(&self.db, id).await?.ok_or(AppError::NotFound("申报不存在"))?;
        let scope = authorize(who, access::Action::ReadApplication, Object::OfOrganization(row.organization_id))?;
        // The bureau reads an application from its submission on: a draft is the organisation's.
        if scope == Scope::All && row.submitted_at.is_none() {
            return Err(AppError::NotFound("申报不存在"));
        }
        Ok(row)
    }

    /// Which applications `who` may list: an applicant its organisation's; the bureau every
    /// submitted one; anyone else none (`None`).
    fn application_filter(
        who: &Authenticated,
        batch: Option<BatchId>,
        status: Option<Status>,
    ) -> Result<Option<store::ApplicationFilter>> {
        let scope = match authorize(who, access::Action::ReadApplication, Object::Any) {
            Ok(Scope::OwnOrganization) => {
                store::ApplicationScope::Organization(who.user.organization_id.ok_or(AppError::NotFound("单位不存在"))?)
            }
            Ok(Scope::All) => store::ApplicationScope::Submitted,
            _ => return Ok(None),
        };
        Ok(Some(store::ApplicationFilter { scope, batch_id: batch, status }))
    }

    /// A page of the applications `who` may see, newest first, as a list shows them (no form).
    pub async fn application_list(
        &self,
        who: &Authenticated,
        (batch, status): (Option<BatchId>, Option<Status>),
        page: &PageRequest,
    ) -> Result<Page<store::ApplicationSummary>> {
        match Self::application_filter(who, batch, status)? {
            Some(filter) => Ok(store::application_list(&self.db, &filter, page).await?),
            None => Ok(Page { items: Vec::new(), total: 0, next: None }),
        }
    }

    /// A page of the applications `who` may see, newest first, each whole.
    pub async fn application_page(
        &self,
        who: &Authenticated,
        (batch, status): (Option<BatchId>, Option<Status>),
        page: &PageRequest,
    ) -> Result<Page<ApplicationView>> {
        match Self::application_filter(who, batch, status)? {
            Some(filter) => Ok(store::applications(&self.db, &filter, page).await?),
            None => Ok(Page { items: Vec::new(), total: 0, next: None }),
        }
    }

    /// Every application `who` may see, as a list shows them, read page after page.
    pub async fn every_application(
        &self,
        who: &Authenticated,
        batch: Option<BatchId>,
        status: Option<Status>,
    ) -> Result<Vec<store::ApplicationSummary>> {
        every(|page| async move { self.application_list(who, (batch, status), &page).await }).await
    }

    /// Every application `who` may see, each whole, read page after page (a call's ranking
    /// weighs every one of them).
    pub async fn applications(
        &self,
        who: &Authenticated,
        batch: Option<BatchId>,
        status: Option<Status>,
    ) -> Result<Vec<ApplicationView>> {
        every(|page| async move { self.application_page(who, (batch, status), &page).await }).await
    }

    /// How many submitted applications each call has in each status (bureau readers).
    pub async fn application_counts(&self, who: &Authenticated) -> Result<Vec<(BatchId, Status, i64)>> {
        match authorize(who, access::Action::ReadApplication, Object::Any) {
            Ok(Scope::All) => Ok(store::status_counts(&self.db).await?),
            _ => Ok(Vec::new()),
        }
    }

    pub async fn timeline(&self, who: &Authenticated, id: ApplicationId) -> Result<Vec<store::Event>> {
        self.application(who, id).await?;
        Ok(store::events(&self.db, id).await?)
    }

    /// Every submitted revision (the bureau compares them; the applicant sees what it sent).
    pub async fn revisions(
        &self,
        who: &Authenticated,
        id: ApplicationId,
    ) -> Result<Vec<(store::Revision, ApplicationForm)>> {
        self.application(who, id).await?;
        store::revisions(&self.db, id)
            .await?
            .into_iter()
            .map(|r| {
                let form = serde_json::from_str(&r.form).map_err(AppError::internal)?;
                Ok((r, form))
            })
            .collect()
    }

    /// The application's files as they are now (none removed).
    pub async fn attachments(&self, who: &Authenticated, id: ApplicationId) -> Result<Vec<store::Attachment>> {
        self.application(who, id).await?;
        Ok(store::attachments(&self.db, id).await?)
    }

    /// Every file the application ever had, removed ones too: what its revisions name.
    pub async fn attachment_history(&self, who: &Authenticated, id: ApplicationId) -> Result<Vec<store::Attachment>> {
        self.application(who, id).await?;
        Ok(store::attachments_ever(&self.db, id).await?)
    }

    /// A file and its bytes, if `who` may read the application it belongs to. The bytes are
    /// checked against their hash before they leave.
    pub async fn attachment_content(
        &self,
        who: &Authenticated,
        id: AttachmentId,
    ) -> Result<(store::Attachment, Vec<u8>)> {
        let found = store::attachment(&self.db, id).await?.ok_or(AppError::NotFound("附件不存在"))?;
        self.application(who, found.application_id).await.map_err(|_| AppError::NotFound("附件不存在"))?;
        let hash = ContentHash::parse(&found.content_hash)
            .ok_or_else(|| AppError::internal(StoreError::Corrupt(found.content_hash.clone())))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((found, bytes))
    }

    pub async fn eligibility(&self, who: &Authenticated, id: ApplicationId) -> Result<Vec<store::EligibilityItem>> {
        self.application(who, id).await?;
        Ok(store::eligibility(&self.db, id).await?)
    }

    // ------------------------------------------------------------ the organisation's side

    /// Starts a draft in an open call.
    pub async fn create_application(
        &self,
        who: &Authenticated,
        batch: BatchId,
        meta: &RequestMeta,
    ) -> Result<ApplicationId> {
        let organization = own_organization(who, access::Action::DraftApplication)?;
        let found = self.batch(batch).await?;
        if found.status != skillbase_domain::batch::BatchStatus::Open {
            return Err(AppError::Fields(vec![FieldError::new(
                "batch",
                "batch_not_accepting",
                "该申报批次未开放申报",
            )]));
        }
        if found.window.state(self.now()) == skillbase_domain::batch::WindowState::Closed {
            return Err(AppError::Fields(vec![FieldError::new("batch", "batch_not_accepting", "该申报批次已截止")]));
        }
        let id = self.new_id::<ApplicationId>();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inserted = store::insert_application(
            &mut tx,
            &store::NewApplication {
                id,
                organization_id: organization,
                batch_id: batch,
                form: &serde_json::to_string(&ApplicationForm::default()).map_err(AppError::internal)?,
                created_by: who.user.id,
                at: now,
            },
        )
        .await;
        match inserted {
            // The only unique key a fresh id can meet: one live application per organisation and call.
            Err(StoreError::Conflict { .. }) => {
                return Err(AppError::Invalid {
                    code: "application_exists",
                    field: Some("batch"),
                    message: "本单位在该批次已有申报，请在原申报上继续".into(),
                });
            }
            other => other?,
        }
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.create",
            ("application", Some(&app_id)),
            json!({ "batch": batch.to_string() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves the form of a draft (or of a returned application being supplemented). Refused,
    /// leaving the saved form as it was, when a value is malformed, an attachment is not this
    /// application's, or someone saved meanwhile (`version`).
    pub async fn save_form(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        form: &ApplicationForm,
        version: Option<i64>,
        meta: &RequestMeta,
    ) -> Result<i64> {
        let current = self.application(who, id).await?;
        self.may_draft(who, &current)?;
        if !current.status.is_editable() {
            return Err(AppError::Invalid {
                code: "not_editable",
                field: None,
                message: format!("申报当前为「{}」，不能修改", current.status.applicant_label()),
            });
        }
        let policy = self.policy_for(&current).await?;
        let mut errors = form.malformed(&policy);
        let mine = store::attachments(&self.db, id).await?;
        for (field, attachment) in form.attachments() {
            if !mine.iter().any(|a| a.id == attachment) {
                errors.push(FieldError::new(field, "unknown_attachment", "附件不存在或不属于本申报，请重新上传"));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let text = serde_json::to_string(form).map_err(AppError::internal)?;
        let mut tx = self.db.begin().await?;
        let saved = store::save_form(
            &mut tx,
            id,
            current.status.as_str(),
            version.unwrap_or(current.version),
            &text,
            self.now(),
        )
        .await?
        .ok_or_else(stale)?;
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.save",
            ("application", Some(&app_id)),
            json!({ "version": saved }),
        )
        .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Stores an uploaded file for an editable application (PDF, JPEG, PNG or XLSX, sniffed
    /// from its content, within the size limit).
    pub async fn upload_attachment(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        filename: &str,
        bytes: Vec<u8>,
        meta: &RequestMeta,
    ) -> Result<store::Attachment> {
        let current = self.application(who, id).await?;
        let organization = self.may_draft(who, &current)?;
        if !current.status.is_editable() {
            return Err(AppError::Invalid {
                code: "not_editable",
                field: None,
                message: format!("申报当前为「{}」，不能上传附件", current.status.applicant_label()),
            });
        }
        let policy = self.policy_for(&current).await?;
        let upload = attachment::check_upload(filename, &bytes, policy.max_attachment_bytes())
            .map_err(|e| AppError::Fields(vec![FieldError::new("file", e.code(), e.to_string())]))?;
        // The bytes are stored (and synced) before the row that points at them commits.
        let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
        let row = store::Attachment {
            id: self.new_id::<AttachmentId>(),
            application_id: id,
            organization_id: organization,
            content_hash: hash.as_str().to_owned(),
            kind: upload.kind.as_str().to_owned(),
            size: i64::try_from(upload.size).unwrap_or(i64::MAX),
            display_name: upload.display_name,
            uploaded_by: who.user.id,
            uploaded_at: self.now(),
            removed_at: None,
            replaced_by: None,
        };
        let mut tx = self.db.begin().await?;
        store::insert_attachment(&mut tx, &row).await?;
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.attach",
            ("application", Some(&app_id)),
            json!({ "attachment": row.id.to_string(), "kind": row.kind, "size": row.size, "hash": row.content_hash }),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A file of `id` its own organisation may remove or replace (`doing`, in words): the
    /// application must be editable (a draft, or returned for supplement) and the file one of
    /// its present ones. Another organisation's application or file is "not found".
    async fn editable_attachment(
        &self,
        who: &Authenticated,
        (id, attachment): (ApplicationId, AttachmentId),
        doing: &str,
    ) -> Result<(ApplicationView, OrganizationId, store::Attachment)> {
        let current = self.application(who, id).await?;
        let organization = self.may_draft(who, &current)?;
        let found = store::attachment(&self.db, attachment)
            .await?
            .filter(|a| a.application_id == id)
            .ok_or(AppError::NotFound("附件不存在"))?;
        if !current.status.is_editable() {
            return Err(AppError::Invalid {
                code: "not_editable",
                field: None,
                message: format!(
                    "申报当前为「{}」，不能{doing}：已提交的附件随申报保存，只有草稿或退回补正的申报才能修改",
                    current.status.applicant_label()
                ),
            });
        }
        if found.removed_at.is_some() {
            return Err(AppError::NotFound("附件不存在"));
        }
        Ok((current, organization, found))
    }

    /// Removes a file from an editable application: the form stops referring to it (a single
    /// file's field is emptied, a photo leaves its list) and the file is marked removed, in one
    /// transaction with its audit record. A submitted revision that named it still does: the
    /// row and the bytes stay.
    pub async fn remove_attachment(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        attachment: AttachmentId,
        meta: &RequestMeta,
    ) -> Result<()> {
        let (current, _, found) = self.editable_attachment(who, (id, attachment), "删除附件").await?;
        let mut form = current.form.clone();
        let fields = form.swap_attachment(found.id, None);
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !store::remove_attachment(&mut tx, found.id, (who.user.id, now), None).await? {
            return Err(AppError::NotFound("附件不存在"));
        }
        // Saved as a compare-and-set even when no field referred to the file, so that a
        // submission committed meanwhile makes this one fail instead of emptying what was sent.
        let text = serde_json::to_string(&form).map_err(AppError::internal)?;
        store::save_form(&mut tx, id, current.status.as_str(), current.version, &text, now).await?.ok_or_else(stale)?;
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.attachment_remove",
            ("application", Some(&app_id)),
            json!({ "attachment": found.id.to_string(), "name": found.display_name, "hash": found.content_hash, "fields": fields }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a file of an editable application by a new upload (checked as any upload; a
    /// file used as a photo only by an image): the form refers to the new file wherever it
    /// referred to the old one, and the old one is marked removed and replaced, in one
    /// transaction with its audit record. A submitted revision still names the old file.
    pub async fn replace_attachment(
        &self,
        who: &Authenticated,
        (id, attachment): (ApplicationId, AttachmentId),
        (filename, bytes): (&str, Vec<u8>),
        meta: &RequestMeta,
    ) -> Result<store::Attachment> {
        let (current, organization, found) = self.editable_attachment(who, (id, attachment), "替换附件").await?;
        let policy = self.policy_for(&current).await?;
        let upload = attachment::check_upload(filename, &bytes, policy.max_attachment_bytes())
            .map_err(|e| AppError::Fields(vec![FieldError::new("file", e.code(), e.to_string())]))?;
        let mut form = current.form.clone();
        let as_photo = form
            .attachments()
            .iter()
            .any(|(field, id)| *id == found.id && (field.contains(".photos[") || field.ends_with(".wall_photo")));
        if as_photo && !matches!(upload.kind, attachment::FileKind::Jpeg | attachment::FileKind::Png) {
            return Err(AppError::Fields(vec![FieldError::new(
                "file",
                "photo_required",
                "该附件在申报表中用作照片，请用 JPG 或 PNG 图片替换",
            )]));
        }
        // The bytes are stored (and synced) before the row that points at them commits.
        let hash = self.files.put(bytes).await.map_err(AppError::internal)?;
        let now = self.now();
        let row = store::Attachment {
            id: self.new_id::<AttachmentId>(),
            application_id: id,
            organization_id: organization,
            content_hash: hash.as_str().to_owned(),
            kind: upload.kind.as_str().to_owned(),
            size: i64::try_from(upload.size).unwrap_or(i64::MAX),
            display_name: upload.display_name,
            uploaded_by: who.user.id,
            uploaded_at: now,
            removed_at: None,
            replaced_by: None,
        };
        let fields = form.swap_attachment(found.id, Some(row.id));
        let text = serde_json::to_string(&form).map_err(AppError::internal)?;
        let mut tx = self.db.begin().await?;
        store::insert_attachment(&mut tx, &row).await?;
        if !store::remove_attachment(&mut tx, found.id, (who.user.id, now), Some(row.id)).await? {
            return Err(AppError::NotFound("附件不存在"));
        }
        store::save_form(&mut tx, id, current.status.as_str(), current.version, &text, now).await?.ok_or_else(stale)?;
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.attachment_replace",
            ("application", Some(&app_id)),
            json!({
                "attachment": found.id.to_string(), "replacement": row.id.to_string(), "kind": row.kind,
                "size": row.size, "hash": row.content_hash, "replaced_hash": found.content_hash, "fields": fields,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Submits a draft, or resubmits a supplemented one. Every missing part is named at once;
    /// nothing is changed unless the whole submission is valid.
    pub async fn submit_application(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        meta: &RequestMeta,
    ) -> Result<Status> {
        let current = self.application(who, id).await?;
        self.may_draft(who, &current)?;
        let now = self.now();
        let action = match current.status {
            Status::Returned => Action::Resubmit,
            _ => Action::Submit,
        };
        let to = transition(current.status, action, who)?;
        let policy_id = match action {
            // The version in force on the day of the first submission judges it, for good.
            Action::Submit => self.policy_in_force(shanghai_date(now)).await?.0,
            _ => {
                current.policy_id.clone().ok_or_else(|| AppError::internal(StoreError::Corrupt("no policy".into())))?
            }
        };
        let policy = self.policy(&policy_id).await?;
        let mut errors = current.form.incomplete(&policy);
        errors.extend(current.form.malformed(&policy));
        match action {
            Action::Submit => {
                let batch = self.batch(current.batch_id).await?;
                if let Err(refusal) = skillbase_domain::batch::accepting(batch.status, &batch.window, now) {
                    errors.insert(0, refusal);
                }
            }
            _ => {
                if current.supplement_due_at.is_some_and(|due| now > due) {
                    errors.insert(0, FieldError::new("batch", "supplement_overdue", "补正期限已过，不能再提交"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let revision = current.revisions + 1;
        let mut tx = self.db.begin().await?;
        self.change(
            &mut tx,
            Change {
                current: &current,
                who: Some(who),
                action,
                to,
                note: String::new(),
                detail: json!({ "revision": revision, "policy": policy_id }),
                submission: Some((&policy_id, revision)),
                supplement_due: None,
            },
            meta,
        )
        .await?;
        store::insert_revision(
            &mut tx,
            id,
            &store::Revision {
                number: revision,
                form: serde_json::to_string(&current.form).map_err(AppError::internal)?,
                submitted_by: who.user.id,
                submitted_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    pub async fn withdraw_application(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Status> {
        let current = self.application(who, id).await?;
        self.may_draft(who, &current)?;
        let to = transition(current.status, Action::Withdraw, who)?;
        let reason = bounded_text("reason", reason, 500, false)?;
        self.simple_change(who, (&current, Action::Withdraw, to, reason, json!({})), meta).await
    }

    // ------------------------------------------------------------ the bureau's side

    /// 受理: the application is taken in, and the eligibility rules run on what it says.
    pub async fn accept_application(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        meta: &RequestMeta,
    ) -> Result<Status> {
        authorize(who, access::Action::DecideAcceptance, Object::Any)?;
        let current = self.application(who, id).await?;
        let to = transition(current.status, Action::Accept, who)?;
        let (policy_id, policy) = self.judging_policy(&current).await?;
        let facts = organization_facts(&current)?;
        let results = eligibility::assess(&facts, &current.form, &policy);
        let now = self.now();
        let items: Vec<store::EligibilityItem> = results
            .iter()
            .map(|r| store::EligibilityItem {
                clause: r.clause.clone(),
                policy_id: policy_id.clone(),
                computed: r.outcome.as_str().to_owned(),
                trace: serde_json::to_string(r).unwrap_or_default(),
                computed_at: now,
                decided: None,
                reason: None,
                decided_by: None,
                decided_at: None,
            })
            .collect();
        let mut tx = self.db.begin().await?;
        self.change(
            &mut tx,
            Change {
                current: &current,
                who: Some(who),
                action: Action::Accept,
                to,
                note: String::new(),
                detail: json!({ "policy": policy_id }),
                submission: None,
                supplement_due: None,
            },
            meta,
        )
        .await?;
        store::replace_eligibility(&mut tx, id, &items).await?;
        tx.commit().await?;
        Ok(to)
    }

    /// 补正: back to the organisation with a reason per item and a deadline of `days` working
    /// days (the policy's default when `None`), counted from the next day; a job lapses it when
    /// the deadline passes.
    pub async fn return_application(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        items: &[ReturnItem],
        days: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<NaiveDate> {
        authorize(who, access::Action::DecideAcceptance, Object::Any)?;
        let current = self.application(who, id).await?;
        let to = transition(current.status, Action::Return, who)?;
        let (_, policy) = self.judging_policy(&current).await?;
        let mut errors = Vec::new();
        if items.is_empty() {
            errors.push(FieldError::new("items", "required", "请至少列出一项需补正的内容"));
        }
        if items.len() > MAX_RETURN_ITEMS {
            errors.push(FieldError::new("items", "too_many", format!("补正事项最多 {MAX_RETURN_ITEMS} 项")));
        }
        let mut clean = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let field = item.field.trim();
            let reason = item.reason.trim();
            if field.is_empty() || field.chars().count() > 100 {
                errors.push(FieldError::new(format!("items[{i}].field"), "required", "请注明需补正的材料或栏目"));
            }
            if reason.is_empty() || reason.chars().count() > 500 {
                errors.push(FieldError::new(
                    format!("items[{i}].reason"),
                    "required",
                    "请写明补正理由（不超过 500 字）",
                ));
            }
            let detail = item.detail.trim();
            if detail.chars().count() > 100 {
                errors.push(FieldError::new(format!("items[{i}].detail"), "too_long", "材料名称不超过 100 字"));
            }
            clean.push(ReturnItem { field: field.to_owned(), reason: reason.to_owned(), detail: detail.to_owned() });
        }
        let days = days.unwrap_or(policy.supplement_working_days());
        if !SUPPLEMENT_DAYS.contains(&days) {
            errors.push(FieldError::new(
                "days",
                "days_out_of_range",
                format!("补正期限应为 {} 至 {} 个工作日", SUPPLEMENT_DAYS.start(), SUPPLEMENT_DAYS.end()),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let due_on = self.due_in_working_days(days).await?;
        let due_at = end_of_day(due_on);
        let due_text = due_on.format("%Y-%m-%d").to_string();
        let mut tx = self.db.begin().await?;
        self.change(
            &mut tx,
            Change {
                current: &current,
                who: Some(who),
                action: Action::Return,
                to,
                note: String::new(),
                detail: json!({ "items": clean, "days": days, "due_on": due_text }),
                submission: None,
                supplement_due: Some((&due_text, due_at)),
            },
            meta,
        )
        .await?;
        let payload = json!({ "application": id.to_string(), "version": current.version + 1 }).to_string();
        let dedupe = format!("{LAPSE_JOB}:{id}:{}", current.version + 1);
        self.enqueue(
            &mut tx,
            &NewJob {
                kind: LAPSE_JOB,
                payload: &payload,
                dedupe_key: Some(&dedupe),
                run_at: due_at + chrono::TimeDelta::seconds(1),
                max_attempts: 10,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(due_on)
    }

    /// 不予受理, with the reason the organisation will read.
    pub async fn refuse_application(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<Status> {
        authorize(who, access::Action::DecideAcceptance, Object::Any)?;
        let current = self.application(who, id).await?;
        let to = transition(current.status, Action::RefuseAcceptance, who)?;
        let reason = bounded_text("reason", reason, 500, true)?;
        self.simple_change(who, (&current, Action::RefuseAcceptance, to, reason, json!({})), meta).await
    }

    /// Staff confirm or override one clause of the eligibility trace; overriding what the rules
    /// found, or confirming an item they could not decide, needs a reason.
    pub async fn decide_clause(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        decision: &ClauseDecision,
        meta: &RequestMeta,
    ) -> Result<()> {
        authorize(who, access::Action::DecideAcceptance, Object::Any)?;
        let current = self.application(who, id).await?;
        transition(current.status, Action::ConfirmEligible, who)?;
        let items = store::eligibility(&self.db, id).await?;
        let item = items
            .iter()
            .find(|i| i.clause == decision.clause)
            .ok_or(AppError::Fields(vec![FieldError::new("clause", "unknown_clause", "该条款不在资格审查项目中")]))?;
        let agrees = item.computed == if decision.pass { "pass" } else { "fail" };
        let reason = bounded_text("reason", &decision.reason, 500, !agrees)?;
        let decided = if decision.pass { "pass" } else { "fail" };
        let mut tx = self.db.begin().await?;
        store::decide_eligibility(&mut tx, id, &decision.clause, decided, &reason, who.user.id, self.now()).await?;
        let app_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "application.eligibility.decide",
            ("application", Some(&app_id)),
            json!({ "clause": decision.clause, "computed": item.computed, "decided": decided, "reason": reason, "policy": item.policy_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Concludes the eligibility check once every clause has a staff decision: eligible when all
    /// pass, otherwise ineligible, citing the failing clauses.
    pub async fn conclude_eligibility(
        &self,
        who: &Authenticated,
        id: ApplicationId,
        meta: &RequestMeta,
    ) -> Result<Status> {
        authorize(who, access::Action::DecideAcceptance, Object::Any)?;
        let current = self.application(who, id).await?;
        let items = store::eligibility(&self.db, id).await?;
        let undecided: Vec<&str> = items.iter().filter(|i| i.decided.is_none()).map(|i| i.clause.as_str()).collect();
        if items.is_empty() || !undecided.is_empty() {
            return Err(AppError::Invalid {
                code: "eligibility_undecided",
                field: None,
                message: format!("尚有条款未确认：{}", undecided.join("、")),
            });
        }
        let failing: Vec<&str> =
            items.iter().filter(|i| i.decided.as_deref() == Some("fail")).map(|i| i.clause.as_str()).collect();
        let action = if failing.is_empty() { Action::ConfirmEligible } else { Action::ConfirmIneligible };
        let to = transition(current.status, action, who)?;
        let (policy_id, policy) = self.judging_policy(&current).await?;
        let note = failing
            .iter()
            .map(|c| match policy.clause(c) {
                Some(clause) => format!("不符合{}（{}）", clause.citation(), clause.title()),
                None => format!("不符合 {c}"),
            })
            .collect::<Vec<_>>()
            .join("；");
        self.simple_change(who, (&current, action, to, note, json!({ "failing": failing, "policy": policy_id })), meta)
            .await
    }

    /// The lapse job: a returned application whose deadline passed without a resubmission.
    /// Runs in the job's transaction; a resubmitted (or otherwise moved) application is left
    /// alone.
    pub async fn lapse_application(&self, tx: &mut Tx, id: ApplicationId, version: i64) -> Result<bool> {
        let Some(row) = store::application_in(tx, id).await? else { return Ok(false) };
        let current = row;
        let due = current.supplement_due_at;
        if current.status != Status::Returned || current.version != version || due.is_none_or(|d| self.now() <= d) {
            return Ok(false);
        }
        let to = application::transition(current.status, Action::Lapse, Actor::System).map_err(transition_error)?;
        self.change(
            tx,
            Change {
                current: &current,
                who: None,
                action: Action::Lapse,
                to,
                note: format!(
                    "补正期限 {} 已届满",
                    current.supplement_due_on.map(|d| d.to_string()).unwrap_or_default()
                ),
                detail: json!({}),
                submission: None,
                supplement_due: None,
            },
            &RequestMeta::default(),
        )
        .await?;
        Ok(true)
    }

    // ------------------------------------------------------------ notifications

    /// A page of the organisation's notifications, newest first, with how many it has.
    pub async fn notifications(&self, who: &Authenticated, page: &PageRequest) -> Result<Page<store::Notification>> {
        let organization = own_organization(who, access::Action::ReadNotifications)?;
        Ok(store::notifications(&self.db, organization, page).await?)
    }

    pub async fn unread_notifications(&self, who: &Authenticated) -> Result<i64> {
        match own_organization(who, access::Action::ReadNotifications) {
            Ok(organization) => Ok(store::unread_notifications(&self.db, organization).await?),
            Err(_) => Ok(0),
        }
    }

    pub async fn mark_notifications_read(&self, who: &Authenticated) -> Result<u64> {
        let organization = own_organization(who, access::Action::ReadNotifications)?;
        let mut tx = self.db.begin().await?;
        let n = store::mark_notifications_read(&mut tx, organization, self.now()).await?;
        tx.commit().await?;
        Ok(n)
    }

    // ------------------------------------------------------------ helpers

    /// May `who` draft this application (its own organisation's)? The organisation, if so.
    fn may_draft(&self, who: &Authenticated, current: &ApplicationView) -> Result<OrganizationId> {
        let organization = current.organization_id;
        authorize(who, access::Action::DraftApplication, Object::OfOrganization(organization))?;
        Ok(organization)
    }

    /// A change that is the whole transaction.
    async fn simple_change(&self, who: &Authenticated, step: Step<'_>, meta: &RequestMeta) -> Result<Status> {
        let (current, action, to, note, detail) = step;
        let mut tx = self.db.begin().await?;
        self.change(
            &mut tx,
            Change { current, who: Some(who), action, to, note, detail, submission: None, supplement_due: None },
            meta,
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// The one place an application's status changes: compare-and-set, timeline, audit and
    /// notification, all in `tx`.
    pub(crate) async fn change(&self, tx: &mut Tx, c: Change<'_>, meta: &RequestMeta) -> Result<()> {
        let id = c.current.id;
        let now = self.now();
        let changed = store::change_status(
            tx,
            &StatusChange {
                id,
                from: c.current.status.as_str(),
                to: c.to.as_str(),
                version: c.current.version,
                at: now,
                submission: c.submission,
                supplement_due: c.supplement_due,
            },
        )
        .await?;
        if !changed {
            return Err(stale());
        }
        let detail = c.detail.to_string();
        store::insert_event(
            tx,
            id,
            &store::Event {
                at: now,
                actor_id: c.who.map(|w| w.user.id),
                actor_name: None,
                action: c.action.as_str().to_owned(),
                from_status: c.current.status.as_str().to_owned(),
                to_status: c.to.as_str().to_owned(),
                note: c.note.clone(),
                detail: detail.clone(),
            },
        )
        .await?;
        let app_id = id.to_string();
        self.audit(
            tx,
            meta,
            c.who.map(|w| (&w.user, w.role)),
            crate::events::application_action(c.action),
            ("application", Some(&app_id)),
            json!({
                "from": c.current.status.as_str(),
                "to": c.to.as_str(),
                "clause": c.action.clause(),
                "note": c.note,
                "detail": c.detail,
            }),
        )
        .await?;
        if c.action.notifies_applicant() {
            let (title, sentence) = c.action.applicant_news(c.to);
            let mut body =
                format!("您单位在「{}」的申报状态变为「{}」。", c.current.batch_title, c.to.applicant_label());
            body.push_str(sentence.unwrap_or_default());
            if !c.note.is_empty() {
                body.push_str(&c.note);
            }
            if let Some((due, _)) = c.supplement_due {
                body.push_str(&format!("请于 {due} 24 时前补正并重新提交。"));
            }
            store::insert_notification(
                tx,
                &store::Notification {
                    id: self.new_id::<NotificationId>(),
                    organization_id: c.current.organization_id,
                    application_id: Some(id),
                    at: now,
                    title,
                    body,
                    read_at: None,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The policy an application is judged under: the one fixed at its submission.
    pub(crate) async fn judging_policy(&self, row: &store::Application) -> Result<(String, PolicyDocument)> {
        let id = row
            .policy_id
            .clone()
            .ok_or_else(|| AppError::internal(StoreError::Corrupt("submitted without a policy".into())))?;
        let policy = self.policy(&id).await?;
        Ok((id, policy))
    }

    /// The policy version an application is read under: for a draft the one in force today,
    /// afterwards the one fixed at its submission.
    pub async fn policy_for(&self, row: &store::Application) -> Result<PolicyDocument> {
        match &row.policy_id {
            Some(id) => self.policy(id).await,
            None => Ok(self.policy_in_force(shanghai_date(self.now())).await?.1),
        }
    }
}

/// (application, action, new status, note, detail) of a simple change.
type Step<'a> = (&'a ApplicationView, Action, Status, String, serde_json::Value);

pub(crate) struct Change<'a> {
    pub(crate) current: &'a ApplicationView,
    pub(crate) who: Option<&'a Authenticated>,
    pub(crate) action: Action,
    pub(crate) to: Status,
    pub(crate) note: String,
    pub(crate) detail: serde_json::Value,
    pub(crate) submission: Option<(&'a str, i64)>,
    pub(crate) supplement_due: Option<(&'a str, DateTime<Utc>)>,
}

impl<'a> Change<'a> {
    /// A plain transition: no submission, no deadline.
    pub(crate) fn plain(
        current: &'a ApplicationView,
        who: Option<&'a Authenticated>,
        (action, to): (Action, Status),
        note: String,
        detail: serde_json::Value,
    ) -> Change<'a> {
        Change { current, who, action, to, note, detail, submission: None, supplement_due: None }
    }
}

pub(crate) fn transition(from: Status, action: Action, who: &Authenticated) -> Result<Status> {
    application::transition(from, action, Actor::Person(who.role)).map_err(transition_error)
}

pub(crate) fn transition_error(e: application::TransitionError) -> AppError {
    match e {
        application::TransitionError::NotFromHere { .. } => AppError::WrongState { message: e.to_string() },
        application::TransitionError::NotYourRole { .. } => {
            AppError::Forbidden { code: e.code(), message: e.to_string() }
        }
    }
}

pub(crate) fn stale() -> AppError {
    AppError::Conflict { constraint: "applications_version".into() }
}

pub(crate) fn bounded_text(field: &'static str, text: &str, max: usize, required: bool) -> Result<String> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(AppError::Fields(vec![FieldError::new(field, "required", "请填写理由")]));
    }
    if text.chars().count() > max {
        return Err(AppError::Fields(vec![FieldError::new(field, "too_long", format!("不能超过 {max} 个字"))]));
    }
    Ok(text.to_owned())
}

fn organization_facts(row: &store::Application) -> Result<eligibility::Organization> {
    Ok(eligibility::Organization {
        name: row.organization_name.clone(),
        uscc: Uscc::parse(&row.organization_uscc).map_err(AppError::internal)?,
        kind: row.organization_kind.clone(),
    })
}

/// The last second of `date` in Shanghai (deadlines run to 23:59:59 of their last day).
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let last = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    shanghai().from_local_datetime(&last).single().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| last.and_utc())
}

#[derive(serde::Deserialize)]
struct LapsePayload {
    application: ApplicationId,
    version: i64,
}

/// The handler of [`LAPSE_JOB`].
pub fn lapse_handler() -> crate::jobs::Handler {
    std::sync::Arc::new(|app, job, mut tx| {
        Box::pin(async move {
            let payload: LapsePayload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
            app.lapse_application(&mut tx, payload.application, payload.version).await.map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}

pub use store::Attachment;

/// One clause of the stored eligibility trace, with the rules' result and the clause's citation.
#[derive(Debug, Clone)]
pub struct TraceItem {
    pub item: store::EligibilityItem,
    pub result: eligibility::ClauseResult,
    pub citation: String,
}

impl App {
    /// What must still be filled in before the application can be submitted.
    pub async fn missing_parts(&self, a: &ApplicationView) -> Result<Vec<FieldError>> {
        let policy = self.policy_for(a).await?;
        Ok(a.form.incomplete(&policy))
    }

    /// The eligibility trace with each clause's citation, in the policy's order.
    pub async fn eligibility_trace(&self, who: &Authenticated, id: ApplicationId) -> Result<Vec<TraceItem>> {
        self.application(who, id).await?;
        let items = store::eligibility(&self.db, id).await?;
        let Some(first) = items.first() else { return Ok(vec![]) };
        let policy = self.policy(&first.policy_id).await?;
        let mut out: Vec<TraceItem> = items
            .into_iter()
            .map(|item| {
                let result = serde_json::from_str(&item.trace).map_err(AppError::internal)?;
                let citation = policy.clause(&item.clause).map_or(item.clause.clone(), |c| c.citation().to_owned());
                Ok(TraceItem { item, result, citation })
            })
            .collect::<Result<_>>()?;
        out.sort_by_key(|t| eligibility::CLAUSES.iter().position(|c| *c == t.item.clause));
        Ok(out)
    }

    /// The kept answer to an earlier request with this `Idempotency-Key`: (request hash, status, body).
    pub async fn idempotent_answer(&self, who: &Authenticated, key: &str) -> Result<Option<(String, i64, String)>> {
        Ok(store::idempotent_answer(&self.db, who.user.id, key).await?)
    }

    /// Keeps the first answer to a request with this `Idempotency-Key`.
    pub async fn remember_answer(
        &self,
        who: &Authenticated,
        key: &str,
        request_hash: &str,
        status: i64,
        body: &str,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        store::remember_answer(&mut tx, who.user.id, key, request_hash, status, body, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
