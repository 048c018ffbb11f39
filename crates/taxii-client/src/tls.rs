//! The rustls client configuration: the configured CA (else the platform's roots) and an optional client
//! certificate. TLS 1.3 and 1.2 (rustls has nothing older), the ring provider as the server uses.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::{ClientConfig, ClientError};

pub(crate) fn connector(config: &ClientConfig) -> Result<tokio_rustls::TlsConnector, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match &config.ca_pem {
        Some(pem) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<_, _>>()
                .map_err(|err| ClientError::Config(format!("CA certificates: {err}")))?;
            if certs.is_empty() {
                return Err(ClientError::Config("the CA file holds no certificate".to_owned()));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|err| ClientError::Config(format!("CA certificate: {err}")))?;
            }
        }
        None => {
            // Unreadable platform certificates leave fewer roots (handshakes then fail visibly), not a crash.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ClientError::Config(format!("TLS: {err}")))?
        .with_root_certificates(roots);
    let mut tls = match &config.client_certificate {
        Some(certificate) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&certificate.chain_pem)
                .collect::<Result<_, _>>()
                .map_err(|err| ClientError::Config(format!("client certificate: {err}")))?;
            if chain.is_empty() {
                return Err(ClientError::Config(
                    "the client certificate file holds no certificate".to_owned(),
                ));
            }
            let key = PrivateKeyDer::from_pem_slice(&certificate.key_pem)
                .map_err(|err| ClientError::Config(format!("client key: {err}")))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|err| ClientError::Config(format!("client certificate: {err}")))?
        }
        None => builder.with_no_client_auth(),
    };
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsConnector::from(Arc::new(tls)))
}
