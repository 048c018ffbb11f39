//! Which subscribers should receive an inject, from the scenario alone: an indicator reaches the subscribers
//! who may read its collection (named readers or writers, or members of a community in its audience or below
//! it); a shared case reaches the subscribers of the communities the responder shares with. The report then
//! counts a missing delivery as a miss, not as nothing.

use std::collections::BTreeSet;

use crate::scenario::{Inject, InjectBody, OrgKind, Scenario};

/// Organisations in these communities or their descendants.
pub fn members_below(scenario: &Scenario, communities: &[String]) -> BTreeSet<String> {
    let mut included: BTreeSet<&str> = communities.iter().map(String::as_str).collect();
    // Children are declared after parents, so one pass in file order closes the tree.
    for community in &scenario.communities {
        if community.parent.as_deref().is_some_and(|p| included.contains(p)) {
            included.insert(community.name.as_str());
        }
    }
    scenario
        .communities
        .iter()
        .filter(|c| included.contains(c.name.as_str()))
        .flat_map(|c| c.members.iter().cloned())
        .collect()
}

/// The subscribers (account names) expected to receive what an inject publishes, sorted.
pub fn expected_recipients(scenario: &Scenario, inject: &Inject) -> Vec<String> {
    let (collection_alias, communities): (String, Vec<String>) = match &inject.body {
        InjectBody::Indicator(indicator) => {
            let Some(collection) = scenario
                .collections
                .iter()
                .find(|c| c.alias == indicator.collection)
            else {
                return Vec::new();
            };
            (collection.alias.clone(), collection.audience.clone())
        }
        InjectBody::Report(_) => {
            // The responder that acts for this jurisdiction and shares.
            let share = scenario
                .organisations
                .iter()
                .filter(|o| o.kind == OrgKind::Responder)
                .find_map(|o| {
                    let behaviour = o.behaviour.as_ref()?;
                    let acts = behaviour
                        .jurisdictions
                        .as_ref()
                        .is_none_or(|list| list.contains(&inject.org));
                    behaviour.share_after_ms?;
                    if acts { behaviour.share.clone() } else { None }
                });
            match share {
                Some(share) => (share.collection, share.communities),
                None => return Vec::new(),
            }
        }
    };
    let Some(collection) = scenario.collections.iter().find(|c| c.alias == collection_alias) else {
        return Vec::new();
    };
    let orgs = members_below(scenario, &communities);
    let mut out: Vec<String> = scenario
        .subscribers
        .iter()
        .filter(|s| s.collection.as_ref().is_none_or(|c| *c == collection_alias))
        .filter(|s| {
            collection.readers.contains(&s.account)
                || collection.writers.contains(&s.account)
                || scenario
                    .org_of(&s.account)
                    .is_some_and(|org| orgs.contains(&org.name))
        })
        // The submitter hears of its own post too, but that is no delivery to measure.
        .filter(|s| s.account != inject.from)
        .map(|s| s.account.clone())
        .collect();
    out.sort();
    out
}
