//! `stixhub pattern check|match|scan`: the patterning engine offline.
//!
//! `check` exits 0 for a valid pattern and 1 with every diagnostic (message and a caret under its position) on
//! stderr. `match` exits 0 when the pattern matches the observations in FILE, 1 when it does not, 2 on error
//! (unreadable file, invalid pattern, or a construct the engine cannot evaluate — never a silent "no").

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;
use stix::bundle::Document;
use stix_pattern::PatternError;
use stix_pattern::eval::{Observation, matches};

use super::input::read_input;

/// Arguments of `stixhub pattern`.
#[derive(Debug, clap::Args)]
pub(crate) struct PatternArgs {
    #[command(subcommand)]
    command: PatternCommand,
}

#[derive(Debug, clap::Subcommand)]
enum PatternCommand {
    /// Check a pattern's syntax and semantics.
    Check {
        /// The STIX pattern, e.g. "[ipv4-addr:value = '198.51.100.1']".
        pattern: String,
    },
    /// Match a pattern against observed-data and the SCOs they reference.
    Match {
        /// The STIX pattern.
        pattern: String,
        /// A STIX bundle or JSON array of observed-data and SCOs; `-` reads standard input.
        file: PathBuf,
    },
    /// Match many indicators against many observations; prints one JSON line per match.
    Scan(super::scan::ScanArgs),
}

pub(crate) fn run(args: &PatternArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        PatternCommand::Check { pattern } => Ok(check(pattern)),
        PatternCommand::Match { pattern, file } => match_file(pattern, file),
        PatternCommand::Scan(scan_args) => super::scan::run(scan_args),
    }
}

fn check(pattern: &str) -> ExitCode {
    let errors = stix_pattern::check(pattern);
    if errors.is_empty() {
        return ExitCode::SUCCESS;
    }
    report_pattern_errors(pattern, &errors);
    ExitCode::from(1)
}

fn match_file(pattern_text: &str, file: &Path) -> anyhow::Result<ExitCode> {
    let pattern = match stix_pattern::parse(pattern_text) {
        Ok(pattern) if stix_pattern::check(pattern_text).is_empty() => pattern,
        _ => {
            report_pattern_errors(pattern_text, &stix_pattern::check(pattern_text));
            return Ok(ExitCode::from(2));
        }
    };
    let objects = read_objects(file)?;
    let observations = Observation::from_bundle_objects(&objects)
        .map_err(|err| anyhow::anyhow!("{}: cannot use the observations: {err}", file.display()))?;
    match matches(&pattern, &observations) {
        Ok(true) => Ok(ExitCode::SUCCESS),
        Ok(false) => Ok(ExitCode::from(1)),
        Err(err) => anyhow::bail!("cannot evaluate the pattern: {err}"),
    }
}

/// Reads a bundle, object or array of STIX objects as parsed values (not validated: observations from
/// sensors are often loose, and the evaluator checks what it uses).
pub(crate) fn read_objects(file: &Path) -> anyhow::Result<Vec<Value>> {
    let text = read_input(file)?;
    let document =
        Document::split(&text).map_err(|err| anyhow::anyhow!("{}: not JSON: {err}", file.display()))?;
    document
        .objects
        .iter()
        .map(|raw| serde_json::from_str(raw.get()).map_err(anyhow::Error::from))
        .collect()
}

/// Prints each error with a caret under the character where it starts.
fn report_pattern_errors(pattern: &str, errors: &[PatternError]) {
    for error in errors {
        let column = pattern
            .get(..error.span.start)
            .map_or(error.span.start, |prefix| prefix.chars().count());
        eprintln!("error: {error}\n  {pattern}\n  {}^", " ".repeat(column));
    }
}
