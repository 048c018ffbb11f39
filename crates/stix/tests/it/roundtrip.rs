//! Every object of the corpus comes back byte-identical after parse and output.

use serde_json::Value;
use stix::bundle::Document;

use crate::corpus::{corpus_dir, json_files};

/// Parses each corpus document into `StixObject`s, writes them out as a new bundle from their kept bytes, and
/// checks that every object's bytes are exactly those of the input and that the output parses to the same data.
#[test]
fn corpus_objects_round_trip_byte_for_byte() {
    let corpus = corpus_dir();
    let mut files = json_files(&corpus.join("bundles"));
    files.extend(json_files(&corpus.join("stix21/examples")));
    let mut n_objects = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let document = Document::split(&text).unwrap();
        let originals: Vec<&str> = document.objects.iter().map(|raw| raw.get()).collect();
        let (objects, diagnostics) = document.into_objects();
        assert!(diagnostics.is_empty(), "{}: {diagnostics:?}", file.display());
        assert_eq!(objects.len(), originals.len());

        let output = format!(
            "{{\"type\":\"bundle\",\"id\":\"bundle--3f3f3f3f-3f3f-4f3f-8f3f-3f3f3f3f3f3f\",\"objects\":[{}]}}",
            objects.iter().map(|o| o.raw_json()).collect::<Vec<_>>().join(",")
        );
        let reparsed: Value = serde_json::from_str(&output).unwrap();
        for ((object, original), reparsed) in objects
            .iter()
            .zip(&originals)
            .zip(reparsed["objects"].as_array().unwrap())
        {
            assert_eq!(
                object.raw_json(),
                *original,
                "{}: {}",
                file.display(),
                object.id()
            );
            assert!(text.contains(object.raw_json()), "bytes not taken from the input");
            let original_value: Value = serde_json::from_str(original).unwrap();
            assert_eq!(&original_value, reparsed);
        }
        n_objects += objects.len();
    }
    assert_eq!(
        n_objects, 8_759,
        "the corpus MANIFEST counts 8,759 objects in bundles/ and stix21/examples/"
    );
}
