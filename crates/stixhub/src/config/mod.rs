//! The configuration of `stixhub serve`, and `stixhub config check`.
//!
//! Two phases (design §3 item 14): `raw` reads the TOML file into a struct that rejects unknown keys, and
//! `validated` turns the file, the environment (`env`, where every variable is declared) and the command-line
//! flags into typed values. Precedence, highest first: flags, environment, file, defaults.

pub(crate) mod email;
pub(crate) mod env;
pub(crate) mod events;
pub(crate) mod operations;
pub(crate) mod push;
pub(crate) mod raw;
pub(crate) mod validated;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// The flags of `serve` that the configuration file can also set; unset flags leave the value to the
/// environment, the file or the default.
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct ConfigFlags {
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080].
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) listen: Option<String>,
    /// Directory of the embedded SQLite store, created if missing [default: ./stixhub-data].
    #[arg(long, value_name = "DIR", conflicts_with = "database")]
    pub(crate) data: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://USER@HOST:PORT/DB) instead of the embedded store.
    #[arg(long, value_name = "URL")]
    pub(crate) database: Option<String>,
    /// Log line format: text or json [default: text].
    #[arg(long, value_name = "FORMAT")]
    pub(crate) log_format: Option<String>,
    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `warn,server=debug`) [default: warn].
    #[arg(long, value_name = "FILTER")]
    pub(crate) log_level: Option<String>,
    #[command(flatten)]
    pub(crate) tls: operations::TlsFlags,
    #[command(flatten)]
    pub(crate) limits: operations::LimitFlags,
    #[command(flatten)]
    pub(crate) push: push::PushFlags,
    #[command(flatten)]
    pub(crate) email: email::EmailFlags,
}

/// Arguments of `stixhub config`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file (with the environment overrides applied) and print the effective
    /// configuration; exit 1 with the errors if it is invalid.
    Check {
        /// The TOML configuration file.
        file: PathBuf,
    },
}

/// Loads the effective configuration: `file` (if any), then the process environment, then `flags`.
pub(crate) fn load(file: Option<&std::path::Path>, flags: &ConfigFlags) -> anyhow::Result<validated::Config> {
    let raw = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the configuration file {}", path.display()))?;
            raw::RawConfig::parse(&text).map_err(|err| anyhow::anyhow!("{}: {err}", path.display()))?
        }
        None => raw::RawConfig::default(),
    };
    let environment = env::Environment::from_process();
    validated::Config::resolve(raw, &environment, flags).map_err(|errors| match file {
        Some(path) => anyhow::anyhow!("{}: {errors}", path.display()),
        None => anyhow::anyhow!("{errors}"),
    })
}

/// `stixhub config check FILE`: 0 and the effective configuration on stdout, 1 and the errors on stderr.
pub(crate) fn run(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ConfigCommand::Check { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading the configuration file {}", file.display()))?;
            let checked = raw::RawConfig::parse(&text)
                .map_err(|err| err.to_string())
                .and_then(|raw| {
                    validated::Config::resolve(
                        raw,
                        &env::Environment::from_process(),
                        &ConfigFlags::default(),
                    )
                    .map_err(|errors| errors.to_string())
                });
            match checked {
                Ok(config) => {
                    let mut stdout = std::io::stdout().lock();
                    std::io::Write::write_all(&mut stdout, config.to_toml().as_bytes())
                        .context("writing the configuration")?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(message) => {
                    eprintln!("{}: {message}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
