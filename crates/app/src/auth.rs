//! Signing in and out, sessions, changing one's password, and registering an applicant
//! organisation. Sessions live in the database (several instances share them); the cookie value
//! is a random token of which only the SM3 hash is stored.

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use skillbase_domain::Uscc;
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::ids::{OrganizationId, UserId};
use skillbase_domain::names::check_username;
use skillbase_domain::password::PasswordPolicy;
use skillbase_domain::roles::Role;
use skillbase_domain::security::SecuritySettings;
use skillbase_domain::totp::TotpSecret;
use skillbase_store::identity::{self, NewOrganization, NewSession, Session};
pub use skillbase_store::users::User;
use skillbase_store::users::{self, NewUser};
use skillbase_store::{StoreError, Tx, audit};

use crate::accounts::{PasswordHashing, verify_password};
use crate::{App, AppError, FieldError, Result};

/// Lockout and session lifetimes (secadmin-configurable in a later release).
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub password_policy: PasswordPolicy,
    /// Consecutive failures that lock a username…
    pub max_failures: i64,
    /// …for this long.
    pub lockout: TimeDelta,
    /// A session unused for this long ends.
    pub idle_timeout: TimeDelta,
    /// A session ends this long after login, used or not.
    pub absolute_lifetime: TimeDelta,
    /// Bureau-side accounts (staff, leader, funding, the three administrators) must bind a TOTP
    /// authenticator before doing anything but managing their own account.
    pub require_second_factor: bool,
    /// The name authenticator apps show for the account.
    pub totp_issuer: String,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            password_policy: PasswordPolicy::default(),
            max_failures: 5,
            lockout: TimeDelta::minutes(15),
            idle_timeout: TimeDelta::minutes(30),
            absolute_lifetime: TimeDelta::hours(12),
            require_second_factor: true,
            totp_issuer: "青浦技能实训基地".to_owned(),
        }
    }
}

impl AuthSettings {
    /// These settings with the security administrator's stored ones applied.
    pub fn with(&self, stored: &SecuritySettings) -> AuthSettings {
        AuthSettings {
            password_policy: PasswordPolicy {
                min_length: stored.password_min_length,
                min_classes: stored.password_min_classes,
                max_age_days: stored.password_max_age_days,
            },
            max_failures: stored.max_failed_logins,
            lockout: TimeDelta::minutes(stored.lockout_minutes),
            idle_timeout: TimeDelta::minutes(stored.idle_timeout_minutes),
            absolute_lifetime: TimeDelta::hours(stored.session_lifetime_hours),
            require_second_factor: stored.require_second_factor,
            totp_issuer: self.totp_issuer.clone(),
        }
    }
}

/// Who is asking, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub client_ip: Option<String>,
    pub request_id: Option<String>,
}

/// A signed-in user and their session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: User,
    pub role: Role,
    pub session: Session,
    /// SM3 of the cookie value: the session's key.
    pub session_hash: String,
    /// Authenticated by this personal API token rather than a browser session.
    pub via_token: Option<String>,
}

/// What a successful login hands back: the cookie value (shown to this client only) and the
/// CSRF token that writes must carry.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: User,
    pub role: Role,
    pub session_token: SecretString,
    pub csrf_token: String,
    /// The password was right and the account has a second factor: the session grants nothing
    /// until [`App::complete_second_factor`] accepts the code.
    pub second_factor_required: bool,
}

/// When the username does not exist, the password is hashed with the configured parameters
/// instead of checked: that costs what checking a hash made with them costs, so response times
/// do not reveal which usernames exist.
async fn hash_off_thread(hashing: PasswordHashing, password: &str) {
    let password = password.to_owned();
    let _ = tokio::task::spawn_blocking(move || hashing.hash(&password)).await;
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Argon2 takes tens of milliseconds: off the async threads.
async fn verify_off_thread(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

impl App {
    pub(crate) async fn audit(
        &self,
        tx: &mut Tx,
        meta: &RequestMeta,
        actor: Option<(&User, Role)>,
        action: &str,
        object: (&str, Option<&str>),
        detail: serde_json::Value,
    ) -> Result<()> {
        crate::events::check(action).map_err(AppError::internal)?;
        let actor_id = actor.map(|(u, _)| u.id.to_string());
        let organization = actor.and_then(|(u, _)| u.organization_id.map(|o| o.to_string()));
        let detail = detail.to_string();
        audit::append(
            tx,
            &self.audit_key,
            &audit::AuditRecord {
                at: self.now(),
                actor: actor_id.as_deref(),
                actor_role: actor.map(|(_, r)| r.as_str()),
                organization_id: organization.as_deref(),
                client_ip: meta.client_ip.as_deref(),
                request_id: meta.request_id.as_deref(),
                action,
                object_type: object.0,
                object_id: object.1,
                detail: &detail,
            },
        )
        .await?;
        Ok(())
    }

    /// Signs in. A username that fails `max_failures` times in a row is locked for `lockout`,
    /// whether or not it exists; every attempt is audited.
    #[tracing::instrument(skip(self, password, meta))]
    pub async fn login(&self, username: &str, password: &str, meta: &RequestMeta) -> Result<LoggedIn> {
        let username = username.trim();
        let now = self.now();
        let settings = self.auth_settings().await?;
        let (_, locked_until) = identity::throttle(&self.db, username).await?;
        let lock_expired = matches!(locked_until, Some(until) if until <= now);
        if let Some(until) = locked_until.filter(|until| *until > now) {
            let mut tx = self.db.begin().await?;
            self.audit(&mut tx, meta, None, "auth.login_refused_locked", ("username", Some(username)), json!({}))
                .await?;
            tx.commit().await?;
            return Err(locked(until, now));
        }

        let user = users::find_by_username(&self.db, username).await?;
        let password_ok = match &user {
            Some(user) => verify_off_thread(password, &user.password_hash).await && !user.disabled,
            None => {
                hash_off_thread(self.password_hashing, password).await;
                false
            }
        };
        let known = user.as_ref().map(|u| (u, u.role));

        let mut tx = self.db.begin().await?;
        if lock_expired {
            identity::clear_throttle(&mut tx, username).await?;
        }
        if !password_ok {
            let failures = identity::record_failure(&mut tx, username, now).await?;
            self.audit(
                &mut tx,
                meta,
                known,
                "auth.login_failed",
                ("username", Some(username)),
                json!({ "failures": failures }),
            )
            .await?;
            if failures >= settings.max_failures {
                let until = now + settings.lockout;
                identity::lock(&mut tx, username, until).await?;
                self.audit(
                    &mut tx,
                    meta,
                    known,
                    "auth.lockout",
                    ("username", Some(username)),
                    json!({ "failures": failures }),
                )
                .await?;
                tx.commit().await?;
                return Err(locked(until, now));
            }
            tx.commit().await?;
            tracing::info!(failures, "sign-in refused");
            return Err(AppError::Unauthenticated {
                code: "invalid_credentials",
                message: "用户名或密码不正确".to_owned(),
            });
        }

        let Some((user, role)) = known else {
            return Err(AppError::internal(StoreError::Corrupt("verified a password without a user".into())));
        };
        let token = random_hex(32);
        let csrf_token = random_hex(32);
        let session_hash = sm3_hex(token.as_bytes());
        let pending = user.totp_enabled;
        if !pending {
            identity::clear_throttle(&mut tx, username).await?;
        }
        identity::insert_session(
            &mut tx,
            &NewSession {
                id_hash: &session_hash,
                pending_second_factor: pending,
                user_id: user.id,
                csrf_token: &csrf_token,
                at: now,
                expires_at: now + settings.absolute_lifetime,
                client_ip: meta.client_ip.as_deref(),
            },
        )
        .await?;
        let user_id = user.id.to_string();
        let action = if pending { "auth.password_verified" } else { "auth.login" };
        self.audit(&mut tx, meta, Some((user, role)), action, ("user", Some(&user_id)), json!({})).await?;
        tx.commit().await?;
        Ok(LoggedIn {
            user: user.clone(),
            role,
            session_token: SecretString::from(token),
            csrf_token,
            second_factor_required: pending,
        })
    }

    /// The second step of signing in: the TOTP code for a session opened by the password. A
    /// wrong code counts as a failed login of the username (lockout after five).
    pub async fn complete_second_factor(&self, token: &str, code: &str, meta: &RequestMeta) -> Result<LoggedIn> {
        let session_hash = sm3_hex(token.as_bytes());
        let now = self.now();
        let pending = identity::session(&self.db, &session_hash)
            .await?
            .filter(|s| s.pending_second_factor && now < s.expires_at && now - s.created_at < TimeDelta::minutes(5));
        let Some(session) = pending else {
            return Err(AppError::Unauthenticated {
                code: "no_pending_login",
                message: "请先输入用户名和密码（或已超时，请重新登录）".to_owned(),
            });
        };
        let Some(user) = users::find_by_id(&self.db, session.user_id).await?.filter(|u| !u.disabled) else {
            return Err(AppError::Unauthenticated { code: "no_pending_login", message: "请重新登录".to_owned() });
        };
        let role = user.role;
        let (_, locked_until) = identity::throttle(&self.db, &user.username).await?;
        if let Some(until) = locked_until.filter(|until| *until > now) {
            return Err(locked(until, now));
        }
        let step =
            self.totp_secret(&user)?.and_then(|secret| secret.verify(code, now.timestamp(), user.totp_last_step));
        let mut tx = self.db.begin().await?;
        let accepted = match step {
            Some(step) => users::use_totp_step(&mut tx, user.id, step, false, now).await?,
            None => false,
        };
        if !accepted {
            let failures = identity::record_failure(&mut tx, &user.username, now).await?;
            self.audit(
                &mut tx,
                meta,
                Some((&user, role)),
                "auth.second_factor_failed",
                ("username", Some(&user.username)),
                json!({ "failures": failures }),
            )
            .await?;
            let settings = self.auth_settings().await?;
            if failures >= settings.max_failures {
                let until = now + settings.lockout;
                identity::lock(&mut tx, &user.username, until).await?;
                identity::delete_session(&mut tx, &session_hash).await?;
                self.audit(
                    &mut tx,
                    meta,
                    Some((&user, role)),
                    "auth.lockout",
                    ("username", Some(&user.username)),
                    json!({}),
                )
                .await?;
                tx.commit().await?;
                return Err(locked(until, now));
            }
            tx.commit().await?;
            return Err(AppError::Unauthenticated {
                code: "invalid_totp", message: "动态口令不正确".to_owned()
            });
        }
        // The privilege changes (a pending sign-in becomes a session): a new session id and CSRF
        // token, so whatever knew the pending cookie knows nothing now (SEC-05).
        let settings = self.auth_settings().await?;
        let token = random_hex(32);
        let csrf_token = random_hex(32);
        identity::delete_session(&mut tx, &session_hash).await?;
        identity::insert_session(
            &mut tx,
            &NewSession {
                id_hash: &sm3_hex(token.as_bytes()),
                pending_second_factor: false,
                user_id: user.id,
                csrf_token: &csrf_token,
                at: now,
                expires_at: now + settings.absolute_lifetime,
                client_ip: meta.client_ip.as_deref(),
            },
        )
        .await?;
        identity::clear_throttle(&mut tx, &user.username).await?;
        let user_id = user.id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&user, role)),
            "auth.login",
            ("user", Some(&user_id)),
            json!({ "second_factor": "totp" }),
        )
        .await?;
        tx.commit().await?;
        Ok(LoggedIn { user, role, session_token: SecretString::from(token), csrf_token, second_factor_required: false })
    }

    fn totp_context(user_id: UserId) -> String {
        format!("users.totp_secret:{user_id}")
    }

    /// The account's TOTP secret, unsealed.
    fn totp_secret(&self, user: &User) -> Result<Option<TotpSecret>> {
        let Some(sealed) = &user.totp_secret else { return Ok(None) };
        let opened = self.data_key.open(sealed, &Self::totp_context(user.id)).map_err(AppError::internal)?;
        let text = String::from_utf8(opened).map_err(AppError::internal)?;
        Ok(TotpSecret::from_base32(&text))
    }

    /// Starts binding an authenticator app: a new secret, shown once (Base32 and `otpauth://`
    /// URI), effective after [`App::confirm_totp`]. Refused while a second factor is bound (a
    /// stolen session must not be able to replace it; the system administrator resets it).
    pub async fn begin_totp_enrolment(&self, who: &Authenticated, meta: &RequestMeta) -> Result<(String, String)> {
        if who.user.totp_enabled {
            return Err(AppError::Forbidden {
                code: "totp_already_enabled",
                message: "已绑定动态口令；如需更换，请联系系统管理员重置".to_owned(),
            });
        }
        let mut bytes = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = TotpSecret::from_bytes(bytes);
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self.data_key.seal(nonce, secret.to_base32().as_bytes(), &Self::totp_context(who.user.id));
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::set_totp_secret(&mut tx, who.user.id, Some(&sealed), now).await?;
        let user_id = who.user.id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "user.totp_enrolment",
            ("user", Some(&user_id)),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        let uri = secret.otpauth_uri(&self.auth.totp_issuer, &who.user.username);
        Ok((secret.to_base32(), uri))
    }

    /// Confirms the binding with a first code from the app.
    pub async fn confirm_totp(&self, who: &Authenticated, code: &str, meta: &RequestMeta) -> Result<()> {
        let now = self.now();
        let step = self.totp_secret(&who.user)?.and_then(|s| s.verify(code, now.timestamp(), who.user.totp_last_step));
        let mut tx = self.db.begin().await?;
        let accepted = match step {
            Some(step) => users::use_totp_step(&mut tx, who.user.id, step, true, now).await?,
            None => false,
        };
        if !accepted {
            return Err(AppError::Fields(vec![FieldError::new(
                "code",
                "invalid_totp",
                "动态口令不正确，请核对手机上的 6 位数字",
            )]));
        }
        let user_id = who.user.id.to_string();
        self.audit(&mut tx, meta, Some((&who.user, who.role)), "user.totp_enable", ("user", Some(&user_id)), json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Must this account bind a second factor, or change an expired password, before doing
    /// anything else? `(second factor missing, password expired)`.
    pub async fn obligations(&self, who: &Authenticated) -> Result<(bool, bool)> {
        let settings = self.auth_settings().await?;
        let second_factor = settings.require_second_factor && who.role.is_bureau_side() && !who.user.totp_enabled;
        let expired = settings.password_policy.expired(who.role, who.user.password_changed_at, self.now());
        Ok((second_factor, expired))
    }

    /// The security settings in force: the security administrator's, or the defaults.
    pub async fn security_settings(&self) -> Result<SecuritySettings> {
        match identity::security_settings(&self.db).await? {
            Some(json) => serde_json::from_str(&json).map_err(AppError::internal),
            None => Ok(SecuritySettings::default()),
        }
    }

    /// The authentication settings in force.
    pub async fn auth_settings(&self) -> Result<AuthSettings> {
        Ok(self.auth.with(&self.security_settings().await?))
    }

    /// Changes the security settings (security administrator), each within its bounds.
    pub async fn change_security_settings(
        &self,
        who: &Authenticated,
        new: &SecuritySettings,
        meta: &RequestMeta,
    ) -> Result<()> {
        let errors = new.check();
        if !errors.is_empty() {
            return Err(AppError::Fields(
                errors.into_iter().map(|(field, code, message)| FieldError::new(field, code, message)).collect(),
            ));
        }
        let before = self.security_settings().await?;
        let json = serde_json::to_string(new).map_err(AppError::internal)?;
        let mut tx = self.db.begin().await?;
        identity::put_security_settings(&mut tx, &json, self.now(), &who.user.id.to_string()).await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "security.settings_change",
            ("security_settings", Some("1")),
            json!({ "before": before, "after": new }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a session cookie, if the session is still valid. Loaded afresh on every
    /// request, so a role change or a disabled account takes effect at once.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Authenticated>> {
        let session_hash = sm3_hex(token.as_bytes());
        let Some(session) = identity::session(&self.db, &session_hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let idle_timeout = self.auth_settings().await?.idle_timeout;
        if now >= session.expires_at || now - session.last_seen_at >= idle_timeout {
            let mut tx = self.db.begin().await?;
            identity::delete_session(&mut tx, &session_hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let Some(user) = users::find_by_id(&self.db, session.user_id).await? else {
            return Ok(None);
        };
        if user.disabled || session.pending_second_factor {
            return Ok(None);
        }
        // Written at most once a minute: a read-mostly request should not always write.
        if now - session.last_seen_at >= TimeDelta::minutes(1) {
            identity::touch_session(&self.db, &session_hash, now).await?;
        }
        let role = user.role;
        Ok(Some(Authenticated { user, role, session, session_hash, via_token: None }))
    }

    /// Ends the session, audited.
    pub async fn logout(&self, who: &Authenticated, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.db.begin().await?;
        identity::delete_session(&mut tx, &who.session_hash).await?;
        let user_id = who.user.id.to_string();
        self.audit(&mut tx, meta, Some((&who.user, who.role)), "auth.logout", ("user", Some(&user_id)), json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes one's own password: the current one is required, the new one must satisfy the
    /// policy; every other session of the account ends.
    pub async fn change_password(
        &self,
        who: &Authenticated,
        current: &str,
        new: &SecretString,
        meta: &RequestMeta,
    ) -> Result<()> {
        if !verify_off_thread(current, &who.user.password_hash).await {
            return Err(AppError::Fields(vec![FieldError::new(
                "current_password",
                "current_password_wrong",
                "当前密码不正确",
            )]));
        }
        let new = new.expose_secret();
        if new == current {
            return Err(AppError::Fields(vec![FieldError::new(
                "new_password",
                "password_unchanged",
                "新密码不能与当前密码相同",
            )]));
        }
        self.auth_settings()
            .await?
            .password_policy
            .check(new, &who.user.username)
            .map_err(|e| AppError::Fields(vec![FieldError::new("new_password", e.code(), e.to_string())]))?;
        let hash = self.password_hashing.hash(new)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        users::set_password(&mut tx, who.user.id, &hash, false, now).await?;
        let ended = identity::delete_user_sessions(&mut tx, who.user.id, Some(&who.session_hash)).await?;
        let user_id = who.user.id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "user.password_change",
            ("user", Some(&user_id)),
            json!({ "other_sessions_ended": ended }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn locked(until: DateTime<Utc>, now: DateTime<Utc>) -> AppError {
    let seconds = (until - now).num_seconds().max(1);
    AppError::Locked { retry_after_secs: u32::try_from(seconds).unwrap_or(u32::MAX) }
}

/// An applicant organisation registering itself, with its first account.
#[derive(Debug, Clone)]
pub struct Registration {
    pub uscc: String,
    pub name: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: Option<String>,
    pub username: String,
    pub password: SecretString,
}

/// What registration created.
#[derive(Debug, Clone)]
pub struct Registered {
    pub organization_id: OrganizationId,
    pub uscc: Uscc,
    pub user_id: UserId,
}

/// The answer to a second registration of a USCC: it is taken, and the way to claim it.
pub const USCC_TAKEN: &str =
    "该统一社会信用代码已注册。如贵单位是该代码的合法持有者，可上传营业执照提出归属争议，由经办人核实处理";

const ORGANIZATION_KINDS: [&str; 3] = ["enterprise", "vocational_college", "social_organization"];

pub(crate) fn check_registration(
    input: &Registration,
    policy: &PasswordPolicy,
) -> std::result::Result<Uscc, Vec<FieldError>> {
    let mut errors = Vec::new();
    let uscc = Uscc::parse(&input.uscc).map_err(|e| errors.push(FieldError::new("uscc", e.code(), e.to_string()))).ok();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "name_invalid", "请填写单位名称（不超过 100 字）"));
    }
    if !ORGANIZATION_KINDS.contains(&input.kind.as_str()) {
        errors.push(FieldError::new("kind", "kind_invalid", "单位类型应为企业、职业院校或社会组织"));
    }
    let contact = input.contact_name.trim();
    if contact.is_empty() || contact.chars().count() > 50 {
        errors.push(FieldError::new("contact_name", "contact_name_invalid", "请填写联系人姓名"));
    }
    let phone = input.contact_phone.trim();
    let mobile = phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !mobile {
        errors.push(FieldError::new("contact_phone", "phone_invalid", "请填写 11 位手机号码"));
    }
    if let Some(email) = input.contact_email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let plausible = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.chars().any(char::is_whitespace);
        if !plausible {
            errors.push(FieldError::new("contact_email", "email_invalid", "电子邮箱格式不正确"));
        }
    }
    let username = input.username.trim();
    if let Err(e) = check_username(username) {
        errors.push(FieldError::new("username", e.code(), e.to_string()));
    }
    if let Err(e) = policy.check(input.password.expose_secret(), username) {
        errors.push(FieldError::new("password", e.code(), e.to_string()));
    }
    match uscc {
        Some(uscc) if errors.is_empty() => Ok(uscc),
        _ => Err(errors),
    }
}

impl App {
    /// Self-registration of an applicant organisation (C2.1.0: identified by its 统一社会信用代码)
    /// and its first applicant account. A USCC or username already registered is refused.
    pub async fn register_organization(&self, input: &Registration, meta: &RequestMeta) -> Result<Registered> {
        let uscc = check_registration(input, &self.auth_settings().await?.password_policy).map_err(AppError::Fields)?;
        let hash = self.password_hashing.hash(input.password.expose_secret())?;
        let now = self.now();
        let organization_id = self.new_id::<OrganizationId>();
        let user_id = self.new_id::<UserId>();
        let mut tx = self.db.begin().await?;
        let created = async {
            identity::insert_organization(
                &mut tx,
                &NewOrganization {
                    id: organization_id,
                    uscc: uscc.as_str(),
                    name: input.name.trim(),
                    kind: &input.kind,
                    contact_name: input.contact_name.trim(),
                    contact_phone: input.contact_phone.trim(),
                    contact_email: input.contact_email.as_deref().map(str::trim).filter(|e| !e.is_empty()),
                    at: now,
                },
            )
            .await?;
            users::insert(
                &mut tx,
                &NewUser {
                    id: user_id,
                    username: input.username.trim(),
                    display_name: input.contact_name.trim(),
                    role: Role::Applicant.as_str(),
                    password_hash: &hash,
                    must_change_password: false,
                    organization_id: Some(organization_id),
                    at: now,
                },
            )
            .await
        }
        .await;
        match created {
            Err(StoreError::Conflict { constraint }) if constraint == "organizations_uscc_key" => {
                return Err(AppError::Fields(vec![FieldError::new("uscc", "uscc_taken", USCC_TAKEN)]));
            }
            Err(StoreError::Conflict { constraint }) if constraint == "users_username_key" => {
                return Err(AppError::Fields(vec![FieldError::new("username", "username_taken", "该用户名已被使用")]));
            }
            other => other?,
        }
        let user = users::find_by_id_in(&mut tx, user_id).await?;
        let org_id = organization_id.to_string();
        self.audit(
            &mut tx,
            meta,
            Some((&user, Role::Applicant)),
            "organization.register",
            ("organization", Some(&org_id)),
            json!({ "uscc": uscc.as_str(), "name": input.name.trim(), "kind": input.kind, "username": user.username }),
        )
        .await?;
        tx.commit().await?;
        Ok(Registered { organization_id, uscc, user_id })
    }
}

/// How long a sign-in or re-authentication counts as recent for the actions that ask for it
/// (SEC-08): paying subsidy out, approving a disbursement, issuing plaques.
pub const REAUTHENTICATION_WINDOW: TimeDelta = TimeDelta::minutes(5);

impl App {
    /// The owner of a browser session types their password again; a wrong one is refused and
    /// audited like a failed sign-in.
    pub async fn reauthenticate(&self, who: &Authenticated, password: &str, meta: &RequestMeta) -> Result<()> {
        if who.via_token.is_some() || who.session_hash.is_empty() {
            return Err(AppError::Forbidden {
                code: "browser_session_required",
                message: "请在浏览器中登录后重新验证".into(),
            });
        }
        let ok = verify_off_thread(password, &who.user.password_hash).await;
        let mut tx = self.db.begin().await?;
        let user = who.user.id.to_string();
        if ok {
            identity::set_reauthenticated(&mut tx, &who.session_hash, self.now()).await?;
        }
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            if ok { "auth.reauthenticate" } else { "auth.reauthenticate_failed" },
            ("user", Some(&user)),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        if ok {
            Ok(())
        } else {
            Err(AppError::Fields(vec![FieldError::new("password", "password_wrong", "密码不正确")]))
        }
    }

    /// Refuses (401 `reauth_required`) unless `who` signed in or re-authenticated within
    /// [`REAUTHENTICATION_WINDOW`].
    pub fn require_recent_authentication(&self, who: &Authenticated) -> Result<()> {
        let recent = who.via_token.is_none() && self.now() - who.session.authenticated_at() <= REAUTHENTICATION_WINDOW;
        if recent {
            Ok(())
        } else {
            Err(AppError::Unauthenticated {
                code: "reauth_required",
                message: "此操作涉及资金或证书，请重新输入密码验证身份后再操作".into(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::random_hex;

    /// Session ids, CSRF tokens and invitation codes are 256 bits from the operating system's
    /// random source: 100 000 of them, no two alike (SEC-05).
    #[test]
    fn one_hundred_thousand_session_tokens_are_all_different() {
        let tokens: HashSet<String> = (0..100_000).map(|_| random_hex(32)).collect();
        assert_eq!(tokens.len(), 100_000);
        assert!(tokens.iter().all(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())));
    }
}
