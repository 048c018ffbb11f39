//! `stixhub asset add|list|verify|remove|release` (issue 14): organisations' asset claims for victim
//! notification. The operator holds the store, so acts as a hub admin (`Caller::operator`), through the same
//! hub use cases as the REST API; notifications are raised by `serve`.

use std::io::Write;
use std::process::ExitCode;

use hub::{AssetView, Caller};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub asset …`
#[derive(Debug, clap::Args)]
pub(crate) struct AssetArgs {
    #[command(subcommand)]
    command: AssetCommand,
}

/// Exactly one claim per `add`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct Claim {
    /// An IPv4 or IPv6 network (or one address).
    #[arg(long)]
    cidr: Option<String>,
    /// A DNS domain, with its subdomains.
    #[arg(long)]
    domain: Option<String>,
    /// An e-mail domain, with its subdomains.
    #[arg(long = "email-domain")]
    email_domain: Option<String>,
    /// An autonomous system number (AS64500).
    #[arg(long)]
    asn: Option<String>,
    /// A package URL or CPE.
    #[arg(long)]
    software: Option<String>,
}

impl Claim {
    fn kind_and_value(&self) -> (&'static str, &str) {
        let options = [
            ("cidr", &self.cidr),
            ("domain", &self.domain),
            ("email-domain", &self.email_domain),
            ("asn", &self.asn),
            ("software", &self.software),
        ];
        options
            .into_iter()
            .find_map(|(kind, value)| value.as_deref().map(|v| (kind, v)))
            .unwrap_or(("cidr", ""))
    }
}

#[derive(Debug, clap::Subcommand)]
enum AssetCommand {
    /// Claim an asset for ORG (unverified until verified): prints the asset id.
    Add {
        /// The organisation claiming it.
        org: String,
        #[command(flatten)]
        claim: Claim,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List an organisation's assets with the overlapping claims of others (`--pending`: every unverified
    /// claim), one JSON line each with `--json`.
    List {
        /// The organisation.
        #[arg(long, required_unless_present = "pending")]
        org: Option<String>,
        /// The verification queue instead.
        #[arg(long)]
        pending: bool,
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Verify a claim: from now on it notifies its organisation.
    Verify(ById),
    /// Remove a claim.
    Remove(ById),
    /// Release the object of a victim-found task (its event position) to the victim organisation.
    Release {
        /// The task's event position.
        seq: u64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, clap::Args)]
struct ById {
    /// Asset id.
    id: String,
    #[command(flatten)]
    store: StoreArgs,
}

fn line(asset: &AssetView) -> String {
    let state = if asset.verified_by.is_some() {
        "verified"
    } else {
        "unverified"
    };
    let mut text = format!(
        "{}\t{}\t{}\t{}\t{state}",
        asset.id, asset.org, asset.kind, asset.value
    );
    for overlap in &asset.overlaps {
        text.push_str(&format!(
            "\toverlaps {} ({} {})",
            overlap.value, overlap.org, overlap.id
        ));
    }
    text
}

pub(crate) fn run_asset(args: &AssetArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        AssetCommand::Add { org, claim, store } => {
            let (kind, value) = claim.kind_and_value();
            let asset = with_hub(store, async |hub| {
                Ok(hub
                    .claim_asset(&operator, Some(org.as_str()), kind, value)
                    .await?)
            })?;
            writeln!(out, "{}", asset.id)?;
        }
        AssetCommand::List {
            org,
            pending,
            json,
            store,
        } => {
            let assets = with_hub(store, async |hub| {
                Ok(if *pending {
                    hub.pending_assets(&operator).await?
                } else {
                    hub.org_assets(&operator, org.as_deref()).await?
                })
            })?;
            for asset in &assets {
                if *json {
                    writeln!(out, "{}", asset.to_json())?;
                } else {
                    writeln!(out, "{}", line(asset))?;
                }
            }
        }
        AssetCommand::Verify(ById { id, store }) => {
            let asset = with_hub(store, async |hub| Ok(hub.verify_asset(&operator, id).await?))?;
            for overlap in &asset.overlaps {
                eprintln!(
                    "note: overlaps {} claimed by {} ({})",
                    overlap.value, overlap.org, overlap.id
                );
            }
            writeln!(out, "{}", line(&asset))?;
        }
        AssetCommand::Remove(ById { id, store }) => {
            with_hub(store, async |hub| Ok(hub.remove_asset(&operator, id).await?))?;
        }
        AssetCommand::Release { seq, store } => {
            let released = with_hub(store, async |hub| {
                Ok(hub.release_to_victim(&operator, *seq).await?)
            })?;
            writeln!(
                out,
                "released to {} (recipients {}); notified: {}",
                released.owner,
                released.recipients.join(", "),
                released.notified
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
