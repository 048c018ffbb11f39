//! A report from JSON: every field checked, every problem reported with its field, nothing half-accepted.
//!
//! Limits (so a flood of huge reports costs little): title ≤ 200 characters, description ≤ 20,000, jurisdiction
//! ≤ 128, at most 100 observables of ≤ 2,048 bytes each. Unknown fields are refused by name (a typo like
//! `severty` must not silently drop the severity).

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

use crate::model::{FieldError, Observable, ObservableKind, Report, Severity, System};
use crate::taxonomy::Taxonomy;
use crate::time::parse_rfc3339;

/// The most characters of a title.
pub const MAX_TITLE: usize = 200;
/// The most characters of a description.
pub const MAX_DESCRIPTION: usize = 20_000;
/// The most observables of one report.
pub const MAX_OBSERVABLES: usize = 100;
/// The most bytes of one observable value.
pub const MAX_OBSERVABLE: usize = 2048;
/// The most characters of a jurisdiction name.
pub const MAX_JURISDICTION: usize = 128;

const FIELDS: [&str; 10] = [
    "title",
    "category",
    "severity",
    "description",
    "jurisdiction",
    "systems",
    "occurred",
    "observables",
    "exercise",
    "source",
];

/// Validates a report (`value` is the request body), against `taxonomy`.
pub fn validate_report(value: &Value, taxonomy: &Taxonomy) -> Result<Report, Vec<FieldError>> {
    let Some(map) = value.as_object() else {
        return Err(vec![FieldError::new("", "the report must be a JSON object")]);
    };
    let mut errors = Vec::new();
    for key in map.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        errors.push(FieldError::new(
            key.chars().take(64).collect::<String>(),
            "unknown field",
        ));
    }
    let title = required_text(map, "title", MAX_TITLE, &mut errors);
    let description = required_text(map, "description", MAX_DESCRIPTION, &mut errors);
    let category = match required_text(map, "category", 64, &mut errors) {
        Some(id) if taxonomy.get(&id).is_some() => Some(id),
        Some(_) => {
            errors.push(FieldError::new(
                "category",
                "not a category of the taxonomy (GET /incidents/v1/categories lists them)",
            ));
            None
        }
        None => None,
    };
    let severity = match required_text(map, "severity", 16, &mut errors) {
        Some(text) => match Severity::parse(&text) {
            Some(severity) => Some(severity),
            None => {
                errors.push(FieldError::new(
                    "severity",
                    "must be low, medium, high or critical",
                ));
                None
            }
        },
        None => None,
    };
    let jurisdiction = optional_text(map, "jurisdiction", MAX_JURISDICTION, &mut errors);
    let systems = systems(map.get("systems"), &mut errors);
    let occurred_micros = match map.get("occurred") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => match parse_rfc3339(text.trim()) {
            Some(micros) => Some(micros),
            None => {
                errors.push(FieldError::new(
                    "occurred",
                    "must be an RFC 3339 date-time, e.g. 2026-11-03T14:05:00Z",
                ));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new("occurred", "must be a string"));
            None
        }
    };
    let observables = observables(map.get("observables"), &mut errors);
    let exercise = match map.get("exercise") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => {
            errors.push(FieldError::new("exercise", "must be true or false"));
            false
        }
    };
    match (title, category, severity, description) {
        (Some(title), Some(category), Some(severity), Some(description)) if errors.is_empty() => Ok(Report {
            title,
            category,
            severity,
            description,
            jurisdiction,
            systems,
            occurred_micros,
            observables,
            exercise,
        }),
        _ => Err(errors),
    }
}

fn optional_text(
    map: &Map<String, Value>,
    key: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            let text = text.trim();
            if text.chars().count() > max {
                errors.push(FieldError::new(key, format!("must be at most {max} characters")));
                None
            } else if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
            {
                errors.push(FieldError::new(key, "must not contain control characters"));
                None
            } else if text.is_empty() {
                None
            } else {
                Some(text.to_owned())
            }
        }
        Some(_) => {
            errors.push(FieldError::new(key, "must be a string"));
            None
        }
    }
}

fn required_text(
    map: &Map<String, Value>,
    key: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let n_before = errors.len();
    let text = optional_text(map, key, max, errors);
    if text.is_none() && errors.len() == n_before {
        errors.push(FieldError::new(key, "is required"));
    }
    text
}

fn systems(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<System> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= System::ALL.len() * 2 => items,
        Some(Value::Array(_)) => {
            errors.push(FieldError::new("systems", "too many entries"));
            return Vec::new();
        }
        Some(_) => {
            errors.push(FieldError::new("systems", "must be an array"));
            return Vec::new();
        }
    };
    let mut systems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str().and_then(System::parse) {
            Some(system) if !systems.contains(&system) => systems.push(system),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("systems[{i}]"),
                "must be one of voter-registration, e-pollbook, tabulation, results-website, email, \
                 social-media, physical",
            )),
        }
    }
    systems.sort();
    systems
}

fn observables(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<Observable> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_OBSERVABLES => items,
        Some(Value::Array(_)) => {
            errors.push(FieldError::new(
                "observables",
                format!("at most {MAX_OBSERVABLES} observables"),
            ));
            return Vec::new();
        }
        Some(_) => {
            errors.push(FieldError::new("observables", "must be an array"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |name: &str| format!("observables[{i}].{name}");
        let Some(map) = item.as_object() else {
            errors.push(FieldError::new(format!("observables[{i}]"), "must be an object"));
            continue;
        };
        if let Some(key) = map
            .keys()
            .find(|k| !["type", "value", "hash"].contains(&k.as_str()))
        {
            errors.push(FieldError::new(
                field(&key.chars().take(64).collect::<String>()),
                "unknown field",
            ));
            continue;
        }
        let Some(kind) = map
            .get("type")
            .and_then(Value::as_str)
            .and_then(ObservableKind::parse)
        else {
            errors.push(FieldError::new(
                field("type"),
                "must be one of ipv4-addr, ipv6-addr, domain-name, url, email-addr, file",
            ));
            continue;
        };
        let hash = match map.get("hash") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) if kind == ObservableKind::File => match hash_name(name) {
                Some(name) => Some(name.to_owned()),
                None => {
                    errors.push(FieldError::new(
                        field("hash"),
                        "must be MD5, SHA-1, SHA-256 or SHA-512",
                    ));
                    continue;
                }
            },
            Some(_) => {
                errors.push(FieldError::new(field("hash"), "only a file has a hash algorithm"));
                continue;
            }
        };
        let Some(value) = map.get("value").and_then(Value::as_str).map(str::trim) else {
            errors.push(FieldError::new(field("value"), "is required (a string)"));
            continue;
        };
        if value.is_empty() || value.len() > MAX_OBSERVABLE {
            errors.push(FieldError::new(
                field("value"),
                format!("must be 1 to {MAX_OBSERVABLE} bytes"),
            ));
            continue;
        }
        match normalise(kind, value, hash.as_deref()) {
            Ok((value, hash)) => out.push(Observable { kind, value, hash }),
            Err(message) => errors.push(FieldError::new(field("value"), message)),
        }
    }
    out
}

fn hash_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_uppercase().replace('_', "-").as_str() {
        "MD5" => Some("MD5"),
        "SHA-1" | "SHA1" => Some("SHA-1"),
        "SHA-256" | "SHA256" => Some("SHA-256"),
        "SHA-512" | "SHA512" => Some("SHA-512"),
        _ => None,
    }
}

/// The value in its normal form, and for a file the hash algorithm (from `hash` or the hash's length).
fn normalise(
    kind: ObservableKind,
    value: &str,
    hash: Option<&str>,
) -> Result<(String, Option<String>), String> {
    let ok = |v: String| Ok((v, None));
    match kind {
        ObservableKind::Ipv4Addr => match value.split_once('/') {
            None if value.parse::<Ipv4Addr>().is_ok() => ok(value.to_owned()),
            Some((ip, len)) if ip.parse::<Ipv4Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 32) => {
                ok(value.to_owned())
            }
            _ => Err("not an IPv4 address or CIDR".to_owned()),
        },
        ObservableKind::Ipv6Addr => match value.split_once('/') {
            None if value.parse::<Ipv6Addr>().is_ok() => ok(value.to_ascii_lowercase()),
            Some((ip, len))
                if ip.parse::<Ipv6Addr>().is_ok() && len.parse::<u8>().is_ok_and(|l| l <= 128) =>
            {
                ok(value.to_ascii_lowercase())
            }
            _ => Err("not an IPv6 address or CIDR".to_owned()),
        },
        ObservableKind::DomainName => {
            let domain = value.trim_end_matches('.').to_ascii_lowercase();
            if is_domain(&domain) {
                ok(domain)
            } else {
                Err("not a domain name (e.g. vote-info.example)".to_owned())
            }
        }
        ObservableKind::Url => {
            let lower = value.to_ascii_lowercase();
            let rest = lower
                .strip_prefix("http://")
                .or_else(|| lower.strip_prefix("https://"))
                .or_else(|| lower.strip_prefix("ftp://"));
            match rest {
                Some(rest)
                    if !rest.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    ok(value.to_owned())
                }
                _ => Err("not a URL (http://, https:// or ftp://, no spaces)".to_owned()),
            }
        }
        ObservableKind::EmailAddr => match value.rsplit_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && local.len() <= 64
                    && !local
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || c == '@')
                    && is_domain(&domain.to_ascii_lowercase()) =>
            {
                ok(format!("{local}@{}", domain.to_ascii_lowercase()))
            }
            _ => Err("not an e-mail address".to_owned()),
        },
        ObservableKind::File => {
            let hex = value.to_ascii_lowercase();
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("a file is given by its hash (hexadecimal)".to_owned());
            }
            let by_length = match hex.len() {
                32 => Some("MD5"),
                40 => Some("SHA-1"),
                64 => Some("SHA-256"),
                128 => Some("SHA-512"),
                _ => None,
            };
            match (hash, by_length) {
                (Some(named), Some(found)) if named == found => Ok((hex, Some(named.to_owned()))),
                (None, Some(found)) => Ok((hex, Some(found.to_owned()))),
                (Some(named), _) => Err(format!("not a {named} hash (wrong length)")),
                (None, None) => Err("not an MD5, SHA-1, SHA-256 or SHA-512 hash".to_owned()),
            }
        }
    }
}

fn is_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests;
