//! The clearance rules, written a second way as a specification, against `decide` on random worlds.
//!
//! The specification enumerates each marking's audience as a set of accounts, walking the community tree
//! **downwards** from the collection's audience communities (children lists), where `decide` walks **upwards**
//! from the reader (ancestor chains); AMBER-named communities contribute their direct members only. A reader sees an object exactly when it can read the collection and is in the audience
//! of every marking.

use std::collections::{BTreeMap, BTreeSet};

use policy::clearance::{Marking, Recipients, SharingFacts, Visibility, decide};
use policy::model::{
    Account, AccountId, CollectionAudience, CollectionId, Community, CommunityId, Consent, Directory, OrgId,
    Organisation, Role,
};
use proptest::prelude::*;
use stix::markings::PREDEFINED_TLP;

const GRANTABLE: [&str; 3] = [
    "marking-definition--11111111-1111-4111-8111-111111111111",
    "marking-definition--22222222-2222-4222-8222-222222222222",
    // A look-alike of TLP:GREEN (2.0) with one digit changed: an ordinary marking, never TLP.
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bc",
];
const COLLECTIONS: [&str; 2] = ["alpha", "beta"];

#[derive(Debug, Clone)]
struct World {
    org_count: usize,
    /// parent index (always lower than the community's own index, so the graph is a forest) and members.
    communities: Vec<(Option<usize>, BTreeSet<usize>)>,
    /// org index, grants, readable collections.
    accounts: Vec<(usize, BTreeSet<usize>, BTreeSet<usize>)>,
}

#[derive(Debug, Clone)]
struct Sample {
    collection: usize,
    audience: BTreeSet<usize>,
    submitter: usize,
    named_orgs: BTreeSet<usize>,
    named_communities: BTreeSet<usize>,
    named_accounts: BTreeSet<usize>,
    /// Index into PREDEFINED_TLP (0..9) or 9.. for GRANTABLE.
    markings: BTreeSet<usize>,
}

fn world() -> impl Strategy<Value = World> {
    (1usize..6, 0usize..6, 1usize..9).prop_flat_map(|(org_count, community_count, account_count)| {
        let communities = (0..community_count)
            .map(|idx| {
                let parent = if idx == 0 {
                    Just(None).boxed()
                } else {
                    proptest::option::of(0..idx).boxed()
                };
                (
                    parent,
                    proptest::collection::btree_set(0..org_count, 0..=org_count),
                )
            })
            .collect::<Vec<_>>();
        let accounts = proptest::collection::vec(
            (
                0..org_count,
                proptest::collection::btree_set(0..GRANTABLE.len(), 0..=2),
                proptest::collection::btree_set(0..COLLECTIONS.len(), 0..=2),
            ),
            account_count,
        );
        (Just(org_count), communities, accounts).prop_map(|(org_count, communities, accounts)| World {
            org_count,
            communities,
            accounts,
        })
    })
}

fn sample(world: &World) -> impl Strategy<Value = Sample> + use<> {
    let real_communities = world.communities.len();
    let community_set = move || {
        proptest::collection::btree_set(0..real_communities.max(1), 0..=2).prop_map(move |set| {
            set.into_iter()
                .filter(|c| *c < real_communities)
                .collect::<BTreeSet<_>>()
        })
    };
    (
        0..COLLECTIONS.len(),
        community_set(),
        0..world.accounts.len(),
        proptest::collection::btree_set(0..world.org_count, 0..=2),
        community_set(),
        proptest::collection::btree_set(0..world.accounts.len(), 0..=2),
        proptest::collection::btree_set(0..PREDEFINED_TLP.len() + GRANTABLE.len(), 0..=2),
    )
        .prop_map(
            |(collection, audience, submitter, named_orgs, named_communities, named_accounts, markings)| {
                Sample {
                    collection,
                    audience,
                    submitter,
                    named_orgs,
                    named_communities,
                    named_accounts,
                    markings,
                }
            },
        )
}

fn org_id(idx: usize) -> OrgId {
    OrgId::new(format!("org{idx}"))
}
fn community_id(idx: usize) -> CommunityId {
    CommunityId::new(format!("community{idx}"))
}
fn account_id(idx: usize) -> AccountId {
    AccountId::new(format!("account{idx}"))
}

fn build_directory(world: &World) -> Directory {
    let mut directory = Directory::new();
    for org in 0..world.org_count {
        let organisation = Organisation {
            id: org_id(org),
            government: org % 2 == 0,
            consent: Consent::None,
        };
        directory.add_organisation(organisation).unwrap();
    }
    for (idx, (org, grants, _)) in world.accounts.iter().enumerate() {
        let marking_grants = grants.iter().map(|g| GRANTABLE[*g].to_owned()).collect();
        let account = Account {
            id: account_id(idx),
            org: org_id(*org),
            role: Role::HubAdmin,
            marking_grants,
        };
        directory.add_account(account).unwrap();
    }
    for (idx, (parent, members)) in world.communities.iter().enumerate() {
        let community = Community {
            id: community_id(idx),
            parent: parent.map(community_id),
            members: members.iter().map(|m| org_id(*m)).collect(),
            admins: BTreeSet::new(),
        };
        directory.add_community(community).unwrap();
    }
    directory
}

/// The specification: the set of account indices each marking clears.
fn audience_of(world: &World, sample: &Sample, marking: usize) -> BTreeSet<usize> {
    let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (idx, (parent, _)) in world.communities.iter().enumerate() {
        if let Some(parent) = parent {
            children.entry(*parent).or_default().push(idx);
        }
    }
    // Orgs in the audience of a community: its members and the members of all its descendants.
    let orgs_under = |roots: &BTreeSet<usize>| {
        let mut stack: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|c| *c < world.communities.len())
            .collect();
        let mut orgs = BTreeSet::new();
        while let Some(community) = stack.pop() {
            orgs.extend(world.communities[community].1.iter().copied());
            stack.extend(children.get(&community).into_iter().flatten().copied());
        }
        orgs
    };
    let submitter_org = world.accounts[sample.submitter].0;
    let accounts_of_orgs = |orgs: &BTreeSet<usize>| -> BTreeSet<usize> {
        (0..world.accounts.len())
            .filter(|a| orgs.contains(&world.accounts[*a].0))
            .collect()
    };
    let own_org: BTreeSet<usize> = [submitter_org].into();
    let mut audience = match PREDEFINED_TLP.get(marking).map(|tlp| tlp.value) {
        Some("white" | "clear") => (0..world.accounts.len()).collect(),
        Some("green") => accounts_of_orgs(&orgs_under(&sample.audience).union(&own_org).copied().collect()),
        Some("amber") => {
            let mut orgs: BTreeSet<usize> = sample
                .named_communities
                .iter()
                .filter(|c| **c < world.communities.len())
                .flat_map(|c| world.communities[*c].1.iter().copied())
                .collect();
            orgs.extend(sample.named_orgs.iter().copied());
            orgs.insert(submitter_org);
            accounts_of_orgs(&orgs)
        }
        Some("amber+strict") => accounts_of_orgs(&own_org),
        Some(_) => sample.named_accounts.clone(),
        None => {
            let grant = marking - PREDEFINED_TLP.len();
            (0..world.accounts.len())
                .filter(|a| world.accounts[*a].1.contains(&grant))
                .collect()
        }
    };
    audience.insert(sample.submitter);
    audience
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decide_matches_the_enumerated_audiences(
        (world, sample) in world().prop_flat_map(|world| { let s = sample(&world); (Just(world), s) })
    ) {
        let directory = build_directory(&world);
        let collection = CollectionId::new(COLLECTIONS[sample.collection]);
        let audience = CollectionAudience { communities: sample.audience.iter().map(|c| community_id(*c)).collect() };
        let recipients = Recipients {
            orgs: sample.named_orgs.iter().map(|o| org_id(*o)).collect(),
            communities: sample.named_communities.iter().map(|c| community_id(*c)).collect(),
            accounts: sample.named_accounts.iter().map(|a| account_id(*a)).collect(),
        };
        let markings: Vec<Marking> = sample
            .markings
            .iter()
            .map(|m| Marking::classify(PREDEFINED_TLP.get(*m).map_or_else(|| GRANTABLE[m - PREDEFINED_TLP.len()], |t| t.id)))
            .collect();
        let submitter_org = org_id(world.accounts[sample.submitter].0);
        let submitter_account = account_id(sample.submitter);
        let facts = SharingFacts {
            collection: &collection,
            audience: &audience,
            submitter_org: &submitter_org,
            submitter_account: &submitter_account,
            recipients: &recipients,
            markings: &markings,
        };
        for (idx, (_, _, readable)) in world.accounts.iter().enumerate() {
            let readable_collections = readable.iter().map(|c| CollectionId::new(COLLECTIONS[*c])).collect();
            let reader = directory.resolve_reader(&account_id(idx), readable_collections).unwrap();
            let expected = readable.contains(&sample.collection)
                && sample.markings.iter().all(|m| audience_of(&world, &sample, *m).contains(&idx));
            let visible = decide(&reader, &facts) == Visibility::Visible;
            prop_assert_eq!(visible, expected, "account {} world {:?} sample {:?}", idx, world, sample);
        }
    }
}
