//! OSV records (schema 1.x): id, aliases, summary, severity (CVSS vectors), affected packages with ranges,
//! versions and (Bitnami) `database_specific.cpes`, `withdrawn`.

use serde_json::Value;

use super::{
    Advisory, AdvisoryError, Affected, Obj, as_object, err, opt_array, opt_str, order_aliases, req_str,
    str_items,
};
use crate::versions::{Event, Range, RangeKind};

pub(super) fn parse(obj: &Obj, path: &str) -> Result<Advisory, AdvisoryError> {
    let id = req_str(obj, "id", path)?;
    let mut cvss = severity(obj, path)?;
    let mut affected = Vec::new();
    for (i, a) in opt_array(obj, "affected", path)?.iter().enumerate() {
        let ap = format!("{path}.affected[{i}]");
        let a = as_object(a, &ap)?;
        let (ecosystem, name, purl) = match a.get("package") {
            None | Some(Value::Null) => (String::new(), String::new(), None),
            Some(p) => {
                let pp = format!("{ap}.package");
                let p = as_object(p, &pp)?;
                (
                    opt_str(p, "ecosystem", &pp)?.unwrap_or_default(),
                    opt_str(p, "name", &pp)?.unwrap_or_default(),
                    opt_str(p, "purl", &pp)?,
                )
            }
        };
        let mut ranges = Vec::new();
        for (j, r) in opt_array(a, "ranges", &ap)?.iter().enumerate() {
            let rp = format!("{ap}.ranges[{j}]");
            ranges.push(range(as_object(r, &rp)?, &rp)?);
        }
        let cpes = match a.get("database_specific").and_then(Value::as_object) {
            Some(ds) => str_items(ds, "cpes", &format!("{ap}.database_specific")).unwrap_or_default(),
            None => Vec::new(),
        };
        for v in severity(a, &ap)? {
            if !cvss.contains(&v) {
                cvss.push(v);
            }
        }
        affected.push(Affected {
            ecosystem,
            name,
            purl,
            ranges,
            versions: str_items(a, "versions", &ap)?,
            cpes,
        });
    }
    Ok(Advisory {
        aliases: order_aliases(str_items(obj, "aliases", path)?),
        summary: opt_str(obj, "summary", path)?
            .or(opt_str(obj, "details", path)?.map(|d| d.chars().take(300).collect())),
        withdrawn: opt_str(obj, "withdrawn", path)?.is_some(),
        id,
        affected,
        cvss,
    })
}

fn severity(obj: &Obj, path: &str) -> Result<Vec<String>, AdvisoryError> {
    let mut out = Vec::new();
    for (i, s) in opt_array(obj, "severity", path)?.iter().enumerate() {
        let sp = format!("{path}.severity[{i}]");
        let s = as_object(s, &sp)?;
        let ty = opt_str(s, "type", &sp)?.unwrap_or_default();
        if ty.starts_with("CVSS")
            && let Some(score) = opt_str(s, "score", &sp)?
        {
            out.push(score);
        }
    }
    Ok(out)
}

fn range(r: &Obj, path: &str) -> Result<Range, AdvisoryError> {
    let kind = match req_str(r, "type", path)?.as_str() {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        other => {
            return Err(err(
                format!("{path}.type"),
                format!("unknown range type {other:?}"),
            ));
        }
    };
    let mut events = Vec::new();
    for (i, e) in opt_array(r, "events", path)?.iter().enumerate() {
        let ep = format!("{path}.events[{i}]");
        let e = as_object(e, &ep)?;
        let event = if let Some(v) = opt_str(e, "introduced", &ep)? {
            Event::Introduced(v)
        } else if let Some(v) = opt_str(e, "fixed", &ep)? {
            Event::Fixed(v)
        } else if let Some(v) = opt_str(e, "last_affected", &ep)? {
            Event::LastAffected(v)
        } else if let Some(v) = opt_str(e, "limit", &ep)? {
            Event::Limit(v)
        } else {
            return Err(err(
                ep,
                "an event is one of introduced, fixed, last_affected, limit",
            ));
        };
        events.push(event);
    }
    Ok(Range { kind, events })
}
