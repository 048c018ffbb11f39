//! The second sharing-policy slice on the command line: `review` (the PII review queue), `marking`
//! (grants of non-TLP markings), `community add-admin` lives in `sharing`, and `anonymity map` (the private
//! mapping of an organisation's submissions). The operator running these holds the store, so acts as a hub
//! admin; `--reviewer` names the account recorded as deciding.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use hub::{Caller, Review, Verdict};

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub review …`
#[derive(Debug, clap::Args)]
pub(crate) struct ReviewArgs {
    #[command(subcommand)]
    command: ReviewCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReviewCommand {
    /// List the submissions awaiting review (one JSON line each with `--json`).
    List {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show one review: the findings, the original and the proposed redaction.
    Show {
        /// Review id.
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Store the proposed redacted copy.
    Approve(Decide),
    /// Store an edited copy (a STIX object in FILE, `-` for stdin) instead.
    Edit {
        #[command(flatten)]
        decide: Decide,
        /// The edited object.
        file: PathBuf,
    },
    /// Do not store it.
    Reject {
        #[command(flatten)]
        decide: Decide,
        /// Why (goes into the posting's status).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, clap::Args)]
struct Decide {
    /// Review id.
    id: String,
    /// The account recorded as the reviewer.
    #[arg(long, default_value = hub::ADMIN_ACCOUNT)]
    reviewer: String,
    #[command(flatten)]
    store: StoreArgs,
}

fn operator(name: &str) -> Caller {
    Caller {
        account: name.to_owned(),
        org: None,
        is_admin: true,
        role: "hub-admin".to_owned(),
    }
}

fn review_line(review: &Review) -> serde_json::Value {
    serde_json::json!({
        "id": review.id,
        "state": review.state.as_str(),
        "collection": review.collection.as_str(),
        "account": review.account,
        "organisation": review.submitter_org,
        "object_id": review.object_id,
        "object_version": review.object_version,
        "findings": serde_json::from_str::<serde_json::Value>(&review.findings).unwrap_or_default(),
    })
}

pub(crate) fn run_review(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        ReviewCommand::List { json, store } => {
            let reviews = with_hub(store, async |hub| {
                Ok(hub.pending_reviews(&operator("admin")).await?)
            })?;
            let mut out = std::io::stdout().lock();
            for review in &reviews {
                if *json {
                    writeln!(out, "{}", review_line(review))?;
                } else {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        review.id,
                        review.object_id,
                        review.submitter_org.as_deref().unwrap_or("-"),
                        review.account
                    )?;
                }
            }
            if !*json {
                eprintln!("{} pending review(s)", reviews.len());
            }
        }
        ReviewCommand::Show { id, store } => {
            let review = with_hub(store, async |hub| {
                hub.review(&operator("admin"), id).await.context("no such review")
            })?;
            let mut line = review_line(&review);
            line["original"] = review.original.clone().into();
            line["proposed"] = review.proposed.clone().into();
            writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string_pretty(&line)?
            )?;
        }
        ReviewCommand::Approve(decide) => decide_with(decide, Verdict::Approve)?,
        ReviewCommand::Edit { decide, file } => {
            let text =
                super::input::read_input(file).with_context(|| format!("reading {}", file.display()))?;
            decide_with(decide, Verdict::Edit(text))?;
        }
        ReviewCommand::Reject { decide, reason } => decide_with(decide, Verdict::Reject(reason.clone()))?,
    }
    Ok(ExitCode::SUCCESS)
}

fn decide_with(decide: &Decide, verdict: Verdict) -> anyhow::Result<()> {
    let review = with_hub(&decide.store, async |hub| {
        hub.decide_review(&operator(&decide.reviewer), &decide.id, verdict)
            .await
            .with_context(|| format!("deciding review {}", decide.id))
    })?;
    eprintln!("review {} {}", review.id, review.state.as_str());
    Ok(())
}

/// `stixhub marking grant|revoke ACCOUNT MARKING_ID`
#[derive(Debug, clap::Args)]
pub(crate) struct MarkingArgs {
    #[command(subcommand)]
    command: MarkingCommand,
}

#[derive(Debug, clap::Subcommand)]
enum MarkingCommand {
    /// Clear an account for a marking-definition other than TLP.
    Grant(MarkingGrant),
    /// Stop clearing it.
    Revoke(MarkingGrant),
}

#[derive(Debug, clap::Args)]
struct MarkingGrant {
    /// Account name.
    account: String,
    /// The marking-definition id.
    marking: String,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run_marking(args: &MarkingArgs) -> anyhow::Result<ExitCode> {
    let (grant, granted) = match &args.command {
        MarkingCommand::Grant(grant) => (grant, true),
        MarkingCommand::Revoke(grant) => (grant, false),
    };
    with_hub(&grant.store, async |hub| {
        hub.set_marking_grant(&Caller::operator(), &grant.account, &grant.marking, granted)
            .await
            .with_context(|| {
                format!(
                    "setting {} for {} (does the account exist?)",
                    grant.marking, grant.account
                )
            })
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `stixhub anonymity map COLLECTION --org ORG`: original id and public id, tab-separated, one per line.
#[derive(Debug, clap::Args)]
pub(crate) struct AnonymityArgs {
    #[command(subcommand)]
    command: AnonymityCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AnonymityCommand {
    /// Print the private mapping of an organisation's submissions to a collection.
    Map {
        /// Collection id or alias.
        collection: String,
        /// The submitting organisation.
        #[arg(long)]
        org: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run_anonymity(args: &AnonymityArgs) -> anyhow::Result<ExitCode> {
    let AnonymityCommand::Map {
        collection,
        org,
        store,
    } = &args.command;
    let mapping = with_hub(store, async |hub| {
        hub.republished_ids(&hub::Caller::operator(), collection, org)
            .await
            .with_context(|| format!("reading collection {collection}"))
    })?;
    let mut out = std::io::stdout().lock();
    for (original, public) in mapping {
        writeln!(out, "{original}\t{public}")?;
    }
    Ok(ExitCode::SUCCESS)
}
