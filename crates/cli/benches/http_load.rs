//! Loopback HTTP load against the real `skillbase` binary.
//!
//! For each engine (SQLite in a fresh data directory; PostgreSQL in a fresh schema) the bench
//! starts `skillbase serve` as a child process, waits for `/readyz`, checks each target once,
//! then runs a fixed number of client tasks that send requests back to back through one shared
//! `reqwest::Client` for a fixed time after an uncounted warm-up. It prints one Markdown table
//! row per (engine, target) with the throughput and latency percentiles.
//!
//! ```text
//! cargo bench --bench http_load -- [--duration SECS] [--warmup SECS] [--concurrency N]
//!                                  [--target calendar|home|healthz|all]
//!                                  [--engine sqlite|postgres|all]
//! ```
//!
//! `all` targets are `calendar` and `home`; `healthz` (no database work) is a baseline to ask
//! for explicitly.
//!
//! PostgreSQL: `SKILLBASE_BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When it cannot be reached the PostgreSQL rows are skipped with a note, not failed.

#![expect(clippy::print_stdout, reason = "a benchmark's report is its standard output")]
#![expect(clippy::print_stderr, reason = "progress and server warnings go to standard error, apart from the table")]

use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use tokio::process::{Child, Command};

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const ADMIN_PASSWORD: &str = "Bench-admin-pass-2024";
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// One request taking longer than this counts as an error (the server answers 408 at 30 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Options

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Calendar,
    Home,
    /// `GET /healthz`, no database: the HTTP stack alone. A baseline, only on request.
    Healthz,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Target::Calendar => "calendar",
            Target::Home => "home",
            Target::Healthz => "healthz",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Target::Calendar => "/api/v1/calendar/add-working-days?start=2024-09-30&days=5",
            Target::Home => "/",
            Target::Healthz => "/healthz",
        }
    }

    /// What the first answer must contain.
    fn expected(self) -> &'static str {
        match self {
            Target::Calendar => "2024-10-11",
            Target::Home => "公示公告",
            Target::Healthz => "\"ok\"",
        }
    }
}

#[derive(Debug, Clone)]
struct Options {
    duration: Duration,
    warmup: Duration,
    concurrency: usize,
    targets: Vec<Target>,
    engines: Vec<Engine>,
}

impl Options {
    /// Reads the flags by hand; anything unknown (cargo passes `--bench`) is ignored.
    fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Options> {
        let mut options = Options {
            duration: Duration::from_secs(10),
            warmup: Duration::from_secs(2),
            concurrency: 32,
            targets: vec![Target::Calendar, Target::Home],
            engines: vec![Engine::Sqlite, Engine::Postgres],
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
                _ => (arg.clone(), None),
            };
            if !matches!(flag.as_str(), "--duration" | "--warmup" | "--concurrency" | "--target" | "--engine") {
                continue;
            }
            let value = match inline {
                Some(value) => value,
                None => args.next().with_context(|| format!("{flag} needs a value"))?,
            };
            match flag.as_str() {
                "--duration" => options.duration = seconds(&flag, &value)?,
                "--warmup" => options.warmup = seconds(&flag, &value)?,
                "--concurrency" => {
                    options.concurrency = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .with_context(|| format!("--concurrency {value:?}: expected N > 0"))?;
                }
                "--target" => {
                    options.targets = match value.as_str() {
                        "calendar" => vec![Target::Calendar],
                        "home" => vec![Target::Home],
                        "healthz" => vec![Target::Healthz],
                        "all" => vec![Target::Calendar, Target::Home],
                        other => {
                            bail!("--target {other:?}: expected calendar, home, healthz or all")
                        }
                    }
                }
                "--engine" => {
                    options.engines = match value.as_str() {
                        "sqlite" => vec![Engine::Sqlite],
                        "postgres" => vec![Engine::Postgres],
                        "all" => vec![Engine::Sqlite, Engine::Postgres],
                        other => bail!("--engine {other:?}: expected sqlite, postgres or all"),
                    }
                }
                _ => {}
            }
        }
        ensure!(!options.duration.is_zero(), "--duration must be above 0");
        Ok(options)
    }
}

fn seconds(flag: &str, value: &str) -> anyhow::Result<Duration> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .with_context(|| format!("{flag} {value:?}: expected seconds"))
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// A running `skillbase serve` with its own scratch directory. Dropping it kills the process
/// (`kill_on_drop`) and removes the directory; [`Server::stop`] shuts it down gracefully first.
#[derive(Debug)]
struct Server {
    child: Option<Child>,
    base: String,
    scratch: PathBuf,
}

impl Server {
    async fn start(postgres: Option<(&str, &str)>) -> anyhow::Result<Server> {
        let scratch = std::env::temp_dir().join(format!("skillbase-bench-{}", uuid::Uuid::now_v7().simple()));
        let data_dir = scratch.join("data");
        std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
        // From here on, dropping `server` removes the scratch directory.
        let mut server = Server { child: None, base: String::new(), scratch };
        let log = std::fs::File::create(server.log_path()).context("creating the server log")?;
        let port = free_port()?;
        let bind = format!("127.0.0.1:{port}");

        let mut command = Command::new(env!("CARGO_BIN_EXE_skillbase"));
        // Only the settings given here: no inherited SKILLBASE_*/DATABASE_URL/RUST_LOG, and no
        // skillbase.toml picked up from the working directory.
        for (name, _) in std::env::vars_os() {
            let name_text = name.to_string_lossy();
            if name_text.starts_with("SKILLBASE_") || name_text == "DATABASE_URL" || name_text == "RUST_LOG" {
                command.env_remove(&name);
            }
        }
        command
            .current_dir(&server.scratch)
            .arg("serve")
            .arg("--bind")
            .arg(&bind)
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--jobs")
            .arg("false")
            .env("SKILLBASE_INITIAL_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("SKILLBASE_LOG_FILTER", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true);
        if let Some((url, schema)) = postgres {
            command.arg("--database-url").arg(url).arg("--database-schema").arg(schema);
        }
        server.child = Some(command.spawn().context("starting skillbase serve")?);
        server.base = format!("http://{bind}");
        server.wait_ready().await?;
        Ok(server)
    }

    fn log_path(&self) -> PathBuf {
        self.scratch.join("server.log")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build()?;
        let url = format!("{}/readyz", self.base);
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!("skillbase serve exited before it was ready ({status}):\n{}", self.log());
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status() == reqwest::StatusCode::OK
            {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!("{url} did not answer 200 within {READY_TIMEOUT:?}:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it is not gone within [`STOP_TIMEOUT`]. Returns how it ended.
    async fn stop(&mut self) -> anyhow::Result<String> {
        let Some(mut child) = self.child.take() else {
            return Ok("not started".to_owned());
        };
        let terminated = match child.id() {
            Some(pid) => std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .map(|s| s.success())
                .unwrap_or(false),
            None => false,
        };
        if terminated && let Ok(status) = tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
            return Ok(format!("stopped on SIGTERM ({})", status?));
        }
        child.kill().await?;
        Ok(format!("did not stop on SIGTERM within {STOP_TIMEOUT:?}; killed"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            child.start_kill().ok();
        }
        std::fs::remove_dir_all(&self.scratch).ok();
    }
}

/// A port nobody listens on right now (released again before the server binds it).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

// ---------------------------------------------------------------------------------------------
// Load

#[derive(Debug)]
struct Measured {
    engine: Engine,
    target: Target,
    concurrency: usize,
    seconds: f64,
    /// Every counted request's latency, sorted.
    latencies: Vec<Duration>,
    errors: usize,
}

impl Measured {
    fn quantile(&self, q: f64) -> Duration {
        // Nearest rank: the smallest latency with at least q of the requests at or below it.
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = (q * n as f64).ceil() as usize;
        self.latencies[rank.clamp(1, n) - 1]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let requests = self.latencies.len();
        write!(
            f,
            "| {} | {} | {} | {:.1} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            self.engine.as_str(),
            self.target.as_str(),
            self.concurrency,
            self.seconds,
            requests,
            requests as f64 / self.seconds,
            ms(self.quantile(0.50)),
            ms(self.quantile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.errors,
        )
    }
}

const TABLE_HEADER: &str = "| engine | target | concurrency | seconds | requests | req/s | p50 ms | p99 ms | max ms | errors |\n\
                            |---|---|---:|---:|---:|---:|---:|---:|---:|---:|";

/// One request, body read to the end: `true` for a 2xx whose body arrived whole.
async fn one(client: &reqwest::Client, url: &str) -> bool {
    match client.get(url).send().await {
        Ok(response) => {
            let ok = response.status().is_success();
            response.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

async fn check_first(client: &reqwest::Client, url: &str, target: Target) -> anyhow::Result<()> {
    let response = client.get(url).send().await.context(url.to_owned())?;
    let status = response.status();
    let body = response.text().await?;
    ensure!(status == reqwest::StatusCode::OK, "{url}: {status}: {body}");
    ensure!(body.contains(target.expected()), "{url}: the answer does not contain {:?}: {body}", target.expected());
    Ok(())
}

async fn load(
    client: &reqwest::Client,
    server: &Server,
    engine: Engine,
    target: Target,
    options: &Options,
) -> anyhow::Result<Measured> {
    let url = format!("{}{}", server.base, target.path());
    check_first(client, &url, target).await?;

    let start = Instant::now();
    let counted_from = start + options.warmup;
    let end = counted_from + options.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..options.concurrency {
        let client = client.clone();
        let url = url.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(16 * 1024);
            let mut errors = 0usize;
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let ok = one(&client, &url).await;
                if sent >= counted_from {
                    latencies.push(sent.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(joined) = tasks.join_next().await {
        let (mut task_latencies, task_errors) = joined.context("a load task failed")?;
        latencies.append(&mut task_latencies);
        errors += task_errors;
    }
    // Requests sent before `end` may finish after it: the window runs until the last one did.
    let seconds = counted_from.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(Measured { engine, target, concurrency: options.concurrency, seconds, latencies, errors })
}

// ---------------------------------------------------------------------------------------------
// Running

/// Starts a server for `engine`, loads every target, stops it. Server warnings go to stderr.
async fn run_engine(
    engine: Engine,
    postgres: Option<(&str, &str)>,
    client: &reqwest::Client,
    options: &Options,
    rows: &mut Vec<Measured>,
) -> anyhow::Result<()> {
    let startup = Instant::now();
    let mut server = Server::start(postgres).await?;
    eprintln!("{}: server ready in {:.2} s at {}", engine.as_str(), startup.elapsed().as_secs_f64(), server.base);
    let mut outcome = Ok(());
    for &target in &options.targets {
        eprintln!(
            "{} / {}: {} tasks, {:?} warm-up + {:?}",
            engine.as_str(),
            target.as_str(),
            options.concurrency,
            options.warmup,
            options.duration
        );
        match load(client, &server, engine, target, options).await {
            Ok(measured) => {
                eprintln!("{measured}");
                rows.push(measured);
            }
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    let ending = server.stop().await;
    let log = server.log();
    drop(server);
    eprintln!("{}: server {}", engine.as_str(), ending?);
    if !log.trim().is_empty() {
        eprintln!("{}: the server logged:", engine.as_str());
        for line in log.lines().take(40) {
            eprintln!("    {line}");
        }
        if log.lines().count() > 40 {
            eprintln!("    … ({} lines in all)", log.lines().count());
        }
    }
    outcome
}

async fn run(options: Options) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().no_proxy().tcp_nodelay(true).timeout(REQUEST_TIMEOUT).build()?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    for &engine in &options.engines {
        match engine {
            Engine::Sqlite => {
                if let Err(error) = run_engine(engine, None, &client, &options, &mut rows).await {
                    failures.push(format!("sqlite: {error:#}"));
                }
            }
            Engine::Postgres => {
                let url =
                    std::env::var("SKILLBASE_BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
                let schema = format!("bench_{}", uuid::Uuid::now_v7().simple());
                if let Err(error) = skillbase_store::create_postgres_schema(&url, &schema).await {
                    let note = format!(
                        "postgres rows skipped: PostgreSQL at SKILLBASE_BENCH_DATABASE_URL \
                         (or the default {DEFAULT_DATABASE_URL}) is unreachable: {error}"
                    );
                    eprintln!("{note}");
                    notes.push(note);
                    continue;
                }
                let outcome = run_engine(engine, Some((&url, &schema)), &client, &options, &mut rows).await;
                let dropped = skillbase_store::drop_postgres_schema(&url, &schema).await;
                if let Err(error) = outcome {
                    failures.push(format!("postgres: {error:#}"));
                }
                if let Err(error) = dropped {
                    failures.push(format!("postgres: dropping schema {schema}: {error}"));
                }
            }
        }
    }
    println!();
    for note in &notes {
        println!("{note}");
        println!();
    }
    println!("{TABLE_HEADER}");
    for row in &rows {
        println!("{row}");
    }
    if !failures.is_empty() {
        bail!("some runs failed:\n{}", failures.join("\n"));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse(std::env::args().skip(1))?;
    run(options).await
}
