//! The sharing-policy commands of docs/interface.md (issue 6): `org create`, `community create`,
//! `community add-member`, `collection share`, and taking back (issue 12): `community remove-member`,
//! `community remove-admin`. Like the other admin commands they open the store directly.

use std::process::ExitCode;

use anyhow::Context;
use hub::Caller;

use crate::cmd::admin::with_hub;
use crate::cmd::store_args::StoreArgs;

/// `stixhub org …`
#[derive(Debug, clap::Args)]
pub(crate) struct OrgArgs {
    #[command(subcommand)]
    command: OrgCommand,
}

#[derive(Debug, clap::Subcommand)]
enum OrgCommand {
    /// Create an organisation.
    Create(OrgCreateArgs),
}

#[derive(Debug, clap::Args)]
struct OrgCreateArgs {
    /// Organisation name.
    name: String,
    /// What it consents to reveal about itself as a submitter.
    #[arg(long, default_value = "none", value_parser = ["none", "government", "everyone"])]
    consent: String,
    /// It is a government organisation.
    #[arg(long)]
    government: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub community …`
#[derive(Debug, clap::Args)]
pub(crate) struct CommunityArgs {
    #[command(subcommand)]
    command: CommunityCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CommunityCommand {
    /// Create a community, optionally nested under a parent.
    Create(CommunityCreateArgs),
    /// Make an organisation a direct member of a community.
    AddMember(CommunityAddMemberArgs),
    /// Name an account (with the community-admin role) an administrator of a community.
    AddAdmin(CommunityAddAdminArgs),
    /// Remove an organisation from a community's direct members.
    RemoveMember(CommunityAddMemberArgs),
    /// Stop an account administering a community.
    RemoveAdmin(CommunityAddAdminArgs),
}

#[derive(Debug, clap::Args)]
struct CommunityAddAdminArgs {
    /// Community name.
    community: String,
    /// Account name.
    account: String,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct CommunityCreateArgs {
    /// Community name.
    name: String,
    /// The community it nests under.
    #[arg(long, value_name = "COMMUNITY")]
    parent: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Args)]
struct CommunityAddMemberArgs {
    /// Community name.
    community: String,
    /// Organisation name.
    org: String,
    #[command(flatten)]
    store: StoreArgs,
}

/// `stixhub collection share ID_OR_ALIAS --community COMMUNITY`
#[derive(Debug, clap::Args)]
pub(crate) struct CollectionShareArgs {
    /// Collection id or alias.
    collection: String,
    /// The community to add to the collection's audience.
    #[arg(long)]
    community: String,
    #[command(flatten)]
    store: StoreArgs,
}

pub(crate) fn run_org(args: &OrgArgs) -> anyhow::Result<ExitCode> {
    let OrgCommand::Create(create) = &args.command;
    with_hub(&create.store, async |hub| {
        hub.create_organisation(
            &Caller::operator(),
            &create.name,
            &create.consent,
            create.government,
        )
        .await
        .with_context(|| format!("creating organisation {}", create.name))
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_community(args: &CommunityArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        CommunityCommand::Create(create) => with_hub(&create.store, async |hub| {
            hub.create_community(&Caller::operator(), &create.name, create.parent.as_deref())
                .await
                .with_context(|| format!("creating community {} (does the parent exist?)", create.name))
        })?,
        CommunityCommand::AddMember(add) => with_hub(&add.store, async |hub| {
            hub.add_community_member(&Caller::operator(), &add.community, &add.org)
                .await
                .with_context(|| format!("adding {} to {} (do both exist?)", add.org, add.community))
        })?,
        CommunityCommand::AddAdmin(add) => with_hub(&add.store, async |hub| {
            hub.add_community_admin(&Caller::operator(), &add.community, &add.account)
                .await
                .with_context(|| {
                    format!(
                        "naming {} admin of {} (do both exist?)",
                        add.account, add.community
                    )
                })
        })?,
        CommunityCommand::RemoveMember(remove) => with_hub(&remove.store, async |hub| {
            hub.remove_community_member(&Caller::operator(), &remove.community, &remove.org)
                .await
                .with_context(|| format!("removing {} from {}", remove.org, remove.community))
        })?,
        CommunityCommand::RemoveAdmin(remove) => with_hub(&remove.store, async |hub| {
            hub.remove_community_admin(&Caller::operator(), &remove.community, &remove.account)
                .await
                .with_context(|| format!("removing {} as admin of {}", remove.account, remove.community))
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_collection_share(args: &CollectionShareArgs) -> anyhow::Result<ExitCode> {
    with_hub(&args.store, async |hub| {
        hub.share_collection(&Caller::operator(), &args.collection, &args.community)
            .await
            .with_context(|| {
                format!(
                    "sharing {} with {} (do both exist?)",
                    args.collection, args.community
                )
            })
    })?;
    Ok(ExitCode::SUCCESS)
}
