//! Migrations: concurrent starts on an empty schema, restarts, refusing a newer schema, bad URLs.

use store::StoreError;
use store_postgres::PostgresStore;

use crate::harness::{TestSchema, database_url, run_sql};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_at_once_migrate_an_empty_schema_once() {
    let Some(url) = database_url("processes_starting_at_once_migrate_an_empty_schema_once") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    let schema_url = schema.url();
    let starts = (0..4).map(|_| PostgresStore::connect_with_max_connections(&schema_url, 1));
    let mut stores = Vec::new();
    for started in futures_join(starts.collect()).await {
        stores.push(started.expect("every concurrent start succeeds"));
    }
    for store in &stores {
        assert_eq!(
            store.schema_version().await.expect("version"),
            PostgresStore::current_schema_version()
        );
    }
    drop(stores);
    let again = PostgresStore::connect(&schema_url)
        .await
        .expect("a restart migrates nothing");
    assert_eq!(
        again.schema_version().await.expect("version"),
        PostgresStore::current_schema_version()
    );
    drop(again);
    drop(schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_from_a_newer_stixhub_is_refused() {
    let Some(url) = database_url("a_schema_from_a_newer_stixhub_is_refused") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    drop(PostgresStore::connect(&schema.url()).await.expect("first start"));
    run_sql(
        &url,
        &format!("UPDATE {}.schema_version SET version = 9999", schema.name()),
    )
    .await;
    let refused = PostgresStore::connect(&schema.url()).await;
    assert!(
        matches!(&refused, Err(StoreError::Backend(message)) if message.contains("newer")),
        "{refused:?}"
    );
    drop(schema);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_schema_or_server_is_an_error_not_a_panic() {
    let Some(url) = database_url("a_missing_schema_or_server_is_an_error_not_a_panic") else {
        return;
    };
    let separator = if url.contains('?') { '&' } else { '?' };
    let missing = format!("{url}{separator}options=-csearch_path%3Dno_such_schema_here");
    assert!(matches!(
        PostgresStore::connect(&missing).await,
        Err(StoreError::Backend(_))
    ));
    let unreachable = "postgres://postgres@127.0.0.1:1/test";
    assert!(matches!(
        PostgresStore::connect(unreachable).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        PostgresStore::connect("not a url at all ===").await,
        Err(StoreError::Backend(_))
    ));
}

/// Awaits every future concurrently (the stores start at the same moment).
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    let mut pending: Vec<(usize, std::pin::Pin<Box<F>>)> = handles.into_iter().enumerate().collect();
    let mut slots: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(slot_idx, future)| match future.as_mut().poll(cx) {
            std::task::Poll::Ready(output) => {
                slots[*slot_idx] = Some(output);
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(slots.into_iter().flatten());
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_keep_the_url_options_and_end_idle_transactions() {
    let Some(url) = database_url("sessions_keep_the_url_options_and_end_idle_transactions") else {
        return;
    };
    let schema = TestSchema::create(&url).await;
    let store = PostgresStore::connect(&schema.url()).await.expect("connect");
    let search_path = store.session_setting("search_path").await.expect("setting");
    assert!(search_path.contains(schema.name()), "{search_path}");
    let idle_timeout = store
        .session_setting("idle_in_transaction_session_timeout")
        .await
        .expect("setting");
    assert_eq!(idle_timeout, "1min");
    drop(store);
    drop(schema);
}
