//! `stixhub serve --demo`: on a store that was empty, creates demo organisations, a community, accounts with
//! fixed published passwords (demo only) and loads the demo dataset shipped in `crates/stixhub/demo/` (ATT&CK
//! for ICS subset with its licence notice, and sample indicators and sightings), so a newcomer sees a populated
//! hub at once.
//!
//! Invariant: nothing is loaded into a store that already had accounts; the dataset is embedded in the binary so
//! `--demo` works from any directory and without the corpus.

use hub::{Caller, Hub, NewAccount, Rights};

use anyhow::Context;

/// ATT&CK for ICS subset (licence: demo/LICENSE-attack-stix-data.txt).
const ATTACK_SUBSET: &str = include_str!("../../demo/ics-attack-subset.json");
/// Fictitious indicators, relationships and sightings.
const SAMPLE_INTEL: &str = include_str!("../../demo/sample-intel.json");

/// The community every demo organisation belongs to.
const COMMUNITY: &str = "Example State";
/// Demo accounts: name, organisation, password. Demo only: these passwords are public.
pub(crate) const ACCOUNTS: [(&str, &str, &str); 3] = [
    ("demo-state", "Example State Fusion Center", "demo-state-pass"),
    ("demo-lake", "Lake County", "demo-lake-pass"),
    ("demo-river", "River County", "demo-river-pass"),
];

/// Loads the demo into a freshly bootstrapped store.
pub(crate) async fn load(hub: &Hub) -> anyhow::Result<()> {
    // The set-up is the operator's, as with the admin CLI (and audited as such).
    let operator = Caller::operator();
    for (_, org, _) in ACCOUNTS {
        let consent = if org.contains("State") {
            "everyone"
        } else {
            "government"
        };
        hub.create_organisation(&operator, org, consent, true)
            .await
            .with_context(|| format!("creating organisation {org}"))?;
    }
    hub.create_community(&operator, COMMUNITY, None).await?;
    for (_, org, _) in ACCOUNTS {
        hub.add_community_member(&operator, COMMUNITY, org).await?;
    }
    let collection = hub::DEFAULT_COLLECTION_ALIAS;
    hub.share_collection(&operator, collection, COMMUNITY).await?;
    for (name, org, password) in ACCOUNTS {
        hub.create_account(
            &operator,
            NewAccount {
                name: name.to_owned(),
                password: password.to_owned(),
                org: Some(org.to_owned()),
                role: None,
            },
        )
        .await
        .with_context(|| format!("creating account {name}"))?;
        let rights = Rights {
            can_read: true,
            can_write: true,
        };
        hub.grant(&operator, name, collection, rights).await?;
    }
    let admin = hub.account_caller(hub::ADMIN_ACCOUNT).await?;
    let root = hub::DEFAULT_API_ROOT;
    let status = hub
        .add_objects(&admin, root, collection, ATTACK_SUBSET.as_bytes())
        .await
        .context("loading the ATT&CK for ICS subset")?;
    let state_analyst = hub.account_caller(ACCOUNTS[0].0).await?;
    let intel = hub
        .add_objects(&state_analyst, root, collection, SAMPLE_INTEL.as_bytes())
        .await
        .context("loading the sample indicators")?;
    eprintln!(
        "demo: loaded {} ATT&CK for ICS objects and {} sample objects into the default collection",
        status.success_count, intel.success_count
    );
    for (name, org, password) in ACCOUNTS {
        eprintln!("demo: account {name} ({org}) password {password}   [demo only]");
    }
    Ok(())
}
