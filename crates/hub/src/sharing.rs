//! The sharing policy in the hub (issue 6): the sharing model's admin use cases and the names they check.
//! The per-request view and the release of each version are in `release`.
//!
//! Rules decided here (documented in docs/taxii-server.md, "Sharing policy"):
//! - **Recipients.** TAXII has no field for TLP:AMBER recipients: an object's AMBER recipients are the
//!   communities its collection was shared with (its audience) when it was posted, frozen at ingest. Under the
//!   policy crate's rule a named community means its *direct* members, so a collection shared with a state
//!   community carries a county's AMBER to the state, not to the counties of a child community. TLP:RED has no
//!   named accounts yet: only the submitting account reads it.
//! - **Accounts without an organisation** (the bootstrap admin, accounts made before organisations existed)
//!   are each an organisation of their own, in no community: they read CLEAR and unmarked objects as before,
//!   everything they posted themselves, and nothing else marked GREEN or above. Versions stored before the
//!   policy (no recorded submitter) are likewise readable by collection readers only when CLEAR or unmarked.

use std::collections::BTreeSet;

use policy::model::{Consent, OrgId, Role};
use store::{Collection, Community, Organisation};

use serde_json::json;

use crate::{AdminAction, Caller, Hub, HubError, HubResult};

/// The sharing directory as an administrator sees it (names only; the model is small).
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Organisations: name, government, consent.
    pub organisations: Vec<(String, bool, String)>,
    /// Communities: name, parent.
    pub communities: Vec<(String, Option<String>)>,
    /// Direct memberships: community, organisation.
    pub members: Vec<(String, String)>,
    /// Collection audiences: collection id, community.
    pub audiences: Vec<(String, String)>,
}

/// The text forms of `Consent` in the CLI and the store.
pub fn parse_consent(text: &str) -> HubResult<Consent> {
    match text {
        "none" => Ok(Consent::None),
        "government" => Ok(Consent::Government),
        "everyone" => Ok(Consent::Everyone),
        other => Err(HubError::BadRequest(format!(
            "consent {other:?} is not one of none, government, everyone"
        ))),
    }
}

/// The text forms of `Role` in the CLI and the store.
pub fn parse_role(text: &str) -> HubResult<Role> {
    match text {
        "member" => Ok(Role::Member),
        "org-admin" => Ok(Role::OrgAdmin),
        "community-admin" => Ok(Role::CommunityAdmin),
        "hub-admin" => Ok(Role::HubAdmin),
        other => Err(HubError::BadRequest(format!(
            "role {other:?} is not one of member, org-admin, community-admin, hub-admin"
        ))),
    }
}

/// Names of organisations and communities: non-empty, no control characters (the store joins lists with
/// newlines), no surrounding spaces.
fn check_name(what: &str, name: &str) -> HubResult<()> {
    if name.is_empty() || name.trim() != name || name.chars().any(char::is_control) {
        return Err(HubError::BadRequest(format!(
            "a {what} name must be non-empty, without control characters or surrounding spaces"
        )));
    }
    Ok(())
}

/// The communities `caller` may name: those its organisation is a direct member of or it administers, with
/// every ancestor and descendant of each.
fn nameable_communities<'d>(directory: &'d store::SharingDirectory, caller: &Caller) -> BTreeSet<&'d str> {
    let parent_of = |name: &str| {
        directory
            .communities
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.parent.as_deref())
    };
    let mut roots: Vec<&str> = directory
        .members
        .iter()
        .filter(|(_, org)| caller.org.as_deref() == Some(org.as_str()))
        .map(|(community, _)| community.as_str())
        .chain(
            directory
                .community_admins
                .iter()
                .filter(|(_, account)| *account == caller.account)
                .map(|(community, _)| community.as_str()),
        )
        .collect();
    let mut tree = BTreeSet::new();
    // Ancestors (a stored tree has no cycle; the bound guards a broken one).
    for root in roots.clone() {
        let mut at = Some(root);
        for _ in 0..=directory.communities.len() {
            let Some(name) = at else { break };
            tree.insert(name);
            at = parent_of(name);
        }
    }
    // Descendants.
    while let Some(name) = roots.pop() {
        for child in directory
            .communities
            .iter()
            .filter(|c| c.parent.as_deref() == Some(name))
        {
            if tree.insert(child.name.as_str()) {
                roots.push(child.name.as_str());
            }
        }
    }
    tree
}

/// The organisation id an account reads and posts as: its organisation, or (without one) a per-account
/// pseudo-organisation that no community holds and no real organisation can be named as.
pub(crate) fn effective_org(account: &str, org: Option<&str>) -> OrgId {
    match org {
        Some(org) => OrgId::new(org),
        None => OrgId::new(format!("\u{0}account:{account}")),
    }
}

impl Hub {
    /// The sharing directory, reused for `sharing_cache_ttl` (a poisoned lock just means a fresh read).
    pub(crate) async fn sharing_directory(&self) -> HubResult<std::sync::Arc<store::SharingDirectory>> {
        let ttl = self.config.sharing_cache_ttl;
        if let Ok(cache) = self.directory_cache.lock()
            && let Some((read_at, directory)) = cache.as_ref()
            && read_at.elapsed() < ttl
        {
            return Ok(std::sync::Arc::clone(directory));
        }
        let read_at = std::time::Instant::now();
        let directory = std::sync::Arc::new(self.store.sharing_directory().await?);
        if let Ok(mut cache) = self.directory_cache.lock() {
            *cache = Some((read_at, std::sync::Arc::clone(&directory)));
        }
        Ok(directory)
    }

    /// Forgets the cached directory after a change through this hub.
    pub(crate) fn sharing_changed(&self) {
        if let Ok(mut cache) = self.directory_cache.lock() {
            *cache = None;
        }
    }

    /// Creates an organisation.
    pub async fn create_organisation(
        &self,
        actor: &Caller,
        name: &str,
        consent: &str,
        government: bool,
    ) -> HubResult<()> {
        self.authorize(actor, AdminAction::CreateOrganisation).await?;
        check_name("organisation", name)?;
        parse_consent(consent)?;
        let organisation = Organisation {
            name: name.to_owned(),
            government,
            consent: consent.to_owned(),
        };
        self.store.create_organisation(organisation).await?;
        self.sharing_changed();
        let details = json!({ "organisation": name, "consent": consent, "government": government });
        self.audit(&actor.account, "org.create", 0, details).await
    }

    /// Creates a community, under `parent` when given.
    pub async fn create_community(&self, actor: &Caller, name: &str, parent: Option<&str>) -> HubResult<()> {
        self.authorize(actor, AdminAction::CreateCommunity { parent })
            .await?;
        check_name("community", name)?;
        let community = Community {
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
        };
        self.store.create_community(community).await?;
        self.sharing_changed();
        let details = json!({ "community": name, "parent": parent });
        self.audit(&actor.account, "community.create", 0, details).await
    }

    /// Makes an organisation a direct member of a community.
    pub async fn add_community_member(
        &self,
        actor: &Caller,
        community: &str,
        organisation: &str,
    ) -> HubResult<()> {
        let action = AdminAction::ManageMember {
            community,
            org: organisation,
        };
        self.authorize(actor, action).await?;
        self.store.add_community_member(community, organisation).await?;
        self.sharing_changed();
        let details = json!({ "community": community, "organisation": organisation });
        self.audit(&actor.account, "community.add-member", 0, details)
            .await
    }

    /// Names an account an administrator of a community.
    pub async fn add_community_admin(&self, actor: &Caller, community: &str, account: &str) -> HubResult<()> {
        let action = AdminAction::NameCommunityAdmin { community, account };
        self.authorize(actor, action).await?;
        self.store.add_community_admin(community, account).await?;
        self.sharing_changed();
        let details = json!({ "community": community, "account": account });
        self.audit(&actor.account, "community.add-admin", 0, details)
            .await
    }

    /// Clears (or stops clearing) an account for a marking-definition other than TLP.
    pub async fn set_marking_grant(
        &self,
        actor: &Caller,
        account: &str,
        marking_id: &str,
        granted: bool,
    ) -> HubResult<()> {
        let action = AdminAction::GrantMarking {
            account,
            marking: marking_id,
        };
        self.authorize(actor, action).await?;
        let parsed = stix::id::StixId::parse(marking_id)
            .map_err(|_| HubError::BadRequest(format!("{marking_id:?} is not a STIX id")))?;
        if parsed.object_type() != "marking-definition" {
            return Err(HubError::BadRequest(format!(
                "{marking_id} is not a marking-definition id"
            )));
        }
        self.store.set_marking_grant(account, marking_id, granted).await?;
        self.sharing_changed();
        let action = if granted {
            "marking.grant"
        } else {
            "marking.revoke"
        };
        let details = json!({ "account": account, "marking": marking_id });
        self.audit(&actor.account, action, 0, details).await
    }

    /// Shares a collection (id or alias, any API root) with a community; returns the collection id.
    pub async fn share_collection(
        &self,
        actor: &Caller,
        collection: &str,
        community: &str,
    ) -> HubResult<String> {
        let action = AdminAction::ShareCollection {
            community,
            collection,
        };
        self.authorize(actor, action).await?;
        let collection = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        self.store.share_collection(&collection.id, community).await?;
        self.sharing_changed();
        let details = json!({ "collection": collection.id.as_str(), "community": community });
        self.audit(&actor.account, "collection.share", 0, details).await?;
        Ok(collection.id.to_string())
    }

    /// The whole sharing directory, for administrators.
    pub async fn directory(&self, caller: &Caller) -> HubResult<Directory> {
        self.require_admin(caller)?;
        let directory = self.store.sharing_directory().await?;
        Ok(Directory {
            organisations: directory
                .organisations
                .into_iter()
                .map(|o| (o.name, o.government, o.consent))
                .collect(),
            communities: directory
                .communities
                .into_iter()
                .map(|c| (c.name, c.parent))
                .collect(),
            members: directory.members,
            audiences: directory
                .audiences
                .into_iter()
                .map(|(id, community)| (id.to_string(), community))
                .collect(),
        })
    }

    /// The communities a collection is shared with (its audience), for the contribute page.
    pub async fn collection_audience(
        &self,
        caller: &Caller,
        api_root: &str,
        collection: &str,
    ) -> HubResult<Vec<String>> {
        let collection = self
            .collection_for(caller, api_root, collection, crate::catalog::Need::Write)
            .await?;
        self.audience_names(&collection).await
    }

    /// Parses and checks a recipients list: comma-separated `account:NAME`, `org:NAME` or `community:NAME`.
    /// Returns the stored (prefixed) forms.
    ///
    /// Who may be named (issue 12): the communities of the caller's organisation's community trees (those it is
    /// a direct member of or administers, with their ancestors and descendants), the organisations that are
    /// members of those, and the accounts of those organisations (the caller's own included); a hub admin may
    /// name anything that exists. A recipient that does not exist and one the caller may not name get the same
    /// answer, so the header enumerates nothing.
    pub(crate) async fn named_recipients(&self, caller: &Caller, text: &str) -> HubResult<Vec<String>> {
        let directory = self.sharing_directory().await?;
        let tree = nameable_communities(&directory, caller);
        let orgs: BTreeSet<&str> = directory
            .members
            .iter()
            .filter(|(community, _)| tree.contains(community.as_str()))
            .map(|(_, org)| org.as_str())
            .chain(caller.org.as_deref())
            .collect();
        let mut recipients = Vec::new();
        for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let Some((kind, name)) = item.split_once(':') else {
                return Err(HubError::BadRequest(format!(
                    "recipient {item:?} is not account:NAME, org:NAME or community:NAME"
                )));
            };
            let nameable = match kind {
                "account" => match self.store.account(name).await? {
                    Some(account) => {
                        caller.is_admin
                            || account.name == caller.account
                            || account.org.as_deref().is_some_and(|org| orgs.contains(org))
                    }
                    None => false,
                },
                "org" => {
                    directory.organisations.iter().any(|o| o.name == name)
                        && (caller.is_admin || orgs.contains(name))
                }
                "community" => {
                    directory.communities.iter().any(|c| c.name == name)
                        && (caller.is_admin || tree.contains(name))
                }
                _ => {
                    return Err(HubError::BadRequest(format!(
                        "recipient kind {kind:?} is not account, org or community"
                    )));
                }
            };
            if !nameable {
                return Err(HubError::BadRequest(format!(
                    "recipient {item:?} is not one you may name (unknown, or outside your communities)"
                )));
            }
            recipients.push(format!("{kind}:{name}"));
        }
        Ok(recipients)
    }

    /// The communities `collection` is shared with now (the AMBER recipients of what is posted to it).
    pub(crate) async fn audience_names(&self, collection: &Collection) -> HubResult<Vec<String>> {
        let directory = self.sharing_directory().await?;
        Ok(directory
            .audiences
            .iter()
            .filter(|(id, _)| *id == collection.id)
            .map(|(_, community)| community.clone())
            .collect())
    }
}
