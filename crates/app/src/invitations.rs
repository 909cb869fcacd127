//! An applicant organisation's first account invites colleagues: a one-time code, valid seven
//! days, that creates another applicant account bound to the same organisation.

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::ids::{OrganizationId, UserId};
use skillbase_domain::names::{check_display_name, check_username};
use skillbase_domain::roles::Role;
use skillbase_store::identity;
use skillbase_store::users::{self, NewUser};

use crate::access::authorize;
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

/// How long an invitation code is valid.
pub const VALID_FOR_DAYS: i64 = 7;

/// Someone accepting an invitation.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub password: SecretString,
}

impl App {
    /// Invites a colleague into the inviter's own organisation; returns the invitation id and
    /// the one-time code (shown once; only its hash is stored).
    pub async fn invite_colleague(
        &self,
        who: &Authenticated,
        organization_id: OrganizationId,
        note: &str,
        meta: &RequestMeta,
    ) -> Result<(String, String)> {
        authorize(who, Action::InviteColleague, Object::OfOrganization(organization_id))?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 100 {
            return Err(AppError::Fields(vec![FieldError::new(
                "note",
                "note_invalid",
                "请注明受邀人（不超过 100 字）",
            )]));
        }
        let code: String = crate::random_bytes(16).iter().map(|b| format!("{b:02x}")).collect();
        let id: String = crate::random_bytes(8).iter().map(|b| format!("{b:02x}")).collect();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        identity::insert_invitation(
            &mut tx,
            &id,
            organization_id,
            note,
            &sm3_hex(code.as_bytes()),
            who.user.id,
            now,
            now + TimeDelta::days(VALID_FOR_DAYS),
        )
        .await?;
        let org = organization_id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "organization.invite",
            ("organization", Some(&org)),
            json!({ "invitation": id, "note": note }),
        )
        .await?;
        tx.commit().await?;
        Ok((id, code))
    }

    /// Creates the invited colleague's account; the code then no longer works.
    pub async fn accept_invitation(&self, input: &Acceptance, meta: &RequestMeta) -> Result<(UserId, OrganizationId)> {
        let now = self.now();
        let invitation = identity::open_invitation(&self.db, &sm3_hex(input.code.trim().as_bytes()))
            .await?
            .filter(|(_, _, expires)| now < *expires);
        let Some((invitation_id, organization_id, _)) = invitation else {
            return Err(AppError::Fields(vec![FieldError::new(
                "code",
                "invitation_invalid",
                "邀请码无效、已使用或已过期",
            )]));
        };
        let username = input.username.trim();
        let mut errors = Vec::new();
        if let Err(e) = check_username(username) {
            errors.push(FieldError::new("username", e.code(), e.to_string()));
        }
        let display_name = input.display_name.trim();
        if let Err(e) = check_display_name(display_name) {
            errors.push(FieldError::new("display_name", e.code(), e.to_string()));
        }
        if let Err(e) = self.auth_settings().await?.password_policy.check(input.password.expose_secret(), username) {
            errors.push(FieldError::new("password", e.code(), e.to_string()));
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let hash = self.password_hashing.hash(input.password.expose_secret())?;
        let user_id = self.new_id::<UserId>();
        let mut tx = self.db.begin().await?;
        let inserted = users::insert(
            &mut tx,
            &NewUser {
                id: user_id,
                username,
                display_name,
                role: Role::Applicant.as_str(),
                password_hash: &hash,
                must_change_password: false,
                organization_id: Some(organization_id),
                at: now,
            },
        )
        .await;
        if let Err(skillbase_store::StoreError::Conflict { .. }) = inserted {
            return Err(AppError::Fields(vec![FieldError::new("username", "username_taken", "该用户名已被使用")]));
        }
        inserted?;
        if !identity::accept_invitation(&mut tx, &invitation_id, user_id, now).await? {
            return Err(AppError::Fields(vec![FieldError::new(
                "code",
                "invitation_invalid",
                "邀请码无效、已使用或已过期",
            )]));
        }
        let user = users::find_by_id_in(&mut tx, user_id).await?;
        let org = organization_id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&user, Role::Applicant)),
            "organization.join",
            ("organization", Some(&org)),
            json!({ "invitation": invitation_id, "username": username }),
        )
        .await?;
        tx.commit().await?;
        Ok((user_id, organization_id))
    }
}
