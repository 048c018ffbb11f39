//! The sharing model as the store keeps it (issue 6): organisations, communities, community membership and
//! collection audiences. Plain data: the `policy` crate's types are built from these in `hub`.

use crate::model::CollectionId;

/// An organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Unique name.
    pub name: String,
    /// Whether it is a government organisation.
    pub government: bool,
    /// What it consents to reveal as a submitter: `none`, `government` or `everyone` (the hub checks the text).
    pub consent: String,
}

/// A community (trust group), nested under an optional parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    /// Unique name.
    pub name: String,
    /// The community it nests under.
    pub parent: Option<String>,
}

/// Everything the sharing policy needs besides accounts and objects, read in one call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingDirectory {
    /// Every organisation, by name.
    pub organisations: Vec<Organisation>,
    /// Every community, by name.
    pub communities: Vec<Community>,
    /// `(community, organisation)`: direct memberships, ordered.
    pub members: Vec<(String, String)>,
    /// `(collection, community)`: the communities each collection is shared with, ordered.
    pub audiences: Vec<(CollectionId, String)>,
    /// `(community, account)`: the accounts named administrators of each community, ordered.
    pub community_admins: Vec<(String, String)>,
    /// `(account, marking-definition id)`: markings other than TLP an account is cleared for, ordered.
    pub marking_grants: Vec<(String, String)>,
}
