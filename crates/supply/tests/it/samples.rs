//! The SBOM samples and OSV records of `shared/reference/` behave as `osv/README.md` and `osv/MATCHES.tsv` say:
//! every row computed from a package match (AFFECTED / not affected, boundaries included) and the identity traps
//! (no package match), RustSec advisories included (their Cargo requirements read as OSV ranges).

use supply::{FindingStatus, Reason};

use crate::{knowledge, read, sbom};

#[test]
fn every_sample_sbom_parses_with_its_components() {
    let cases = [
        ("sbom/cyclonedx-1.5-centos-7.json", 3),
        ("sbom/cyclonedx-1.6-laravel-7.12.0.json", 62),
        ("sbom/spdx-2.3-acme-app.spdx.json", 4),
        ("sbom/spdx-2.3-elasticsearch-8.9.1-bitnami.spdx.json", 6),
        ("sbom/spdx-2.3-rust-hello-server.spdx.json", 4),
        ("sbom/vex-cyclonedx/jackson-bom.cdx-1.3.json", 3),
    ];
    for (file, n) in cases {
        let s = sbom(file);
        assert_eq!(s.components.len(), n, "{file}");
    }
    let centos = sbom("sbom/cyclonedx-1.5-centos-7.json");
    // The operating-system component has no PURL: kept, with a diagnostic naming it.
    assert!(
        centos
            .diagnostics
            .iter()
            .any(|d| d.path == "$.components[2]" && d.message.contains("centos"))
    );
    let acme = sbom("sbom/spdx-2.3-acme-app.spdx.json");
    assert_eq!(acme.name.as_deref(), Some("Acme Applcation"));
    assert_eq!(acme.version.as_deref(), Some("2.3"));
}

/// `MATCHES.tsv` rows: (id, sbom file, expected affected).
fn matches_rows() -> Vec<(String, String, bool)> {
    let text = String::from_utf8(read("osv/MATCHES.tsv")).expect("utf-8");
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (id, file, result) = (f[0], f[2], f[3]);
        if !file.starts_with("sbom/") {
            continue;
        }
        let expected = if result == "AFFECTED" {
            true
        } else if result == "not affected" || result.starts_with("no package match") {
            false
        } else {
            continue;
        };
        rows.push((id.to_owned(), file.to_owned(), expected));
    }
    rows
}

#[test]
fn the_shipped_records_match_the_samples_as_matches_tsv_says() {
    let kb = knowledge(&[]);
    let rows = matches_rows();
    assert!(rows.len() >= 95, "{} rows", rows.len());
    let mut wrong = Vec::new();
    for (id, file, expected) in &rows {
        let e = kb.evaluate(&sbom(file));
        let found = e.findings.iter().any(|f| f.advisories.contains(id));
        if found != *expected {
            wrong.push(format!("{id} in {file}: expected affected={expected}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn log4j_illustrative_versions_match_matches_tsv() {
    let kb = knowledge(&[]);
    let text = String::from_utf8(read("osv/MATCHES.tsv")).expect("utf-8");
    let mut checked = 0;
    for line in text
        .lines()
        .filter(|l| l.contains("log4j-core") && l.contains("illustrative versions"))
    {
        let f: Vec<&str> = line.split('\t').collect();
        let id = f[0];
        let list = f[3].split("(A = affected): ").nth(1).expect("version list");
        for item in list.split(", ") {
            let (version, mark) = item.split_once(':').expect("v:mark");
            let s = one_component_sbom(&format!(
                "pkg:maven/org.apache.logging.log4j/log4j-core@{version}"
            ));
            let e = kb.evaluate(&s);
            let found = e.findings.iter().any(|x| x.advisories.iter().any(|a| a == id));
            assert_eq!(found, mark == "A", "{id} at {version}");
            checked += 1;
        }
    }
    assert!(checked >= 24, "{checked}");
}

/// A knowledge base of the given (synthetic) OSV records only.
fn base_of(records: &[serde_json::Value]) -> supply::KnowledgeBase {
    let mut kb = supply::KnowledgeBase::new();
    for r in records {
        kb.extend(supply::advisory::parse(r.to_string().as_bytes()).expect("synthetic record"));
    }
    kb
}

pub(crate) fn one_component_sbom(purl: &str) -> supply::Sbom {
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"type": "application", "name": "test-product", "version": "1.0"}},
        "components": [{"type": "library", "name": "c", "version": purl.rsplit('@').next(), "purl": purl}]
    });
    supply::sbom::parse(doc.to_string().as_bytes()).expect("a test SBOM")
}

/// A KEV update re-attached with `refresh_kev` gives exactly what evaluating again gives.
#[test]
fn refreshing_kev_equals_evaluating_again() {
    let mut kb = knowledge(&[]);
    let s = one_component_sbom("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    let mut before = kb.evaluate(&s);
    assert!(before.findings.iter().all(|f| f.kev.is_none()));
    let kev: Vec<_> = crate::read_knowledge("kev/known_exploited_vulnerabilities.json")
        .into_iter()
        .filter_map(|k| {
            if let supply::Knowledge::Kev(k) = k {
                Some(k)
            } else {
                None
            }
        })
        .collect();
    let (added, removed) = kb.replace_kev(kev);
    assert!(added.contains(&"CVE-2021-44228".to_owned()) && removed.is_empty());
    kb.refresh_kev(&mut before);
    assert_eq!(before, kb.evaluate(&s));
    assert!(before.findings.iter().any(|f| f.kev.is_some()));
    kb.replace_kev(Vec::new());
    kb.refresh_kev(&mut before);
    assert!(before.findings.iter().all(|f| f.kev.is_none()));
}

#[test]
fn findings_carry_kev_status_and_the_cve_name() {
    let kb = knowledge(&["kev/known_exploited_vulnerabilities.json"]);
    let e = kb.evaluate(&one_component_sbom(
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    ));
    let f = e
        .findings
        .iter()
        .find(|f| f.vulnerability == "CVE-2021-44228")
        .expect("Log4Shell");
    assert!(f.advisories.contains(&"GHSA-jfh8-c2jp-5v3q".to_owned()));
    let kev = f.kev.as_ref().expect("in KEV");
    assert_eq!(
        (kev.date_added.as_str(), kev.due_date.as_str()),
        ("2021-12-10", "2021-12-24")
    );
    assert!(f.cvss.as_deref().is_some_and(|v| v.starts_with("CVSS:3")));
    assert!(f.fixed_in.contains(&"2.15.0".to_owned()));
    assert!(matches!(f.status, FindingStatus::Affected { .. }));
}

/// centos-7: the KEV catalogue names Bash (CVE-2014-6271) and OpenSSL (CVE-2014-0160), but KEV entries attach
/// to findings by CVE, never by product name, and no OSV ecosystem covers CentOS: both RPMs are reported as not
/// evaluated (no knowledge for the ecosystem), not as clean and not as KEV hits.
#[test]
fn centos_rpms_are_not_matched_by_kev_names_and_are_counted_as_not_evaluated() {
    let kb = knowledge(&["kev/known_exploited_vulnerabilities.json"]);
    let s = sbom("sbom/cyclonedx-1.5-centos-7.json");
    let e = kb.evaluate(&s);
    assert!(e.findings.is_empty(), "{:#?}", e.findings);
    let reasons: Vec<_> = e
        .not_evaluated
        .iter()
        .map(|n| (n.component_index, n.reason.clone()))
        .collect();
    let centos = Reason::NoKnowledgeForEcosystem {
        ecosystem: "CentOS".into(),
    };
    assert!(reasons.contains(&(0, centos.clone())), "{reasons:?}");
    assert!(reasons.contains(&(1, centos)), "{reasons:?}");
    assert!(reasons.contains(&(2, Reason::NoIdentifier)), "{reasons:?}");
    assert_eq!(e.evaluated, 0);
}

/// Backports: distribution records hold the distribution's own fixed build (RPM ordering, epoch from the purl
/// qualifier), so a backported build above it is not affected even though its upstream version is below the
/// upstream fix; a distribution record for a later build still matches. The records here are synthetic
/// (written for this test; no CentOS/Red Hat OSV record is shipped), the builds are the sample's.
#[test]
fn centos_backported_builds_are_judged_by_distribution_ranges() {
    let record = |id: &str, name: &str, fixed: &str| {
        serde_json::json!({"id": id, "modified": "2026-01-01T00:00:00Z", "aliases": [],
            "affected": [{"package": {"ecosystem": "CentOS", "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}]})
    };
    // The same fix expressed upstream (bash 4.3): a range-only matcher on upstream versions would flag 4.2.46.
    let upstream = serde_json::json!({"id": "SYNTH-UPSTREAM", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Bitnami", "name": "bash"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.3.0"}]}]}]});
    let kb = base_of(&[
        record("SYNTH-BASH-BACKPORT", "bash", "4.2.45-5.el7_0.2"),
        record("SYNTH-OPENSSL-OLD", "openssl-libs", "1:1.0.1e-34.el7"),
        record("SYNTH-OPENSSL-LATER", "openssl-libs", "1:1.0.2k-19.el7"),
        upstream,
    ]);
    let e = kb.evaluate(&sbom("sbom/cyclonedx-1.5-centos-7.json"));
    let ids: Vec<&str> = e
        .findings
        .iter()
        .flat_map(|f| f.advisories.iter().map(String::as_str))
        .collect();
    assert_eq!(ids, ["SYNTH-OPENSSL-LATER"], "{:#?}", e.findings);
    // Without the purl's epoch=1 the build would sort below 1:1.0.1e and be wrongly "affected" by the old record.
    assert_eq!(e.findings[0].component_index, Some(1));
    // Records naming the source package (Trivy's SrcName property: openssl-libs is built from openssl) match too.
    let kb = base_of(&[record("SYNTH-OPENSSL-SRC", "openssl", "1:1.0.2k-19.el7")]);
    let e = kb.evaluate(&sbom("sbom/cyclonedx-1.5-centos-7.json"));
    assert_eq!(e.findings.len(), 1);
    assert_eq!(
        (
            e.findings[0].component_index,
            e.findings[0].advisories[0].as_str()
        ),
        (Some(1), "SYNTH-OPENSSL-SRC")
    );
}

/// Debian advisories are per release and per source package: a binary package matches through its PURL's
/// `upstream` qualifier, only for the release its `distro` names; without a release it is counted, not guessed.
#[test]
fn debian_records_match_by_source_package_and_release() {
    let record = serde_json::json!({"id": "SYNTH-DEB-OPENSSL", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:11", "name": "openssl"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1n-0+deb11u4"}]}]}]});
    let kb = base_of(&[record]);
    let run = |purl: &str| kb.evaluate(&one_component_sbom(purl));
    let hit = run("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u3?upstream=openssl&distro=debian-11");
    assert_eq!(hit.findings.len(), 1, "{hit:#?}");
    assert!(
        run("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u4?upstream=openssl&distro=bullseye")
            .findings
            .is_empty()
    );
    assert!(
        run("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u3?upstream=openssl&distro=debian-12")
            .findings
            .is_empty()
    );
    let unknown = run("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u3?upstream=openssl");
    assert!(unknown.findings.is_empty());
    assert_eq!(
        unknown.not_evaluated[0].reason,
        Reason::ReleaseUnknown {
            ecosystem: "Debian".into()
        }
    );
}

/// Alpine: the apk release from the `distro` qualifier selects the `Alpine:vX.Y` ranges, apk ordering decides
/// (synthetic record; the SPDX sample's `pkg:alpine/openssl` uses a PURL type that does not exist and is counted as
/// an unknown ecosystem).
#[test]
fn alpine_records_match_by_release_with_apk_ordering() {
    let record = serde_json::json!({"id": "SYNTH-APK-OPENSSL", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Alpine:v3.16", "name": "openssl"},
                      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.5-r0"}]}]}]});
    let kb = base_of(&[record]);
    let run = |purl: &str| kb.evaluate(&one_component_sbom(purl));
    assert_eq!(
        run("pkg:apk/alpine/openssl@3.0.4-r0?distro=alpine-3.16.2")
            .findings
            .len(),
        1
    );
    assert_eq!(
        run("pkg:apk/alpine/openssl@3.0.5_rc1-r0?distro=3.16.2")
            .findings
            .len(),
        1
    );
    assert!(
        run("pkg:apk/alpine/openssl@3.0.5-r0?distro=3.16.2")
            .findings
            .is_empty()
    );
    assert!(
        run("pkg:apk/alpine/openssl@3.0.4-r0?distro=3.17.0")
            .findings
            .is_empty()
    );
    let e = run("pkg:alpine/openssl@3.0.4");
    assert_eq!(
        e.not_evaluated[0].reason,
        Reason::UnknownEcosystem {
            purl_type: "alpine".into()
        }
    );
}
