//! A small HTTP/1.1 client for the command line's calls to a running hub (`stixhub match --url`): one POST,
//! over plain TCP or TLS verified against the platform's roots, answer read in full (bounded).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use webhook::Target;

/// The largest answer read (bigger ones are an error, not a truncation).
const MAX_ANSWER: usize = 256 * 1024 * 1024;

/// An answer: its status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// POSTs `body` as JSON to `url` with these headers (e.g. `authorization`); the error says what failed.
///
/// # Errors
/// A malformed URL, a connection, TLS or HTTP failure, an answer over 256 MiB, or `timeout` passing.
pub async fn post_json(
    url: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<ClientAnswer, String> {
    match tokio::time::timeout(timeout, attempt(url, headers, body)).await {
        Ok(answer) => answer,
        Err(_) => Err(format!("no answer from {url} within {} s", timeout.as_secs())),
    }
}

async fn attempt(
    url: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) -> Result<ClientAnswer, String> {
    let target = Target::parse(url).map_err(|err| format!("{url}: {err}"))?;
    let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|err| format!("cannot connect to {}: {err}", target.authority))?;
    let _ = stream.set_nodelay(true);
    if !target.tls {
        return exchange(TokioIo::new(stream), &target, headers, body).await;
    }
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable platform certificates leave fewer roots (the handshake then fails visibly).
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(target.host.clone()).map_err(|err| format!("{}: {err}", target.host))?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|err| format!("TLS: {err}"))?;
    exchange(TokioIo::new(stream), &target, headers, body).await
}

async fn exchange<T>(
    io: T,
    target: &Target,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) -> Result<ClientAnswer, String>
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
        .header(hyper::header::USER_AGENT, "stixhub-cli");
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|err| format!("request: {err}"))?;
    let answer = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| format!("HTTP: {err}"))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|err| format!("reading the answer: {err}"))?
            .to_bytes()
            .to_vec();
        Ok(ClientAnswer { status, body })
    }
    .await;
    driver.abort();
    answer
}
