//! `stixhub export ID_OR_ALIAS --format FORMAT`: a detection export of a collection (docs/exports.md) from the
//! local store, as the operator, written to standard output as it is rendered (memory stays bounded).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use hub::{Caller, ExportConfig, ExportRequest, Hub, HubConfig};

use crate::cmd::store_args::StoreArgs;

/// Arguments of `stixhub export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// Collection id or alias.
    collection: String,
    /// suricata, snort, zeek, csv, rpz or plain.
    #[arg(long, value_name = "FORMAT")]
    format: String,
    /// Keep only values of this type (repeatable): ipv4-addr, ipv6-addr, domain-name, url, email-addr, file.
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Keep only indicators whose confidence is at least N.
    #[arg(long, value_name = "N")]
    min_confidence: Option<u8>,
    /// Keep only indicators whose hub score (issue 15, docs/feedback.md) is at least N (0–100).
    #[arg(long, value_name = "N")]
    min_score: Option<u8>,
    /// Keep only indicators added to the collection after this time (RFC 3339, like TAXII's added_after).
    #[arg(long, value_name = "TIMESTAMP")]
    added_after: Option<String>,
    /// Also export indicators outside their valid_from/valid_until window.
    #[arg(long)]
    include_expired: bool,
    /// Also export revoked indicators.
    #[arg(long)]
    include_revoked: bool,
    /// Which warninglists suppress known-benign values: default, all or none.
    #[arg(long, value_name = "SET", default_value = "default")]
    warninglists: String,
    /// The hub's public URL, for the references back to each indicator.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    hub_url: String,
    /// First sid of the hub's rule range.
    #[arg(long, value_name = "N", default_value_t = ExportConfig::default().sid_base)]
    sid_base: u32,
    /// How many sids the range holds.
    #[arg(long, value_name = "N", default_value_t = ExportConfig::default().sid_count)]
    sid_count: u32,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let added_after = match &args.added_after {
        Some(text) => Some(
            stix::timestamp::Timestamp::parse(text)
                .ok()
                .and_then(|t| i64::try_from(t.unix_nanos().div_euclid(1000)).ok())
                .ok_or_else(|| anyhow::anyhow!("--added-after {text:?} is not a timestamp"))?,
        ),
        None => None,
    };
    let request = ExportRequest {
        format: args.format.clone(),
        types: args.types.clone(),
        min_confidence: args.min_confidence,
        min_score: args.min_score,
        added_after,
        include_expired: args.include_expired,
        include_revoked: args.include_revoked,
        warninglists: args.warninglists.clone(),
        hub_url: args.hub_url.clone(),
    };
    let config = HubConfig {
        exports: ExportConfig {
            sid_base: args.sid_base,
            sid_count: args.sid_count,
        },
        ..HubConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting tokio")?;
    runtime.block_on(async {
        let hub = Arc::new(
            Hub::new(args.store.open().await?, config)
                .await
                .context("opening the hub")?,
        );
        let mut stream = hub
            .export_start(&Caller::operator(), &args.collection, &request)
            .await
            .with_context(|| format!("exporting collection {}", args.collection))?;
        let mut out = std::io::stdout();
        while let Some(chunk) = stream.next_chunk().await.context("reading the collection")? {
            out.write_all(chunk.as_bytes()).context("writing the export")?;
        }
        out.flush().context("writing the export")?;
        hub.flush_audit().await.context("writing the audit log")?;
        Ok(ExitCode::SUCCESS)
    })
}
