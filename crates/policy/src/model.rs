//! The sharing model: organisations, accounts, nested communities, collections' audiences and marking grants.
//!
//! Clearance flows **down** the community tree. An organisation that is a member of community C is in the
//! audience of C and of every ancestor of C: a county in the "Ohio counties" community, itself a child of
//! "Ohio", is in Ohio's audience too, so a GREEN object shared with Ohio reaches the counties. The converse does
//! not hold: a member of Ohio alone is not in the audience of "Ohio counties". A [`Reader`] therefore carries its
//! *effective* communities: the ones its organisation belongs to directly, plus all their ancestors.
//!
//! That flow is for community-wide sharing (a collection's audience, TLP:GREEN). TLP:AMBER is need-to-know: a
//! community the submitter names as an AMBER recipient means that community's own member organisations, not its
//! sub-communities (which the submitter names too if it means them). So a county can post AMBER for the state
//! community without the state's other counties, sitting in a child community, receiving it.
//!
//! Invariant: the community graph is a forest (no cycles); [`Directory`] refuses an edit that would make one,
//! and its walks stop after as many steps as there are communities even if handed a corrupt graph.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::PolicyError;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id the hub assigned.
            pub fn new(id: impl Into<String>) -> $name {
                $name(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_newtype!(
    /// An organisation's id (the hub's own key, not a STIX id).
    OrgId
);
id_newtype!(
    /// An account's id (its login name).
    AccountId
);
id_newtype!(
    /// A community's id.
    CommunityId
);
id_newtype!(
    /// A TAXII collection's id.
    CollectionId
);

/// What an organisation consents to reveal about itself as a submitter (AIS consent levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Consent {
    /// Never reveal: the hub republishes every submission as publisher of record (the AIS default).
    None,
    /// Reveal to readers whose organisation is a government organisation (AIS `usg`).
    Government,
    /// Reveal to every reader.
    Everyone,
}

/// An account's role. The order is the order of power: each role can do what the ones before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads and writes as its grants allow; administers nothing.
    Member,
    /// Administers its own organisation's accounts, marking grants and consent.
    OrgAdmin,
    /// Also administers the communities it is named an admin of, and their descendants.
    CommunityAdmin,
    /// Administers the whole hub. Gets **no** extra read clearance: see `clearance`.
    HubAdmin,
}

/// An organisation (a participant: an agency, a county, a company).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Its id.
    pub id: OrgId,
    /// Whether it is a government organisation (readers from it see `Consent::Government` submitters).
    pub government: bool,
    /// What it consents to reveal about itself when it submits.
    pub consent: Consent,
}

/// An account: a member of exactly one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// The organisation it belongs to.
    pub org: OrgId,
    /// Its role.
    pub role: Role,
    /// The non-TLP marking-definition ids it is granted (TLP markings are never granted: they follow rules).
    pub marking_grants: BTreeSet<String>,
}

/// A community (trust group): organisations that share with each other, nested under an optional parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Its id.
    pub id: CommunityId,
    /// The community it nests under, if any.
    pub parent: Option<CommunityId>,
    /// Its member organisations (direct members only; members of child communities are not listed here).
    pub members: BTreeSet<OrgId>,
    /// Accounts that administer it (and, by delegation, its descendants).
    pub admins: BTreeSet<AccountId>,
}

/// Who a collection is shared with: the communities whose members receive its GREEN content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectionAudience {
    /// The communities the collection is shared with.
    pub communities: BTreeSet<CommunityId>,
}

/// An account resolved for reading: everything the clearance rules look at, computed once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The account.
    pub account: AccountId,
    /// Its organisation.
    pub org: OrgId,
    /// Whether its organisation is a government organisation.
    pub org_government: bool,
    /// Its role (informative: roles give no read clearance).
    pub role: Role,
    /// Effective communities: its organisation's communities and all their ancestors (GREEN audiences).
    pub communities: BTreeSet<CommunityId>,
    /// The communities its organisation is a direct member of (AMBER recipients).
    pub direct_communities: BTreeSet<CommunityId>,
    /// Non-TLP marking-definition ids it is granted.
    pub marking_grants: BTreeSet<String>,
    /// Collections it may read (the TAXII per-collection grant, decided outside this crate).
    pub readable_collections: BTreeSet<CollectionId>,
}

/// The hub's organisations, accounts and communities: a snapshot the hub loads from its store.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    orgs: BTreeMap<OrgId, Organisation>,
    accounts: BTreeMap<AccountId, Account>,
    communities: BTreeMap<CommunityId, Community>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Directory {
        Directory::default()
    }

    /// Adds an organisation.
    pub fn add_organisation(&mut self, org: Organisation) -> Result<(), PolicyError> {
        if self.orgs.contains_key(&org.id) {
            return Err(PolicyError::AlreadyExists(org.id.0));
        }
        self.orgs.insert(org.id.clone(), org);
        Ok(())
    }

    /// Adds an account; its organisation must exist.
    pub fn add_account(&mut self, account: Account) -> Result<(), PolicyError> {
        if !self.orgs.contains_key(&account.org) {
            return Err(PolicyError::UnknownOrganisation(account.org.0));
        }
        if self.accounts.contains_key(&account.id) {
            return Err(PolicyError::AlreadyExists(account.id.0));
        }
        self.accounts.insert(account.id.clone(), account);
        Ok(())
    }

    /// Adds a community; its parent, members and admins must exist.
    pub fn add_community(&mut self, community: Community) -> Result<(), PolicyError> {
        if self.communities.contains_key(&community.id) {
            return Err(PolicyError::AlreadyExists(community.id.0));
        }
        if let Some(parent) = &community.parent
            && !self.communities.contains_key(parent)
        {
            return Err(PolicyError::UnknownCommunity(parent.0.clone()));
        }
        if let Some(org) = community.members.iter().find(|org| !self.orgs.contains_key(*org)) {
            return Err(PolicyError::UnknownOrganisation(org.0.clone()));
        }
        if let Some(account) = community
            .admins
            .iter()
            .find(|account| !self.accounts.contains_key(*account))
        {
            return Err(PolicyError::UnknownAccount(account.0.clone()));
        }
        self.communities.insert(community.id.clone(), community);
        Ok(())
    }

    /// Moves a community under another parent (or to the top), refusing cycles.
    pub fn set_parent(
        &mut self,
        child: &CommunityId,
        parent: Option<CommunityId>,
    ) -> Result<(), PolicyError> {
        if !self.communities.contains_key(child) {
            return Err(PolicyError::UnknownCommunity(child.0.clone()));
        }
        if let Some(parent) = &parent {
            if !self.communities.contains_key(parent) {
                return Err(PolicyError::UnknownCommunity(parent.0.clone()));
            }
            if self.ancestors_or_self(parent).contains(child) {
                return Err(PolicyError::CommunityCycle(child.0.clone()));
            }
        }
        if let Some(community) = self.communities.get_mut(child) {
            community.parent = parent;
        }
        Ok(())
    }

    /// Makes `org` a direct member of `community`.
    pub fn add_member(&mut self, community: &CommunityId, org: &OrgId) -> Result<(), PolicyError> {
        if !self.orgs.contains_key(org) {
            return Err(PolicyError::UnknownOrganisation(org.0.clone()));
        }
        let entry = self
            .communities
            .get_mut(community)
            .ok_or_else(|| PolicyError::UnknownCommunity(community.0.clone()))?;
        entry.members.insert(org.clone());
        Ok(())
    }

    /// Makes `account` an admin of `community`.
    pub fn add_community_admin(
        &mut self,
        community: &CommunityId,
        account: &AccountId,
    ) -> Result<(), PolicyError> {
        if !self.accounts.contains_key(account) {
            return Err(PolicyError::UnknownAccount(account.0.clone()));
        }
        let entry = self
            .communities
            .get_mut(community)
            .ok_or_else(|| PolicyError::UnknownCommunity(community.0.clone()))?;
        entry.admins.insert(account.clone());
        Ok(())
    }

    /// The organisation with this id.
    pub fn organisation(&self, id: &OrgId) -> Option<&Organisation> {
        self.orgs.get(id)
    }

    /// The account with this id.
    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// The community with this id.
    pub fn community(&self, id: &CommunityId) -> Option<&Community> {
        self.communities.get(id)
    }

    /// All communities, by id.
    pub fn communities(&self) -> impl Iterator<Item = &Community> {
        self.communities.values()
    }

    /// `community` followed by its parent, grandparent, … up to the root. Unknown ids end the walk; the walk
    /// is bounded by the number of communities, so a corrupt (cyclic) snapshot cannot loop.
    pub fn ancestors_or_self(&self, community: &CommunityId) -> Vec<CommunityId> {
        let mut chain = Vec::new();
        let mut current = Some(community);
        while let Some(id) = current {
            if chain.len() > self.communities.len() || chain.contains(id) {
                break;
            }
            chain.push(id.clone());
            current = self.communities.get(id).and_then(|c| c.parent.as_ref());
        }
        chain
    }

    /// The communities `org` is a direct member of.
    pub fn direct_communities(&self, org: &OrgId) -> BTreeSet<CommunityId> {
        self.communities
            .values()
            .filter(|c| c.members.contains(org))
            .map(|c| c.id.clone())
            .collect()
    }

    /// The effective communities of `org`: its direct communities and all their ancestors.
    pub fn effective_communities(&self, org: &OrgId) -> BTreeSet<CommunityId> {
        self.direct_communities(org)
            .iter()
            .flat_map(|c| self.ancestors_or_self(c))
            .collect()
    }

    /// Resolves `account` into a [`Reader`], given the collections the TAXII grants let it read.
    pub fn resolve_reader(
        &self,
        account: &AccountId,
        readable_collections: BTreeSet<CollectionId>,
    ) -> Result<Reader, PolicyError> {
        let entry = self
            .accounts
            .get(account)
            .ok_or_else(|| PolicyError::UnknownAccount(account.0.clone()))?;
        let org = self
            .orgs
            .get(&entry.org)
            .ok_or_else(|| PolicyError::UnknownOrganisation(entry.org.0.clone()))?;
        Ok(Reader {
            account: entry.id.clone(),
            org: org.id.clone(),
            org_government: org.government,
            role: entry.role,
            communities: self.effective_communities(&org.id),
            direct_communities: self.direct_communities(&org.id),
            marking_grants: entry.marking_grants.clone(),
            readable_collections,
        })
    }

    /// Grants a non-TLP marking-definition to an account.
    pub fn grant_marking(&mut self, account: &AccountId, marking_id: &str) -> Result<(), PolicyError> {
        let entry = self
            .accounts
            .get_mut(account)
            .ok_or_else(|| PolicyError::UnknownAccount(account.0.clone()))?;
        entry.marking_grants.insert(marking_id.to_owned());
        Ok(())
    }
}
