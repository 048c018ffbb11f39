//! `TaxiiFeedSource`: the hub's `FeedSource` over `taxii-client` (issue 17). The binary is the only place that
//! knows both, so the hub stays free of HTTP.
//!
//! Clients are kept per upstream configuration (URL, credential, TLS files), so a run's pages reuse one
//! connection; a changed credential makes a new client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use hub::{FeedCredential, FeedSource, PushFailure, Upstream, UpstreamManifest, UpstreamPage, UpstreamQuery};
use taxii_client::{Auth, Client, ClientCertificate, ClientConfig, PageQuery};

/// The feed source of `serve` and `stixhub feed run`.
#[derive(Debug, Default)]
pub(crate) struct TaxiiFeedSource {
    clients: Mutex<HashMap<String, Arc<Client>>>,
    /// Overrides of the client's defaults (tests use short timeouts).
    pub(crate) timeout: Option<Duration>,
}

fn cache_key(upstream: &Upstream) -> String {
    let credential = match &upstream.credential {
        FeedCredential::None => String::new(),
        FeedCredential::Basic { user, password } => format!("basic:{user}:{password}"),
        FeedCredential::Bearer(token) => format!("bearer:{token}"),
    };
    format!(
        "{}\n{credential}\n{:?}\n{:?}",
        upstream.url, upstream.ca_file, upstream.client_certificate
    )
}

fn read(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|err| format!("cannot read the {what} {path}: {err}"))
}

impl TaxiiFeedSource {
    fn client(&self, upstream: &Upstream) -> Result<Arc<Client>, String> {
        let key = cache_key(upstream);
        if let Ok(clients) = self.clients.lock()
            && let Some(client) = clients.get(&key)
        {
            return Ok(Arc::clone(client));
        }
        let auth = match &upstream.credential {
            FeedCredential::None => Auth::None,
            FeedCredential::Basic { user, password } => Auth::Basic {
                user: user.clone(),
                password: password.clone(),
            },
            FeedCredential::Bearer(token) => Auth::Bearer(token.clone()),
        };
        let client_certificate = match &upstream.client_certificate {
            Some((cert, key)) => Some(ClientCertificate {
                chain_pem: read(cert, "client certificate")?,
                key_pem: read(key, "client key")?,
            }),
            None => None,
        };
        let mut config = ClientConfig {
            auth,
            ca_pem: upstream
                .ca_file
                .as_deref()
                .map(|f| read(f, "CA file"))
                .transpose()?,
            client_certificate,
            ..ClientConfig::default()
        };
        if let Some(timeout) = self.timeout {
            config.timeout = timeout;
        }
        let client = Arc::new(Client::new(config).map_err(|err| err.to_string())?);
        if let Ok(mut clients) = self.clients.lock() {
            clients.insert(key, Arc::clone(&client));
        }
        Ok(client)
    }
}

fn page_query(query: &UpstreamQuery) -> PageQuery {
    PageQuery {
        added_after: query.added_after.clone(),
        next: query.next.clone(),
        limit: Some(query.limit),
        all_versions: true,
        ..PageQuery::default()
    }
}

#[async_trait]
impl FeedSource for TaxiiFeedSource {
    async fn objects(&self, upstream: &Upstream, query: &UpstreamQuery) -> Result<UpstreamPage, String> {
        let page = self
            .client(upstream)?
            .objects(&upstream.url, &page_query(query))
            .await
            .map_err(|err| err.to_string())?;
        Ok(UpstreamPage {
            more: page.more,
            next: page.next,
            objects: page.objects,
            date_added_last: page.date_added_last,
        })
    }

    async fn manifest(&self, upstream: &Upstream, query: &UpstreamQuery) -> Result<UpstreamManifest, String> {
        let (manifest, date_added_last) = self
            .client(upstream)?
            .manifest(&upstream.url, &page_query(query))
            .await
            .map_err(|err| err.to_string())?;
        Ok(UpstreamManifest {
            more: manifest.more.unwrap_or(false),
            next: manifest.next,
            records: manifest.objects.into_iter().map(|r| (r.id, r.version)).collect(),
            date_added_last,
        })
    }

    async fn push(&self, upstream: &Upstream, envelope: Vec<u8>) -> Result<(), PushFailure> {
        let client = self.client(upstream).map_err(PushFailure::Permanent)?;
        match client.add_objects(&upstream.url, envelope).await {
            Ok(status) if status.failure_count == 0 => Ok(()),
            Ok(status) => Err(PushFailure::Permanent(format!(
                "the target refused {} of {} objects: {}",
                status.failure_count,
                status.total_count,
                status
                    .failures
                    .iter()
                    .take(3)
                    .map(|f| format!("{} ({})", f.id, f.message.as_deref().unwrap_or("no reason given")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))),
            Err(err) if err.is_transient() => Err(PushFailure::Transient(err.to_string())),
            Err(err) => Err(PushFailure::Permanent(err.to_string())),
        }
    }
}
