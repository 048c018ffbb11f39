//! The HTTP side of webhook delivery: `HttpWebhookSender`, the hub's `WebhookSender` over hyper and rustls.
//!
//! Invariants (the SSRF guard, rules in `webhook::target`):
//! - The host is resolved here, every resolved address is classified, and the connection goes to an address
//!   that passed, by IP: nothing re-resolves the name between the check and the connect (no DNS rebinding).
//! - Redirects are never followed (a 3xx is a failed attempt), so a receiver cannot bounce the hub inward.
//! - Every attempt is bounded by one timeout (resolution, connect, TLS, request and response head), and the
//!   response body is not read.
//! - HTTPS targets are verified against the platform's trusted roots (`rustls-native-certs`) with the
//!   target's host name.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use webhook::{Answer, Target};

/// How long one attempt may take unless configured.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// The TLS client of outgoing deliveries (webhooks, SMTP): the platform's trusted roots and `extra_roots`.
pub(crate) fn client_tls(
    extra_roots: &[rustls::pki_types::CertificateDer<'static>],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable platform certificates leave fewer roots (TLS targets then fail visibly), not a crash.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    for cert in extra_roots {
        let _ = roots.add(cert.clone());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Delivers webhooks over HTTP(S).
#[derive(Clone)]
pub struct HttpWebhookSender {
    allow_private: bool,
    timeout: Duration,
    tls: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for HttpWebhookSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpWebhookSender")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HttpWebhookSender {
    /// A sender; `allow_private` opens loopback and private targets (`serve --allow-private-webhooks`).
    pub fn new(allow_private: bool, timeout: Duration) -> HttpWebhookSender {
        HttpWebhookSender {
            allow_private,
            timeout,
            tls: client_tls(&[]),
        }
    }

    /// The addresses of `target` that may be contacted; an error naming the first refused one otherwise.
    async fn addresses(&self, target: &Target) -> Result<Vec<SocketAddr>, String> {
        let resolved: Vec<SocketAddr> = match target.literal_address() {
            Some(ip) => vec![SocketAddr::new(ip, target.port)],
            None => tokio::net::lookup_host((target.host.as_str(), target.port))
                .await
                .map_err(|err| format!("cannot resolve {}: {err}", target.host))?
                .collect(),
        };
        let mut refusal = None;
        let allowed: Vec<SocketAddr> = resolved
            .into_iter()
            .filter(|addr| match target.check(addr.ip(), self.allow_private) {
                Ok(()) => true,
                Err(err) => {
                    refusal.get_or_insert(err.to_string());
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), refusal) {
            (false, _) => Ok(allowed),
            (true, Some(refusal)) => Err(refusal),
            (true, None) => Err(format!("{} resolves to no address", target.host)),
        }
    }

    async fn attempt(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: &[u8],
    ) -> Result<Answer, String> {
        let target = Target::parse(url).map_err(|err| err.to_string())?;
        let addresses = self.addresses(&target).await?;
        let mut last_error = String::new();
        for address in addresses {
            match tokio::net::TcpStream::connect(address).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return if target.tls {
                        let name = ServerName::try_from(target.host.clone())
                            .map_err(|err| format!("{}: {err}", target.host))?;
                        let stream = self
                            .tls
                            .connect(name, stream)
                            .await
                            .map_err(|err| format!("TLS: {err}"))?;
                        exchange(TokioIo::new(stream), &target, headers, body).await
                    } else {
                        exchange(TokioIo::new(stream), &target, headers, body).await
                    };
                }
                Err(err) => last_error = format!("cannot connect to {address}: {err}"),
            }
        }
        Err(last_error)
    }
}

/// One HTTP/1.1 request on an open connection; the answer's status and `Retry-After`.
async fn exchange<T>(
    io: T,
    target: &Target,
    headers: &[(&'static str, String)],
    body: &[u8],
) -> Result<Answer, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| format!("HTTP: {err}"))?;
    let driver = tokio::spawn(connection);
    let mut request = hyper::Request::post(target.path_and_query.as_str())
        .header(hyper::header::HOST, target.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "stixhub-webhooks");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(|err| format!("request: {err}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|err| format!("HTTP: {err}"));
    driver.abort();
    let response = response?;
    let retry_after = response
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    Ok(Answer::Status {
        code: response.status().as_u16(),
        retry_after,
    })
}

#[async_trait]
impl hub::WebhookSender for HttpWebhookSender {
    async fn check_target(&self, url: &str) -> Result<(), String> {
        let target = Target::parse(url).map_err(|err| err.to_string())?;
        match tokio::time::timeout(self.timeout, self.addresses(&target)).await {
            Ok(result) => result.map(|_| ()),
            Err(_) => Err(format!("resolving {} timed out", target.host)),
        }
    }

    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &[u8]) -> Answer {
        match tokio::time::timeout(self.timeout, self.attempt(url, headers, body)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(reason)) => Answer::Failed(reason),
            Err(_) => Answer::Failed(format!("no answer within {} s", self.timeout.as_secs_f32())),
        }
    }
}
