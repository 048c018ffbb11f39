//! `stixhub vulns …`, `stixhub sbom …` and `stixhub risk …` (issue 18): vulnerability knowledge, SBOM
//! intake and findings, tags, the function catalogue, the register and supplier risk, against the local data
//! directory (or database) like the other admin commands. The operator acts as a hub admin
//! (`Caller::operator`) through the same hub use cases as the REST API.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use hub::{Caller, SbomUpload, TagTarget};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub vulns …`
#[derive(Debug, clap::Args)]
pub(crate) struct VulnsArgs {
    #[command(subcommand)]
    command: VulnsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum VulnsCommand {
    /// Import OSV records, CSAF 2.0 advisories (incl. VEX), CycloneDX VEX or the KEV catalogue (files, or
    /// directories walked for `*.json`), then re-evaluate every SBOM. Exit 1 when a document was refused.
    Import {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the imported knowledge documents.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `stixhub sbom …`
#[derive(Debug, clap::Args)]
pub(crate) struct SbomArgs {
    #[command(subcommand)]
    command: SbomCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SbomCommand {
    /// Import an SBOM (CycloneDX or SPDX JSON) for ORG: prints its id; its findings are evaluated at once.
    Import {
        /// The organisation.
        org: String,
        /// The SBOM file (`-`: standard input).
        file: PathBuf,
        /// The product it describes.
        #[arg(long)]
        product: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List ORG's SBOMs.
    List {
        /// The organisation.
        org: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// ORG's findings with their SSVC decisions (`--json`: one JSON object per line); the components not
    /// evaluated are counted with their reasons on stderr.
    Findings {
        /// The organisation.
        org: String,
        /// Only this SBOM.
        #[arg(long)]
        sbom: Option<String>,
        /// JSON lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Delete an SBOM and its findings.
    Delete {
        /// The SBOM id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `stixhub risk …`
#[derive(Debug, clap::Args)]
pub(crate) struct RiskArgs {
    #[command(subcommand)]
    command: RiskCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RiskCommand {
    /// Tag ORG (or one of its assets or products) with sectors and National Critical Functions (replacing
    /// its tags; none removes them).
    Tag {
        /// The organisation.
        org: String,
        /// Tag this asset (its id) instead of the organisation.
        #[arg(long, conflicts_with = "product")]
        asset: Option<String>,
        /// Tag this product instead of the organisation.
        #[arg(long)]
        product: Option<String>,
        /// A sector id (repeatable).
        #[arg(long = "sector")]
        sectors: Vec<String>,
        /// A National Critical Function id (repeatable).
        #[arg(long = "function")]
        functions: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print ORG's tags as JSON.
    Tags {
        /// The organisation.
        org: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the sector and function catalogue as JSON; `--load FILE` adds an operator's function list.
    Functions {
        /// A JSON list of function names (or objects with `name`, `id`, `group`).
        #[arg(long)]
        load: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the ranked register (JSON, or CSV with `--csv`) as the operator sees it.
    Register {
        /// CSV instead of JSON.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Store a snapshot of the register now (the trend) and announce overdue actions.
    Snapshot {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the STIX summary of a supplier's products from ORG's findings (a JSON envelope).
    Supplier {
        /// The organisation whose SBOMs describe the products.
        org: String,
        /// The supplier's name.
        supplier: String,
        /// A product of the supplier (repeatable).
        #[arg(long = "product", required = true)]
        products: Vec<String>,
        /// The TLP of the summary.
        #[arg(long, default_value = "amber")]
        tlp: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// The JSON files under `path` (itself when a file), sorted.
fn json_files(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|e| e == "json") {
                json_files(&entry, out)?;
            }
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

pub(crate) fn run_vulns(args: &VulnsArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        VulnsCommand::Import { paths, store } => {
            let mut files = Vec::new();
            for path in paths {
                json_files(path, &mut files)?;
            }
            let mut documents = Vec::new();
            for file in &files {
                let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
                documents.push((file.display().to_string(), bytes));
            }
            let summary = with_hub(store, async |hub| {
                Ok(hub.import_knowledge(&operator, documents).await?)
            })?;
            let mut refused = 0;
            for d in &summary.documents {
                match (&d.kind, &d.error) {
                    (Some(kind), None) => writeln!(out, "{}\t{kind}\t{} records", d.name, d.records)?,
                    (_, error) => {
                        refused += 1;
                        eprintln!("{}: refused: {}", d.name, error.as_deref().unwrap_or("unknown"));
                    }
                }
            }
            eprintln!(
                "{} document(s) imported, {refused} refused; knowledge generation {}; {} SBOM(s) re-evaluated, {} finding(s)",
                summary.documents.len() - refused,
                summary.generation,
                summary.sboms_reevaluated,
                summary.findings
            );
            if refused > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        VulnsCommand::List { store } => {
            for (name, kind, records, _) in
                with_hub(store, async |hub| Ok(hub.knowledge_documents(&operator).await?))?
            {
                writeln!(out, "{name}\t{kind}\t{records} records")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_sbom(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        SbomCommand::Import {
            org,
            file,
            product,
            store,
        } => {
            let body = crate::cmd::input::read_input(file)?.into_bytes();
            let upload = SbomUpload {
                org: Some(org.clone()),
                product: product.clone(),
                name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
                body,
            };
            let summary = with_hub(store, async |hub| Ok(hub.import_sbom(&operator, upload).await?))?;
            writeln!(out, "{}", summary.id)?;
            eprintln!(
                "{} ({}): {} components; {} affected, {} not affected, {} not evaluated",
                summary.name.as_deref().unwrap_or("sbom"),
                summary.format,
                summary.components,
                summary.counts.0,
                summary.counts.1,
                summary.counts.2
            );
            for diagnostic in &summary.diagnostics {
                eprintln!("diagnostic: {diagnostic}");
            }
        }
        SbomCommand::List { org, store } => {
            for sbom in with_hub(store, async |hub| Ok(hub.sboms(&operator, Some(org)).await?))? {
                writeln!(out, "{}", sbom.to_json())?;
            }
        }
        SbomCommand::Findings {
            org,
            sbom,
            json,
            store,
        } => {
            let (findings, missing) = with_hub(store, async |hub| {
                Ok(hub.findings(&operator, Some(org), sbom.as_deref()).await?)
            })?;
            for f in &findings {
                if *json {
                    writeln!(out, "{}", f.to_json())?;
                } else {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}",
                        f.vulnerability,
                        f.component,
                        f.status,
                        if f.kev { "KEV" } else { "-" },
                        f.ssvc.as_ref().map_or("-", |d| d.outcome.as_str())
                    )?;
                }
            }
            let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
            for (_, _, reason) in &missing {
                *reasons.entry(reason.as_str()).or_default() += 1;
            }
            for (reason, n) in reasons {
                eprintln!("not evaluated: {n} component(s): {reason}");
            }
        }
        SbomCommand::Delete { id, store } => {
            with_hub(store, async |hub| Ok(hub.delete_sbom(&operator, id).await?))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_risk(args: &RiskArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    let mut out = std::io::stdout().lock();
    match &args.command {
        RiskCommand::Tag {
            org,
            asset,
            product,
            sectors,
            functions,
            store,
        } => {
            let target = match (asset, product) {
                (Some(asset), _) => TagTarget::Asset(asset.clone()),
                (None, Some(product)) => TagTarget::Product(product.clone()),
                (None, None) => TagTarget::Organisation,
            };
            let tags = with_hub(store, async |hub| {
                Ok(hub
                    .set_tags(&operator, Some(org), target, sectors, functions)
                    .await?)
            })?;
            writeln!(out, "{}", tags.to_json())?;
        }
        RiskCommand::Tags { org, store } => {
            let tags = with_hub(store, async |hub| Ok(hub.org_tags(&operator, Some(org)).await?))?;
            writeln!(out, "{}", tags.to_json())?;
        }
        RiskCommand::Functions { load, store } => {
            let list = match load {
                Some(file) => Some(
                    serde_json::from_slice::<serde_json::Value>(&std::fs::read(file)?)
                        .with_context(|| format!("{} is not JSON", file.display()))?,
                ),
                None => None,
            };
            let catalogue = with_hub(store, async |hub| {
                Ok(match &list {
                    Some(list) => hub.load_functions(&operator, list).await?,
                    None => hub.risk_catalogue().await?,
                })
            })?;
            writeln!(out, "{}", serde_json::to_string_pretty(&catalogue)?)?;
            eprintln!(
                "{} function(s) of {} not yet named",
                catalogue.unnamed(),
                catalogue.expected
            );
        }
        RiskCommand::Register { csv, store } => {
            let register = with_hub(store, async |hub| Ok(hub.register(&operator).await?))?;
            if *csv {
                write!(out, "{}", register.to_csv())?;
            } else {
                writeln!(out, "{}", register.to_json())?;
            }
        }
        RiskCommand::Snapshot { store } => {
            let n = with_hub(store, async |hub| Ok(hub.take_risk_snapshot().await?))?;
            eprintln!("snapshot stored: {n} contributor(s)");
        }
        RiskCommand::Supplier {
            org,
            supplier,
            products,
            tlp,
            store,
        } => {
            let objects = with_hub(store, async |hub| {
                Ok(hub
                    .supplier_risk(&operator, Some(org), supplier, products, tlp)
                    .await?)
            })?;
            writeln!(out, "{}", serde_json::json!({ "objects": objects }))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
