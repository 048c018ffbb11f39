//! `stixhub serve --tls-cert/--tls-key` with certificates made at test time (rcgen), driven by the real
//! taxii2-client over HTTPS (the test CA passed as `verify=`), a client that does not trust the CA refused, a client
//! certificate (CN `admin`, from `--tls-client-ca`) authenticating without a password, and SIGHUP serving a new
//! certificate to new connections.
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
base, ca, user, password, client_cert, client_key = sys.argv[1:7]
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
by_cert = Server(base + "/taxii2/", verify=ca, cert=(client_cert, client_key))
assert by_cert.api_roots[0].collections, "the client certificate did not authenticate"
print('{"taxii2_client_tls": "ok"}')
"#;

/// Prints the PEM certificate the server at `sys.argv[1]` (`https://HOST:PORT`) presents, until it equals the
/// file `sys.argv[2]` (5 s).
const SERVED_CERT: &str = r#"
import ssl, sys, time
host, port = sys.argv[1].removeprefix("https://").rsplit(":", 1)
want = ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(open(sys.argv[2]).read()))
for _ in range(50):
    got = ssl.get_server_certificate((host, int(port)))
    if got == want:
        print("reloaded")
        break
    time.sleep(0.1)
"#;

pub(crate) struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub(crate) pem: String,
}

pub(crate) fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Ca {
        issuer: Issuer::new(params, key),
        pem,
    }
}

/// (certificate PEM, key PEM) signed by `ca`.
pub(crate) fn leaf(ca: &Ca, common_name: &str, sans: &[&str]) -> (String, String) {
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
    let mut params = CertificateParams::new(sans).unwrap();
    params.distinguished_name.push(DnType::CommonName, common_name);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[test]
fn taxii2_client_connects_over_tls_with_the_test_ca() {
    let Some(python) = std::env::var_os("STIXHUB_ORACLE_PYTHON") else {
        eprintln!(
            "skipped: set STIXHUB_ORACLE_PYTHON (scripts/oracle-venv.sh) to run the taxii2-client TLS test"
        );
        return;
    };
    let data_dir = fresh_data_dir("tls-interop");
    let server_ca = ca("stixhub test CA");
    let client_ca = ca("stixhub client CA");
    let (cert, key) = leaf(&server_ca, "localhost", &["localhost", "127.0.0.1"]);
    let (client_cert, client_key) = leaf(&client_ca, "admin", &[]);
    let tls_dir = data_dir.with_extension("tls");
    std::fs::create_dir_all(&tls_dir).unwrap();
    let write = |name: &str, text: &str| {
        let path = tls_dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let ca_path = write("ca.pem", &server_ca.pem);
    let client_ca_path = write("client-ca.pem", &client_ca.pem);
    let cert_path = write("cert.pem", &cert);
    let key_path = write("key.pem", &key);
    let client_cert_path = write("client-cert.pem", &client_cert);
    let client_key_path = write("client-key.pem", &client_key);

    let server = ServerProcess::start_with_store_flags(&[
        "--data".as_ref(),
        data_dir.as_os_str(),
        "--tls-cert".as_ref(),
        cert_path.as_os_str(),
        "--tls-key".as_ref(),
        key_path.as_os_str(),
        "--tls-client-ca".as_ref(),
        client_ca_path.as_os_str(),
    ]);
    assert!(server.base_url.starts_with("https://"), "{}", server.base_url);
    let output = Command::new(&python)
        .arg("-c")
        .arg(CLIENT)
        .arg(&server.base_url)
        .arg(&ca_path)
        .args(["admin", ADMIN_PASSWORD])
        .arg(&client_cert_path)
        .arg(&client_key_path)
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

    // SIGHUP: new connections get the new certificate.
    let (new_cert, new_key) = leaf(&server_ca, "localhost", &["localhost", "127.0.0.1"]);
    write("cert.pem", &new_cert);
    write("key.pem", &new_key);
    let hup = Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let served = Command::new(&python)
        .arg("-c")
        .arg(SERVED_CERT)
        .arg(&server.base_url)
        .arg(&cert_path)
        .output()
        .expect("python runs");
    let served_out = String::from_utf8_lossy(&served.stdout);
    assert!(
        served_out.contains("reloaded"),
        "the new certificate was not served after SIGHUP: {served_out} {}",
        String::from_utf8_lossy(&served.stderr)
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_dir_all(&tls_dir);
}
