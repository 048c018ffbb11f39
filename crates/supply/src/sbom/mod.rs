//! SBOM intake: CycloneDX (1.2–1.6 JSON; 1.4–1.6 are the supported versions, older ones are read with a
//! diagnostic) and SPDX 2.3 JSON (2.2 read with a diagnostic), detected from content. Malformed documents are an
//! error naming the JSON path; components that are readable but cannot be evaluated (no PURL/CPE, an invalid
//! PURL, no version) are kept and each gets a diagnostic, so nothing is dropped silently.

mod cyclonedx;
mod spdx;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which SBOM standard a document is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    CycloneDx,
    Spdx,
}

/// One software component as the SBOM lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub version: Option<String>,
    /// The PURL as written (check `diagnostics` for one that does not parse).
    pub purl: Option<String>,
    pub cpes: Vec<String>,
    pub supplier: Option<String>,
    /// CycloneDX `group` (Maven group id, Composer vendor…).
    pub group: Option<String>,
    /// CycloneDX `bom-ref` or SPDX `SPDXID`.
    pub reference: Option<String>,
    /// The source package a distribution package was built from (Debian advisories are per source package),
    /// from the SBOM tool's property (`aquasecurity:trivy:SrcName`); the PURL's `upstream` qualifier is read at
    /// matching time.
    pub source: Option<String>,
}

impl Component {
    /// How findings name this component: its PURL, else its first CPE, else `name@version`.
    pub fn label(&self) -> String {
        if let Some(p) = &self.purl {
            return p.clone();
        }
        if let Some(c) = self.cpes.first() {
            return c.clone();
        }
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Something worth telling the submitter about one part of a readable document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// JSON path of the part (`$.components[3].purl`).
    pub path: String,
    /// Index into `Sbom::components` when the diagnostic is about one component.
    pub component: Option<usize>,
    pub message: String,
}

/// A parsed SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    pub format: Format,
    /// `specVersion` (CycloneDX) or `spdxVersion` (SPDX) as written.
    pub spec_version: String,
    /// The product the SBOM describes (CycloneDX `metadata.component`, SPDX described package), else the
    /// document name.
    pub name: Option<String>,
    pub version: Option<String>,
    /// The described product as a component, when the document names one (VEX statements about the product
    /// are matched against it).
    pub subject: Option<Component>,
    /// CycloneDX `serialNumber` or SPDX `documentNamespace`.
    pub serial: Option<String>,
    /// Every component, nested ones flattened in document order (SPDX: every package, the described one too).
    pub components: Vec<Component>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a document is not a readable SBOM.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{path}: {message}")]
pub struct SbomError {
    pub path: String,
    pub message: String,
}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> SbomError {
    SbomError {
        path: path.into(),
        message: message.into(),
    }
}

/// Most components a document may hold: bounds memory on hostile input.
pub const MAX_COMPONENTS: usize = 1_000_000;

/// Parses a CycloneDX or SPDX JSON document.
pub fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| err("$", format!("not JSON: {e}")))?;
    let Value::Object(obj) = &doc else {
        return Err(err("$", "an SBOM is a JSON object"));
    };
    let mut sbom = if obj.get("bomFormat").is_some() {
        cyclonedx::parse(obj)?
    } else if obj.get("spdxVersion").is_some() {
        spdx::parse(obj)?
    } else {
        return Err(err("$", "neither CycloneDX (bomFormat) nor SPDX (spdxVersion)"));
    };
    check_components(&mut sbom);
    Ok(sbom)
}

/// Diagnostics for components that matching will not be able to evaluate.
fn check_components(sbom: &mut Sbom) {
    for (i, c) in sbom.components.iter().enumerate() {
        let path = format!("$.components[{i}]");
        match &c.purl {
            Some(p) => {
                if let Err(e) = crate::purl::Purl::parse(p) {
                    sbom.diagnostics.push(Diagnostic {
                        path: format!("{path}.purl"),
                        component: Some(i),
                        message: e.to_string(),
                    });
                }
            }
            None if c.cpes.is_empty() => sbom.diagnostics.push(Diagnostic {
                path: path.clone(),
                component: Some(i),
                message: format!(
                    "component {:?} has neither a PURL nor a CPE: it cannot be matched",
                    c.name
                ),
            }),
            None => {}
        }
        if c.version.is_none() {
            sbom.diagnostics.push(Diagnostic {
                path,
                component: Some(i),
                message: format!(
                    "component {:?} has no version: version ranges cannot be evaluated",
                    c.name
                ),
            });
        }
    }
}

/// A string member, or an error naming it when present with another type.
pub(crate) fn opt_str(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, SbomError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(err(format!("{path}.{key}"), "must be a string")),
    }
}

/// An array member (absent = empty), or an error naming it.
pub(crate) fn opt_array<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a [Value], SbomError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(format!("{path}.{key}"), "must be an array")),
    }
}

pub(crate) fn as_object<'a>(
    v: &'a Value,
    path: &str,
) -> Result<&'a serde_json::Map<String, Value>, SbomError> {
    v.as_object().ok_or_else(|| err(path, "must be an object"))
}
