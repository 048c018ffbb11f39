//! `stixhub serve --tls-cert/--tls-key` with certificates made at test time (rcgen), driven by the real
//! taxii2-client over HTTPS (the test CA passed as `verify=`), and a client that does not trust the CA refused.
//!
//! Runs when `STIXHUB_ORACLE_PYTHON` names a python with taxii2-client (`scripts/oracle-venv.sh`); otherwise prints
//! a skip line and passes.

use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

use crate::taxii_server::{ADMIN_PASSWORD, ServerProcess, fresh_data_dir};

const CLIENT: &str = r#"
import sys
import requests
from taxii2client.v21 import Server
base, ca, user, password = sys.argv[1:5]
server = Server(base + "/taxii2/", user=user, password=password, verify=ca)
assert server.title == "stixhub", server.title
root = server.api_roots[0]
aliases = [c.alias for c in root.collections]
assert "default" in aliases, aliases
try:
    Server(base + "/taxii2/", user=user, password=password, verify=True).refresh()
    raise AssertionError("a client without the test CA connected")
except requests.exceptions.SSLError:
    pass
print('{"taxii2_client_tls": "ok"}')
"#;

#[test]
fn taxii2_client_connects_over_tls_with_the_test_ca() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the taxii2-client TLS test"
        );
        return;
    };
    let data_dir = fresh_data_dir("tls-interop");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "stixhub test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, "localhost");
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let tls_dir = data_dir.with_extension("tls");
    std::fs::create_dir_all(&tls_dir).unwrap();
    let (ca_path, cert_path, key_path) = (
        tls_dir.join("ca.pem"),
        tls_dir.join("cert.pem"),
        tls_dir.join("key.pem"),
    );
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let server = ServerProcess::start_with_store_flags(&[
        "--data".as_ref(),
        data_dir.as_os_str(),
        "--tls-cert".as_ref(),
        cert_path.as_os_str(),
        "--tls-key".as_ref(),
        key_path.as_os_str(),
    ]);
    assert!(server.base_url.starts_with("https://"), "{}", server.base_url);
    let output = Command::new(python)
        .arg("-c")
        .arg(CLIENT)
        .arg(&server.base_url)
        .arg(&ca_path)
        .args(["admin", ADMIN_PASSWORD])
        // requests lets these override a session's `verify=` path (the taxii2-client's) for every request.
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "taxii2-client over TLS failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("\"taxii2_client_tls\": \"ok\""), "{stdout}");
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_dir_all(&tls_dir);
}
