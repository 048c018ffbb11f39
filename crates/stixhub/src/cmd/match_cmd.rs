//! `stixhub match [--url URL [--token T | --user U --password-stdin]] FILE`: which indicators match the
//! observations in FILE (a STIX bundle or a JSON array of observables; `-` reads standard input).
//!
//! With `--url` the file is posted to a running hub's `POST /match/v1/` and the answer is the caller's;
//! without it the local store (`--data DIR` / `--database URL`) is opened, its live index built, and the
//! file matched as the operator (every indicator). Prints the JSON answer. Exit 0: something matched;
//! 1: nothing matched; 2: error (malformed items are listed on stderr).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use hub::{Caller, Hub, HubConfig, MatchOutcome};

use super::input::read_input;
use crate::cmd::store_args::StoreArgs;

/// How long a remote match may take.
const REMOTE_TIMEOUT: Duration = Duration::from_secs(300);

/// Arguments of `stixhub match`.
#[derive(Debug, clap::Args)]
pub(crate) struct MatchArgs {
    /// A STIX bundle or a JSON array of observables (`{"type": "ipv4-addr", "value": "…"}`); `-` for stdin.
    file: PathBuf,
    /// A running hub's base URL (e.g. http://127.0.0.1:8080); without it the local store is used.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// A bearer token for `--url`.
    #[arg(long, value_name = "TOKEN", conflicts_with = "user")]
    token: Option<String>,
    /// An account name for `--url` (HTTP Basic), with the password on standard input.
    #[arg(long, value_name = "ACCOUNT", requires = "password_stdin")]
    user: Option<String>,
    /// Read the password of `--user` from standard input (first line).
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run(args: &MatchArgs) -> anyhow::Result<ExitCode> {
    if args.password_stdin && args.file.as_os_str() == "-" {
        bail!("--password-stdin and FILE - both want standard input");
    }
    let body = read_input(&args.file)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting tokio")?;
    match &args.url {
        Some(url) => runtime.block_on(remote(args, url, body.into_bytes())),
        None => runtime.block_on(local(args, body.into_bytes())),
    }
}

async fn remote(args: &MatchArgs, url: &str, body: Vec<u8>) -> anyhow::Result<ExitCode> {
    let mut headers = Vec::new();
    if let Some(token) = &args.token {
        headers.push(("authorization", format!("Bearer {token}")));
    } else if let Some(user) = &args.user {
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .context("reading the password from standard input")?;
        let password = password.lines().next().unwrap_or_default();
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("authorization", format!("Basic {credentials}")));
    }
    let endpoint = format!("{}/match/v1/", url.trim_end_matches('/'));
    let answer = server::post_json(&endpoint, &headers, body, REMOTE_TIMEOUT)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let text = String::from_utf8_lossy(&answer.body);
    if answer.status != 200 {
        eprintln!("{text}");
        bail!("{endpoint} answered {}", answer.status);
    }
    let report: serde_json::Value = serde_json::from_str(&text).context("the answer is not JSON")?;
    print_line(&text)?;
    let matched = report
        .get("matches")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|matches| !matches.is_empty());
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn local(args: &MatchArgs, body: Vec<u8>) -> anyhow::Result<ExitCode> {
    let hub = Arc::new(
        Hub::new(args.store.open().await?, HubConfig::default())
            .await
            .context("opening the hub")?,
    );
    hub.start_live_index();
    let latest = hub.latest_event();
    while !hub.wait_live_index(latest, Duration::from_secs(3600)).await {}
    let outcome = hub
        .match_observations(&Caller::operator(), &body)
        .await
        .context("matching")?;
    hub.flush_audit().await.context("writing the audit log")?;
    match outcome {
        MatchOutcome::Matched(report) => {
            print_line(&serde_json::to_string(&report)?)?;
            Ok(if report.matches.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        MatchOutcome::Malformed(problems) => {
            for problem in &problems {
                eprintln!("{}", serde_json::to_string(problem)?);
            }
            bail!("{} malformed item(s); nothing was matched", problems.len())
        }
    }
}

/// Writes the answer and a newline to standard output.
fn print_line(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").context("writing the answer")?;
    out.flush().context("writing the answer")
}
