//! Precision on real threat intelligence: the shared corpus's ATT&CK ICS, Unit 42 and small bundles hold no
//! personal data that is not threat data or public attribution, so redacting them finds nothing.

use std::path::Path;

use policy::pii::object::{redact_object, threat_context};
use serde_json::Value;

fn bundles(folder: &str) -> Vec<(String, Vec<Value>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/bundles")
        .join(folder);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
        out.push((path.display().to_string(), objects));
    }
    out
}

#[test]
fn corpus_bundles_need_no_redaction() {
    for folder in ["unit42", "attack-ics", "small"] {
        for (path, objects) in bundles(folder) {
            let context = threat_context(&objects);
            for (object_idx, object) in objects.iter().enumerate() {
                let redaction = redact_object(object, &context);
                assert!(
                    redaction.findings.is_empty(),
                    "{path} object {object_idx}: {:?}",
                    redaction.findings
                );
            }
        }
    }
}
