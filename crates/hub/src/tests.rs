//! Unit tests of the hub over the SQLite store: bootstrap, auth cache, access answers, ingest, cursors.

use std::sync::Arc;

use taxii::query::ListParams;

use crate::{Caller, Hub, HubConfig, HubError, ListKind, NewAccount, NewCollection, Rights};

async fn hub() -> Hub {
    let dir = std::env::temp_dir().join(format!("stixhub-hub-{}", uuid::Uuid::new_v4()));
    let store = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    let hub = Hub::new(store, HubConfig::default()).await.unwrap();
    hub.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
    hub
}

fn indicator(n: u32) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-{n:012}","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"}}"#
    )
}

#[tokio::test]
async fn bootstrap_is_idempotent_and_generates_a_password_once() {
    let dir = std::env::temp_dir().join(format!("stixhub-hub-{}", uuid::Uuid::new_v4()));
    let store = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    let hub = Hub::new(store, HubConfig::default()).await.unwrap();
    let first = hub.bootstrap(None).await.unwrap();
    let password = first.generated_admin_password.clone().unwrap();
    assert!(first.created_admin);
    let second = hub.bootstrap(None).await.unwrap();
    assert_eq!(second.generated_admin_password, None);
    let admin = hub.authenticate_basic("admin", &password).await.unwrap();
    let collections = hub.collections(&admin, "api1").await.unwrap();
    assert_eq!(collections.collections.len(), 1);
    assert_eq!(collections.collections[0].alias.as_deref(), Some("default"));
    assert!(collections.collections[0].can_read && collections.collections[0].can_write);
}

#[tokio::test]
async fn wrong_passwords_and_tokens_are_unauthenticated() {
    let hub = hub().await;
    assert!(matches!(
        hub.authenticate_basic("admin", "nope").await,
        Err(HubError::Unauthenticated)
    ));
    assert!(matches!(
        hub.authenticate_basic("ghost", "nope").await,
        Err(HubError::Unauthenticated)
    ));
    assert!(hub.authenticate_basic("admin", "admin-pass").await.is_ok());
    assert!(
        hub.authenticate_basic("admin", "admin-pass").await.is_ok(),
        "cached"
    );
    let token = hub.create_token(&Caller::operator(), "admin").await.unwrap();
    assert!(hub.authenticate_bearer(&token).await.unwrap().is_admin);
    assert!(matches!(
        hub.authenticate_bearer("shx_forged").await,
        Err(HubError::Unauthenticated)
    ));
}

#[tokio::test]
async fn rights_decide_between_forbidden_and_not_found() {
    let hub = hub().await;
    hub.create_account(
        &Caller::operator(),
        NewAccount {
            name: "writer".to_owned(),
            password: "pw".to_owned(),
            org: None,
            role: None,
        },
    )
    .await
    .unwrap();
    hub.create_account(
        &Caller::operator(),
        NewAccount {
            name: "nobody".to_owned(),
            password: "pw".to_owned(),
            org: None,
            role: None,
        },
    )
    .await
    .unwrap();
    hub.grant(
        &Caller::operator(),
        "writer",
        "default",
        Rights {
            can_read: false,
            can_write: true,
        },
    )
    .await
    .unwrap();
    let writer = hub.authenticate_basic("writer", "pw").await.unwrap();
    let nobody = hub.authenticate_basic("nobody", "pw").await.unwrap();
    let params = ListParams::parse(None).unwrap();
    let read = hub
        .list(&writer, "api1", "default", ListKind::Objects, &params)
        .await;
    assert!(matches!(read, Err(HubError::Forbidden)));
    let read = hub
        .list(&nobody, "api1", "default", ListKind::Objects, &params)
        .await;
    assert!(matches!(read, Err(HubError::NotFound)));
    assert!(matches!(
        hub.collection(&nobody, "api1", "default").await,
        Err(HubError::NotFound)
    ));
    assert!(
        hub.collections(&nobody, "api1")
            .await
            .unwrap()
            .collections
            .is_empty()
    );
    let body = format!(r#"{{"objects":[{}]}}"#, indicator(1));
    let status = hub
        .add_objects(&writer, "api1", "default", body.into_bytes())
        .await
        .unwrap();
    assert_eq!(status.success_count, 1);
    assert!(matches!(
        hub.status(&nobody, "api1", &status.id).await,
        Err(HubError::NotFound)
    ));
    assert!(hub.status(&writer, "api1", &status.id).await.is_ok());
}

#[tokio::test]
async fn invalid_objects_fail_and_valid_ones_are_stored() {
    let hub = hub().await;
    let admin = hub.authenticate_basic("admin", "admin-pass").await.unwrap();
    let body = format!(
        r#"{{"objects":[{},{{"type":"indicator","id":"indicator--bad"}}]}}"#,
        indicator(1)
    );
    let status = hub
        .add_objects(&admin, "api1", "default", body.into_bytes())
        .await
        .unwrap();
    assert_eq!(
        (status.total_count, status.success_count, status.failure_count),
        (2, 1, 1)
    );
    assert_eq!(status.failures[0].id, "indicator--bad");
    assert_eq!(status.status, "complete");
    assert!(matches!(
        hub.add_objects(&admin, "api1", "default", b"not json".to_vec())
            .await,
        Err(HubError::Unprocessable(_))
    ));
}

#[tokio::test]
async fn cursors_page_and_refuse_changed_filters() {
    let hub = hub().await;
    let admin = hub.authenticate_basic("admin", "admin-pass").await.unwrap();
    let objects: Vec<String> = (0..5).map(indicator).collect();
    let body = format!(r#"{{"objects":[{}]}}"#, objects.join(","));
    hub.add_objects(&admin, "api1", "default", body.into_bytes())
        .await
        .unwrap();
    let first = hub
        .list(
            &admin,
            "api1",
            "default",
            ListKind::Objects,
            &ListParams::parse(Some("limit=2")).unwrap(),
        )
        .await
        .unwrap();
    assert!(first.more);
    let next = first.next.clone().unwrap();
    let params = ListParams::parse(Some(&format!("limit=2&next={next}"))).unwrap();
    let second = hub
        .list(&admin, "api1", "default", ListKind::Objects, &params)
        .await
        .unwrap();
    let again = hub
        .list(&admin, "api1", "default", ListKind::Objects, &params)
        .await
        .unwrap();
    assert_eq!(second.records, again.records, "a cursor is idempotent");
    assert!(second.records[0].date_added > first.records[1].date_added);
    let changed = ListParams::parse(Some(&format!("match[type]=indicator&next={next}"))).unwrap();
    assert!(matches!(
        hub.list(&admin, "api1", "default", ListKind::Objects, &changed)
            .await,
        Err(HubError::BadRequest(_))
    ));
    let forged = ListParams::parse(Some("next=djEuMC5hYmM")).unwrap();
    assert!(matches!(
        hub.list(&admin, "api1", "default", ListKind::Objects, &forged)
            .await,
        Err(HubError::BadRequest(_))
    ));
    let created = hub
        .create_collection(
            &Caller::operator(),
            NewCollection {
                title: "t".to_owned(),
                alias: Some("x".to_owned()),
                description: None,
                api_root: None,
            },
        )
        .await
        .unwrap();
    assert!(created.can_read);
}

#[tokio::test]
async fn statuses_expire_after_the_retention_period() {
    let dir = std::env::temp_dir().join(format!("stixhub-hub-{}", uuid::Uuid::new_v4()));
    let store = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    let config = HubConfig {
        status_retention: std::time::Duration::ZERO,
        ..HubConfig::default()
    };
    let hub = Hub::new(store, config).await.unwrap();
    hub.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
    let admin = hub.authenticate_basic("admin", "admin-pass").await.unwrap();
    let body = format!(r#"{{"objects":[{}]}}"#, indicator(1));
    let status = hub
        .add_objects(&admin, "api1", "default", body.into_bytes())
        .await
        .unwrap();
    assert!(hub.status(&admin, "api1", &status.id).await.is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    assert_eq!(hub.purge_expired_statuses().await.unwrap(), 1);
    assert!(matches!(
        hub.status(&admin, "api1", &status.id).await,
        Err(HubError::NotFound)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_hubs_on_one_store_append_one_audit_chain() {
    let dir = std::env::temp_dir().join(format!("stixhub-hub-{}", uuid::Uuid::new_v4()));
    let store: Arc<dyn store::Store> = Arc::new(store_sqlite::SqliteStore::open(&dir).unwrap());
    let first = Arc::new(Hub::new(Arc::clone(&store), HubConfig::default()).await.unwrap());
    first.bootstrap(Some("admin-pass".to_owned())).await.unwrap();
    let second = Arc::new(Hub::new(store, HubConfig::default()).await.unwrap());
    let admin = first.authenticate_basic("admin", "admin-pass").await.unwrap();
    let body = format!(r#"{{"objects":[{},{}]}}"#, indicator(1), indicator(2));
    first
        .add_objects(&admin, "api1", "default", body.into_bytes())
        .await
        .unwrap();
    // Both hubs read and write at once: each has a stale head half the time and must re-chain.
    let params = ListParams::parse(None).unwrap();
    let mut tasks = Vec::new();
    for (hub_idx, hub) in [first.clone(), second.clone(), first.clone(), second.clone()]
        .into_iter()
        .enumerate()
    {
        let (admin, params) = (admin.clone(), params.clone());
        tasks.push(tokio::spawn(async move {
            let mut n_read = 0u64;
            for n in 0..10u32 {
                let page = hub
                    .list(&admin, "api1", "default", ListKind::Objects, &params)
                    .await
                    .unwrap();
                n_read += page.records.len() as u64;
                let body = format!(r#"{{"objects":[{}]}}"#, indicator(100 * hub_idx as u32 + n));
                hub.add_objects(&admin, "api1", "default", body.into_bytes())
                    .await
                    .unwrap();
                if n % 3 == 0 {
                    hub.flush_audit().await.unwrap();
                }
            }
            n_read
        }));
    }
    let mut n_read = 0;
    for task in tasks {
        n_read += task.await.unwrap();
    }
    first.flush_audit().await.unwrap();
    let verification = second.verify_audit().await.unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    let entries = first.audit_entries(&admin, 0, 1000).await.unwrap();
    assert_eq!(verification.n_entries, entries.len() as u64);
    let count = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!(count("objects.write"), 41);
    assert_eq!(count("objects.read"), 40);
    let report = first.audit_report().await.unwrap();
    let no_org = report.organisations.iter().find(|row| row.org.is_none()).unwrap();
    assert_eq!((no_org.shared, no_org.received), (42, n_read));
    let member = Caller {
        account: "someone".to_owned(),
        org: None,
        is_admin: false,
        role: "member".to_owned(),
    };
    assert!(matches!(
        first.audit_entries(&member, 0, 10).await,
        Err(HubError::Forbidden)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
