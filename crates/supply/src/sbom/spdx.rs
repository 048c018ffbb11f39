//! SPDX 2.3 JSON: every `packages[]` entry is a component (`name` required; `versionInfo`, `supplier`,
//! `externalRefs` of type `purl`, `cpe22Type`, `cpe23Type`); the package the document describes
//! (`documentDescribes`, or a `DESCRIBES` relationship from the document) is the subject.

use serde_json::{Map, Value};

use super::{Component, Diagnostic, Format, Sbom, SbomError, as_object, err, opt_array, opt_str};

pub(super) fn parse(obj: &Map<String, Value>) -> Result<Sbom, SbomError> {
    let spec = opt_str(obj, "spdxVersion", "$")?.unwrap_or_default();
    let mut diagnostics = Vec::new();
    match spec.as_str() {
        "SPDX-2.3" => {}
        "SPDX-2.2" => diagnostics.push(Diagnostic {
            path: "$.spdxVersion".into(),
            component: None,
            message: "SPDX-2.2 read with the 2.3 rules".into(),
        }),
        other => {
            return Err(err(
                "$.spdxVersion",
                format!("{other:?} is not supported (SPDX-2.3)"),
            ));
        }
    }
    // SPDX 2.3 §6.9: `created` is YYYY-MM-DDThh:mm:ssZ. Other spellings are read, and said.
    if let Some(created) = obj
        .get("creationInfo")
        .and_then(|c| c.get("created"))
        .and_then(Value::as_str)
        && !is_spdx_timestamp(created)
    {
        diagnostics.push(Diagnostic {
            path: "$.creationInfo.created".into(),
            component: None,
            message: format!("{created:?} is not YYYY-MM-DDThh:mm:ssZ (SPDX 2.3 §6.9)"),
        });
    }
    let mut components = Vec::new();
    for (i, p) in opt_array(obj, "packages", "$")?.iter().enumerate() {
        let path = format!("$.packages[{i}]");
        if components.len() >= super::MAX_COMPONENTS {
            return Err(err(path, "more than 1,000,000 packages"));
        }
        components.push(package(as_object(p, &path)?, &path)?);
    }
    let mut described: Vec<String> = Vec::new();
    for (i, d) in opt_array(obj, "documentDescribes", "$")?.iter().enumerate() {
        described.push(
            d.as_str()
                .ok_or_else(|| err(format!("$.documentDescribes[{i}]"), "must be a string"))?
                .into(),
        );
    }
    let doc_id = opt_str(obj, "SPDXID", "$")?.unwrap_or_else(|| "SPDXRef-DOCUMENT".into());
    for (i, r) in opt_array(obj, "relationships", "$")?.iter().enumerate() {
        let path = format!("$.relationships[{i}]");
        let r = as_object(r, &path)?;
        let ty = opt_str(r, "relationshipType", &path)?;
        if ty.as_deref() == Some("DESCRIBES")
            && opt_str(r, "spdxElementId", &path)?.as_deref() == Some(doc_id.as_str())
            && let Some(target) = opt_str(r, "relatedSpdxElement", &path)?
            && !described.contains(&target)
        {
            described.push(target);
        }
    }
    // One described package is the subject; several (a package and a file, say) leave the first package.
    let subject = described
        .iter()
        .find_map(|id| {
            components
                .iter()
                .find(|c| c.reference.as_deref() == Some(id.as_str()))
        })
        .cloned();
    let name = subject
        .as_ref()
        .map(|s| s.name.clone())
        .or(opt_str(obj, "name", "$")?);
    Ok(Sbom {
        format: Format::Spdx,
        spec_version: spec,
        name,
        version: subject.as_ref().and_then(|s| s.version.clone()),
        subject,
        serial: opt_str(obj, "documentNamespace", "$")?,
        components,
        diagnostics,
    })
}

fn package(p: &Map<String, Value>, path: &str) -> Result<Component, SbomError> {
    let name = opt_str(p, "name", path)?.ok_or_else(|| err(format!("{path}.name"), "required"))?;
    let mut purl = None;
    let mut cpes = Vec::new();
    for (i, r) in opt_array(p, "externalRefs", path)?.iter().enumerate() {
        let rp = format!("{path}.externalRefs[{i}]");
        let r = as_object(r, &rp)?;
        let ty = opt_str(r, "referenceType", &rp)?
            .ok_or_else(|| err(format!("{rp}.referenceType"), "required"))?;
        let locator = opt_str(r, "referenceLocator", &rp)?
            .ok_or_else(|| err(format!("{rp}.referenceLocator"), "required"))?;
        match ty.as_str() {
            "purl" if purl.is_none() => purl = Some(locator),
            "cpe22Type" | "cpe23Type" => cpes.push(locator),
            _ => {}
        }
    }
    let absent = |v: Option<String>| v.filter(|s| !s.is_empty() && s != "NOASSERTION" && s != "NONE");
    let supplier = absent(opt_str(p, "supplier", path)?).map(|s| {
        s.strip_prefix("Organization:")
            .or_else(|| s.strip_prefix("Person:"))
            .unwrap_or(&s)
            .trim()
            .to_owned()
    });
    Ok(Component {
        name,
        version: absent(opt_str(p, "versionInfo", path)?),
        purl,
        cpes,
        supplier,
        group: None,
        reference: opt_str(p, "SPDXID", path)?,
        source: None,
    })
}

fn is_spdx_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}
