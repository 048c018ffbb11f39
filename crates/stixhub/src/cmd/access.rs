//! Taking access back from the command line (issue 12, docs/interface.md): `account disable|enable|delete`,
//! `account password`, `token list`, `token revoke`. Like the other admin commands they open the store
//! directly and act as the operator; a change holds on every running node within 1 s
//! (`hub::ACCOUNT_STALENESS`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use hub::Caller;

use crate::cmd::admin::{password_from_stdin, with_hub};
use crate::cmd::store_args::StoreArgs;

/// An account name.
#[derive(Debug, clap::Args)]
pub(crate) struct AccountNameArgs {
    /// Account name.
    account: String,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub account password NAME --password-stdin`
#[derive(Debug, clap::Args)]
pub(crate) struct AccountPasswordArgs {
    /// Account name.
    account: String,
    /// Read the new password from standard input (first line).
    #[arg(long, required = true)]
    password_stdin: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub token revoke TOKEN_OR_ID`
#[derive(Debug, clap::Args)]
pub(crate) struct TokenRevokeArgs {
    /// The token (`shx_…`) or its id (`tok_…`, from `token list`).
    token_or_id: String,
    #[command(flatten)]
    store: StoreArgs,
}

/// Parses a lifetime: digits followed by `s`, `m`, `h` or `d` (bare digits are seconds).
pub(crate) fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((at, unit)) if unit.is_ascii_alphabetic() => (&text[..at], unit),
        _ => (text, 's'),
    };
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a lifetime such as 3600s, 90m, 12h or 30d"))?;
    let seconds = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        other => return Err(format!("unit {other:?} is not one of s, m, h, d")),
    };
    if count == 0 {
        return Err("a token must live longer than 0 s".to_owned());
    }
    Ok(Duration::from_secs(count.saturating_mul(seconds)))
}

pub(crate) fn run_disable(args: &AccountNameArgs, disabled: bool) -> anyhow::Result<ExitCode> {
    with_hub(&args.store, async |hub| {
        hub.set_account_disabled(&Caller::operator(), &args.account, disabled)
            .await
            .with_context(|| format!("changing account {} (does it exist?)", args.account))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_delete(args: &AccountNameArgs) -> anyhow::Result<ExitCode> {
    with_hub(&args.store, async |hub| {
        hub.delete_account(&Caller::operator(), &args.account)
            .await
            .with_context(|| format!("deleting account {} (does it exist?)", args.account))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_password(args: &AccountPasswordArgs) -> anyhow::Result<ExitCode> {
    let password = password_from_stdin()?;
    with_hub(&args.store, async |hub| {
        hub.set_password(&Caller::operator(), &args.account, &password)
            .await
            .with_context(|| format!("setting the password of {}", args.account))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_token_list(args: &AccountNameArgs) -> anyhow::Result<ExitCode> {
    let tokens = with_hub(&args.store, async |hub| {
        hub.list_tokens(&Caller::operator(), &args.account)
            .await
            .with_context(|| format!("listing the tokens of {} (does it exist?)", args.account))
    })?;
    let mut out = std::io::stdout().lock();
    for token in tokens {
        let expires = token
            .expires_micros
            .map_or_else(|| "never".to_owned(), micros_text);
        let state = if token.expired { "expired" } else { "active" };
        writeln!(
            out,
            "{}\tcreated {}\texpires {expires}\t{state}",
            token.id,
            micros_text(token.created_micros)
        )
        .context("writing to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn micros_text(micros: i64) -> String {
    stix::timestamp::Timestamp::from_unix_nanos(i128::from(micros) * 1000, 0)
        .as_str()
        .to_owned()
}

pub(crate) fn run_token_revoke(args: &TokenRevokeArgs) -> anyhow::Result<ExitCode> {
    let account = with_hub(&args.store, async |hub| {
        hub.revoke_token(&Caller::operator(), &args.token_or_id)
            .await
            .context("revoking the token (no such token or id?)")
    })?;
    eprintln!("revoked a token of {account}");
    Ok(ExitCode::SUCCESS)
}
