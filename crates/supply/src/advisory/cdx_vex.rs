//! CycloneDX VEX: `vulnerabilities[]` with `analysis.state` (exploitable → affected, in_triage → under
//! investigation, resolved / resolved_with_pedigree → fixed, not_affected / false_positive → not affected),
//! `justification`, `response` and `detail`, `ratings[].vector`, and `affects[].ref`: a `bom-ref` in this
//! document (its component's identity is used) or a BOM-Link `urn:cdx:SERIAL/VERSION#REF` whose fragment is
//! taken as a PURL when it parses as one.

use std::collections::HashMap;

use serde_json::Value;

use super::{
    Advisory, AdvisoryError, Knowledge, Obj, Product, VexStatement, VexStatus, as_object, err, opt_array,
    opt_str, order_aliases,
};
use crate::purl::Purl;

pub(super) fn parse(obj: &Obj) -> Result<Vec<Knowledge>, AdvisoryError> {
    if obj.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(err("$.bomFormat", "must be \"CycloneDX\""));
    }
    let source = opt_str(obj, "serialNumber", "$")?.unwrap_or_else(|| "CycloneDX VEX".into());
    let mut refs: HashMap<String, Product> = HashMap::new();
    let mut stack: Vec<(&Obj, String)> = Vec::new();
    if let Some(c) = obj
        .get("metadata")
        .and_then(|m| m.get("component"))
        .and_then(Value::as_object)
    {
        stack.push((c, "$.metadata.component".into()));
    }
    for (i, c) in opt_array(obj, "components", "$")?.iter().enumerate() {
        let p = format!("$.components[{i}]");
        stack.push((as_object(c, &p)?, p));
    }
    while let Some((c, path)) = stack.pop() {
        if let Some(r) = opt_str(c, "bom-ref", &path)? {
            refs.insert(
                r.clone(),
                Product {
                    purl: opt_str(c, "purl", &path)?,
                    cpe: opt_str(c, "cpe", &path)?,
                    name: opt_str(c, "name", &path)?,
                    version: opt_str(c, "version", &path)?,
                    bom_ref: Some(r),
                    ..Product::default()
                },
            );
        }
        for (i, child) in opt_array(c, "components", &path)?.iter().enumerate() {
            let p = format!("{path}.components[{i}]");
            stack.push((as_object(child, &p)?, p));
        }
    }
    let mut out = Vec::new();
    for (i, v) in opt_array(obj, "vulnerabilities", "$")?.iter().enumerate() {
        let path = format!("$.vulnerabilities[{i}]");
        let v = as_object(v, &path)?;
        let id = opt_str(v, "id", &path)?.ok_or_else(|| err(format!("{path}.id"), "required"))?;
        let mut ids = vec![id];
        for (j, r) in opt_array(v, "references", &path)?.iter().enumerate() {
            let rp = format!("{path}.references[{j}]");
            if let Some(rid) = opt_str(as_object(r, &rp)?, "id", &rp)? {
                ids.push(rid);
            }
        }
        let ids = order_aliases(ids);
        let vuln = ids[0].clone();
        let aliases = ids[1..].to_vec();
        let mut cvss = Vec::new();
        for (j, r) in opt_array(v, "ratings", &path)?.iter().enumerate() {
            let rp = format!("{path}.ratings[{j}]");
            let r = as_object(r, &rp)?;
            let method = opt_str(r, "method", &rp)?.unwrap_or_default();
            if let Some(vector) = opt_str(r, "vector", &rp)? {
                let vector = match method.as_str() {
                    "CVSSv31" if !vector.starts_with("CVSS:") => format!("CVSS:3.1/{vector}"),
                    "CVSSv3" if !vector.starts_with("CVSS:") => format!("CVSS:3.0/{vector}"),
                    "CVSSv4" if !vector.starts_with("CVSS:") => format!("CVSS:4.0/{vector}"),
                    _ => vector,
                };
                if method.starts_with("CVSS") && !cvss.contains(&vector) {
                    cvss.push(vector);
                }
            }
        }
        out.push(Knowledge::Advisory(Advisory {
            id: vuln.clone(),
            aliases: aliases.clone(),
            summary: opt_str(v, "description", &path)?.map(|d| d.chars().take(300).collect()),
            affected: Vec::new(),
            cvss,
            withdrawn: false,
        }));
        let Some(analysis) = v.get("analysis") else {
            continue;
        };
        let ap = format!("{path}.analysis");
        let analysis = as_object(analysis, &ap)?;
        let Some(state) = opt_str(analysis, "state", &ap)? else {
            continue;
        };
        let status = match state.as_str() {
            "exploitable" => VexStatus::Affected,
            "in_triage" => VexStatus::UnderInvestigation,
            "resolved" | "resolved_with_pedigree" => VexStatus::Fixed,
            "not_affected" | "false_positive" => VexStatus::NotAffected,
            other => {
                return Err(err(
                    format!("{ap}.state"),
                    format!("unknown analysis state {other:?}"),
                ));
            }
        };
        let responses: Vec<String> = opt_array(analysis, "response", &ap)?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        let detail = opt_str(analysis, "detail", &ap)?;
        let action = match (responses.is_empty(), status) {
            (false, _) => Some(format!(
                "{}{}",
                responses.join(", "),
                detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            )),
            (true, VexStatus::Affected) => detail.clone(),
            _ => None,
        };
        let justification = opt_str(analysis, "justification", &ap)?
            .or_else(|| (state == "false_positive").then(|| "false_positive".to_owned()));
        for (j, a) in opt_array(v, "affects", &path)?.iter().enumerate() {
            let afp = format!("{path}.affects[{j}]");
            let r = opt_str(as_object(a, &afp)?, "ref", &afp)?
                .ok_or_else(|| err(format!("{afp}.ref"), "required"))?;
            out.push(Knowledge::Vex(VexStatement {
                vulnerability: vuln.clone(),
                aliases: aliases.clone(),
                product: product_of(&r, &refs),
                status,
                justification: justification.clone(),
                detail: detail.clone(),
                action: action.clone(),
                source: source.clone(),
            }));
        }
    }
    Ok(out)
}

/// The product a `ref` names: a component of this document, or a BOM-Link into another BOM.
fn product_of(r: &str, refs: &HashMap<String, Product>) -> Product {
    if let Some(p) = refs.get(r) {
        return p.clone();
    }
    if let Some(link) = r.strip_prefix("urn:cdx:") {
        let (serial, fragment) = match link.split_once('#') {
            Some((s, f)) => (s, Some(f)),
            None => (link, None),
        };
        let serial = serial.split('/').next().map(|s| format!("urn:uuid:{s}"));
        let fragment = fragment.map(crate::purl::percent_decode_lossy);
        let purl = fragment
            .as_deref()
            .filter(|f| Purl::parse(f).is_ok())
            .map(str::to_owned);
        return Product {
            purl,
            bom_ref: fragment,
            bom_serial: serial,
            ..Product::default()
        };
    }
    Product {
        bom_ref: Some(r.to_owned()),
        ..Product::default()
    }
}
