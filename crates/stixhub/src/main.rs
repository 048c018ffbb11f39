//! The `stixhub` binary: parses the command line and runs one command.
//!
//! This is the composition root: the only crate that knows every other crate. Each command lives in its own
//! module under `cmd/`, with its clap arguments beside its code. Exit codes follow `docs/interface.md`:
//! commands that judge input return 0 (good), 1 (bad input) or 2 (could not read or run).

mod bus;
mod cmd;
mod config;
mod feed_source;
mod logging;

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
    /// Check patterns and match them against observations.
    Pattern(cmd::pattern::PatternArgs),
    /// Serve TAXII 2.1 (and the admin API) over a store.
    Serve(Box<cmd::serve::ServeArgs>),
    /// Manage collections.
    Collection(cmd::admin::CollectionArgs),
    /// Manage accounts.
    Account(cmd::admin::AccountArgs),
    /// Grant an account read and/or write on a collection.
    Grant(cmd::admin::GrantArgs),
    /// Manage bearer tokens.
    Token(cmd::admin::TokenArgs),
    /// Manage organisations (sharing policy).
    Org(cmd::sharing::OrgArgs),
    /// Manage communities (sharing policy).
    Community(cmd::sharing::CommunityArgs),
    /// Decide submissions held for PII review.
    Review(cmd::review::ReviewArgs),
    /// Clear accounts for marking-definitions other than TLP.
    Marking(cmd::review::MarkingArgs),
    /// The private anonymity mapping of an organisation's submissions.
    Anonymity(cmd::review::AnonymityArgs),
    /// Manage an account's event subscriptions (saved filters of the event stream).
    Subscription(cmd::subscription::SubscriptionArgs),
    /// Check the audit log's hash chain, list it, or report transparency counts per organisation.
    Audit(cmd::audit::AuditArgs),
    /// Print a STIX document as the hub would store it after PII redaction; findings on stderr.
    Redact(cmd::redact::RedactArgs),
    /// Detection export of a collection (Suricata, Snort, Zeek, CSV, RPZ, plain) to standard output.
    Export(cmd::export::ExportArgs),
    /// Check a configuration file for `serve --config`.
    Config(config::ConfigArgs),
    /// Copy the SQLite store to a file, consistently, while a server may be running.
    Backup(cmd::backup::BackupArgs),
    /// Replace the SQLite store of a stopped data directory with a backup.
    Restore(cmd::backup::RestoreArgs),
    /// Manage webhooks: signed push delivery of events.
    Webhook(cmd::webhook::WebhookArgs),
    /// E-mail destinations of subscriptions: add, list, remove, enable, disable, dead letters, replay.
    Email(cmd::email::EmailArgs),
    /// Organisations' assets for victim notification: claim, list, verify, remove, release.
    Asset(cmd::asset::AssetArgs),
    /// Routing rules of incident cases: add, list, remove (issue 16).
    #[command(name = "incident-route")]
    IncidentRoute(cmd::incident::RouteArgs),
    /// Timers of incident cases per severity: show, set.
    #[command(name = "incident-timers")]
    IncidentTimers(cmd::incident::TimerArgs),
    /// Incident categories: add, list.
    #[command(name = "incident-category")]
    IncidentCategory(cmd::incident::CategoryArgs),
    /// Which indicators match observations (a bundle or a JSON array of observables), on a hub or locally.
    Match(cmd::match_cmd::MatchArgs),
    /// Vulnerability knowledge: import OSV, CSAF 2.0 (incl. VEX), CycloneDX VEX, the KEV catalogue.
    Vulns(cmd::supply::VulnsArgs),
    /// SBOMs per organisation and product, and their findings with SSVC decisions.
    Sbom(cmd::supply::SbomArgs),
    /// Sector and National Critical Function tags, the function catalogue, the risk register, supplier risk.
    Risk(cmd::supply::RiskArgs),
    /// Drills: play a scenario through a hub and write the after-action report; list or purge drill data.
    Drill(cmd::drill::DrillArgs),
    /// Feeds: pull upstream TAXII collections into local ones (add, list, show, remove, run).
    Feed(cmd::feed::FeedArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_)) {
        cap_malloc_arenas();
    }
    let outcome = match cli.command {
        Command::Validate(args) => cmd::validate::run(&args),
        Command::Pattern(args) => cmd::pattern::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Collection(args) => cmd::admin::run_collection(&args),
        Command::Account(args) => cmd::admin::run_account(&args),
        Command::Grant(args) => cmd::admin::run_grant(&args),
        Command::Token(args) => cmd::admin::run_token(&args),
        Command::Org(args) => cmd::sharing::run_org(&args),
        Command::Community(args) => cmd::sharing::run_community(&args),
        Command::Review(args) => cmd::review::run_review(&args),
        Command::Marking(args) => cmd::review::run_marking(&args),
        Command::Anonymity(args) => cmd::review::run_anonymity(&args),
        Command::Redact(args) => cmd::redact::run(&args),
        Command::Subscription(args) => cmd::subscription::run(&args),
        Command::Audit(args) => cmd::audit::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Backup(args) => cmd::backup::run_backup(&args),
        Command::Restore(args) => cmd::backup::run_restore(&args),
        Command::Webhook(args) => cmd::webhook::run_webhook(&args),
        Command::Email(args) => cmd::email::run_email(&args),
        Command::Asset(args) => cmd::asset::run_asset(&args),
        Command::Match(args) => cmd::match_cmd::run(&args),
        Command::Vulns(args) => cmd::supply::run_vulns(&args),
        Command::Sbom(args) => cmd::supply::run_sbom(&args),
        Command::Risk(args) => cmd::supply::run_risk(&args),
        Command::Drill(args) => cmd::drill::run(&args),
        Command::Feed(args) => cmd::feed::run(&args),
        Command::IncidentRoute(args) => cmd::incident::run_route(&args),
        Command::IncidentTimers(args) => cmd::incident::run_timers(&args),
        Command::IncidentCategory(args) => cmd::incident::run_category(&args),
    };
    report_peak_rss();
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("stixhub: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// With `STIXHUB_REPORT_PEAK_RSS` set, prints the process's peak resident set size on stderr; tests and
/// benchmarks use it to hold memory bounds (Linux only: read from `/proc/self/status`).
fn report_peak_rss() {
    if std::env::var_os(config::env::REPORT_PEAK_RSS).is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status.lines().find_map(|line| line.strip_prefix("VmHWM:")) {
        eprintln!("peak rss kib: {}", kib.trim().trim_end_matches("kB").trim());
    }
}

/// glibc gives busy threads malloc arenas of their own; under a long mixed load the server's RSS then keeps
/// stepping up, while with two arenas it stays flat (BENCHMARKS.md, "Soak"). glibc reads `MALLOC_ARENA_MAX` when
/// malloc starts, so `serve` re-executes itself once with it set, unless the operator chose a value.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    eprintln!(
        "stixhub: could not re-execute with MALLOC_ARENA_MAX=2 ({err}); continuing with glibc defaults"
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_malloc_arenas() {}
