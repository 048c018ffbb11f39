//! `stixhub webhook add|list|remove|rotate|enable|disable|dead-letters|replay` (issue 13). The operator holds
//! the store, so acts as a hub admin (`Caller::operator`). Deliveries are made by `serve`. The last four
//! (`EndpointCommand`) serve `stixhub email` too.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use hub::{Caller, NewWebhook, Webhook};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub webhook …`
#[derive(Debug, clap::Args)]
pub(crate) struct WebhookArgs {
    #[command(subcommand)]
    command: WebhookCommand,
}

#[derive(Debug, clap::Subcommand)]
enum WebhookCommand {
    /// Add a webhook for ACCOUNT: prints its id, then its signing secret (shown only now).
    Add {
        /// The owning account: events are released to the webhook as to this account.
        account: String,
        /// Where deliveries are POSTed (http or https).
        #[arg(long)]
        url: String,
        /// Only events of this collection (id or alias; repeatable).
        #[arg(long = "collection")]
        collections: Vec<String>,
        /// Only objects of this STIX type (repeatable).
        #[arg(long = "type")]
        types: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List webhooks (one JSON line each with `--json`).
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
    /// Remove a webhook with its pending deliveries and dead letters.
    Remove(ById),
    /// Replace the signing secret (printed); the old one keeps signing beside it for the grace period.
    Rotate {
        #[command(flatten)]
        id: ById,
        /// How long the old secret keeps signing, in seconds.
        #[arg(long, default_value_t = 86_400)]
        grace: u64,
    },
    #[command(flatten)]
    Endpoint(EndpointCommand),
}

/// What webhooks and e-mail destinations share (both are push endpoints of the delivery worker).
#[derive(Debug, clap::Subcommand)]
pub(crate) enum EndpointCommand {
    /// Enable delivery again (after a `410 Gone` or `disable`).
    Enable(ById),
    /// Stop delivering.
    Disable(ById),
    /// List the dead letters as JSON lines (`--pending`: the deliveries waiting for a retry).
    DeadLetters {
        #[command(flatten)]
        id: ById,
        /// Show the deliveries waiting for a retry instead.
        #[arg(long)]
        pending: bool,
    },
    /// Queue dead letters again with a fresh retry schedule (all of them, or `--seq` ones).
    Replay {
        #[command(flatten)]
        id: ById,
        /// Only this event position (repeatable).
        #[arg(long = "seq")]
        seqs: Vec<u64>,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct ById {
    /// The webhook's or e-mail destination's id.
    id: String,
    #[command(flatten)]
    store: StoreArgs,
}

fn webhook_line(webhook: &Webhook) -> serde_json::Value {
    serde_json::json!({
        "id": webhook.id,
        "account": webhook.account,
        "url": webhook.url,
        "collections": webhook.collections,
        "types": webhook.types,
        "enabled": webhook.enabled,
        "disabled_reason": webhook.disabled_reason,
        "position": webhook.position,
        "delivered": webhook.delivered,
        "failed_attempts": webhook.failed_attempts,
        "pending": webhook.pending,
        "dead_letters": webhook.dead,
        "live_secrets": webhook.live_secrets,
    })
}

/// A note when the target is an address `serve` refuses unless `--allow-private-webhooks` (the command line
/// does not know how the server runs, so it stores the webhook and says so).
fn private_target_note(url: &str) {
    let Ok(target) = webhook::Target::parse(url) else {
        return;
    };
    if let Some(address) = target.literal_address()
        && let Err(refused) = target.check(address, false)
    {
        eprintln!("note: {refused}");
    }
}

pub(crate) fn run_webhook(args: &WebhookArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        WebhookCommand::Add {
            account,
            url,
            collections,
            types,
            store,
        } => {
            let new = NewWebhook {
                url: url.clone(),
                collections: collections.clone(),
                types: types.clone(),
            };
            let created = with_hub(store, async |hub| {
                Ok(hub.create_webhook(&operator, account, new, None).await?)
            })?;
            private_target_note(url);
            writeln!(out, "{}", created.webhook.id)?;
            writeln!(out, "{}", created.secret)?;
        }
        WebhookCommand::List { account, json, store } => {
            let account = account.as_deref().unwrap_or("*");
            let webhooks = with_hub(store, async |hub| {
                Ok(hub.webhooks(&operator, Some(account)).await?)
            })?;
            for webhook in &webhooks {
                if *json {
                    writeln!(out, "{}", webhook_line(webhook))?;
                } else {
                    let state = if webhook.enabled { "enabled" } else { "disabled" };
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{state}\tdelivered={} pending={} dead={}",
                        webhook.id,
                        webhook.account,
                        webhook.url,
                        webhook.delivered,
                        webhook.pending,
                        webhook.dead
                    )?;
                }
            }
        }
        WebhookCommand::Remove(ById { id, store }) => {
            with_hub(store, async |hub| Ok(hub.delete_webhook(&operator, id).await?))?;
        }
        WebhookCommand::Rotate {
            id: ById { id, store },
            grace,
        } => {
            let grace = Duration::from_secs(*grace);
            let rotated = with_hub(store, async |hub| {
                Ok(hub.rotate_webhook_secret(&operator, id, grace).await?)
            })?;
            writeln!(out, "{}", rotated.secret)?;
        }
        WebhookCommand::Endpoint(command) => return run_endpoint(command),
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs an `EndpointCommand` (for `webhook` and `email`).
pub(crate) fn run_endpoint(command: &EndpointCommand) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match command {
        EndpointCommand::Enable(ById { id, store }) | EndpointCommand::Disable(ById { id, store }) => {
            let enable = matches!(command, EndpointCommand::Enable(_));
            with_hub(store, async |hub| {
                Ok(hub.set_webhook_enabled(&operator, id, enable).await?)
            })?;
        }
        EndpointCommand::DeadLetters {
            id: ById { id, store },
            pending,
        } => {
            let rows = with_hub(store, async |hub| {
                Ok(hub.webhook_failures(&operator, id, !*pending, 1000).await?)
            })?;
            for row in rows {
                let line = serde_json::json!({
                    "seq": row.seq,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                    "dead": row.dead,
                });
                writeln!(out, "{line}")?;
            }
        }
        EndpointCommand::Replay {
            id: ById { id, store },
            seqs,
        } => {
            let replayed = with_hub(store, async |hub| {
                Ok(hub.replay_webhook(&operator, id, seqs.clone()).await?)
            })?;
            eprintln!("{replayed} dead letter(s) queued again");
        }
    }
    Ok(ExitCode::SUCCESS)
}
