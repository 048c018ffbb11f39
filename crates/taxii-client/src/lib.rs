//! A TAXII 2.1 client (issue 17): discovery, API roots, collections, objects/manifest/versions pages, adding
//! objects, and a walk that always progresses (`taxii::paging`). An adapter: it does network I/O (hyper over
//! tokio, TLS by rustls), so only the binary composes it; the hub sees it behind its `FeedSource` trait.
//!
//! Invariants:
//! - Every request is bounded by one timeout (connect, TLS, request, whole answer) and answers are read up to
//!   `ClientConfig::max_answer_bytes`; transient failures (connect, timeout, 5xx, 408, 429) are retried
//!   `retries` times with exponential backoff (or the server's `Retry-After`, capped), nothing else is.
//! - Every error names the URL and what the server answered: status, TAXII error title and description,
//!   media type (`ClientError`).
//! - Objects are handed on as their exact bytes (`RawValue`), never re-serialised.
//! - Credentials never appear in `Debug` output or errors.

mod error;
mod http;
mod tls;
mod url;

use std::time::Duration;

use serde::Deserialize;
use serde_json::value::RawValue;
use taxii::paging::{PageAnswer, Position, Step};
use taxii::resources::{
    ApiRootResource, CollectionResource, CollectionsResource, Discovery, ManifestResource, StatusResource,
    VersionsResource,
};

pub use crate::error::ClientError;
use crate::url::{Url, encode};

/// How the client authenticates.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// No `Authorization` header (a client certificate may still authenticate).
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// Account name.
        user: String,
        /// Password.
        password: String,
    },
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, <password>)"),
            Auth::Bearer(_) => f.write_str("Bearer(<token>)"),
        }
    }
}

/// A client certificate with its key (PEM), alone or beside `Auth::Basic`.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The certificate chain, leaf first (PEM).
    pub chain_pem: Vec<u8>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCertificate(<key>)")
    }
}

/// Everything a client needs besides URLs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The credentials sent with every request.
    pub auth: Auth,
    /// Trusted CA certificates (PEM) for HTTPS; `None`: the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// A client certificate for HTTPS.
    pub client_certificate: Option<ClientCertificate>,
    /// The bound of one attempt (connect, TLS, request, answer).
    pub timeout: Duration,
    /// Extra attempts after a transient failure.
    pub retries: u32,
    /// The first backoff; doubled per attempt, at most 30 s.
    pub backoff: Duration,
    /// The largest answer read (larger is an error).
    pub max_answer_bytes: usize,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            auth: Auth::None,
            ca_pem: None,
            client_certificate: None,
            timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_answer_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Parameters of a list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// `added_after`.
    pub added_after: Option<String>,
    /// `next`.
    pub next: Option<String>,
    /// `limit`.
    pub limit: Option<u32>,
    /// `match[version]=all` instead of the server's default (`last`).
    pub all_versions: bool,
    /// `match[type]` values.
    pub types: Vec<String>,
    /// `match[id]` values.
    pub ids: Vec<String>,
}

impl PageQuery {
    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        if let Some(after) = &self.added_after {
            parts.push(format!("added_after={}", encode(after)));
        }
        if let Some(next) = &self.next {
            parts.push(format!("next={}", encode(next)));
        }
        if self.all_versions {
            parts.push("match%5Bversion%5D=all".to_owned());
        }
        if !self.types.is_empty() {
            parts.push(format!("match%5Btype%5D={}", encode(&self.types.join(","))));
        }
        if !self.ids.is_empty() {
            parts.push(format!("match%5Bid%5D={}", encode(&self.ids.join(","))));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// One page of `objects/`: the objects as their exact bytes, `more`/`next`, and the date headers.
#[derive(Debug, Default)]
pub struct ObjectsPage {
    /// The envelope's `more`.
    pub more: bool,
    /// The envelope's `next`.
    pub next: Option<String>,
    /// The objects, exact bytes.
    pub objects: Vec<Box<RawValue>>,
    /// `X-TAXII-Date-Added-First`.
    pub date_added_first: Option<String>,
    /// `X-TAXII-Date-Added-Last`.
    pub date_added_last: Option<String>,
}

impl ObjectsPage {
    /// The paging facts of this page.
    pub fn answer(&self) -> PageAnswer<'_> {
        PageAnswer {
            more: self.more,
            next: self.next.as_deref(),
            date_added_last: self.date_added_last.as_deref(),
            n_objects: self.objects.len(),
            fingerprint: taxii::paging::fingerprint(
                self.objects.first().map(|o| o.get()),
                self.objects.last().map(|o| o.get()),
                self.objects.len(),
            ),
        }
    }
}

#[derive(Deserialize)]
struct EnvelopeWire {
    #[serde(default)]
    more: Option<bool>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Option<Vec<Box<RawValue>>>,
}

/// A TAXII 2.1 client; cheap to share (`&self` everywhere), reuses connections.
#[derive(Debug)]
pub struct Client {
    http: http::Http,
}

impl Client {
    /// A client; fails on an unusable CA or client certificate.
    ///
    /// # Errors
    /// `ClientError::Config` naming the problem.
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        Ok(Client {
            http: http::Http::new(config)?,
        })
    }

    /// `GET {url}` (the discovery URL, e.g. `https://host/taxii2/`).
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn discovery(&self, url: &str) -> Result<Discovery, ClientError> {
        self.get_json(&Url::parse(url)?.as_dir()).await
    }

    /// The API roots listed by discovery at `url`, as absolute URLs.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn api_root_urls(&self, url: &str) -> Result<Vec<String>, ClientError> {
        let base = Url::parse(url)?;
        let discovery = self.discovery(url).await?;
        Ok(discovery
            .api_roots
            .iter()
            .map(|root| {
                if root.starts_with("http://") || root.starts_with("https://") {
                    root.clone()
                } else {
                    base.with_path(root).as_dir().display()
                }
            })
            .collect())
    }

    /// `GET {api_root}/`.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn api_root(&self, api_root: &str) -> Result<ApiRootResource, ClientError> {
        self.get_json(&Url::parse(api_root)?.as_dir()).await
    }

    /// `GET {api_root}/collections/`.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn collections(&self, api_root: &str) -> Result<CollectionsResource, ClientError> {
        self.get_json(&Url::parse(api_root)?.join("collections/")).await
    }

    /// `GET {collection}/` (the collection's URL, `…/collections/{id}/`).
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn collection(&self, collection: &str) -> Result<CollectionResource, ClientError> {
        self.get_json(&Url::parse(collection)?.as_dir()).await
    }

    /// One page of `{collection}/objects/`.
    ///
    /// # Errors
    /// Any `ClientError`; an envelope that is not JSON of the TAXII shape is `ClientError::Answer`.
    pub async fn objects(&self, collection: &str, query: &PageQuery) -> Result<ObjectsPage, ClientError> {
        let url = Url::parse(collection)?.join("objects/");
        let answer = self.http.get(&url, &query.query_string()).await?;
        let wire: EnvelopeWire = serde_json::from_slice(&answer.body).map_err(|err| ClientError::Answer {
            url: url.display(),
            reason: format!("not a TAXII envelope: {err}"),
        })?;
        let objects = wire.objects.unwrap_or_default();
        // Some servers (medallion) send only `-First` for a page of one object: it is also the last.
        let date_added_last = match (&answer.date_added_last, objects.len()) {
            (None, 1) => answer.date_added_first.clone(),
            (last, _) => last.clone(),
        };
        Ok(ObjectsPage {
            more: wire.more.unwrap_or(false),
            next: wire.next,
            objects,
            date_added_first: answer.date_added_first,
            date_added_last,
        })
    }

    /// One page of `{collection}/manifest/`, with `X-TAXII-Date-Added-Last`.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn manifest(
        &self,
        collection: &str,
        query: &PageQuery,
    ) -> Result<(ManifestResource, Option<String>), ClientError> {
        let url = Url::parse(collection)?.join("manifest/");
        let answer = self.http.get(&url, &query.query_string()).await?;
        let last = answer.date_added_last.clone();
        Ok((parse(&url, &answer.body)?, last))
    }

    /// One page of `{collection}/objects/{id}/versions/`.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn versions(
        &self,
        collection: &str,
        id: &str,
        query: &PageQuery,
    ) -> Result<VersionsResource, ClientError> {
        let url = Url::parse(collection)?.join(&format!("objects/{}/versions/", encode(id)));
        let answer = self.http.get(&url, &query.query_string()).await?;
        parse(&url, &answer.body)
    }

    /// `POST {collection}/objects/` with an envelope (`{"objects":[…]}`); the status resource.
    ///
    /// # Errors
    /// Any `ClientError`.
    pub async fn add_objects(
        &self,
        collection: &str,
        envelope: Vec<u8>,
    ) -> Result<StatusResource, ClientError> {
        let url = Url::parse(collection)?.join("objects/");
        let answer = self.http.post(&url, envelope).await?;
        parse(&url, &answer.body)
    }

    /// Walks `{collection}/objects/` from `start`, handing each page to `visit` (which may stop the walk by
    /// returning an error), following `taxii::paging`: the walk ends. Returns the final watermark and the
    /// paging warnings.
    ///
    /// # Errors
    /// A failed request (after retries), a stuck server (`ClientError::Answer`) or `visit`'s error.
    pub async fn walk_objects<E>(
        &self,
        collection: &str,
        start: Position,
        template: &PageQuery,
        mut visit: impl AsyncFnMut(ObjectsPage) -> Result<(), E>,
    ) -> Result<(Option<String>, Vec<String>), E>
    where
        E: From<ClientError>,
    {
        let mut position = start;
        let mut warnings = Vec::new();
        loop {
            let query = PageQuery {
                added_after: position.added_after.clone(),
                next: position.next.clone(),
                ..template.clone()
            };
            let page = self.objects(collection, &query).await?;
            let step = taxii::paging::step(&position, &page.answer());
            visit(page).await?;
            match step {
                Step::Continue {
                    position: to,
                    warning,
                } => {
                    warnings.extend(warning);
                    position = to;
                }
                Step::Done { watermark } => return Ok((watermark, warnings)),
                Step::Stuck(reason) => {
                    return Err(ClientError::Answer {
                        url: collection.to_owned(),
                        reason,
                    }
                    .into());
                }
            }
        }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &Url) -> Result<T, ClientError> {
        let answer = self.http.get(url, "").await?;
        parse(url, &answer.body)
    }
}

fn parse<T: serde::de::DeserializeOwned>(url: &Url, body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|err| ClientError::Answer {
        url: url.display(),
        reason: format!("not the TAXII resource expected: {err}"),
    })
}
