//! A small HTTP/1.1 client for the command line's calls to a running hub (`stixhub match --url`, `stixhub
//! drill run`): one request per connection, over plain TCP or TLS verified against the platform's roots,
//! the answer read in full (bounded), or for an event stream handed over chunk by chunk as it arrives.

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
    request_json("POST", url, headers, Some(body), timeout).await
}

/// Sends one request (`GET`, `POST`, `PUT`, `DELETE`; a body is sent as JSON unless a `content-type` header
/// says otherwise) and reads the answer in full.
///
/// # Errors
/// As `post_json`, and an unknown method.
pub async fn request_json(
    method: &str,
    url: &str,
    headers: &[(&'static str, String)],
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<ClientAnswer, String> {
    let request = Outgoing {
        method: method.parse().map_err(|_| format!("unknown method {method}"))?,
        headers,
        body,
        stream: false,
    };
    match tokio::time::timeout(timeout, attempt(url, request)).await {
        Ok(Ok(Answer::Full(answer))) => Ok(answer),
        Ok(Ok(Answer::Stream(_))) => Err("internal: a stream where a whole answer was asked".to_owned()),
        Ok(Err(err)) => Err(err),
        Err(_) => Err(format!("no answer from {url} within {} s", timeout.as_secs())),
    }
}

/// An answer whose body arrives chunk by chunk (an event stream).
#[derive(Debug)]
pub struct StreamAnswer {
    /// The HTTP status code.
    pub status: u16,
    /// The body's chunks as they arrive; an `Err` (then the end) when the connection fails.
    pub chunks: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
}

/// GETs `url` and hands its body over as it arrives (for `/events/v1/stream`); `timeout` bounds only the wait
/// for the status line. Dropping the receiver closes the connection.
///
/// # Errors
/// A malformed URL, a connection, TLS or HTTP failure before the status, or `timeout` passing.
pub async fn open_stream(
    url: &str,
    headers: &[(&'static str, String)],
    timeout: Duration,
) -> Result<StreamAnswer, String> {
    let request = Outgoing {
        method: hyper::Method::GET,
        headers,
        body: None,
        stream: true,
    };
    match tokio::time::timeout(timeout, attempt(url, request)).await {
        Ok(Ok(Answer::Stream(answer))) => Ok(answer),
        Ok(Ok(Answer::Full(_))) => Err("internal: a whole answer where a stream was asked".to_owned()),
        Ok(Err(err)) => Err(err),
        Err(_) => Err(format!("no answer from {url} within {} s", timeout.as_secs())),
    }
}

/// What to send.
struct Outgoing<'h> {
    method: hyper::Method,
    headers: &'h [(&'static str, String)],
    body: Option<Vec<u8>>,
    /// Hand the body over as it arrives.
    stream: bool,
}

enum Answer {
    Full(ClientAnswer),
    Stream(StreamAnswer),
}

async fn attempt(url: &str, outgoing: Outgoing<'_>) -> Result<Answer, String> {
    let target = Target::parse(url).map_err(|err| format!("{url}: {err}"))?;
    let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|err| format!("cannot connect to {}: {err}", target.authority))?;
    let _ = stream.set_nodelay(true);
    if !target.tls {
        return exchange(TokioIo::new(stream), &target, outgoing).await;
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
    exchange(TokioIo::new(stream), &target, outgoing).await
}

async fn exchange<T>(io: T, target: &Target, outgoing: Outgoing<'_>) -> Result<Answer, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|err| format!("HTTP: {err}"))?;
    let driver = tokio::spawn(connection);
    let mut request = hyper::Request::builder()
        .method(outgoing.method)
        .uri(target.path_and_query.as_str())
        .header(hyper::header::HOST, target.authority.as_str())
        .header(hyper::header::USER_AGENT, "stixhub-cli");
    let has_content_type = outgoing
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
    if outgoing.body.is_some() && !has_content_type {
        request = request.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in outgoing.headers {
        request = request.header(*name, value.as_str());
    }
    let request = request
        .body(Full::new(Bytes::from(outgoing.body.unwrap_or_default())))
        .map_err(|err| format!("request: {err}"))?;
    if outgoing.stream {
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(err) => {
                driver.abort();
                return Err(format!("HTTP: {err}"));
            }
        };
        let status = response.status().as_u16();
        let (send, chunks) = tokio::sync::mpsc::channel(64);
        let mut body = response.into_body();
        // The connection's driver lives as long as the reader: it ends when the stream ends or the
        // receiver is dropped.
        tokio::spawn(async move {
            loop {
                match body.frame().await {
                    None => break,
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data()
                            && send.send(Ok(data)).await.is_err()
                        {
                            break;
                        }
                    }
                    Some(Err(err)) => {
                        let _ = send.send(Err(format!("HTTP: {err}"))).await;
                        break;
                    }
                }
            }
            driver.abort();
        });
        return Ok(Answer::Stream(StreamAnswer { status, chunks }));
    }
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
    answer.map(Answer::Full)
}
