//! Clearance: which readers an object version may be served to, following the TLP 2.0 definitions.
//!
//! A reader sees an object version when it may read the collection (the TAXII grant) **and** it is cleared for
//! **every** marking in the object's `object_marking_refs`:
//!
//! | marking | cleared readers |
//! |---|---|
//! | TLP:CLEAR / WHITE | everyone who may read the collection |
//! | TLP:GREEN | members of the collection's audience communities (or of their descendants), and the submitter's organisation |
//! | TLP:AMBER | the submitter's organisation, the organisations it names, direct members of the communities it names |
//! | TLP:AMBER+STRICT | the submitter's organisation |
//! | TLP:RED | the accounts the submitter names |
//! | any other marking-definition | accounts granted that marking |
//!
//! Decisions beyond the text, each held by the tests:
//! - The submitting account is cleared for every marking on what it submitted (it has the object already;
//!   hiding it would break read-your-writes for TAXII clients).
//! - A collection's audience flows down the community tree (see `model`): it includes its communities'
//!   descendants' members. AMBER recipients do not: a named community means its direct members only.
//! - An object with no marking at all is treated as TLP:CLEAR (the collection's read grant is its only limit);
//!   a hub that wants another default applies a marking at ingest.
//! - TLP is recognised only by the predefined ids (`stix::markings::predefined_tlp`); a look-alike definition is
//!   an ordinary marking that needs a grant (trap 13).
//! - Hub admins get no read bypass: on every serving path they are readers like any other. Reviewing a pending
//!   submission is a separate, audited operation (`admin::may_review_submissions`).

use std::collections::BTreeSet;

use serde_json::Value;
use stix::markings::{TlpLevel, predefined_tlp};

use crate::model::{AccountId, CollectionAudience, CollectionId, CommunityId, OrgId, Reader};

/// One marking applied to an object, classified once (at ingest) so the gate never re-parses ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Marking {
    /// A predefined TLP 1.0 or 2.0 marking (both versions map onto one order).
    Tlp(TlpLevel),
    /// Any other marking-definition, by id: readable only with a grant.
    Other(String),
}

impl Marking {
    /// Classifies a marking-definition id.
    pub fn classify(marking_ref: &str) -> Marking {
        match predefined_tlp(marking_ref) {
            Some(tlp) => Marking::Tlp(tlp.level),
            None => Marking::Other(marking_ref.to_owned()),
        }
    }
}

/// The classified markings in an object's `object_marking_refs` (duplicates removed).
pub fn object_markings(object: &Value) -> Vec<Marking> {
    let set: BTreeSet<Marking> = object
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(Marking::classify)
        .collect();
    set.into_iter().collect()
}

/// The recipients a submitter names: organisations and communities for AMBER, accounts for RED.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// Organisations named (AMBER).
    pub orgs: BTreeSet<OrgId>,
    /// Communities named (AMBER; their direct member organisations, not sub-communities).
    pub communities: BTreeSet<CommunityId>,
    /// Accounts named (RED).
    pub accounts: BTreeSet<AccountId>,
}

/// The facts about one object version in one collection that clearance depends on.
#[derive(Debug, Clone, Copy)]
pub struct SharingFacts<'a> {
    /// The collection it is read from.
    pub collection: &'a CollectionId,
    /// That collection's audience.
    pub audience: &'a CollectionAudience,
    /// The organisation that submitted it (the real one, even when it is published anonymously).
    pub submitter_org: &'a OrgId,
    /// The account that submitted it.
    pub submitter_account: &'a AccountId,
    /// The recipients the submitter named.
    pub recipients: &'a Recipients,
    /// Its `object_marking_refs`, classified.
    pub markings: &'a [Marking],
}

/// The gate's answer for one object version and one reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Serve it.
    Visible,
    /// Serve nothing about it: not the object, not its manifest entry, not its date.
    Hidden,
}

/// Whether `reader` may be served the object version described by `facts`.
pub fn decide(reader: &Reader, facts: &SharingFacts<'_>) -> Visibility {
    let cleared = reader.readable_collections.contains(facts.collection)
        && facts
            .markings
            .iter()
            .all(|marking| cleared_for_marking(reader, facts, marking));
    if cleared {
        Visibility::Visible
    } else {
        Visibility::Hidden
    }
}

/// Whether `reader` is cleared for `marking` on the object described by `facts` (the collection grant aside).
/// The same predicate decides granular markings (see `granular`).
pub fn cleared_for_marking(reader: &Reader, facts: &SharingFacts<'_>, marking: &Marking) -> bool {
    if reader.account == *facts.submitter_account {
        return true;
    }
    let own_org = reader.org == *facts.submitter_org;
    match marking {
        Marking::Tlp(TlpLevel::Clear) => true,
        Marking::Tlp(TlpLevel::Green) => {
            own_org || intersects(&reader.communities, &facts.audience.communities)
        }
        Marking::Tlp(TlpLevel::Amber) => {
            own_org
                || facts.recipients.orgs.contains(&reader.org)
                || intersects(&reader.direct_communities, &facts.recipients.communities)
        }
        Marking::Tlp(TlpLevel::AmberStrict) => own_org,
        Marking::Tlp(TlpLevel::Red) => facts.recipients.accounts.contains(&reader.account),
        Marking::Other(id) => reader.marking_grants.contains(id),
    }
}

fn intersects<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> bool {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().any(|item| large.contains(item))
}
