//! VEX behaves as the sample documents say: the CycloneDX Log4Shell pair (CISA VEX use case 1: product DEF
//! `exploitable` with its response, product ABC `not_affected` / `code_not_present`), the CycloneDX jackson VEX
//! (CVE-2020-25649 `not_affected` / `code_not_reachable`, matched by the PURL in its BOM-Link), the Secvisogram
//! CSAF VEX (`known_not_affected` for three Log4j CVEs up to 1.14.0) and the CSAF VEX use case 8 document
//! (known_affected with a vendor fix, fixed, known_not_affected per product version and version range).

use supply::{Finding, FindingStatus};

use crate::{knowledge, sbom};

/// An SBOM of `product@version` that contains log4j-core 2.14.1.
fn product_with_log4j(product: &str, version: &str) -> supply::Sbom {
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"component": {"type": "application", "name": product, "version": version}},
        "components": [{"type": "library", "group": "org.apache.logging.log4j", "name": "log4j-core",
                        "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]
    });
    supply::sbom::parse(doc.to_string().as_bytes()).expect("test SBOM")
}

fn finding<'a>(findings: &'a [Finding], cve: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.vulnerability == cve)
        .unwrap_or_else(|| panic!("no finding for {cve}: {findings:#?}"))
}

#[test]
fn the_log4shell_vex_pair_marks_def_affected_and_abc_not_affected() {
    let kb = knowledge(&[
        "sbom/vex-cyclonedx/log4shell-vex-affected.cdx-1.4.json",
        "sbom/vex-cyclonedx/log4shell-vex-not_affected.cdx-1.4.json",
        "kev/known_exploited_vulnerabilities.json",
    ]);
    let def = kb.evaluate(&product_with_log4j("DEF", "1.0"));
    let f = finding(&def.findings, "CVE-2021-44228");
    match &f.status {
        FindingStatus::Affected { action: Some(action) } => {
            assert!(action.contains("will_not_fix, update"), "{action}");
            assert!(action.contains("upgrade to the latest release"), "{action}");
        }
        other => panic!("{other:?}"),
    }
    assert!(f.kev.is_some());
    let abc = kb.evaluate(&product_with_log4j("ABC", "4.2"));
    let f = finding(&abc.findings, "CVE-2021-44228");
    match &f.status {
        FindingStatus::NotAffected {
            justification,
            detail,
        } => {
            assert_eq!(justification.as_deref(), Some("code_not_present"));
            assert!(
                detail
                    .as_deref()
                    .is_some_and(|d| d.contains("Class with vulnerable code was removed"))
            );
        }
        other => panic!("{other:?}"),
    }
    // Suppressed, not removed: the KEV status stays visible.
    assert!(f.kev.is_some());
    // Other Log4j CVEs and other products are untouched.
    assert!(matches!(
        finding(&abc.findings, "CVE-2021-45046").status,
        FindingStatus::Affected { action: None }
    ));
    let other = kb.evaluate(&product_with_log4j("ABC", "4.3"));
    assert!(matches!(
        finding(&other.findings, "CVE-2021-44228").status,
        FindingStatus::Affected { action: None }
    ));
}

#[test]
fn the_cyclonedx_jackson_vex_suppresses_cve_2020_25649_by_purl() {
    let kb = knowledge(&["sbom/vex-cyclonedx/jackson-vex.cdx-1.4.json"]);
    let e = kb.evaluate(&sbom("sbom/vex-cyclonedx/jackson-bom.cdx-1.3.json"));
    let f = finding(&e.findings, "CVE-2020-25649");
    match &f.status {
        FindingStatus::NotAffected {
            justification,
            detail,
        } => {
            assert_eq!(justification.as_deref(), Some("code_not_reachable"));
            assert!(detail.as_deref().is_some_and(|d| !d.is_empty()));
        }
        other => panic!("{other:?}"),
    }
    assert!(f.advisories.contains(&"GHSA-288c-cq4h-88gq".to_owned()));
    let affected = e
        .findings
        .iter()
        .filter(|f| matches!(f.status, FindingStatus::Affected { .. }))
        .count();
    assert_eq!(affected, 3, "the other three jackson-databind advisories stay");
}

#[test]
fn the_secvisogram_csaf_vex_says_known_not_affected_up_to_1_14_0() {
    let kb = knowledge(&["sbom/csaf/sec-vex-2022-0001.json"]);
    let e = kb.evaluate(&product_with_log4j("Secvisogram", "1.14.0"));
    for cve in ["CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"] {
        match &finding(&e.findings, cve).status {
            FindingStatus::NotAffected {
                justification,
                detail,
            } => {
                assert_eq!(justification.as_deref(), Some("component_not_present"), "{cve}");
                assert!(
                    detail
                        .as_deref()
                        .is_some_and(|d| d.contains("written in JavaScript")),
                    "{cve}"
                );
            }
            other => panic!("{cve}: {other:?}"),
        }
        assert!(
            finding(&e.findings, cve)
                .advisories
                .contains(&"SEC-VEX-2022-0001".to_owned())
        );
    }
    // 1.15.0 is outside `<=1.14.0`: the statement does not apply.
    let later = kb.evaluate(&product_with_log4j("Secvisogram", "1.15.0"));
    assert!(matches!(
        finding(&later.findings, "CVE-2021-44228").status,
        FindingStatus::Affected { .. }
    ));
}

#[test]
fn csaf_use_case_8_statements_per_product_version() {
    let kb = knowledge(&["sbom/csaf/2022-evd-uc-08-001.json"]);
    // ABC 2.4 is known_affected with a vendor fix; its SBOM lists no log4j, the statement alone is the finding.
    let doc = |name: &str, version: &str| {
        let d = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6",
            "metadata": {"component": {"type": "application", "name": name, "version": version}}, "components": []});
        supply::sbom::parse(d.to_string().as_bytes()).expect("test SBOM")
    };
    let e = kb.evaluate(&doc("ABC", "2.4"));
    match &finding(&e.findings, "CVE-2021-44228").status {
        FindingStatus::Affected { action: Some(a) } => {
            assert!(a.contains("Update to version 4.2 or later"), "{a}")
        }
        other => panic!("{other:?}"),
    }
    // JKL 4.6 falls in the known_affected range >=4.5|<=5.0.
    let e = kb.evaluate(&doc("JKL", "4.6"));
    assert!(matches!(
        finding(&e.findings, "CVE-2021-44228").status,
        FindingStatus::Affected { .. }
    ));
    // ABC 4.2 is known_not_affected and JKL 5.1 fixed: with log4j inside, the findings are suppressed.
    let e = kb.evaluate(&product_with_log4j("ABC", "4.2"));
    assert!(matches!(
        finding(&e.findings, "CVE-2021-44228").status,
        FindingStatus::NotAffected { .. }
    ));
    let e = kb.evaluate(&product_with_log4j("JKL", "5.1"));
    assert!(matches!(
        finding(&e.findings, "CVE-2021-44228").status,
        FindingStatus::Fixed { .. }
    ));
}
