//! `skillbase`: the whole platform in one binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use skillbase::config::{self, CommonArgs, ServeArgs};
use skillbase::{serve, telemetry};

/// 青浦区技能人才培育实训基地管理平台 — skill-talent training bases, end to end.
#[derive(Debug, Parser)]
#[command(name = "skillbase", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the platform (the default when no command is given).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(CommonArgs),
    /// The working-day calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Versions of the policy document (青人社〔2023〕17号 and its successors).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Load a new version from its TOML file; a malformed file is refused with the line and the
    /// reason, and nothing is stored.
    Load {
        /// The policy document, e.g. qingpu-2023-17-v2.toml.
        file: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// List the stored versions (id, effective date, fingerprint).
    List {
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain from the first record to the head; exits 1 at the first broken link.
    Verify {
        #[command(flatten)]
        common: CommonArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Add or replace a year of the State Council holiday notice (JSON, the form of the
    /// embedded files); the imported year takes precedence over the embedded one.
    Import {
        /// The year's JSON file, e.g. 2027.json.
        file: PathBuf,
        #[command(flatten)]
        common: CommonArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve(Box::default())))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

#[expect(clippy::print_stderr, reason = "the last word of a failed command")]
fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("skillbase: {error:#}");
    ExitCode::FAILURE
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            let settings = config::load(args.common.config.as_deref(), &args)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            let clock = serve::clock_from(&settings);
            let signals = serve::Signals::install()?;
            serve::start(&settings, clock).await?.until(signals).await
        }
        Command::Migrate(common) => {
            let settings = config::load(common.config.as_deref(), &common)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            if matches!(settings.db_options()?, skillbase_store::DbOptions::Sqlite { .. }) {
                std::fs::create_dir_all(&settings.data_dir)?;
            }
            let db = skillbase_store::Db::open(&settings.db_options()?, 1).await?;
            tracing::info!(engine = db.engine().as_str(), "migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Calendar(CalendarCommand::Import { file, common }) => {
            let settings = config::load(common.config.as_deref(), &common)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            let json =
                std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let app = open_app(&settings).await?;
            let year = app
                .import_calendar_year(&json, Some("cli"))
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            tracing::info!(year, "imported");
            app.db.close().await;
            Ok(())
        }
        Command::Policy(PolicyCommand::Load { file, common }) => {
            let settings = config::load(common.config.as_deref(), &common)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            let text =
                std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let app = open_app(&settings).await?;
            app.ensure_builtin_policy().await?;
            let meta = skillbase_app::auth::RequestMeta::default();
            let loaded = app.load_policy(None, &text, &meta).await;
            app.db.close().await;
            let id = loaded.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            print_line(&format!("loaded {id}"));
            Ok(())
        }
        Command::Policy(PolicyCommand::List { common }) => {
            let settings = config::load(common.config.as_deref(), &common)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            let app = open_app(&settings).await?;
            app.ensure_builtin_policy().await?;
            let policies = app.policies().await;
            app.db.close().await;
            for (row, doc) in policies? {
                print_line(&format!("{}\t{}\t{}\t{}", row.id, row.effective_from, row.fingerprint, doc.title()));
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify { common }) => {
            let settings = config::load(common.config.as_deref(), &common)?;
            telemetry::init(settings.log_format, &settings.log_filter);
            let app = open_app(&settings).await?;
            let report = app.verify_audit().await?;
            app.db.close().await;
            print_report(&report)?;
            anyhow::ensure!(report.intact, "the audit chain is broken: {}", report.message.unwrap_or_default());
            Ok(())
        }
    }
}

async fn open_app(settings: &skillbase::Settings) -> anyhow::Result<skillbase_app::App> {
    if matches!(settings.db_options()?, skillbase_store::DbOptions::Sqlite { .. }) {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let keys = settings.keys()?;
    let db = skillbase_store::Db::open(&settings.db_options()?, 1).await?;
    let files = settings.file_store()?;
    Ok(skillbase_app::App::new(db, serve::clock_from(settings), settings.files_dir(), files, keys))
}

#[expect(clippy::print_stdout, reason = "the command's answer")]
fn print_line(line: &str) {
    println!("{line}");
}

#[expect(clippy::print_stdout, reason = "the command's answer")]
fn print_report(report: &skillbase_app::audit::AuditReport) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(report)?);
    Ok(())
}
