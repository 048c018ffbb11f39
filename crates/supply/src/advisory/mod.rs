//! Vulnerability knowledge intake, detected from content: OSV records (one object or an array), RustSec
//! advisories (TOML front matter, turned into OSV SEMVER ranges), CSAF 2.0
//! documents (every profile; product statuses become statements, the VEX profile's flags, threats and
//! remediations their justification and action), CycloneDX VEX (a BOM with `vulnerabilities`) and the CISA KEV
//! catalogue. Malformed documents are an error naming the JSON path.

mod cdx_vex;
mod csaf;
mod kev;
mod osv;
mod rustsec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::versions::Range;

/// One piece of knowledge a document contributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Knowledge {
    Advisory(Advisory),
    Vex(VexStatement),
    Kev(Kev),
}

/// An advisory with affected packages and version ranges (OSV), or the vulnerability facts of a CSAF document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    /// Other ids of the same vulnerability (CVE ids first, then others as written).
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub affected: Vec<Affected>,
    /// CVSS vectors as written (`CVSS:3.1/AV:N/…`).
    pub cvss: Vec<String>,
    /// OSV `withdrawn`: the advisory no longer stands and produces no findings.
    pub withdrawn: bool,
}

impl Advisory {
    /// The CVE ids among the id and aliases.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .filter(|a| is_cve(a))
    }
}

/// One affected package of an advisory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// OSV ecosystem as written (`Maven`, `Debian:12`).
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
    /// CPEs the record names for the package (Bitnami's `database_specific.cpes`).
    pub cpes: Vec<String>,
}

/// A product's status for one vulnerability, from its supplier (VEX, CSAF).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    Affected,
    NotAffected,
    Fixed,
    UnderInvestigation,
}

/// Which product a statement is about. Matching: by PURL (package and version), by CPE, by SBOM subject name
/// (and vendor) with `version` equal or inside `version_range`, or by `bom_ref` within the SBOM the statement
/// names (BOM-Link serials are recorded, not required: see docs/supply-chain.md).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub purl: Option<String>,
    pub cpe: Option<String>,
    pub vendor: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    /// A version range such as `<=1.14.0` or `vers:generic/>=2.0|<2.1` (CSAF `product_version_range`).
    pub version_range: Option<String>,
    pub bom_ref: Option<String>,
    /// The BOM-Link serial (`urn:cdx:SERIAL/VERSION#ref`) when the statement names one.
    pub bom_serial: Option<String>,
}

/// One VEX statement: `vulnerability` has `status` in `product`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VexStatement {
    pub vulnerability: String,
    pub aliases: Vec<String>,
    pub product: Product,
    pub status: VexStatus,
    /// Why not affected (`component_not_present`, `code_not_reachable`…), as written.
    pub justification: Option<String>,
    /// Impact statement or analysis detail.
    pub detail: Option<String>,
    /// What to do (CycloneDX `response` + detail, CSAF remediations).
    pub action: Option<String>,
    /// The document it came from (CSAF tracking id, CycloneDX serial).
    pub source: String,
}

/// A CISA KEV catalogue entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kev {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: String,
    pub due_date: String,
    pub known_ransomware: bool,
    pub required_action: String,
    pub catalog_version: String,
}

/// Why a document is not readable knowledge.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{path}: {message}")]
pub struct AdvisoryError {
    pub path: String,
    pub message: String,
}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> AdvisoryError {
    AdvisoryError {
        path: path.into(),
        message: message.into(),
    }
}

pub fn is_cve(id: &str) -> bool {
    id.len() > 8 && id[..4].eq_ignore_ascii_case("CVE-")
}

/// Parses one knowledge document.
pub fn parse(bytes: &[u8]) -> Result<Vec<Knowledge>, AdvisoryError> {
    if let Some(toml_text) = std::str::from_utf8(bytes).ok().and_then(rustsec::front_matter) {
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        return Ok(vec![Knowledge::Advisory(rustsec::parse(text, toml_text)?)]);
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| err("$", format!("not JSON: {e}")))?;
    match &doc {
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let path = format!("$[{i}]");
                let obj = item
                    .as_object()
                    .ok_or_else(|| err(&path, "an OSV record is an object"))?;
                out.push(Knowledge::Advisory(osv::parse(obj, &path)?));
            }
            Ok(out)
        }
        Value::Object(obj) => {
            if obj
                .get("document")
                .is_some_and(|d| d.get("csaf_version").is_some())
            {
                csaf::parse(obj)
            } else if obj.get("bomFormat").is_some() {
                cdx_vex::parse(obj)
            } else if obj.get("catalogVersion").is_some() && obj.get("vulnerabilities").is_some() {
                kev::parse(obj)
            } else if obj.get("id").is_some()
                && (obj.get("affected").is_some() || obj.get("modified").is_some())
            {
                Ok(vec![Knowledge::Advisory(osv::parse(obj, "$")?)])
            } else {
                Err(err(
                    "$",
                    "not an OSV record, CSAF document, CycloneDX VEX or KEV catalogue",
                ))
            }
        }
        _ => Err(err(
            "$",
            "a knowledge document is a JSON object or an array of OSV records",
        )),
    }
}

type Obj = serde_json::Map<String, Value>;

pub(crate) fn opt_str(obj: &Obj, key: &str, path: &str) -> Result<Option<String>, AdvisoryError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(format!("{path}.{key}"), "must be a string")),
    }
}

pub(crate) fn req_str(obj: &Obj, key: &str, path: &str) -> Result<String, AdvisoryError> {
    opt_str(obj, key, path)?.ok_or_else(|| err(format!("{path}.{key}"), "required"))
}

pub(crate) fn opt_array<'a>(obj: &'a Obj, key: &str, path: &str) -> Result<&'a [Value], AdvisoryError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(format!("{path}.{key}"), "must be an array")),
    }
}

pub(crate) fn as_object<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, AdvisoryError> {
    v.as_object().ok_or_else(|| err(path, "must be an object"))
}

pub(crate) fn str_items(obj: &Obj, key: &str, path: &str) -> Result<Vec<String>, AdvisoryError> {
    opt_array(obj, key, path)?
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| err(format!("{path}.{key}[{i}]"), "must be a string"))
        })
        .collect()
}

/// CVE ids first (the id findings are named by), then the rest, without duplicates.
pub(crate) fn order_aliases(mut aliases: Vec<String>) -> Vec<String> {
    aliases.sort_by_key(|a| !is_cve(a));
    let mut seen = std::collections::HashSet::new();
    aliases.retain(|a| seen.insert(a.clone()));
    aliases
}
