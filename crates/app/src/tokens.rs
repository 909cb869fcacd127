//! Personal API tokens: created by a signed-in user for scripts and other systems, shown once,
//! stored as an SM3 hash, expiring, revocable; used as `Authorization: Bearer`.

use chrono::TimeDelta;
use serde_json::json;
use skillbase_domain::audit::sm3_hex;
use skillbase_domain::security::TOKEN_DAYS;
use skillbase_store::identity::Session;
use skillbase_store::{tokens, users};

use crate::auth::{Authenticated, RequestMeta};
use crate::{App, AppError, FieldError, Result};

pub use skillbase_store::tokens::ApiToken;

/// Tokens start with this, so they are easy to recognise (and to find in leaked text).
pub const PREFIX: &str = "sbt_";

impl App {
    /// Creates a token valid for `days` (1–365); returns it with its value, shown only now.
    pub async fn create_token(
        &self,
        who: &Authenticated,
        name: &str,
        days: i64,
        meta: &RequestMeta,
    ) -> Result<(ApiToken, String)> {
        let name = name.trim();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > 50 {
            errors.push(FieldError::new("name", "name_invalid", "请填写令牌用途（不超过 50 字）"));
        }
        if !TOKEN_DAYS.contains(&days) {
            errors.push(FieldError::new(
                "expires_in_days",
                "days_out_of_range",
                format!("有效期应为 {} 至 {} 天", TOKEN_DAYS.start(), TOKEN_DAYS.end()),
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::Fields(errors));
        }
        let value: String = crate::random_bytes(24).iter().map(|b| format!("{b:02x}")).collect();
        let token = format!("{PREFIX}{value}");
        let id: String = crate::random_bytes(8).iter().map(|b| format!("{b:02x}")).collect();
        let now = self.now();
        let expires_at = now + TimeDelta::days(days);
        let mut tx = self.db.begin().await?;
        tokens::insert(&mut tx, &id, who.user.id, name, &sm3_hex(token.as_bytes()), now, expires_at).await?;
        self.audit(
            &mut tx,
            meta,
            Some((&who.user, who.role)),
            "token.create",
            ("api_token", Some(&id)),
            json!({ "name": name, "expires_in_days": days }),
        )
        .await?;
        tx.commit().await?;
        let created = ApiToken {
            id,
            user_id: who.user.id,
            name: name.to_owned(),
            created_at: now,
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        Ok((created, token))
    }

    pub async fn tokens_of(&self, who: &Authenticated) -> Result<Vec<ApiToken>> {
        Ok(tokens::of_user(&self.db, who.user.id).await?)
    }

    /// Revokes one of the user's own tokens (another user's token id is "not found").
    pub async fn revoke_token(&self, who: &Authenticated, id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if !tokens::revoke(&mut tx, id, who.user.id, self.now()).await? {
            return Err(AppError::NotFound("令牌不存在或已撤销"));
        }
        self.audit(&mut tx, meta, Some((&who.user, who.role)), "token.revoke", ("api_token", Some(id)), json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user behind a bearer token, if it is live and its account enabled.
    pub async fn authenticate_token(&self, token: &str) -> Result<Option<Authenticated>> {
        if !token.starts_with(PREFIX) {
            return Ok(None);
        }
        let Some(found) = tokens::by_hash(&self.db, &sm3_hex(token.as_bytes())).await? else {
            return Ok(None);
        };
        let now = self.now();
        if found.revoked_at.is_some() || now >= found.expires_at {
            return Ok(None);
        }
        let Some(user) = users::find_by_id(&self.db, found.user_id).await?.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        if found.last_used_at.is_none_or(|used| now - used >= TimeDelta::minutes(1)) {
            tokens::touch(&self.db, &found.id, now).await?;
        }
        let role = user.role;
        // A token carries no browser session: no cookie, so no CSRF token either.
        let session = Session {
            user_id: user.id,
            pending_second_factor: false,
            csrf_token: String::new(),
            created_at: found.created_at,
            last_seen_at: now,
            expires_at: found.expires_at,
            // A token never counts as a recent sign-in: paying out and issuing plaques need a
            // person at a browser (SEC-08).
            reauthenticated_at: None,
        };
        Ok(Some(Authenticated { user, role, session, session_hash: String::new(), via_token: Some(found.id) }))
    }
}
