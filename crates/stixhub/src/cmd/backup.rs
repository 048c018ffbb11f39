//! `stixhub backup --to FILE` and `stixhub restore --from FILE` (issue 8).
//!
//! Backup is online: it takes one consistent snapshot (`VACUUM INTO`) while a server runs on the same `--data`.
//! Restore replaces the store of a stopped data directory: it refuses while any stixhub process has the
//! directory open, refuses to replace an existing store without `--force`, and checks the copy's integrity
//! before it swaps it in. A PostgreSQL store is backed up with PostgreSQL's own tools (`pg_dump`, `pg_restore`):
//! both commands say so and exit 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::cmd::store_args::StoreArgs;

/// What to tell PostgreSQL users.
const POSTGRES_ADVICE: &str = "a PostgreSQL store is backed up with pg_dump and restored with pg_restore \
     (docs/taxii-server.md, \"Backup and restore\"): pg_dump --format=custom --file=FILE URL, then \
     pg_restore --dbname=URL --clean --if-exists FILE with the servers stopped";

/// Arguments of `stixhub backup`.
#[derive(Debug, clap::Args)]
pub(crate) struct BackupArgs {
    /// The backup file to write (must not exist): a SQLite database, openable with `sqlite3`.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

/// Arguments of `stixhub restore`.
#[derive(Debug, clap::Args)]
pub(crate) struct RestoreArgs {
    /// A file written by `stixhub backup`.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Replace the store the data directory already holds.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run_backup(args: &BackupArgs) -> anyhow::Result<ExitCode> {
    if args.store.database.is_some() {
        bail!("backup: {POSTGRES_ADVICE}");
    }
    let started = std::time::Instant::now();
    let size = store_sqlite::backup(&args.store.data, &args.to)
        .with_context(|| format!("backing up {}", args.store.data.display()))?;
    writeln!(
        std::io::stderr().lock(),
        "backed up {} to {} ({size} bytes, {:.1} s)",
        args.store.data.display(),
        args.to.display(),
        started.elapsed().as_secs_f64()
    )
    .context("writing to standard error")?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_restore(args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    if args.store.database.is_some() {
        bail!("restore: {POSTGRES_ADVICE}");
    }
    let existing = if args.force {
        store_sqlite::ExistingStore::Replace
    } else {
        store_sqlite::ExistingStore::Refuse
    };
    store_sqlite::restore(&args.from, &args.store.data, existing).with_context(|| {
        format!(
            "restoring {} into {}",
            args.from.display(),
            args.store.data.display()
        )
    })?;
    writeln!(
        std::io::stderr().lock(),
        "restored {} into {}",
        args.from.display(),
        args.store.data.display()
    )
    .context("writing to standard error")?;
    Ok(ExitCode::SUCCESS)
}
