//! Delegated administration: who may add whom to what.

use policy::admin;
use policy::error::PolicyError;
use policy::model::{AccountId, CommunityId, OrgId, Role};

use crate::clearance::state_and_counties;

fn id(name: &str) -> AccountId {
    AccountId::new(name)
}

#[test]
fn hub_admin_may_do_everything() {
    let directory = state_and_counties();
    assert_eq!(admin::may_create_organisation(&directory, &id("root")), Ok(()));
    assert_eq!(admin::may_create_community(&directory, &id("root"), None), Ok(()));
    assert_eq!(
        admin::may_create_account(&directory, &id("root"), &OrgId::new("utility"), Role::HubAdmin),
        Ok(())
    );
    assert_eq!(admin::may_review_submissions(&directory, &id("root")), Ok(()));
}

#[test]
fn org_admin_manages_only_its_own_org_and_below_its_role() {
    let directory = state_and_counties();
    let franklin = OrgId::new("franklin");
    assert_eq!(
        admin::may_create_account(&directory, &id("franklin-admin"), &franklin, Role::OrgAdmin),
        Ok(())
    );
    assert!(matches!(
        admin::may_create_account(&directory, &id("franklin-admin"), &franklin, Role::CommunityAdmin),
        Err(PolicyError::NotPermitted(_))
    ));
    assert!(
        admin::may_create_account(
            &directory,
            &id("franklin-admin"),
            &OrgId::new("hamilton"),
            Role::Member
        )
        .is_err()
    );
    assert!(admin::may_create_account(&directory, &id("franklin-it"), &franklin, Role::Member).is_err());
    assert_eq!(
        admin::may_set_consent(&directory, &id("franklin-admin"), &franklin),
        Ok(())
    );
    assert!(admin::may_set_consent(&directory, &id("franklin-admin"), &OrgId::new("ohio")).is_err());
    assert!(
        admin::may_set_role(
            &directory,
            &id("franklin-admin"),
            &id("franklin-it"),
            Role::HubAdmin
        )
        .is_err()
    );
}

#[test]
fn org_admin_grants_only_markings_it_holds() {
    let mut directory = state_and_counties();
    let marking = "marking-definition--c4b3a2f1-e0d9-4c8b-a7f6-e5d4c3b2a190";
    assert!(
        admin::may_grant_marking(&directory, &id("franklin-admin"), &id("franklin-it"), marking).is_err()
    );
    directory.grant_marking(&id("franklin-admin"), marking).unwrap();
    assert_eq!(
        admin::may_grant_marking(&directory, &id("franklin-admin"), &id("franklin-it"), marking),
        Ok(())
    );
    assert!(
        admin::may_grant_marking(&directory, &id("franklin-admin"), &id("hamilton-it"), marking).is_err()
    );
}

#[test]
fn community_admin_manages_its_community_and_descendants_only() {
    let directory = state_and_counties();
    let actor = id("ohio-community-admin");
    let counties = CommunityId::new("ohio-counties");
    let utility = OrgId::new("utility");
    assert_eq!(
        admin::may_manage_community_member(&directory, &actor, &counties, &utility),
        Ok(())
    );
    assert_eq!(
        admin::may_create_community(&directory, &actor, Some(&counties)),
        Ok(())
    );
    assert_eq!(
        admin::may_share_collection(&directory, &actor, &CommunityId::new("ohio"), true),
        Ok(())
    );
    // Administering the audience is no right on the collection (issue 12).
    assert!(admin::may_share_collection(&directory, &actor, &CommunityId::new("ohio"), false).is_err());
    assert!(admin::may_share_collection(&directory, &actor, &CommunityId::new("national"), true).is_err());
    assert!(
        admin::may_manage_community_member(&directory, &actor, &CommunityId::new("national"), &utility)
            .is_err()
    );
    assert!(admin::may_create_community(&directory, &actor, None).is_err());
    assert!(
        admin::may_manage_community_member(&directory, &id("franklin-admin"), &counties, &utility).is_err()
    );
}

#[test]
fn only_community_admins_can_be_named_community_admins() {
    let directory = state_and_counties();
    let counties = CommunityId::new("ohio-counties");
    let actor = id("ohio-community-admin");
    assert!(admin::may_name_community_admin(&directory, &actor, &counties, &id("franklin-admin")).is_err());
    assert_eq!(
        admin::may_name_community_admin(&directory, &id("root"), &counties, &id("root")),
        Ok(())
    );
}

#[test]
fn anonymity_mappings_are_private_to_the_submitter_and_hub_admins() {
    let directory = state_and_counties();
    let franklin = OrgId::new("franklin");
    assert_eq!(
        admin::may_read_anonymity_mapping(&directory, &id("franklin-it"), &franklin),
        Ok(())
    );
    assert_eq!(
        admin::may_read_anonymity_mapping(&directory, &id("root"), &franklin),
        Ok(())
    );
    assert!(admin::may_read_anonymity_mapping(&directory, &id("hamilton-it"), &franklin).is_err());
    assert!(admin::may_read_anonymity_mapping(&directory, &id("ohio-community-admin"), &franklin).is_err());
}

#[test]
fn unknown_actors_are_errors_not_permissions() {
    let directory = state_and_counties();
    assert_eq!(
        admin::may_create_organisation(&directory, &id("ghost")),
        Err(PolicyError::UnknownAccount("ghost".to_owned()))
    );
}

#[test]
fn org_admins_manage_their_own_organisations_accounts_up_to_their_role() {
    let directory = state_and_counties();
    let admin_of_franklin = id("franklin-admin");
    assert_eq!(
        admin::may_manage_account(&directory, &admin_of_franklin, &id("franklin-it")),
        Ok(())
    );
    assert!(admin::may_manage_account(&directory, &admin_of_franklin, &id("hamilton-it")).is_err());
    assert!(admin::may_manage_account(&directory, &id("franklin-it"), &id("franklin-it")).is_err());
    assert!(admin::may_manage_account(&directory, &id("ohio-analyst"), &id("ohio-community-admin")).is_err());
    assert!(admin::may_manage_account(&directory, &id("ohio-community-admin"), &id("root")).is_err());
    assert_eq!(
        admin::may_manage_account(&directory, &id("root"), &id("ohio-community-admin")),
        Ok(())
    );
    assert!(matches!(
        admin::may_manage_account(&directory, &id("root"), &id("ghost")),
        Err(PolicyError::UnknownAccount(_))
    ));
}
