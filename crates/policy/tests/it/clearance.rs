//! Clearance: one test per row of the TLP table, plus the decisions beyond it.

use std::collections::BTreeSet;

use policy::clearance::{Marking, Recipients, SharingFacts, Visibility, decide, object_markings};
use policy::model::{
    Account, AccountId, CollectionAudience, CollectionId, Community, CommunityId, Consent, Directory, OrgId,
    Organisation, Reader, Role,
};
use serde_json::json;
use stix::markings::TlpLevel;

const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
const PROPRIETARY: &str = "marking-definition--c4b3a2f1-e0d9-4c8b-a7f6-e5d4c3b2a190";

/// national ← ohio ← ohio-counties; two counties and the state are members at their levels.
pub(crate) fn state_and_counties() -> Directory {
    let mut directory = Directory::new();
    for (org, government) in [
        ("ohio", true),
        ("franklin", true),
        ("hamilton", true),
        ("utility", false),
    ] {
        directory
            .add_organisation(Organisation {
                id: OrgId::new(org),
                government,
                consent: Consent::None,
            })
            .unwrap();
    }
    for (account, org, role) in [
        ("ohio-analyst", "ohio", Role::Member),
        ("franklin-it", "franklin", Role::Member),
        ("franklin-admin", "franklin", Role::OrgAdmin),
        ("hamilton-it", "hamilton", Role::Member),
        ("utility-soc", "utility", Role::Member),
        ("root", "ohio", Role::HubAdmin),
        ("ohio-community-admin", "ohio", Role::CommunityAdmin),
    ] {
        directory
            .add_account(Account {
                id: AccountId::new(account),
                org: OrgId::new(org),
                role,
                marking_grants: BTreeSet::new(),
            })
            .unwrap();
    }
    let community = |id: &str, parent: Option<&str>, members: &[&str]| Community {
        id: CommunityId::new(id),
        parent: parent.map(CommunityId::new),
        members: members.iter().map(|m| OrgId::new(*m)).collect(),
        admins: BTreeSet::new(),
    };
    directory
        .add_community(community("national", None, &["utility"]))
        .unwrap();
    directory
        .add_community(community("ohio", Some("national"), &["ohio"]))
        .unwrap();
    directory
        .add_community(community(
            "ohio-counties",
            Some("ohio"),
            &["franklin", "hamilton"],
        ))
        .unwrap();
    directory
        .add_community_admin(&CommunityId::new("ohio"), &AccountId::new("ohio-community-admin"))
        .unwrap();
    directory
}

pub(crate) fn reader(directory: &Directory, account: &str) -> Reader {
    directory
        .resolve_reader(&AccountId::new(account), [CollectionId::new("shared")].into())
        .unwrap()
}

struct Object {
    audience: CollectionAudience,
    recipients: Recipients,
    markings: Vec<Marking>,
}

impl Object {
    fn new(audience: &[&str], markings: Vec<Marking>) -> Object {
        Object {
            audience: CollectionAudience {
                communities: audience.iter().map(|c| CommunityId::new(*c)).collect(),
            },
            recipients: Recipients::default(),
            markings,
        }
    }

    /// Who of the fixture's readers sees it, submitted by franklin-it.
    fn visible_to(&self, directory: &Directory) -> Vec<&'static str> {
        let collection = CollectionId::new("shared");
        let (org, account) = (OrgId::new("franklin"), AccountId::new("franklin-it"));
        let facts = SharingFacts {
            collection: &collection,
            audience: &self.audience,
            submitter_org: &org,
            submitter_account: &account,
            recipients: &self.recipients,
            markings: &self.markings,
        };
        [
            "ohio-analyst",
            "franklin-it",
            "franklin-admin",
            "hamilton-it",
            "utility-soc",
            "root",
        ]
        .into_iter()
        .filter(|name| decide(&reader(directory, name), &facts) == Visibility::Visible)
        .collect()
    }
}

#[test]
fn reader_communities_include_ancestors() {
    let directory = state_and_counties();
    let franklin = reader(&directory, "franklin-it");
    let names: Vec<&str> = franklin.communities.iter().map(CommunityId::as_str).collect();
    assert_eq!(names, ["national", "ohio", "ohio-counties"]);
    let ohio = reader(&directory, "ohio-analyst");
    assert!(!ohio.communities.contains(&CommunityId::new("ohio-counties")));
}

#[test]
fn clear_goes_to_everyone_who_reads_the_collection() {
    let directory = state_and_counties();
    let object = Object::new(&[], vec![Marking::Tlp(TlpLevel::Clear)]);
    assert_eq!(object.visible_to(&directory).len(), 6);
}

#[test]
fn unmarked_is_treated_as_clear() {
    let directory = state_and_counties();
    assert_eq!(Object::new(&[], vec![]).visible_to(&directory).len(), 6);
}

#[test]
fn nobody_sees_a_collection_it_cannot_read() {
    let directory = state_and_counties();
    let outsider = directory
        .resolve_reader(&AccountId::new("utility-soc"), BTreeSet::new())
        .unwrap();
    let audience = CollectionAudience::default();
    let (collection, org, account) = (
        CollectionId::new("shared"),
        OrgId::new("ohio"),
        AccountId::new("x"),
    );
    let recipients = Recipients::default();
    let markings = [Marking::Tlp(TlpLevel::Clear)];
    let facts = SharingFacts {
        collection: &collection,
        audience: &audience,
        submitter_org: &org,
        submitter_account: &account,
        recipients: &recipients,
        markings: &markings,
    };
    assert_eq!(decide(&outsider, &facts), Visibility::Hidden);
}

#[test]
fn green_shared_with_the_state_reaches_its_counties_but_not_the_nation() {
    let directory = state_and_counties();
    let object = Object::new(&["ohio"], vec![Marking::Tlp(TlpLevel::Green)]);
    // root is a hub admin whose organisation (ohio) is in the state community: it sees it as ohio, not as admin.
    assert_eq!(
        object.visible_to(&directory),
        [
            "ohio-analyst",
            "franklin-it",
            "franklin-admin",
            "hamilton-it",
            "root"
        ]
    );
}

#[test]
fn green_shared_with_the_counties_does_not_reach_the_state() {
    let directory = state_and_counties();
    let object = Object::new(&["ohio-counties"], vec![Marking::Tlp(TlpLevel::Green)]);
    assert_eq!(
        object.visible_to(&directory),
        ["franklin-it", "franklin-admin", "hamilton-it"]
    );
}

#[test]
fn amber_goes_to_the_submitter_org_and_named_recipients() {
    let directory = state_and_counties();
    let mut object = Object::new(&["national"], vec![Marking::Tlp(TlpLevel::Amber)]);
    assert_eq!(object.visible_to(&directory), ["franklin-it", "franklin-admin"]);
    // Naming the state community reaches its direct member (the state), not the counties' child community.
    object.recipients.communities.insert(CommunityId::new("ohio"));
    assert_eq!(
        object.visible_to(&directory),
        ["ohio-analyst", "franklin-it", "franklin-admin", "root"]
    );
    object
        .recipients
        .communities
        .insert(CommunityId::new("ohio-counties"));
    let everyone_in_ohio = [
        "ohio-analyst",
        "franklin-it",
        "franklin-admin",
        "hamilton-it",
        "root",
    ];
    assert_eq!(object.visible_to(&directory), everyone_in_ohio);
    object.recipients = Recipients {
        orgs: [OrgId::new("utility")].into(),
        ..Recipients::default()
    };
    assert_eq!(
        object.visible_to(&directory),
        ["franklin-it", "franklin-admin", "utility-soc"]
    );
}

#[test]
fn amber_strict_stays_in_the_submitter_org() {
    let directory = state_and_counties();
    let mut object = Object::new(&["national"], vec![Marking::Tlp(TlpLevel::AmberStrict)]);
    object.recipients.orgs.insert(OrgId::new("ohio"));
    assert_eq!(object.visible_to(&directory), ["franklin-it", "franklin-admin"]);
}

#[test]
fn red_goes_only_to_named_accounts_and_the_submitter() {
    let directory = state_and_counties();
    let mut object = Object::new(&["national"], vec![Marking::Tlp(TlpLevel::Red)]);
    object.recipients.accounts.insert(AccountId::new("hamilton-it"));
    object.recipients.orgs.insert(OrgId::new("ohio"));
    assert_eq!(object.visible_to(&directory), ["franklin-it", "hamilton-it"]);
}

#[test]
fn other_markings_need_a_grant_and_hub_admins_get_no_bypass() {
    let mut directory = state_and_counties();
    let object = Object::new(&["national"], vec![Marking::classify(PROPRIETARY)]);
    assert_eq!(object.visible_to(&directory), ["franklin-it"]);
    directory
        .grant_marking(&AccountId::new("utility-soc"), PROPRIETARY)
        .unwrap();
    assert_eq!(object.visible_to(&directory), ["franklin-it", "utility-soc"]);
}

#[test]
fn every_marking_must_clear() {
    let mut directory = state_and_counties();
    directory
        .grant_marking(&AccountId::new("hamilton-it"), PROPRIETARY)
        .unwrap();
    let object = Object::new(
        &["ohio"],
        vec![Marking::Tlp(TlpLevel::Green), Marking::classify(PROPRIETARY)],
    );
    assert_eq!(object.visible_to(&directory), ["franklin-it", "hamilton-it"]);
}

#[test]
fn tlp_versions_map_onto_one_order_and_lookalikes_are_not_tlp() {
    let object = json!({"object_marking_refs": [TLP1_WHITE, TLP2_GREEN, TLP2_GREEN,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bc"]});
    assert_eq!(
        object_markings(&object),
        [
            Marking::Tlp(TlpLevel::Clear),
            Marking::Tlp(TlpLevel::Green),
            Marking::Other("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bc".to_owned())
        ]
    );
}

#[test]
fn directory_refuses_cycles_and_unknown_references() {
    let mut directory = state_and_counties();
    let err = directory.set_parent(
        &CommunityId::new("national"),
        Some(CommunityId::new("ohio-counties")),
    );
    assert_eq!(
        err,
        Err(policy::error::PolicyError::CommunityCycle("national".to_owned()))
    );
    let err = directory.add_member(&CommunityId::new("nowhere"), &OrgId::new("ohio"));
    assert_eq!(
        err,
        Err(policy::error::PolicyError::UnknownCommunity("nowhere".to_owned()))
    );
}
