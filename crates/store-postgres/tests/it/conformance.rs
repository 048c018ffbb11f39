//! The `store-tests` conformance suite on PostgreSQL, one test per check, each in a fresh schema.
//!
//! `store_tests::conformance_suite!` expects a factory that always returns a store, but these tests must
//! skip without a database, so the checks are listed here; `lists_every_check_of_the_suite` fails as soon as
//! the suite gains a check this list lacks.

macro_rules! postgres_conformance {
    ($($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(store) = crate::harness::fresh_store(stringify!($check)).await else {
                    return;
                };
                store_tests::$check(&*store).await;
            }
        )*

        const CHECKS: &[&str] = &[$(stringify!($check)),*];
    };
}

postgres_conformance!(
    keyset_paging_in_date_added_order,
    added_after_paging_never_loses_or_repeats,
    version_selection_first_last_all_exact,
    version_selection_after_added_after,
    duplicates_store_nothing_new,
    revoked_is_final,
    delete_removes_versions_and_repairs_selection,
    unversioned_objects_have_one_version,
    objects_come_back_byte_identical,
    id_type_and_spec_version_filters,
    multi_type_filters_page_in_date_added_order,
    statuses_persist,
    accounts_tokens_and_grants,
    collections_and_api_roots,
    secrets_are_stable,
    sharing_directory_round_trips,
    accounts_keep_organisation_and_role,
    objects_keep_their_sharing_facts,
    reviews_hold_then_settle,
    marking_grants_round_trip,
    public_ids_and_submitters,
    audit_log_appends_under_compare_and_swap,
    audit_appenders_racing_form_one_log,
    // operations (issue 8)
    organisation_usage_counts_versions_and_bytes,
    event_log_follows_adds_and_deletes,
    event_log_retention_trims_a_prefix,
    event_log_tail_never_skips_under_concurrency,
    subscriptions_round_trip,
    // taking access back (issue 12)
    account_changes_bump_the_epoch,
    tokens_list_expire_and_revoke,
    community_members_and_admins_are_removed,
    // webhooks (issue 13)
    webhooks_round_trip,
    webhook_lease_is_a_fenced_compare_and_swap,
    webhook_deliveries_retry_die_and_replay,
    versions_are_kept_per_group,
    observables_are_each_groups_own,
    first_claim_owns_and_others_are_shadows,
    delete_touches_only_one_group,
    concurrent_first_claims_agree,
    // assets and victim notification (issue 14)
    assets_round_trip,
    notice_keys_are_claimed_once,
    recipients_are_added_to_one_version,
    // hub-owned records (issues 15–18)
    records_round_trip,
    record_swaps_racing_lose_nothing,
);

/// The checks named in the suite's own macro (`@each $factory; a, b, …`).
fn checks_of_the_suite() -> Vec<String> {
    let source = include_str!("../../../store-tests/src/lib.rs");
    let start = source
        .find("@each $factory;")
        .expect("the suite macro lists its checks after `@each $factory;`");
    let list = &source[start + "@each $factory;".len()..];
    let end = list.find(')').expect("the check list ends with `)`");
    list[..end]
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn lists_every_check_of_the_suite() {
    let mut suite = checks_of_the_suite();
    suite.sort();
    let mut here: Vec<String> = CHECKS.iter().map(|name| (*name).to_owned()).collect();
    here.sort();
    assert_eq!(
        here, suite,
        "update the list in postgres_conformance! to match store-tests"
    );
}
