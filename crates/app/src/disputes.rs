//! Disputes over who holds a 统一社会信用代码 (归属争议, issue #17 item 13).
//!
//! Registration is first come, first served, so the rightful holder of a USCC may find it taken.
//! It then files a dispute: the registration it would have made and its business licence
//! (营业执照). Staff see both parties and the licence, and decide with a reason:
//!
//! - **transfer**: the organisation record stays — the USCC names one legal entity, and the
//!   record's applications, bases and audit records point at it —; the first registrant's
//!   accounts are disabled (never deleted: every earlier step still names the account that took
//!   it) and their sessions ended, the organisation's unused invitations end, the claimant's
//!   account is created in the organisation with the password it chose, and the profile the
//!   claimant typed replaces the first registrant's (kept on the dispute as it stood);
//! - **refuse**: nothing else changes.
//!
//! Each step — filing, resolving — is one transaction with its audit record and an in-app
//! notification to the organisation (the first registrant is told of the claim when it is
//! filed, and of the decision).

use secrecy::ExposeSecret;
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::attachment::{self, ContentHash};
use skillbase_domain::clock::shanghai_date;
use skillbase_domain::dictionary::Dictionary;
use skillbase_domain::dispute::{DisputeDecision, DisputeStatus, check_reason, dispute_transition};
use skillbase_domain::ids::{DisputeId, NotificationId, UserId};
use skillbase_domain::roles::Role;
use skillbase_store::applications as app_store;
use skillbase_store::disputes::{self as store, NewDispute, Resolution};
pub use skillbase_store::disputes::{DisputeRecord, Profile};
use skillbase_store::identity;
use skillbase_store::page::{Page, PageRequest};
use skillbase_store::users::{self, NewUser};
use skillbase_store::{StoreError, Tx};

use crate::access::authorize;
use crate::auth::{Authenticated, Registration, RequestMeta, check_registration};
use crate::{App, AppError, FieldError, Result};

/// A dispute as staff see it: the claim, and the organisation as it stands now.
#[derive(Debug, Clone)]
pub struct DisputeView {
    pub record: DisputeRecord,
    pub organization: Profile,
}

impl std::ops::Deref for DisputeView {
    type Target = DisputeRecord;
    fn deref(&self) -> &DisputeRecord {
        &self.record
    }
}

impl App {
    /// Files a dispute over a USCC that is already registered: the claimant's registration (the
    /// same fields and checks as registering) and its business licence (PDF, JPEG or PNG, under
    /// the policy's size limit). Every problem is reported at once, by field.
    pub async fn file_dispute(
        &self,
        input: &Registration,
        licence: Option<(String, Vec<u8>)>,
        meta: &RequestMeta,
    ) -> Result<DisputeId> {
        let policy = self.auth_settings().await?.password_policy;
        let mut errors = Vec::new();
        let uscc = check_registration(input, &policy).map_err(|e| errors.extend(e)).ok();
        let (_, document) = self.policy_in_force(shanghai_date(self.now())).await?;
        let licence = licence.filter(|(_, bytes)| !bytes.is_empty());
        let upload = match &licence {
            None => {
                errors.push(FieldError::new("licence", "licence_required", "请上传营业执照（PDF、JPG 或 PNG）"));
                None
            }
            Some((name, bytes)) => match attachment::check_upload(name, bytes, document.max_attachment_bytes()) {
                Ok(upload) if upload.kind.as_str() == "xlsx" => {
                    errors.push(FieldError::new("licence", "licence_type", "营业执照请上传 PDF、JPG 或 PNG 文件"));
                    None
                }
                Ok(upload) => Some(upload),
                Err(e) => {
                    errors.push(FieldError::new("licence", e.code(), e.to_string()));
                    None
                }
            },
        };
        let holder = match &uscc {
            Some(uscc) => store::organization_by_uscc(&self.db, uscc.as_str()).await?,
            None => None,
        };
        if uscc.is_some() && holder.is_none() {
            errors.push(FieldError::new(
                "uscc",
                "uscc_not_registered",
                "该统一社会信用代码尚未注册，请直接注册，无需提出归属争议",
            ));
        }
        let username = input.username.trim();
        if users::find_by_username(&self.db, username).await?.is_some() {
            errors.push(FieldError::new("username", "username_taken", "该用户名已被使用"));
        }
        let (Some(uscc), Some(holder), Some(upload), Some((_, bytes)), true) =
            (uscc, holder, upload, licence, errors.is_empty())
        else {
            return Err(AppError::Fields(errors));
        };
        let hash = self.password_hashing.hash(input.password.expose_secret())?;
        let stored = self.files.put(bytes).await.map_err(AppError::internal)?;
        let now = self.now();
        let record = DisputeRecord {
            id: self.new_id(),
            organization_id: holder.id,
            uscc: uscc.as_str().to_owned(),
            status: DisputeStatus::Filed,
            claimant_name: input.name.trim().to_owned(),
            claimant_kind: input.kind.clone(),
            contact_name: input.contact_name.trim().to_owned(),
            contact_phone: input.contact_phone.trim().to_owned(),
            contact_email: input.contact_email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned),
            username: username.to_owned(),
            licence_hash: stored.as_str().to_owned(),
            licence_kind: upload.kind.as_str().to_owned(),
            licence_name: upload.display_name,
            holder_name: holder.name.clone(),
            holder_contact_name: holder.contact_name.clone(),
            holder_contact_phone: holder.contact_phone.clone(),
            filed_at: now,
            resolved_at: None,
            resolved_by: None,
            reason: None,
            claimant_user_id: None,
            version: 0,
        };
        let mut tx = self.db.begin().await?;
        match store::insert_dispute(&mut tx, &NewDispute { record: &record, password_hash: &hash }).await {
            Err(StoreError::Conflict { constraint }) if constraint == "organization_disputes_username_key" => {
                return Err(AppError::Fields(vec![FieldError::new("username", "username_taken", "该用户名已被使用")]));
            }
            other => other?,
        }
        let id = record.id.to_string();
        let detail = json!({
            "organization": holder.id, "uscc": record.uscc, "claimant": record.claimant_name,
            "username": record.username, "licence": record.licence_hash,
        });
        self.audit(&mut tx, meta, None, "organization.dispute_file", ("organization_dispute", Some(&id)), detail)
            .await?;
        let body = format!(
            "「{}」以本单位统一社会信用代码 {} 提出归属争议并提交了营业执照，经办人将核实处理。如有异议，请联系区人力资源和社会保障局。",
            record.claimant_name, record.uscc
        );
        self.notify_holder(&mut tx, &record, "本单位统一社会信用代码被提出归属争议", &body).await?;
        tx.commit().await?;
        Ok(record.id)
    }

    /// Disputes, newest first (staff).
    pub async fn disputes(
        &self,
        who: &Authenticated,
        status: Option<DisputeStatus>,
        page: &PageRequest,
    ) -> Result<Page<DisputeRecord>> {
        authorize(who, Action::ResolveDisputes, Object::Any)?;
        Ok(store::disputes(&self.db, status, page).await?)
    }

    /// One dispute with the organisation as it stands (staff).
    pub async fn dispute(&self, who: &Authenticated, id: DisputeId) -> Result<DisputeView> {
        authorize(who, Action::ResolveDisputes, Object::Any)?;
        let record = store::dispute(&self.db, id).await?.ok_or(AppError::NotFound("归属争议不存在"))?;
        let organization = store::organization_by_uscc(&self.db, &record.uscc)
            .await?
            .filter(|o| o.id == record.organization_id)
            .ok_or(AppError::NotFound("单位不存在"))?;
        Ok(DisputeView { record, organization })
    }

    /// The business licence of a dispute: (name, sniffed kind, bytes). Only whoever resolves
    /// disputes reads it.
    pub async fn dispute_licence(&self, who: &Authenticated, id: DisputeId) -> Result<(String, String, Vec<u8>)> {
        let view = self.dispute(who, id).await?;
        let hash = ContentHash::parse(&view.licence_hash)
            .ok_or_else(|| AppError::internal(StoreError::Corrupt(view.licence_hash.clone())))?;
        let bytes = self.files.get(&hash).await.map_err(AppError::internal)?;
        Ok((view.record.licence_name, view.record.licence_kind, bytes))
    }

    /// Staff resolve a filed dispute: transfer the organisation to the claimant, or refuse; with
    /// the reason, audited, the organisation notified. Of two resolutions at once one wins, the
    /// other gets 409.
    pub async fn resolve_dispute(
        &self,
        who: &Authenticated,
        id: DisputeId,
        decision: DisputeDecision,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<DisputeStatus> {
        let view = self.dispute(who, id).await?;
        let to = dispute_transition(view.status, decision, who.role).map_err(|e| match e {
            skillbase_domain::dispute::DisputeStepError::NotYourRole => {
                AppError::Forbidden { code: "staff_only", message: e.to_string() }
            }
            skillbase_domain::dispute::DisputeStepError::Resolved(_) => AppError::WrongState { message: e.to_string() },
        })?;
        let reason = check_reason(reason).map_err(|e| AppError::Fields(vec![e]))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut detail = json!({
            "organization": view.organization_id, "uscc": view.uscc, "decision": decision.code(),
            "reason": reason, "claimant": view.claimant_name,
        });
        let claimant_user_id = if to == DisputeStatus::Transferred {
            let (user, changes) = self.transfer(&mut tx, &view).await?;
            detail["transfer"] = changes;
            Some(user)
        } else {
            None
        };
        let resolution = Resolution { to, by: who.user.id, at: now, reason: &reason, claimant_user_id };
        if !store::resolve_dispute(&mut tx, id, (view.status, view.version), &resolution).await? {
            return Err(AppError::Conflict { constraint: "organization_disputes_version".into() });
        }
        let object = id.to_string();
        let actor = Some((&who.user, who.role));
        self.audit(
            &mut tx,
            meta,
            actor,
            "organization.dispute_resolve",
            ("organization_dispute", Some(&object)),
            detail,
        )
        .await?;
        let (title, body) = match to {
            DisputeStatus::Transferred => (
                "归属争议已处理：本单位账户转归营业执照持有方",
                format!(
                    "经核实营业执照，统一社会信用代码 {} 归属「{}」。原注册账户已停用。处理理由：{reason}",
                    view.uscc, view.claimant_name
                ),
            ),
            _ => (
                "归属争议已处理：争议不成立",
                format!(
                    "「{}」对统一社会信用代码 {} 提出的归属争议已驳回。处理理由：{reason}",
                    view.claimant_name, view.uscc
                ),
            ),
        };
        self.notify_holder(&mut tx, &view.record, title, &body).await?;
        tx.commit().await?;
        Ok(to)
    }

    /// What a transfer changes: the first registrant's accounts disabled and signed out, the
    /// organisation's unused invitations ended, the claimant's account created, the profile
    /// replaced. Returns the claimant's account and what changed (for the audit record).
    async fn transfer(&self, tx: &mut Tx, view: &DisputeView) -> Result<(UserId, serde_json::Value)> {
        let now = self.now();
        let hash = store::claimant_password_hash(tx, view.id)
            .await?
            .ok_or(AppError::Conflict { constraint: "organization_disputes_version".into() })?;
        let before =
            store::organization_profile_in(tx, view.organization_id).await?.ok_or(AppError::NotFound("单位不存在"))?;
        let mut disabled = Vec::new();
        for (user, username) in store::enabled_accounts_in(tx, view.organization_id).await? {
            users::set_disabled(tx, user, true, now).await?;
            identity::delete_user_sessions(tx, user, None).await?;
            disabled.push(json!({ "user": user, "username": username }));
        }
        let invitations_ended = store::end_open_invitations(tx, view.organization_id, now).await?;
        let user_id = self.new_id::<UserId>();
        let created = users::insert(
            tx,
            &NewUser {
                id: user_id,
                username: &view.username,
                display_name: &view.contact_name,
                role: Role::Applicant.as_str(),
                password_hash: &hash,
                must_change_password: false,
                organization_id: Some(view.organization_id),
                at: now,
            },
        )
        .await;
        match created {
            Err(StoreError::Conflict { constraint }) if constraint == "users_username_key" => {
                return Err(AppError::Fields(vec![FieldError::new(
                    "decision",
                    "username_taken",
                    "申请方选择的用户名已被他人使用，无法转归；请驳回并请其重新提出",
                )]));
            }
            other => other?,
        }
        let after = Profile {
            name: view.claimant_name.clone(),
            kind: view.claimant_kind.clone(),
            contact_name: view.contact_name.clone(),
            contact_phone: view.contact_phone.clone(),
            contact_email: view.contact_email.clone(),
            ..before.clone()
        };
        store::replace_profile(tx, &after).await?;
        let changes = json!({
            "disabled_accounts": disabled,
            "invitations_ended": invitations_ended,
            "account": { "user": user_id, "username": view.username },
            "profile_before": { "name": before.name, "kind": before.kind, "contact_name": before.contact_name },
            "profile_after": { "name": after.name, "kind": after.kind, "contact_name": after.contact_name },
        });
        Ok((user_id, changes))
    }

    async fn notify_holder(&self, tx: &mut Tx, record: &DisputeRecord, title: &str, body: &str) -> Result<()> {
        app_store::insert_notification(
            tx,
            &app_store::Notification {
                id: self.new_id::<NotificationId>(),
                organization_id: record.organization_id,
                application_id: None,
                at: self.now(),
                title: title.to_owned(),
                body: body.to_owned(),
                read_at: None,
            },
        )
        .await?;
        Ok(())
    }
}
