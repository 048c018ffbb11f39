//! `stixhub email add|list|remove|enable|disable|dead-letters|replay` (issue 13): e-mail destinations of
//! subscriptions. The operator holds the store, so acts as a hub admin (`Caller::operator`); mail is sent by
//! `serve` when its `[email]` section names a relay. `subscription add … --email ADDR` makes one too.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use hub::{Caller, EmailDestination};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;
use crate::cmd::webhook::{EndpointCommand, run_endpoint};

/// `stixhub email …`
#[derive(Debug, clap::Args)]
pub(crate) struct EmailArgs {
    #[command(subcommand)]
    command: EmailCommand,
}

#[derive(Debug, clap::Subcommand)]
enum EmailCommand {
    /// Mail a subscription's events to an address; prints the destination's id.
    Add {
        /// The subscription id (its owner's release gate applies to every mail).
        subscription: String,
        /// The recipient.
        #[arg(long)]
        to: String,
        /// One digest per interval (e.g. 15m, 1h) instead of one mail per event.
        #[arg(long, value_name = "INTERVAL")]
        digest: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List e-mail destinations (one JSON line each with `--json`).
    List {
        /// Only this account's.
        #[arg(long)]
        account: Option<String>,
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove an e-mail destination with its pending deliveries and dead letters.
    Remove {
        /// The destination's id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    #[command(flatten)]
    Endpoint(EndpointCommand),
}

/// Reads `--digest` (`15m`, `1h`, `90s`).
pub(crate) fn digest_interval(text: Option<&str>) -> anyhow::Result<Option<Duration>> {
    text.map(|t| webhook::parse_duration(t).map_err(|err| anyhow::anyhow!("--digest: {err}")))
        .transpose()
}

/// Adds a destination as the operator; its id.
pub(crate) fn add(
    store: &StoreArgs,
    subscription: &str,
    to: &str,
    digest: Option<Duration>,
) -> anyhow::Result<String> {
    let created = with_hub(store, async |hub| {
        Ok(hub
            .create_email(&Caller::operator(), subscription, to, digest)
            .await?)
    })?;
    Ok(created.id)
}

fn line(email: &EmailDestination) -> serde_json::Value {
    serde_json::json!({
        "id": email.id,
        "account": email.account,
        "subscription": email.subscription,
        "address": email.address,
        "digest_seconds": email.digest.map(|d| d.as_secs()),
        "enabled": email.enabled,
        "disabled_reason": email.disabled_reason,
        "position": email.position,
        "delivered": email.delivered,
        "failed_attempts": email.failed_attempts,
        "pending": email.pending,
        "dead_letters": email.dead,
    })
}

pub(crate) fn run_email(args: &EmailArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        EmailCommand::Add {
            subscription,
            to,
            digest,
            store,
        } => {
            let id = add(store, subscription, to, digest_interval(digest.as_deref())?)?;
            writeln!(out, "{id}")?;
        }
        EmailCommand::List { account, json, store } => {
            let account = account.as_deref().unwrap_or("*");
            let emails = with_hub(store, async |hub| {
                Ok(hub.emails(&operator, Some(account)).await?)
            })?;
            for email in &emails {
                if *json {
                    writeln!(out, "{}", line(email))?;
                } else {
                    let state = if email.enabled { "enabled" } else { "disabled" };
                    let mode = email
                        .digest
                        .map_or_else(|| "each".to_owned(), |d| format!("digest {}s", d.as_secs()));
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{mode}\t{state}\tdelivered={} pending={} dead={}",
                        email.id, email.account, email.address, email.delivered, email.pending, email.dead
                    )?;
                }
            }
        }
        EmailCommand::Remove { id, store } => {
            with_hub(store, async |hub| Ok(hub.delete_email(&operator, id).await?))?;
        }
        EmailCommand::Endpoint(command) => return run_endpoint(command),
    }
    Ok(ExitCode::SUCCESS)
}
