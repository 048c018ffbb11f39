//! Integration tests of the `supply` crate: the reference samples behave as their documents say (`samples`,
//! `vex`), bad input is refused or counted (`bad_input`), version ordering properties (`props`), and the
//! differential tests against `univers`, `cyclonedx-python-lib`, `spdx-tools` and `ssvc` (`oracle`, run when
//! `STIXHUB_ORACLE_PYTHON` is set).
//!
//! Reference data: `$STIXHUB_REFERENCE`, else `../shared/reference` beside the repository.

mod bad_input;
mod hostile;
mod oracle;
mod props;
mod samples;
mod vex;

use std::path::PathBuf;

use supply::advisory;
use supply::{KnowledgeBase, Sbom};

pub(crate) fn reference() -> PathBuf {
    std::env::var_os("STIXHUB_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"))
}

pub(crate) fn read(rel: &str) -> Vec<u8> {
    let path = reference().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn sbom(rel: &str) -> Sbom {
    supply::sbom::parse(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every shipped OSV JSON record (ghsa/ and bitnami/), sorted by file name.
pub(crate) fn osv_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["osv/ghsa", "osv/bitnami"] {
        for e in std::fs::read_dir(reference().join(dir)).expect("the shipped OSV records") {
            let p = e.expect("dir entry").path();
            if p.extension().is_some_and(|x| x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Every shipped RustSec advisory (`osv/rustsec/crates/*/*.md`), sorted.
pub(crate) fn rustsec_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for krate in
        std::fs::read_dir(reference().join("osv/rustsec/crates")).expect("the shipped RustSec advisories")
    {
        for e in std::fs::read_dir(krate.expect("dir entry").path()).expect("crate dir") {
            let p = e.expect("dir entry").path();
            if p.extension().is_some_and(|x| x == "md") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// A knowledge base of the shipped OSV and RustSec records, plus the named documents.
pub(crate) fn knowledge(extra: &[&str]) -> KnowledgeBase {
    let mut kb = KnowledgeBase::new();
    for f in osv_files().into_iter().chain(rustsec_files()) {
        kb.extend(
            advisory::parse(&std::fs::read(&f).expect("read")).unwrap_or_else(|e| panic!("{f:?}: {e}")),
        );
    }
    for rel in extra {
        kb.extend(advisory::parse(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")));
    }
    kb
}

pub(crate) fn read_knowledge(rel: &str) -> Vec<supply::Knowledge> {
    advisory::parse(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}
