//! Issue 6 acceptance: a property test over random organisations, communities, accounts, markings, consents
//! and objects. For every account and every read path (objects walked page by page, manifest, object,
//! versions, `match[id]`), nothing is served that the account is not cleared for, everything it is cleared
//! for is served, and under the id it may know it by (the original, or the hub's public id when the submitter
//! stays anonymous to it). Runs on SQLite always and on PostgreSQL when `STIXHUB_TEST_DATABASE_URL` is set.
//!
//! The expected answer is computed here, independently of `policy`, from the TLP 2.0 table of the issue.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hub::{Caller, Hub, HubConfig, HubError, ListKind};
use proptest::prelude::*;
use store::{Account, Store};
use taxii::query::ListParams;

pub(crate) const MARKINGS: [Option<&str>; 7] = [
    None,
    Some("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"), // CLEAR
    Some("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"), // GREEN
    Some("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"), // AMBER
    Some("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"), // AMBER+STRICT
    Some("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"), // RED
    Some("marking-definition--1d7e1c5a-0000-4000-8000-000000000001"), // a custom marking
];
const CONSENTS: [&str; 3] = ["none", "government", "everyone"];

#[derive(Debug, Clone)]
pub(crate) struct Model {
    /// (government, consent index)
    pub(crate) orgs: Vec<(bool, usize)>,
    /// parent index (< own index)
    communities: Vec<Option<usize>>,
    members: BTreeSet<(usize, usize)>,
    audience: BTreeSet<usize>,
    /// organisation index, if any
    pub(crate) accounts: Vec<Option<usize>>,
    custom_grants: BTreeSet<usize>,
    /// (submitting account, marking index)
    pub(crate) objects: Vec<(usize, usize)>,
}

pub(crate) fn model() -> impl Strategy<Value = Model> {
    (1usize..4, 1usize..4, 2usize..6).prop_flat_map(|(n_orgs, n_comms, n_accounts)| {
        (
            prop::collection::vec((any::<bool>(), 0usize..3), n_orgs),
            (0..n_comms)
                .map(|i| prop::option::of(0..i.max(1)).prop_map(move |p| p.filter(|_| i > 0)))
                .collect::<Vec<_>>(),
            prop::collection::btree_set((0..n_comms, 0..n_orgs), 0..6),
            prop::collection::btree_set(0..n_comms, 0..3),
            prop::collection::vec(prop::option::weighted(0.85, 0..n_orgs), n_accounts),
            prop::collection::btree_set(0..n_accounts, 0..3),
            prop::collection::vec((0..n_accounts, 0usize..7), 1..9),
        )
            .prop_map(
                |(orgs, communities, members, audience, accounts, custom_grants, objects)| Model {
                    orgs,
                    communities,
                    members,
                    audience,
                    accounts,
                    custom_grants,
                    objects,
                },
            )
    })
}

fn org_name(i: usize) -> String {
    format!("org{i}")
}

pub(crate) fn account_name(i: usize) -> String {
    format!("acct{i}")
}

pub(crate) fn object_id(i: usize) -> String {
    format!("indicator--7a000000-0000-4000-8000-{i:012}")
}

impl Model {
    fn ancestors_or_self(&self, community: usize) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut current = Some(community);
        while let Some(c) = current {
            if !out.insert(c) {
                break;
            }
            current = self.communities[c];
        }
        out
    }

    pub(crate) fn cleared(&self, reader: usize, object: usize) -> bool {
        let (submitter, marking) = self.objects[object];
        if reader == submitter {
            return true;
        }
        let reader_org = self.accounts[reader];
        let same_org = reader_org.is_some() && reader_org == self.accounts[submitter];
        let direct: BTreeSet<usize> = self
            .members
            .iter()
            .filter(|(_, org)| Some(*org) == reader_org)
            .map(|(c, _)| *c)
            .collect();
        match marking {
            0 | 1 => true,
            2 => {
                same_org
                    || direct
                        .iter()
                        .any(|c| !self.ancestors_or_self(*c).is_disjoint(&self.audience))
            }
            3 => same_org || !direct.is_disjoint(&self.audience),
            4 => same_org,
            5 => false,
            _ => self.custom_grants.contains(&reader),
        }
    }

    /// Whether the reader is served the original id (else the hub's public id).
    pub(crate) fn revealed(&self, reader: usize, object: usize) -> bool {
        let Some(org) = self.accounts[self.objects[object].0] else {
            return true;
        };
        let reader_org = self.accounts[reader];
        let (_, consent) = self.orgs[org];
        reader_org == Some(org)
            || CONSENTS[consent] == "everyone"
            || (CONSENTS[consent] == "government" && reader_org.is_some_and(|r| self.orgs[r].0))
    }
}

pub(crate) fn indicator(i: usize, marking: Option<&str>) -> String {
    let markings = marking.map_or(String::new(), |m| format!(r#","object_marking_refs":["{m}"]"#));
    format!(
        r#"{{"objects":[{{"type":"indicator","spec_version":"2.1","id":"{}","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.{i}']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"{markings}}}]}}"#,
        object_id(i)
    )
}

pub(crate) fn caller(model: &Model, account: usize) -> Caller {
    Caller {
        account: account_name(account),
        org: model.accounts[account].map(org_name),
        is_admin: false,
        role: "member".to_owned(),
    }
}

pub(crate) async fn build(store: Arc<dyn Store>, model: &Model) -> (Hub, BTreeMap<String, String>) {
    let hub = Hub::new(store.clone(), HubConfig::default()).await.unwrap();
    hub.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
    // The node's tail starts before the objects arrive, so the event tests also read them from its ring.
    hub.refresh_events().await.unwrap();
    let op = Caller::operator();
    for (i, (government, consent)) in model.orgs.iter().enumerate() {
        hub.create_organisation(&op, &org_name(i), CONSENTS[*consent], *government)
            .await
            .unwrap();
    }
    for (i, parent) in model.communities.iter().enumerate() {
        hub.create_community(&op, &format!("c{i}"), parent.map(|p| format!("c{p}")).as_deref())
            .await
            .unwrap();
    }
    for (community, org) in &model.members {
        hub.add_community_member(&op, &format!("c{community}"), &org_name(*org))
            .await
            .unwrap();
    }
    for community in &model.audience {
        hub.share_collection(&op, "default", &format!("c{community}"))
            .await
            .unwrap();
    }
    for (i, org) in model.accounts.iter().enumerate() {
        let account = Account {
            name: account_name(i),
            password_hash: String::new(),
            org: org.map(org_name),
            is_admin: false,
            role: "member".to_owned(),
            disabled: false,
            epoch: 0,
        };
        store.create_account(account).await.unwrap();
        let rights = hub::Rights {
            can_read: true,
            can_write: true,
        };
        hub.grant(&op, &account_name(i), "default", rights).await.unwrap();
    }
    for account in &model.custom_grants {
        hub.set_marking_grant(&op, &account_name(*account), MARKINGS[6].unwrap(), true)
            .await
            .unwrap();
    }
    for (i, (submitter, marking)) in model.objects.iter().enumerate() {
        let status = hub
            .add_objects(
                &caller(model, *submitter),
                "api1",
                "default",
                indicator(i, MARKINGS[*marking]),
            )
            .await
            .unwrap();
        assert_eq!(status.success_count, 1, "{status:?}");
    }
    let mut public = BTreeMap::new();
    for i in 0..model.orgs.len() {
        public.extend(
            hub.republished_ids(&hub::Caller::operator(), "default", &org_name(i))
                .await
                .unwrap(),
        );
    }
    (hub, public)
}

fn params(query: &str) -> ListParams {
    ListParams::parse(Some(query)).unwrap()
}

async fn walk(hub: &Hub, caller: &Caller, kind: ListKind) -> Vec<String> {
    let mut ids = Vec::new();
    let mut query = "limit=2".to_owned();
    loop {
        let page = hub
            .list(caller, "api1", "default", kind.clone(), &params(&query))
            .await
            .unwrap();
        assert!(page.records.len() <= 2);
        ids.extend(page.records.iter().map(|r| r.id.clone()));
        match page.next {
            Some(next) => query = format!("limit=2&next={next}"),
            None => break,
        }
    }
    ids
}

async fn check(store: Arc<dyn Store>, model: Model) {
    let (hub, public) = build(store, &model).await;
    for reader in 0..model.accounts.len() {
        let who = caller(&model, reader);
        let mut expected = Vec::new();
        for object in 0..model.objects.len() {
            let original = object_id(object);
            let served = if model.revealed(reader, object) {
                original.clone()
            } else {
                public
                    .get(&original)
                    .cloned()
                    .expect("a public id for every anonymous submission")
            };
            let visible = model.cleared(reader, object);
            if visible {
                expected.push(served.clone());
            }
            for kind in [
                ListKind::Object(served.clone()),
                ListKind::Versions(served.clone()),
            ] {
                let answer = hub.list(&who, "api1", "default", kind.clone(), &params("")).await;
                match (visible, answer) {
                    (true, Ok(page)) => assert_eq!(page.records[0].id, served, "{kind:?}"),
                    (false, Err(HubError::NotFound)) => {}
                    (visible, other) => panic!("reader {reader}, {kind:?}: visible {visible}, got {other:?}"),
                }
            }
            if served != original {
                // The original id never leads to the republished object.
                let answer = hub
                    .list(
                        &who,
                        "api1",
                        "default",
                        ListKind::Object(original.clone()),
                        &params(""),
                    )
                    .await;
                assert!(matches!(answer, Err(HubError::NotFound)), "{answer:?}");
            }
            let matched = hub
                .list(
                    &who,
                    "api1",
                    "default",
                    ListKind::Objects,
                    &params(&format!("match[id]={original}")),
                )
                .await
                .unwrap();
            let matched: Vec<&str> = matched.records.iter().map(|r| r.id.as_str()).collect();
            let want: Vec<&str> = if visible && served == original {
                vec![original.as_str()]
            } else {
                vec![]
            };
            assert_eq!(matched, want, "reader {reader} match[id] {original}");
        }
        assert_eq!(
            walk(&hub, &who, ListKind::Objects).await,
            expected,
            "reader {reader}: objects"
        );
        assert_eq!(
            walk(&hub, &who, ListKind::Manifest).await,
            expected,
            "reader {reader}: manifest"
        );
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_read_path_serves_exactly_what_the_reader_is_cleared_for_sqlite(model in model()) {
        let dir = std::env::temp_dir().join(format!("stixhub-hub-prop-{}", uuid::Uuid::new_v4()));
        let store: Arc<dyn Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
        runtime().block_on(check(store, model));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn every_read_path_serves_exactly_what_the_reader_is_cleared_for_postgres(model in model()) {
        let Ok(url) = std::env::var("STIXHUB_TEST_DATABASE_URL") else {
            return Ok(());
        };
        runtime().block_on(async {
            let (store, schema) = fresh_schema_store(&url).await;
            check(store, model).await;
            drop_schema(&url, &schema).await;
        });
    }
}

/// A PostgreSQL store in a fresh schema; returns it and the schema's name.
pub(crate) async fn fresh_schema_store(url: &str) -> (Arc<dyn Store>, String) {
    let schema = format!("hub_prop_{}", uuid::Uuid::new_v4().simple());
    run_sql(url, &format!("CREATE SCHEMA {schema}")).await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{separator}options=-csearch_path%3D{schema}");
    let store: Arc<dyn Store> = Arc::new(store_postgres::PostgresStore::connect(&schema_url).await.unwrap());
    (store, schema)
}

pub(crate) async fn drop_schema(url: &str, schema: &str) {
    run_sql(url, &format!("DROP SCHEMA {schema} CASCADE")).await;
}

pub(crate) async fn run_sql(url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    let connection = tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = connection.await;
}
