//! CycloneDX JSON: `metadata.component` is the subject; `components` (nested `components` flattened) are the
//! components; `name` is required, `purl`, `cpe`, `version`, `group`, `supplier.name`, `bom-ref` are read.

use serde_json::{Map, Value};

use super::{Component, Diagnostic, Format, Sbom, SbomError, as_object, err, opt_array, opt_str};

/// Deepest nesting of `components` read (the JSON parser bounds depth too; this keeps the walk iterative-safe).
const MAX_DEPTH: usize = 32;

pub(super) fn parse(obj: &Map<String, Value>) -> Result<Sbom, SbomError> {
    if obj.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(err("$.bomFormat", "must be \"CycloneDX\""));
    }
    let spec = opt_str(obj, "specVersion", "$")?.ok_or_else(|| err("$.specVersion", "required"))?;
    let mut diagnostics = Vec::new();
    match spec.as_str() {
        "1.4" | "1.5" | "1.6" => {}
        "1.2" | "1.3" => diagnostics.push(Diagnostic {
            path: "$.specVersion".into(),
            component: None,
            message: format!("CycloneDX {spec} is older than 1.4; read with the 1.4 rules"),
        }),
        other => {
            return Err(err(
                "$.specVersion",
                format!("CycloneDX {other} is not supported (1.4–1.6)"),
            ));
        }
    }
    let serial = opt_str(obj, "serialNumber", "$")?;
    let subject = match obj.get("metadata") {
        None | Some(Value::Null) => None,
        Some(m) => {
            let m = as_object(m, "$.metadata")?;
            match m.get("component") {
                None | Some(Value::Null) => None,
                Some(c) => Some(component(
                    as_object(c, "$.metadata.component")?,
                    "$.metadata.component",
                )?),
            }
        }
    };
    let mut components = Vec::new();
    walk(obj, "$", 0, &mut components)?;
    Ok(Sbom {
        format: Format::CycloneDx,
        spec_version: spec,
        name: subject.as_ref().map(|s| s.name.clone()),
        version: subject.as_ref().and_then(|s| s.version.clone()),
        subject,
        serial,
        components,
        diagnostics,
    })
}

fn walk(
    obj: &Map<String, Value>,
    path: &str,
    depth: usize,
    out: &mut Vec<Component>,
) -> Result<(), SbomError> {
    if depth > MAX_DEPTH {
        return Err(err(path, "components nested deeper than 32 levels"));
    }
    for (i, c) in opt_array(obj, "components", path)?.iter().enumerate() {
        let p = format!("{path}.components[{i}]");
        let c = as_object(c, &p)?;
        if out.len() >= super::MAX_COMPONENTS {
            return Err(err(p, "more than 1,000,000 components"));
        }
        out.push(component(c, &p)?);
        walk(c, &p, depth + 1, out)?;
    }
    Ok(())
}

fn component(c: &Map<String, Value>, path: &str) -> Result<Component, SbomError> {
    let name = opt_str(c, "name", path)?.ok_or_else(|| err(format!("{path}.name"), "required"))?;
    let supplier = match c.get("supplier") {
        None | Some(Value::Null) => None,
        Some(s) => opt_str(
            as_object(s, &format!("{path}.supplier"))?,
            "name",
            &format!("{path}.supplier"),
        )?,
    };
    let mut source = None;
    for (i, p) in opt_array(c, "properties", path)?.iter().enumerate() {
        let pp = format!("{path}.properties[{i}]");
        let p = as_object(p, &pp)?;
        if opt_str(p, "name", &pp)?.as_deref() == Some("aquasecurity:trivy:SrcName") {
            source = opt_str(p, "value", &pp)?.filter(|v| !v.is_empty());
        }
    }
    Ok(Component {
        source,
        name,
        version: opt_str(c, "version", path)?.filter(|v| !v.is_empty()),
        purl: opt_str(c, "purl", path)?.filter(|v| !v.is_empty()),
        cpes: opt_str(c, "cpe", path)?
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect(),
        supplier,
        group: opt_str(c, "group", path)?.filter(|v| !v.is_empty()),
        reference: opt_str(c, "bom-ref", path)?,
    })
}
