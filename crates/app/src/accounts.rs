//! Accounts. This release has only what first start needs: the system administrator.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use skillbase_domain::ids::UserId;
use skillbase_store::{audit, users};

use crate::{App, AppError, Result};

/// The account created on first start.
pub const INITIAL_ADMIN: &str = "admin";

/// What first start did about the administrator account.
#[derive(Debug)]
pub enum Bootstrap {
    /// Accounts exist already: nothing was done.
    AlreadyInitialised,
    /// `admin` was created with the configured password.
    CreatedWithConfiguredPassword,
    /// `admin` was created with this generated one-time password, to be shown once.
    CreatedWithGeneratedPassword(SecretString),
}

impl App {
    /// On first start (no accounts at all) creates the sysadmin `admin`, who must change the
    /// password at first login. Two instances starting together create it once: the second
    /// insert hits the unique username and is treated as "already initialised".
    #[tracing::instrument(skip_all)]
    pub async fn bootstrap_admin(&self, configured: Option<&SecretString>) -> Result<Bootstrap> {
        if users::count(&self.db).await? > 0 {
            return Ok(Bootstrap::AlreadyInitialised);
        }
        let (password, generated) = match configured {
            Some(p) => (p.clone(), false),
            None => (generate_password(), true),
        };
        let hash = self.password_hashing.hash(password.expose_secret())?;
        let id = self.new_id::<UserId>();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let inserted = users::insert(
            &mut tx,
            &users::NewUser {
                id,
                username: INITIAL_ADMIN,
                display_name: "系统管理员",
                role: "sysadmin",
                password_hash: &hash,
                must_change_password: true,
                organization_id: None,
                at: now,
            },
        )
        .await;
        match inserted {
            Err(skillbase_store::StoreError::Conflict { .. }) => {
                return Ok(Bootstrap::AlreadyInitialised);
            }
            other => other?,
        }
        let id_text = id.to_string();
        let detail = json!({ "username": INITIAL_ADMIN, "role": "sysadmin", "password": if generated { "generated" } else { "configured" } }).to_string();
        crate::events::check("user.bootstrap").map_err(crate::AppError::internal)?;
        audit::append(
            &mut tx,
            &self.audit_key,
            &audit::AuditRecord {
                at: now,
                action: "user.bootstrap",
                object_type: "user",
                object_id: Some(&id_text),
                detail: &detail,
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(if generated {
            Bootstrap::CreatedWithGeneratedPassword(password)
        } else {
            Bootstrap::CreatedWithConfiguredPassword
        })
    }
}

/// The cost of Argon2id for new password hashes: memory in KiB, passes and lanes. The default is
/// the argon2 crate's (and OWASP's minimum): m=19456 KiB (19 MiB), t=2, p=1. Each hash records
/// its own parameters (`$argon2id$v=19$m=…,t=…,p=…$…`) and [`verify_password`] reads them from
/// there, so hashes made with other parameters keep verifying after these change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHashing {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

impl PasswordHashing {
    /// Refuses what Argon2 cannot compute: no pass, no lane, or less than 8 KiB per lane.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> std::result::Result<Self, String> {
        argon2::Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| format!("Argon2 cannot use m={memory_kib} KiB, t={iterations}, p={parallelism}: {e}"))?;
        Ok(PasswordHashing { memory_kib, iterations, parallelism })
    }

    /// Cheaper than the default in memory or passes: for tests, never for real passwords.
    pub fn weaker_than_default(&self) -> bool {
        let default = PasswordHashing::default();
        self.memory_kib < default.memory_kib || self.iterations < default.iterations
    }

    /// Argon2id of `password` with a fresh salt, as a PHC string.
    pub fn hash(&self, password: &str) -> Result<String> {
        let params = argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(AppError::internal)?;
        let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        argon2.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::Invalid {
            code: "password_unusable",
            field: Some("password"),
            message: format!("密码无法使用：{e}"),
        })
    }
}

/// Checks a password against a stored hash in constant time, with the parameters the hash
/// records.
pub fn verify_password(password: &str, stored: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(stored)
        .map(|hash| argon2::Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
        .unwrap_or(false)
}

/// A 20-character one-time password from the OS random source, with upper- and lower-case
/// letters and digits (no look-alikes such as 0/O or 1/l), so it meets the default policy.
pub fn generate_password() -> SecretString {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = OsRng;
    loop {
        let all: Vec<u8> = [UPPER, LOWER, DIGITS].concat();
        let candidate: String = (0..20).map(|_| all[rng.gen_range(0..all.len())] as char).collect();
        let has = |set: &[u8]| candidate.bytes().any(|b| set.contains(&b));
        if has(UPPER) && has(LOWER) && has(DIGITS) {
            return SecretString::from(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_mixed_and_different() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose_secret().chars().count(), 20);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().chars().any(|c| c.is_ascii_digit()));
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = PasswordHashing::default().hash("correct horse 42 Battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_password("correct horse 42 Battery", &hash));
        assert!(!verify_password("correct horse 42 battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn a_hash_verifies_with_the_parameters_it_records() {
        let cheap = PasswordHashing::new(8, 1, 1).expect("the least Argon2 takes");
        assert!(cheap.weaker_than_default() && !PasswordHashing::default().weaker_than_default());
        let hash = cheap.hash("correct horse 42 Battery").expect("hashes");
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(verify_password("correct horse 42 Battery", &hash));
        assert!(!verify_password("correct horse 42 battery", &hash));
        // A hash made before with other parameters still verifies.
        let stronger =
            PasswordHashing::new(19456, 3, 1).expect("parameters").hash("another 42 Password").expect("hash");
        assert!(stronger.contains("$m=19456,t=3,p=1$") && verify_password("another 42 Password", &stronger));
    }

    #[test]
    fn parameters_argon2_cannot_use_are_refused() {
        for (m, t, p) in [(0, 2, 1), (19456, 0, 1), (19456, 2, 0), (7, 1, 1), (15, 1, 2)] {
            assert!(PasswordHashing::new(m, t, p).is_err(), "m={m}, t={t}, p={p}");
        }
    }
}
