//! RustSec advisories (`rustsec/advisory-db`: a TOML front matter in a ```` ```toml ```` block, then Markdown).
//! `[versions] patched` and `unaffected` are Cargo version requirements; a version is affected unless one of them
//! matches. That is turned into OSV `SEMVER` events: every requirement becomes an interval (a bare version or
//! `^` is a caret range, `~` a tilde range, partial versions widen as Cargo widens them), the intervals are merged,
//! and the gaps between them are the affected ranges. `[affected] os`/`arch` and `informational` are kept in the
//! summary (they narrow who is affected, which an SBOM does not say).

use crate::versions::{Event, Range, RangeKind, Scheme, Version};

use super::{Advisory, AdvisoryError, Affected, err, order_aliases};

/// The TOML front matter of a RustSec file, if the text is one.
pub(super) fn front_matter(text: &str) -> Option<&str> {
    let rest = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .strip_prefix("```toml")?;
    let end = rest.find("\n```")?;
    Some(&rest[..end])
}

pub(super) fn parse(text: &str, toml_text: &str) -> Result<Advisory, AdvisoryError> {
    let doc: toml::Table =
        toml::from_str(toml_text).map_err(|e| err("$", format!("not a RustSec TOML header: {e}")))?;
    let table = |key: &str| doc.get(key).and_then(toml::Value::as_table);
    let adv = table("advisory").ok_or_else(|| err("$.advisory", "required"))?;
    let s = |t: &toml::Table, key: &str| t.get(key).and_then(toml::Value::as_str).map(str::to_owned);
    let list = |t: Option<&toml::Table>, key: &str, path: &str| -> Result<Vec<String>, AdvisoryError> {
        match t.and_then(|t| t.get(key)) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| err(format!("{path}.{key}[{i}]"), "must be a string"))
                })
                .collect(),
            Some(_) => Err(err(format!("{path}.{key}"), "must be an array")),
        }
    };
    let id = s(adv, "id").ok_or_else(|| err("$.advisory.id", "required"))?;
    let package = s(adv, "package").ok_or_else(|| err("$.advisory.package", "required"))?;
    let mut unaffected = Vec::new();
    for (key, reqs) in [
        ("patched", list(table("versions"), "patched", "$.versions")?),
        ("unaffected", list(table("versions"), "unaffected", "$.versions")?),
    ] {
        for (i, r) in reqs.iter().enumerate() {
            unaffected.push(interval(r).ok_or_else(|| {
                err(
                    format!("$.versions.{key}[{i}]"),
                    format!("not a Cargo version requirement: {r:?}"),
                )
            })?);
        }
    }
    let mut notes = Vec::new();
    if let Some(kind) = s(adv, "informational") {
        notes.push(format!("informational: {kind}"));
    }
    for key in ["os", "arch"] {
        let only = list(table("affected"), key, "$.affected")?;
        if !only.is_empty() {
            notes.push(format!("only {key} {}", only.join(", ")));
        }
    }
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(str::trim)
        .map(str::to_owned);
    let summary = match (title, notes.is_empty()) {
        (Some(t), true) => Some(t),
        (Some(t), false) => Some(format!("{t} ({})", notes.join("; "))),
        (None, false) => Some(notes.join("; ")),
        (None, true) => None,
    };
    Ok(Advisory {
        id,
        aliases: order_aliases(list(Some(adv), "aliases", "$.advisory")?),
        summary,
        affected: vec![Affected {
            ecosystem: "crates.io".into(),
            name: package,
            purl: None,
            ranges: vec![Range {
                kind: RangeKind::Semver,
                events: affected_events(unaffected),
            }],
            versions: Vec::new(),
            cpes: Vec::new(),
        }],
        cvss: s(adv, "cvss").into_iter().collect(),
        withdrawn: s(adv, "withdrawn").is_some(),
    })
}

/// `[lower, upper)` as SemVer texts; `None` = unbounded.
type Interval = (Option<String>, Option<String>);

/// The gaps between the unaffected intervals, as OSV events (`introduced` at the start of each gap, `fixed` at
/// its end; nothing unaffected → everything affected).
fn affected_events(unaffected: Vec<Interval>) -> Vec<Event> {
    let v = |t: &Option<String>| t.as_deref().and_then(|t| Version::parse(Scheme::Semver, t).ok());
    let mut bounds: Vec<(Option<Version>, Option<Version>, Interval)> = unaffected
        .into_iter()
        .map(|i| (v(&i.0), v(&i.1), i))
        // Empty intervals (lower at or above upper) exclude nothing.
        .filter(|(lo, hi, _)| !matches!((lo, hi), (Some(l), Some(h)) if l >= h))
        .collect();
    bounds.sort_by(|a, b| a.0.cmp(&b.0));
    let mut events = Vec::new();
    // The start of the current gap: `None` = below every version.
    let mut cursor: Option<(Version, String)> = None;
    for (lo, hi, (lo_text, hi_text)) in bounds {
        if let (Some(lo), Some(lo_text)) = (lo, lo_text)
            && cursor.as_ref().is_none_or(|(c, _)| lo > *c)
        {
            events.push(Event::Introduced(
                cursor.as_ref().map_or_else(|| "0".to_owned(), |(_, t)| t.clone()),
            ));
            events.push(Event::Fixed(lo_text));
        }
        match (hi, hi_text) {
            (Some(hi), Some(hi_text)) => {
                if cursor.as_ref().is_none_or(|(c, _)| hi > *c) {
                    cursor = Some((hi, hi_text));
                }
            }
            // Unaffected up to every version: no later gap.
            _ => return events,
        }
    }
    events.push(Event::Introduced(
        cursor.map_or_else(|| "0".to_owned(), |(_, t)| t),
    ));
    events
}

/// A partial version: major, minor and patch when written, pre-release.
type Partial = (u64, Option<u64>, Option<u64>, Option<String>);

/// Reads `M[.m[.p]][-pre]` (`*`/`x` parts count as absent).
fn partial(s: &str) -> Option<Partial> {
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p.to_owned())),
        None => (s, None),
    };
    let mut parts = core.split('.');
    let num = |p: Option<&str>| -> Option<Option<u64>> {
        match p {
            None | Some("*" | "x" | "X") => Some(None),
            Some(n) => n.parse().ok().map(Some),
        }
    };
    let major = parts.next()?.parse().ok()?;
    let minor = num(parts.next())?;
    let patch = if minor.is_some() { num(parts.next())? } else { None };
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch, pre))
}

fn text(major: u64, minor: u64, patch: u64, pre: Option<&str>) -> String {
    match pre {
        Some(p) => format!("{major}.{minor}.{patch}-{p}"),
        None => format!("{major}.{minor}.{patch}"),
    }
}

/// One Cargo comparator as an interval.
fn comparator(c: &str) -> Option<Interval> {
    let c = c.trim();
    if c == "*" {
        return Some((None, None));
    }
    let (op, rest) = [">=", "<=", ">", "<", "=", "~", "^"]
        .iter()
        .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
        .unwrap_or(("^", c));
    let (ma, mi, pa, pre) = partial(rest)?;
    let exact = text(ma, mi.unwrap_or(0), pa.unwrap_or(0), pre.as_deref());
    // The first version above everything the partial version names.
    let above = match (mi, pa) {
        (Some(mi), Some(pa)) => text(ma, mi, pa + 1, Some("0")),
        (Some(mi), None) => text(ma, mi + 1, 0, None),
        _ => text(ma + 1, 0, 0, None),
    };
    Some(match op {
        ">=" => (Some(exact), None),
        ">" => (Some(above), None),
        "<" => (None, Some(exact)),
        "<=" => (None, Some(above)),
        "=" => (Some(exact), Some(above)),
        "~" => {
            let upper = match mi {
                Some(mi) => text(ma, mi + 1, 0, None),
                None => text(ma + 1, 0, 0, None),
            };
            (Some(exact), Some(upper))
        }
        _ => {
            let upper = match (ma, mi, pa) {
                (0, Some(0), Some(p)) => text(0, 0, p + 1, None),
                (0, Some(0), None) => text(0, 1, 0, None),
                (0, Some(m), _) => text(0, m + 1, 0, None),
                _ => text(ma + 1, 0, 0, None),
            };
            (Some(exact), Some(upper))
        }
    })
}

/// A requirement (comma-separated comparators, all of which must hold) as one interval.
fn interval(req: &str) -> Option<Interval> {
    let v = |t: &str| Version::parse(Scheme::Semver, t).ok();
    let mut lo: Option<String> = None;
    let mut hi: Option<String> = None;
    for c in req.split(',') {
        let (l, h) = comparator(c)?;
        if let Some(l) = l
            && lo.as_deref().is_none_or(|cur| v(&l) > v(cur))
        {
            lo = Some(l);
        }
        if let Some(h) = h
            && hi.as_deref().is_none_or(|cur| v(&h) < v(cur))
        {
            hi = Some(h);
        }
    }
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(reqs: &[&str]) -> Vec<String> {
        let iv = reqs.iter().map(|r| interval(r).expect("requirement")).collect();
        affected_events(iv).iter().map(|e| format!("{e:?}")).collect()
    }

    #[test]
    fn requirements_become_the_gaps_between_them() {
        assert_eq!(
            events(&[
                ">= 1.18.4, < 1.19.0",
                ">= 1.20.3, < 1.21.0",
                ">= 1.23.1",
                "< 1.7.0"
            ]),
            [
                "Introduced(\"1.7.0\")",
                "Fixed(\"1.18.4\")",
                "Introduced(\"1.19.0\")",
                "Fixed(\"1.20.3\")",
                "Introduced(\"1.21.0\")",
                "Fixed(\"1.23.1\")"
            ]
        );
        assert_eq!(
            events(&["^0.14.10"]),
            [
                "Introduced(\"0\")",
                "Fixed(\"0.14.10\")",
                "Introduced(\"0.15.0\")"
            ]
        );
        assert_eq!(
            events(&[">= 111.25, < 300.0", ">= 300.0.12"]),
            [
                "Introduced(\"0\")",
                "Fixed(\"111.25.0\")",
                "Introduced(\"300.0.0\")",
                "Fixed(\"300.0.12\")"
            ]
        );
        assert_eq!(events(&[]), ["Introduced(\"0\")"]);
        assert_eq!(events(&["*"]), Vec::<String>::new());
        assert_eq!(events(&["> 1.2.3"]), ["Introduced(\"0\")", "Fixed(\"1.2.4-0\")"]);
        assert_eq!(events(&["<= 1.2"]), ["Introduced(\"1.3.0\")"]);
        assert_eq!(
            events(&["~1.2.3", "=2.0.0"]),
            [
                "Introduced(\"0\")",
                "Fixed(\"1.2.3\")",
                "Introduced(\"1.3.0\")",
                "Fixed(\"2.0.0\")",
                "Introduced(\"2.0.1-0\")"
            ]
        );
        assert!(interval(">= x.y").is_none());
    }
}
