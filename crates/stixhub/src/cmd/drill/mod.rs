//! `stixhub drill`: drill mode (issue 16, docs/drills.md).
//!
//! - `drill check SCENARIO`: the scenario's problems, one `FILE:LINE:COLUMN: message` a line (exit 1), or 0.
//! - `drill run SCENARIO --url URL (--admin-user U --password-stdin | --token T | --token-stdin) [--out DIR]
//!   [--speed X] [--grace SECONDS]`: plays it through a running hub and writes the after-action report
//!   (`DIR/report.{html,json,csv}`). A scenario with problems is refused (exit 1) before any call to the hub.
//! - `drill generate --jurisdictions N --injects M [--span SECONDS]`: a synthetic scenario for load drills.
//! - `drill list` / `drill purge` [--data DIR | --database URL]: the drill data of a store (everything carrying
//!   the EXERCISE marking), run on the store like the other admin commands (also while `serve` runs).

mod api;
mod listen;
mod local;
mod play;
mod reconcile;
mod run;
mod setup;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cmd::store_args::StoreArgs;

/// Arguments of `stixhub drill`.
#[derive(Debug, clap::Args)]
pub(crate) struct DrillArgs {
    #[command(subcommand)]
    command: DrillCommand,
}

#[derive(Debug, clap::Subcommand)]
enum DrillCommand {
    /// Check a scenario file; problems are printed as FILE:LINE:COLUMN: message (exit 1).
    Check {
        /// The scenario (TOML, docs/drills.md).
        scenario: PathBuf,
    },
    /// Play a scenario through a running hub and write the after-action report.
    Run(Box<RunArgs>),
    /// Print a synthetic scenario of N jurisdictions x M injects (load drills).
    Generate(GenerateArgs),
    /// List the drill data of a store (objects carrying the EXERCISE marking).
    List {
        /// One JSON object a line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove every object carrying the EXERCISE marking from a store (audited).
    Purge {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Arguments of `stixhub drill run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// The scenario (TOML, docs/drills.md).
    scenario: PathBuf,
    /// The hub's base URL (e.g. http://127.0.0.1:8080).
    #[arg(long, value_name = "URL")]
    url: String,
    /// A hub admin account (HTTP Basic), its password on standard input.
    #[arg(long, value_name = "ACCOUNT", requires = "password_stdin", conflicts_with_all = ["token", "token_stdin"])]
    admin_user: Option<String>,
    /// Read the password of --admin-user from standard input (first line).
    #[arg(long)]
    password_stdin: bool,
    /// A hub admin's bearer token.
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_stdin")]
    token: Option<String>,
    /// Read a hub admin's bearer token from standard input (first line).
    #[arg(long)]
    token_stdin: bool,
    /// Where the report goes (created).
    #[arg(long, value_name = "DIR", default_value = "drill-report")]
    out: PathBuf,
    /// Time compression (overrides the scenario's `speed`): 10 plays a 10-minute timeline in one minute.
    #[arg(long, value_name = "X")]
    speed: Option<f64>,
    /// Seconds to wait after the last scripted act for stragglers.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    grace: u64,
    /// Calls to the hub in flight at most.
    #[arg(long, value_name = "N", default_value_t = 12)]
    concurrency: usize,
    /// No progress on the terminal.
    #[arg(long)]
    quiet: bool,
}

/// Arguments of `stixhub drill generate`.
#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// Jurisdictions (counties).
    #[arg(long, default_value_t = 50)]
    jurisdictions: usize,
    /// Injects per jurisdiction.
    #[arg(long, default_value_t = 20)]
    injects: usize,
    /// The timeline's length in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    span: u64,
    /// Indicators only (no incident reports).
    #[arg(long)]
    indicators_only: bool,
}

pub(crate) fn run(args: &DrillArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        DrillCommand::Check { scenario } => Ok(match load(scenario)? {
            Ok(_) => ExitCode::SUCCESS,
            Err(code) => code,
        }),
        DrillCommand::Run(run_args) => run_drill(run_args),
        DrillCommand::Generate(generate) => {
            let text = drill::generate::load_scenario(&drill::generate::LoadShape {
                jurisdictions: generate.jurisdictions,
                injects_per_jurisdiction: generate.injects,
                span_seconds: generate.span,
                indicators_only: generate.indicators_only,
            });
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .context("writing to standard output")?;
            Ok(ExitCode::SUCCESS)
        }
        DrillCommand::List { json, store } => local::list(store, *json),
        DrillCommand::Purge { store } => local::purge(store),
    }
}

/// Reads and checks a scenario; `Err(exit code 1)` after printing its problems.
fn load(path: &Path) -> anyhow::Result<Result<drill::Scenario, ExitCode>> {
    let metadata = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if metadata.len() > drill::MAX_FILE_BYTES as u64 {
        bail!(
            "{} is larger than {} bytes",
            path.display(),
            drill::MAX_FILE_BYTES
        );
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    match drill::parse(&text) {
        Ok(scenario) => Ok(Ok(scenario)),
        Err(problems) => {
            let mut stderr = std::io::stderr().lock();
            for problem in &problems {
                let _ = writeln!(
                    stderr,
                    "{}:{}:{}: {}",
                    path.display(),
                    problem.line,
                    problem.column,
                    problem.message
                );
            }
            let _ = writeln!(
                stderr,
                "{}: {} problem(s); nothing was sent to the hub",
                path.display(),
                problems.len()
            );
            Ok(Err(ExitCode::from(1)))
        }
    }
}

fn first_line_of_stdin(what: &str) -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .with_context(|| format!("reading the {what} from standard input"))?;
    let line = input.lines().next().unwrap_or_default().trim_end().to_owned();
    if line.is_empty() {
        bail!("the {what} read from standard input is empty");
    }
    Ok(line)
}

fn run_drill(args: &RunArgs) -> anyhow::Result<ExitCode> {
    // The file is checked before anything else, credentials included: nothing reaches the hub.
    let scenario = match load(&args.scenario)? {
        Ok(scenario) => scenario,
        Err(code) => return Ok(code),
    };
    if let Some(speed) = args.speed
        && !(speed.is_finite() && (0.01..=1000.0).contains(&speed))
    {
        bail!("--speed must be between 0.01 and 1000");
    }
    let admin_auth = if let Some(user) = &args.admin_user {
        api::basic(user, &first_line_of_stdin("password")?)
    } else if let Some(token) = &args.token {
        format!("Bearer {token}")
    } else if args.token_stdin {
        format!("Bearer {}", first_line_of_stdin("token")?)
    } else {
        bail!(
            "give the hub admin's credentials: --admin-user U --password-stdin, --token T or --token-stdin"
        );
    };
    let options = run::RunOptions {
        url: args.url.clone(),
        admin_auth,
        speed: args.speed,
        grace: Duration::from_secs(args.grace),
        concurrency: args.concurrency,
        quiet: args.quiet,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting tokio")?;
    let report = runtime.block_on(run::run(scenario, &options))?;
    let paths = run::write_report(&report, &args.out)?;
    let (met, missed) = report.totals();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "drill {:?}: {} injects in {:.1} s; deadlines met {met}, missed {missed}",
        report.scenario,
        report.injects.len(),
        (report.finished - report.started) as f64 / 1e6
    )?;
    if let Some(audit) = &report.audit {
        writeln!(
            stdout,
            "audit log: {} of {} stage times agree within {} ms (largest difference {:.1} ms)",
            audit.agreed, audit.compared, audit.tolerance_ms, audit.max_difference_ms
        )?;
    }
    for path in paths {
        writeln!(stdout, "{}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}
