//! `serve_tls` with certificates made at test time (rcgen): HTTPS with Basic, TLS versions, client certificates
//! (mTLS) mapped to accounts, a certificate from another CA refused, and reload serving a new certificate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{account, admin, test_hub};

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    Ca {
        der: cert.der().clone(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

/// A leaf signed by `ca`: (certificate PEM, key PEM, certificate DER).
fn leaf(ca: &Ca, common_name: &str, sans: &[&str]) -> (String, String, CertificateDer<'static>) {
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, common_name);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().clone())
}

fn temp_dir() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "stixhub-tls-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

struct Client {
    config: Arc<rustls::ClientConfig>,
}

fn client(server_ca: &Ca, identity: Option<(&str, &str)>) -> Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server_ca.der.clone()).unwrap();
    let builder =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
    let config = match identity {
        None => builder.with_no_client_auth(),
        Some((cert_pem, key_pem)) => {
            use rustls::pki_types::pem::PemObject;
            let chain = vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap()];
            let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    Client {
        config: Arc::new(config),
    }
}

struct Exchange {
    response: String,
    version: Option<rustls::ProtocolVersion>,
    server_cert: Option<CertificateDer<'static>>,
}

async fn request(
    client: &Client,
    address: std::net::SocketAddr,
    path: &str,
    authorization: Option<&str>,
) -> std::io::Result<Exchange> {
    let connector = tokio_rustls::TlsConnector::from(Arc::clone(&client.config));
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await?;
    let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    let text = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/taxii+json;version=2.1\r\n{auth}Connection: close\r\n\r\n"
    );
    stream.write_all(text.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let connection = stream.get_ref().1;
    Ok(Exchange {
        response,
        version: connection.protocol_version(),
        server_cert: connection.peer_certificates().and_then(|c| c.first()).cloned(),
    })
}

struct Setup {
    dir: PathBuf,
    server_ca: Ca,
    client_ca: Ca,
    files: server::TlsFiles,
}

fn setup(client_auth: server::ClientAuth) -> Setup {
    let dir = temp_dir();
    let server_ca = ca("server CA");
    let client_ca = ca("client CA");
    let (cert, key, _) = leaf(&server_ca, "localhost", &["localhost"]);
    let files = server::TlsFiles {
        cert: write(&dir, "cert.pem", &cert),
        key: write(&dir, "key.pem", &key),
        client_ca: Some(write(&dir, "client-ca.pem", &client_ca.pem)),
        client_auth,
    };
    Setup {
        dir,
        server_ca,
        client_ca,
        files,
    }
}

async fn start(
    test: &crate::support::TestHub,
    source: server::TlsConfigSource,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = server::AppState::new(test.hub.clone());
    tokio::spawn(server::serve_tls(listener, source, state, async {
        let _ = stopped.await;
    }));
    (address, stop)
}

#[tokio::test]
async fn https_serves_healthz_and_discovery_with_basic_over_tls_1_2_or_1_3() {
    let test = test_hub().await;
    let setup = setup(server::ClientAuth::Optional);
    let source = server::TlsConfigSource::load(setup.files.clone()).unwrap();
    let (address, stop) = start(&test, source).await;
    let plain = client(&setup.server_ca, None);
    let health = request(&plain, address, "/healthz", None).await.unwrap();
    assert!(health.response.starts_with("HTTP/1.1 200"), "{}", health.response);
    assert!(matches!(
        health.version,
        Some(rustls::ProtocolVersion::TLSv1_3 | rustls::ProtocolVersion::TLSv1_2)
    ));
    assert_eq!(health.version, Some(rustls::ProtocolVersion::TLSv1_3));
    let discovery = request(&plain, address, "/taxii2/", Some(&admin()))
        .await
        .unwrap();
    assert!(
        discovery.response.starts_with("HTTP/1.1 200"),
        "{}",
        discovery.response
    );
    // Without credentials or a certificate: 401.
    let anonymous = request(&plain, address, "/taxii2/", None).await.unwrap();
    assert!(
        anonymous.response.starts_with("HTTP/1.1 401"),
        "{}",
        anonymous.response
    );
    // A TLS 1.2-only client still connects.
    let mut roots = rustls::RootCertStore::empty();
    roots.add(setup.server_ca.der.clone()).unwrap();
    let tls12 = Client {
        config: Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(&[&rustls::version::TLS12])
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        ),
    };
    let old = request(&tls12, address, "/healthz", None).await.unwrap();
    assert_eq!(old.version, Some(rustls::ProtocolVersion::TLSv1_2));
    stop.send(()).unwrap();
    let _ = std::fs::remove_dir_all(&setup.dir);
}

#[tokio::test]
async fn a_client_certificate_authenticates_its_account_and_another_ca_is_refused() {
    let test = test_hub().await;
    account(&test.hub, "alice", None).await;
    let setup = setup(server::ClientAuth::Optional);
    let source = server::TlsConfigSource::load(setup.files.clone()).unwrap();
    let (address, stop) = start(&test, source).await;

    let (cert, key, der) = leaf(&setup.client_ca, "alice", &[]);
    assert_eq!(server::client_identity(&der).as_deref(), Some("alice"));
    let alice = client(&setup.server_ca, Some((&cert, &key)));
    let discovery = request(&alice, address, "/taxii2/", None).await.unwrap();
    assert!(
        discovery.response.starts_with("HTTP/1.1 200"),
        "{}",
        discovery.response
    );

    // A certificate for an unknown account: 401, and Basic still works on that connection kind.
    let (cert, key, _) = leaf(&setup.client_ca, "nobody", &[]);
    let nobody = client(&setup.server_ca, Some((&cert, &key)));
    let refused = request(&nobody, address, "/taxii2/", None).await.unwrap();
    assert!(
        refused.response.starts_with("HTTP/1.1 401"),
        "{}",
        refused.response
    );
    let basic = request(&nobody, address, "/taxii2/", Some(&admin()))
        .await
        .unwrap();
    assert!(basic.response.starts_with("HTTP/1.1 200"), "{}", basic.response);

    // Another CA: the handshake fails.
    let other = ca("other CA");
    let (cert, key, _) = leaf(&other, "alice", &[]);
    let intruder = client(&setup.server_ca, Some((&cert, &key)));
    let outcome = request(&intruder, address, "/taxii2/", None).await;
    assert!(
        outcome
            .as_ref()
            .map_or(true, |e| !e.response.starts_with("HTTP/1.1 200")),
        "a certificate from another CA was accepted"
    );
    stop.send(()).unwrap();
    let _ = std::fs::remove_dir_all(&setup.dir);
}

#[tokio::test]
async fn required_client_auth_refuses_a_client_without_certificate() {
    let test = test_hub().await;
    let setup = setup(server::ClientAuth::Required);
    let source = server::TlsConfigSource::load(setup.files.clone()).unwrap();
    let (address, stop) = start(&test, source).await;
    let plain = client(&setup.server_ca, None);
    let outcome = request(&plain, address, "/healthz", None).await;
    assert!(
        outcome
            .as_ref()
            .map_or(true, |e| !e.response.starts_with("HTTP/1.1 200"))
    );
    stop.send(()).unwrap();
    let _ = std::fs::remove_dir_all(&setup.dir);
}

#[test]
fn identity_falls_back_to_san_dns_then_email() {
    let ca = ca("CA");
    let mut params = CertificateParams::new(vec!["feed.example".to_owned()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    assert_eq!(
        server::client_identity(cert.der()).as_deref(),
        Some("feed.example")
    );
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.subject_alt_names = vec![rcgen::SanType::Rfc822Name("ops@example.org".try_into().unwrap())];
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    assert_eq!(
        server::client_identity(cert.der()).as_deref(),
        Some("ops@example.org")
    );
}

#[tokio::test]
async fn reload_serves_the_new_certificate_to_new_connections_and_a_bad_file_keeps_the_old() {
    let test = test_hub().await;
    let setup = setup(server::ClientAuth::Optional);
    let source = server::TlsConfigSource::load(setup.files.clone()).unwrap();
    let (address, stop) = start(&test, source.clone()).await;
    let plain = client(&setup.server_ca, None);
    let first = request(&plain, address, "/healthz", None).await.unwrap();

    let (cert, key, der) = leaf(&setup.server_ca, "localhost", &["localhost"]);
    write(&setup.dir, "cert.pem", &cert);
    write(&setup.dir, "key.pem", &key);
    source.reload().unwrap();
    let second = request(&plain, address, "/healthz", None).await.unwrap();
    assert_ne!(first.server_cert, second.server_cert);
    assert_eq!(second.server_cert.as_ref(), Some(&der));

    write(&setup.dir, "cert.pem", "not a certificate");
    assert!(source.reload().is_err());
    let third = request(&plain, address, "/healthz", None).await.unwrap();
    assert_eq!(third.server_cert.as_ref(), Some(&der));
    assert!(third.response.starts_with("HTTP/1.1 200"));
    stop.send(()).unwrap();
    let _ = std::fs::remove_dir_all(&setup.dir);
}

#[tokio::test]
async fn web_cookies_are_secure_over_tls() {
    let test = test_hub().await;
    let setup = setup(server::ClientAuth::Optional);
    let source = server::TlsConfigSource::load(setup.files.clone()).unwrap();
    let (address, stop) = start(&test, source).await;
    let plain = client(&setup.server_ca, None);
    let login = request(&plain, address, "/ui/login", None).await.unwrap();
    let cookie = login
        .response
        .lines()
        .find(|line| {
            line.to_ascii_lowercase()
                .starts_with("set-cookie: stixhub_login=")
        })
        .unwrap_or_else(|| panic!("no login cookie: {}", login.response));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    stop.send(()).unwrap();
    let _ = std::fs::remove_dir_all(&setup.dir);
}
