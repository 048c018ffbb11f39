//! `stixhub audit verify | report | list` (issue 6): the audit log from the command line, on the store
//! directly (so it works beside a running server, like the other admin commands).
//!
//! `verify` exits 0 when the chain and its head are intact (printing the entry count and head hash), 1 when
//! they are not (printing the first broken entry), 2 when the store cannot be read.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use hub::{AuditReport, Caller};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub audit …`
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Check the hash chain and its head: exit 0 intact, 1 broken (the first broken entry is printed).
    Verify(AuditVerifyArgs),
    /// Transparency counts per organisation: shared, received, redacted, pending review, rejected.
    Report(AuditReportArgs),
    /// Print entries as stored, one JSON object a line.
    List(AuditListArgs),
    /// Add a fresh key to the audit key file and key the chain with it from a new `audit.key` entry on (the
    /// old keys stay in the file: older entries were hashed with them).
    RotateKey(AuditRotateArgs),
}

#[derive(Debug, clap::Args)]
struct AuditRotateArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct AuditVerifyArgs {
    /// Print the verification as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct AuditReportArgs {
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct AuditListArgs {
    /// The first entry to print.
    #[arg(long, default_value_t = 0)]
    from_seq: u64,
    /// How many entries to print at most.
    #[arg(long, default_value_t = 100)]
    limit: usize,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        AuditCommand::Verify(verify) => run_verify(verify),
        AuditCommand::Report(report) => run_report(report),
        AuditCommand::List(list) => run_list(list),
        AuditCommand::RotateKey(rotate) => run_rotate(rotate),
    }
}

fn run_rotate(args: &AuditRotateArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let keys = crate::cmd::audit_key::rotate(&args.store)?;
    let key_id = keys.keys.last().map(policy::audit::key_id).unwrap_or_default();
    runtime.block_on(async {
        let config = hub::HubConfig {
            audit_keys: keys.keys,
            ..hub::HubConfig::default()
        };
        let hub = hub::Hub::new(args.store.open().await?, config)
            .await
            .context("opening the hub")?;
        hub.introduce_audit_key(hub::OPERATOR_ACTOR)
            .await
            .context("recording the new audit key in the log")?;
        anyhow::Ok(())
    })?;
    writeln!(std::io::stdout().lock(), "audit key {key_id} is current")?;
    Ok(ExitCode::SUCCESS)
}

fn run_verify(args: &AuditVerifyArgs) -> anyhow::Result<ExitCode> {
    let verification = with_hub(&args.store, async |hub| {
        hub.verify_audit().await.context("reading the audit log")
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", verification.to_json())?;
    } else if let Some(broken) = &verification.broken {
        writeln!(out, "audit log broken at entry {}: {}", broken.seq, broken.reason)?;
        if let Some(entry) = &broken.entry {
            writeln!(out, "{}", entry.to_json())?;
        }
    } else {
        writeln!(
            out,
            "audit log intact: {} entries, head {}",
            verification.n_entries, verification.head_hash
        )?;
    }
    Ok(if verification.is_intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_report(args: &AuditReportArgs) -> anyhow::Result<ExitCode> {
    let (report, scorecards) = with_hub(&args.store, async |hub| {
        let report = hub.audit_report().await.context("reading the audit log")?;
        // Producer scorecards (issue 15): how each organisation's indicators fared with their consumers.
        let scorecards = hub
            .scorecards_now(&hub::Caller::operator())
            .await
            .context("computing the producer scorecards")?;
        Ok((report, scorecards))
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut json = report.to_json();
        json["producers"] = scorecards.iter().map(hub::Scorecard::to_json).collect();
        writeln!(out, "{json}")?;
    } else {
        write_table(&mut out, &report)?;
        write_scorecards(&mut out, &scorecards)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_table(out: &mut impl Write, report: &AuditReport) -> std::io::Result<()> {
    const NO_ORG: &str = "(no organisation)";
    let width = report
        .organisations
        .iter()
        .map(|row| row.org.as_deref().unwrap_or(NO_ORG).chars().count())
        .chain([NO_ORG.len(), "organisation".len()])
        .max()
        .unwrap_or(12);
    writeln!(
        out,
        "{:<width$}  {:>10}  {:>10}  {:>10}  {:>14}  {:>10}",
        "organisation", "shared", "received", "redacted", "pending review", "rejected"
    )?;
    for row in &report.organisations {
        writeln!(
            out,
            "{:<width$}  {:>10}  {:>10}  {:>10}  {:>14}  {:>10}",
            row.org.as_deref().unwrap_or(NO_ORG),
            row.shared,
            row.received,
            row.redacted,
            row.pending_review,
            row.rejected
        )?;
    }
    writeln!(out, "({} audit entries)", report.n_entries)
}

fn write_scorecards(out: &mut impl Write, cards: &[hub::Scorecard]) -> std::io::Result<()> {
    if cards.is_empty() {
        return Ok(());
    }
    let width = cards
        .iter()
        .map(|card| card.org.chars().count())
        .chain(["producer".len()])
        .max()
        .unwrap_or(8);
    writeln!(out)?;
    writeln!(
        out,
        "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>20}  {:>11}",
        "producer", "shared", "sighted", "TP", "FP", "FP rate", "median to sighting", "reliability"
    )?;
    for card in cards {
        let judged = card.true_positives + card.false_positives;
        let rate = if judged == 0 {
            "-".to_owned()
        } else {
            format!("{:.1} %", 100.0 * card.false_positives as f64 / judged as f64)
        };
        let median = card
            .median_hours_to_first_sighting
            .map_or_else(|| "-".to_owned(), |hours| format!("{hours:.1} h"));
        writeln!(
            out,
            "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>20}  {:>11.3}",
            card.org,
            card.shared,
            card.sighted,
            card.true_positives,
            card.false_positives,
            rate,
            median,
            card.reliability
        )?;
    }
    Ok(())
}

fn run_list(args: &AuditListArgs) -> anyhow::Result<ExitCode> {
    let entries = with_hub(&args.store, async |hub| {
        let mut entries = Vec::new();
        let mut from_seq = args.from_seq;
        while entries.len() < args.limit {
            let page = hub
                .audit_entries(&Caller::operator(), from_seq, args.limit - entries.len())
                .await
                .context("reading the audit log")?;
            let Some(last) = page.last() else { break };
            from_seq = last.seq + 1;
            entries.extend(page);
        }
        Ok(entries)
    })?;
    let mut out = std::io::stdout().lock();
    for entry in entries {
        writeln!(out, "{}", entry.to_json())?;
    }
    Ok(ExitCode::SUCCESS)
}
