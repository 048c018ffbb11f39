//! One HTTP/1.1 exchange with retries, over reused connections (plain TCP or rustls).
//!
//! Why a pool of ready connections per authority: a walk of a million objects is a thousand requests to one
//! server; a fresh TCP (and TLS) handshake per page would cost more than the page. A connection goes back to the
//! pool only after its answer was read in full, and a closed one is dropped when taken.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;

use crate::url::Url;
use crate::{Auth, ClientConfig, ClientError};

const ACCEPT: &str = "application/taxii+json;version=2.1";
/// The longest wait a server's `Retry-After` may impose on one retry.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) body: Bytes,
    pub(crate) date_added_first: Option<String>,
    pub(crate) date_added_last: Option<String>,
}

type Sender = SendRequest<Full<Bytes>>;

pub(crate) struct Http {
    config: ClientConfig,
    authorization: Option<String>,
    tls: tokio_rustls::TlsConnector,
    idle: Mutex<HashMap<(bool, String), Vec<Sender>>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub(crate) fn new(config: ClientConfig) -> Result<Http, ClientError> {
        let authorization = match &config.auth {
            Auth::None => None,
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Auth::Bearer(token) => Some(format!("Bearer {token}")),
        };
        Ok(Http {
            tls: crate::tls::connector(&config)?,
            config,
            authorization,
            idle: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) async fn get(&self, url: &Url, query: &str) -> Result<Answer, ClientError> {
        self.with_retries(url, query, None).await
    }

    pub(crate) async fn post(&self, url: &Url, body: Vec<u8>) -> Result<Answer, ClientError> {
        self.with_retries(url, "", Some(Bytes::from(body))).await
    }

    async fn with_retries(&self, url: &Url, query: &str, body: Option<Bytes>) -> Result<Answer, ClientError> {
        let mut attempt = 0u32;
        loop {
            let outcome =
                match tokio::time::timeout(self.config.timeout, self.once(url, query, body.clone())).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(ClientError::Timeout {
                        url: url.display(),
                        seconds: self.config.timeout.as_secs(),
                    }),
                };
            match outcome {
                Err(err) if err.is_transient() && attempt < self.config.retries => {
                    let backoff = self
                        .config
                        .backoff
                        .saturating_mul(2u32.saturating_pow(attempt))
                        .min(MAX_BACKOFF);
                    let wait = err
                        .retry_after()
                        .map_or(backoff, |secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER));
                    tracing::debug!(error = %err, attempt, wait_ms = wait.as_millis() as u64, "TAXII request retried");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn take_idle(&self, url: &Url) -> Option<Sender> {
        let mut idle = self.idle.lock().ok()?;
        let senders = idle.get_mut(&(url.tls, url.authority.clone()))?;
        while let Some(sender) = senders.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn put_idle(&self, url: &Url, sender: Sender) {
        if let Ok(mut idle) = self.idle.lock() {
            let senders = idle.entry((url.tls, url.authority.clone())).or_default();
            // A handful per server is plenty: walks are sequential.
            if senders.len() < 8 {
                senders.push(sender);
            }
        }
    }

    async fn connect(&self, url: &Url) -> Result<Sender, ClientError> {
        let connect_error = |reason: String| ClientError::Connect {
            url: url.display(),
            reason,
        };
        let stream = tokio::net::TcpStream::connect((url.host.as_str(), url.port))
            .await
            .map_err(|err| connect_error(err.to_string()))?;
        let _ = stream.set_nodelay(true);
        if url.tls {
            let name =
                ServerName::try_from(url.host.clone()).map_err(|err| connect_error(err.to_string()))?;
            let stream = self
                .tls
                .connect(name, stream)
                .await
                .map_err(|err| connect_error(format!("TLS: {err}")))?;
            handshake(TokioIo::new(stream), url).await
        } else {
            handshake(TokioIo::new(stream), url).await
        }
    }

    async fn once(&self, url: &Url, query: &str, body: Option<Bytes>) -> Result<Answer, ClientError> {
        let mut sender = match self.take_idle(url) {
            Some(sender) => sender,
            None => self.connect(url).await?,
        };
        let method = if body.is_some() { "POST" } else { "GET" };
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{query}", url.path))
            .header(hyper::header::HOST, url.authority.as_str())
            .header(hyper::header::ACCEPT, ACCEPT)
            .header(hyper::header::USER_AGENT, "stixhub-taxii-client");
        if let Some(authorization) = &self.authorization {
            request = request.header(hyper::header::AUTHORIZATION, authorization.as_str());
        }
        if body.is_some() {
            request = request.header(hyper::header::CONTENT_TYPE, ACCEPT);
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|err| ClientError::Url {
                url: url.display(),
                reason: err.to_string(),
            })?;
        let lost = |reason: String| ClientError::Connect {
            url: url.display(),
            reason,
        };
        sender.ready().await.map_err(|err| lost(format!("HTTP: {err}")))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| lost(format!("HTTP: {err}")))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let media_type = header("content-type");
        let retry_after = header("retry-after").and_then(|value| value.trim().parse::<u64>().ok());
        let date_added_first = header("x-taxii-date-added-first");
        let date_added_last = header("x-taxii-date-added-last");
        let body = Limited::new(response.into_body(), self.config.max_answer_bytes)
            .collect()
            .await
            .map_err(|err| ClientError::Answer {
                url: url.display(),
                reason: format!("reading the answer: {err}"),
            })?
            .to_bytes();
        self.put_idle(url, sender);
        if !(200..300).contains(&status) {
            let error: Option<taxii::resources::ErrorResource> = serde_json::from_slice(&body).ok();
            return Err(ClientError::Status {
                url: url.display(),
                status,
                title: error.as_ref().map(|e| e.title.clone()),
                description: error.and_then(|e| e.description),
                media_type,
                retry_after,
            });
        }
        if !is_taxii_json(media_type.as_deref()) {
            return Err(ClientError::Answer {
                url: url.display(),
                reason: format!(
                    "media type {} is not application/taxii+json;version=2.1",
                    media_type.as_deref().unwrap_or("(none)")
                ),
            });
        }
        Ok(Answer {
            body,
            date_added_first,
            date_added_last,
        })
    }
}

async fn handshake<T>(io: T, url: &Url) -> Result<Sender, ClientError>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) =
        hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|err| ClientError::Connect {
                url: url.display(),
                reason: format!("HTTP: {err}"),
            })?;
    // The driver ends when the connection closes or its last sender is dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// TAXII 2.1 JSON: `application/taxii+json` with no version or version 2.1 (the STIX media type is accepted
/// too, since some servers label envelopes with it).
fn is_taxii_json(media_type: Option<&str>) -> bool {
    let Some(media_type) = media_type else {
        return false;
    };
    let mut parts = media_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let version = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("version"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    matches!(
        essence.as_str(),
        "application/taxii+json" | "application/stix+json"
    ) && version.is_none_or(|v| v == "2.1")
}

#[cfg(test)]
mod tests {
    #[test]
    fn media_types() {
        assert!(super::is_taxii_json(Some("application/taxii+json;version=2.1")));
        assert!(super::is_taxii_json(Some("application/taxii+json")));
        assert!(!super::is_taxii_json(Some("application/taxii+json;version=2.0")));
        assert!(!super::is_taxii_json(Some("text/html")));
        assert!(!super::is_taxii_json(None));
    }
}
