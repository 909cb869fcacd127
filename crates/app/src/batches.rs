//! Policy versions (loaded by the system administrator, kept verbatim) and calls for
//! applications (申报批次, created and published by staff).

use chrono::NaiveDate;
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::batch::{BatchStatus, PROGRAMME_YEARS, QUOTAS, Window};
use skillbase_domain::ids::BatchId;
use skillbase_domain::policy::{PolicyDocument, PolicyError};
use skillbase_store::StoreError;
use skillbase_store::applications::{self as store, StoredPolicy};

use crate::access::{allows, authorize};
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

/// A call for applications, with its status and window.
pub type BatchView = store::Batch;

/// What staff type to open a call.
#[derive(Debug, Clone, Default)]
pub struct NewBatch {
    pub year: String,
    pub title: String,
    pub opens_on: String,
    pub closes_on: String,
    pub quota: String,
    /// A stored policy version id; the version in force on `opens_on` when empty.
    pub policy_id: String,
}

/// The id a stored policy version goes by.
pub fn policy_id(policy: &PolicyDocument) -> String {
    format!("{}@{}", policy.code(), policy.version())
}

impl App {
    // ------------------------------------------------------------ policy versions

    /// Stores the policy version embedded in the binary, once (at start).
    pub async fn ensure_builtin_policy(&self) -> Result<()> {
        let builtin = PolicyDocument::builtin();
        let mut tx = self.db.begin().await?;
        store::insert_policy(&mut tx, &stored(builtin, None, self.now())).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads a new version from its text (file upload or CLI). A malformed file is refused with
    /// the line and the reason; a (code, version) already stored is refused.
    pub async fn load_policy(&self, who: Option<&Authenticated>, text: &str, meta: &RequestMeta) -> Result<String> {
        // Without an account: the command line, run by whoever runs the server.
        if let Some(who) = who {
            authorize(who, Action::ManagePolicies, Object::Any)?;
        }
        let policy = PolicyDocument::parse(text).map_err(policy_error)?;
        let id = policy_id(&policy);
        let mut tx = self.db.begin().await?;
        let loaded_by = who.map(|w| w.user.id.to_string());
        if !store::insert_policy(&mut tx, &stored(&policy, loaded_by, self.now())).await? {
            return Err(AppError::Invalid {
                code: "policy_version_exists",
                field: Some("file"),
                message: format!("政策 {} 第 {} 版已存在；新版本请使用新的版本号", policy.code(), policy.version()),
            });
        }
        self.audit(
            &mut tx,
            meta,
            who.map(|w| (&w.user, w.role)),
            "policy.load",
            ("policy", Some(&id)),
            json!({ "effective_from": policy.effective_from().to_string(), "fingerprint": policy.fingerprint() }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every stored version, parsed.
    pub async fn policies(&self) -> Result<Vec<(StoredPolicy, PolicyDocument)>> {
        store::policies(&self.db)
            .await?
            .into_iter()
            .map(|row| {
                let doc = self.parsed(&row)?;
                Ok((row, doc))
            })
            .collect()
    }

    /// One stored version, parsed (only that one: drafts and submissions ask for it often).
    pub async fn policy(&self, id: &str) -> Result<PolicyDocument> {
        if let Some(parsed) = self.policies.get(id) {
            return Ok(parsed);
        }
        let row = store::policy(&self.db, id).await?.ok_or(AppError::NotFound("政策版本不存在"))?;
        self.parsed(&row)
    }

    /// A stored version parsed, once per instance.
    fn parsed(&self, row: &StoredPolicy) -> Result<PolicyDocument> {
        if let Some(parsed) = self.policies.get(&row.id) {
            return Ok(parsed);
        }
        let parsed = parse_stored(row)?;
        self.policies.put(&row.id, &parsed);
        Ok(parsed)
    }

    /// The version in force on `date`: the latest effective on or before it. Chosen from the
    /// stored columns (`YYYY-MM-DD` orders as dates); only the chosen one is parsed.
    pub async fn policy_in_force(&self, date: NaiveDate) -> Result<(String, PolicyDocument)> {
        let day = date.format("%Y-%m-%d").to_string();
        let row = store::policies(&self.db)
            .await?
            .into_iter()
            .filter(|row| row.effective_from <= day)
            .max_by(|a, b| (&a.effective_from, a.version).cmp(&(&b.effective_from, b.version)))
            .ok_or(AppError::Invalid {
                code: "no_policy_in_force",
                field: None,
                message: format!("{date} 没有生效的政策版本"),
            })?;
        let doc = self.parsed(&row)?;
        Ok((row.id, doc))
    }

    // ------------------------------------------------------------ calls for applications

    pub async fn batch(&self, id: BatchId) -> Result<BatchView> {
        store::batch(&self.db, id).await?.ok_or(AppError::NotFound("申报批次不存在"))
    }

    /// The calls `viewer` may see: the bureau every one, everyone else the published ones.
    pub async fn batches(&self, viewer: Option<&Authenticated>) -> Result<Vec<BatchView>> {
        let bureau = viewer.is_some_and(|w| allows(w, Action::ReadDraftBatches));
        Ok(store::batches(&self.db).await?.into_iter().filter(|b| bureau || b.status != BatchStatus::Draft).collect())
    }

    /// Staff open a call (as a draft; publishing makes it visible and accepting).
    pub async fn create_batch(&self, who: &Authenticated, input: &NewBatch, meta: &RequestMeta) -> Result<BatchId> {
        authorize(who, Action::ManageBatches, Object::Any)?;
        let mut errors = Vec::new();
        let year = input.year.trim().parse::<i64>().ok().filter(|y| PROGRAMME_YEARS.contains(y));
        if year.is_none() {
            errors.push(FieldError::new(
                "year",
                "invalid_year",
                format!("请填写 {} 年以后的年度", PROGRAMME_YEARS.start()),
            ));
        }
        let title = input.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            errors.push(FieldError::new("title", "required", "请填写批次名称（不超过 100 字）"));
        }
        let date = |field: &'static str, text: &str, errors: &mut Vec<FieldError>| {
            let parsed = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
            if parsed.is_none() {
                errors.push(FieldError::new(field, "invalid_date", "日期格式应为 YYYY-MM-DD"));
            }
            parsed
        };
        let opens = date("opens_on", &input.opens_on, &mut errors);
        let closes = date("closes_on", &input.closes_on, &mut errors);
        let window = match (opens, closes) {
            (Some(o), Some(c)) => Window::new(o, c).map_err(|e| errors.push(e)).ok(),
            _ => None,
        };
        let quota = input.quota.trim().parse::<i64>().ok().filter(|q| QUOTAS.contains(q));
        if quota.is_none() {
            errors.push(FieldError::new(
                "quota",
                "invalid_quota",
                format!("名额应为 {} 至 {} 的整数", QUOTAS.start(), QUOTAS.end()),
            ));
        }
        let (Some(year), Some(window), Some(quota), true) = (year, window, quota, errors.is_empty()) else {
            return Err(AppError::Fields(errors));
        };
        let policy_id = if input.policy_id.trim().is_empty() {
            self.policy_in_force(window.opens_on())
                .await
                .map_err(|_| {
                    AppError::Fields(vec![FieldError::new(
                        "opens_on",
                        "no_policy_in_force",
                        "开始日期没有生效的政策版本",
                    )])
                })?
                .0
        } else {
            let id = input.policy_id.trim().to_owned();
            self.policy(&id).await.map_err(|_| {
                AppError::Fields(vec![FieldError::new("policy_id", "unknown_policy", "政策版本不存在")])
            })?;
            id
        };
        let id = self.new_id::<BatchId>();
        let mut tx = self.db.begin().await?;
        store::insert_batch(
            &mut tx,
            &store::Batch {
                id,
                year,
                title: title.to_owned(),
                window,
                quota,
                policy_id: policy_id.clone(),
                status: BatchStatus::Draft,
                created_by: who.user.id,
                created_at: self.now(),
            },
        )
        .await?;
        let batch = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "batch.create",
            ("batch", Some(&batch)),
            json!({ "year": year, "title": title, "opens_on": window.opens_on().to_string(),
                    "closes_on": window.closes_on().to_string(), "quota": quota, "policy": policy_id }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a draft call (it appears on the portal and accepts applications in its window).
    pub async fn publish_batch(&self, who: &Authenticated, id: BatchId, meta: &RequestMeta) -> Result<BatchStatus> {
        self.move_batch(who, id, "batch.publish", BatchStatus::publish, meta).await
    }

    /// Closes an open call early.
    pub async fn close_batch(&self, who: &Authenticated, id: BatchId, meta: &RequestMeta) -> Result<BatchStatus> {
        self.move_batch(who, id, "batch.close", BatchStatus::close, meta).await
    }

    async fn move_batch(
        &self,
        who: &Authenticated,
        id: BatchId,
        action: &str,
        next: fn(BatchStatus) -> Option<BatchStatus>,
        meta: &RequestMeta,
    ) -> Result<BatchStatus> {
        authorize(who, Action::ManageBatches, Object::Any)?;
        let batch = self.batch(id).await?;
        let to = next(batch.status).ok_or_else(|| AppError::WrongState {
            message: format!("批次当前为「{}」，不能执行此操作", batch.status.label()),
        })?;
        let mut tx = self.db.begin().await?;
        if !store::set_batch_status(&mut tx, id, batch.status.as_str(), to.as_str()).await? {
            return Err(AppError::Conflict { constraint: "batches_status".into() });
        }
        let batch_id = id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            action,
            ("batch", Some(&batch_id)),
            json!({ "from": batch.status.as_str(), "to": to.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }
}

fn stored(policy: &PolicyDocument, loaded_by: Option<String>, at: chrono::DateTime<chrono::Utc>) -> StoredPolicy {
    StoredPolicy {
        id: policy_id(policy),
        code: policy.code().to_owned(),
        version: i64::from(policy.version()),
        effective_from: policy.effective_from().to_string(),
        fingerprint: policy.fingerprint().to_owned(),
        source: policy.source().to_owned(),
        loaded_by,
        loaded_at: at,
    }
}

/// A stored version was valid when it was loaded; failing to parse now means the row changed.
/// Policy versions already parsed, by id. A stored version never changes — loading the policy
/// again makes a new version with a new id — so a parsed one holds for as long as the process
/// runs, whatever other instances do: there is nothing to invalidate.
#[derive(Debug, Default)]
pub struct PolicyCache(std::sync::RwLock<std::collections::HashMap<String, PolicyDocument>>);

impl PolicyCache {
    fn get(&self, id: &str) -> Option<PolicyDocument> {
        self.0.read().ok().and_then(|m| m.get(id).cloned())
    }

    fn put(&self, id: &str, doc: &PolicyDocument) {
        if let Ok(mut m) = self.0.write() {
            m.insert(id.to_owned(), doc.clone());
        }
    }
}

fn parse_stored(row: &StoredPolicy) -> Result<PolicyDocument> {
    PolicyDocument::parse(&row.source).map_err(|e| AppError::internal(StoreError::Corrupt(e.to_string())))
}

fn policy_error(e: PolicyError) -> AppError {
    AppError::Invalid { code: e.code(), field: Some("file"), message: e.to_string() }
}
