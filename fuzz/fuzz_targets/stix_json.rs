//! Fuzz target: STIX JSON split + parse + validate never panics, and an accepted object keeps its exact bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stix::bundle::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(document) = Document::split(text) else { return };
    let n_objects = document.objects.len();
    let originals: Vec<String> = document.objects.iter().map(|raw| raw.get().to_owned()).collect();
    let _ = document.validate();
    let (objects, diagnostics) = document.into_objects();
    assert!(objects.len() + diagnostics.len() >= n_objects.min(objects.len()));
    for object in &objects {
        assert!(originals.iter().any(|original| original == object.raw_json()));
    }
});
