//! Bad input: malformed documents are refused with the JSON path of the problem; unknown ecosystems,
//! unparseable versions and advisories without ranges are counted as "not evaluated, why", never as clean.

use supply::Reason;

use crate::samples::one_component_sbom;

#[test]
fn malformed_sboms_are_refused_naming_the_path() {
    let cases: [(&str, &str); 7] = [
        ("not json", "$"),
        ("[]", "$"),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}"#,
            "$.components[0].name",
        ),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","version":7}]}"#,
            "$.components[0].version",
        ),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"9.9"}"#,
            "$.specVersion",
        ),
        (
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"a","externalRefs":[{"referenceType":"purl"}]}]}"#,
            "$.packages[0].externalRefs[0].referenceLocator",
        ),
        (
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":{"name":"a"}}"#,
            "$.components",
        ),
    ];
    for (doc, path) in cases {
        let e = supply::sbom::parse(doc.as_bytes()).expect_err(doc);
        assert_eq!(e.path, path, "{doc}: {e}");
    }
    // Deep nesting is refused, not a stack overflow.
    let mut deep = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
    for _ in 0..40 {
        deep.push_str(r#"[{"name":"x","components":"#);
    }
    deep.push_str("[]");
    for _ in 0..40 {
        deep.push_str("}]");
    }
    deep.push('}');
    assert!(supply::sbom::parse(deep.as_bytes()).is_err());
}

#[test]
fn malformed_knowledge_is_refused_naming_the_path() {
    let cases: [(&str, &str); 4] = [
        (
            r#"{"id":"X","modified":"2020","affected":[{"ranges":[{"type":"WEIRD","events":[]}]}]}"#,
            "$.affected[0].ranges[0].type",
        ),
        (
            r#"{"id":"X","modified":"2020","affected":[{"ranges":[{"type":"SEMVER","events":[{"nope":"1"}]}]}]}"#,
            "$.affected[0].ranges[0].events[0]",
        ),
        (
            r#"{"catalogVersion":"1","vulnerabilities":[{"dateAdded":"2020-01-01"}]}"#,
            "$.vulnerabilities[0].cveID",
        ),
        (
            r#"{"document":{"csaf_version":"2.0","tracking":{"id":"T"}},"vulnerabilities":[{"cve":"CVE-2020-0001","product_status":{"known_affected":["NOPE"]}}]}"#,
            "$.vulnerabilities[0].product_status.known_affected",
        ),
    ];
    for (doc, path) in cases {
        let e = supply::advisory::parse(doc.as_bytes()).expect_err(doc);
        assert_eq!(e.path, path, "{doc}: {e}");
    }
}

#[test]
fn components_that_cannot_be_evaluated_are_counted_with_a_reason() {
    let mut kb = crate::knowledge(&[]);
    let no_ranges = r#"{"id":"SYNTH-NO-RANGES","modified":"2026-01-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"npm","name":"left-pad"}}]}"#;
    let git = r#"{"id":"SYNTH-GIT","modified":"2026-01-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"npm","name":"right-pad"},
                     "ranges":[{"type":"GIT","repo":"https://example.org/r","events":[{"introduced":"abc"}]}]}]}"#;
    kb.extend(supply::advisory::parse(no_ranges.as_bytes()).expect("record"));
    kb.extend(supply::advisory::parse(git.as_bytes()).expect("record"));
    let cases = [
        (
            "pkg:generic/openssl@3.0.4",
            Reason::UnknownEcosystem {
                purl_type: "generic".into(),
            },
        ),
        (
            "pkg:alpine/openssl@3.0.4",
            Reason::UnknownEcosystem {
                purl_type: "alpine".into(),
            },
        ),
        (
            "pkg:nuget/Newtonsoft.Json@12.0.1",
            Reason::NoKnowledgeForEcosystem {
                ecosystem: "NuGet".into(),
            },
        ),
        (
            "pkg:npm/elliptic@latest",
            Reason::UnparseableVersion {
                version: "latest".into(),
                error: "version \"latest\" is not a valid Semver version: major.minor.patch must be numbers"
                    .into(),
            },
        ),
        (
            "pkg:npm/left-pad@1.0.0",
            Reason::AdvisoryNotEvaluable {
                advisory: "SYNTH-NO-RANGES".into(),
                why: "the advisory lists no ranges or versions for this package".into(),
            },
        ),
        (
            "pkg:npm/right-pad@1.0.0",
            Reason::AdvisoryNotEvaluable {
                advisory: "SYNTH-GIT".into(),
                why: "GIT ranges name commits, not versions".into(),
            },
        ),
    ];
    for (purl, reason) in cases {
        let e = kb.evaluate(&one_component_sbom(purl));
        assert!(e.findings.is_empty(), "{purl}: {:#?}", e.findings);
        let reasons: Vec<&Reason> = e.not_evaluated.iter().map(|n| &n.reason).collect();
        assert_eq!(reasons, [&reason], "{purl}");
        assert_eq!(e.evaluated, 0, "{purl}");
    }
    // A package no advisory names, in an ecosystem the base covers, is evaluated and clean.
    let e = kb.evaluate(&one_component_sbom("pkg:npm/lodash@4.17.21"));
    assert!(e.findings.is_empty() && e.not_evaluated.is_empty());
    assert_eq!(e.evaluated, 1);
    // A component without identifiers.
    let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"mystery","version":"1"}]}"#;
    let e = kb.evaluate(&supply::sbom::parse(doc.as_bytes()).expect("sbom"));
    assert_eq!(e.not_evaluated[0].reason, Reason::NoIdentifier);
    // An invalid PURL: a diagnostic at parse time and a reason at evaluation.
    let doc = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x","version":"1","purl":"pkg:npm/x%ZZ@1"}]}"#;
    let s = supply::sbom::parse(doc.as_bytes()).expect("sbom");
    assert_eq!(s.diagnostics[0].path, "$.components[0].purl");
    assert!(matches!(
        kb.evaluate(&s).not_evaluated[0].reason,
        Reason::InvalidPurl { .. }
    ));
}
