//! Measures the cost of the clearance gate: `decide` per object version, on a hub-sized directory.
//!
//! `cargo run --release -p policy --example gate-cost`
#![allow(clippy::print_stdout)]

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::Instant;

use policy::clearance::{Marking, Recipients, SharingFacts, Visibility, decide};
use policy::model::{
    Account, AccountId, CollectionAudience, CollectionId, Community, CommunityId, Consent, Directory, OrgId,
    Organisation, Role,
};
use stix::markings::PREDEFINED_TLP;

fn main() -> Result<(), policy::error::PolicyError> {
    let mut directory = Directory::new();
    for org in 0..500 {
        directory.add_organisation(Organisation {
            id: OrgId::new(format!("org{org}")),
            government: org % 3 == 0,
            consent: Consent::None,
        })?;
    }
    for community in 0..60 {
        let parent = (community > 0).then(|| CommunityId::new(format!("c{}", (community - 1) / 4)));
        let members = (0..500)
            .filter(|org| org % 60 == community)
            .map(|org| OrgId::new(format!("org{org}")));
        directory.add_community(Community {
            id: CommunityId::new(format!("c{community}")),
            parent,
            members: members.collect(),
            admins: BTreeSet::new(),
        })?;
    }
    directory.add_account(Account {
        id: AccountId::new("reader"),
        org: OrgId::new("org59"),
        role: Role::Member,
        marking_grants: ["marking-definition--11111111-1111-4111-8111-111111111111".to_owned()].into(),
    })?;
    let collection = CollectionId::new("default");
    let reader = directory.resolve_reader(&AccountId::new("reader"), [collection.clone()].into())?;
    let audience = CollectionAudience {
        communities: ["c3", "c14"].map(CommunityId::new).into(),
    };
    let recipients = Recipients {
        orgs: (0..5).map(|o| OrgId::new(format!("org{o}"))).collect(),
        communities: [CommunityId::new("c2")].into(),
        accounts: [AccountId::new("someone")].into(),
    };
    let marking_sets: Vec<Vec<Marking>> = PREDEFINED_TLP
        .iter()
        .map(|tlp| vec![Marking::classify(tlp.id)])
        .chain([vec![Marking::classify(
            "marking-definition--11111111-1111-4111-8111-111111111111",
        )]])
        .collect();
    let submitters: Vec<OrgId> = (0..64)
        .map(|o| OrgId::new(format!("org{}", o * 7 % 500)))
        .collect();
    let submitter_account = AccountId::new("submitter");
    let n_decisions = 2_000_000;
    let started = Instant::now();
    let mut n_visible = 0usize;
    for decision_idx in 0..n_decisions {
        let facts = SharingFacts {
            collection: &collection,
            audience: &audience,
            submitter_org: &submitters[decision_idx % submitters.len()],
            submitter_account: &submitter_account,
            recipients: &recipients,
            markings: &marking_sets[decision_idx % marking_sets.len()],
        };
        if decide(black_box(&reader), black_box(&facts)) == Visibility::Visible {
            n_visible += 1;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "{n_decisions} decisions ({n_visible} visible) in {:.1} ms: {:.0} ns per decision; reader in {} communities",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e9 / n_decisions as f64,
        reader.communities.len()
    );
    Ok(())
}
