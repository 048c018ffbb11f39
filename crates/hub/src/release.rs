//! The release of stored versions to one reader: the per-request view of the sharing policy, anonymity by
//! consent, and the ids readers know republished objects by.
//!
//! - **View.** The reader (organisation, communities, marking grants) is resolved once per request from the
//!   sharing directory, with the collection's audience and every organisation's consent.
//! - **Anonymity** (`policy::anonymity`): a version whose submitting organisation does not consent to be
//!   revealed to this reader is served republished by the hub: a new id derived from a secret namespace, the
//!   hub's identity as creator, references to other objects the same organisation submitted to the collection
//!   rewritten, `identity` objects withheld. The stored row keeps that public id, so `match[id]` and the
//!   object endpoints find the version by it; a filter on ids keeps only versions *served* under a requested
//!   id, so asking for an original id never links it to its republished one.
//! - The mapping itself (original ↔ public id) is shown only to hub admins and the submitting organisation
//!   (`Hub::republished_ids`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use policy::anonymity::{Disclosure, HubIdentity, Submitter, disclosure, reader_class, republished_id};
use policy::clearance::{Marking, Recipients, SharingFacts};
use policy::gate::{self, Served};
use policy::model::{
    AccountId, CollectionAudience, CollectionId as PolicyCollectionId, CommunityId, Consent, OrgId, Reader,
    Role,
};
use serde_json::Value;
use stix::id::StixId;
use store::{Collection, StoredObject};

use crate::sharing::{effective_org, parse_consent};
use crate::{Caller, Hub, HubError, HubResult};

/// What one request's reads are checked against.
#[derive(Debug)]
pub(crate) struct SharingView {
    reader: Reader,
    collection: PolicyCollectionId,
    store_collection: store::CollectionId,
    audience: CollectionAudience,
    /// Consent by organisation name (organisations not listed: `everyone`).
    consent: HashMap<String, Consent>,
    /// When the request filters on ids: the ids a version must be *served* under to be released.
    pub(crate) wanted_ids: Option<BTreeSet<String>>,
    /// The last submitter seen and its policy ids: consecutive versions mostly share a submitter, so this saves
    /// two allocations per version on a walk.
    last_submitter: std::sync::Mutex<Option<SubmitterIds>>,
}

/// A submitter (account, organisation) and the policy ids it maps to.
#[derive(Debug)]
struct SubmitterIds {
    account: String,
    org: Option<String>,
    org_id: OrgId,
    account_id: AccountId,
}

/// Per version to republish: who created it, which of the ids it mentions the same organisation submitted,
/// and the names that identify the submitter.
#[derive(Debug, Default)]
pub(crate) struct RepublishFacts {
    created_by: Option<String>,
    submitted_refs: BTreeSet<String>,
    names: Vec<String>,
}

impl SharingView {
    fn submitter_org(&self, stored: &StoredObject) -> OrgId {
        effective_org(&stored.sharing.submitter, stored.sharing.submitter_org.as_deref())
    }

    fn consent_of(&self, stored: &StoredObject) -> Consent {
        if stored.sharing.shadow {
            // A version of an id another organisation owns: outside its own organisation it is served only
            // under its public id, so no reader sees two organisations' versions under one id.
            return Consent::None;
        }
        match stored.sharing.submitter_org.as_ref() {
            // An account without an organisation is its own and is named as before.
            None => Consent::Everyone,
            // An organisation missing from the cached directory (created by another process after the cache
            // was read, or removed) gets the most protective level: a stale cache may only hide a name
            // for a moment, never reveal one.
            Some(org) => self.consent.get(org).copied().unwrap_or(Consent::None),
        }
    }

    /// Whether `stored` is served republished to this reader (ignoring clearance).
    fn republishes(&self, stored: &StoredObject) -> bool {
        let org = self.submitter_org(stored);
        disclosure(self.consent_of(stored), reader_class(&self.reader, &org)) == Disclosure::Republish
    }
}

impl Hub {
    /// Resolves the caller as a reader of `collection` (whose read grant the caller already passed).
    pub(crate) async fn sharing_view(
        &self,
        caller: &Caller,
        collection: &Collection,
    ) -> HubResult<SharingView> {
        let directory = self.sharing_directory().await?;
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
        let marking_grants = directory
            .marking_grants
            .iter()
            .filter(|(account, _)| *account == caller.account)
            .map(|(_, marking)| marking.clone())
            .collect();
        let consent = directory
            .organisations
            .iter()
            // An unreadable consent text is the most protective level.
            .map(|o| (o.name.clone(), parse_consent(&o.consent).unwrap_or(Consent::None)))
            .collect();
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
            marking_grants,
            readable_collections: BTreeSet::from([collection_id.clone()]),
        };
        Ok(SharingView {
            reader,
            collection: collection_id,
            store_collection: collection.id.clone(),
            audience,
            consent,
            wanted_ids: None,
            last_submitter: std::sync::Mutex::new(None),
        })
    }

    /// The public id of an object `org` (`sharing::effective_org`) submits: the id it is republished under,
    /// for types that are (and so the types whose ids have owners, see `ownership`).
    pub(crate) fn public_id(&self, org: &OrgId, id: &str) -> Option<String> {
        let id = StixId::parse(id).ok()?;
        policy::anonymity::is_republished_id(&id)
            .then(|| republished_id(&self.hub_identity, org, &id).as_str().to_owned())
    }

    /// The private anonymity mapping of what `org` submitted to `collection` (id or alias, any API root):
    /// `(original id, public id)` for every object of a republished type, ordered by original id. Callers
    /// check `AdminAction::ReadAnonymityMapping` first. The read is recorded in the audit log
    /// (`anonymity.read`, actor `reader`) before the mapping is returned.
    pub async fn republished_ids(
        &self,
        reader: &Caller,
        collection: &str,
        org: &str,
    ) -> HubResult<Vec<(String, String)>> {
        let collection = self
            .store
            .find_collection(collection)
            .await?
            .ok_or(HubError::NotFound)?;
        let mut query = store::ObjectQuery {
            collection: collection.id.clone(),
            ids: Vec::new(),
            types: Vec::new(),
            added_after: None,
            spec_versions: Vec::new(),
            versions: store::VersionSelector::All,
            after: None,
            limit: self.config.max_page_size,
            projection: store::Projection::Manifest,
        };
        let mut mapping = BTreeMap::new();
        loop {
            let page = self.store.query_objects(query.clone()).await?;
            for stored in &page.records {
                if stored.sharing.submitter_org.as_deref() == Some(org)
                    && let Some(public) = self.public_id(&OrgId::new(org), &stored.id)
                {
                    mapping.insert(stored.id.clone(), public);
                }
            }
            match (page.more, page.records.last()) {
                (true, Some(last)) => query.after = Some(last.position()),
                _ => break,
            }
        }
        let details = serde_json::json!({
            "collection": collection.id.as_str(),
            "organisation": org,
            "org": reader.org,
        });
        self.audit(&reader.account, "anonymity.read", mapping.len() as u64, details)
            .await?;
        Ok(mapping.into_iter().collect())
    }

    /// `ids` plus the stored ids of versions whose public id is one of them (what a store query must match).
    pub(crate) async fn ids_to_query(
        &self,
        collection: &Collection,
        ids: &[String],
    ) -> HubResult<Vec<String>> {
        let mut all = ids.to_vec();
        if ids.is_empty() {
            return Ok(all);
        }
        for (_, stored) in self.store.ids_by_public_id(&collection.id, ids.to_vec()).await? {
            if !all.contains(&stored) {
                all.push(stored);
            }
        }
        Ok(all)
    }

    /// For the versions of a page served republished to this reader: their creator, the ids they mention that
    /// the same organisation submitted anywhere in the hub, and the names of the submitter (organisation,
    /// submitting account, the names of its identity objects). A few store lookups per submitting
    /// organisation, on the republishing path only.
    pub(crate) async fn republish_facts(
        &self,
        view: &SharingView,
        records: &[StoredObject],
    ) -> HubResult<HashMap<i64, RepublishFacts>> {
        let mut facts = HashMap::new();
        let mut refs_by_org: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut parsed = Vec::new();
        for stored in records {
            let (Some(raw), Some(org)) = (&stored.raw, &stored.sharing.submitter_org) else {
                continue;
            };
            if !view.republishes(stored) {
                continue;
            }
            let Ok(value) = serde_json::from_str::<Value>(raw) else {
                continue;
            };
            let mut mentioned = Vec::new();
            policy::anonymity::copy::ids_in_value(&value, &mut mentioned);
            let refs: BTreeSet<String> = mentioned.into_iter().map(str::to_owned).collect();
            refs_by_org
                .entry(org.clone())
                .or_default()
                .extend(refs.iter().cloned());
            let created_by = value
                .get("created_by_ref")
                .and_then(Value::as_str)
                .map(str::to_owned);
            parsed.push((
                stored.date_added,
                org.clone(),
                stored.sharing.submitter.clone(),
                created_by,
                refs,
            ));
        }
        let mut submitted: BTreeMap<String, (BTreeSet<String>, Vec<String>)> = BTreeMap::new();
        for (org, refs) in refs_by_org {
            let found = self.ids_submitted_anywhere(view, &org, refs).await?;
            let names = self.identity_names(view, &org, &found).await?;
            submitted.insert(org, (found, names));
        }
        for (date_added, org, account, created_by, refs) in parsed {
            let (by_org, identity_names) = submitted
                .get(&org)
                .map(|(ids, names)| (Some(ids), names.as_slice()))
                .unwrap_or((None, &[]));
            let submitted_refs = refs
                .into_iter()
                .filter(|r| by_org.is_some_and(|ids| ids.contains(r)))
                .collect();
            let mut names = vec![org, account];
            names.extend(identity_names.iter().cloned());
            facts.insert(
                date_added,
                RepublishFacts {
                    created_by,
                    submitted_refs,
                    names,
                },
            );
        }
        Ok(facts)
    }

    /// Which of `ids` `org` submitted to any collection of the hub (this collection first: most references
    /// stay inside one).
    async fn ids_submitted_anywhere(
        &self,
        view: &SharingView,
        org: &str,
        ids: BTreeSet<String>,
    ) -> HubResult<BTreeSet<String>> {
        let mut found: BTreeSet<String> = self
            .store
            .ids_submitted_by(&view.store_collection, org, ids.iter().cloned().collect())
            .await?
            .into_iter()
            .collect();
        let mut rest: Vec<String> = ids.into_iter().filter(|id| !found.contains(id)).collect();
        if rest.is_empty() {
            return Ok(found);
        }
        for root in self.store.api_roots().await? {
            for collection in self.store.collections(&root.name).await? {
                if rest.is_empty() || collection.id == view.store_collection {
                    continue;
                }
                let here = self
                    .store
                    .ids_submitted_by(&collection.id, org, rest.clone())
                    .await?;
                rest.retain(|id| !here.contains(id));
                found.extend(here);
            }
        }
        Ok(found)
    }

    /// The `name`s of the identity objects among `ids` stored in this collection by `org`.
    async fn identity_names(
        &self,
        view: &SharingView,
        org: &str,
        ids: &BTreeSet<String>,
    ) -> HubResult<Vec<String>> {
        let identities: Vec<String> = ids
            .iter()
            .filter(|id| id.starts_with("identity--"))
            .cloned()
            .collect();
        if identities.is_empty() {
            return Ok(Vec::new());
        }
        let page = self
            .store
            .query_objects(store::ObjectQuery {
                collection: view.store_collection.clone(),
                ids: identities,
                types: Vec::new(),
                added_after: None,
                spec_versions: Vec::new(),
                versions: store::VersionSelector::All,
                after: None,
                limit: self.config.max_page_size,
                projection: store::Projection::Full,
            })
            .await?;
        Ok(page
            .records
            .iter()
            .filter(|stored| stored.sharing.submitter_org.as_deref() == Some(org))
            .filter_map(|stored| serde_json::from_str::<Value>(stored.raw.as_deref()?).ok())
            .filter_map(|value| value.get("name")?.as_str().map(str::to_owned))
            .collect())
    }

    /// The release gate for one stored version: `None` when hidden (or not served under a wanted id);
    /// otherwise the version as served (a redacted or republished copy replaces `raw` and `id`).
    pub(crate) fn release_one(
        &self,
        view: &SharingView,
        mut stored: StoredObject,
        republish: Option<&RepublishFacts>,
    ) -> HubResult<Option<StoredObject>> {
        let Ok(id) = StixId::parse(&stored.id) else {
            return Ok(None);
        };
        let mut last = view
            .last_submitter
            .lock()
            .map_err(|_| HubError::Internal("sharing view lock poisoned".to_owned()))?;
        let same = last.as_ref().is_some_and(|ids| {
            ids.account == stored.sharing.submitter && ids.org == stored.sharing.submitter_org
        });
        if !same {
            *last = Some(SubmitterIds {
                account: stored.sharing.submitter.clone(),
                org: stored.sharing.submitter_org.clone(),
                org_id: view.submitter_org(&stored),
                account_id: AccountId::new(stored.sharing.submitter.as_str()),
            });
        }
        let Some(ids) = last.as_ref() else {
            return Err(HubError::Internal("no submitter ids".to_owned()));
        };
        let (submitter_org, submitter_account) = (&ids.org_id, &ids.account_id);
        let recipients = recipients_of(&stored.sharing.recipients);
        let markings: Vec<Marking> = stored
            .sharing
            .markings
            .iter()
            .map(|m| Marking::classify(m))
            .collect();
        let facts = SharingFacts {
            collection: &view.collection,
            audience: &view.audience,
            submitter_org,
            submitter_account,
            recipients: &recipients,
            markings: &markings,
        };
        let submitter = Submitter {
            org: submitter_org,
            identity_id: republish.and_then(|facts| facts.created_by.as_deref()),
            consent: view.consent_of(&stored),
            names: republish.map_or(&[], |facts| facts.names.as_slice()),
        };
        let object = gate::StoredObject {
            raw_json: stored.raw.as_deref().unwrap_or(""),
            id: &id,
            facts,
            submitter,
        };
        let wanted = |id: &str| view.wanted_ids.as_ref().is_none_or(|wanted| wanted.contains(id));
        if stored.raw.is_none() {
            // Manifest rows: no bytes to serve, only the id the reader knows the object by.
            let Some(served_id) = gate::served_id(&view.reader, &object, &self.hub_identity) else {
                return Ok(None);
            };
            if !wanted(served_id.as_str()) {
                return Ok(None);
            }
            stored.id = served_id.as_str().to_owned();
            return Ok(Some(stored));
        }
        let is_republished =
            |reference: &str| republish.is_some_and(|facts| facts.submitted_refs.contains(reference));
        let served = gate::serve(&view.reader, &object, &self.hub_identity, is_republished)
            .map_err(|err| HubError::Internal(format!("sharing policy: {err}")))?;
        Ok(match served {
            Served::Hidden => None,
            Served::Original => wanted(&stored.id).then_some(stored),
            Served::Copy(value) => {
                // A republished copy carries its public id; a granular-redacted one its original id.
                let Some(served_id) = value.get("id").and_then(serde_json::Value::as_str) else {
                    return Err(HubError::Internal("a served copy has no id".to_owned()));
                };
                if !wanted(served_id) {
                    return Ok(None);
                }
                stored.id = served_id.to_owned();
                stored.raw = Some(value.to_string());
                Some(stored)
            }
        })
    }
}

/// The recipients stored with a version: `account:`, `org:` and `community:` prefixed names (an unprefixed
/// name, stored before recipients could be named, is a community).
fn recipients_of(stored: &[String]) -> Recipients {
    let mut recipients = Recipients::default();
    for item in stored {
        match item.split_once(':') {
            Some(("account", name)) => {
                recipients.accounts.insert(AccountId::new(name));
            }
            Some(("org", name)) => {
                recipients.orgs.insert(OrgId::new(name));
            }
            Some(("community", name)) => {
                recipients.communities.insert(CommunityId::new(name));
            }
            _ => {
                recipients.communities.insert(CommunityId::new(item.as_str()));
            }
        }
    }
    recipients
}

/// The hub's identity for the policy gate, derived from a store secret.
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
