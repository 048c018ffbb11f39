//! Delegated administration of the sharing model (issue 6): every admin use case asks here whether its caller
//! may do its action, and the answer comes from the pure rules in `policy::admin`.
//!
//! Invariant (issue 12): authorization of admin actions lives here and in the use cases that call
//! `Hub::authorize` first thing; transports (REST, UI, CLI) hold none and map `Forbidden`/`NotPermitted` to
//! their own refusal. The command line acts as `Caller::operator`, a hub admin.
//!
//! The directory those rules read is built per call from the store: every organisation and community (with
//! parents, members and named admins), the acting account and the accounts the action names. An account without
//! an organisation acts from a pseudo-organisation of its own, so it administers no real organisation.
//! Unknown targets are reported as `NotFound`, refusals as `Forbidden` with the rule's reason.

use std::collections::BTreeSet;

use policy::admin;
use policy::error::PolicyError;
use policy::model::{Account, AccountId, Community, CommunityId, Directory, OrgId, Organisation, Role};

use crate::sharing::{effective_org, parse_consent, parse_role};
use crate::{Caller, Hub, HubError, HubResult};

/// An admin action on the sharing model, with what it names.
#[derive(Debug, Clone, Copy)]
pub enum AdminAction<'a> {
    /// Create an organisation.
    CreateOrganisation,
    /// Create a community under `parent` (top level: `None`).
    CreateCommunity {
        /// The parent community.
        parent: Option<&'a str>,
    },
    /// Add or remove the member organisation `org` of `community`.
    ManageMember {
        /// The community.
        community: &'a str,
        /// The organisation.
        org: &'a str,
    },
    /// Name `account` an admin of `community`.
    NameCommunityAdmin {
        /// The community.
        community: &'a str,
        /// The account named.
        account: &'a str,
    },
    /// Share `collection` (id or alias) with `community`.
    ShareCollection {
        /// The community.
        community: &'a str,
        /// The collection.
        collection: &'a str,
    },
    /// Stop `community` being administered by an account.
    RemoveCommunityAdmin {
        /// The community.
        community: &'a str,
    },
    /// Disable, enable or delete `account`, set its password, list or revoke its tokens.
    ManageAccount {
        /// The account.
        account: &'a str,
    },
    /// Create an account in `org` with `role`.
    CreateAccount {
        /// The organisation.
        org: &'a str,
        /// The role (text form).
        role: &'a str,
    },
    /// Grant or revoke a non-TLP marking to `account`.
    GrantMarking {
        /// The account.
        account: &'a str,
        /// The marking-definition id.
        marking: &'a str,
    },
    /// Create collections, accounts without organisation, tokens for others, rights on collections.
    HubAdministration,
    /// Review the PII queue.
    Review,
    /// Read the anonymity mapping of submissions by `org`.
    ReadAnonymityMapping {
        /// The submitting organisation.
        org: &'a str,
    },
    /// Claim, list or remove `org`'s assets.
    ManageAssets {
        /// The organisation.
        org: &'a str,
    },
    /// Verify `org`'s asset claims (and see them with their overlaps).
    VerifyAssets {
        /// The organisation.
        org: &'a str,
    },
}

/// `Forbidden` unless `caller` is a hub admin, by the rule of hub administration in `policy::admin`, decided on
/// a directory holding the caller alone (the rule reads nothing else).
pub(crate) fn require_hub_admin(caller: &Caller) -> HubResult<()> {
    let mut directory = Directory::new();
    let org = effective_org(&caller.account, caller.org.as_deref());
    let role = if caller.is_admin {
        Role::HubAdmin
    } else {
        parse_role(&caller.role).unwrap_or(Role::Member)
    };
    let internal = |err: PolicyError| HubError::Internal(format!("delegation: {err}"));
    directory
        .add_organisation(Organisation {
            id: org.clone(),
            government: false,
            consent: policy::model::Consent::None,
        })
        .map_err(internal)?;
    directory
        .add_account(Account {
            id: AccountId::new(caller.account.as_str()),
            org,
            role,
            marking_grants: BTreeSet::new(),
        })
        .map_err(internal)?;
    admin::may_create_collection(&directory, &AccountId::new(caller.account.as_str()))
        .map_err(|_| HubError::Forbidden)
}

impl Hub {
    /// Allows or refuses `action` for `caller`.
    pub async fn authorize(&self, caller: &Caller, action: AdminAction<'_>) -> HubResult<()> {
        let mut named = Vec::new();
        match action {
            AdminAction::NameCommunityAdmin { account, .. }
            | AdminAction::GrantMarking { account, .. }
            | AdminAction::ManageAccount { account } => {
                named.push(account);
            }
            _ => {}
        }
        let directory = self.admin_directory(caller, &named).await?;
        let actor = AccountId::new(caller.account.as_str());
        let decision = match action {
            AdminAction::CreateOrganisation => admin::may_create_organisation(&directory, &actor),
            AdminAction::CreateCommunity { parent } => {
                let parent = parent.map(CommunityId::new);
                admin::may_create_community(&directory, &actor, parent.as_ref())
            }
            AdminAction::ManageMember { community, org } => admin::may_manage_community_member(
                &directory,
                &actor,
                &CommunityId::new(community),
                &OrgId::new(org),
            ),
            AdminAction::NameCommunityAdmin { community, account } => admin::may_name_community_admin(
                &directory,
                &actor,
                &CommunityId::new(community),
                &AccountId::new(account),
            ),
            AdminAction::ShareCollection {
                community,
                collection,
            } => {
                let writes = self.writes_collection(caller, collection).await?;
                admin::may_share_collection(&directory, &actor, &CommunityId::new(community), writes)
            }
            AdminAction::RemoveCommunityAdmin { community } => {
                admin::may_remove_community_admin(&directory, &actor, &CommunityId::new(community))
            }
            AdminAction::ManageAccount { account } => {
                admin::may_manage_account(&directory, &actor, &AccountId::new(account))
            }
            AdminAction::CreateAccount { org, role } => {
                admin::may_create_account(&directory, &actor, &OrgId::new(org), parse_role(role)?)
            }
            AdminAction::GrantMarking { account, marking } => {
                admin::may_grant_marking(&directory, &actor, &AccountId::new(account), marking)
            }
            AdminAction::HubAdministration => admin::may_create_collection(&directory, &actor),
            AdminAction::Review => admin::may_review_submissions(&directory, &actor),
            AdminAction::ReadAnonymityMapping { org } => {
                admin::may_read_anonymity_mapping(&directory, &actor, &OrgId::new(org))
            }
            AdminAction::ManageAssets { org } => {
                admin::may_manage_assets(&directory, &actor, &OrgId::new(org))
            }
            AdminAction::VerifyAssets { org } => {
                admin::may_verify_assets(&directory, &actor, &OrgId::new(org))
            }
        };
        decision.map_err(|err| match err {
            PolicyError::NotPermitted(reason) => HubError::NotPermitted(reason.to_owned()),
            PolicyError::UnknownAccount(_)
            | PolicyError::UnknownCommunity(_)
            | PolicyError::UnknownOrganisation(_) => HubError::NotFound,
            other => HubError::Internal(format!("delegation: {other}")),
        })
    }

    /// Whether `caller` holds write access to the collection `collection` (false when there is none).
    async fn writes_collection(&self, caller: &Caller, collection: &str) -> HubResult<bool> {
        let Some(collection) = self.store.find_collection(collection).await? else {
            return Ok(false);
        };
        Ok(self
            .store
            .access(&caller.account, &collection.id)
            .await?
            .can_write)
    }

    async fn admin_directory(&self, caller: &Caller, named: &[&str]) -> HubResult<Directory> {
        let stored = self.store.sharing_directory().await?;
        let internal = |err: PolicyError| HubError::Internal(format!("sharing directory: {err}"));
        let mut directory = Directory::new();
        for org in &stored.organisations {
            directory
                .add_organisation(Organisation {
                    id: OrgId::new(org.name.as_str()),
                    government: org.government,
                    consent: parse_consent(&org.consent).unwrap_or(policy::model::Consent::None),
                })
                .map_err(internal)?;
        }
        let mut accounts = vec![(
            caller.account.clone(),
            caller.org.clone(),
            if caller.is_admin {
                "hub-admin".to_owned()
            } else {
                caller.role.clone()
            },
        )];
        for name in named {
            if *name != caller.account
                && let Some(account) = self.store.account(name).await?
            {
                accounts.push((account.name, account.org, account.role));
            }
        }
        for (name, org, role) in accounts {
            let org_id = effective_org(&name, org.as_deref());
            if directory.organisation(&org_id).is_none() {
                directory
                    .add_organisation(Organisation {
                        id: org_id.clone(),
                        government: false,
                        consent: policy::model::Consent::None,
                    })
                    .map_err(internal)?;
            }
            let marking_grants = stored
                .marking_grants
                .iter()
                .filter(|(account, _)| *account == name)
                .map(|(_, marking)| marking.clone())
                .collect();
            directory
                .add_account(Account {
                    id: AccountId::new(name.as_str()),
                    org: org_id,
                    role: parse_role(&role).unwrap_or(Role::Member),
                    marking_grants,
                })
                .map_err(internal)?;
        }
        for community in &stored.communities {
            directory
                .add_community(Community {
                    id: CommunityId::new(community.name.as_str()),
                    parent: None,
                    members: BTreeSet::new(),
                    admins: BTreeSet::new(),
                })
                .map_err(internal)?;
        }
        for community in &stored.communities {
            if let Some(parent) = &community.parent {
                // A cycle cannot be stored (a new community has no children); skip one rather than fail.
                let _ = directory.set_parent(
                    &CommunityId::new(community.name.as_str()),
                    Some(CommunityId::new(parent.as_str())),
                );
            }
        }
        for (community, org) in &stored.members {
            directory
                .add_member(&CommunityId::new(community.as_str()), &OrgId::new(org.as_str()))
                .map_err(internal)?;
        }
        for (community, account) in &stored.community_admins {
            // Only the accounts loaded matter to the decision; admins not loaded are skipped.
            if directory.account(&AccountId::new(account.as_str())).is_some() {
                directory
                    .add_community_admin(
                        &CommunityId::new(community.as_str()),
                        &AccountId::new(account.as_str()),
                    )
                    .map_err(internal)?;
            }
        }
        Ok(directory)
    }
}

/// Admin reads whose underlying use cases take no caller (the command line runs them as the operator): the
/// checked entry points transports call.
impl Hub {
    /// `Hub::verify_audit` for a hub admin.
    pub async fn verify_audit_as(&self, caller: &Caller) -> HubResult<crate::AuditVerification> {
        self.require_admin(caller)?;
        self.verify_audit().await
    }

    /// `Hub::audit_report` for a hub admin.
    pub async fn audit_report_as(&self, caller: &Caller) -> HubResult<crate::AuditReport> {
        self.require_admin(caller)?;
        self.audit_report().await
    }

    /// `Hub::republished_ids` for a caller the anonymity rule lets read `org`'s mapping.
    pub async fn anonymity_mapping(
        &self,
        caller: &Caller,
        collection: &str,
        org: &str,
    ) -> HubResult<Vec<(String, String)>> {
        self.authorize(caller, AdminAction::ReadAnonymityMapping { org })
            .await?;
        self.republished_ids(caller, collection, org).await
    }
}
