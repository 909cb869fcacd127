//! Configuration in layers, read once into a typed [`Settings`]:
//! built-in defaults < `skillbase.toml` < `SKILLBASE_*` environment < command-line flags.
//!
//! Flags and their environment variables are declared together on the clap structs (clap reads
//! the variable when the flag is absent); the file is merged underneath with figment. Secrets
//! are `SecretString`s: they never appear in `Debug`, logs or `--help`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use clap::Args;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use skillbase_app::Keys;
use skillbase_app::accounts::PasswordHashing;
use skillbase_domain::audit::AuditKey;
use skillbase_domain::seal::DataKey;
use skillbase_store::DbOptions;

/// Every setting, with its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<SecretString>,
    pub database_schema: Option<String>,
    pub db_max_connections: u32,
    pub clock: Option<DateTime<FixedOffset>>,
    pub initial_admin_password: Option<SecretString>,
    pub audit_key: Option<SecretString>,
    pub data_key: Option<SecretString>,
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<SecretString>,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub sign_in_per_minute: u32,
    pub public_writes_per_minute: u32,
    pub uploads_per_minute: u32,
    pub jobs: bool,
    pub job_poll_ms: u64,
    pub job_lease_secs: u64,
    pub audit_anchor_dir: Option<PathBuf>,
    pub objection_contact: Option<String>,
    pub password_hash_memory_kib: u32,
    pub password_hash_iterations: u32,
    pub password_hash_parallelism: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_schema: None,
            db_max_connections: 10,
            clock: None,
            initial_admin_password: None,
            audit_key: None,
            data_key: None,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            log_format: LogFormat::Text,
            log_filter: "info".to_owned(),
            max_body_bytes: 1024 * 1024,
            // The policy's 20 MB per file, plus the multipart envelope.
            max_upload_bytes: 21 * 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 30,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            sign_in_per_minute: 60,
            public_writes_per_minute: 20,
            uploads_per_minute: 60,
            jobs: true,
            job_poll_ms: 1000,
            job_lease_secs: 60,
            audit_anchor_dir: None,
            objection_contact: None,
            // Argon2id's recommended minimum, the argon2 crate's default.
            password_hash_memory_kib: 19456,
            password_hash_iterations: 2,
            password_hash_parallelism: 1,
        }
    }
}

impl Settings {
    /// Where the database is: PostgreSQL when `database_url` says so, else SQLite in `data_dir`.
    pub fn db_options(&self) -> anyhow::Result<DbOptions> {
        match &self.database_url {
            None => Ok(DbOptions::Sqlite { path: self.data_dir.join("skillbase.db") }),
            Some(url) => {
                let url = url.expose_secret();
                if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                    Ok(DbOptions::Postgres { url: url.to_owned(), schema: self.database_schema.clone() })
                } else if let Some(path) = url.strip_prefix("sqlite://") {
                    Ok(DbOptions::Sqlite { path: PathBuf::from(path) })
                } else {
                    anyhow::bail!("DATABASE_URL must start with postgres://, postgresql:// or sqlite://")
                }
            }
        }
    }

    pub fn files_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Where uploaded files are kept: `DATA_DIR/files`, or an S3-compatible bucket when
    /// `s3_endpoint` is set (a build with the `s3` feature).
    pub fn file_store(&self) -> anyhow::Result<skillbase_app::files::FileStore> {
        match &self.s3_endpoint {
            None => Ok(skillbase_app::files::FileStore::local(&self.files_dir())?),
            Some(endpoint) => self.s3_store(endpoint),
        }
    }

    #[cfg(feature = "s3")]
    fn s3_store(&self, endpoint: &str) -> anyhow::Result<skillbase_app::files::FileStore> {
        let need = |value: &Option<String>, name: &str| {
            value.clone().ok_or_else(|| anyhow::anyhow!("s3_endpoint is set but {name} is not"))
        };
        let config = skillbase_app::files::S3Config {
            endpoint: endpoint.to_owned(),
            bucket: need(&self.s3_bucket, "s3_bucket")?,
            region: self.s3_region.clone(),
            access_key_id: need(&self.s3_access_key_id, "s3_access_key_id")?,
            secret_access_key: self
                .s3_secret_access_key
                .clone()
                .ok_or_else(|| anyhow::anyhow!("s3_endpoint is set but s3_secret_access_key is not"))?,
            allow_http: endpoint.starts_with("http://"),
        };
        Ok(skillbase_app::files::FileStore::s3(config)?)
    }

    #[cfg(not(feature = "s3"))]
    fn s3_store(&self, _endpoint: &str) -> anyhow::Result<skillbase_app::files::FileStore> {
        anyhow::bail!("s3_endpoint is set, but this build has no S3 support: build with `--features s3`")
    }

    /// The cost of new password hashes, refused if Argon2 cannot use it.
    pub fn password_hashing(&self) -> anyhow::Result<PasswordHashing> {
        PasswordHashing::new(
            self.password_hash_memory_kib,
            self.password_hash_iterations,
            self.password_hash_parallelism,
        )
        .map_err(|e| {
            anyhow::anyhow!("password_hash_memory_kib, password_hash_iterations, password_hash_parallelism: {e}")
        })
    }

    /// The keys kept outside the database: each configured, or else kept in a file under
    /// `DATA_DIR/keys/` created on first use (readable by the owner only).
    pub fn keys(&self) -> anyhow::Result<Keys> {
        let audit =
            key_from(&self.audit_key, &self.data_dir.join("keys").join("audit.key"), "SKILLBASE_AUDIT_KEY", 32)?;
        let data = key_from(&self.data_key, &self.data_dir.join("keys").join("data.key"), "SKILLBASE_DATA_KEY", 16)?;
        Ok(Keys {
            audit: AuditKey::from_bytes(audit.try_into().map_err(|_| anyhow::anyhow!("audit key length"))?),
            data: DataKey::new(1, data.try_into().map_err(|_| anyhow::anyhow!("data key length"))?),
        })
    }
}

/// A key of `len` bytes: the configured hex, or the key file, created with random bytes if absent.
fn key_from(configured: &Option<SecretString>, path: &Path, variable: &str, len: usize) -> anyhow::Result<Vec<u8>> {
    let decode = |hex: &str| -> Option<Vec<u8>> {
        let hex = hex.trim();
        (hex.len() == 2 * len && hex.is_ascii())
            .then(|| (0..len).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect())
            .flatten()
    };
    if let Some(hex) = configured {
        return decode(hex.expose_secret())
            .ok_or_else(|| anyhow::anyhow!("{variable} must be {} hexadecimal digits", 2 * len));
    }
    if path.exists() {
        let hex = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the key {}: {e}", path.display()))?;
        return decode(&hex)
            .ok_or_else(|| anyhow::anyhow!("the key file {} is not {} hex digits", path.display(), 2 * len));
    }
    let bytes = skillbase_app::random_bytes(len);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, hex.as_bytes())?;
    tracing::info!(path = %path.display(), "generated a key; back it up with the data, never with the database alone");
    Ok(bytes)
}

/// Writes a file readable by its owner only: write, fsync, then rename into place.
fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().ok_or_else(|| anyhow::anyhow!("{} has no parent", path.display()))?;
    std::fs::create_dir_all(dir)?;
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)?;
    Ok(())
}

/// Settings every command shares: where the configuration and the data are.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct CommonArgs {
    /// Configuration file (TOML, keys as the flag names with `_`). [default: ./skillbase.toml if present]
    #[arg(long, env = "SKILLBASE_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,

    /// Directory of the SQLite database and stored files. [default: ./data]
    #[arg(long, env = "SKILLBASE_DATA_DIR", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,

    /// PostgreSQL (`postgres://user@host/db`) instead of the embedded SQLite. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,

    /// PostgreSQL schema to work in instead of `public`.
    #[arg(long, env = "SKILLBASE_DATABASE_SCHEMA", value_name = "NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_schema: Option<String>,

    /// Largest number of database connections. [default: 10]
    #[arg(long, env = "SKILLBASE_DB_MAX_CONNECTIONS", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_max_connections: Option<u32>,

    /// Key of the audit chain's HMAC-SM3, 64 hex digits. Several instances must share one.
    /// Never printed. [default: generated once into DATA_DIR/keys/audit.key]
    #[arg(long, env = "SKILLBASE_AUDIT_KEY", hide_env_values = true, value_name = "HEX")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_key: Option<String>,

    /// Key that seals sensitive values at rest (SM4-GCM), 32 hex digits. Several instances must
    /// share one. Never printed. [default: generated once into DATA_DIR/keys/data.key]
    #[arg(long, env = "SKILLBASE_DATA_KEY", hide_env_values = true, value_name = "HEX")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_key: Option<String>,

    /// Keep uploaded files in this S3-compatible service (e.g. http://127.0.0.1:9000) instead of
    /// DATA_DIR/files. Needs a build with `--features s3`.
    #[arg(long, env = "SKILLBASE_S3_ENDPOINT", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_endpoint: Option<String>,

    /// The bucket for uploaded files (with s3_endpoint).
    #[arg(long, env = "SKILLBASE_S3_BUCKET", value_name = "NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,

    /// The S3 region. [default: us-east-1]
    #[arg(long, env = "SKILLBASE_S3_REGION", value_name = "REGION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_region: Option<String>,

    /// The S3 access key id.
    #[arg(long, env = "SKILLBASE_S3_ACCESS_KEY_ID", value_name = "ID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_access_key_id: Option<String>,

    /// The S3 secret access key.
    #[arg(long, env = "SKILLBASE_S3_SECRET_ACCESS_KEY", hide_env_values = true, value_name = "SECRET")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_secret_access_key: Option<String>,

    /// Log lines as text or JSON. [default: text]
    #[arg(long, env = "SKILLBASE_LOG_FORMAT", value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,

    /// Which log lines to keep (tracing filter syntax; RUST_LOG wins if set). [default: info]
    #[arg(long, env = "SKILLBASE_LOG_FILTER", value_name = "FILTER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_filter: Option<String>,
}

/// `skillbase serve`: every server setting.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct ServeArgs {
    #[command(flatten)]
    #[serde(flatten)]
    pub common: CommonArgs,

    /// Address to listen on. [default: 127.0.0.1:8080]
    #[arg(long, env = "SKILLBASE_BIND", value_name = "ADDR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,

    /// Fix "now" at this instant (RFC 3339, e.g. 2024-10-11T23:59:00+08:00) for demos and tests.
    /// Never use in production: deadlines and notices follow this clock.
    #[arg(long, env = "SKILLBASE_CLOCK", value_name = "RFC3339")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<DateTime<FixedOffset>>,

    /// Password of the `admin` account created on first start (otherwise one is generated and
    /// printed once). Never printed.
    #[arg(long, env = "SKILLBASE_INITIAL_ADMIN_PASSWORD", hide_env_values = true, value_name = "PASSWORD")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_admin_password: Option<String>,

    /// Largest accepted request body in bytes (uploads have their own limit). [default: 1048576]
    #[arg(long, env = "SKILLBASE_MAX_BODY_BYTES", value_name = "BYTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<usize>,

    /// Largest accepted upload request (`POST …/attachments`) in bytes; each file must also fit
    /// the policy's per-file limit. [default: 22020096]
    #[arg(long, env = "SKILLBASE_MAX_UPLOAD_BYTES", value_name = "BYTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_upload_bytes: Option<usize>,

    /// Seconds before a request is answered 408. [default: 30]
    #[arg(long, env = "SKILLBASE_REQUEST_TIMEOUT_SECS", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_timeout_secs: Option<u64>,

    /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C. [default: 30]
    #[arg(long, env = "SKILLBASE_SHUTDOWN_GRACE_SECS", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_grace_secs: Option<u64>,

    /// Mark the session cookie `Secure`: set when users reach the platform over HTTPS (e.g. through
    /// a TLS gateway). [default: false]
    #[arg(long, env = "SKILLBASE_SECURE_COOKIES", value_name = "BOOL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,

    /// Addresses of the gateways / load balancers whose X-Forwarded-For is believed (comma
    /// separated). Others' X-Forwarded-For is ignored. [default: none]
    #[arg(long, env = "SKILLBASE_TRUSTED_PROXIES", value_delimiter = ',', value_name = "IP,IP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,

    /// Sign-in attempts per minute from one address before 429. [default: 60]
    #[arg(long, env = "SKILLBASE_SIGN_IN_PER_MINUTE", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_per_minute: Option<u32>,

    /// Anonymous form submissions (registration, objections) per minute from one address. [default: 20]
    #[arg(long, env = "SKILLBASE_PUBLIC_WRITES_PER_MINUTE", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_writes_per_minute: Option<u32>,

    /// File uploads per minute from one address. [default: 60]
    #[arg(long, env = "SKILLBASE_UPLOADS_PER_MINUTE", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads_per_minute: Option<u32>,

    /// Run background jobs (deadlines, notice closing) in this instance. [default: true]
    #[arg(long, env = "SKILLBASE_JOBS", value_name = "BOOL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<bool>,

    /// Milliseconds between polls of the job queue when it is idle. [default: 1000]
    #[arg(long, env = "SKILLBASE_JOB_POLL_MS", value_name = "MS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_poll_ms: Option<u64>,

    /// Seconds a claimed job stays leased to its runner. [default: 60]
    #[arg(long, env = "SKILLBASE_JOB_LEASE_SECS", value_name = "SECONDS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_lease_secs: Option<u64>,

    /// Also write each day's signed head of the audit chain (SM2) into this directory — a mount
    /// of another machine or removable media, so a copy lives off this box.
    #[arg(long, env = "SKILLBASE_AUDIT_ANCHOR_DIR", value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_anchor_dir: Option<PathBuf>,

    /// Where objections to a public notice may be sent on paper: the office's postal address and
    /// telephone, printed on the notice (e.g. "上海市青浦区…号 职业能力建设科，邮编 201700，
    /// 电话 021-…").
    #[arg(long, env = "SKILLBASE_OBJECTION_CONTACT", value_name = "TEXT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objection_contact: Option<String>,

    /// Memory of each new password hash (Argon2id), in KiB; at least 8 per lane. Stored hashes
    /// keep the parameters they were made with. [default: 19456]
    #[arg(long, env = "SKILLBASE_PASSWORD_HASH_MEMORY_KIB", value_name = "KIB")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash_memory_kib: Option<u32>,

    /// Passes of each new password hash (Argon2id), at least 1. [default: 2]
    #[arg(long, env = "SKILLBASE_PASSWORD_HASH_ITERATIONS", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash_iterations: Option<u32>,

    /// Lanes of each new password hash (Argon2id), at least 1. [default: 1]
    #[arg(long, env = "SKILLBASE_PASSWORD_HASH_PARALLELISM", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash_parallelism: Option<u32>,
}

/// Merges the layers. `overrides` are the flags (and the environment variables clap read).
pub fn load(config: Option<&Path>, overrides: &impl Serialize) -> anyhow::Result<Settings> {
    let mut figment = Figment::new();
    match config {
        Some(path) => {
            anyhow::ensure!(path.exists(), "configuration file {} not found", path.display());
            figment = figment.merge(Toml::file_exact(path));
        }
        None if Path::new("skillbase.toml").exists() => figment = figment.merge(Toml::file_exact("skillbase.toml")),
        None => {}
    }
    let settings: Settings =
        figment.merge(Serialized::defaults(overrides)).extract().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(not(feature = "s3"))]
    fn an_s3_endpoint_without_s3_support_is_refused_clearly() {
        let settings = Settings { s3_endpoint: Some("http://127.0.0.1:9000".into()), ..Settings::default() };
        let error = settings.file_store().expect_err("no S3 in this build");
        assert!(error.to_string().contains("--features s3"), "{error}");
    }

    #[test]
    fn defaults_then_file_then_flags() {
        let dir = std::env::temp_dir().join(format!("skillbase-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("skillbase.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\njob_poll_ms = 250\ndata_dir = \"/srv/skillbase\"\n")
            .expect("write");

        let only_file = load(Some(&file), &ServeArgs::default()).expect("loads");
        assert_eq!(only_file.bind, "0.0.0.0:9000".parse().expect("addr"));
        assert_eq!(only_file.job_poll_ms, 250);
        assert_eq!(only_file.request_timeout_secs, 30, "untouched settings keep their default");

        let flags = ServeArgs { bind: Some("127.0.0.1:7000".parse().expect("addr")), ..ServeArgs::default() };
        let both = load(Some(&file), &flags).expect("loads");
        assert_eq!(both.bind, "127.0.0.1:7000".parse().expect("addr"));
        assert_eq!(both.data_dir, PathBuf::from("/srv/skillbase"));

        std::fs::write(&file, "bnid = \"0.0.0.0:9000\"\n").expect("write");
        let typo = load(Some(&file), &ServeArgs::default()).expect_err("unknown key refused");
        assert!(typo.to_string().contains("bnid"), "{typo}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn password_hashing_defaults_to_argon2_s_and_refuses_zero() {
        let default = Settings::default().password_hashing().expect("the default");
        assert_eq!(default, PasswordHashing::default());
        assert!(!default.weaker_than_default());
        let flags = ServeArgs { password_hash_memory_kib: Some(0), ..ServeArgs::default() };
        let zero = load(None, &flags).expect("loads").password_hashing().expect_err("no memory is refused");
        assert!(zero.to_string().contains("m=0"), "{zero}");
        let flags = ServeArgs { password_hash_iterations: Some(0), ..ServeArgs::default() };
        assert!(load(None, &flags).expect("loads").password_hashing().is_err(), "no pass is refused");
    }

    #[test]
    fn secrets_never_print() {
        let flags = ServeArgs {
            initial_admin_password: Some("Sup3r-secret-pass".into()),
            common: CommonArgs { database_url: Some("postgres://u:hunter2@db/x".into()), ..CommonArgs::default() },
            ..ServeArgs::default()
        };
        let settings = load(Some(Path::new("/nonexistent/none.toml")), &flags);
        assert!(settings.is_err(), "an explicit missing file is an error");
        let settings = load(None, &flags).expect("loads");
        let printed = format!("{settings:?}");
        assert!(!printed.contains("Sup3r") && !printed.contains("hunter2"), "{printed}");
    }
}
