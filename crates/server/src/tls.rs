//! HTTPS: loading the rustls configuration from PEM files, reloading it, and the TLS accept loop.
//!
//! Invariants:
//! - TLS 1.3 and 1.2 only (rustls offers nothing older), rustls' default safe cipher suites, ring provider,
//!   no 0-RTT (`max_early_data_size` stays 0), ALPN `http/1.1`.
//! - A reload that fails keeps the configuration in use; new connections take the configuration current at
//!   their accept, connections already open keep theirs.
//! - A verified client certificate names an account (`client_identity`); the name reaches `auth::authenticate`
//!   through a task-local scoped around each request of that connection, so only the TLS loop can set it.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::net::TcpListener;
use tower::ServiceExt;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use crate::AppState;

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

tokio::task_local! {
    /// The account name from the verified client certificate of the connection serving this request.
    pub(crate) static CLIENT_CERT_ACCOUNT: Option<String>;
}

/// Whether the server asks for client certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// Requested; a client without one still connects (and uses Basic/Bearer).
    #[default]
    Optional,
    /// The handshake fails without a certificate from the client CA.
    Required,
}

/// The files a TLS configuration is read from.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM CA certificates that client certificates are verified against; `None` asks for no client certificate.
    pub client_ca: Option<PathBuf>,
    /// Optional or required client certificates (only with `client_ca`).
    pub client_auth: ClientAuth,
}

/// Why a TLS configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// rustls refused the combination (e.g. a key that does not match the certificate).
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// The certificates of a PEM file (at least one).
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|err| file_error(path, err))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| file_error(path, err))?;
    if certs.is_empty() {
        return Err(file_error(path, "no PEM certificate found"));
    }
    Ok(certs)
}

/// Reads the PEM files and builds the server configuration.
pub fn load_tls_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = read_certs(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|err| file_error(&files.key, err))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|err| TlsError::Config(err.to_string()))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots.add(cert).map_err(|err| file_error(ca, err))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = match files.client_auth {
                ClientAuth::Optional => verifier.allow_unauthenticated(),
                ClientAuth::Required => verifier,
            };
            let verifier = verifier.build().map_err(|err| file_error(ca, err))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|err| TlsError::Config(err.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.max_early_data_size = 0;
    Ok(Arc::new(config))
}

/// The configuration new connections use, and the files to reload it from.
#[derive(Debug, Clone)]
pub struct TlsConfigSource {
    files: TlsFiles,
    current: Arc<RwLock<Arc<ServerConfig>>>,
}

impl TlsConfigSource {
    /// Loads the files once; fails if they are unusable.
    pub fn load(files: TlsFiles) -> Result<TlsConfigSource, TlsError> {
        let config = load_tls_config(&files)?;
        Ok(TlsConfigSource {
            files,
            current: Arc::new(RwLock::new(config)),
        })
    }

    /// Re-reads the files; on error the configuration in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = load_tls_config(&self.files)?;
        match self.current.write() {
            Ok(mut current) => *current = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
        Ok(())
    }

    fn current(&self) -> Arc<ServerConfig> {
        match self.current.read() {
            Ok(current) => Arc::clone(&current),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

/// The account a verified client certificate (DER) names: its subject CN if it has one, else its first DNS
/// SAN, else its first e-mail SAN.
pub fn client_identity(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    if let Some(cn) = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
    {
        return Some(cn.to_owned());
    }
    let san = cert.subject_alternative_name().ok()??;
    let names = &san.value.general_names;
    let dns = names.iter().find_map(|name| match name {
        GeneralName::DNSName(dns) => Some(*dns),
        _ => None,
    });
    let email = names.iter().find_map(|name| match name {
        GeneralName::RFC822Name(email) => Some(*email),
        _ => None,
    });
    dns.or(email).map(str::to_owned)
}

/// Serves `router(state)` over TLS on `listener` until `shutdown` completes, then drains connections in flight.
pub async fn serve_tls<F>(
    listener: TcpListener,
    tls: TlsConfigSource,
    state: AppState,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    // Over TLS the web session cookie is marked `Secure`.
    state.web.require_secure_cookies();
    let router = crate::router(state.clone());
    let graceful = GracefulShutdown::new();
    let shutdown = std::pin::pin!(shutdown);
    let mut shutdown = shutdown;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    // Over the connection bound: closed at once (a plaintext 503 means nothing to a TLS client).
                    let Some(slot) = state.admission.open_connection() else {
                        state.metrics.record_refused_connection();
                        drop(tcp);
                        continue;
                    };
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
                    let router = router.clone();
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
                        else {
                            tracing::debug!("TLS handshake failed or timed out");
                            return;
                        };
                        let account = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|chain| chain.first())
                            .and_then(|leaf| client_identity(leaf));
                        // Every request of this connection sees the certificate's account.
                        let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let served = CLIENT_CERT_ACCOUNT.scope(account.clone(), router.clone().oneshot(request));
                            crate::auth::CLIENT_ADDR.scope(peer.ip(), served)
                        });
                        let connection = crate::connections::http1().serve_connection(TokioIo::new(stream), service);
                        if let Err(err) = watcher.watch(connection).await {
                            tracing::debug!(error = %err, "TLS connection ended with an error");
                        }
                        drop(slot);
                    });
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
