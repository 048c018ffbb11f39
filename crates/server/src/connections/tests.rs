//! The canned refusal is a well-formed HTTP response carrying a TAXII error body.

use super::REFUSAL;

#[test]
fn the_refusal_declares_its_real_length_and_a_taxii_error() {
    let text = std::str::from_utf8(REFUSAL).expect("ASCII");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(
        head.ends_with(&format!("Content-Length: {}", body.len())),
        "{head}"
    );
    let error: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(error["http_status"], "503");
}
