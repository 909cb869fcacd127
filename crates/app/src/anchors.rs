//! The bureau's SM2 key and the daily anchor of the audit chain (SEC-36).
//!
//! The key is generated at first use, and its secret is stored only sealed with the data key
//! (kept outside the database). Each day a job signs the chain's head and stores the signed
//! head; when an anchor directory is configured (a mount of another machine, or removable
//! media), it also writes the signed head there as a small JSON file, so a copy lives off the
//! box. `verify_anchors` checks every stored anchor against the chain as it is now.

use std::path::Path;

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use serde::Serialize;
use skillbase_domain::anchor::{self, AnchorStatement, BureauKey};
use skillbase_domain::clock::{shanghai, shanghai_date};
use skillbase_store::anchors::{self as store, Anchor, StoredKey};
use skillbase_store::jobs::NewJob;
use skillbase_store::{StoreError, Tx, audit};

use crate::{App, AppError, Result};

/// The job that anchors the chain once a day.
pub const ANCHOR_JOB: &str = "audit.anchor";
/// The purpose under which the bureau's key is stored (plaques will be signed by the same key).
pub const BUREAU_KEY: &str = "bureau";

/// A signed head, as written off the box and as checked.
#[derive(Debug, Clone, Serialize)]
pub struct SignedHead {
    pub day: String,
    pub seq: i64,
    pub hash: String,
    pub public_key: String,
    pub signature: String,
    pub dist_id: &'static str,
}

/// What checking the anchors found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnchorReport {
    pub checked: u64,
    /// The first anchor that does not hold, in words.
    pub problem: Option<String>,
}

impl App {
    /// The bureau's key, created (and stored sealed) at first use.
    pub async fn bureau_key(&self) -> Result<(String, BureauKey)> {
        if let Some(stored) = store::key(&self.db, BUREAU_KEY).await? {
            return self.open_key(&stored);
        }
        let key = BureauKey::generate(&mut rand::rngs::OsRng);
        let id = uuid_like();
        let nonce: [u8; 12] = crate::random_bytes(12).try_into().unwrap_or([0; 12]);
        let stored = StoredKey {
            id: id.clone(),
            purpose: BUREAU_KEY.to_owned(),
            public_key: key.public_key_hex(),
            sealed_secret: self.data_key.seal(nonce, &key.secret_bytes(), &context(&id)),
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        let inserted = store::insert_key(&mut tx, &stored).await?;
        tx.commit().await?;
        if inserted {
            return Ok((id, key));
        }
        // Another instance made one first: use that.
        let stored = store::key(&self.db, BUREAU_KEY).await?.ok_or_else(|| corrupt("the bureau key vanished"))?;
        self.open_key(&stored)
    }

    fn open_key(&self, stored: &StoredKey) -> Result<(String, BureauKey)> {
        let secret = self.data_key.open(&stored.sealed_secret, &context(&stored.id)).map_err(AppError::internal)?;
        let key = BureauKey::from_secret_bytes(&secret).map_err(AppError::internal)?;
        if key.public_key_hex() != stored.public_key {
            return Err(corrupt("the stored public key does not match the sealed secret"));
        }
        Ok((stored.id.clone(), key))
    }

    /// The published public key (SEC1 hex).
    pub async fn bureau_public_key(&self) -> Result<String> {
        Ok(self.bureau_key().await?.1.public_key_hex())
    }

    /// Signs today's head of the chain (once per day) and copies it to the anchor directory if
    /// one is configured.
    pub async fn anchor_audit_chain(&self, tx: &mut Tx) -> Result<Option<SignedHead>> {
        let anchor_dir = self.anchor_dir.as_deref();
        let (seq, hash) = audit::head(&self.db).await?;
        if seq < 1 {
            return Ok(None);
        }
        let (key_id, key) = self.bureau_key().await?;
        let statement = AnchorStatement { day: shanghai_date(self.now()), seq, hash };
        let signature = key.sign(&statement);
        let day = statement.day.format("%Y-%m-%d").to_string();
        let row = Anchor {
            day: day.clone(),
            seq,
            hash: statement.hash.clone(),
            key_id,
            signature: signature.clone(),
            created_at: self.now(),
        };
        if !store::insert_anchor(tx, &row).await? {
            return Ok(None);
        }
        let head = SignedHead {
            day,
            seq,
            hash: statement.hash,
            public_key: key.public_key_hex(),
            signature,
            dist_id: anchor::DIST_ID,
        };
        if let Some(dir) = anchor_dir {
            write_off_box(dir, &head).map_err(AppError::internal)?;
        }
        Ok(Some(head))
    }

    /// Schedules the next anchor (00:10 Asia/Shanghai of the next day), once.
    pub async fn schedule_anchor(&self, tx: &mut Tx, after: DateTime<Utc>) -> Result<()> {
        let next_day = shanghai_date(after) + TimeDelta::days(1);
        let at = next_day.and_time(NaiveTime::from_hms_opt(0, 10, 0).unwrap_or_default());
        let run_at = shanghai().from_local_datetime(&at).single().map_or(after, |t| t.with_timezone(&Utc));
        let dedupe = format!("{ANCHOR_JOB}:{next_day}");
        self.enqueue(
            tx,
            &NewJob { kind: ANCHOR_JOB, payload: "{}", dedupe_key: Some(&dedupe), run_at, max_attempts: 20 },
        )
        .await?;
        Ok(())
    }

    /// At start: make sure an anchor is scheduled (today's, if the day has none yet).
    pub async fn ensure_anchor_scheduled(&self) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let today = shanghai_date(self.now());
        let dedupe = format!("{ANCHOR_JOB}:{today}");
        self.enqueue(
            &mut tx,
            &NewJob {
                kind: ANCHOR_JOB,
                payload: "{}",
                dedupe_key: Some(&dedupe),
                run_at: self.now(),
                max_attempts: 20,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks every anchor: its signature, and that the chain still has that hash at that
    /// position.
    pub async fn verify_anchors(&self) -> Result<AnchorReport> {
        let mut report = AnchorReport::default();
        for (a, public_key) in store::anchors(&self.db).await? {
            let day = chrono::NaiveDate::parse_from_str(&a.day, "%Y-%m-%d").map_err(|_| corrupt("anchor day"))?;
            let statement = AnchorStatement { day, seq: a.seq, hash: a.hash.clone() };
            if let Err(e) = anchor::verify(&public_key, &statement, &a.signature) {
                report.problem = Some(format!("{} 的链头签名无效：{e}", a.day));
                break;
            }
            match store::chain_hash_at(&self.db, a.seq).await? {
                Some(hash) if hash == a.hash => {}
                _ => {
                    report.problem = Some(format!("{} 签名确认的第 {} 条记录与现存记录不符", a.day, a.seq));
                    break;
                }
            }
            report.checked += 1;
        }
        Ok(report)
    }
}

/// How long what the retention purge removes is kept after it stopped being needed.
pub const RETENTION: TimeDelta = TimeDelta::days(30);

impl App {
    /// The daily retention purge (SEC-33, SEC-38): ended sessions, old idempotency keys,
    /// failed-login counters and unused invitations past [`RETENTION`]. The audit trail is never
    /// purged: it is append-only and kept for good (at least the six months the law asks).
    pub async fn purge_expired(&self, tx: &mut Tx) -> Result<skillbase_store::retention::Purged> {
        let now = self.now();
        let purged = skillbase_store::retention::purge(tx, now, now - RETENTION).await?;
        self.audit(
            tx,
            &crate::auth::RequestMeta::default(),
            None,
            "retention.purge",
            ("retention", None),
            serde_json::json!({
                "sessions": purged.sessions, "idempotency_keys": purged.idempotency_keys,
                "login_throttle": purged.login_throttle, "invitations": purged.invitations,
                "kept": "audit_log", "retention_days": RETENTION.num_days(),
            }),
        )
        .await?;
        Ok(purged)
    }
}

/// The handler of [`ANCHOR_JOB`]: the day's maintenance — the retention purge, then the anchor
/// of today's head — and tomorrow's run scheduled.
pub fn anchor_handler() -> crate::jobs::Handler {
    std::sync::Arc::new(|app, _job, mut tx| {
        Box::pin(async move {
            app.purge_expired(&mut tx).await.map_err(|e| e.to_string())?;
            app.anchor_audit_chain(&mut tx).await.map_err(|e| e.to_string())?;
            let now = app.now();
            app.schedule_anchor(&mut tx, now).await.map_err(|e| e.to_string())?;
            Ok(tx)
        })
    })
}

fn write_off_box(dir: &Path, head: &SignedHead) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("audit-anchor-{}.json", head.day));
    let temp = dir.join(format!(".audit-anchor-{}.json.tmp", head.day));
    let mut file = std::fs::File::create(&temp)?;
    file.write_all(serde_json::to_string_pretty(head).unwrap_or_default().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(temp, path)
}

fn context(id: &str) -> String {
    format!("signing_keys:{id}")
}

fn uuid_like() -> String {
    crate::random_bytes(16).iter().map(|b| format!("{b:02x}")).collect()
}

fn corrupt(what: &str) -> AppError {
    AppError::internal(StoreError::Corrupt(what.to_owned()))
}
