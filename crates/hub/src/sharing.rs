//! The sharing policy in the hub (issue 6, first slice): the sharing model's admin use cases, and the view of
//! one request the release gate applies (`policy::gate` per object version).
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
//! - **Anonymity is not applied yet**: the gate is called with consent `everyone` (the stored consent is kept
//!   for the next slice), so `Original` or a granular-redacted copy is served under the original id.

use std::collections::{BTreeMap, BTreeSet};

use policy::anonymity::{HubIdentity, Submitter};
use policy::clearance::{Marking, Recipients, SharingFacts};
use policy::gate::{self, Served};
use policy::model::{
    AccountId, CollectionAudience, CollectionId as PolicyCollectionId, CommunityId, Consent, OrgId, Reader,
    Role,
};
use stix::id::StixId;
use store::{Collection, Community, Organisation, StoredObject};

use crate::{Caller, Hub, HubError, HubResult};

/// What one request's reads are checked against: the reader, resolved once, and the collection's audience.
#[derive(Debug)]
pub(crate) struct SharingView {
    reader: Reader,
    collection: PolicyCollectionId,
    audience: CollectionAudience,
}

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

/// The organisation id an account reads and posts as: its organisation, or (without one) a per-account
/// pseudo-organisation that no community holds and no real organisation can be named as.
fn effective_org(account: &str, org: Option<&str>) -> OrgId {
    match org {
        Some(org) => OrgId::new(org),
        None => OrgId::new(format!("\u{0}account:{account}")),
    }
}

impl Hub {
    /// Creates an organisation.
    pub async fn create_organisation(&self, name: &str, consent: &str, government: bool) -> HubResult<()> {
        check_name("organisation", name)?;
        parse_consent(consent)?;
        let organisation = Organisation {
            name: name.to_owned(),
            government,
            consent: consent.to_owned(),
        };
        Ok(self.store.create_organisation(organisation).await?)
    }

    /// Creates a community, under `parent` when given.
    pub async fn create_community(&self, name: &str, parent: Option<&str>) -> HubResult<()> {
        check_name("community", name)?;
        let community = Community {
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
        };
        Ok(self.store.create_community(community).await?)
    }

    /// Makes an organisation a direct member of a community.
    pub async fn add_community_member(&self, community: &str, organisation: &str) -> HubResult<()> {
        Ok(self.store.add_community_member(community, organisation).await?)
    }

    /// Shares a collection (id or alias, any API root) with a community; returns the collection id.
    pub async fn share_collection(&self, collection: &str, community: &str) -> HubResult<String> {
        let collection = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        self.store.share_collection(&collection.id, community).await?;
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

    /// The communities `collection` is shared with now (the AMBER recipients of what is posted to it).
    pub(crate) async fn audience_names(&self, collection: &Collection) -> HubResult<Vec<String>> {
        let directory = self.store.sharing_directory().await?;
        Ok(directory
            .audiences
            .into_iter()
            .filter(|(id, _)| *id == collection.id)
            .map(|(_, community)| community)
            .collect())
    }

    /// Resolves the caller as a reader of `collection` (whose read grant the caller already passed).
    pub(crate) async fn sharing_view(
        &self,
        caller: &Caller,
        collection: &Collection,
    ) -> HubResult<SharingView> {
        let directory = self.store.sharing_directory().await?;
        let org = effective_org(&caller.account, caller.org.as_deref());
        let org_government = directory
            .organisations
            .iter()
            .any(|o| caller.org.as_deref() == Some(o.name.as_str()) && o.government);
        let parents: BTreeMap<&str, Option<&str>> = directory
            .communities
            .iter()
            .map(|c| (c.name.as_str(), c.parent.as_deref()))
            .collect();
        let direct_communities: BTreeSet<CommunityId> = directory
            .members
            .iter()
            .filter(|(_, member)| caller.org.as_deref() == Some(member.as_str()))
            .map(|(community, _)| CommunityId::new(community.as_str()))
            .collect();
        let mut communities = BTreeSet::new();
        for direct in &direct_communities {
            let mut current = Some(direct.as_str());
            // Bounded by the number of communities: a corrupt (cyclic) table cannot loop.
            for _ in 0..=parents.len() {
                let Some(name) = current else { break };
                if !communities.insert(CommunityId::new(name)) {
                    break;
                }
                current = parents.get(name).copied().flatten();
            }
        }
        let collection_id = PolicyCollectionId::new(collection.id.as_str());
        let audience = CollectionAudience {
            communities: directory
                .audiences
                .iter()
                .filter(|(id, _)| *id == collection.id)
                .map(|(_, community)| CommunityId::new(community.as_str()))
                .collect(),
        };
        let reader = Reader {
            account: AccountId::new(caller.account.as_str()),
            org,
            org_government,
            role: if caller.is_admin {
                Role::HubAdmin
            } else {
                Role::Member
            },
            communities,
            direct_communities,
            marking_grants: BTreeSet::new(),
            readable_collections: BTreeSet::from([collection_id.clone()]),
        };
        Ok(SharingView {
            reader,
            collection: collection_id,
            audience,
        })
    }

    /// The release gate for one stored version: `None` when hidden; otherwise the version as served (a
    /// granular-redacted copy replaces `raw`).
    pub(crate) fn release_one(
        &self,
        view: &SharingView,
        mut stored: StoredObject,
    ) -> HubResult<Option<StoredObject>> {
        let Ok(id) = StixId::parse(&stored.id) else {
            return Ok(None);
        };
        let submitter_org = effective_org(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref());
        let submitter_account = AccountId::new(stored.sharing.submitter.as_str());
        let recipients = Recipients {
            communities: stored
                .sharing
                .recipients
                .iter()
                .map(|c| CommunityId::new(c.as_str()))
                .collect(),
            ..Recipients::default()
        };
        let markings: Vec<Marking> = stored
            .sharing
            .markings
            .iter()
            .map(|m| Marking::classify(m))
            .collect();
        let facts = SharingFacts {
            collection: &view.collection,
            audience: &view.audience,
            submitter_org: &submitter_org,
            submitter_account: &submitter_account,
            recipients: &recipients,
            markings: &markings,
        };
        let submitter = Submitter {
            org: &submitter_org,
            identity_id: None,
            consent: Consent::Everyone,
        };
        let object = gate::StoredObject {
            raw_json: stored.raw.as_deref().unwrap_or(""),
            id: &id,
            facts,
            submitter,
        };
        if stored.raw.is_none() {
            return Ok(
                gate::served_id(&view.reader, &object, &self.hub_identity).map(|served| {
                    stored.id = served.as_str().to_owned();
                    stored
                }),
            );
        }
        let served = gate::serve(&view.reader, &object, &self.hub_identity, |_| false)
            .map_err(|err| HubError::Internal(format!("sharing policy: {err}")))?;
        Ok(match served {
            Served::Hidden => None,
            Served::Original => Some(stored),
            Served::Copy(value) => {
                stored.raw = Some(value.to_string());
                Some(stored)
            }
        })
    }
}

/// The hub's identity for the policy gate, derived from a store secret (used once anonymity is applied).
pub(crate) fn hub_identity(secret: &[u8; 32]) -> HubIdentity {
    let mut namespace = [0u8; 16];
    namespace.copy_from_slice(&secret[..16]);
    let namespace = uuid::Uuid::from_bytes(namespace);
    HubIdentity {
        identity_id: format!(
            "identity--{}",
            uuid::Uuid::new_v5(&namespace, b"stixhub hub identity")
        ),
        namespace,
    }
}
