//! `--data DIR | --database URL`: which store a command opens. Shared by `serve` and the admin commands.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use store::Store;

/// Where the hub keeps its data.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct StoreArgs {
    /// Directory of the embedded SQLite store (created if missing).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "./stixhub-data",
        conflicts_with = "database"
    )]
    pub(crate) data: PathBuf,
    /// A PostgreSQL URL (postgres://USER@HOST:PORT/DB) instead of the embedded store.
    #[arg(long, value_name = "URL")]
    pub(crate) database: Option<String>,
    /// The audit chain's key file [default: STIXHUB_AUDIT_KEY_FILE, else DIR/audit.key for an SQLite store;
    /// a PostgreSQL store has none unless given] (docs/audit.md).
    #[arg(long, value_name = "FILE")]
    pub(crate) audit_key_file: Option<PathBuf>,
}

impl StoreArgs {
    /// Opens the store, migrating its schema.
    pub(crate) async fn open(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let Some(url) = &self.database {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                // The URL may hold a password: name the backend, not the URL, in the error.
                let store = store_postgres::PostgresStore::connect(url)
                    .await
                    .context("opening the PostgreSQL store")?;
                return Ok(Arc::new(store));
            }
            bail!("unsupported --database URL {url:?}: expected postgres://USER@HOST:PORT/DB");
        }
        // Opening migrates the schema: synchronous SQLite, so off the async threads.
        let data = self.data.clone();
        let store = tokio::task::spawn_blocking(move || store_sqlite::SqliteStore::open(&data))
            .await
            .context("opening the store")?
            .with_context(|| format!("opening the store in {}", self.data.display()))?;
        Ok(Arc::new(store))
    }
}
