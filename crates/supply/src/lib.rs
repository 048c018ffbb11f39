//! Supply-chain vulnerability knowledge as pure rules (issue 18): SBOM and advisory intake, version ordering
//! and OSV ranges, matching with VEX and KEV, and SSVC decisions. No I/O, no async: callers hand in bytes and
//! get values back.
//!
//! Public API:
//! - `sbom::parse(&[u8]) -> Result<Sbom, SbomError>`: CycloneDX 1.4–1.6 JSON or SPDX 2.3 JSON, detected from
//!   content. `Sbom { format, spec_version, name, version, subject, serial, components: Vec<Component>,
//!   diagnostics }`; `Component { name, version, purl, cpes, supplier, group, reference }`. Malformed input is
//!   an error naming the JSON path; unevaluable components get a diagnostic.
//! - `advisory::parse(&[u8]) -> Result<Vec<Knowledge>, AdvisoryError>`: OSV records, RustSec advisories, CSAF 2.0
//!   (incl. the VEX profile), CycloneDX VEX and the CISA KEV catalogue. `Knowledge::{Advisory, Vex, Kev}`.
//! - `KnowledgeBase::{new, add, extend, replace_kev}` and `KnowledgeBase::evaluate(&Sbom) -> Evaluation
//!   { findings: Vec<Finding>, not_evaluated: Vec<NotEvaluated>, evaluated, components }`; each `Finding` has
//!   the component, vulnerability (CVE when known), aliases, advisories, `FindingStatus` (`Affected { action }`,
//!   `NotAffected { justification, detail }`, `Fixed`, `UnderInvestigation`), KEV entry and CVSS vector.
//! - `versions::{Scheme, Version, Range, CompiledRange}`: ordering for npm/crates.io/Go/Bitnami (SemVer), PyPI
//!   (PEP 440), Maven, Composer, RPM, Debian and Alpine; OSV range evaluation; `versions::vers::contains` for product
//!   version ranges.
//! - `ssvc::{decide, decide_finding, Table, Inputs, Sourced, Decision, derive_exploitation, derive_automatable,
//!   derive_technical_impact, derive_mission}`: the CISA Coordinator table loaded from its CSV.
//! - `purl::Purl`: package URLs and their OSV ecosystem.
//!
//! Invariants:
//! - Never a silent "not vulnerable": every component is either evaluated against every advisory naming its
//!   package, or listed in `Evaluation::not_evaluated` with a `Reason`.
//! - A `not_affected` statement suppresses a finding without removing it: the finding stays, with the
//!   justification.
//! - SSVC outcomes come from the table data, never from code.
//!
//! Boundary: pure; depends on `serde`, `serde_json`, `toml` (RustSec headers), `foldhash` and `thiserror` only.

pub mod advisory;
pub mod index;
pub mod purl;
pub mod sbom;
pub mod ssvc;
mod statement;
pub mod versions;

pub use crate::advisory::{Advisory, Affected, Kev, Knowledge, Product, VexStatement, VexStatus};
pub use crate::index::{Evaluation, Finding, FindingStatus, KnowledgeBase, NotEvaluated, Reason};
pub use crate::sbom::{Component, Sbom};
