//! `stixhub incident-route add|list|remove`, `stixhub incident-timers show|set` and `stixhub incident-category
//! add|list` (issue 16): the operator's routing rules, timers per severity and extra categories. The operator
//! holds the store, so acts as a hub admin (`Caller::operator`) through the same hub use cases as the REST API.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use hub::{Caller, StageSeconds};
use serde_json::json;

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub incident-route …`
#[derive(Debug, clap::Args)]
pub(crate) struct RouteArgs {
    #[command(subcommand)]
    command: RouteCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RouteCommand {
    /// Add a rule: prints its id (and a warning on stderr when it reaches no account).
    Add {
        /// Only cases of this jurisdiction (organisation name).
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Only these categories (repeatable).
        #[arg(long = "category")]
        categories: Vec<String>,
        /// Only these severities (repeatable).
        #[arg(long = "severity")]
        severities: Vec<String>,
        /// A tier of responders, `org:NAME,account:NAME,…`; the first is alerted at once, each next one when a
        /// timer is breached (repeatable, in order).
        #[arg(long = "tier", required = true)]
        tiers: Vec<String>,
        /// A note for operators.
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the rules, one JSON line each (with `matches_nobody` and `problems`).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove a rule (open cases keep their responders).
    Remove {
        /// The rule id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `stixhub incident-timers …`
#[derive(Debug, clap::Args)]
pub(crate) struct TimerArgs {
    #[command(subcommand)]
    command: TimerCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TimerCommand {
    /// Print the timers per severity (JSON, seconds).
    Show {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set the timers of one severity (durations like 90s, 15m, 2h, 1d; for cases reported from now on).
    Set {
        /// low, medium, high or critical.
        severity: String,
        /// Time to acknowledge.
        #[arg(long)]
        acknowledge: String,
        /// Time to start work (in progress).
        #[arg(long)]
        triage: String,
        /// Time to resolve.
        #[arg(long)]
        resolve: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `stixhub incident-category …`
#[derive(Debug, clap::Args)]
pub(crate) struct CategoryArgs {
    #[command(subcommand)]
    command: CategoryCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CategoryCommand {
    /// Add a category to the taxonomy.
    Add {
        /// Its id (a-z, 0-9, -).
        id: String,
        /// Its label.
        #[arg(long)]
        name: String,
        /// One line of explanation.
        #[arg(long, default_value = "")]
        description: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the categories, one JSON line each.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// A tier from `org:NAME,account:NAME,…`.
fn tier(spec: &str) -> anyhow::Result<serde_json::Value> {
    let mut orgs = Vec::new();
    let mut accounts = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match item.split_once(':') {
            Some(("org", name)) => orgs.push(name.to_owned()),
            Some(("account", name)) => accounts.push(name.to_owned()),
            _ => bail!("tier entry {item:?} is not org:NAME or account:NAME"),
        }
    }
    Ok(json!({"orgs": orgs, "accounts": accounts}))
}

/// Seconds of `90s`, `15m`, `2h`, `1d` or a plain number of seconds.
pub(crate) fn duration_seconds(text: &str) -> anyhow::Result<u64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .with_context(|| format!("{text:?} is not a duration like 15m"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("{text:?}: the unit must be s, m, h or d"),
    };
    Ok(n.saturating_mul(factor))
}

pub(crate) fn run_route(args: &RouteArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        RouteCommand::Add {
            jurisdiction,
            categories,
            severities,
            tiers,
            note,
            store,
        } => {
            let tiers: Vec<serde_json::Value> =
                tiers.iter().map(|t| tier(t)).collect::<anyhow::Result<_>>()?;
            let body = json!({"jurisdiction": jurisdiction, "categories": categories, "severities": severities,
                              "tiers": tiers, "note": note});
            let rule = with_hub(store, async |hub| {
                Ok(hub.add_route_rule(&operator, &body).await?)
            })?;
            if rule["matches_nobody"] == true {
                eprintln!("warning: this rule reaches no account: {}", rule["problems"]);
            }
            writeln!(out, "{}", rule["id"].as_str().unwrap_or_default())?;
        }
        RouteCommand::List { store } => {
            let rules = with_hub(store, async |hub| Ok(hub.list_route_rules(&operator).await?))?;
            for rule in rules {
                writeln!(out, "{rule}")?;
            }
        }
        RouteCommand::Remove { id, store } => {
            with_hub(store, async |hub| {
                Ok(hub.remove_route_rule(&operator, id).await?)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_timers(args: &TimerArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    let policy = match &args.command {
        TimerCommand::Show { store } => with_hub(store, async |hub| Ok(hub.incident_timer_policy().await?))?,
        TimerCommand::Set {
            severity,
            acknowledge,
            triage,
            resolve,
            store,
        } => {
            let Some(severity) = hub::parse_severity(severity) else {
                bail!("severity {severity:?} is not low, medium, high or critical");
            };
            let seconds = StageSeconds {
                acknowledge: duration_seconds(acknowledge)?,
                triage: duration_seconds(triage)?,
                resolve: duration_seconds(resolve)?,
            };
            with_hub(store, async |hub| {
                Ok(hub.set_incident_timers(&operator, severity, seconds).await?)
            })?
        }
    };
    writeln!(out, "{}", serde_json::to_string(&policy)?)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_category(args: &CategoryArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        CategoryCommand::Add {
            id,
            name,
            description,
            store,
        } => {
            with_hub(store, async |hub| {
                Ok(hub
                    .add_incident_category(&operator, id, name, description)
                    .await?)
            })?;
        }
        CategoryCommand::List { store } => {
            let taxonomy = with_hub(store, async |hub| Ok(hub.incident_taxonomy().await?))?;
            for category in taxonomy.categories() {
                writeln!(out, "{}", serde_json::to_string(category)?)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_tiers() {
        assert_eq!(duration_seconds("15m").ok(), Some(900));
        assert_eq!(duration_seconds("2h").ok(), Some(7200));
        assert_eq!(duration_seconds("45").ok(), Some(45));
        assert!(duration_seconds("soon").is_err());
        assert!(duration_seconds("5y").is_err());
        assert_eq!(
            tier("org:state, account:duty").ok(),
            Some(json!({"orgs": ["state"], "accounts": ["duty"]}))
        );
        assert!(tier("state").is_err());
    }
}
