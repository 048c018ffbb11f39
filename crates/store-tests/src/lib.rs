//! The store conformance suite: the executable contract of `store::Store`.
//!
//! Every backend runs it from its own tests with `store_tests::conformance_suite!(factory)`, where `factory` is
//! an `async fn() -> Arc<dyn Store>` returning a fresh, empty store (PostgreSQL: a fresh schema). Each check is
//! also a public `async fn(&dyn Store)` so a backend can call one directly while debugging.
//!
//! Invariant: the suite only uses the `Store` trait; it never peeks at a backend's tables.

mod access;
mod assets;
mod audit;
mod events;
mod fixtures;
mod objects;
mod operations;
mod ownership;
mod paging;
mod records;
mod review;
mod revocation;
mod sharing;
mod versions;
mod webhook;

pub use crate::access::{
    accounts_tokens_and_grants, collections_and_api_roots, secrets_are_stable, statuses_persist,
};
pub use crate::assets::{
    assets_round_trip, notice_keys_are_claimed_once, recipients_are_added_to_one_version,
};
pub use crate::audit::{audit_appenders_racing_form_one_log, audit_log_appends_under_compare_and_swap};
pub use crate::events::{
    event_log_follows_adds_and_deletes, event_log_retention_trims_a_prefix,
    event_log_tail_never_skips_under_concurrency, subscriptions_round_trip,
};
pub use crate::objects::{
    delete_removes_versions_and_repairs_selection, duplicates_store_nothing_new,
    id_type_and_spec_version_filters, multi_type_filters_page_in_date_added_order,
    objects_come_back_byte_identical, revoked_is_final, unversioned_objects_have_one_version,
};
pub use crate::operations::organisation_usage_counts_versions_and_bytes;
pub use crate::ownership::{
    concurrent_first_claims_agree, delete_touches_only_one_group, first_claim_owns_and_others_are_shadows,
    observables_are_each_groups_own, versions_are_kept_per_group,
};
pub use crate::paging::{added_after_paging_never_loses_or_repeats, keyset_paging_in_date_added_order};
pub use crate::records::{record_swaps_racing_lose_nothing, records_round_trip};
pub use crate::review::{marking_grants_round_trip, public_ids_and_submitters, reviews_hold_then_settle};
pub use crate::revocation::{
    account_changes_bump_the_epoch, community_members_and_admins_are_removed, tokens_list_expire_and_revoke,
};
pub use crate::sharing::{
    accounts_keep_organisation_and_role, objects_keep_their_sharing_facts, sharing_directory_round_trips,
};
pub use crate::versions::{version_selection_after_added_after, version_selection_first_last_all_exact};
pub use crate::webhook::{
    webhook_deliveries_retry_die_and_replay, webhook_lease_is_a_fenced_compare_and_swap, webhooks_round_trip,
};

/// Generates one `#[tokio::test]` per conformance check, each on a store from `$factory`.
#[macro_export]
macro_rules! conformance_suite {
    ($factory:path) => {
        $crate::conformance_suite!(@each $factory;
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
            organisation_usage_counts_versions_and_bytes,
            event_log_follows_adds_and_deletes,
            event_log_retention_trims_a_prefix,
            event_log_tail_never_skips_under_concurrency,
            subscriptions_round_trip,
            account_changes_bump_the_epoch,
            tokens_list_expire_and_revoke,
            community_members_and_admins_are_removed,
            webhooks_round_trip,
            webhook_lease_is_a_fenced_compare_and_swap,
            webhook_deliveries_retry_die_and_replay,
            versions_are_kept_per_group,
            observables_are_each_groups_own,
            first_claim_owns_and_others_are_shadows,
            delete_touches_only_one_group,
            concurrent_first_claims_agree,
            assets_round_trip,
            notice_keys_are_claimed_once,
            recipients_are_added_to_one_version,
            records_round_trip,
            record_swaps_racing_lose_nothing
        );
    };
    (@each $factory:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store = $factory().await;
                $crate::$check(&*store).await;
            }
        )*
    };
}
