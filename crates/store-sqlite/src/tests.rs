//! Runs the conformance suite of `store-tests` on SQLite, each test on a fresh store in its own directory.

store_tests::conformance_suite!(crate::tests::fresh_store);

pub(crate) async fn fresh_store() -> std::sync::Arc<dyn store::Store> {
    let dir = std::env::temp_dir().join(format!("stixhub-store-sqlite-{}", uuid::Uuid::new_v4()));
    std::sync::Arc::new(crate::SqliteStore::open(&dir).expect("a fresh store opens in a new temp dir"))
}
