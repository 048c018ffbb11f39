//! Delegated administration: who may add whom to what. Each rule is a pure function of the directory, the
//! acting account and the target, answering `Ok(())` or `Err(PolicyError::NotPermitted(reason))`.
//!
//! The rules:
//! - A **hub admin** may do everything below.
//! - An **org admin** (or community admin, whose powers include an org admin's) manages its own organisation:
//!   creates its accounts with role member or org-admin, changes their roles within those two, grants them
//!   marking-definitions it holds itself, and sets the organisation's consent.
//! - A **community admin** named admin of community C manages C and its descendants: adds and removes member
//!   organisations, names co-admins (accounts with the community-admin role), creates sub-communities, and
//!   shares collections with them. It cannot touch C's ancestors or siblings.
//! - A community admin shares a collection with a community it administers only when it may write to that
//!   collection itself: administering the audience is not a right on the collection (issue 12).
//! - An org admin manages the accounts of its own organisation up to the org-admin role: disables, enables and
//!   deletes them, sets their passwords, lists and revokes their tokens (issue 12). Only a hub admin does so for
//!   community and hub admins, for accounts of other organisations, and creates tokens and collection rights.
//! - Only a hub admin creates organisations, top-level communities and collections, and gives the roles
//!   community-admin and hub-admin.
//! - Only a hub admin reviews the PII review queue and sees anonymity mappings of other organisations.
//! - Assets (issue 14): an org admin claims, lists and removes its own organisation's assets; a claim is
//!   verified (and every claim of the organisation listed, with overlaps) by an admin of a community the
//!   organisation is a direct member of (or of an ancestor of one), or by a hub admin. Nobody else sees them.
//!
//! Nobody may act through an account of another organisation, and nobody may lift themselves above their role.

use crate::error::PolicyError;
use crate::model::{Account, AccountId, CommunityId, Directory, OrgId, Role};

type Decision = Result<(), PolicyError>;

fn actor_account<'a>(directory: &'a Directory, actor: &AccountId) -> Result<&'a Account, PolicyError> {
    directory
        .account(actor)
        .ok_or_else(|| PolicyError::UnknownAccount(actor.as_str().to_owned()))
}

fn allow_if(condition: bool, reason: &'static str) -> Decision {
    if condition {
        Ok(())
    } else {
        Err(PolicyError::NotPermitted(reason))
    }
}

/// Whether `actor` administers `community`: it is a hub admin, or a community admin named admin of the
/// community or of one of its ancestors.
pub fn administers_community(directory: &Directory, actor: &AccountId, community: &CommunityId) -> Decision {
    let account = actor_account(directory, actor)?;
    if directory.community(community).is_none() {
        return Err(PolicyError::UnknownCommunity(community.as_str().to_owned()));
    }
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    let named = directory
        .ancestors_or_self(community)
        .iter()
        .filter_map(|id| directory.community(id))
        .any(|c| c.admins.contains(actor));
    allow_if(
        account.role >= Role::CommunityAdmin && named,
        "only an admin of this community or an ancestor",
    )
}

/// Whether `actor` may create an organisation.
pub fn may_create_organisation(directory: &Directory, actor: &AccountId) -> Decision {
    let account = actor_account(directory, actor)?;
    allow_if(
        account.role == Role::HubAdmin,
        "only a hub admin creates organisations",
    )
}

/// Whether `actor` may create a community under `parent` (`None`: a top-level community).
pub fn may_create_community(
    directory: &Directory,
    actor: &AccountId,
    parent: Option<&CommunityId>,
) -> Decision {
    match parent {
        Some(parent) => administers_community(directory, actor, parent),
        None => {
            let account = actor_account(directory, actor)?;
            allow_if(
                account.role == Role::HubAdmin,
                "only a hub admin creates top-level communities",
            )
        }
    }
}

/// Whether `actor` may add `org` to (or remove it from) `community`.
pub fn may_manage_community_member(
    directory: &Directory,
    actor: &AccountId,
    community: &CommunityId,
    org: &OrgId,
) -> Decision {
    if directory.organisation(org).is_none() {
        return Err(PolicyError::UnknownOrganisation(org.as_str().to_owned()));
    }
    administers_community(directory, actor, community)
}

/// Whether `actor` may name `account` an admin of `community`. The account must already hold the
/// community-admin role (only a hub admin gives it).
pub fn may_name_community_admin(
    directory: &Directory,
    actor: &AccountId,
    community: &CommunityId,
    account: &AccountId,
) -> Decision {
    let target = actor_account(directory, account)?;
    administers_community(directory, actor, community)?;
    allow_if(
        target.role >= Role::CommunityAdmin,
        "the account must have the community-admin role",
    )
}

/// Whether `actor` may share a collection with `community` (add it to the collection's audience):
/// `actor_writes_collection` says whether the actor may write to that collection (false for one that does not
/// exist, so an unknown collection and one without rights answer alike).
pub fn may_share_collection(
    directory: &Directory,
    actor: &AccountId,
    community: &CommunityId,
    actor_writes_collection: bool,
) -> Decision {
    administers_community(directory, actor, community)?;
    let account = actor_account(directory, actor)?;
    allow_if(
        account.role == Role::HubAdmin || actor_writes_collection,
        "only a writer of the collection shares it",
    )
}

/// Whether `actor` may stop `account` administering `community` (the account need not hold the role any
/// more).
pub fn may_remove_community_admin(
    directory: &Directory,
    actor: &AccountId,
    community: &CommunityId,
) -> Decision {
    administers_community(directory, actor, community)
}

/// Whether `actor` may manage the account `target`: disable, enable or delete it, set its password, list and
/// revoke its tokens.
pub fn may_manage_account(directory: &Directory, actor: &AccountId, target: &AccountId) -> Decision {
    let target_account = actor_account(directory, target)?;
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(account.role >= Role::OrgAdmin, "only an admin manages accounts")?;
    allow_if(
        account.org == target_account.org,
        "an org admin manages only its own organisation",
    )?;
    allow_if(
        target_account.role <= Role::OrgAdmin,
        "only a hub admin manages a community or hub admin",
    )
}

/// Whether `actor` may create a collection.
pub fn may_create_collection(directory: &Directory, actor: &AccountId) -> Decision {
    let account = actor_account(directory, actor)?;
    allow_if(
        account.role == Role::HubAdmin,
        "only a hub admin creates collections",
    )
}

/// Whether `actor` may create an account in `org` with `role`.
pub fn may_create_account(directory: &Directory, actor: &AccountId, org: &OrgId, role: Role) -> Decision {
    let account = actor_account(directory, actor)?;
    if directory.organisation(org).is_none() {
        return Err(PolicyError::UnknownOrganisation(org.as_str().to_owned()));
    }
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(account.role >= Role::OrgAdmin, "only an admin creates accounts")?;
    allow_if(
        account.org == *org,
        "an org admin manages only its own organisation",
    )?;
    allow_if(
        role <= Role::OrgAdmin,
        "only a hub admin gives the community-admin or hub-admin role",
    )
}

/// Whether `actor` may change `target`'s role to `role`.
pub fn may_set_role(directory: &Directory, actor: &AccountId, target: &AccountId, role: Role) -> Decision {
    let target_account = actor_account(directory, target)?;
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(
        target_account.role <= Role::OrgAdmin,
        "only a hub admin changes a community or hub admin",
    )?;
    may_create_account(directory, actor, &target_account.org, role)
}

/// Whether `actor` may grant (or revoke) the non-TLP marking `marking_id` to `target`. An org admin grants
/// only markings it holds itself, and only to accounts of its own organisation.
pub fn may_grant_marking(
    directory: &Directory,
    actor: &AccountId,
    target: &AccountId,
    marking_id: &str,
) -> Decision {
    let target_account = actor_account(directory, target)?;
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(account.role >= Role::OrgAdmin, "only an admin grants markings")?;
    allow_if(
        account.org == target_account.org,
        "an org admin manages only its own organisation",
    )?;
    allow_if(
        account.marking_grants.contains(marking_id),
        "an org admin grants only markings it holds",
    )
}

/// Whether `actor` may set `org`'s consent level.
pub fn may_set_consent(directory: &Directory, actor: &AccountId, org: &OrgId) -> Decision {
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(
        account.role >= Role::OrgAdmin && account.org == *org,
        "only the organisation's own admin",
    )
}

/// Whether `actor` may review (approve, edit, reject) submissions held for PII review, and read the private
/// anonymity mappings of every organisation.
pub fn may_review_submissions(directory: &Directory, actor: &AccountId) -> Decision {
    let account = actor_account(directory, actor)?;
    allow_if(
        account.role == Role::HubAdmin,
        "only a hub admin reviews submissions",
    )
}

/// Whether `actor` may read the anonymity mapping of a submission by `submitter_org`: hub admins, and accounts
/// of the submitting organisation.
pub fn may_read_anonymity_mapping(
    directory: &Directory,
    actor: &AccountId,
    submitter_org: &OrgId,
) -> Decision {
    let account = actor_account(directory, actor)?;
    allow_if(
        account.role == Role::HubAdmin || account.org == *submitter_org,
        "the mapping is private to the submitter and hub admins",
    )
}

/// Whether `actor` may claim, list and remove `org`'s assets: the organisation's own admins and hub admins.
pub fn may_manage_assets(directory: &Directory, actor: &AccountId, org: &OrgId) -> Decision {
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    allow_if(
        account.role >= Role::OrgAdmin && account.org == *org,
        "only the organisation's own admin",
    )
}

/// Whether `actor` may verify `org`'s asset claims (and see them, with their overlaps): hub admins and the
/// admins of a community `org` is a direct member of, or of one of its ancestors.
pub fn may_verify_assets(directory: &Directory, actor: &AccountId, org: &OrgId) -> Decision {
    let account = actor_account(directory, actor)?;
    if account.role == Role::HubAdmin {
        return Ok(());
    }
    let verifier = directory
        .direct_communities(org)
        .iter()
        .any(|community| administers_community(directory, actor, community).is_ok());
    allow_if(
        verifier,
        "only an admin of a community the organisation belongs to, or a hub admin",
    )
}
