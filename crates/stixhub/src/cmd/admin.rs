//! The administration commands of docs/interface.md: `collection create`, `account create`, `grant`,
//! `token create` (taking access back, issue 12, is in `access`). Each opens the store directly (SQLite WAL with a busy timeout), so it works while a server
//! runs on the same `--data`, and bootstraps a fresh store exactly as `serve` would.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use hub::{Caller, Hub, HubConfig, NewAccount, NewCollection, Rights};

use crate::cmd::store_args::StoreArgs;

/// `stixhub collection …`
#[derive(Debug, clap::Args)]
pub(crate) struct CollectionArgs {
    #[command(subcommand)]
    command: CollectionCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CollectionCommand {
    /// Create a collection; prints its id.
    Create(CollectionCreateArgs),
    /// Share a collection with a community (its audience: who receives its TLP:GREEN, and the TLP:AMBER
    /// recipients of what is posted to it).
    Share(crate::cmd::sharing::CollectionShareArgs),
    /// Write every version of every object of a collection to a STIX bundle file, byte for byte.
    Export(crate::cmd::transfer::ExportArgs),
    /// Add the objects of a STIX bundle file to a collection (as the operator, validated like a TAXII POST).
    Import(crate::cmd::transfer::ImportArgs),
}

#[derive(Debug, clap::Args)]
struct CollectionCreateArgs {
    /// Title.
    #[arg(long)]
    title: String,
    /// Alias, unique within the API root.
    #[arg(long)]
    alias: Option<String>,
    /// Description.
    #[arg(long)]
    description: Option<String>,
    /// API root name (default: the default API root).
    #[arg(long, value_name = "NAME")]
    api_root: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub account …`
#[derive(Debug, clap::Args)]
pub(crate) struct AccountArgs {
    #[command(subcommand)]
    command: AccountCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AccountCommand {
    /// Create an account; the password is read from standard input.
    Create(AccountCreateArgs),
    /// Disable an account: refused on TAXII and the web UI, its sessions end (on every node within 1 s).
    Disable(crate::cmd::access::AccountNameArgs),
    /// Enable a disabled account.
    Enable(crate::cmd::access::AccountNameArgs),
    /// Delete an account with its tokens, grants and roles (the name stays taken).
    Delete(crate::cmd::access::AccountNameArgs),
    /// Set an account's password (read from standard input); its sessions end.
    Password(crate::cmd::access::AccountPasswordArgs),
}

#[derive(Debug, clap::Args)]
struct AccountCreateArgs {
    /// Account name (the HTTP Basic user name).
    name: String,
    /// Read the password from standard input (first line).
    #[arg(long, required = true)]
    password_stdin: bool,
    /// Organisation (create it first with `stixhub org create`).
    #[arg(long)]
    org: Option<String>,
    /// Sharing-policy role.
    #[arg(long, value_parser = ["member", "org-admin", "community-admin", "hub-admin"])]
    role: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub grant ACCOUNT --collection ID_OR_ALIAS [--read] [--write]` (neither flag: both).
#[derive(Debug, clap::Args)]
pub(crate) struct GrantArgs {
    /// Account name.
    account: String,
    /// Collection id or alias.
    #[arg(long, value_name = "ID_OR_ALIAS")]
    collection: String,
    /// Grant read.
    #[arg(long)]
    read: bool,
    /// Grant write.
    #[arg(long)]
    write: bool,
    /// Take the rights named (both when neither --read nor --write is given) away instead.
    #[arg(long)]
    revoke: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub token …`
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Create a bearer token for an account; prints it (only its hash is kept), then its id on stderr.
    Create(TokenCreateArgs),
    /// List an account's tokens: id, created, expires (never the secret).
    List(crate::cmd::access::AccountNameArgs),
    /// Revoke a token, given as the token itself or its id: it answers 401 from then on, on every node.
    Revoke(crate::cmd::access::TokenRevokeArgs),
}

#[derive(Debug, clap::Args)]
struct TokenCreateArgs {
    /// Account name.
    account: String,
    /// Lifetime: a number with s, m, h or d (e.g. 90d); never expires without it.
    #[arg(long, value_name = "DURATION", value_parser = crate::cmd::access::parse_lifetime)]
    expires_in: Option<std::time::Duration>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Opens the hub over `store` with the audit chain's `keys`, appending the key entry first when the key is new
/// (before any other entry, so every entry after it is keyed).
pub(crate) async fn open_hub(
    store: &StoreArgs,
    keys: crate::cmd::audit_key::AuditKeys,
    config: HubConfig,
) -> anyhow::Result<Hub> {
    let config = HubConfig {
        audit_keys: keys.keys,
        ..config
    };
    let hub = Hub::new(store.open().await?, config)
        .await
        .context("opening the hub")?;
    if keys.introduced {
        hub.introduce_audit_key(hub::HUB_ACTOR)
            .await
            .context("recording the audit key in the log")?;
    }
    Ok(hub)
}

pub(crate) fn with_hub<T>(
    store: &StoreArgs,
    work: impl AsyncFnOnce(&Hub) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let keys = crate::cmd::audit_key::load_or_create(store)?;
    runtime.block_on(async {
        let hub = open_hub(store, keys, HubConfig::default()).await?;
        let bootstrap = hub
            .bootstrap(std::env::var(crate::config::env::ADMIN_PASSWORD).ok())
            .await?;
        if let Some(password) = bootstrap.generated_admin_password {
            eprintln!("created account admin with password: {password}");
        }
        let hub = Arc::new(hub);
        work(&hub).await
    })
}

pub(crate) fn run_collection(args: &CollectionArgs) -> anyhow::Result<ExitCode> {
    let create = match &args.command {
        CollectionCommand::Create(create) => create,
        CollectionCommand::Share(share) => return crate::cmd::sharing::run_collection_share(share),
        CollectionCommand::Export(export) => return crate::cmd::transfer::run_export(export),
        CollectionCommand::Import(import) => return crate::cmd::transfer::run_import(import),
    };
    let created = with_hub(&create.store, async |hub| {
        let new = NewCollection {
            title: create.title.clone(),
            alias: create.alias.clone(),
            description: create.description.clone(),
            api_root: create.api_root.clone(),
        };
        hub.create_collection(&Caller::operator(), new)
            .await
            .context("creating the collection")
    })?;
    writeln!(std::io::stdout().lock(), "{}", created.id).context("writing to standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// The first line of standard input, which must not be empty.
pub(crate) fn password_from_stdin() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the password from standard input")?;
    let password = input.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        bail!("the password read from standard input is empty");
    }
    Ok(password)
}

pub(crate) fn run_account(args: &AccountArgs) -> anyhow::Result<ExitCode> {
    let create = match &args.command {
        AccountCommand::Create(create) => create,
        AccountCommand::Disable(named) => return crate::cmd::access::run_disable(named, true),
        AccountCommand::Enable(named) => return crate::cmd::access::run_disable(named, false),
        AccountCommand::Delete(named) => return crate::cmd::access::run_delete(named),
        AccountCommand::Password(args) => return crate::cmd::access::run_password(args),
    };
    let password = password_from_stdin()?;
    with_hub(&create.store, async |hub| {
        let new = NewAccount {
            name: create.name.clone(),
            password,
            org: create.org.clone(),
            role: create.role.clone(),
        };
        hub.create_account(&Caller::operator(), new)
            .await
            .with_context(|| format!("creating account {}", create.name))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_grant(args: &GrantArgs) -> anyhow::Result<ExitCode> {
    let rights = if args.read || args.write {
        Rights {
            can_read: args.read,
            can_write: args.write,
        }
    } else {
        Rights {
            can_read: true,
            can_write: true,
        }
    };
    with_hub(&args.store, async |hub| {
        let operator = Caller::operator();
        if args.revoke {
            hub.revoke_grant(&operator, &args.account, &args.collection, rights)
                .await
                .context("revoking (is the account or collection unknown?)")
        } else {
            hub.grant(&operator, &args.account, &args.collection, rights)
                .await
                .context("granting (is the account or collection unknown?)")
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_token(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    let create = match &args.command {
        TokenCommand::Create(create) => create,
        TokenCommand::List(named) => return crate::cmd::access::run_token_list(named),
        TokenCommand::Revoke(revoke) => return crate::cmd::access::run_token_revoke(revoke),
    };
    let created = with_hub(&create.store, async |hub| {
        hub.create_token_expiring(&Caller::operator(), &create.account, create.expires_in)
            .await
            .with_context(|| format!("creating a token for {}", create.account))
    })?;
    writeln!(std::io::stdout().lock(), "{}", created.token).context("writing to standard output")?;
    eprintln!("token id: {}", created.id);
    Ok(ExitCode::SUCCESS)
}
