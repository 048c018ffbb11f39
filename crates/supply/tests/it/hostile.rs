//! Hostile input never panics: arbitrary bytes, arbitrary strings as versions, PURLs and ranges, and the sample
//! documents with bytes flipped, cut or repeated all end in a value or an error.

use proptest::prelude::*;
use supply::versions::{Scheme, Version, vers};

use crate::{osv_files, read};

const SAMPLES: [&str; 7] = [
    "osv/rustsec/crates/tokio/RUSTSEC-2023-0001.md",
    "sbom/cyclonedx-1.6-laravel-7.12.0.json",
    "sbom/spdx-2.3-acme-app.spdx.json",
    "sbom/csaf/sec-vex-2022-0001.json",
    "sbom/csaf/2022-evd-uc-08-001.json",
    "sbom/vex-cyclonedx/jackson-vex.cdx-1.4.json",
    "sbom/cyclonedx-1.5-centos-7.json",
];

fn exercise(bytes: &[u8]) {
    if let Ok(s) = supply::sbom::parse(bytes) {
        let kb = crate::knowledge(&[]);
        let _ = kb.evaluate(&s);
    }
    let _ = supply::advisory::parse(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_strings_are_versions_purls_or_errors(s in "\\PC{0,40}", t in "[0-9a-zA-Z.~^+:_-]{0,30}") {
        for scheme in [Scheme::Semver, Scheme::Pep440, Scheme::Maven, Scheme::Composer, Scheme::Rpm, Scheme::Debian, Scheme::Alpine] {
            let _ = Version::parse(scheme, &s);
            if let (Ok(a), Ok(b)) = (Version::parse(scheme, &t), Version::parse(scheme, &s)) {
                let _ = a.cmp(&b);
            }
        }
        let _ = supply::purl::Purl::parse(&s).map(|p| (p.to_string(), p.osv_package(), p.upstream()));
        let _ = vers::contains(&s, &t);
        let _ = vers::contains(&format!("vers:generic/{t}"), &t);
    }

    #[test]
    fn damaged_samples_are_read_or_refused(which in 0usize..SAMPLES.len(), at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let mut bytes = read(SAMPLES[which]);
        let i = at.index(bytes.len());
        if cut { bytes.truncate(i) } else { bytes[i] = byte }
        exercise(&bytes);
    }
}

#[test]
fn every_shipped_record_survives_every_one_byte_cut() {
    // Cutting at each of the first 400 bytes of a record walks every early parser state.
    let file = &osv_files()[0];
    let bytes = std::fs::read(file).expect("read");
    for i in 0..bytes.len().min(400) {
        exercise(&bytes[..i]);
    }
}
