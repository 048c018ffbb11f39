//! `stixhub feed add|list|show|remove|run` (issue 17, docs/federation.md): feeds pull upstream TAXII
//! collections into local ones. The operator holds the store, so acts as a hub admin (`Caller::operator`);
//! `serve` runs the feeds on their schedules, `feed run` pulls one now.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use hub::{Caller, FeedCredential, FeedView, NewFeed};

use crate::cmd::admin::{password_from_stdin, with_hub};
use crate::cmd::store_args::StoreArgs;

/// `stixhub feed …`
#[derive(Debug, clap::Args)]
pub(crate) struct FeedArgs {
    #[command(subcommand)]
    command: FeedCommand,
}

#[derive(Debug, clap::Subcommand)]
enum FeedCommand {
    /// Add a feed: prints its id.
    Add(Box<AddArgs>),
    /// Every feed with its status (`--json`: one JSON object a line).
    List {
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// One feed with its status, as JSON.
    Show(ById),
    /// Remove a feed (what it pulled stays).
    Remove(ById),
    /// Pull once now; exit 0 when the run succeeded, 1 when it failed (the reason on stderr).
    Run(ById),
    /// Feeds out: push a subscription's events to another TAXII server's collection.
    Push {
        #[command(subcommand)]
        command: PushCommand,
    },
}

#[derive(Debug, clap::Subcommand)]
enum PushCommand {
    /// Push SUBSCRIPTION's events from now on to the collection at --url: prints the push id.
    Add {
        /// The subscription (`stixhub subscription add`) whose events are pushed.
        subscription: String,
        /// The target collection URL.
        #[arg(long)]
        url: String,
        #[command(flatten)]
        credential: CredentialArgs,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every push as JSON lines.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove a push with its pending deliveries and dead letters.
    Remove(ById),
    #[command(flatten)]
    Endpoint(crate::cmd::webhook::EndpointCommand),
}

/// How to reach and authenticate to a TAXII server.
#[derive(Debug, clap::Args)]
struct CredentialArgs {
    /// HTTP Basic user (the password is read from standard input).
    #[arg(long, requires = "password_stdin", conflicts_with = "token_stdin")]
    user: Option<String>,
    /// Read the Basic password from standard input.
    #[arg(long, requires = "user")]
    password_stdin: bool,
    /// Read a bearer token from standard input.
    #[arg(long)]
    token_stdin: bool,
    /// CA certificates (PEM) to trust instead of the platform's.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<String>,
    /// A client certificate (PEM), with `--client-key`; alone or with `--user`.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<String>,
    /// The client certificate's key (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    client_key: Option<String>,
}

impl CredentialArgs {
    fn credential(&self) -> anyhow::Result<FeedCredential> {
        Ok(match (&self.user, self.token_stdin) {
            (Some(user), _) => FeedCredential::Basic {
                user: user.clone(),
                password: password_from_stdin()?,
            },
            (None, true) => FeedCredential::Bearer(password_from_stdin().context("reading the token")?),
            (None, false) => FeedCredential::None,
        })
    }

    fn client_certificate(&self) -> anyhow::Result<Option<(String, String)>> {
        Ok(
            match (
                absolute(self.client_cert.clone())?,
                absolute(self.client_key.clone())?,
            ) {
                (Some(cert), Some(key)) => Some((cert, key)),
                _ => None,
            },
        )
    }
}

#[derive(Debug, clap::Args)]
struct ById {
    /// The feed id.
    id: String,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// The local collection (id or alias) the feed fills.
    #[arg(long)]
    collection: String,
    /// The upstream collection URL (`https://HOST/API-ROOT/collections/ID/`).
    #[arg(long)]
    url: String,
    #[command(flatten)]
    credential: CredentialArgs,
    /// Seconds between pulls while `serve` runs.
    #[arg(long, default_value_t = 300)]
    every: u64,
    /// Backfill: only objects added upstream after this instant (RFC 3339); default everything.
    #[arg(long, value_name = "TIMESTAMP")]
    backfill_from: Option<String>,
    /// Replace a marking-definition on arrival: `FROM_ID=TO_ID` (repeatable); default: markings kept.
    #[arg(long = "map-marking", value_name = "FROM=TO")]
    map_markings: Vec<String>,
    /// The local account objects are posted as [default: admin].
    #[arg(long)]
    account: Option<String>,
    /// Compare with the upstream manifest every N runs and delete what the upstream deleted (0: never).
    #[arg(long, default_value_t = 10)]
    reconcile_every: u32,
    #[command(flatten)]
    store: StoreArgs,
}

fn absolute(path: Option<String>) -> anyhow::Result<Option<String>> {
    // `serve` may run from another directory: keep the file names it will read absolute.
    path.map(|path| {
        std::path::absolute(&path)
            .map(|p| p.display().to_string())
            .with_context(|| format!("resolving {path}"))
    })
    .transpose()
}

fn new_feed(args: &AddArgs) -> anyhow::Result<NewFeed> {
    let credential = args.credential.credential()?;
    let mut marking_map = BTreeMap::new();
    for pair in &args.map_markings {
        let Some((from, to)) = pair.split_once('=') else {
            bail!("--map-marking {pair:?}: expected FROM_ID=TO_ID");
        };
        marking_map.insert(from.trim().to_owned(), to.trim().to_owned());
    }
    let client_certificate = args.credential.client_certificate()?;
    Ok(NewFeed {
        collection: args.collection.clone(),
        url: args.url.clone(),
        credential,
        ca_file: absolute(args.credential.ca_file.clone())?,
        client_certificate,
        every_secs: args.every,
        backfill_from: args.backfill_from.clone(),
        marking_map,
        account: args.account.clone(),
        reconcile_every: args.reconcile_every,
    })
}

fn print_line(line: &str) -> anyhow::Result<()> {
    writeln!(std::io::stdout().lock(), "{line}").context("writing to standard output")
}

fn table_line(feed: &FeedView) -> String {
    let status = match (&feed.state.last_error, feed.state.last_success_micros) {
        (Some(error), _) => format!("error: {error}"),
        (None, Some(_)) => "ok".to_owned(),
        (None, None) => "never run".to_owned(),
    };
    format!(
        "{}\t{}\t{}\tpulled={}\tlag={}\t{status}",
        feed.id,
        feed.collection,
        feed.url,
        feed.state.objects_pulled,
        feed.lag_seconds
            .map_or_else(|| "-".to_owned(), |s| format!("{s}s")),
    )
}

pub(crate) fn run(args: &FeedArgs) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    match &args.command {
        FeedCommand::Add(add) => {
            let new = new_feed(add)?;
            let id = with_hub(&add.store, async |hub| Ok(hub.add_feed(&operator, new).await?))?;
            print_line(&id)?;
        }
        FeedCommand::List { json, store } => {
            let feeds = with_hub(store, async |hub| Ok(hub.list_feeds(&operator).await?))?;
            for feed in &feeds {
                if *json {
                    print_line(&serde_json::to_string(feed)?)?;
                } else {
                    print_line(&table_line(feed))?;
                }
            }
        }
        FeedCommand::Show(by_id) => {
            let feed = with_hub(&by_id.store, async |hub| {
                Ok(hub.feed(&operator, &by_id.id).await?)
            })?;
            print_line(&serde_json::to_string_pretty(&feed)?)?;
        }
        FeedCommand::Remove(by_id) => {
            with_hub(&by_id.store, async |hub| {
                Ok(hub.remove_feed(&operator, &by_id.id).await?)
            })?;
        }
        FeedCommand::Push { command } => return run_push(command),
        FeedCommand::Run(by_id) => {
            let source = crate::feed_source::TaxiiFeedSource::default();
            let outcome = with_hub(&by_id.store, async |hub| {
                Ok(hub.run_feed(&operator, &source, &by_id.id).await)
            })?;
            match outcome {
                Ok(run) => print_line(&serde_json::to_string(&run)?)?,
                Err(hub::HubError::NotFound) => bail!("no feed {}", by_id.id),
                Err(err) => {
                    eprintln!("stixhub: feed {} failed: {err}", by_id.id);
                    return Ok(ExitCode::from(1));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_push(command: &PushCommand) -> anyhow::Result<ExitCode> {
    let operator = Caller::operator();
    match command {
        PushCommand::Add {
            subscription,
            url,
            credential,
            store,
        } => {
            let (secret, ca_file, certificate) = (
                credential.credential()?,
                absolute(credential.ca_file.clone())?,
                credential.client_certificate()?,
            );
            let push = with_hub(store, async |hub| {
                Ok(hub
                    .create_push(&operator, subscription, url, secret, ca_file, certificate)
                    .await?)
            })?;
            print_line(&push.id)?;
        }
        PushCommand::List { store } => {
            for push in with_hub(store, async |hub| Ok(hub.pushes(&operator).await?))? {
                print_line(&serde_json::to_string(&push)?)?;
            }
        }
        PushCommand::Remove(by_id) => {
            with_hub(&by_id.store, async |hub| {
                Ok(hub.delete_push(&operator, &by_id.id).await?)
            })?;
        }
        PushCommand::Endpoint(endpoint) => return crate::cmd::webhook::run_endpoint(endpoint),
    }
    Ok(ExitCode::SUCCESS)
}
