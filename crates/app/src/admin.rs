//! The system administrator's and the security administrator's duties over accounts: creating
//! bureau-side accounts, disabling and enabling them, changing roles (never one administrator role
//! into another), resetting passwords, unlocking a locked username. Each is audited.

use secrecy::SecretString;
use serde_json::json;
use skillbase_domain::access::{Action, Object};
use skillbase_domain::ids::UserId;
use skillbase_domain::names::{check_display_name, check_username};
use skillbase_domain::roles::{Role, ensure_role_change_allowed};
use skillbase_store::users::{self, NewUser, User};
use skillbase_store::{Tx, identity};

use crate::access::authorize;
use crate::accounts::generate_password;
use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

/// A new bureau-side account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl App {
    /// The audit record of an administrator's action on an account.
    async fn audit_account(
        &self,
        tx: &mut Tx,
        meta: &RequestMeta,
        actor: &Authenticated,
        action: &str,
        account: UserId,
        detail: serde_json::Value,
    ) -> Result<()> {
        let id = account.to_string();
        self.audit(tx, meta, Some((&actor.user, actor.role)), action, ("user", Some(&id)), detail).await
    }

    async fn target(&self, id: UserId) -> Result<User> {
        users::find_by_id(&self.db, id).await?.ok_or(AppError::NotFound("账户不存在"))
    }

    /// Creates a staff, leader, expert, funding or administrator account with a one-time
    /// password, to be changed at first login. Applicant accounts come from registration.
    pub async fn create_account(
        &self,
        actor: &Authenticated,
        new: &NewAccount,
        meta: &RequestMeta,
    ) -> Result<(UserId, SecretString)> {
        authorize(actor, Action::ManageAccounts, Object::Any)?;
        let username = new.username.trim();
        let mut errors = Vec::new();
        if let Err(e) = check_username(username) {
            errors.push(FieldError::new("username", e.code(), e.to_string()));
        }
        let display_name = new.display_name.trim();
        if let Err(e) = check_display_name(display_name) {
            errors.push(FieldError::new("display_name", e.code(), e.to_string()));
        }
        if new.role == Role::Applicant {
            errors.push(FieldError::new("role", "role_applicant", "申报单位账号由单位自行注册"));
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let password = generate_password();
        let hash = self.password_hashing.hash(secrecy::ExposeSecret::expose_secret(&password))?;
        let id = self.new_id::<UserId>();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inserted = users::insert(
            &mut tx,
            &NewUser {
                id,
                username,
                display_name,
                role: new.role.as_str(),
                password_hash: &hash,
                must_change_password: true,
                organization_id: None,
                at: now,
            },
        )
        .await;
        if let Err(skillbase_store::StoreError::Conflict { .. }) = inserted {
            return Err(AppError::Fields(vec![FieldError::new("username", "username_taken", "该用户名已被使用")]));
        }
        inserted?;
        self.audit_account(
            &mut tx,
            meta,
            actor,
            "user.create",
            id,
            json!({ "username": username, "role": new.role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok((id, password))
    }

    /// Disables (ending every session) or enables an account. Nobody disables themselves.
    pub async fn set_account_disabled(
        &self,
        actor: &Authenticated,
        id: UserId,
        disabled: bool,
        meta: &RequestMeta,
    ) -> Result<()> {
        authorize(actor, Action::ManageAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        if target.id == actor.user.id {
            return Err(AppError::Forbidden { code: "own_account", message: "不能停用自己的账户".to_owned() });
        }
        let mut tx = self.db.begin().await?;
        users::set_disabled(&mut tx, id, disabled, self.now()).await?;
        let ended = if disabled { identity::delete_user_sessions(&mut tx, id, None).await? } else { 0 };
        let action = if disabled { "user.disable" } else { "user.enable" };
        let detail = json!({ "username": target.username, "sessions_ended": ended });
        self.audit_account(&mut tx, meta, actor, action, id, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes an account's role; it takes effect on the account's next request.
    pub async fn change_role(&self, actor: &Authenticated, id: UserId, role: Role, meta: &RequestMeta) -> Result<()> {
        authorize(actor, Action::ManageAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        if target.id == actor.user.id {
            return Err(AppError::Forbidden { code: "own_account", message: "不能更改自己的角色".to_owned() });
        }
        let from = target.role;
        if from == Role::Applicant || role == Role::Applicant {
            return Err(AppError::Fields(vec![FieldError::new(
                "role",
                "role_applicant",
                "申报单位账号与其单位绑定，不能与其他角色互换",
            )]));
        }
        ensure_role_change_allowed(from, role)
            .map_err(|e| AppError::Forbidden { code: e.code(), message: e.to_string() })?;
        let mut tx = self.db.begin().await?;
        users::set_role(&mut tx, id, role.as_str(), self.now()).await?;
        self.audit_account(
            &mut tx,
            meta,
            actor,
            "user.role_change",
            id,
            json!({ "username": target.username, "from": from.as_str(), "to": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives an account a new one-time password (to be changed at next login) and ends its
    /// sessions.
    pub async fn reset_password(&self, actor: &Authenticated, id: UserId, meta: &RequestMeta) -> Result<SecretString> {
        authorize(actor, Action::ManageAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        let password = generate_password();
        let hash = self.password_hashing.hash(secrecy::ExposeSecret::expose_secret(&password))?;
        let mut tx = self.db.begin().await?;
        users::set_password(&mut tx, id, &hash, true, self.now()).await?;
        let ended = identity::delete_user_sessions(&mut tx, id, None).await?;
        self.audit_account(
            &mut tx,
            meta,
            actor,
            "user.password_reset",
            id,
            json!({ "username": target.username, "sessions_ended": ended }),
        )
        .await?;
        tx.commit().await?;
        Ok(password)
    }

    /// Lifts the lock of a username after repeated failed logins (security administrator).
    pub async fn unlock_account(&self, actor: &Authenticated, id: UserId, meta: &RequestMeta) -> Result<()> {
        authorize(actor, Action::UnlockAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        let mut tx = self.db.begin().await?;
        identity::clear_throttle(&mut tx, &target.username).await?;
        self.audit_account(&mut tx, meta, actor, "user.unlock", id, json!({ "username": target.username })).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every account (system administrator's console).
    pub async fn accounts(&self) -> Result<Vec<User>> {
        Ok(users::list(&self.db).await?)
    }

    /// An organisation's profile, within the reader's scope: an applicant reaches only its own
    /// organisation, and another organisation is "not found" (not "forbidden"), so ids of other
    /// organisations cannot be probed.
    pub async fn organization(
        &self,
        reader: &Authenticated,
        id: skillbase_domain::ids::OrganizationId,
    ) -> Result<identity::Organization> {
        authorize(reader, Action::ReadOrganization, Object::OfOrganization(id))?;
        identity::organization(&self.db, id).await?.ok_or(AppError::NotFound("单位不存在"))
    }

    /// Unbinds an account's authenticator (a lost phone); the account binds a new one at its
    /// next sign-in. Its sessions end.
    pub async fn reset_totp(&self, actor: &Authenticated, id: UserId, meta: &RequestMeta) -> Result<()> {
        authorize(actor, Action::ManageAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        let mut tx = self.db.begin().await?;
        users::set_totp_secret(&mut tx, id, None, self.now()).await?;
        let ended = identity::delete_user_sessions(&mut tx, id, None).await?;
        self.audit_account(
            &mut tx,
            meta,
            actor,
            "user.totp_reset",
            id,
            json!({ "username": target.username, "sessions_ended": ended }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of an account at once (a stolen laptop, a suspected compromise); the
    /// account stays usable with its password. Returns how many sessions were ended.
    pub async fn end_sessions(&self, actor: &Authenticated, id: UserId, meta: &RequestMeta) -> Result<u64> {
        authorize(actor, Action::ManageAccounts, Object::Account(id))?;
        let target = self.target(id).await?;
        let mut tx = self.db.begin().await?;
        let ended = identity::delete_user_sessions(&mut tx, id, None).await?;
        self.audit_account(
            &mut tx,
            meta,
            actor,
            "user.sessions_end",
            id,
            json!({ "username": target.username, "sessions_ended": ended }),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Every registered organisation with its number of accounts (system administrator, staff,
    /// leader).
    pub async fn organizations(&self) -> Result<Vec<(identity::Organization, i64)>> {
        Ok(identity::organizations(&self.db).await?)
    }
}
