//! The `stixhub` binary: parses the command line and runs one command.
//!
//! This is the composition root: the only crate that knows every other crate. Each command lives in its own
//! module under `cmd/`, with its clap arguments beside its code. Exit codes follow `docs/interface.md`:
//! commands that judge input return 0 (good), 1 (bad input) or 2 (could not read or run).

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// stixhub: a STIX 2.1 / TAXII 2.1 threat-intelligence sharing hub.
#[derive(Debug, Parser)]
#[command(name = "stixhub", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check STIX 2.1 files (bundles, objects or arrays of objects).
    Validate(cmd::validate::ValidateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => cmd::validate::run(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("stixhub: {err:#}");
            ExitCode::from(2)
        }
    }
}
