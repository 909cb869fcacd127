//! Start-up, serving and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use skillbase_app::accounts::Bootstrap;
use skillbase_app::jobs::{Runner, RunnerConfig};
use skillbase_app::{App, SystemClock};
use skillbase_domain::{Clock, FixedClock};
use skillbase_store::Db;
use skillbase_web::{AppState, HttpConfig, Metrics};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Settings;

/// A started server.
#[derive(Debug)]
pub struct Running {
    /// The address actually bound (useful with port 0).
    pub addr: SocketAddr,
    pub app: App,
    stop: watch::Sender<bool>,
    server: JoinHandle<anyhow::Result<()>>,
    runner: Option<JoinHandle<()>>,
}

/// The clock the settings ask for: the system clock, or a fixed instant (loudly).
pub fn clock_from(settings: &Settings) -> Arc<dyn Clock> {
    match settings.clock {
        None => Arc::new(SystemClock),
        Some(at) => {
            tracing::warn!(
                clock = %at,
                "THE CLOCK IS FIXED at {at}: every deadline, notice and timestamp uses this instant. \
                 For demos and tests only, never in production."
            );
            Arc::new(FixedClock::new(at.to_utc()))
        }
    }
}

/// Opens the database (checking it is safe, migrating it), creates the first administrator if
/// there is none, and starts serving and running jobs.
pub async fn start(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let db_options = settings.db_options()?;
    if matches!(db_options, skillbase_store::DbOptions::Sqlite { .. }) {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    }
    let files_dir = settings.files_dir();
    std::fs::create_dir_all(&files_dir).with_context(|| format!("creating {}", files_dir.display()))?;

    let keys = settings.keys()?;
    let password_hashing = settings.password_hashing()?;
    let db = Db::open(&db_options, settings.db_max_connections).await.context("opening the database")?;
    tracing::info!(engine = db.engine().as_str(), "database open, migrations applied");
    let files = settings.file_store()?;
    let mut app = App::new(db, clock, files_dir, files, keys);
    app.anchor_dir = settings.audit_anchor_dir.clone();
    app.objection_contact = settings.objection_contact.clone().filter(|c| !c.trim().is_empty());
    app.password_hashing = password_hashing;
    if password_hashing.weaker_than_default() {
        tracing::warn!(
            "PASSWORD HASHES ARE CHEAPER than Argon2id's recommended m=19456 KiB, t=2: \
             for tests only, never in production"
        );
    }
    app.ensure_builtin_policy().await.context("storing the built-in policy version")?;

    match app.bootstrap_admin(settings.initial_admin_password.as_ref()).await? {
        Bootstrap::AlreadyInitialised => {}
        Bootstrap::CreatedWithConfiguredPassword => {
            tracing::info!("first start: system administrator `admin` created with the configured password");
        }
        Bootstrap::CreatedWithGeneratedPassword(password) => {
            tracing::info!("first start: system administrator `admin` created; one-time password shown on the console");
            print_once(password.expose_secret());
        }
    }

    // The bureau's SM2 key exists from the first start (its public key is published); an
    // instance that runs jobs makes sure the daily anchor of the audit chain is scheduled.
    app.bureau_key().await.context("the bureau's signing key")?;
    if settings.jobs {
        app.ensure_anchor_scheduled().await.context("scheduling the audit anchor")?;
    }

    let (stop, stopped) = watch::channel(false);
    let runner = settings.jobs.then(|| {
        let config = RunnerConfig {
            lease: chrono::TimeDelta::seconds(i64::try_from(settings.job_lease_secs).unwrap_or(60)),
            poll_interval: Duration::from_millis(settings.job_poll_ms),
            ..RunnerConfig::default()
        };
        tokio::spawn(Runner::business(app.clone(), config).run(stopped.clone()))
    });

    let state = AppState {
        app: app.clone(),
        metrics: Metrics::new(),
        secure_cookies: settings.secure_cookies,
        trusted_proxies: Arc::new(settings.trusted_proxies.clone()),
        limits: Arc::new(skillbase_web::limits::RateLimits::new(skillbase_web::limits::LimitConfig {
            sign_in_per_minute: settings.sign_in_per_minute,
            public_writes_per_minute: settings.public_writes_per_minute,
            uploads_per_minute: settings.uploads_per_minute,
        })),
    };
    let http = HttpConfig {
        max_body_bytes: settings.max_body_bytes,
        max_upload_bytes: settings.max_upload_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
    };
    let router = skillbase_web::router(state, &http);
    let listener =
        tokio::net::TcpListener::bind(settings.bind).await.with_context(|| format!("binding {}", settings.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving on http://{addr}/");

    let grace = Duration::from_secs(settings.shutdown_grace_secs);
    let mut stopping = stopped.clone();
    let server = tokio::spawn(async move {
        let mut drain_started = stopped;
        let serve = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            })
            .into_future();
        tokio::pin!(serve);
        tokio::select! {
            result = &mut serve => result.context("serving")?,
            _ = async {
                let _ = drain_started.wait_for(|stop| *stop).await;
                tokio::time::sleep(grace).await;
            } => {
                tracing::warn!(?grace, "in-flight requests did not finish within the grace period");
            }
        }
        Ok(())
    });

    Ok(Running { addr, app, stop, server, runner })
}

impl Running {
    /// Stops accepting connections, lets in-flight requests and the job in hand finish, closes
    /// the database (SQLite checkpoints its WAL on close).
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let served = self.server.await.context("server task")?;
        if let Some(runner) = self.runner {
            runner.await.context("job runner task")?;
        }
        self.app.db.close().await;
        tracing::info!("stopped cleanly");
        served
    }

    /// Serves until one of `signals` arrives, then stops gracefully.
    pub async fn until(self, signals: Signals) -> anyhow::Result<()> {
        signals.received().await;
        tracing::info!("shutdown requested: draining in-flight requests");
        self.stop().await
    }
}

/// SIGTERM and Ctrl-C, listened for from the moment of installing — before the server says it
/// is serving, so a signal sent right after that is never missed.
#[derive(Debug)]
pub struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn install() -> anyhow::Result<Signals> {
        Ok(Signals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("listening for SIGTERM")?,
        })
    }

    async fn received(self) {
        #[cfg(unix)]
        let mut terminate = self.terminate;
        #[cfg(unix)]
        let terminated = async move {
            terminate.recv().await;
        };
        #[cfg(not(unix))]
        let terminated = std::future::pending::<()>();
        let interrupted = async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                tracing::error!(%error, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = terminated => {},
            () = interrupted => {},
        }
    }
}

/// The generated one-time password goes to the operator's console, never to the log.
#[expect(clippy::print_stdout, reason = "shown once to the operator, deliberately not logged")]
fn print_once(password: &str) {
    println!();
    println!("==============================================================");
    println!("  系统管理员账号 / System administrator account");
    println!("  用户名 username: admin");
    println!("  一次性密码 one-time password: {password}");
    println!("  首次登录后须修改密码。 Change it at first login.");
    println!("  此密码只显示这一次。 This password is shown only once.");
    println!("==============================================================");
    println!();
}
