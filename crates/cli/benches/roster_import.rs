//! Trainee rosters at volume, on the application directly (no HTTP).
//!
//! For each engine (SQLite in a fresh data directory; PostgreSQL in a fresh schema) the bench
//! starts the application as `serve` does (`skillbase::start`, jobs off), creates one
//! recognised base and its organisation's account through the store (the recognition chain —
//! call, application, list, notice, base — written as rows, not walked through the API), and
//! signs that account in. Then:
//!
//! 1. `import`: a roster workbook of `--rows` valid rows (100,000 by default) is imported with
//!    `App::import_trainees` (read, check every row, seal the numbers and phones, blind index,
//!    store, audit — one transaction). Timed from the call to its answer; the peak resident set
//!    (`VmHWM` of `/proc/self/status`, reset through `/proc/self/clear_refs` just before) is
//!    reported with the resident set before. `read` is `roster::read` alone on the same bytes.
//! 2. `openpyxl`: Python's openpyxl (read-only mode) merely reading every row of the same file,
//!    timed inside Python, with its peak RSS (`ru_maxrss`) — skipped with a note if missing.
//! 3. `search`: the base is filled up to `--trainees` (1,000,000 by default) through
//!    `store::training::insert_trainee` in transactions of 50,000 rows, then `--searches`
//!    (1,000) exact searches by ID number (`App::trainees` with `TraineeQuery { resident_id }`)
//!    of numbers spread over the whole table are timed one after another; each must find one
//!    trainee. Searching stops early after 120 s (the count is reported).
//!
//! ```text
//! cargo bench --bench roster_import -- [--rows N] [--trainees N] [--searches N]
//!                                      [--engine sqlite|postgres|all]
//! ```
//!
//! PostgreSQL: `SKILLBASE_BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//! When it cannot be reached the PostgreSQL rows are skipped with a note, not failed.

#![expect(clippy::print_stdout, reason = "a benchmark's report is its standard output")]
#![expect(clippy::print_stderr, reason = "progress goes to standard error, apart from the tables")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use skillbase::Settings;
use skillbase_app::App;
use skillbase_app::auth::{Authenticated, RequestMeta};
use skillbase_app::jobs::{Runner, RunnerConfig, Turn};
use skillbase_app::roster::{self, RosterKind};
use skillbase_app::training::{ID_INDEX, ImportOutcome, ImportStatus, TraineeQuery};
use skillbase_domain::FixedClock;
use skillbase_domain::batch::{BatchStatus, Window};
use skillbase_domain::ids::{ApplicationId, BaseId, BatchId, NoticeId, OrganizationId, ProposalId, TraineeId, UserId};
use skillbase_domain::notice::{BaseStatus, NoticePeriod, NoticeStatus};
use skillbase_domain::policy::PolicyDocument;
use skillbase_domain::review::ProposalStatus;
use skillbase_domain::roles::Role;
use skillbase_domain::training::{Category, Relation};
use skillbase_store::Engine;
use skillbase_store::applications::{self, Batch, NewApplication};
use skillbase_store::identity::{self, NewOrganization};
use skillbase_store::notices::{self, Base, Notice};
use skillbase_store::review::{self, Proposal};
use skillbase_store::training::{self as store, PageRequest, TraineeRecord};
use skillbase_store::users::{self, NewUser};

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PASSWORD: &str = "Bench-base-pass-2024";
/// Rows per transaction when the base is filled for the search.
const FILL_CHUNK: usize = 50_000;
/// Searching stops after this long, however many searches were asked for.
const SEARCH_BUDGET: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// Options

#[derive(Debug, Clone)]
struct Options {
    rows: usize,
    trainees: usize,
    searches: usize,
    engines: Vec<Engine>,
}

impl Options {
    /// Reads the flags by hand; anything unknown (cargo passes `--bench`) is ignored.
    fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Options> {
        let mut options = Options {
            rows: 100_000,
            trainees: 1_000_000,
            searches: 1_000,
            engines: vec![Engine::Sqlite, Engine::Postgres],
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
                _ => (arg.clone(), None),
            };
            if !matches!(flag.as_str(), "--rows" | "--trainees" | "--searches" | "--engine") {
                continue;
            }
            let value = match inline {
                Some(value) => value,
                None => args.next().with_context(|| format!("{flag} needs a value"))?,
            };
            let count = || value.parse::<usize>().with_context(|| format!("{flag} {value:?}: expected a count"));
            match flag.as_str() {
                "--rows" => options.rows = count()?,
                "--trainees" => options.trainees = count()?,
                "--searches" => options.searches = count()?,
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
        ensure!(options.rows >= 1 && options.rows <= roster::MAX_ROWS, "--rows must be 1 to {}", roster::MAX_ROWS);
        ensure!(options.trainees >= options.rows, "--trainees must be at least --rows");
        Ok(options)
    }
}

// ---------------------------------------------------------------------------------------------
// The data

/// The `n`-th of a series of distinct, valid resident ID numbers: a Qingpu district code, a
/// birth date from 1970-01-01 on (999 people a day), the sequence, and the GB 11643 check
/// character (MOD 11-2).
fn resident_id(n: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let born = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date") + TimeDelta::days((n / 999) as i64);
    let digits = format!("310118{}{:03}", born.format("%Y%m%d"), n % 999 + 1);
    let sum: u32 = digits.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = char::from(b"10X98765432"[(sum % 11) as usize]);
    format!("{digits}{check}")
}

/// A roster of `rows` valid rows, the template's headers first, as a base fills it in.
fn roster_workbook(rows: usize) -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(roster::DATA_SHEET)?;
    let columns = RosterKind::Trainees.columns();
    for (column, c) in columns.iter().enumerate() {
        sheet.write_string(0, u16::try_from(column)?, c.header)?;
    }
    for n in 0..rows {
        let line = u32::try_from(n + 1)?;
        for (column, c) in columns.iter().enumerate() {
            let value = match c.field {
                "name" => format!("学员{n}"),
                "resident_id" => resident_id(n),
                "phone" => format!("138{n:08}"),
                "relation" => "本单位".to_owned(),
                "category" => "本单位职工".to_owned(),
                _ => continue,
            };
            sheet.write_string(line, u16::try_from(column)?, value)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// One recognised base written directly as the rows the recognition chain leaves (a staff
/// account, the organisation and its account, the call, the application, the approved list,
/// the concluded notice, the base), and its organisation's account signed in.
async fn recognised_base(app: &App) -> anyhow::Result<(BaseId, Authenticated)> {
    let now = app.now();
    let hash = app.password_hashing.hash(PASSWORD)?;
    let policy = skillbase_app::batches::policy_id(PolicyDocument::builtin());
    let (staff, org, account): (UserId, OrganizationId, UserId) = (app.new_id(), app.new_id(), app.new_id());
    let (batch, application, proposal): (BatchId, ApplicationId, ProposalId) =
        (app.new_id(), app.new_id(), app.new_id());
    let (notice, base): (NoticeId, BaseId) = (app.new_id(), app.new_id());
    let uscc = "91310118MA1G00011T";
    let mut tx = app.db.begin().await?;
    let user = |id, username, role: Role, organization_id| NewUser {
        id,
        username,
        display_name: username,
        role: role.as_str(),
        password_hash: &hash,
        must_change_password: false,
        organization_id,
        at: now,
    };
    users::insert(&mut tx, &user(staff, "bench-staff", Role::Staff, None)).await?;
    identity::insert_organization(
        &mut tx,
        &NewOrganization {
            id: org,
            uscc,
            name: "上海某精密制造有限公司",
            kind: "enterprise",
            contact_name: "王经理",
            contact_phone: "13800138000",
            contact_email: None,
            at: now,
        },
    )
    .await?;
    users::insert(&mut tx, &user(account, "bench-base", Role::Applicant, Some(org))).await?;
    let year = 2024;
    applications::insert_batch(
        &mut tx,
        &Batch {
            id: batch,
            year,
            title: "2024年度技能实训基地申报".to_owned(),
            window: Window::new(
                NaiveDate::from_ymd_opt(2024, 9, 1).context("date")?,
                NaiveDate::from_ymd_opt(2024, 9, 27).context("date")?,
            )
            .map_err(|e| anyhow::anyhow!(e.message))?,
            quota: 5,
            policy_id: policy.clone(),
            status: BatchStatus::Done,
            created_by: staff,
            created_at: now,
        },
    )
    .await?;
    applications::insert_application(
        &mut tx,
        &NewApplication {
            id: application,
            organization_id: org,
            batch_id: batch,
            form: "{}",
            created_by: account,
            at: now,
        },
    )
    .await?;
    review::insert_proposal(
        &mut tx,
        &Proposal {
            id: proposal,
            batch_id: batch,
            batch_title: String::new(),
            status: ProposalStatus::Approved,
            ranking: "[]".to_owned(),
            policy_id: policy.clone(),
            note: String::new(),
            drafted_by: staff,
            drafted_by_name: String::new(),
            drafted_at: now,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            version: 1,
        },
    )
    .await?;
    notices::insert_notice(
        &mut tx,
        &Notice {
            id: notice,
            batch_id: batch,
            proposal_id: proposal,
            status: NoticeStatus::Concluded,
            title: "2024年度技能实训基地认定公示".to_owned(),
            period: NoticePeriod {
                publish_on: NaiveDate::from_ymd_opt(2024, 9, 30).context("date")?,
                first_day: NaiveDate::from_ymd_opt(2024, 9, 30).context("date")?,
                last_day: NaiveDate::from_ymd_opt(2024, 10, 11).context("date")?,
                opens_at: now,
                ends_at: now,
            },
            working_days: 5,
            policy_id: policy.clone(),
            published_by: staff,
            published_at: now,
            closed_at: None,
            concluded_by: None,
            concluded_at: None,
            version: 1,
        },
    )
    .await?;
    notices::insert_base(
        &mut tx,
        &Base {
            id: base,
            application_id: application,
            organization_id: org,
            batch_id: batch,
            notice_id: notice,
            number: "QP-2024-001".to_owned(),
            year,
            sequence: 1,
            name: "上海某精密制造有限公司".to_owned(),
            uscc: uscc.to_owned(),
            kind: "enterprise".to_owned(),
            industry: "manufacturing".to_owned(),
            recognised_on: NaiveDate::from_ymd_opt(2024, 10, 14).context("date")?,
            status: BaseStatus::Active,
            revoked_on: None,
            policy_id: policy,
            statement: "{}".to_owned(),
            signature: String::new(),
            key_id: String::new(),
            recognised_by: staff,
            created_at: now,
            version: 1,
        },
    )
    .await?;
    tx.commit().await?;
    let signed_in = app.login("bench-base", PASSWORD, &RequestMeta::default()).await?;
    let who = app.authenticate(signed_in.session_token.expose_secret()).await?.context("the session is valid")?;
    Ok((base, who))
}

/// A trainee as the import would store it, for filling the table.
fn record(app: &App, (base, who): (BaseId, &Authenticated), n: usize) -> TraineeRecord {
    let id: TraineeId = app.new_id();
    let number = resident_id(n);
    let phone = format!("138{n:08}");
    TraineeRecord {
        id,
        base_id: base,
        name: format!("学员{n}"),
        resident_id_sealed: app.seal(number.as_bytes(), &format!("trainees:{id}:resident_id")),
        resident_id_index: app.data_key.blind_index(ID_INDEX, &number),
        resident_id_masked: format!("{}**********{}", &number[..4], &number[14..]),
        phone_sealed: Some(app.seal(phone.as_bytes(), &format!("trainees:{id}:phone"))),
        phone_masked: Some(format!("{}****{}", &phone[..3], &phone[7..])),
        employer: None,
        employer_uscc: None,
        relation: Relation::Own,
        category: Category::OwnEmployee,
        created_by: who.user.id,
        created_at: app.now(),
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

/// A line of `/proc/self/status` in kB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status.lines().find(|l| l.starts_with(field)).with_context(|| format!("no {field}"))?;
    line.split_whitespace().nth(1).context("a number")?.parse().context("kB")
}

/// Resets the peak resident set (`VmHWM`) to the current one.
fn reset_peak() -> anyhow::Result<()> {
    std::fs::write("/proc/self/clear_refs", "5").context("resetting VmHWM")
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest rank over sorted durations.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Default)]
struct Measured {
    engine: &'static str,
    rows: usize,
    file_mib: f64,
    read: Duration,
    import: Duration,
    rss_before_mib: f64,
    peak_mib: f64,
    fill: Duration,
    trainees: usize,
    searches: Vec<Duration>,
}

const IMPORT_HEADER: &str = "| engine | rows | file MiB | read s | import s | rows/s | RSS before MiB | peak RSS MiB |\n\
                             |---|---:|---:|---:|---:|---:|---:|---:|";
const SEARCH_HEADER: &str = "| engine | trainees | fill s | searches | p50 ms | p99 ms | max ms |\n\
                             |---|---:|---:|---:|---:|---:|---:|";

impl Measured {
    fn import_row(&self) -> String {
        format!(
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            self.engine,
            self.rows,
            self.file_mib,
            self.read.as_secs_f64(),
            self.import.as_secs_f64(),
            self.rows as f64 / self.import.as_secs_f64(),
            self.rss_before_mib,
            self.peak_mib,
        )
    }

    fn search_row(&self) -> String {
        format!(
            "| {} | {} | {:.1} | {} | {:.2} | {:.2} | {:.2} |",
            self.engine,
            self.trainees,
            self.fill.as_secs_f64(),
            self.searches.len(),
            ms(quantile(&self.searches, 0.50)),
            ms(quantile(&self.searches, 0.99)),
            ms(self.searches.last().copied().unwrap_or_default()),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Running

fn settings(data_dir: &Path, postgres: Option<(&str, &str)>) -> Settings {
    Settings {
        bind: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.to_owned(),
        database_url: postgres.map(|(url, _)| SecretString::from(url.to_owned())),
        database_schema: postgres.map(|(_, schema)| schema.to_owned()),
        initial_admin_password: Some(SecretString::from("Bench-admin-pass-2024")),
        jobs: false,
        // Only the base's one sign-in is hashed: its cost is not what is measured.
        password_hash_memory_kib: 8,
        password_hash_iterations: 1,
        password_hash_parallelism: 1,
        ..Settings::default()
    }
}

async fn run_engine(
    engine: Engine,
    postgres: Option<(&str, &str)>,
    file: (&Path, &[u8]),
    options: &Options,
) -> anyhow::Result<Measured> {
    let scratch = Scratch::new()?;
    let clock = Arc::new(FixedClock::new(at("2024-10-14T10:00:00+08:00")));
    let running = skillbase::start(&settings(&scratch.0, postgres), clock).await?;
    let outcome = measure(engine, &running.app, file, options).await;
    running.stop().await?;
    outcome
}

async fn measure(
    engine: Engine,
    app: &App,
    (path, bytes): (&Path, &[u8]),
    options: &Options,
) -> anyhow::Result<Measured> {
    let (base, who) = recognised_base(app).await?;
    let mut measured = Measured {
        engine: engine.as_str(),
        rows: options.rows,
        file_mib: bytes.len() as f64 / (1024.0 * 1024.0),
        ..Measured::default()
    };

    let started = Instant::now();
    let read = roster::read(RosterKind::Trainees, bytes)?;
    measured.read = started.elapsed();
    ensure!(read.rows.len() == options.rows, "read {} rows", read.rows.len());
    drop(read);

    measured.rss_before_mib = mib(status_kib("VmRSS:")?);
    reset_peak()?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("学员名册.xlsx");
    let started = Instant::now();
    let outcome = app.import_trainees(&who, base, (name, bytes), &RequestMeta::default()).await?;
    // A roster this large is left to the import job: it is run here, and timed with the upload.
    if let ImportOutcome::Queued { id } = outcome {
        let runner = Runner::business(app.clone(), RunnerConfig::default());
        while runner.run_once().await? != Turn::Idle {}
        let view = app.import_status(&who, base, id).await?;
        ensure!(
            view.record.status == ImportStatus::Imported && view.record.imported_rows == i64::try_from(options.rows)?,
            "the import job ended {:?} with {} rows: {:?}",
            view.record.status,
            view.record.imported_rows,
            view.problems.iter().take(5).collect::<Vec<_>>()
        );
    }
    measured.import = started.elapsed();
    measured.peak_mib = mib(status_kib("VmHWM:")?);
    match outcome {
        ImportOutcome::Imported { rows, .. } => ensure!(rows == options.rows, "imported {rows} rows"),
        ImportOutcome::Queued { .. } => {}
        ImportOutcome::Refused { problems, .. } => {
            bail!("the roster was refused: {:?}", problems.iter().take(5).collect::<Vec<_>>())
        }
    }
    eprintln!("{}", measured.import_row());

    // Fill the base up to `trainees`, then search it.
    let started = Instant::now();
    let mut n = options.rows;
    while n < options.trainees {
        let end = (n + FILL_CHUNK).min(options.trainees);
        let records: Vec<TraineeRecord> = (n..end).map(|i| record(app, (base, &who), i)).collect();
        let mut tx = app.db.begin().await?;
        for r in &records {
            store::insert_trainee(&mut tx, r).await?;
        }
        tx.commit().await?;
        n = end;
        eprintln!("{}: {n} trainees ({:.0} s)", engine.as_str(), started.elapsed().as_secs_f64());
    }
    measured.fill = started.elapsed();
    measured.trainees = options.trainees;

    let searching = Instant::now();
    for k in 0..options.searches {
        // Spread over the whole table: a stride coprime with any count that matters here.
        let number = resident_id((k * 7919 + 13) % options.trainees);
        let query = TraineeQuery { resident_id: Some(number), ..TraineeQuery::default() };
        let started = Instant::now();
        let found = app.trainees(&who, base, &query, &PageRequest::first(PageRequest::DEFAULT_LIMIT)).await?;
        measured.searches.push(started.elapsed());
        ensure!(found.total == 1 && found.items.len() == 1, "search {k}: {} found", found.total);
        if searching.elapsed() > SEARCH_BUDGET {
            eprintln!("{}: searching stopped after {} searches ({SEARCH_BUDGET:?})", engine.as_str(), k + 1);
            break;
        }
    }
    measured.searches.sort_unstable();
    eprintln!("{}", measured.search_row());
    Ok(measured)
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).expect("an instant").to_utc()
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let path = std::env::temp_dir().join(format!("skillbase-bench-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

const OPENPYXL: &str = r#"
import resource, sys, time
import openpyxl
started = time.perf_counter()
workbook = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for _ in workbook["名册"].iter_rows(values_only=True))
seconds = time.perf_counter() - started
print(rows, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"#;

/// openpyxl reading every row of the file: (rows with the header, seconds, peak RSS in MiB).
fn openpyxl(path: &Path) -> anyhow::Result<(usize, f64, f64)> {
    let output = std::process::Command::new("python3").arg("-c").arg(OPENPYXL).arg(path).output()?;
    ensure!(output.status.success(), "python3: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout)?;
    let mut fields = text.split_whitespace();
    let rows = fields.next().context("rows")?.parse()?;
    let seconds = fields.next().context("seconds")?.parse()?;
    let peak: u64 = fields.next().context("peak")?.parse()?;
    Ok((rows, seconds, mib(peak)))
}

async fn run(options: Options) -> anyhow::Result<()> {
    let scratch = Scratch::new()?;
    let path = scratch.0.join("学员名册.xlsx");
    let started = Instant::now();
    let bytes = roster_workbook(options.rows)?;
    std::fs::write(&path, &bytes)?;
    eprintln!(
        "roster of {} rows written in {:.1} s ({} bytes)",
        options.rows,
        started.elapsed().as_secs_f64(),
        bytes.len()
    );

    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    for &engine in &options.engines {
        match engine {
            Engine::Sqlite => match run_engine(engine, None, (&path, &bytes), &options).await {
                Ok(measured) => rows.push(measured),
                Err(error) => failures.push(format!("sqlite: {error:#}")),
            },
            Engine::Postgres => {
                let url =
                    std::env::var("SKILLBASE_BENCH_DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
                let schema = format!("bench_{}", uuid::Uuid::now_v7().simple());
                if let Err(error) = skillbase_store::create_postgres_schema(&url, &schema).await {
                    notes.push(format!("postgres rows skipped: PostgreSQL at {url} is unreachable: {error}"));
                    continue;
                }
                let outcome = run_engine(engine, Some((&url, &schema)), (&path, &bytes), &options).await;
                match outcome {
                    Ok(measured) => rows.push(measured),
                    Err(error) => failures.push(format!("postgres: {error:#}")),
                }
                if let Err(error) = skillbase_store::drop_postgres_schema(&url, &schema).await {
                    failures.push(format!("postgres: dropping schema {schema}: {error}"));
                }
            }
        }
    }
    let python = openpyxl(&path);

    println!();
    for note in &notes {
        println!("{note}\n");
    }
    println!("{IMPORT_HEADER}");
    for row in &rows {
        println!("{}", row.import_row());
    }
    println!();
    match python {
        Ok((read, seconds, peak)) => {
            println!("| reader | rows | read s | peak RSS MiB |\n|---|---:|---:|---:|");
            println!("| openpyxl (read_only) | {} | {seconds:.2} | {peak:.0} |", read.saturating_sub(1));
        }
        Err(error) => println!("openpyxl not measured: {error:#}"),
    }
    println!();
    println!("{SEARCH_HEADER}");
    for row in &rows {
        println!("{}", row.search_row());
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
