//! Who sees whose contributions to the register (the gating rule, docs/supply-chain.md "Who sees what").
//!
//! The register is built from organisations' SBOM findings and threat activity. A reader sees an
//! organisation's contributions when:
//! - it is that organisation, or a hub admin (who already sees every SBOM and finding); or
//! - the organisation's consent allows the reader (`everyone`; or `government` and the reader's organisation
//!   is a government one; `none` shares with nobody), **and** the reader's organisation is a *direct* member
//!   of a community the organisation belongs to, directly or through a sub-community.
//!
//! So a state that is a direct member of "Ohio" sees the counties of "Ohio counties" (a child of "Ohio") that
//! consent to it, while the counties see neither the state nor, unless they are direct members of a common
//! community, each other. Hidden organisations' contributions are left out entirely — not counted, not
//! named — so a total never reveals them.

use std::collections::BTreeSet;

/// What an organisation consents to share (the sharing model's AIS consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// With nobody.
    None,
    /// With government organisations.
    Government,
    /// With every organisation of its communities.
    Everyone,
}

/// The reader.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// Its organisation (an account without one sees only hub-admin views, if it is a hub admin).
    pub org: Option<String>,
    /// Whether its organisation is a government one.
    pub government: bool,
    /// Whether it is a hub admin.
    pub hub_admin: bool,
    /// The communities its organisation is a direct member of.
    pub direct_communities: BTreeSet<String>,
}

/// An organisation whose contributions may be shown.
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    /// Its id.
    pub org: &'a str,
    /// Its consent.
    pub consent: Consent,
    /// The communities it is a member of, directly or through sub-communities (its direct ones and all their
    /// ancestors).
    pub effective_communities: &'a BTreeSet<String>,
}

/// Whether `viewer` sees `owner`'s contributions.
pub fn may_see(viewer: &Viewer, owner: &Owner<'_>) -> bool {
    if viewer.hub_admin || viewer.org.as_deref() == Some(owner.org) {
        return true;
    }
    let consents = match owner.consent {
        Consent::None => false,
        Consent::Government => viewer.government,
        Consent::Everyone => true,
    };
    consents
        && viewer
            .direct_communities
            .iter()
            .any(|c| owner.effective_communities.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_state_sees_consenting_counties_only() {
        let state = Viewer {
            org: Some("state".into()),
            government: true,
            hub_admin: false,
            direct_communities: set(&["ohio"]),
        };
        let county_comms = set(&["ohio-counties", "ohio"]);
        let open = Owner {
            org: "county-a",
            consent: Consent::Government,
            effective_communities: &county_comms,
        };
        let closed = Owner {
            org: "county-b",
            consent: Consent::None,
            effective_communities: &county_comms,
        };
        assert!(may_see(&state, &open));
        assert!(!may_see(&state, &closed));
        let private = Viewer {
            government: false,
            ..state.clone()
        };
        assert!(!may_see(&private, &open));
        let state_comms = set(&["ohio"]);
        let county = Viewer {
            org: Some("county-a".into()),
            government: true,
            hub_admin: false,
            direct_communities: set(&["ohio-counties"]),
        };
        let state_owner = Owner {
            org: "state",
            consent: Consent::Everyone,
            effective_communities: &state_comms,
        };
        assert!(!may_see(&county, &state_owner));
        assert!(may_see(
            &county,
            &Owner {
                org: "county-a",
                consent: Consent::None,
                effective_communities: &county_comms
            }
        ));
    }
}
