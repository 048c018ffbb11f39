//! `stixhub subscription add|list|remove ACCOUNT …`: an account's saved event filters (issue 13), as the
//! operator (a hub admin). The hub checks the filter; a bad one exits 1 naming the field.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use hub::{Caller, EventFilter};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub subscription …`
#[derive(Debug, clap::Args)]
pub(crate) struct SubscriptionArgs {
    #[command(subcommand)]
    command: SubscriptionCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SubscriptionCommand {
    /// Create a subscription for ACCOUNT; prints its id.
    Add(AddArgs),
    /// List ACCOUNT's subscriptions, one JSON object per line.
    List {
        /// The owning account.
        account: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove one of ACCOUNT's subscriptions.
    Remove {
        /// The owning account.
        account: String,
        /// The subscription id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The owning account.
    account: String,
    /// A name for people.
    #[arg(long, default_value = "")]
    name: String,
    /// Only this collection (id or alias; repeatable).
    #[arg(long = "collection")]
    collections: Vec<String>,
    /// Only this STIX type (repeatable).
    #[arg(long = "type")]
    types: Vec<String>,
    /// The highest TLP delivered: clear, green, amber, amber+strict or red.
    #[arg(long)]
    tlp_max: Option<String>,
    /// Any of these labels (repeatable).
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Any of these `indicator_types` (repeatable).
    #[arg(long = "indicator-type")]
    indicator_types: Vec<String>,
    /// Any of these `malware_types` (repeatable).
    #[arg(long = "malware-type")]
    malware_types: Vec<String>,
    /// Deliver TLP:RED and TLP:AMBER+STRICT objects as id and link only.
    #[arg(long)]
    thin_restricted: bool,
    /// Also mail the events to this address (the destination's id is printed on a second line).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// With `--email`: one digest per interval (e.g. 15m) instead of one mail per event.
    #[arg(long, value_name = "INTERVAL", requires = "email")]
    digest: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run(args: &SubscriptionArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        SubscriptionCommand::Add(add) => {
            // Checked before anything is stored, so a bad interval leaves no subscription behind.
            let digest = crate::cmd::email::digest_interval(add.digest.as_deref())?;
            if let Some(address) = &add.email {
                mail::Address::parse(address).map_err(|err| anyhow::anyhow!("--email: {err}"))?;
            }
            let mut filter = EventFilter {
                collections: add.collections.clone(),
                types: add.types.clone(),
                tlp_max: add.tlp_max.clone(),
                labels: add.labels.clone(),
                thin_restricted: add.thin_restricted,
                ..EventFilter::default()
            };
            for (property, values) in [
                ("indicator_types", &add.indicator_types),
                ("malware_types", &add.malware_types),
            ] {
                if !values.is_empty() {
                    filter.vocabularies.insert(property.to_owned(), values.clone());
                }
            }
            let subscription = with_hub(&add.store, async |hub| {
                hub.create_subscription(&Caller::operator(), &add.account, &add.name, filter)
                    .await
                    .with_context(|| format!("creating a subscription for {}", add.account))
            })?;
            writeln!(std::io::stdout().lock(), "{}", subscription.id)?;
            if let Some(address) = &add.email {
                let id = crate::cmd::email::add(&add.store, &subscription.id, address, digest)?;
                writeln!(std::io::stdout().lock(), "{id}")?;
            }
        }
        SubscriptionCommand::List { account, store } => {
            let subscriptions = with_hub(store, async |hub| {
                Ok(hub.subscriptions(&Caller::operator(), Some(account)).await?)
            })?;
            let mut out = std::io::stdout().lock();
            for s in subscriptions {
                let line =
                    serde_json::json!({"id": s.id, "account": s.account, "name": s.name, "filter": s.filter});
                writeln!(out, "{line}")?;
            }
        }
        SubscriptionCommand::Remove { account, id, store } => {
            with_hub(store, async |hub| {
                let operator = Caller::operator();
                let subscription = hub
                    .subscription(&operator, id)
                    .await
                    .context("no such subscription")?;
                anyhow::ensure!(
                    subscription.account == *account,
                    "no such subscription of {account}"
                );
                Ok(hub.delete_subscription(&operator, id).await?)
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
