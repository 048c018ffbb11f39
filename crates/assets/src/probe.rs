//! The observable values an object involves, as the asset index looks them up.
//!
//! - An indicator's STIX pattern involves every value it compares for equality (`=`, `IN`, `ISSUBSET`) on a
//!   path that names an address, a domain, a URL, an e-mail address, an AS number or a software identifier,
//!   whatever the boolean structure around it (`AND`, `FOLLOWEDBY`, qualifiers): each such value is part of
//!   what the indicator is about. A comparison under `NOT`, `!=`, `LIKE`, `MATCHES` and orderings name no
//!   value and involve nothing.
//! - An SCO involves its own value (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url` (its host), `email-addr`,
//!   `autonomous-system`, `software` (`cpe`, `swid`, `x_purl`)).
//! - Observed-data involves the SCOs of its (deprecated) `objects` dictionary; those it names in `object_refs`
//!   the caller looks up and passes to `probes_of_sco` itself.
//!
//! Values that cannot be read (a malformed address) are skipped: a probe is a lookup, never a claim.

use serde_json::Value;
use stix_pattern::ast::{CompOp, ComparisonExpr, Literal, ObservationExpr, PathStep};

use crate::claim::{IpNet, normalise_domain};
use crate::software::Software;

/// One observable value to look up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Probe {
    /// An address or network.
    Ip(IpNet),
    /// A DNS name (normalised).
    Domain(String),
    /// An e-mail address (lowercase).
    Email(String),
    /// An AS number.
    Asn(u32),
    /// A software identifier.
    Software(Software),
}

/// The most values one object yields (a pattern with more is read up to here).
pub const MAX_PROBES: usize = 1000;

/// The values an indicator pattern involves (an unparsable pattern involves none).
pub fn probes_of_pattern(text: &str) -> Vec<Probe> {
    let Ok(pattern) = stix_pattern::parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut observations = vec![&pattern.expression];
    let mut comparisons = Vec::new();
    // Iterative walks: patterns may be deep, and no input may exhaust the stack.
    while let Some(expr) = observations.pop() {
        match expr {
            ObservationExpr::Observation(comparison) => comparisons.push(comparison),
            ObservationExpr::And(a, b) | ObservationExpr::Or(a, b) | ObservationExpr::FollowedBy(a, b) => {
                observations.push(b);
                observations.push(a);
            }
            ObservationExpr::Qualified(inner, _) => observations.push(inner),
        }
    }
    while let Some(expr) = comparisons.pop() {
        match expr {
            ComparisonExpr::And(a, b) | ComparisonExpr::Or(a, b) => {
                comparisons.push(b);
                comparisons.push(a);
            }
            ComparisonExpr::Exists { .. } => {}
            ComparisonExpr::Comparison(comparison) => {
                if comparison.negated {
                    continue;
                }
                let path = Path {
                    object_type: &comparison.path.object_type,
                    steps: &comparison.path.steps,
                };
                match (comparison.op, &comparison.value) {
                    (CompOp::Eq | CompOp::IsSubset, literal) => path.probe(literal, &mut out),
                    (CompOp::In, Literal::List(items)) => {
                        for item in items {
                            path.probe(item, &mut out);
                        }
                    }
                    _ => {}
                }
            }
        }
        if out.len() >= MAX_PROBES {
            out.truncate(MAX_PROBES);
            break;
        }
    }
    dedup(out)
}

struct Path<'a> {
    object_type: &'a str,
    steps: &'a [PathStep],
}

impl Path<'_> {
    fn last_key(&self) -> Option<&str> {
        self.steps.iter().rev().find_map(|step| match step {
            PathStep::Key(key) => Some(key.as_str()),
            _ => None,
        })
    }

    fn probe(&self, literal: &Literal, out: &mut Vec<Probe>) {
        let key = self.last_key().unwrap_or_default();
        match (self.object_type, key, literal) {
            ("autonomous-system", "number", Literal::Int(number)) => {
                if let Ok(number) = u32::try_from(*number) {
                    out.push(Probe::Asn(number));
                }
            }
            ("software", key, Literal::Str(text)) if is_software_key(key) => {
                out.extend(Software::parse(text).ok().map(Probe::Software));
            }
            (object_type, "value", Literal::Str(text)) => {
                // The type of the object the path ends on: the root's, or (through a `*_ref`) read from the value.
                let direct = self.steps.len() == 1;
                value_probe(if direct { object_type } else { "" }, text, out);
            }
            _ => {}
        }
    }
}

fn is_software_key(key: &str) -> bool {
    matches!(key, "cpe" | "swid" | "x_purl" | "purl")
}

/// The probe of a `value` property of an object of `object_type` (empty: unknown, judged by the text).
fn value_probe(object_type: &str, text: &str, out: &mut Vec<Probe>) {
    match object_type {
        "ipv4-addr" | "ipv6-addr" => out.extend(IpNet::parse(text, false).ok().map(Probe::Ip)),
        "domain-name" => out.extend(normalise_domain(text).ok().map(Probe::Domain)),
        "email-addr" => out.extend(email_probe(text)),
        "url" => out.extend(url_host_probe(text)),
        "" => {
            if let Ok(net) = IpNet::parse(text, false) {
                out.push(Probe::Ip(net));
            } else if text.contains('@') {
                out.extend(email_probe(text));
            } else if text.contains("://") {
                out.extend(url_host_probe(text));
            } else if let Ok(name) = normalise_domain(text) {
                out.push(Probe::Domain(name));
            }
        }
        _ => {}
    }
}

fn email_probe(text: &str) -> Option<Probe> {
    let (local, domain) = text.rsplit_once('@')?;
    let domain = normalise_domain(domain).ok()?;
    (!local.is_empty()).then(|| Probe::Email(format!("{}@{domain}", local.to_ascii_lowercase())))
}

/// The host of a URL, as a domain or an address.
fn url_host_probe(text: &str) -> Option<Probe> {
    let (_, rest) = text.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if let Some(bracketed) = host_port.strip_prefix('[') {
        bracketed.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    if let Ok(net) = IpNet::parse(host, false) {
        return Some(Probe::Ip(net));
    }
    normalise_domain(host).ok().map(Probe::Domain)
}

/// The values one SCO involves.
pub fn probes_of_sco(sco: &Value) -> Vec<Probe> {
    let mut out = Vec::new();
    let object_type = sco.get("type").and_then(Value::as_str).unwrap_or_default();
    match object_type {
        "autonomous-system" => {
            if let Some(number) = sco
                .get("number")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
            {
                out.push(Probe::Asn(number));
            }
        }
        "software" => {
            for key in ["cpe", "swid", "x_purl", "purl"] {
                if let Some(text) = sco.get(key).and_then(Value::as_str) {
                    out.extend(Software::parse(text).ok().map(Probe::Software));
                }
            }
        }
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "email-addr" | "url" => {
            if let Some(text) = sco.get("value").and_then(Value::as_str) {
                value_probe(object_type, text, &mut out);
            }
        }
        _ => {}
    }
    out
}

/// The values an object involves by itself: an indicator's pattern (`pattern_type` `stix`), an SCO's value,
/// the SCOs of an observed-data's `objects` dictionary. (`object_refs` and a sighting's
/// `observed_data_refs` name other objects: the caller resolves them.)
pub fn probes_of_object(object: &Value) -> Vec<Probe> {
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or_default();
    match object_type {
        "indicator" => {
            let stix = object
                .get("pattern_type")
                .and_then(Value::as_str)
                .is_none_or(|t| t == "stix");
            match object.get("pattern").and_then(Value::as_str) {
                Some(pattern) if stix => probes_of_pattern(pattern),
                _ => Vec::new(),
            }
        }
        "observed-data" => {
            let mut out = Vec::new();
            if let Some(objects) = object.get("objects").and_then(Value::as_object) {
                for sco in objects.values().take(MAX_PROBES) {
                    out.extend(probes_of_sco(sco));
                }
            }
            dedup(out)
        }
        _ => probes_of_sco(object),
    }
}

fn dedup(mut probes: Vec<Probe>) -> Vec<Probe> {
    let mut seen = std::collections::HashSet::with_capacity(probes.len());
    probes.retain(|probe| seen.insert(probe.clone()));
    probes
}

impl Probe {
    /// The value as people read it (`198.51.100.7`, `example.org`, `AS64500`, a PURL or CPE).
    pub fn value(&self) -> String {
        match self {
            Probe::Ip(net) => net.to_string(),
            Probe::Domain(text) | Probe::Email(text) => text.clone(),
            Probe::Asn(number) => format!("AS{number}"),
            Probe::Software(software) => software.to_string(),
        }
    }
}
